package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api"
)

// regionClient is sdkClient signing for region.
func regionClient(svc *api.Service, region string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       region,
		BaseEndpoint: aws.String("http://sfnlocal.test"),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   svc.HTTPClient(),
	})
}

// TestRegionFromCredentialScope: a signed request's resources are in the region (and that
// region's partition) its client signed for, and lists show only that region's resources.
func TestRegionFromCredentialScope(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService(t)
	ctx := context.Background()
	cases := []struct {
		region, wantSM, wantExec, wantAct string
	}{
		{"us-east-1", "arn:aws:states:us-east-1:123456789012:stateMachine:sm", "arn:aws:states:us-east-1:123456789012:execution:sm:e", "arn:aws:states:us-east-1:123456789012:activity:act"},
		{"us-west-2", "arn:aws:states:us-west-2:123456789012:stateMachine:sm", "arn:aws:states:us-west-2:123456789012:execution:sm:e", "arn:aws:states:us-west-2:123456789012:activity:act"},
		{"cn-northwest-1", "arn:aws-cn:states:cn-northwest-1:123456789012:stateMachine:sm", "arn:aws-cn:states:cn-northwest-1:123456789012:execution:sm:e", "arn:aws-cn:states:cn-northwest-1:123456789012:activity:act"},
		{"us-gov-west-1", "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:sm", "arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:sm:e", "arn:aws-us-gov:states:us-gov-west-1:123456789012:activity:act"},
	}
	// Sequential on one Service: each region must see only its own resources.
	for _, tc := range cases {
		c := regionClient(svc, tc.region)
		role := "arn:" + partitionOf(tc.wantSM) + ":iam::123456789012:role/r"
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), Definition: aws.String(passDef), RoleArn: aws.String(role)})
		require.NoError(t, err, tc.region)
		require.Equal(t, tc.wantSM, *sm.StateMachineArn)
		ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("e")})
		require.NoError(t, err)
		require.Equal(t, tc.wantExec, *ex.ExecutionArn)
		act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("act")})
		require.NoError(t, err)
		require.Equal(t, tc.wantAct, *act.ActivityArn)

		list, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
		require.NoError(t, err)
		require.Len(t, list.StateMachines, 1, tc.region)
		require.Equal(t, tc.wantSM, *list.StateMachines[0].StateMachineArn)
		acts, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
		require.NoError(t, err)
		require.Len(t, acts.Activities, 1, tc.region)
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
		require.NoError(t, err)
		require.Equal(t, tc.wantSM, *d.StateMachineArn)
	}
}

func partitionOf(arn string) string {
	p := arn[len("arn:"):]
	for i := range p {
		if p[i] == ':' {
			return p[:i]
		}
	}
	return p
}

// TestListOrder: state machines and activities are listed oldest first, as AWS lists them.
func TestListOrder(t *testing.T) {
	t.Parallel()
	svc, _, clk := newService(t)
	c := sdkClient(svc)
	ctx := context.Background()
	var want []string
	for _, name := range []string{"zeta", "alpha", "mid"} {
		want = append(want, createSM(t, c, name, passDef, ""))
		_, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name)})
		require.NoError(t, err)
		clk.Advance(1e9)
	}
	list, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	require.NoError(t, err)
	var got []string
	for _, sm := range list.StateMachines {
		got = append(got, *sm.StateMachineArn)
	}
	require.Equal(t, want, got)
	acts, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
	require.NoError(t, err)
	require.Equal(t, "zeta", *acts.Activities[0].Name)
	require.Equal(t, "mid", *acts.Activities[2].Name)
}

// TestControlPlaneFidelity covers the control-plane answers issue 12 lists: roleArn checks,
// the default encryption configuration, an alias' updateDate and publishing on a new version
// description.
func TestControlPlaneFidelity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("roleArn", func(t *testing.T) {
		t.Parallel()
		c, _ := newClient(t)
		for _, tc := range []struct{ role, msg string }{
			{"r", "Invalid Arn: 'Invalid ARN prefix: r'"},
			{"arn:aws:iam::123456789012:user/u", "Invalid Arn: 'Invalid ARN: arn:aws:iam::123456789012:user/u'"},
			{"arn:aws:s3:::bucket", "Invalid Arn: 'Invalid ARN: arn:aws:s3:::bucket'"},
		} {
			_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), Definition: aws.String(passDef), RoleArn: aws.String(tc.role)})
			requireCode(t, err, "InvalidArn")
			require.ErrorContains(t, err, tc.msg)
		}
		arn := createSM(t, c, "ok", passDef, "")
		_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), RoleArn: aws.String("nope")})
		requireCode(t, err, "InvalidArn")
		_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("cn"), Definition: aws.String(passDef), RoleArn: aws.String("arn:aws-cn:iam::123456789012:role/service-role/x")})
		require.NoError(t, err)
	})

	t.Run("encryption default", func(t *testing.T) {
		t.Parallel()
		c, _ := newClient(t)
		arn := createSM(t, c, "enc", passDef, "")
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		require.NoError(t, err)
		require.Equal(t, types.EncryptionTypeAwsOwnedKey, d.EncryptionConfiguration.Type)
		// An explicit AWS_OWNED_KEY is the same configuration: CreateStateMachine stays idempotent.
		_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("enc"), Definition: aws.String(passDef), RoleArn: aws.String(role),
			EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey}})
		require.NoError(t, err)
		act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a")})
		require.NoError(t, err)
		da, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
		require.NoError(t, err)
		require.Equal(t, types.EncryptionTypeAwsOwnedKey, da.EncryptionConfiguration.Type)
	})

	t.Run("alias updateDate", func(t *testing.T) {
		t.Parallel()
		c, _ := newClient(t)
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("al"), Definition: aws.String(passDef), RoleArn: aws.String(role), Publish: true})
		require.NoError(t, err)
		a, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"),
			RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: sm.StateMachineVersionArn, Weight: 100}}})
		require.NoError(t, err)
		d, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: a.StateMachineAliasArn})
		require.NoError(t, err)
		require.NotNil(t, d.UpdateDate)
		require.Equal(t, *d.CreationDate, *d.UpdateDate)
	})

	t.Run("publish on a new description", func(t *testing.T) {
		t.Parallel()
		c, _ := newClient(t)
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("pub"), Definition: aws.String(passDef), RoleArn: aws.String(role), Publish: true, VersionDescription: aws.String("one")})
		require.NoError(t, err)
		require.Equal(t, *sm.StateMachineArn+":1", *sm.StateMachineVersionArn)
		up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: aws.String(passDef), Publish: true, VersionDescription: aws.String("two")})
		require.NoError(t, err)
		require.Equal(t, *sm.StateMachineArn+":2", *up.StateMachineVersionArn)
		// The same description again: the latest version is answered, nothing is published.
		up, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: aws.String(passDef), Publish: true, VersionDescription: aws.String("two")})
		require.NoError(t, err)
		require.Equal(t, *sm.StateMachineArn+":2", *up.StateMachineVersionArn)
	})
}

