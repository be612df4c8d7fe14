package batch

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

type registerJDInput struct {
	JobDefinitionName    string               `json:"jobDefinitionName"`
	Type                 string               `json:"type"`
	Parameters           map[string]string    `json:"parameters"`
	SchedulingPriority   *int                 `json:"schedulingPriority"`
	ContainerProperties  *ContainerProperties `json:"containerProperties"`
	RetryStrategy        *RetryStrategy       `json:"retryStrategy"`
	PropagateTags        *bool                `json:"propagateTags"`
	Timeout              *JobTimeout          `json:"timeout"`
	Tags                 map[string]string    `json:"tags"`
	PlatformCapabilities []string             `json:"platformCapabilities"`
	NodeProperties       any                  `json:"nodeProperties"`
	EksProperties        any                  `json:"eksProperties"`
	EcsProperties        any                  `json:"ecsProperties"`
}

type registerJDOutput struct {
	JobDefinitionName string `json:"jobDefinitionName"`
	JobDefinitionArn  string `json:"jobDefinitionArn"`
	Revision          int    `json:"revision"`
}

// registerJobDefinition adds a revision of a job definition (the first is revision 1).
func (s *Service) registerJobDefinition(in *registerJDInput) (*registerJDOutput, error) {
	if !validName(in.JobDefinitionName) {
		return nil, clientErrorf("Job definition name %q is invalid: up to 128 letters, numbers, hyphens and underscores", in.JobDefinitionName)
	}
	switch in.Type {
	case "container":
	case "multinode":
		return nil, clientErrorf("Job definition type multinode is not supported by sfnlocal")
	default:
		return nil, clientErrorf("Invalid job definition type %q: must be container or multinode", in.Type)
	}
	if in.EksProperties != nil || in.EcsProperties != nil || in.NodeProperties != nil {
		return nil, clientErrorf("Only containerProperties job definitions are supported by sfnlocal")
	}
	cp := in.ContainerProperties
	if cp == nil {
		return nil, clientErrorf("containerProperties is required for job definitions of type container")
	}
	if cp.Image == "" {
		return nil, clientErrorf("Container properties should contain image")
	}
	if err := s.checkContainer(cp); err != nil {
		return nil, err
	}
	if err := checkRetry(in.RetryStrategy); err != nil {
		return nil, err
	}
	if err := checkTimeout(in.Timeout); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	normalizeContainer(cp)
	s.mu.Lock()
	defer s.mu.Unlock()
	revs := s.defs[in.JobDefinitionName]
	rev := len(revs) + 1
	d := &JobDefinition{
		JobDefinitionName: in.JobDefinitionName,
		JobDefinitionArn:  s.arn("job-definition", in.JobDefinitionName+":"+strconv.Itoa(rev)),
		Revision:          rev, Status: "ACTIVE", Type: in.Type,
		SchedulingPriority: in.SchedulingPriority, Parameters: in.Parameters,
		RetryStrategy: in.RetryStrategy, ContainerProperties: cp, Timeout: in.Timeout,
		Tags: in.Tags, PropagateTags: in.PropagateTags, PlatformCapabilities: in.PlatformCapabilities,
		ContainerOrchestType: "ECS",
	}
	if d.PlatformCapabilities == nil {
		d.PlatformCapabilities = []string{"EC2"}
	}
	s.defs[in.JobDefinitionName] = append(revs, d)
	return &registerJDOutput{d.JobDefinitionName, d.JobDefinitionArn, d.Revision}, nil
}

func normalizeContainer(cp *ContainerProperties) {
	if cp.Command == nil {
		cp.Command = []string{}
	}
	if cp.Volumes == nil {
		cp.Volumes = []Volume{}
	}
	if cp.Environment == nil {
		cp.Environment = []KeyValuePair{}
	}
	if cp.MountPoints == nil {
		cp.MountPoints = []MountPoint{}
	}
	if cp.Ulimits == nil {
		cp.Ulimits = []UlimitSpec{}
	}
	if cp.ResourceRequirements == nil {
		cp.ResourceRequirements = []ResourceRequirement{}
	}
}

// checkContainer validates container properties and enforces the safety flags.
func (s *Service) checkContainer(cp *ContainerProperties) error {
	if cp.Privileged != nil && *cp.Privileged && !s.cfg.AllowPrivileged {
		return clientErrorf("Privileged containers are disabled on this sfnlocal server; start it with --allow-privileged to allow them")
	}
	if what := cp.LinuxParameters.privileged(); what != "" && !s.cfg.AllowPrivileged {
		return clientErrorf("%s are disabled on this sfnlocal server; start it with --allow-privileged to allow them", what)
	}
	vols := map[string]bool{}
	for _, v := range cp.Volumes {
		if v.Host != nil && v.Host.SourcePath != "" && !s.cfg.AllowHostMounts {
			return clientErrorf("Host volume %q (sourcePath %s) is disabled on this sfnlocal server; start it with --allow-host-mounts to allow host bind mounts", v.Name, v.Host.SourcePath)
		}
		vols[v.Name] = true
	}
	for _, m := range cp.MountPoints {
		if !vols[m.SourceVolume] {
			return clientErrorf("Mount point source volume %q is not defined in volumes", m.SourceVolume)
		}
		if !strings.HasPrefix(m.ContainerPath, "/") {
			return clientErrorf("Mount point containerPath %q must be an absolute path", m.ContainerPath)
		}
	}
	for _, e := range cp.Environment {
		if strings.HasPrefix(e.Name, "AWS_BATCH") {
			return clientErrorf("Environment variable names starting with AWS_BATCH are reserved: %s", e.Name)
		}
	}
	if err := checkResources(cp.ResourceRequirements); err != nil {
		return err
	}
	if cp.Vcpus != nil && *cp.Vcpus < 1 {
		return clientErrorf("vcpus must be at least 1")
	}
	if cp.Memory != nil && *cp.Memory < 4 {
		return clientErrorf("memory must be at least 4 MiB")
	}
	return nil
}

