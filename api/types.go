package api

import (
	"encoding/json"
	"strconv"
	"time"
)

// Wire shapes of the 2016-11-23 API (members as in the botocore model). Optional input
// members are pointers so that "absent" and "empty" differ, as the model's constraints need.

// epoch is a timestamp on the wire: a JSON number of epoch seconds with millisecond precision.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func (t *epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*t = epoch(time.UnixMilli(int64(f * 1000)))
	return nil
}

func ts(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

type Tag struct {
	Key   *string `json:"key,omitempty"`
	Value *string `json:"value,omitempty"`
}

type LoggingConfiguration struct {
	Level                *string          `json:"level,omitempty"`
	IncludeExecutionData *bool            `json:"includeExecutionData,omitempty"`
	Destinations         []LogDestination `json:"destinations,omitempty"`
}

type LogDestination struct {
	CloudWatchLogsLogGroup *struct {
		LogGroupArn *string `json:"logGroupArn,omitempty"`
	} `json:"cloudWatchLogsLogGroup,omitempty"`
}

type TracingConfiguration struct {
	Enabled *bool `json:"enabled,omitempty"`
}

type EncryptionConfiguration struct {
	KmsKeyID                     *string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int64  `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
	Type                         *string `json:"type,omitempty"`
}

type RoutingConfigurationListItem struct {
	StateMachineVersionArn *string `json:"stateMachineVersionArn,omitempty"`
	Weight                 *int64  `json:"weight,omitempty"`
}

// State machines.

type CreateStateMachineInput struct {
	Name                    *string                  `json:"name"`
	Definition              *string                  `json:"definition"`
	RoleArn                 *string                  `json:"roleArn"`
	Type                    *string                  `json:"type"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration"`
	Tags                    []Tag                    `json:"tags"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration"`
	Publish                 *bool                    `json:"publish"`
	VersionDescription      *string                  `json:"versionDescription"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration"`
}

type CreateStateMachineOutput struct {
	StateMachineArn        string  `json:"stateMachineArn"`
	CreationDate           *epoch  `json:"creationDate"`
	StateMachineVersionArn *string `json:"stateMachineVersionArn,omitempty"`
}

type DescribeStateMachineInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	IncludedData    *string `json:"includedData"`
}

type DescribeStateMachineOutput struct {
	StateMachineArn         string              `json:"stateMachineArn"`
	Name                    string              `json:"name"`
	Status                  string              `json:"status,omitempty"`
	Definition              string              `json:"definition"`
	RoleArn                 string              `json:"roleArn"`
	Type                    string              `json:"type"`
	CreationDate            *epoch              `json:"creationDate"`
	LoggingConfiguration    json.RawMessage     `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    json.RawMessage     `json:"tracingConfiguration,omitempty"`
	Label                   string              `json:"label,omitempty"`
	RevisionID              string              `json:"revisionId,omitempty"`
	Description             *string             `json:"description,omitempty"`
	EncryptionConfiguration json.RawMessage     `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string `json:"variableReferences,omitempty"`
}

type DescribeStateMachineForExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	IncludedData *string `json:"includedData"`
}

type DescribeStateMachineForExecutionOutput struct {
	StateMachineArn         string              `json:"stateMachineArn"`
	Name                    string              `json:"name"`
	Definition              string              `json:"definition"`
	RoleArn                 string              `json:"roleArn"`
	UpdateDate              *epoch              `json:"updateDate"`
	LoggingConfiguration    json.RawMessage     `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    json.RawMessage     `json:"tracingConfiguration,omitempty"`
	MapRunArn               string              `json:"mapRunArn,omitempty"`
	Label                   string              `json:"label,omitempty"`
	RevisionID              string              `json:"revisionId,omitempty"`
	EncryptionConfiguration json.RawMessage     `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string `json:"variableReferences,omitempty"`
}

type UpdateStateMachineInput struct {
	StateMachineArn         *string                  `json:"stateMachineArn"`
	Definition              *string                  `json:"definition"`
	RoleArn                 *string                  `json:"roleArn"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration"`
	Publish                 *bool                    `json:"publish"`
	VersionDescription      *string                  `json:"versionDescription"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration"`
}

