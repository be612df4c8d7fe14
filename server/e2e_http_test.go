package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

type received struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// apiServer is a local API the HTTP Tasks call: it answers JSON describing each request, and
// 404 under /missing.
func apiServer(t *testing.T) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/missing" || r.URL.Path == "/prod/missing" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"not here"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "query": r.URL.RawQuery, "body": string(b)})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

// TestHTTPTaskWithAWSCLI: an EventBridge connection made with `aws events create-connection`
// authorizes HTTP Tasks against a local API; a 404 fails the execution with
// States.Http.StatusCode.404; a URL-encoded body is sent as a form.
func TestHTTPTaskWithAWSCLI(t *testing.T) {
	t.Parallel()
	needTool(t, "aws")
	api, requests := apiServer(t)
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	conn := mustCLI(t, srv, "events", "create-connection", "--name", "local-api", "--authorization-type", "API_KEY",
		"--auth-parameters", `{"ApiKeyAuthParameters":{"ApiKeyName":"X-Api-Key","ApiKeyValue":"s3cret"},
		  "InvocationHttpParameters":{"HeaderParameters":[{"Key":"X-Tenant","Value":"acme"}],"QueryStringParameters":[{"Key":"v","Value":"2"}]}}`)
	connArn := conn["ConnectionArn"].(string)

	call := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
		"ApiEndpoint.$":"States.Format('` + api.URL + `/customers/{}', $.id)","Method":"POST",
		"Authentication":{"ConnectionArn":"` + connArn + `"},"Headers":{"X-Request":"r1"},
		"QueryParameters":{"expand":"orders"},"RequestBody":{"name.$":"$.name"}},"End":true}}}`
	ok := runMachine(t, srv, "http-ok", call, `{"id":"42","name":"Ada"}`)
	require.Equal(t, "SUCCEEDED", string(ok.Status), "%v", ok.Cause)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(*ok.Output), &out))
	require.Equal(t, float64(200), out["StatusCode"])
	require.Equal(t, "OK", out["StatusText"])
	require.Equal(t, map[string]any{"path": "/customers/42", "query": "expand=orders&v=2", "body": `{"name":"Ada"}`}, out["ResponseBody"])
	require.Equal(t, []any{"application/json"}, out["Headers"].(map[string]any)["content-type"])
	r := requests()[0]
	require.Equal(t, "s3cret", r.Header.Get("X-Api-Key"))
	require.Equal(t, "acme", r.Header.Get("X-Tenant"))
	require.Equal(t, "r1", r.Header.Get("X-Request"))
	require.Equal(t, "Amazon|StepFunctions|HttpInvoke|us-east-1", r.Header.Get("User-Agent"))
	require.Equal(t, "bytes=0-262144", r.Header.Get("Range"))

	missing := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
		"ApiEndpoint":"` + api.URL + `/missing","Method":"GET","Authentication":{"ConnectionArn":"` + connArn + `"}},"End":true}}}`
	failed := runMachine(t, srv, "http-404", missing, `{}`)
	require.Equal(t, "FAILED", string(failed.Status))
	require.Equal(t, "States.Http.StatusCode.404", *failed.Error)
	require.Equal(t, "Not Found", *failed.Cause)

	form := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
		"ApiEndpoint":"` + api.URL + `/form","Method":"POST","Authentication":{"ConnectionArn":"` + connArn + `"},
		"Headers":{"Content-Type":"application/x-www-form-urlencoded"},
		"RequestBody":{"tags":["a","b"],"note":"x y"},
		"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}},"End":true}}}`
	formed := runMachine(t, srv, "http-form", form, `{}`)
	require.Equal(t, "SUCCEEDED", string(formed.Status), "%v", formed.Cause)
	last := requests()[len(requests())-1]
	require.Equal(t, "/form", last.Path)
	require.Equal(t, "note=x%20y&tags%5B%5D=a&tags%5B%5D=b", last.Body)
	require.Equal(t, "application/x-www-form-urlencoded", last.Header.Get("Content-Type"))
}

