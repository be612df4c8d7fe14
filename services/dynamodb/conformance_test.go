package dynamodb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// The recorded AWS executions under ../shared/conformance that call DynamoDB (optimized and
// aws-sdk integrations): every TaskScheduled → TaskSucceeded/TaskFailed pair is replayed against
// a fresh Service holding the tables the recording implies, and the output or error compared
// after AWS's own snapshot normalisation (request IDs, dates, checksums).

func conformanceDir(t *testing.T) string {
	dir := os.Getenv("SFNLOCAL_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	if _, err := os.Stat(filepath.Join(dir, "cases")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus not found at %s", dir)
		}
		t.Skipf("conformance corpus not found at %s", dir)
	}
	return dir
}

type recordedCall struct {
	service, action string
	params          map[string]any
	output          any // TaskSucceeded output, or nil
	errName, cause  string
}

type recordedCase struct {
	name      string
	tableName string // the raw (unnormalised) table name from the case's input
	calls     []recordedCall
}

func loadRecordedCases(t *testing.T) []recordedCase {
	dir := filepath.Join(conformanceDir(t), "cases")
	var out []recordedCase
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(`dynamodb"`)) {
			return nil
		}
		v, err := task.DecodePlain(b)
		if err != nil {
			return err
		}
		c, _ := v.(map[string]any)
		rc := recordedCase{name: strings.TrimSuffix(filepath.Base(path), ".json")}
		if in, ok := c["input"].(string); ok {
			if iv, err := task.DecodePlain([]byte(in)); err == nil {
				im, _ := iv.(map[string]any)
				rc.tableName, _ = im["TableName"].(string)
			}
		}
		events, _ := c["history_events"].([]any)
		var cur *recordedCall
		for _, e := range events {
			ev, _ := e.(map[string]any)
			switch ev["type"] {
			case "TaskScheduled":
				d, _ := ev["taskScheduledEventDetails"].(map[string]any)
				rt, _ := d["resourceType"].(string)
				if rt != "dynamodb" && rt != "aws-sdk:dynamodb" {
					cur = nil
					continue
				}
				params, _ := d["parameters"].(map[string]any)
				rc.calls = append(rc.calls, recordedCall{service: rt, action: d["resource"].(string), params: params})
				cur = &rc.calls[len(rc.calls)-1]
			case "TaskSucceeded":
				if cur != nil {
					d, _ := ev["taskSucceededEventDetails"].(map[string]any)
					cur.output = d["output"]
				}
			case "TaskFailed":
				if cur != nil {
					d, _ := ev["taskFailedEventDetails"].(map[string]any)
					cur.errName, _ = d["error"].(string)
					cur.cause, _ = d["cause"].(string)
				}
			}
		}
		if len(rc.calls) > 0 {
			out = append(out, rc)
		}
		return nil
	})
	require.NoError(t, err)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

var requestIDRE = regexp.MustCompile(`Request ID: [a-zA-Z0-9-]+`)

// normalizeOutput applies the snapshot transformers AWS's recordings went through.
func normalizeOutput(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			switch strings.ToLower(k) {
			case "x-amzn-requestid", "x-amz-crc32":
				out[k] = k
			case "date":
				out[k] = "date"
			case "requestid":
				out[k] = "RequestId"
			default:
				out[k] = normalizeOutput(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeOutput(e)
		}
		return out
	}
	return v
}

func TestRecordedCalls(t *testing.T) {
	cases := loadRecordedCases(t)
	require.NotEmpty(t, cases)
	var mu sync.Mutex
	passed, total := 0, 0
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				s := New(Config{})
				if c.tableName != "" && !strings.HasPrefix(c.tableName, "no_such") {
					_, err := s.Do("CreateTable", map[string]any{
						"TableName":            strings.TrimPrefix(c.tableName, "/"),
						"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
						"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
						"BillingMode":          "PAY_PER_REQUEST",
					})
					require.NoError(t, err)
				}
				for i, call := range c.calls {
					ok := t.Run(call.action, func(t *testing.T) {
						params := copyValue(call.params).(map[string]any)
						recordedName, _ := params["TableName"].(string)
						if c.tableName != "" {
							params["TableName"] = c.tableName
						}
						h := s.Integration()
						if call.service == "aws-sdk:dynamodb" {
							h = s.SDKIntegration()
						}
						got, err := h.Invoke(context.Background(), &task.Request{Service: call.service, Action: call.action, Parameters: params})
						if call.errName != "" {
							require.Error(t, err)
							f := task.AsFailure(err)
							require.Equal(t, call.errName, f.Name)
							cause := requestIDRE.ReplaceAllString(f.Cause, "Request ID: <request_id>")
							cause = strings.ReplaceAll(cause, c.tableName, recordedName)
							require.Equal(t, call.cause, cause)
							return
						}
						require.NoError(t, err)
						enc, err := task.Encode(normalizeOutput(task.Plain(got)))
						require.NoError(t, err)
						want, err := task.Encode(call.output)
						require.NoError(t, err)
						require.JSONEq(t, string(want), string(enc))
					})
					mu.Lock()
					total++
					if ok {
						passed++
					}
					mu.Unlock()
					require.True(t, ok, "call %d failed", i)
				}
			})
		}
	})
	t.Logf("dynamodb recorded calls: %d/%d passed", passed, total)
	require.Equal(t, total, passed)
}
