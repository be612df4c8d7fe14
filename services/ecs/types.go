package ecs

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// epoch is a timestamp written as the JSON protocols write them: seconds since the epoch,
// with milliseconds as a fraction.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(time.Time(e).UnixMilli())/1000, 'f', -1, 64)), nil
}

func (e *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*e = epoch(time.UnixMilli(int64(math.Round(f * 1000))))
	return nil
}

func at(t time.Time) *epoch { e := epoch(t); return &e }

// KeyValuePair is an environment variable or a name/value detail.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Cluster is an ECS cluster.
type Cluster struct {
	ClusterArn                        string         `json:"clusterArn"`
	ClusterName                       string         `json:"clusterName"`
	Status                            string         `json:"status"`
	RegisteredContainerInstancesCount int            `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int            `json:"runningTasksCount"`
	PendingTasksCount                 int            `json:"pendingTasksCount"`
	ActiveServicesCount               int            `json:"activeServicesCount"`
	Statistics                        []KeyValuePair `json:"statistics"`
	Tags                              []Tag          `json:"tags"`
	Settings                          []KeyValuePair `json:"settings"`
	CapacityProviders                 []string       `json:"capacityProviders"`
	DefaultCapacityProviderStrategy   []any          `json:"defaultCapacityProviderStrategy"`
}

// LogConfiguration is a container's log driver configuration.
type LogConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options,omitempty"`
}

// ContainerDefinition is one container of a task definition (the fields sfnlocal runs; any
// other field is kept and echoed back).
type ContainerDefinition struct {
	Name                   string            `json:"name"`
	Image                  string            `json:"image"`
	CPU                    int64             `json:"cpu"`
	Memory                 *int64            `json:"memory,omitempty"`
	MemoryReservation      *int64            `json:"memoryReservation,omitempty"`
	Essential              *bool             `json:"essential,omitempty"`
	EntryPoint             []string          `json:"entryPoint,omitempty"`
	Command                []string          `json:"command,omitempty"`
	Environment            []KeyValuePair    `json:"environment"`
	WorkingDirectory       string            `json:"workingDirectory,omitempty"`
	User                   string            `json:"user,omitempty"`
	Privileged             *bool             `json:"privileged,omitempty"`
	ReadonlyRootFilesystem *bool             `json:"readonlyRootFilesystem,omitempty"`
	LogConfiguration       *LogConfiguration `json:"logConfiguration,omitempty"`
	PortMappings           []any             `json:"portMappings"`
	MountPoints            []any             `json:"mountPoints"`
	VolumesFrom            []any             `json:"volumesFrom"`
	DockerLabels           map[string]string `json:"dockerLabels,omitempty"`
}

func (c *ContainerDefinition) essential() bool { return c.Essential == nil || *c.Essential }

