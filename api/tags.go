package api

import (
	"context"

	"github.com/sfnlocal/sfnlocal/api/store"
)

const maxTags = 50

// mergeTags applies new tags over old ones: a key already present takes the new value.
func mergeTags(old []store.Tag, add []Tag) []store.Tag {
	out := append([]store.Tag(nil), old...)
	for _, t := range add {
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		found := false
		for i := range out {
			if out[i].Key == *t.Key {
				out[i].Value, found = v, true
			}
		}
		if !found {
			out = append(out, store.Tag{Key: *t.Key, Value: v})
		}
	}
	return out
}

// taggable checks a resource ARN: state machines and activities carry tags; versions and
// aliases do not (AWS answers ResourceNotFound for a version ARN).
func (s *Service) taggable(ctx context.Context, arnText string) error {
	a, aerr := parseArn(arnText, rtStateMachine, rtActivity)
	if aerr != nil {
		return aerr
	}
	exists := false
	switch {
	case a.Type == rtActivity:
		exists = s.activityExists(arnText)
	case len(a.Parts) == 1:
		_, exists = s.store.GetStateMachine(arnText)
	}
	if !exists || !s.here(ctx, arnText) {
		return errTagResourceNotFound(arnText)
	}
	return nil
}

func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	var ck checks
	ck.str("resourceArn", in.ResourceArn, true, 1, 256)
	ck.required("tags", in.Tags != nil)
	checkTags(&ck, in.Tags)
	if err := ck.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.taggable(ctx, *in.ResourceArn); err != nil {
		return nil, err
	}
	tags := mergeTags(s.store.Tags(*in.ResourceArn), in.Tags)
	if len(tags) > maxTags {
		return nil, &Error{Code: CodeTooManyTags, Message: "Too many tags: the maximum is 50", ResourceName: *in.ResourceArn}
	}
	s.store.SetTags(*in.ResourceArn, tags)
	return &Empty{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	var ck checks
	ck.str("resourceArn", in.ResourceArn, true, 1, 256)
	ck.required("tagKeys", in.TagKeys != nil)
	for i := range in.TagKeys {
		ck.str("tagKeys."+itoa(i+1)+".member", &in.TagKeys[i], true, 1, 128)
	}
	if err := ck.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.taggable(ctx, *in.ResourceArn); err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	var kept []store.Tag
	for _, t := range s.store.Tags(*in.ResourceArn) {
		if !drop[t.Key] {
			kept = append(kept, t)
		}
	}
	s.store.SetTags(*in.ResourceArn, kept)
	return &Empty{}, nil
}

func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	var ck checks
	ck.str("resourceArn", in.ResourceArn, true, 1, 256)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if err := s.taggable(ctx, *in.ResourceArn); err != nil {
		return nil, err
	}
	out := &ListTagsForResourceOutput{Tags: []TagOut{}}
	for _, t := range s.store.Tags(*in.ResourceArn) {
		out.Tags = append(out.Tags, TagOut{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
