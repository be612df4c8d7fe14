package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func send(t *testing.T, s *Service, pattern task.Pattern, params any) (any, error) {
	t.Helper()
	res := "arn:aws:states:::sqs:sendMessage"
	if pattern != "" {
		res += "." + string(pattern)
	}
	return s.Integration().Invoke(context.Background(), &task.Request{
		Resource: res, Service: "sqs", Action: "sendMessage", Pattern: pattern, Parameters: params, TaskToken: "tok",
	})
}

func TestSendMessageIntegration(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", nil)
	f := mustQueue(t, s, "q.fifo", map[string]string{"FifoQueue": "true"})
	tests := []struct {
		name       string
		pattern    task.Pattern
		params     any
		wantErr    string
		wantCause  string
		wantLength string
		wantKeys   []string
		wantBody   string
	}{
		{name: "string body", params: map[string]any{"QueueUrl": u, "MessageBody": "test"}, wantLength: "106", wantBody: "test",
			wantKeys: []string{"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}},
		{name: "object body is sent as JSON", pattern: task.WaitForTaskToken,
			params:     map[string]any{"QueueUrl": u, "MessageBody": map[string]any{"Message": "m", "TaskToken": "tok", "n": json.Number("1.50")}},
			wantLength: "106", wantBody: `{"Message":"m","TaskToken":"tok","n":1.50}`,
			wantKeys: []string{"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}},
		{name: "attributes", params: map[string]any{"QueueUrl": u, "MessageBody": "<a&b>", "MessageAttributes": map[string]any{
			"my_attribute_no_1": map[string]any{"DataType": "String", "StringValue": "Hello"},
			"bin":               map[string]any{"DataType": "Binary", "BinaryValue": "aGk="},
		}}, wantLength: "166", wantBody: "<a&b>",
			wantKeys: []string{"MD5OfMessageAttributes", "MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}},
		{name: "fifo", params: map[string]any{"QueueUrl": f, "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"}, wantLength: "146", wantBody: "x",
			wantKeys: []string{"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata", "SequenceNumber"}},
		{name: "delay", params: map[string]any{"QueueUrl": u, "MessageBody": "later", "DelaySeconds": json.Number("0")}, wantLength: "106", wantBody: "later",
			wantKeys: []string{"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}},
		{name: "null body", params: map[string]any{"QueueUrl": u, "MessageBody": nil}, wantErr: "SQS.AmazonSQSException",
			wantCause: "The request must contain the parameter MessageBody. (Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: "},
		{name: "missing queue", params: map[string]any{"QueueUrl": u + "-nope", "MessageBody": "x"}, wantErr: "SQS.QueueDoesNotExistException",
			wantCause: "The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: "},
		{name: "bad delay", params: map[string]any{"QueueUrl": u, "MessageBody": "x", "DelaySeconds": "soon"}, wantErr: "SQS.AmazonSQSException",
			wantCause: "Value soon for parameter DelaySeconds is invalid."},
		{name: "bad binary", params: map[string]any{"QueueUrl": u, "MessageBody": "x", "MessageAttributes": map[string]any{"b": map[string]any{"DataType": "Binary", "BinaryValue": "!!"}}},
			wantErr: "SQS.AmazonSQSException", wantCause: "The message attribute 'b' has an invalid binary value."},
		{name: "parameters not an object", params: "x", wantErr: "SQS.AmazonSQSException", wantCause: "The request must contain the parameter MessageBody."},
		{name: "sync is not a pattern of sqs", pattern: task.Sync, params: map[string]any{"QueueUrl": u, "MessageBody": "x"}, wantErr: "States.Runtime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := send(t, s, tc.pattern, tc.params)
			if tc.wantErr != "" {
				f := task.AsFailure(err)
				require.Equal(t, tc.wantErr, f.Name)
				require.True(t, strings.HasPrefix(f.Cause, tc.wantCause), f.Cause)
				return
			}
			require.NoError(t, err)
			m := out.(map[string]any)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			require.Equal(t, tc.wantKeys, keys)
			md := task.Plain(m["SdkHttpMetadata"]).(map[string]any)
			h := md["HttpHeaders"].(map[string]any)
			require.Equal(t, tc.wantLength, h["Content-Length"])
			require.Equal(t, "application/x-amz-json-1.0", h["Content-Type"])
			require.Equal(t, "Thu, 18 Apr 2024 06:27:01 GMT", h["Date"])
			require.Equal(t, h["x-amzn-RequestId"], m["SdkResponseMetadata"].(map[string]any)["RequestId"])
			require.Equal(t, json.Number("200"), md["HttpStatusCode"])
			require.Equal(t, md5Hex([]byte(tc.wantBody)), m["MD5OfMessageBody"])
			// The output must survive the interpreter's JSON encoding.
			_, err = task.Encode(out)
			require.NoError(t, err)

			url := tc.params.(map[string]any)["QueueUrl"].(string)
			got, err := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: ptr(10), MessageAttributeNames: []string{"All"}})
			require.NoError(t, err)
			var found bool
			for _, msg := range got.Messages {
				if msg.MessageId == m["MessageId"] {
					found = true
					require.Equal(t, tc.wantBody, msg.Body)
					if md5, ok := m["MD5OfMessageAttributes"]; ok {
						require.Equal(t, md5, msg.MD5OfMessageAttributes)
					}
				}
				require.NoError(t, s.ChangeMessageVisibility(url, msg.ReceiptHandle, 0))
			}
			require.True(t, found)
		})
	}
}

// recordedCaseSkips are AWS-recorded cases that call sqs:sendMessage but are not replayed here.
var recordedCaseSkips = map[string]string{
	"local_mocking": "LocalStack mocked-response cases: the outputs come from LocalStack's mock configuration, not from SQS",
}

var (
	requestIDRE   = regexp.MustCompile(`Request ID: [^;]+;`)
	placeholderRE = regexp.MustCompile(`^<[^<>]+>$`)
)

// TestRecordedCases replays every sqs:sendMessage call of the AWS-recorded conformance cases
// (../shared/conformance) and compares the integration's output, or its error and cause, with
// what AWS recorded, treating the snapshot's placeholders as wildcards.
func TestRecordedCases(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "cases")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus not found at %s", dir)
		}
		t.Skipf("conformance corpus not found at %s", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	require.NoError(t, err)
	var checked, calls int
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		if !strings.Contains(string(b), "sqs:sendMessage") {
			continue
		}
		if reason, ok := recordedCaseSkips[filepath.Base(filepath.Dir(file))]; ok {
			t.Logf("skip %s: %s", filepath.Base(file), reason)
			continue
		}
		var c struct {
			History       []map[string]any `json:"history_events"`
			Normalization struct {
				Transformers []struct {
					Replacement string `json:"replacement"`
				} `json:"test_registered_transformers"`
			} `json:"normalization"`
		}
		require.NoError(t, json.Unmarshal(b, &c))
		// The replacement strings of the case's own transformers are wildcards too.
		wild := map[string]bool{"date": true, "RequestId": true, "x-amzn-RequestId": true}
		for _, tr := range c.Normalization.Transformers {
			if tr.Replacement != "" {
				wild[tr.Replacement] = true
			}
		}
		s, _ := newService(t)
		u := mustQueue(t, s, "queue", nil)
		checked++
		var pending []map[string]any
		for _, ev := range c.History {
			typ, _ := ev["type"].(string)
			var details map[string]any
			for k, v := range ev {
				if strings.HasSuffix(k, "EventDetails") {
					details, _ = v.(map[string]any)
				}
			}
			if details["resourceType"] != "sqs" {
				continue
			}
			wait := strings.HasSuffix(details["resource"].(string), ".waitForTaskToken")
			switch {
			case typ == "TaskScheduled":
				p := details["parameters"].(map[string]any)
				p["QueueUrl"] = u
				pending = append(pending, p)
			case typ == "TaskSubmitted" || (typ == "TaskSucceeded" && !wait) || (typ == "TaskFailed" && !wait):
				require.NotEmpty(t, pending, "%s: %s without a TaskScheduled", file, typ)
				p := pending[0]
				pending = pending[1:]
				calls++
				params, err := task.Decode(mustJSON(t, p))
				require.NoError(t, err)
				pattern := task.RequestResponse
				if wait {
					pattern = task.WaitForTaskToken
				}
				out, err := send(t, s, pattern, params)
				if typ == "TaskFailed" {
					f := task.AsFailure(err)
					require.Equal(t, details["error"], f.Name, file)
					require.Equal(t, details["cause"], requestIDRE.ReplaceAllString(f.Cause, "Request ID: <request_id>;"), file)
					continue
				}
				require.NoError(t, err, file)
				var got any
				require.NoError(t, json.Unmarshal(mustJSON(t, out), &got))
				require.NoError(t, matchRecorded(details["output"], got, "$", wild), file)
			}
		}
	}
	require.Positive(t, calls)
	t.Logf("sqs recorded calls: %d/%d passed (%d cases)", calls, calls, checked)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := task.Encode(v)
	require.NoError(t, err)
	return b
}

// matchRecorded compares got with a recorded value whose placeholders ("<uuid:1>", and the
// strings in wild such as "date" and "RequestId") match anything.
func matchRecorded(want, got any, path string, wild map[string]bool) error {
	if s, ok := want.(string); ok && (placeholderRE.MatchString(s) || wild[s]) {
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", path, w, got)
		}
		for k, v := range w {
			if err := matchRecorded(v, g[k], path+"."+k, wild); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", path, w, got)
		}
		for i := range w {
			if err := matchRecorded(w[i], g[i], fmt.Sprintf("%s[%d]", path, i), wild); err != nil {
				return err
			}
		}
		return nil
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return fmt.Errorf("%s: want %v, got %v", path, want, got)
	}
	return nil
}