// TestAPIGatewayInvoke: apigateway:invoke against the base URL configured for its API id.
func TestAPIGatewayInvoke(t *testing.T) {
	t.Parallel()
	needTool(t, "aws")
	api, requests := apiServer(t)
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"), sfnlocaltest.WithConfig(func(c *config.Config) {
		c.APIGateway = map[string]string{"a1b2c3": api.URL}
	}))
	def := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke","Parameters":{
		"ApiEndpoint":"a1b2c3.execute-api.us-east-1.amazonaws.com","Method":"POST","Stage":"prod","Path":"bills",
		"Headers":{"X-Key":["v1","v2"]},"QueryParameters":{"billId":["123456"]},"RequestBody":{"amount":5},"AuthType":"NO_AUTH"},
		"Catch":[{"ErrorEquals":["ApiGateway.404"],"ResultPath":"$.error","Next":"Missing"}],"Next":"Missing"},
		"Missing":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke","Parameters":{
		"ApiEndpoint":"a1b2c3.execute-api.us-east-1.amazonaws.com","Method":"GET","Stage":"prod","Path":"missing"},"End":true}}}`
	got := runMachine(t, srv, "apigw", def, `{}`)
	require.Equal(t, "FAILED", string(got.Status))
	require.Equal(t, "ApiGateway.404", *got.Error)
	require.Equal(t, `{"message":"not here"}`, *got.Cause)
	r := requests()[0]
	require.Equal(t, "/prod/bills", r.Path)
	require.Equal(t, "billId=123456", r.Query)
	require.Equal(t, []string{"v1", "v2"}, r.Header.Values("X-Key"))
	require.Equal(t, `{"amount":5}`, r.Body)
	hist := mustCLI(t, srv, "stepfunctions", "get-execution-history", "--execution-arn", *got.ExecutionArn)
	var first map[string]any
	for _, e := range hist["events"].([]any) {
		ev := e.(map[string]any)
		if ev["type"] == "TaskSucceeded" {
			require.NoError(t, json.Unmarshal([]byte(ev["taskSucceededEventDetails"].(map[string]any)["output"].(string)), &first))
			break
		}
	}
	require.Equal(t, float64(200), first["StatusCode"])
	require.Equal(t, "OK", first["StatusText"])
	require.Equal(t, map[string]any{"path": "/prod/bills", "query": "billId=123456", "body": `{"amount":5}`}, first["ResponseBody"])
	require.Equal(t, []any{"application/json"}, first["Headers"].(map[string]any)["Content-Type"])
}

// TestHTTPTaskBoto3 creates a Basic-auth connection and runs an HTTP Task with boto3.
func TestHTTPTaskBoto3(t *testing.T) {
	t.Parallel()
	python := needTool(t, "python3")
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("boto3 is required in CI: %v", err)
		}
		t.Skip("boto3 not installed")
	}
	api, requests := apiServer(t)
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	script := `
import boto3, json, sys, time
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
events, sfn = boto3.client("events", **kw), boto3.client("stepfunctions", **kw)
conn = events.create_connection(Name="basic", AuthorizationType="BASIC",
    AuthParameters={"BasicAuthParameters": {"Username": "user", "Password": "pass"}})["ConnectionArn"]
definition = {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
    "Parameters": {"ApiEndpoint": sys.argv[2] + "/ping", "Method": "GET", "InvocationConfig": {"ConnectionArn": conn}}, "End": True}}}
sm = sfn.create_state_machine(name="py-http", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps(definition))
ex = sfn.start_execution(stateMachineArn=sm["stateMachineArn"], input="{}")
while True:
    d = sfn.describe_execution(executionArn=ex["executionArn"])
    if d["status"] != "RUNNING":
        break
    time.sleep(0.02)
print(json.dumps({"status": d["status"], "output": json.loads(d.get("output", "null"))}))
`
	cmd := exec.Command(python, "-c", script, srv.URL, api.URL)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), string(out))
	require.Equal(t, "SUCCEEDED", got["status"])
	require.Equal(t, "/ping", got["output"].(map[string]any)["ResponseBody"].(map[string]any)["path"])
	require.Equal(t, "Basic dXNlcjpwYXNz", requests()[0].Header.Get("Authorization"))
}
