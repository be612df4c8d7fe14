package batch

// Wire types of the Batch REST API (camelCase JSON, epoch-millisecond times), after botocore's
// batch 2016-08-10 model. Only the members sfnlocal acts on or echoes back are declared;
// unknown request members are ignored, as AWS's rest-json services do.

// KeyValuePair is an environment variable.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// KeyValuesPair is a ListJobs filter.
type KeyValuesPair struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// ResourceRequirement is a VCPU, MEMORY or GPU requirement.
type ResourceRequirement struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

// Host is a volume's host path.
type Host struct {
	SourcePath string `json:"sourcePath,omitempty"`
}

// Volume is a job-definition volume.
type Volume struct {
	Host *Host  `json:"host,omitempty"`
	Name string `json:"name,omitempty"`
}

// MountPoint mounts a volume into the container.
type MountPoint struct {
	ContainerPath string `json:"containerPath,omitempty"`
	ReadOnly      bool   `json:"readOnly,omitempty"`
	SourceVolume  string `json:"sourceVolume,omitempty"`
}

// UlimitSpec is a container ulimit.
type UlimitSpec struct {
	HardLimit int64  `json:"hardLimit"`
	Name      string `json:"name"`
	SoftLimit int64  `json:"softLimit"`
}

// ContainerProperties is a job definition's container.
type ContainerProperties struct {
	Image                  string                `json:"image,omitempty"`
	Vcpus                  *int                  `json:"vcpus,omitempty"`
	Memory                 *int                  `json:"memory,omitempty"`
	Command                []string              `json:"command"`
	JobRoleArn             string                `json:"jobRoleArn,omitempty"`
	ExecutionRoleArn       string                `json:"executionRoleArn,omitempty"`
	Volumes                []Volume              `json:"volumes"`
	Environment            []KeyValuePair        `json:"environment"`
	MountPoints            []MountPoint          `json:"mountPoints"`
	ReadonlyRootFilesystem *bool                 `json:"readonlyRootFilesystem,omitempty"`
	Privileged             *bool                 `json:"privileged,omitempty"`
	Ulimits                []UlimitSpec          `json:"ulimits"`
	User                   string                `json:"user,omitempty"`
	InstanceType           string                `json:"instanceType,omitempty"`
	ResourceRequirements   []ResourceRequirement `json:"resourceRequirements"`
	LinuxParameters        *LinuxParameters      `json:"linuxParameters,omitempty"`
}

// LinuxParameters are a container's Linux-specific settings. sfnlocal runs devices and
// capability additions (an ECS member Batch does not document; refused the same way) only
// with --allow-privileged; the other members are kept and echoed.
type LinuxParameters struct {
	Devices            []Device            `json:"devices,omitempty"`
	Capabilities       *KernelCapabilities `json:"capabilities,omitempty"`
	InitProcessEnabled *bool               `json:"initProcessEnabled,omitempty"`
	SharedMemorySize   *int                `json:"sharedMemorySize,omitempty"`
	MaxSwap            *int                `json:"maxSwap,omitempty"`
	Swappiness         *int                `json:"swappiness,omitempty"`
}

// Device is a host device mapped into the container.
type Device struct {
	HostPath      string   `json:"hostPath"`
	ContainerPath string   `json:"containerPath,omitempty"`
	Permissions   []string `json:"permissions,omitempty"`
}

// KernelCapabilities are Linux capabilities added to or dropped from the container.
type KernelCapabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

// privileged reports what in p needs --allow-privileged ("" for nothing).
func (p *LinuxParameters) privileged() string {
	switch {
	case p == nil:
		return ""
	case len(p.Devices) > 0:
		return "Host devices (linuxParameters.devices)"
	case p.Capabilities != nil && len(p.Capabilities.Add) > 0:
		return "Capability additions (linuxParameters.capabilities.add)"
	}
	return ""
}

// EvaluateOnExit is one retry condition.
type EvaluateOnExit struct {
	OnStatusReason string `json:"onStatusReason,omitempty"`
	OnReason       string `json:"onReason,omitempty"`
	OnExitCode     string `json:"onExitCode,omitempty"`
	Action         string `json:"action"`
}