// TestJSONErrorsInJacksonWords: invalid execution input is described as AWS's Jackson parser
// describes it.
func TestJSONErrorsInJacksonWords(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	arn := createSM(t, c, "in", passDef, "")
	for _, tc := range []struct{ input, msg string }{
		{`{"a" 1}`, "Invalid State Machine Execution Input: 'Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value\n at [Source: (String)\"{\"a\" 1}\"; line: 1, column: 7]'"},
		{`nope`, "Invalid State Machine Execution Input: 'Unrecognized token 'nope': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"nope\"; line: 1, column: 5]'"},
	} {
		_, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(tc.input)})
		requireCode(t, err, "InvalidExecutionInput")
		require.ErrorContains(t, err, tc.msg)
	}
}

// TestOtherRegionArn: resources are kept per region, so an ARN of another region than the
// request's names a resource that does not exist there, answered with each operation's
// not-found error and AWS's message form (errors.go): it is neither found nor changed.
func TestOtherRegionArn(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService(t)
	ctx := context.Background()
	west := regionClient(svc, "us-west-2")
	east := regionClient(svc, "us-east-1")
	sm, err := west.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), Definition: aws.String(passDef), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Publish: true})
	require.NoError(t, err)
	ex, err := west.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("e")})
	require.NoError(t, err)
	act, err := west.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("act")})
	require.NoError(t, err)
	alias, err := west.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"), RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: sm.StateMachineVersionArn, Weight: 100}}})
	require.NoError(t, err)

	smMsg := "State Machine Does Not Exist: '" + *sm.StateMachineArn + "'"
	exMsg := "Execution Does Not Exist: '" + *ex.ExecutionArn + "'"
	cases := []struct {
		name, code, msg string
		call            func(c *sfn.Client) error
	}{
		{"DescribeStateMachine", "StateMachineDoesNotExist", smMsg, func(c *sfn.Client) error {
			_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
			return err
		}},
		{"StartExecution", "StateMachineDoesNotExist", smMsg, func(c *sfn.Client) error {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
			return err
		}},
		{"ListExecutions", "StateMachineDoesNotExist", smMsg, func(c *sfn.Client) error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
			return err
		}},
		{"UpdateStateMachine", "StateMachineDoesNotExist", smMsg, func(c *sfn.Client) error {
			_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: aws.String(passDef)})
			return err
		}},
		{"PublishStateMachineVersion", "StateMachineDoesNotExist", smMsg, func(c *sfn.Client) error {
			_, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: sm.StateMachineArn})
			return err
		}},
		{"ListStateMachineVersions", "StateMachineDoesNotExist", smMsg, func(c *sfn.Client) error {
			_, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: sm.StateMachineArn})
			return err
		}},
		{"DescribeExecution", "ExecutionDoesNotExist", exMsg, func(c *sfn.Client) error {
			_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
			return err
		}},
		{"GetExecutionHistory", "ExecutionDoesNotExist", exMsg, func(c *sfn.Client) error {
			_, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
			return err
		}},
		{"StopExecution", "ExecutionDoesNotExist", exMsg, func(c *sfn.Client) error {
			_, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn})
			return err
		}},
		{"DescribeStateMachineForExecution", "ExecutionDoesNotExist", exMsg, func(c *sfn.Client) error {
			_, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: ex.ExecutionArn})
			return err
		}},
		{"DescribeActivity", "ActivityDoesNotExist", "Activity Does Not Exist: '" + *act.ActivityArn + "'", func(c *sfn.Client) error {
			_, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
			return err
		}},
		{"DescribeStateMachineAlias", "ResourceNotFound", "Request references a resource that does not exist.", func(c *sfn.Client) error {
			_, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: alias.StateMachineAliasArn})
			return err
		}},
		{"ListTagsForResource", "ResourceNotFound", *sm.StateMachineArn, func(c *sfn.Client) error {
			_, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: sm.StateMachineArn})
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.call(east)
		requireCode(t, err, tc.code)
		require.ErrorContains(t, err, tc.msg, tc.name)
		require.NoError(t, tc.call(west), tc.name+" in its own region")
	}
	// Deleting in another region changes nothing.
	_, err = east.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	_, err = east.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn})
	require.NoError(t, err)
	_, err = west.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	_, err = west.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	require.NoError(t, err)
}
