package lambda

// Wire shapes of the Lambda REST API (botocore lambda 2015-03-31 model), as JSON.

// FunctionConfiguration describes one version of a function.
type FunctionConfiguration struct {
	FunctionName        string               `json:"FunctionName"`
	FunctionArn         string               `json:"FunctionArn"`
	Runtime             string               `json:"Runtime,omitempty"`
	Role                string               `json:"Role"`
	Handler             string               `json:"Handler,omitempty"`
	CodeSize            int64                `json:"CodeSize"`
	Description         string               `json:"Description"`
	Timeout             int                  `json:"Timeout"`
	MemorySize          int                  `json:"MemorySize"`
	LastModified        string               `json:"LastModified"`
	CodeSha256          string               `json:"CodeSha256"`
	Version             string               `json:"Version"`
	Environment         *EnvironmentResponse `json:"Environment,omitempty"`
	TracingConfig       *TracingConfig       `json:"TracingConfig,omitempty"`
	RevisionID          string               `json:"RevisionId"`
	State               string               `json:"State"`
	LastUpdateStatus    string               `json:"LastUpdateStatus"`
	PackageType         string               `json:"PackageType"`
	ImageConfigResponse *ImageConfigResponse `json:"ImageConfigResponse,omitempty"`
	Architectures       []string             `json:"Architectures"`
	EphemeralStorage    *EphemeralStorage    `json:"EphemeralStorage,omitempty"`
	SnapStart           *SnapStart           `json:"SnapStart,omitempty"`
	LoggingConfig       *LoggingConfig       `json:"LoggingConfig,omitempty"`
}

// EnvironmentResponse is a function's environment variables.
type EnvironmentResponse struct {
	Variables map[string]string `json:"Variables"`
}

// TracingConfig is the X-Ray tracing mode.
type TracingConfig struct {
	Mode string `json:"Mode"`
}

// EphemeralStorage is the size of /tmp in MB.
type EphemeralStorage struct {
	Size int `json:"Size"`
}

// SnapStart is the SnapStart setting.
type SnapStart struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

// LoggingConfig is where a function's logs go.
type LoggingConfig struct {
	LogFormat string `json:"LogFormat"`
	LogGroup  string `json:"LogGroup"`
}

// ImageConfig overrides a container image's entry point, command and working directory.
type ImageConfig struct {
	EntryPoint       []string `json:"EntryPoint,omitempty"`
	Command          []string `json:"Command,omitempty"`
	WorkingDirectory string   `json:"WorkingDirectory,omitempty"`
}

// ImageConfigResponse wraps ImageConfig in a FunctionConfiguration.
type ImageConfigResponse struct {
	ImageConfig *ImageConfig `json:"ImageConfig,omitempty"`
}

// FunctionCode is CreateFunction's Code member. ZipFile travels base64-encoded in JSON.
type FunctionCode struct {
	ZipFile         []byte `json:"ZipFile,omitempty"`
	S3Bucket        string `json:"S3Bucket,omitempty"`
	S3Key           string `json:"S3Key,omitempty"`
	S3ObjectVersion string `json:"S3ObjectVersion,omitempty"`
	ImageURI        string `json:"ImageUri,omitempty"`
}

// Environment is the Environment member of CreateFunction and UpdateFunctionConfiguration.
type Environment struct {
	Variables map[string]string `json:"Variables"`
}

// CreateFunctionInput is the CreateFunction request body.
type CreateFunctionInput struct {
	FunctionName  *string       `json:"FunctionName"`
	Runtime       string        `json:"Runtime,omitempty"`
	Role          *string       `json:"Role"`
	Handler       string        `json:"Handler,omitempty"`
	Code          *FunctionCode `json:"Code"`
	Description   string        `json:"Description,omitempty"`
	Timeout       *int          `json:"Timeout,omitempty"`
	MemorySize    *int          `json:"MemorySize,omitempty"`
	Publish       bool          `json:"Publish,omitempty"`
	Environment   *Environment  `json:"Environment,omitempty"`
	PackageType   string        `json:"PackageType,omitempty"`
	ImageConfig   *ImageConfig  `json:"ImageConfig,omitempty"`
	Architectures []string      `json:"Architectures,omitempty"`
}

// UpdateFunctionCodeInput is the UpdateFunctionCode request body.
type UpdateFunctionCodeInput struct {
	ZipFile  []byte `json:"ZipFile,omitempty"`
	S3Bucket string `json:"S3Bucket,omitempty"`
	S3Key    string `json:"S3Key,omitempty"`
	ImageURI string `json:"ImageUri,omitempty"`
	Publish  bool   `json:"Publish,omitempty"`
}

// UpdateFunctionConfigurationInput is the UpdateFunctionConfiguration request body.
type UpdateFunctionConfigurationInput struct {
	Role        *string      `json:"Role,omitempty"`
	Handler     *string      `json:"Handler,omitempty"`
	Description *string      `json:"Description,omitempty"`
	Timeout     *int         `json:"Timeout,omitempty"`
	MemorySize  *int         `json:"MemorySize,omitempty"`
	Environment *Environment `json:"Environment,omitempty"`
	Runtime     *string      `json:"Runtime,omitempty"`
	ImageConfig *ImageConfig `json:"ImageConfig,omitempty"`
}

// AliasConfiguration describes an alias.
type AliasConfiguration struct {
	AliasArn        string `json:"AliasArn"`
	Name            string `json:"Name"`
	FunctionVersion string `json:"FunctionVersion"`
	Description     string `json:"Description"`
	RevisionID      string `json:"RevisionId"`
}

// InvokeInput is one Lambda Invoke call.
type InvokeInput struct {
	FunctionName   string // name, name:qualifier, partial or full ARN
	Qualifier      string
	InvocationType string // RequestResponse (default), Event or DryRun
	LogType        string // None (default) or Tail
	ClientContext  string // base64 JSON
	Payload        []byte
}

// InvokeOutput is what Invoke returns, as the Lambda API does.
type InvokeOutput struct {
	StatusCode      int
	Payload         []byte
	FunctionError   string // "Unhandled" when the function failed; Payload is then the error JSON
	LogResult       string // base64 of the last 4 KB of the invocation's log, for LogType Tail
	ExecutedVersion string
	RequestID       string
}