// RetryStrategy is a job's retry policy.
type RetryStrategy struct {
	Attempts       *int             `json:"attempts,omitempty"`
	EvaluateOnExit []EvaluateOnExit `json:"evaluateOnExit,omitempty"`
}

// JobTimeout limits each attempt.
type JobTimeout struct {
	AttemptDurationSeconds *int `json:"attemptDurationSeconds,omitempty"`
}

// JobDefinition is a registered job definition revision.
type JobDefinition struct {
	JobDefinitionName    string               `json:"jobDefinitionName"`
	JobDefinitionArn     string               `json:"jobDefinitionArn"`
	Revision             int                  `json:"revision"`
	Status               string               `json:"status"`
	Type                 string               `json:"type"`
	SchedulingPriority   *int                 `json:"schedulingPriority,omitempty"`
	Parameters           map[string]string    `json:"parameters,omitempty"`
	RetryStrategy        *RetryStrategy       `json:"retryStrategy,omitempty"`
	ContainerProperties  *ContainerProperties `json:"containerProperties,omitempty"`
	Timeout              *JobTimeout          `json:"timeout,omitempty"`
	Tags                 map[string]string    `json:"tags,omitempty"`
	PropagateTags        *bool                `json:"propagateTags,omitempty"`
	PlatformCapabilities []string             `json:"platformCapabilities,omitempty"`
	ContainerOrchestType string               `json:"containerOrchestrationType,omitempty"`
}

// ComputeResources is the subset of a managed environment's resources sfnlocal honours.
type ComputeResources struct {
	Type      string `json:"type,omitempty"`
	MinvCpus  *int   `json:"minvCpus,omitempty"`
	MaxvCpus  *int   `json:"maxvCpus,omitempty"`
	DesiredvC *int   `json:"desiredvCpus,omitempty"`
	// The remaining members are echoed back as given.
	InstanceTypes    []string `json:"instanceTypes,omitempty"`
	Subnets          []string `json:"subnets,omitempty"`
	SecurityGroupIds []string `json:"securityGroupIds,omitempty"`
	InstanceRole     string   `json:"instanceRole,omitempty"`
}

// ComputeEnvironmentDetail describes a compute environment.
type ComputeEnvironmentDetail struct {
	ComputeEnvironmentName     string            `json:"computeEnvironmentName"`
	ComputeEnvironmentArn      string            `json:"computeEnvironmentArn"`
	UnmanagedvCpus             *int              `json:"unmanagedvCpus,omitempty"`
	EcsClusterArn              string            `json:"ecsClusterArn,omitempty"`
	Tags                       map[string]string `json:"tags,omitempty"`
	Type                       string            `json:"type"`
	State                      string            `json:"state"`
	Status                     string            `json:"status"`
	StatusReason               string            `json:"statusReason,omitempty"`
	ComputeResources           *ComputeResources `json:"computeResources,omitempty"`
	ServiceRole                string            `json:"serviceRole,omitempty"`
	ContainerOrchestrationType string            `json:"containerOrchestrationType,omitempty"`
	UUID                       string            `json:"uuid,omitempty"`
}

// ComputeEnvironmentOrder places a compute environment in a queue.
type ComputeEnvironmentOrder struct {
	Order              int    `json:"order"`
	ComputeEnvironment string `json:"computeEnvironment"`
}

// JobQueueDetail describes a job queue.
type JobQueueDetail struct {
	JobQueueName            string                    `json:"jobQueueName"`
	JobQueueArn             string                    `json:"jobQueueArn"`
	State                   string                    `json:"state"`
	SchedulingPolicyArn     string                    `json:"schedulingPolicyArn,omitempty"`
	Status                  string                    `json:"status"`
	StatusReason            string                    `json:"statusReason,omitempty"`
	Priority                int                       `json:"priority"`
	ComputeEnvironmentOrder []ComputeEnvironmentOrder `json:"computeEnvironmentOrder"`
	JobQueueType            string                    `json:"jobQueueType,omitempty"`
	Tags                    map[string]string         `json:"tags,omitempty"`
}

