package batch

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Placement tags: they steer where a job runs on a cluster backend (services/batch/swarm)
// and are ignored by the local runner. They may be set on the compute environment, the job
// definition and the job (SubmitJob's tags).
const (
	// TagConstraint holds one placement constraint in Docker Swarm's syntax
	// (node.labels.gpu==true, node.hostname!=build-1, node.role==worker). More than one:
	// TagConstraint+":"+anything as further keys (sfnlocal:constraint:zone). The
	// constraints of the compute environment, the job definition and the job all apply.
	TagConstraint = "sfnlocal:constraint"
	// TagGPUKind names the generic resource the nodes advertise for GPUs (dockerd's
	// node-generic-resources, e.g. NVIDIA-GPU=GPU-1a2b...); "gpu" when not set. The job's
	// tag wins over the job definition's, which wins over the compute environment's.
	TagGPUKind = "sfnlocal:gpu-kind"
	// DefaultGPUKind is the generic resource kind of GPUs without a TagGPUKind tag.
	DefaultGPUKind = "gpu"
)

// constraintRE is Swarm's shape of a constraint: a key, == or !=, a value.
var constraintRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_.-]*\s*(==|!=)\s*[^=!\s][^=!]*$`)
})

var kindRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })

func isConstraintTag(k string) bool {
	return k == TagConstraint || strings.HasPrefix(k, TagConstraint+":")
}

// checkPlacementTag checks the value of a placement tag.
func checkPlacementTag(k, v string) error {
	switch {
	case isConstraintTag(k):
		if !constraintRE().MatchString(v) {
			return clientErrorf("Invalid tag %s=%q: a placement constraint is <attribute>==<value> or <attribute>!=<value>, e.g. node.labels.gpu==true", k, v)
		}
	case k == TagGPUKind:
		if !kindRE().MatchString(v) {
			return clientErrorf("Invalid tag %s=%q: the generic resource kind is letters, digits, '.', '_' and '-'", k, v)
		}
	}
	return nil
}

// PlacementFromTags reads the placement tags of tag sets given from the broadest (compute
// environment or cluster) to the narrowest (job): every constraint, in that order and by
// key within a set, without repeats; the last GPU kind given, else DefaultGPUKind.
func PlacementFromTags(sets ...map[string]string) (constraints []string, gpuKind string) {
	gpuKind = DefaultGPUKind
	for _, tags := range sets {
		keys := make([]string, 0, len(tags))
		for k := range tags {
			if isConstraintTag(k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if c := strings.TrimSpace(tags[k]); !slices.Contains(constraints, c) {
				constraints = append(constraints, c)
			}
		}
		if k, ok := tags[TagGPUKind]; ok && k != "" {
			gpuKind = k
		}
	}
	return constraints, gpuKind
}
