package lambda

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestFunctionsPerRegion: functions are kept per region, as on AWS: a request signed for a
// region (its SigV4 credential scope) creates, lists and finds the functions of that region,
// whose ARNs carry the region and its partition; unsigned requests use the default region; a
// full ARN names its own region; the Step Functions integration finds a function named without
// its region in its execution's region.
func TestFunctionsPerRegion(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{Region: "us-east-1"})
	api := newAPI(t, s)
	zip := zipOf(t, map[string][]byte{"handler.py": []byte("def handler(e, c):\n    return e\n")})
	signed := func(region string) map[string]string {
		return map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/" + region + "/lambda/aws4_request, SignedHeaders=host, Signature=x"}
	}
	call := func(region, method, path string, in any) (int, map[string]any) {
		var body []byte
		if in != nil {
			body, _ = json.Marshal(in)
		}
		hdr := map[string]string{}
		if region != "" {
			hdr = signed(region)
		}
		resp, b := api.do(method, path, body, hdr)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	create := map[string]any{"FunctionName": "fn", "Role": testRole, "Runtime": "python3.12", "Handler": "handler.handler", "Code": map[string]any{"ZipFile": zip}}
	for region, arn := range map[string]string{
		"us-west-2":  "arn:aws:lambda:us-west-2:" + s.cfg.AccountID + ":function:fn",
		"cn-north-1": "arn:aws-cn:lambda:cn-north-1:" + s.cfg.AccountID + ":function:fn",
	} {
		code, out := call(region, "POST", "/2015-03-31/functions", create)
		require.Equal(t, 201, code, out)
		require.Equal(t, arn, out["FunctionArn"])
		code, out = call(region, "GET", "/2015-03-31/functions/fn/configuration", nil)
		require.Equal(t, 200, code, out)
		require.Equal(t, arn, out["FunctionArn"])
		code, out = call(region, "GET", "/2015-03-31/functions", nil)
		require.Equal(t, 200, code)
		require.Len(t, out["Functions"], 1)
	}
	for _, region := range []string{"", "us-east-1"} {
		code, out := call(region, "GET", "/2015-03-31/functions/fn/configuration", nil)
		require.Equal(t, 404, code, out)
		require.Equal(t, "Function not found: arn:aws:lambda:us-east-1:"+s.cfg.AccountID+":function:fn", out["Message"])
		code, out = call(region, "GET", "/2015-03-31/functions", nil)
		require.Equal(t, 200, code)
		require.Empty(t, out["Functions"])
	}
	// A full ARN names its region, whatever the request's.
	code, out := call("us-east-1", "GET", "/2015-03-31/functions/arn:aws:lambda:us-west-2:"+s.cfg.AccountID+":function:fn/configuration", nil)
	require.Equal(t, 200, code, out)

	// The integration: by name in the execution's region; nowhere else.
	_, _, aerr := s.resolve("us-west-2", "fn", "", true)
	require.Nil(t, aerr)
	_, err := s.Integration().Invoke(context.Background(), &task.Request{Service: "lambda", Action: "invoke", Region: "eu-west-1",
		Parameters: map[string]any{"FunctionName": "fn"}})
	require.Error(t, err)
	require.Equal(t, "Lambda.ResourceNotFoundException", task.AsFailure(err).Name)
	require.Contains(t, task.AsFailure(err).Cause, "arn:aws:lambda:eu-west-1:")

	// Deleting in one region leaves the other's function.
	code, _ = call("us-west-2", "DELETE", "/2015-03-31/functions/fn", nil)
	require.Equal(t, 204, code)
	code, _ = call("cn-north-1", "GET", "/2015-03-31/functions/fn/configuration", nil)
	require.Equal(t, 200, code)
}