// JobDependency is a dependsOn entry.
type JobDependency struct {
	JobID string `json:"jobId,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ArrayProperties asks for an array job.
type ArrayProperties struct {
	Size *int `json:"size,omitempty"`
}

// ArrayPropertiesDetail is a job's array state: statusSummary and size on the parent, index
// on a child.
type ArrayPropertiesDetail struct {
	StatusSummary              map[string]int `json:"statusSummary,omitempty"`
	StatusSummaryLastUpdatedAt int64          `json:"statusSummaryLastUpdatedAt,omitempty"`
	Size                       *int           `json:"size,omitempty"`
	Index                      *int           `json:"index,omitempty"`
}

// ContainerOverrides are SubmitJob's per-job container changes.
type ContainerOverrides struct {
	Vcpus                *int                  `json:"vcpus,omitempty"`
	Memory               *int                  `json:"memory,omitempty"`
	Command              []string              `json:"command,omitempty"`
	InstanceType         string                `json:"instanceType,omitempty"`
	Environment          []KeyValuePair        `json:"environment,omitempty"`
	ResourceRequirements []ResourceRequirement `json:"resourceRequirements,omitempty"`
	// Privileged and LinuxParameters are not members of AWS's ContainerOverrides; they are
	// read so that a request for them is refused (or, with --allow-privileged, honoured)
	// instead of silently ignored.
	Privileged      *bool            `json:"privileged,omitempty"`
	LinuxParameters *LinuxParameters `json:"linuxParameters,omitempty"`
}

// NetworkInterface is echoed as an empty list, as on EC2 compute environments.
type NetworkInterface struct {
	AttachmentID string `json:"attachmentId,omitempty"`
}

// AttemptContainerDetail is the container of one attempt.
type AttemptContainerDetail struct {
	ContainerInstanceArn string             `json:"containerInstanceArn,omitempty"`
	TaskArn              string             `json:"taskArn,omitempty"`
	ExitCode             *int               `json:"exitCode,omitempty"`
	Reason               string             `json:"reason,omitempty"`
	LogStreamName        string             `json:"logStreamName,omitempty"`
	NetworkInterfaces    []NetworkInterface `json:"networkInterfaces"`
}

// AttemptDetail is one finished attempt.
type AttemptDetail struct {
	Container    *AttemptContainerDetail `json:"container,omitempty"`
	StartedAt    int64                   `json:"startedAt,omitempty"`
	StoppedAt    int64                   `json:"stoppedAt,omitempty"`
	StatusReason string                  `json:"statusReason,omitempty"`
}

// ContainerDetail is a job's container as run.
type ContainerDetail struct {
	Image                  string                `json:"image,omitempty"`
	Vcpus                  *int                  `json:"vcpus,omitempty"`
	Memory                 *int                  `json:"memory,omitempty"`
	Command                []string              `json:"command"`
	JobRoleArn             string                `json:"jobRoleArn,omitempty"`
	ExecutionRoleArn       string                `json:"executionRoleArn,omitempty"`
	Volumes                []Volume              `json:"volumes"`
	Environment            []KeyValuePair        `json:"environment"`
	MountPoints            []MountPoint          `json:"mountPoints"`
	ReadonlyRootFilesystem *bool                 `json:"readonlyRootFilesystem,omitempty"`
	Ulimits                []UlimitSpec          `json:"ulimits"`
	Privileged             *bool                 `json:"privileged,omitempty"`
	User                   string                `json:"user,omitempty"`
	ExitCode               *int                  `json:"exitCode,omitempty"`
	Reason                 string                `json:"reason,omitempty"`
	ContainerInstanceArn   string                `json:"containerInstanceArn,omitempty"`
	TaskArn                string                `json:"taskArn,omitempty"`
	LogStreamName          string                `json:"logStreamName,omitempty"`
	InstanceType           string                `json:"instanceType,omitempty"`
	NetworkInterfaces      []NetworkInterface    `json:"networkInterfaces"`
	ResourceRequirements   []ResourceRequirement `json:"resourceRequirements"`
	LinuxParameters        *LinuxParameters      `json:"linuxParameters,omitempty"`
}

// JobDetail is DescribeJobs' description of a job.
type JobDetail struct {
	JobArn               string                 `json:"jobArn"`
	JobName              string                 `json:"jobName"`
	JobID                string                 `json:"jobId"`
	JobQueue             string                 `json:"jobQueue"`
	Status               Status                 `json:"status"`
	Attempts             []AttemptDetail        `json:"attempts"`
	StatusReason         string                 `json:"statusReason,omitempty"`
	CreatedAt            int64                  `json:"createdAt"`
	RetryStrategy        *RetryStrategy         `json:"retryStrategy,omitempty"`
	StartedAt            int64                  `json:"startedAt,omitempty"`
	StoppedAt            int64                  `json:"stoppedAt,omitempty"`
	DependsOn            []JobDependency        `json:"dependsOn"`
	JobDefinition        string                 `json:"jobDefinition"`
	Parameters           map[string]string      `json:"parameters"`
	Container            *ContainerDetail       `json:"container,omitempty"`
	ArrayProperties      *ArrayPropertiesDetail `json:"arrayProperties,omitempty"`
	Timeout              *JobTimeout            `json:"timeout,omitempty"`
	Tags                 map[string]string      `json:"tags,omitempty"`
	PropagateTags        *bool                  `json:"propagateTags,omitempty"`
	PlatformCapabilities []string               `json:"platformCapabilities"`
	IsCancelled          bool                   `json:"isCancelled,omitempty"`
	IsTerminated         bool                   `json:"isTerminated,omitempty"`
}

// ContainerSummary is ListJobs' container summary.
type ContainerSummary struct {
	ExitCode *int   `json:"exitCode,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// ArrayPropertiesSummary is ListJobs' array summary.
type ArrayPropertiesSummary struct {
	Size  *int `json:"size,omitempty"`
	Index *int `json:"index,omitempty"`
}

// JobSummary is one ListJobs entry.
type JobSummary struct {
	JobArn          string                  `json:"jobArn"`
	JobID           string                  `json:"jobId"`
	JobName         string                  `json:"jobName"`
	CreatedAt       int64                   `json:"createdAt"`
	Status          Status                  `json:"status"`
	StatusReason    string                  `json:"statusReason,omitempty"`
	StartedAt       int64                   `json:"startedAt,omitempty"`
	StoppedAt       int64                   `json:"stoppedAt,omitempty"`
	Container       *ContainerSummary       `json:"container,omitempty"`
	ArrayProperties *ArrayPropertiesSummary `json:"arrayProperties,omitempty"`
	JobDefinition   string                  `json:"jobDefinition,omitempty"`
}

// SubmitJobInput is SubmitJob's request.
type SubmitJobInput struct {
	JobName            string              `json:"jobName"`
	JobQueue           string              `json:"jobQueue"`
	ArrayProperties    *ArrayProperties    `json:"arrayProperties,omitempty"`
	DependsOn          []JobDependency     `json:"dependsOn,omitempty"`
	JobDefinition      string              `json:"jobDefinition"`
	Parameters         map[string]string   `json:"parameters,omitempty"`
	ContainerOverrides *ContainerOverrides `json:"containerOverrides,omitempty"`
	RetryStrategy      *RetryStrategy      `json:"retryStrategy,omitempty"`
	PropagateTags      *bool               `json:"propagateTags,omitempty"`
	Timeout            *JobTimeout         `json:"timeout,omitempty"`
	Tags               map[string]string   `json:"tags,omitempty"`
}

// SubmitJobOutput is SubmitJob's response.
type SubmitJobOutput struct {
	JobArn  string `json:"jobArn"`
	JobName string `json:"jobName"`
	JobID   string `json:"jobId"`
}