// TaskDefinition is a registered task definition revision.
type TaskDefinition struct {
	TaskDefinitionArn       string                `json:"taskDefinitionArn"`
	ContainerDefinitions    []ContainerDefinition `json:"containerDefinitions"`
	Family                  string                `json:"family"`
	TaskRoleArn             string                `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string                `json:"executionRoleArn,omitempty"`
	NetworkMode             string                `json:"networkMode,omitempty"`
	Revision                int                   `json:"revision"`
	Volumes                 []any                 `json:"volumes"`
	Status                  string                `json:"status"`
	RequiresAttributes      []any                 `json:"requiresAttributes,omitempty"`
	PlacementConstraints    []any                 `json:"placementConstraints"`
	Compatibilities         []string              `json:"compatibilities"`
	RequiresCompatibilities []string              `json:"requiresCompatibilities,omitempty"`
	CPU                     string                `json:"cpu,omitempty"`
	Memory                  string                `json:"memory,omitempty"`
	RegisteredAt            *epoch                `json:"registeredAt,omitempty"`
	DeregisteredAt          *epoch                `json:"deregisteredAt,omitempty"`
	RegisteredBy            string                `json:"registeredBy,omitempty"`
}

// ContainerOverride is RunTask's per-container override.
type ContainerOverride struct {
	Name              string         `json:"name"`
	Command           []string       `json:"command"`
	Environment       []KeyValuePair `json:"environment"`
	EnvironmentFiles  []any          `json:"environmentFiles"`
	CPU               *int64         `json:"cpu,omitempty"`
	Memory            *int64         `json:"memory,omitempty"`
	MemoryReservation *int64         `json:"memoryReservation,omitempty"`
	ResourceReqs      []any          `json:"resourceRequirements"`
}

// TaskOverride is RunTask's overrides.
type TaskOverride struct {
	ContainerOverrides            []ContainerOverride `json:"containerOverrides"`
	InferenceAcceleratorOverrides []any               `json:"inferenceAcceleratorOverrides"`
	CPU                           string              `json:"cpu,omitempty"`
	Memory                        string              `json:"memory,omitempty"`
	ExecutionRoleArn              string              `json:"executionRoleArn,omitempty"`
	TaskRoleArn                   string              `json:"taskRoleArn,omitempty"`
}

// Container is a running or stopped container of a task.
type Container struct {
	ContainerArn      string `json:"containerArn"`
	TaskArn           string `json:"taskArn"`
	Name              string `json:"name"`
	Image             string `json:"image"`
	RuntimeID         string `json:"runtimeId,omitempty"`
	LastStatus        string `json:"lastStatus"`
	ExitCode          *int   `json:"exitCode,omitempty"`
	Reason            string `json:"reason,omitempty"`
	NetworkBindings   []any  `json:"networkBindings"`
	NetworkInterfaces []any  `json:"networkInterfaces"`
	HealthStatus      string `json:"healthStatus,omitempty"`
	CPU               string `json:"cpu"`
	Memory            string `json:"memory,omitempty"`
	ManagedAgents     []any  `json:"managedAgents"`
	GpuIDs            []any  `json:"gpuIds"`
}

// Task is an ECS task as DescribeTasks returns it.
type Task struct {
	Attachments          []any          `json:"attachments"`
	Attributes           []KeyValuePair `json:"attributes"`
	AvailabilityZone     string         `json:"availabilityZone"`
	ClusterArn           string         `json:"clusterArn"`
	Connectivity         string         `json:"connectivity,omitempty"`
	ConnectivityAt       *epoch         `json:"connectivityAt,omitempty"`
	Containers           []Container    `json:"containers"`
	CPU                  string         `json:"cpu,omitempty"`
	CreatedAt            *epoch         `json:"createdAt"`
	DesiredStatus        string         `json:"desiredStatus"`
	EnableExecuteCommand bool           `json:"enableExecuteCommand"`
	EphemeralStorage     *struct {
		SizeInGiB int `json:"sizeInGiB"`
	} `json:"ephemeralStorage,omitempty"`
	ExecutionStoppedAt *epoch       `json:"executionStoppedAt,omitempty"`
	Group              string       `json:"group"`
	LastStatus         string       `json:"lastStatus"`
	LaunchType         string       `json:"launchType"`
	Memory             string       `json:"memory,omitempty"`
	Overrides          TaskOverride `json:"overrides"`
	PlatformVersion    string       `json:"platformVersion,omitempty"`
	PlatformFamily     string       `json:"platformFamily,omitempty"`
	PullStartedAt      *epoch       `json:"pullStartedAt,omitempty"`
	PullStoppedAt      *epoch       `json:"pullStoppedAt,omitempty"`
	StartedAt          *epoch       `json:"startedAt,omitempty"`
	StartedBy          string       `json:"startedBy,omitempty"`
	StopCode           string       `json:"stopCode,omitempty"`
	StoppedAt          *epoch       `json:"stoppedAt,omitempty"`
	StoppedReason      string       `json:"stoppedReason,omitempty"`
	StoppingAt         *epoch       `json:"stoppingAt,omitempty"`
	Tags               []Tag        `json:"tags"`
	TaskArn            string       `json:"taskArn"`
	TaskDefinitionArn  string       `json:"taskDefinitionArn"`
	Version            int          `json:"version"`
}

// Failure is an entry of a response's failures list.
type Failure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}
