package api

import (
	"context"
	"errors"
	"time"

	"github.com/sfnlocal/sfnlocal/api/store"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// activityPoll is how long GetActivityTask holds a request open (AWS: up to 60 seconds).
const activityPoll = 60 * time.Second

var errPollTimeout = errors.New("activity poll timed out")

func (s *Service) activityExists(arn string) bool {
	_, ok := s.store.GetActivity(arn)
	return ok
}

func (s *Service) CreateActivity(ctx context.Context, in *CreateActivityInput) (*CreateActivityOutput, error) {
	var ck checks
	ck.str("name", in.Name, true, 1, 80)
	checkTags(&ck, in.Tags)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if !validName(*in.Name) {
		return nil, errInvalidName(*in.Name)
	}
	encryption, err := encryptionJSON(in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	if err := s.checkKey(ctx, in.EncryptionConfiguration); err != nil {
		return nil, err
	}
	arn := s.activityArn(ctx, *in.Name)
	if len(in.Tags) > 50 {
		return nil, &Error{Code: CodeTooManyTags, Message: "Too many tags: the maximum is 50", ResourceName: arn}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.store.GetActivity(arn); ok {
		if old.Encryption != encryption {
			return nil, newError(CodeActivityAlreadyExists, "Activity already exists: '%s'", arn)
		}
		return &CreateActivityOutput{ActivityArn: arn, CreationDate: ts(old.CreationDate)}, nil
	}
	now := s.clock.Now()
	s.store.PutActivity(store.Activity{Arn: arn, Name: *in.Name, Encryption: encryption, CreationDate: now})
	if len(in.Tags) > 0 {
		s.store.SetTags(arn, mergeTags(nil, in.Tags))
	}
	return &CreateActivityOutput{ActivityArn: arn, CreationDate: ts(now)}, nil
}

func (s *Service) checkActivityArn(in *ActivityArnInput) error {
	var ck checks
	ck.str("activityArn", in.ActivityArn, true, 1, 256)
	if err := ck.err(); err != nil {
		return err
	}
	if _, aerr := parseArn(*in.ActivityArn, rtActivity); aerr != nil {
		return aerr
	}
	return nil
}

func (s *Service) DescribeActivity(ctx context.Context, in *ActivityArnInput) (*DescribeActivityOutput, error) {
	if err := s.checkActivityArn(in); err != nil {
		return nil, err
	}
	a, ok := s.store.GetActivity(*in.ActivityArn)
	if !ok || !s.here(ctx, *in.ActivityArn) {
		return nil, errActivityDoesNotExist(*in.ActivityArn)
	}
	return &DescribeActivityOutput{ActivityArn: a.Arn, Name: a.Name, CreationDate: ts(a.CreationDate), EncryptionConfiguration: encryptionOut(a.Encryption)}, nil
}

func (s *Service) DeleteActivity(ctx context.Context, in *ActivityArnInput) (*Empty, error) {
	if err := s.checkActivityArn(in); err != nil {
		return nil, err
	}
	if s.here(ctx, *in.ActivityArn) {
		s.store.DeleteActivity(*in.ActivityArn)
	}
	return &Empty{}, nil
}

func (s *Service) ListActivities(ctx context.Context, in *ListActivitiesInput) (*ListActivitiesOutput, error) {
	var ck checks
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	var acts []store.Activity
	for _, a := range s.store.ListActivities() {
		if s.inRegion(ctx, a.Arn) {
			acts = append(acts, a)
		}
	}
	page, next, err := paginate(s, "act"+s.arnPrefix(ctx), acts, func(a store.Activity) string { return a.Arn }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListActivitiesOutput{Activities: make([]ActivityListItem, 0, len(page)), NextToken: next}
	for _, a := range page {
		out.Activities = append(out.Activities, ActivityListItem{ActivityArn: a.Arn, Name: a.Name, CreationDate: ts(a.CreationDate)})
	}
	return out, nil
}

func (s *Service) GetActivityTask(ctx context.Context, in *GetActivityTaskInput) (*GetActivityTaskOutput, error) {
	var ck checks
	ck.str("activityArn", in.ActivityArn, true, 1, 256)
	ck.str("workerName", in.WorkerName, false, 1, 80)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, aerr := parseArn(*in.ActivityArn, rtActivity); aerr != nil {
		return nil, aerr
	}
	if !s.activityExists(*in.ActivityArn) || !s.here(ctx, *in.ActivityArn) {
		return nil, errActivityDoesNotExist(*in.ActivityArn)
	}
	worker := ""
	if in.WorkerName != nil {
		worker = *in.WorkerName
	}
	pctx, cancel := clock.WithTimeout(ctx, s.clock, activityPoll, errPollTimeout)
	defer cancel()
	token, input, err := s.engine.GetActivityTask(pctx, *in.ActivityArn, worker)
	if err != nil && pctx.Err() == nil {
		return nil, err
	}
	if token == "" {
		return &GetActivityTaskOutput{}, nil
	}
	return &GetActivityTaskOutput{TaskToken: &token, Input: &input}, nil
}

// Task tokens.

func checkToken(ck *checks, token *string) {
	ck.str("taskToken", token, true, 1, 2048)
}

func (s *Service) SendTaskSuccess(ctx context.Context, in *SendTaskSuccessInput) (*Empty, error) {
	var ck checks
	checkToken(&ck, in.TaskToken)
	ck.payload("output", in.Output, true, 0, 262144)
	if err := ck.err(); err != nil {
		return nil, err
	}
	// The engine checks the token before the output, as AWS does: a bad token with a bad
	// output is InvalidToken.
	if err := s.engine.SendTaskSuccess(*in.TaskToken, *in.Output); err != nil {
		if errors.Is(err, ErrTaskOutputBad) {
			// Jackson's description, never Go's parser text.
			return nil, newError(CodeInvalidOutput, "Invalid Output: '%s'", jsonProblem(*in.Output))
		}
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) SendTaskFailure(ctx context.Context, in *SendTaskFailureInput) (*Empty, error) {
	var ck checks
	checkToken(&ck, in.TaskToken)
	ck.sensitive("error", in.Error, false, 0, 256)
	ck.sensitive("cause", in.Cause, false, 0, 32768)
	if err := ck.err(); err != nil {
		return nil, err
	}
	var e, c string
	if in.Error != nil {
		e = *in.Error
	}
	if in.Cause != nil {
		c = *in.Cause
	}
	if err := s.engine.SendTaskFailure(*in.TaskToken, e, c); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) SendTaskHeartbeat(ctx context.Context, in *SendTaskHeartbeatInput) (*Empty, error) {
	var ck checks
	checkToken(&ck, in.TaskToken)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskHeartbeat(*in.TaskToken); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
