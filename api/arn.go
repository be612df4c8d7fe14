package api

import (
	"context"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

// Resource types in Step Functions ARNs.
const (
	rtStateMachine = "stateMachine"
	rtExecution    = "execution"
	rtExpress      = "express"
	rtActivity     = "activity"
	rtMapRun       = "mapRun"
)

// arn is a parsed Step Functions ARN: arn:<partition>:states:<region>:<account>:<type>:<rest>.
type arn struct {
	Partition, Region, Account, Type string
	// Parts are the colon-separated fields after the type: [name] for a state machine or an
	// activity, [name, qualifier] for a version or an alias, [smName, execName] for an
	// execution, [smName, execName, id] for an Express execution, [smName/label, id] for a
	// Map run.
	Parts []string
}

// parseArn splits s. It answers InvalidArn for anything that is not a states ARN, and for a
// resource type not among want.
func parseArn(s string, want ...string) (arn, *Error) {
	f := strings.Split(s, ":")
	if len(f) < 7 || f[0] != "arn" || f[1] == "" || f[2] != "states" {
		return arn{}, errInvalidArn("Invalid ARN prefix: " + s)
	}
	a := arn{Partition: f[1], Region: f[3], Account: f[4], Type: f[5], Parts: f[6:]}
	ok := false
	for _, w := range want {
		ok = ok || a.Type == w
	}
	if !ok {
		return arn{}, errInvalidArn("Resource type not valid in this context: " + a.Type)
	}
	for _, p := range a.Parts {
		if p == "" {
			return arn{}, errInvalidArn("Invalid ARN: " + s)
		}
	}
	max := map[string]int{rtStateMachine: 2, rtExecution: 2, rtExpress: 3, rtActivity: 1, rtMapRun: 2}[a.Type]
	if len(a.Parts) > max || (a.Type == rtExecution && len(a.Parts) != 2) || (a.Type == rtExpress && len(a.Parts) != 3) {
		return arn{}, errInvalidArn("Invalid ARN: " + s)
	}
	return a, nil
}

// stateMachineRef is a state machine ARN resolved to its kind.
type stateMachineRef struct {
	Base    string // the unqualified state machine ARN
	Name    string
	Version int    // > 0 for a version ARN
	Alias   string // non-empty for an alias ARN
	Label   string // a Distributed Map label ("name/label")
}

// regionKey carries the region a request was signed for in its context.
type regionKey struct{}

// withRegion returns ctx carrying region, the region every ARN the request creates is in.
func withRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// regionOf is the region of the request behind ctx: its SigV4 credential scope's, else the
// Service's default (unsigned requests, in-process calls).
func (s *Service) regionOf(ctx context.Context) string {
	if r, ok := ctx.Value(regionKey{}).(string); ok && r != "" {
		return r
	}
	return s.region
}

// arnPrefix is "arn:<partition>:states:<region>:<account>:" for the request's region.
func (s *Service) arnPrefix(ctx context.Context) string {
	region := s.regionOf(ctx)
	partition := awsproto.Partition(region)
	if region == s.region && s.partition != "" {
		partition = s.partition
	}
	return "arn:" + partition + ":states:" + region + ":" + s.account + ":"
}

func (s *Service) smArn(ctx context.Context, name string) string {
	return s.arnPrefix(ctx) + "stateMachine:" + name
}

func (s *Service) activityArn(ctx context.Context, name string) string {
	return s.arnPrefix(ctx) + "activity:" + name
}

// executionArn and expressArn name an execution of the state machine smArn, in its partition,
// region and account.
func executionArn(smArn, name string) string {
	return arnPrefixOf(smArn) + "execution:" + smName(smArn) + ":" + name
}

func expressArn(smArn, name, id string) string {
	return arnPrefixOf(smArn) + "express:" + smName(smArn) + ":" + name + ":" + id
}

// arnPrefixOf returns "arn:<partition>:states:<region>:<account>:" of a states ARN.
func arnPrefixOf(a string) string {
	n := 0
	for i := 0; i < len(a); i++ {
		if a[i] == ':' {
			if n++; n == 5 {
				return a[:i+1]
			}
		}
	}
	return a
}

// smName is the last field of an unqualified state machine ARN.
func smName(a string) string { return a[strings.LastIndexByte(a, ':')+1:] }

// here reports whether a states ARN names a resource of the request's partition and region.
// AWS keeps Step Functions resources per region: an ARN of another region is answered as a
// resource that does not exist (ExecutionDoesNotExist, StateMachineDoesNotExist, ...), not
// found. In-process calls whose ctx carries no region (the console, WaitExecution, embedding
// programs) see every region; HTTP requests always carry one (see serveHTTP).
func (s *Service) here(ctx context.Context, a string) bool {
	if r, ok := ctx.Value(regionKey{}).(string); !ok || r == "" {
		return true
	}
	return s.inRegion(ctx, a)
}

// inRegion reports whether a states ARN is in the request's partition and region (lists show
// only the resources of the region they are asked in).
func (s *Service) inRegion(ctx context.Context, a string) bool {
	return strings.HasPrefix(a, s.arnPrefix(ctx))
}

// parseStateMachineArn resolves a (possibly qualified) state machine ARN.
func parseStateMachineArn(s string) (stateMachineRef, *Error) {
	a, err := parseArn(s, rtStateMachine)
	if err != nil {
		return stateMachineRef{}, err
	}
	name := a.Parts[0]
	ref := stateMachineRef{Name: name}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		ref.Name, ref.Label = name[:i], name[i+1:]
	}
	ref.Base = "arn:" + a.Partition + ":states:" + a.Region + ":" + a.Account + ":stateMachine:" + ref.Name
	if len(a.Parts) == 2 {
		q := a.Parts[1]
		if n, err := strconv.Atoi(q); err == nil && q[0] != '0' && q[0] != '+' && q[0] != '-' {
			ref.Version = n
		} else {
			ref.Alias = q
		}
	}
	return ref, nil
}

// checkRoleArn answers InvalidArn for a role ARN that is not an IAM role's,
// arn:<partition>:iam::<account>:role/<path/name>, as CreateStateMachine, UpdateStateMachine
// and TestState require; nil when in is nil.
func checkRoleArn(in *string) *Error {
	if in == nil {
		return nil
	}
	s := *in
	f := strings.SplitN(s, ":", 6)
	if len(f) < 6 || f[0] != "arn" || f[1] == "" {
		return errInvalidArn("Invalid ARN prefix: " + s)
	}
	if f[2] != "iam" || f[3] != "" || f[4] == "" || !strings.HasPrefix(f[5], "role/") || len(f[5]) == len("role/") {
		return errInvalidArn("Invalid ARN: " + s)
	}
	return nil
}
