package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/api/store"
)

func invalidRouting(format string, args ...any) *Error {
	return &Error{Code: CodeValidationException, Message: fmt.Sprintf(format, args...), Reason: "INVALID_ROUTING_CONFIGURATION"}
}

// checkRouting validates a routing configuration against the model and AWS's rules: one or
// two distinct versions of one state machine, weights 0..100 summing to 100, versions existing.
func (s *Service) checkRouting(ck *checks, items []RoutingConfigurationListItem) {
	if items != nil && (len(items) < 1 || len(items) > 2) {
		parts := make([]string, len(items))
		for i, r := range items {
			w := "null"
			if r.Weight != nil {
				w = strconv.FormatInt(*r.Weight, 10)
			}
			parts[i] = fmt.Sprintf("RoutingConfigurationListItem(stateMachineVersionArn=%s, weight=%s)", aws(r.StateMachineVersionArn), w)
		}
		constraint := "Member must have length less than or equal to 2"
		if len(items) < 1 {
			constraint = "Member must have length greater than or equal to 1"
		}
		ck.add(quote("["+strings.Join(parts, ", ")+"]"), "routingConfiguration", constraint)
	}
	for i, r := range items {
		m := fmt.Sprintf("routingConfiguration.%d.member", i+1)
		ck.str(m+".stateMachineVersionArn", r.StateMachineVersionArn, true, 1, 256)
		if ck.required(m+".weight", r.Weight != nil) {
			ck.intRange(m+".weight", r.Weight, 0, 100)
		}
	}
}

// resolveRouting applies AWS's routing rules in AWS's order (messages as recorded): only
// version ARNs, distinct, weights summing to 100, one state machine, versions existing.
func (s *Service) resolveRouting(items []RoutingConfigurationListItem) (smArn string, routes []store.Route, err error) {
	arns := make([]string, len(items))
	weights := make([]string, len(items))
	refs := make([]stateMachineRef, len(items))
	allVersions := true
	for i, r := range items {
		arns[i] = *r.StateMachineVersionArn
		weights[i] = strconv.FormatInt(*r.Weight, 10)
		ref, aerr := parseStateMachineArn(arns[i])
		if aerr != nil {
			return "", nil, aerr
		}
		refs[i] = ref
		allVersions = allVersions && ref.Version > 0
	}
	received := "[" + strings.Join(arns, ", ") + "]"
	if !allVersions {
		return "", nil, invalidRouting("Routing configuration must contain state machine version ARNs. Received: %s", received)
	}
	if len(items) == 2 && arns[0] == arns[1] {
		return "", nil, invalidRouting("Routing configuration must contain distinct state machine version ARNs. Received: %s", received)
	}
	sum := int64(0)
	for _, r := range items {
		sum += *r.Weight
	}
	if sum != 100 {
		return "", nil, invalidRouting("Sum of routing configuration weights must equal 100. Received: [%s]", strings.Join(weights, ", "))
	}
	for i, r := range items {
		if i > 0 && refs[i].Base != refs[0].Base {
			return "", nil, invalidRouting("Routing configuration must contain versions of the same state machine. Received: %s", received)
		}
		if _, ok := s.store.GetVersion(arns[i]); !ok {
			return "", nil, errResourceNotFound(arns[i])
		}
		routes = append(routes, store.Route{VersionArn: arns[i], Weight: int(*r.Weight)})
	}
	return refs[0].Base, routes, nil
}

