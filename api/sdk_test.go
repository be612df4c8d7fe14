package api_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/api/apitest"
)

const role = "arn:aws:iam::123456789012:role/r"

// sdkClient is an aws-sdk-go-v2 Step Functions client wired to svc without a socket.
func sdkClient(svc *api.Service) *sfn.Client {
	c := sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://sfnlocal.test"),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   svc.HTTPClient(),
	})
	services.Store(c, svc)
	return c
}

// services remembers each client's Service, for waitDone.
var services sync.Map // *sfn.Client → *api.Service

func newClient(t testing.TB) (*sfn.Client, *apitest.FakeEngine) {
	svc, fe, _ := newService(t)
	return sdkClient(svc), fe
}

// requireCode checks that err is an API error with the given code.
func requireCode(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "want %s, got %v", code, err)
	require.Equal(t, code, ae.ErrorCode(), "message: %s", ae.ErrorMessage())
}

func createSM(t testing.TB, c *sfn.Client, name, def string, typ types.StateMachineType) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role), Type: typ,
	})
	require.NoError(t, err)
	return *out.StateMachineArn
}

const (
	waitDef = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`
	failDef = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"bad"}}}`
)

func TestSDKStateMachineLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	arn := createSM(t, c, "sm", passDef, "")

	// Idempotent create: same definition and settings answer the same ARN.
	again, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), Definition: aws.String(passDef), RoleArn: aws.String("arn:aws:iam::123456789012:role/other")})
	require.NoError(t, err)
	require.Equal(t, arn, *again.StateMachineArn)
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), Definition: aws.String(waitDef), RoleArn: aws.String(role)})
	requireCode(t, err, "StateMachineAlreadyExists")

	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	require.NoError(t, err)
	require.Equal(t, passDef, *d.Definition)
	require.Equal(t, types.StateMachineStatusActive, d.Status)
	require.Equal(t, types.LogLevelOff, d.LoggingConfiguration.Level)
	require.Nil(t, d.RevisionId)

	u, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(waitDef)})
	require.NoError(t, err)
	require.NotEmpty(t, *u.RevisionId)
	u2, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(waitDef)})
	require.NoError(t, err)
	require.Equal(t, *u.RevisionId, *u2.RevisionId, "an update that changes nothing keeps the revision")
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn})
	requireCode(t, err, "MissingRequiredParameter")

	for i := range 12 {
		createSM(t, c, fmt.Sprintf("page-%02d", i), passDef, "")
	}
	var names []string
	p := sfn.NewListStateMachinesPaginator(c, &sfn.ListStateMachinesInput{MaxResults: 5})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, it := range out.StateMachines {
			names = append(names, *it.Name)
		}
	}
	require.Equal(t, 3, pages)
	require.Len(t, names, 13)
	require.Equal(t, "page-00", names[0], "sorted by name")
	require.Equal(t, "sm", names[12])

	_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &arn})
	require.NoError(t, err)
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	requireCode(t, err, "StateMachineDoesNotExist")
}

