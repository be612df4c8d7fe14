package api

import (
	"context"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// Map runs exist only for Distributed Map states. The engine runs Map states inline, so no
// Map run ever exists: the operations answer as AWS does for an execution without one.

func (s *Service) DescribeMapRun(ctx context.Context, in *DescribeMapRunInput) (*Empty, error) {
	var ck checks
	ck.str("mapRunArn", in.MapRunArn, true, 1, 2000)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, aerr := parseArn(*in.MapRunArn, rtMapRun); aerr != nil {
		return nil, aerr
	}
	return nil, errResourceNotFound(*in.MapRunArn)
}

func (s *Service) ListMapRuns(ctx context.Context, in *ListMapRunsInput) (*ListMapRunsOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, _, err := s.lookupExecution(ctx, *in.ExecutionArn); err != nil {
		return nil, err
	}
	if in.NextToken != nil {
		if _, _, ok := s.readToken("mr:"+*in.ExecutionArn, *in.NextToken); !ok {
			return nil, errInvalidPageToken()
		}
	}
	return &ListMapRunsOutput{MapRuns: []MapRunListItem{}}, nil
}

func (s *Service) UpdateMapRun(ctx context.Context, in *UpdateMapRunInput) (*Empty, error) {
	var ck checks
	ck.str("mapRunArn", in.MapRunArn, true, 1, 2000)
	ck.intRange("maxConcurrency", in.MaxConcurrency, 0, 1<<31-1)
	ck.floatRange("toleratedFailurePercentage", in.ToleratedFailurePercentage, 0, 100)
	ck.intRange("toleratedFailureCount", in.ToleratedFailureCount, 0, 1<<62)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, aerr := parseArn(*in.MapRunArn, rtMapRun); aerr != nil {
		return nil, aerr
	}
	return nil, errResourceNotFound(*in.MapRunArn)
}