// aws renders an optional string as AWS's Java toString does.
func aws(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func sameRoutes(a, b []store.Route) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *Service) CreateStateMachineAlias(ctx context.Context, in *CreateStateMachineAliasInput) (*CreateStateMachineAliasOutput, error) {
	var ck checks
	ck.sensitive("description", in.Description, false, 0, 256)
	ck.str("name", in.Name, true, 1, 80)
	ck.pattern("name", in.Name, validAliasName, `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`)
	ck.required("routingConfiguration", in.RoutingConfiguration != nil)
	s.checkRouting(&ck, in.RoutingConfiguration)
	if err := ck.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	smArn, routes, err := s.resolveRouting(in.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	sm, ok := s.store.GetStateMachine(smArn)
	if !ok {
		return nil, errResourceNotFound(smArn)
	}
	if sm.Deleting {
		return nil, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", sm.Arn)
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	arn := smArn + ":" + *in.Name
	if old, ok := s.store.GetAlias(arn); ok {
		if old.Description == desc && sameRoutes(old.Routing, routes) {
			return &CreateStateMachineAliasOutput{StateMachineAliasArn: arn, CreationDate: ts(old.CreationDate)}, nil
		}
		return nil, newError(CodeConflictException, "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
	}
	if len(s.store.ListAliases(smArn)) >= 100 {
		return nil, newError(CodeServiceQuotaExceededException, "The maximum number of aliases (100) has been reached for state machine '%s'", smArn)
	}
	now := s.clock.Now()
	// AWS reports an alias' updateDate from its creation on.
	s.store.PutAlias(store.Alias{Arn: arn, StateMachineArn: smArn, Name: *in.Name, Description: desc, Routing: routes, CreationDate: now, UpdateDate: now})
	return &CreateStateMachineAliasOutput{StateMachineAliasArn: arn, CreationDate: ts(now)}, nil
}

// lookupAlias parses and finds an alias ARN.
func (s *Service) lookupAlias(ctx context.Context, arnText string) (store.Alias, error) {
	ref, aerr := parseStateMachineArn(arnText)
	if aerr != nil {
		return store.Alias{}, aerr
	}
	if ref.Alias == "" {
		return store.Alias{}, errInvalidArn("Invalid alias ARN: " + arnText)
	}
	a, ok := s.store.GetAlias(arnText)
	if !ok || !s.here(ctx, arnText) {
		return store.Alias{}, errResourceNotFound(arnText)
	}
	return a, nil
}

func (s *Service) DescribeStateMachineAlias(ctx context.Context, in *DescribeStateMachineAliasInput) (*DescribeStateMachineAliasOutput, error) {
	var ck checks
	ck.str("stateMachineAliasArn", in.StateMachineAliasArn, true, 1, 256)
	if err := ck.err(); err != nil {
		return nil, err
	}
	a, err := s.lookupAlias(ctx, *in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	out := &DescribeStateMachineAliasOutput{
		StateMachineAliasArn: a.Arn, Name: a.Name, CreationDate: ts(a.CreationDate), UpdateDate: ts(a.UpdateDate),
	}
	if a.Description != "" {
		d := a.Description
		out.Description = &d
	}
	for _, r := range a.Routing {
		out.RoutingConfiguration = append(out.RoutingConfiguration, RoutingItem{StateMachineVersionArn: r.VersionArn, Weight: r.Weight})
	}
	return out, nil
}

func (s *Service) UpdateStateMachineAlias(ctx context.Context, in *UpdateStateMachineAliasInput) (*UpdateStateMachineAliasOutput, error) {
	var ck checks
	ck.str("stateMachineAliasArn", in.StateMachineAliasArn, true, 1, 256)
	ck.sensitive("description", in.Description, false, 0, 256)
	s.checkRouting(&ck, in.RoutingConfiguration)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, &Error{Code: CodeValidationException, Message: "Either the description or the RoutingConfiguration must be specified", Reason: "MISSING_REQUIRED_PARAMETER"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookupAlias(ctx, *in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if sm, ok := s.store.GetStateMachine(a.StateMachineArn); ok && sm.Deleting {
		return nil, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", sm.Arn)
	}
	if in.RoutingConfiguration != nil {
		smArn, routes, err := s.resolveRouting(in.RoutingConfiguration)
		if err != nil {
			return nil, err
		}
		if smArn != a.StateMachineArn {
			return nil, invalidRouting("Routing configuration versions must belong to the alias' state machine")
		}
		a.Routing = routes
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	a.UpdateDate = s.clock.Now()
	s.store.PutAlias(a)
	return &UpdateStateMachineAliasOutput{UpdateDate: ts(a.UpdateDate)}, nil
}

func (s *Service) DeleteStateMachineAlias(ctx context.Context, in *DeleteStateMachineAliasInput) (*Empty, error) {
	var ck checks
	ck.str("stateMachineAliasArn", in.StateMachineAliasArn, true, 1, 256)
	if err := ck.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookupAlias(ctx, *in.StateMachineAliasArn)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == CodeResourceNotFound {
			return &Empty{}, nil // deleting a missing alias succeeds, as on AWS
		}
		return nil, err
	}
	s.store.DeleteAlias(a.Arn)
	return &Empty{}, nil
}

func (s *Service) ListStateMachineAliases(ctx context.Context, in *ListStateMachineAliasesInput) (*ListStateMachineAliasesOutput, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Alias != "" || ref.Label != "" {
		return nil, errInvalidArn("Resource type not valid in this context: qualified stateMachine")
	}
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return nil, errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	if sm.Deleting {
		return nil, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", sm.Arn)
	}
	aliases := s.store.ListAliases(ref.Base)
	if ref.Version > 0 {
		if _, ok := s.store.GetVersion(*in.StateMachineArn); !ok {
			return nil, errResourceNotFound(*in.StateMachineArn)
		}
		var filtered []store.Alias
		for _, a := range aliases {
			for _, r := range a.Routing {
				if r.VersionArn == *in.StateMachineArn {
					filtered = append(filtered, a)
					break
				}
			}
		}
		aliases = filtered
	}
	page, next, err := paginate(s, "a:"+*in.StateMachineArn, aliases, func(a store.Alias) string { return a.Arn }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListStateMachineAliasesOutput{StateMachineAliases: make([]StateMachineAliasListItem, 0, len(page)), NextToken: next}
	for _, a := range page {
		out.StateMachineAliases = append(out.StateMachineAliases, StateMachineAliasListItem{StateMachineAliasArn: a.Arn, CreationDate: ts(a.CreationDate)})
	}
	return out, nil
}