func TestSDKExecutions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	pass := createSM(t, c, "pass", passDef, "")
	wait := createSM(t, c, "wait", waitDef, "")
	fail := createSM(t, c, "fail", failDef, "")

	t.Run("succeeded", func(t *testing.T) {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &pass, Name: aws.String("e1")})
		require.NoError(t, err)
		require.Equal(t, "arn:aws:states:us-east-1:123456789012:execution:pass:e1", *st.ExecutionArn)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
		require.Equal(t, `{"Arg1":"argument1"}`, *d.Output)
		require.Equal(t, "{}", *d.Input)
		require.Equal(t, types.ExecutionRedriveStatusNotRedrivable, d.RedriveStatus)
		require.Equal(t, "Execution is SUCCEEDED and cannot be redriven", *d.RedriveStatusReason)
		require.NotNil(t, d.StopDate)

		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &pass, Name: aws.String("e1")})
		requireCode(t, err, "ExecutionAlreadyExists")

		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Len(t, h.Events, 2)
		require.Equal(t, types.HistoryEventTypeExecutionStarted, h.Events[0].Type)
		require.Equal(t, "{}", *h.Events[0].ExecutionStartedEventDetails.Input)
		r, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, ReverseOrder: true, MaxResults: 1})
		require.NoError(t, err)
		require.Len(t, r.Events, 1)
		require.Equal(t, types.HistoryEventTypeExecutionSucceeded, r.Events[0].Type)
		require.NotNil(t, r.NextToken)
		r2, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, ReverseOrder: true, MaxResults: 1, NextToken: r.NextToken})
		require.NoError(t, err)
		require.Equal(t, types.HistoryEventTypeExecutionStarted, r2.Events[0].Type)
		require.Nil(t, r2.NextToken)
		_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, NextToken: r.NextToken})
		requireCode(t, err, "InvalidToken") // a reverse-order token does not page forwards
		n, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, IncludeExecutionData: aws.Bool(false)})
		require.NoError(t, err)
		require.Nil(t, n.Events[0].ExecutionStartedEventDetails.Input)

		f, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, passDef, *f.Definition)
		require.Equal(t, "pass", *f.Name)
	})

	t.Run("failed", func(t *testing.T) {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &fail, Input: aws.String(`{"a":1}`)})
		require.NoError(t, err)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusFailed, d.Status)
		require.Equal(t, "Oops", *d.Error)
		require.Equal(t, "bad", *d.Cause)
		require.Len(t, *d.Name, 36, "a generated name is a UUID")
		// Redrive needs engine support that the interpreter does not have yet: the execution
		// says so, and RedriveExecution refuses.
		require.Equal(t, types.ExecutionRedriveStatusNotRedrivable, d.RedriveStatus)
		_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn})
		requireCode(t, err, "ExecutionNotRedrivable")
	})

	t.Run("idempotent start, stop, list", func(t *testing.T) {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &wait, Name: aws.String("w1"), Input: aws.String(`{"x":1}`)})
		require.NoError(t, err)
		st2, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &wait, Name: aws.String("w1"), Input: aws.String(`{"x":1}`)})
		require.NoError(t, err, "same name and input while running is idempotent")
		require.Equal(t, *st.ExecutionArn, *st2.ExecutionArn)
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &wait, Name: aws.String("w1"), Input: aws.String(`{"x":2}`)})
		requireCode(t, err, "ExecutionAlreadyExists")

		running, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &wait, StatusFilter: types.ExecutionStatusRunning})
		require.NoError(t, err)
		require.Len(t, running.Executions, 1)

		_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: st.ExecutionArn, Error: aws.String("E"), Cause: aws.String("C")})
		require.NoError(t, err)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusAborted, d.Status)
		require.Equal(t, "E", *d.Error)
		aborted, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &wait, StatusFilter: types.ExecutionStatusAborted})
		require.NoError(t, err)
		require.Len(t, aborted.Executions, 1)
	})

	t.Run("bad input", func(t *testing.T) {
		cases := []struct {
			name string
			in   sfn.StartExecutionInput
			code string
		}{
			{"empty input", sfn.StartExecutionInput{StateMachineArn: &pass, Input: aws.String("")}, "InvalidExecutionInput"},
			{"not json", sfn.StartExecutionInput{StateMachineArn: &pass, Input: aws.String("{'a':1}")}, "InvalidExecutionInput"},
			{"bad name", sfn.StartExecutionInput{StateMachineArn: &pass, Name: aws.String("a/b")}, "InvalidName"},
			{"no such machine", sfn.StartExecutionInput{StateMachineArn: aws.String(pass + "x")}, "StateMachineDoesNotExist"},
			{"label arn", sfn.StartExecutionInput{StateMachineArn: aws.String(pass + "/lbl")}, "ValidationException"},
			{"sync on standard", sfn.StartExecutionInput{}, "StateMachineTypeNotSupported"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var err error
				if tc.name == "sync on standard" {
					_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &pass})
				} else {
					_, err = c.StartExecution(ctx, &tc.in)
				}
				requireCode(t, err, tc.code)
			})
		}
		for _, in := range []string{`1`, `"s"`, `null`} {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &pass, Input: aws.String(in)})
			require.NoError(t, err, "input %s is valid JSON", in)
		}
	})

	t.Run("pagination newest first", func(t *testing.T) {
		m := createSM(t, c, "many", passDef, "")
		for i := range 13 {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &m, Name: aws.String(fmt.Sprintf("x%02d", i))})
			require.NoError(t, err)
		}
		p1, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &m, MaxResults: 10})
		require.NoError(t, err)
		require.Len(t, p1.Executions, 10)
		require.Equal(t, "x12", *p1.Executions[0].Name)
		p2, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &m, MaxResults: 10, NextToken: p1.NextToken})
		require.NoError(t, err)
		require.Len(t, p2.Executions, 3)
		require.Equal(t, "x00", *p2.Executions[2].Name)
		require.Nil(t, p2.NextToken)
	})
}