type UpdateStateMachineOutput struct {
	UpdateDate             *epoch  `json:"updateDate"`
	RevisionID             string  `json:"revisionId,omitempty"`
	StateMachineVersionArn *string `json:"stateMachineVersionArn,omitempty"`
}

type DeleteStateMachineInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
}

type Empty struct{}

type ListStateMachinesInput struct {
	MaxResults *int64  `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

type StateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    *epoch `json:"creationDate"`
}

type ListStateMachinesOutput struct {
	StateMachines []StateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

type ValidateStateMachineDefinitionInput struct {
	Definition *string `json:"definition"`
	Type       *string `json:"type"`
	Severity   *string `json:"severity"`
	MaxResults *int64  `json:"maxResults"`
}

type ValidateDiagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

type ValidateStateMachineDefinitionOutput struct {
	Result      string               `json:"result"`
	Diagnostics []ValidateDiagnostic `json:"diagnostics"`
	Truncated   bool                 `json:"truncated"`
}

// Versions and aliases.

type PublishStateMachineVersionInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	RevisionID      *string `json:"revisionId"`
	Description     *string `json:"description"`
}

type PublishStateMachineVersionOutput struct {
	CreationDate           *epoch `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

type ListStateMachineVersionsInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	NextToken       *string `json:"nextToken"`
	MaxResults      *int64  `json:"maxResults"`
}

type StateMachineVersionListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           *epoch `json:"creationDate"`
}

type ListStateMachineVersionsOutput struct {
	StateMachineVersions []StateMachineVersionListItem `json:"stateMachineVersions"`
	NextToken            string                        `json:"nextToken,omitempty"`
}

type DeleteStateMachineVersionInput struct {
	StateMachineVersionArn *string `json:"stateMachineVersionArn"`
}

type CreateStateMachineAliasInput struct {
	Description          *string                        `json:"description"`
	Name                 *string                        `json:"name"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration"`
}

type CreateStateMachineAliasOutput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         *epoch `json:"creationDate"`
}

type DescribeStateMachineAliasInput struct {
	StateMachineAliasArn *string `json:"stateMachineAliasArn"`
}

type RoutingItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

type DescribeStateMachineAliasOutput struct {
	StateMachineAliasArn string        `json:"stateMachineAliasArn"`
	Name                 string        `json:"name"`
	Description          *string       `json:"description,omitempty"`
	RoutingConfiguration []RoutingItem `json:"routingConfiguration"`
	CreationDate         *epoch        `json:"creationDate"`
	UpdateDate           *epoch        `json:"updateDate,omitempty"`
}

type UpdateStateMachineAliasInput struct {
	StateMachineAliasArn *string                        `json:"stateMachineAliasArn"`
	Description          *string                        `json:"description"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration"`
}

type UpdateStateMachineAliasOutput struct {
	UpdateDate *epoch `json:"updateDate"`
}

type DeleteStateMachineAliasInput struct {
	StateMachineAliasArn *string `json:"stateMachineAliasArn"`
}

type ListStateMachineAliasesInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	NextToken       *string `json:"nextToken"`
	MaxResults      *int64  `json:"maxResults"`
}

type StateMachineAliasListItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         *epoch `json:"creationDate"`
}

type ListStateMachineAliasesOutput struct {
	StateMachineAliases []StateMachineAliasListItem `json:"stateMachineAliases"`
	NextToken           string                      `json:"nextToken,omitempty"`
}

// Executions.

type StartExecutionInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	Name            *string `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     *string `json:"traceHeader"`
	IncludedData    *string `json:"includedData"` // StartSyncExecution only
}

type StartExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    *epoch `json:"startDate"`
}

type DataDetails struct {
	Included bool `json:"included"`
}

type BillingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

type StartSyncExecutionOutput struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn,omitempty"`
	Name            string          `json:"name,omitempty"`
	StartDate       *epoch          `json:"startDate"`
	StopDate        *epoch          `json:"stopDate"`
	Status          string          `json:"status"`
	Error           *string         `json:"error,omitempty"`
	Cause           *string         `json:"cause,omitempty"`
	Input           *string         `json:"input,omitempty"`
	InputDetails    *DataDetails    `json:"inputDetails,omitempty"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *DataDetails    `json:"outputDetails,omitempty"`
	TraceHeader     *string         `json:"traceHeader,omitempty"`
	BillingDetails  *BillingDetails `json:"billingDetails,omitempty"`
}

type StopExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	Error        *string `json:"error"`
	Cause        *string `json:"cause"`
}

type StopExecutionOutput struct {
	StopDate *epoch `json:"stopDate"`
}

type DescribeExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	IncludedData *string `json:"includedData"`
}

type DescribeExecutionOutput struct {
	ExecutionArn           string       `json:"executionArn"`
	StateMachineArn        string       `json:"stateMachineArn"`
	Name                   string       `json:"name,omitempty"`
	Status                 string       `json:"status"`
	StartDate              *epoch       `json:"startDate"`
	StopDate               *epoch       `json:"stopDate,omitempty"`
	Input                  *string      `json:"input,omitempty"`
	InputDetails           *DataDetails `json:"inputDetails,omitempty"`
	Output                 *string      `json:"output,omitempty"`
	OutputDetails          *DataDetails `json:"outputDetails,omitempty"`
	TraceHeader            *string      `json:"traceHeader,omitempty"`
	MapRunArn              string       `json:"mapRunArn,omitempty"`
	Error                  *string      `json:"error,omitempty"`
	Cause                  *string      `json:"cause,omitempty"`
	StateMachineVersionArn string       `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string       `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int          `json:"redriveCount"`
	RedriveDate            *epoch       `json:"redriveDate,omitempty"`
	RedriveStatus          string       `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string       `json:"redriveStatusReason,omitempty"`
}

type ListExecutionsInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	StatusFilter    *string `json:"statusFilter"`
	MaxResults      *int64  `json:"maxResults"`
	NextToken       *string `json:"nextToken"`
	MapRunArn       *string `json:"mapRunArn"`
	RedriveFilter   *string `json:"redriveFilter"`
}

type ExecutionListItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              *epoch `json:"startDate"`
	StopDate               *epoch `json:"stopDate,omitempty"`
	MapRunArn              string `json:"mapRunArn,omitempty"`
	ItemCount              *int   `json:"itemCount,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int    `json:"redriveCount"`
	RedriveDate            *epoch `json:"redriveDate,omitempty"`
}

type ListExecutionsOutput struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

type GetExecutionHistoryInput struct {
	ExecutionArn         *string `json:"executionArn"`
	MaxResults           *int64  `json:"maxResults"`
	ReverseOrder         *bool   `json:"reverseOrder"`
	NextToken            *string `json:"nextToken"`
	IncludeExecutionData *bool   `json:"includeExecutionData"`
}

type GetExecutionHistoryOutput struct {
	Events    []json.RawMessage `json:"events"`
	NextToken string            `json:"nextToken,omitempty"`
}

type RedriveExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	ClientToken  *string `json:"clientToken"`
}

type RedriveExecutionOutput struct {
	RedriveDate *epoch `json:"redriveDate"`
}

// Map runs.

type DescribeMapRunInput struct {
	MapRunArn *string `json:"mapRunArn"`
}

type DescribeMapRunOutput struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	Status                     string       `json:"status"`
	StartDate                  *epoch       `json:"startDate"`
	StopDate                   *epoch       `json:"stopDate,omitempty"`
	MaxConcurrency             int64        `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 MapRunCounts `json:"itemCounts"`
	ExecutionCounts            MapRunCounts `json:"executionCounts"`
	RedriveCount               int          `json:"redriveCount"`
	RedriveDate                *epoch       `json:"redriveDate,omitempty"`
}

type ListMapRunsInput struct {
	ExecutionArn *string `json:"executionArn"`
	MaxResults   *int64  `json:"maxResults"`
	NextToken    *string `json:"nextToken"`
}

