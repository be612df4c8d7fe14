package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

func postTime(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url+"/_sfnlocal/time", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(data, &m), "%s", data)
	return resp.StatusCode, m
}

func TestTimeEndpoint(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("manual"))
	start := srv.Now()
	tests := []struct {
		name, body string
		status     int
		field      string
		moved      time.Duration
	}{
		{name: "advance", body: `{"advance":"90s"}`, status: 200, moved: 90 * time.Second},
		{name: "next with nothing pending", body: `{"next":true}`, status: 200, moved: 90 * time.Second},
		{name: "to", body: `{"to":"` + start.Add(time.Hour).Format(time.RFC3339Nano) + `"}`, status: 200, moved: time.Hour},
		{name: "backwards", body: `{"to":"2001-01-01T00:00:00Z"}`, status: 400, field: "to", moved: time.Hour},
		{name: "negative", body: `{"advance":"-1s"}`, status: 400, field: "advance", moved: time.Hour},
		{name: "not a duration", body: `{"advance":"soon"}`, status: 400, field: "advance", moved: time.Hour},
		{name: "next false", body: `{"next":false}`, status: 400, field: "next", moved: time.Hour},
		{name: "two fields", body: `{"advance":"1s","next":true}`, status: 400, moved: time.Hour},
		{name: "unknown field", body: `{"jump":"1s"}`, status: 400, moved: time.Hour},
		{name: "not json", body: `advance=1s`, status: 400, moved: time.Hour},
		{name: "bad timestamp", body: `{"to":"tomorrow"}`, status: 400, moved: time.Hour},
	}
	for _, tc := range tests { // in order: each step starts where the last left the clock
		status, m := postTime(t, srv.URL, tc.body)
		require.Equal(t, tc.status, status, "%s: %v", tc.name, m)
		if tc.status != 200 {
			require.NotEmpty(t, m["error"], tc.name)
			if tc.field != "" {
				require.Equal(t, tc.field, m["field"], tc.name)
			}
		}
		require.Equal(t, start.Add(tc.moved), srv.Now(), "%s: a refused step moves nothing", tc.name)
	}
	resp, err := http.Get(srv.URL + "/_sfnlocal/time")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	resp.Body.Close()
	require.Equal(t, start.Add(time.Hour).UTC().Format(time.RFC3339Nano), m["now"])
	require.Equal(t, float64(0), m["pending"])
	require.Equal(t, "manual", m["mode"])

	// Other modes show the clock but refuse to move it.
	real := sfnlocaltest.New(t)
	status, m := postTime(t, real.URL, `{"advance":"1s"}`)
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, m["error"], "--time manual")
}

// TestManualTimeWithCLI steps an execution through its waits with curl while the aws CLI
// watches it, as a user's test script would.
func TestManualTimeWithCLI(t *testing.T) {
	awsBin := needTool(t, "aws")
	curl := needTool(t, "curl")
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("manual"))
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=dummy", "AWS_SECRET_ACCESS_KEY=dummy", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	cli := func(args ...string) map[string]any {
		cmd := exec.Command(awsBin, append([]string{"stepfunctions", "--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "aws %v: %s", args, stderr.String())
		var m map[string]any
		require.NoError(t, json.Unmarshal(out, &m), "%s", out)
		return m
	}
	step := func(body string) map[string]any {
		out, err := exec.Command(curl, "-sS", "-X", "POST", "-H", "Content-Type: application/json", "-d", body, srv.URL+"/_sfnlocal/time").Output()
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(out, &m), "%s", out)
		return m
	}
	def := `{"StartAt":"Soon","States":{
		"Soon":{"Type":"Wait","Seconds":60,"Next":"Later"},
		"Later":{"Type":"Wait","Seconds":3600,"Next":"Done"},
		"Done":{"Type":"Pass","Result":"woke","End":true}}}`
	sm := cli("create-state-machine", "--name", "stepped", "--role-arn", "arn:aws:iam::123456789012:role/r", "--definition", def)
	x := cli("start-execution", "--state-machine-arn", sm["stateMachineArn"].(string), "--name", "e1")
	arn := x["executionArn"].(string)

	now := step(`{"advance":"59s"}`)
	require.Equal(t, float64(1), now["pending"], "the 60 s wait")
	require.Equal(t, "RUNNING", cli("describe-execution", "--execution-arn", arn)["status"])
	step(`{"advance":"1s"}`) // Soon ends; Later starts its hour
	h := cli("get-execution-history", "--execution-arn", arn)["events"].([]any)
	require.Equal(t, "WaitStateEntered", h[len(h)-1].(map[string]any)["type"], "Later is waiting")
	require.Equal(t, "RUNNING", cli("describe-execution", "--execution-arn", arn)["status"])
	step(`{"next":true}`) // straight to the end of the hour
	d := cli("describe-execution", "--execution-arn", arn)
	require.Equal(t, "SUCCEEDED", d["status"])
	require.Equal(t, `"woke"`, d["output"])
	h = cli("get-execution-history", "--execution-arn", arn)["events"].([]any)
	first, _ := time.Parse(time.RFC3339Nano, toRFC3339(t, h[0]))
	last, _ := time.Parse(time.RFC3339Nano, toRFC3339(t, h[len(h)-1]))
	require.Equal(t, 3660*time.Second, last.Sub(first), "history timestamps are on the manual clock")
}

// toRFC3339 reads an event's timestamp as the CLI prints it (an ISO string, or epoch seconds
// with the CLI's older default).
func toRFC3339(t *testing.T, ev any) string {
	t.Helper()
	switch ts := ev.(map[string]any)["timestamp"].(type) {
	case string:
		p, err := time.Parse("2006-01-02T15:04:05.999999-07:00", ts)
		if err != nil {
			p, err = time.Parse(time.RFC3339Nano, ts)
		}
		require.NoError(t, err)
		return p.Format(time.RFC3339Nano)
	case float64:
		sec := int64(ts)
		return time.Unix(sec, int64((ts-float64(sec))*1e9)).Round(time.Millisecond).Format(time.RFC3339Nano)
	default:
		t.Fatalf("timestamp %v", ts)
		return ""
	}
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}