func checkResources(rs []ResourceRequirement) error {
	for _, r := range rs {
		switch r.Type {
		case "VCPU":
			f, err := strconv.ParseFloat(r.Value, 64)
			if err != nil || f <= 0 {
				return clientErrorf("Invalid VCPU value %q", r.Value)
			}
		case "MEMORY":
			n, err := strconv.Atoi(r.Value)
			if err != nil || n < 4 {
				return clientErrorf("Invalid MEMORY value %q: must be an integer of at least 4 MiB", r.Value)
			}
		case "GPU":
			if _, err := strconv.Atoi(r.Value); err != nil {
				return clientErrorf("Invalid GPU value %q", r.Value)
			}
		default:
			return clientErrorf("Invalid resource requirement type %q: must be GPU, VCPU or MEMORY", r.Type)
		}
	}
	return nil
}

func checkRetry(r *RetryStrategy) error {
	if r == nil {
		return nil
	}
	if len(r.EvaluateOnExit) > 0 && r.Attempts == nil {
		return clientErrorf("attempts is required when evaluateOnExit is specified")
	}
	if r.Attempts != nil && (*r.Attempts < 1 || *r.Attempts > 10) {
		return clientErrorf("Retry strategy attempts must be between 1 and 10")
	}
	if len(r.EvaluateOnExit) > 5 {
		return clientErrorf("Retry strategy can have up to 5 evaluateOnExit conditions")
	}
	for _, e := range r.EvaluateOnExit {
		switch strings.ToUpper(e.Action) {
		case "RETRY", "EXIT":
		default:
			return clientErrorf("Invalid evaluateOnExit action %q: must be RETRY or EXIT", e.Action)
		}
		if e.OnExitCode != "" && !exitCodeRE().MatchString(e.OnExitCode) {
			return clientErrorf("Invalid onExitCode %q: digits only, optionally ending with *", e.OnExitCode)
		}
		for _, p := range []string{e.OnReason, e.OnStatusReason} {
			if len(p) > 512 || !reasonRE().MatchString(p) {
				return clientErrorf("Invalid evaluateOnExit pattern %q: letters, numbers, periods, colons and white space, up to 512 characters, optionally ending with *", p)
			}
		}
	}
	return nil
}

var (
	exitCodeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{1,512}\*?$|^\*$`) })
	reasonRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9.: \t]*\*?$`) })
)

func checkTimeout(t *JobTimeout) error {
	if t != nil && t.AttemptDurationSeconds != nil && *t.AttemptDurationSeconds < 60 {
		return clientErrorf("Timeout attemptDurationSeconds must be at least 60 seconds")
	}
	return nil
}

// defLocked resolves name, name:revision or ARN to a definition (nil if none). A bare name
// resolves to the latest ACTIVE revision.
func (s *Service) defLocked(ref string) *JobDefinition {
	ref = s.nameFromRef("job-definition", ref)
	name, revText, hasRev := strings.Cut(ref, ":")
	revs := s.defs[name]
	if !hasRev {
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i].Status == "ACTIVE" {
				return revs[i]
			}
		}
		return nil
	}
	rev, err := strconv.Atoi(revText)
	if err != nil || rev < 1 || rev > len(revs) {
		return nil
	}
	return revs[rev-1]
}

func (s *Service) deregisterJobDefinition(ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.defLocked(ref)
	if d == nil || !strings.Contains(s.nameFromRef("job-definition", ref), ":") {
		return clientErrorf("Job definition %s does not exist; give name:revision or its ARN", ref)
	}
	d.Status = "INACTIVE"
	return nil
}

type describeJDInput struct {
	JobDefinitions    []string `json:"jobDefinitions"`
	MaxResults        int      `json:"maxResults"`
	JobDefinitionName string   `json:"jobDefinitionName"`
	Status            string   `json:"status"`
	NextToken         string   `json:"nextToken"`
}

func (s *Service) describeJobDefinitions(in *describeJDInput) ([]JobDefinition, string, error) {
	s.mu.Lock()
	var out []JobDefinition
	if len(in.JobDefinitions) > 0 {
		for _, ref := range in.JobDefinitions {
			if !strings.Contains(s.nameFromRef("job-definition", ref), ":") {
				// A bare name lists every revision.
				for _, d := range s.defs[ref] {
					out = append(out, *d)
				}
				continue
			}
			if d := s.defLocked(ref); d != nil {
				out = append(out, *d)
			}
		}
	} else {
		names := make([]string, 0, len(s.defs))
		for n := range s.defs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if in.JobDefinitionName != "" && n != in.JobDefinitionName {
				continue
			}
			for _, d := range s.defs[n] {
				out = append(out, *d)
			}
		}
	}
	s.mu.Unlock()
	filtered := out[:0]
	for _, d := range out {
		if in.Status == "" || d.Status == in.Status {
			filtered = append(filtered, d)
		}
	}
	if filtered == nil {
		filtered = []JobDefinition{}
	}
	return page(filtered, in.MaxResults, in.NextToken)
}