func TestSDKVersionsAndAliases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("v"), Definition: aws.String(passDef), RoleArn: aws.String(role), Publish: true, VersionDescription: aws.String("first")})
	require.NoError(t, err)
	require.Equal(t, *sm.StateMachineArn+":1", *sm.StateMachineVersionArn)
	arn := *sm.StateMachineArn

	again, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &arn})
	require.NoError(t, err)
	require.Equal(t, arn+":1", *again.StateMachineVersionArn, "publishing an unchanged revision is idempotent")
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &arn, RevisionId: aws.String("stale")})
	requireCode(t, err, "ConflictException")

	u, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(failDef), Publish: true})
	require.NoError(t, err)
	require.Equal(t, arn+":2", *u.StateMachineVersionArn)

	vs, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &arn})
	require.NoError(t, err)
	require.Len(t, vs.StateMachineVersions, 2)
	require.Equal(t, arn+":2", *vs.StateMachineVersions[0].StateMachineVersionArn, "newest first")

	dv, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + ":1")})
	require.NoError(t, err)
	require.Equal(t, passDef, *dv.Definition)
	require.Equal(t, "first", *dv.Description)

	al, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"), RoutingConfiguration: []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(arn + ":1"), Weight: 100},
	}})
	require.NoError(t, err)
	require.Equal(t, arn+":live", *al.StateMachineAliasArn)
	_, err = c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("bad"), RoutingConfiguration: []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(arn + ":1"), Weight: 50},
	}})
	requireCode(t, err, "ValidationException")
	_, err = c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("gone"), RoutingConfiguration: []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(arn + ":9"), Weight: 100},
	}})
	requireCode(t, err, "ResourceNotFound")

	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: al.StateMachineAliasArn})
	require.NoError(t, err)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status, "the alias routes to version 1, a Pass")
	require.Equal(t, arn+":1", *d.StateMachineVersionArn)
	require.Equal(t, arn+":live", *d.StateMachineAliasArn)
	byAlias, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: al.StateMachineAliasArn})
	require.NoError(t, err)
	require.Len(t, byAlias.Executions, 1)

	_, err = c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn, RoutingConfiguration: []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(arn + ":1"), Weight: 30}, {StateMachineVersionArn: aws.String(arn + ":2"), Weight: 70},
	}})
	require.NoError(t, err)
	da, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn})
	require.NoError(t, err)
	require.Len(t, da.RoutingConfiguration, 2)
	require.NotNil(t, da.UpdateDate)
	seen := map[string]int{}
	for range 60 {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: al.StateMachineAliasArn})
		require.NoError(t, err)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		seen[*d.StateMachineVersionArn]++
	}
	require.Len(t, seen, 2, "both routes get executions: %v", seen)

	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn + ":1")})
	requireCode(t, err, "ConflictException")
	la, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &arn})
	require.NoError(t, err)
	require.Len(t, la.StateMachineAliases, 1)
	_, err = c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn})
	require.NoError(t, err)
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn})
	requireCode(t, err, "ResourceNotFound")
	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn + ":1")})
	require.NoError(t, err)
	vs, err = c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &arn})
	require.NoError(t, err)
	require.Len(t, vs.StateMachineVersions, 1)
}

func TestSDKExpress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	arn := createSM(t, c, "ex", passDef, types.StateMachineTypeExpress)
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &arn, Name: aws.String("n"), Input: aws.String(`{"k":true}`)})
	require.NoError(t, err)
	require.Equal(t, types.SyncExecutionStatusSucceeded, out.Status)
	require.Equal(t, `{"Arg1":"argument1"}`, *out.Output)
	require.Equal(t, `{"k":true}`, *out.Input)
	require.Regexp(t, `^arn:aws:states:us-east-1:123456789012:express:ex:n:[0-9a-f-]{36}$`, *out.ExecutionArn)
	require.Equal(t, int64(64), out.BillingDetails.BilledMemoryUsedInMB)
	require.Equal(t, int64(100), out.BillingDetails.BilledDurationInMilliseconds)

	failing := createSM(t, c, "exfail", failDef, types.StateMachineTypeExpress)
	f, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &failing})
	require.NoError(t, err, "a failed sync execution is still a 200")
	require.Equal(t, types.SyncExecutionStatusFailed, f.Status)
	require.Equal(t, "Oops", *f.Error)

	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	require.NoError(t, err)
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	requireCode(t, err, "InvalidArn")
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
	requireCode(t, err, "InvalidArn")
	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: st.ExecutionArn})
	requireCode(t, err, "InvalidArn")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &arn})
	requireCode(t, err, "StateMachineTypeNotSupported")
}

func TestSDKActivitiesAndTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, fe := newClient(t)
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:activity:work", *act.ActivityArn)
	again, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	require.NoError(t, err)
	require.Equal(t, *act.ActivityArn, *again.ActivityArn)
	da, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	require.NoError(t, err)
	require.Equal(t, "work", *da.Name)
	la, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
	require.NoError(t, err)
	require.Len(t, la.Activities, 1)

	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + *act.ActivityArn + `","End":true}}}`
	sm := createSM(t, c, "act", def, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &sm, Input: aws.String(`{"job":1}`)})
	require.NoError(t, err)
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w")})
	require.NoError(t, err)
	require.Equal(t, `{"job":1}`, *task.Input)
	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
	require.NoError(t, err)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"done":true}`)})
	require.NoError(t, err)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
	require.Equal(t, `{"done":true}`, *d.Output)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)})
	requireCode(t, err, "TaskDoesNotExist")
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("nonsense")})
	requireCode(t, err, "InvalidToken")

	cb := createSM(t, c, "cb", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}`, "")
	st2, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &cb})
	require.NoError(t, err)
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(fe.Token(*st2.ExecutionArn)), Error: aws.String("E"), Cause: aws.String("C")})
	require.NoError(t, err)
	d2, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st2.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusFailed, d2.Status)

	_, err = c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn})
	require.NoError(t, err)
	_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	requireCode(t, err, "ActivityDoesNotExist")
	_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	requireCode(t, err, "ActivityDoesNotExist")
}

func TestSDKGetActivityTaskLongPoll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, clk := newService(t)
	c := sdkClient(svc)
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("idle")})
	require.NoError(t, err)
	done := make(chan *sfn.GetActivityTaskOutput, 1)
	go func() {
		out, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	clk.BlockUntil(1) // the poll's 60 s timer
	clk.Advance(60 * time.Second)
	out := <-done
	require.Nil(t, out.TaskToken, "no task within 60 s: an empty answer")
}

func TestSDKTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	arn := createSM(t, c, "tagged", passDef, "")
	_, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}})
	require.NoError(t, err)
	_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("3")}}})
	require.NoError(t, err)
	_, err = c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"b"}})
	require.NoError(t, err)
	l, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: &arn})
	require.NoError(t, err)
	require.Len(t, l.Tags, 1)
	require.Equal(t, "a", *l.Tags[0].Key)
	require.Equal(t, "3", *l.Tags[0].Value)

	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")}
	}
	_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &arn, Tags: many})
	requireCode(t, err, "TooManyTags")
	_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn + "nope"), Tags: many[:1]})
	requireCode(t, err, "ResourceNotFound")
}

func TestSDKDeleteWhileRunning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	arn := createSM(t, c, "busy", waitDef, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	require.NoError(t, err)
	_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &arn})
	require.NoError(t, err)
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	require.NoError(t, err)
	require.Equal(t, types.StateMachineStatusDeleting, d.Status)
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	requireCode(t, err, "StateMachineDeleting")
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("busy"), Definition: aws.String(waitDef), RoleArn: aws.String(role)})
	requireCode(t, err, "StateMachineDeleting")

	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	requireCode(t, err, "StateMachineDoesNotExist") // gone once its last execution ended
}

func TestSDKValidateMapRunsTestState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	ok, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef)})
	require.NoError(t, err)
	require.Equal(t, types.ValidateStateMachineDefinitionResultCodeOk, ok.Result)
	require.Empty(t, ok.Diagnostics)
	bad, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"Comment":"x"}`)})
	require.NoError(t, err)
	require.Equal(t, types.ValidateStateMachineDefinitionResultCodeFail, bad.Result)
	require.Equal(t, "SCHEMA_VALIDATION_FAILED", *bad.Diagnostics[0].Code)

	arn := createSM(t, c, "m", passDef, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	require.NoError(t, err)
	mr, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Empty(t, mr.MapRuns)
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:m/l:1"), MaxConcurrency: aws.Int32(1)})
	requireCode(t, err, "ResourceNotFound")
	_, err = c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Input: aws.String("{")})
	requireCode(t, err, "InvalidExecutionInput")
}