type MapRunListItem struct {
	ExecutionArn    string `json:"executionArn"`
	MapRunArn       string `json:"mapRunArn"`
	StateMachineArn string `json:"stateMachineArn"`
	StartDate       *epoch `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
}

type ListMapRunsOutput struct {
	MapRuns   []MapRunListItem `json:"mapRuns"`
	NextToken string           `json:"nextToken,omitempty"`
}

type UpdateMapRunInput struct {
	MapRunArn                  *string  `json:"mapRunArn"`
	MaxConcurrency             *int64   `json:"maxConcurrency"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
}

// Activities.

type CreateActivityInput struct {
	Name                    *string                  `json:"name"`
	Tags                    []Tag                    `json:"tags"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration"`
}

type CreateActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	CreationDate *epoch `json:"creationDate"`
}

type ActivityArnInput struct {
	ActivityArn *string `json:"activityArn"`
}

type DescribeActivityOutput struct {
	ActivityArn             string          `json:"activityArn"`
	Name                    string          `json:"name"`
	CreationDate            *epoch          `json:"creationDate"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration,omitempty"`
}

type ListActivitiesInput struct {
	MaxResults *int64  `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

type ActivityListItem struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate *epoch `json:"creationDate"`
}

type ListActivitiesOutput struct {
	Activities []ActivityListItem `json:"activities"`
	NextToken  string             `json:"nextToken,omitempty"`
}

type GetActivityTaskInput struct {
	ActivityArn *string `json:"activityArn"`
	WorkerName  *string `json:"workerName"`
}

type GetActivityTaskOutput struct {
	TaskToken *string `json:"taskToken,omitempty"`
	Input     *string `json:"input,omitempty"`
}

// Task tokens.

type SendTaskSuccessInput struct {
	TaskToken *string `json:"taskToken"`
	Output    *string `json:"output"`
}

type SendTaskFailureInput struct {
	TaskToken *string `json:"taskToken"`
	Error     *string `json:"error"`
	Cause     *string `json:"cause"`
}

type SendTaskHeartbeatInput struct {
	TaskToken *string `json:"taskToken"`
}

// Tags.

type TagResourceInput struct {
	ResourceArn *string `json:"resourceArn"`
	Tags        []Tag   `json:"tags"`
}

type UntagResourceInput struct {
	ResourceArn *string  `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type ListTagsForResourceInput struct {
	ResourceArn *string `json:"resourceArn"`
}

type TagOut struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type ListTagsForResourceOutput struct {
	Tags []TagOut `json:"tags"`
}

// TestState.

type MockInput struct {
	Result      *string `json:"result"`
	ErrorOutput *struct {
		Error *string `json:"error"`
		Cause *string `json:"cause"`
	} `json:"errorOutput"`
	FieldValidationMode *string `json:"fieldValidationMode"`
}

type TestStateConfiguration struct {
	RetrierRetryCount        *int64  `json:"retrierRetryCount"`
	ErrorCausedByState       *string `json:"errorCausedByState"`
	MapIterationFailureCount *int64  `json:"mapIterationFailureCount"`
	MapItemReaderData        *string `json:"mapItemReaderData"`
}

type TestStateInput struct {
	Definition         *string                 `json:"definition"`
	RoleArn            *string                 `json:"roleArn"`
	Input              *string                 `json:"input"`
	InspectionLevel    *string                 `json:"inspectionLevel"`
	RevealSecrets      *bool                   `json:"revealSecrets"`
	Variables          *string                 `json:"variables"`
	StateName          *string                 `json:"stateName"`
	Mock               *MockInput              `json:"mock"`
	Context            *string                 `json:"context"`
	StateConfiguration *TestStateConfiguration `json:"stateConfiguration"`
}

type TestStateOutput struct {
	Output         *string         `json:"output,omitempty"`
	Error          *string         `json:"error,omitempty"`
	Cause          *string         `json:"cause,omitempty"`
	InspectionData json.RawMessage `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status"`
}
