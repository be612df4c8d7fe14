package sqs

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type jsonResp struct {
	status     int
	body       string
	queryError string
}

func call(t *testing.T, url, op, body string) jsonResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "application/x-amz-json-1.0", resp.Header.Get("Content-Type"))
	require.NotEmpty(t, resp.Header.Get("x-amzn-RequestId"))
	return jsonResp{resp.StatusCode, string(b), resp.Header.Get("x-amzn-query-error")}
}

func TestJSONAPI(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	qurl := srv.URL + "/111111111111/jobs"

	steps := []struct {
		name       string
		op, body   string
		wantStatus int
		wantBody   string // exact when it has no '*' prefix; "*x" means contains x
		wantQuery  string
	}{
		{name: "create", op: "CreateQueue", body: `{"QueueName":"jobs","Attributes":{"VisibilityTimeout":"5"}}`, wantStatus: 200, wantBody: `{"QueueUrl":"http://` + host + `/111111111111/jobs"}`},
		{name: "get url", op: "GetQueueUrl", body: `{"QueueName":"jobs"}`, wantStatus: 200, wantBody: `{"QueueUrl":"` + qurl + `"}`},
		{name: "get url missing", op: "GetQueueUrl", body: `{"QueueName":"nope"}`, wantStatus: 400,
			wantBody: `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`, wantQuery: "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		{name: "list", op: "ListQueues", body: `{}`, wantStatus: 200, wantBody: `{"QueueUrls":["` + qurl + `"]}`},
		{name: "list empty prefix", op: "ListQueues", body: `{"QueueNamePrefix":"zz"}`, wantStatus: 200, wantBody: `{}`},
		{name: "send", op: "SendMessage", body: `{"QueueUrl":"` + qurl + `","MessageBody":"hello","MessageAttributes":{"timestamp":{"DataType":"Number","StringValue":"1493147359900"}}}`,
			wantStatus: 200, wantBody: `*"MD5OfMessageAttributes":"235c5c510d26fb653d073faed50ae77c","MD5OfMessageBody":"5d41402abc4b2a76b9719d911017c592","MessageId":"`},
		{name: "send missing body", op: "SendMessage", body: `{"QueueUrl":"` + qurl + `"}`, wantStatus: 400,
			wantBody: `{"__type":"com.amazonaws.sqs#MissingParameter","message":"The request must contain the parameter MessageBody."}`, wantQuery: "MissingParameter;Sender"},
		{name: "attributes", op: "GetQueueAttributes", body: `{"QueueUrl":"` + qurl + `","AttributeNames":["ApproximateNumberOfMessages","VisibilityTimeout"]}`,
			wantStatus: 200, wantBody: `{"Attributes":{"ApproximateNumberOfMessages":"1","VisibilityTimeout":"5"}}`},
		{name: "receive", op: "ReceiveMessage", body: `{"QueueUrl":"` + qurl + `","MessageAttributeNames":["All"],"WaitTimeSeconds":0}`,
			wantStatus: 200, wantBody: `*"Body":"hello","MD5OfMessageAttributes":"235c5c510d26fb653d073faed50ae77c","MessageAttributes":{"timestamp":{"DataType":"Number","StringValue":"1493147359900"}}`},
		{name: "receive none", op: "ReceiveMessage", body: `{"QueueUrl":"` + qurl + `"}`, wantStatus: 200, wantBody: `{}`},
		{name: "receive bad max", op: "ReceiveMessage", body: `{"QueueUrl":"` + qurl + `","MaxNumberOfMessages":11}`, wantStatus: 400,
			wantBody: `*Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`, wantQuery: "InvalidParameterValue;Sender"},
		{name: "delete bad receipt", op: "DeleteMessage", body: `{"QueueUrl":"` + qurl + `","ReceiptHandle":"x"}`, wantStatus: 400,
			wantBody: `{"__type":"com.amazonaws.sqs#ReceiptHandleIsInvalid","message":"The input receipt handle \"x\" is not a valid receipt handle."}`, wantQuery: "ReceiptHandleIsInvalid;Sender"},
		{name: "change visibility without timeout", op: "ChangeMessageVisibility", body: `{"QueueUrl":"` + qurl + `","ReceiptHandle":"x"}`, wantStatus: 400,
			wantBody: `*The request must contain the parameter VisibilityTimeout.`},
		{name: "wrong member type", op: "SendMessage", body: `{"QueueUrl":1}`, wantStatus: 400, wantBody: `*SerializationException`},
		{name: "not json", op: "SendMessage", body: `{`, wantStatus: 400, wantBody: `*SerializationException`},
		{name: "unknown operation", op: "TagQueue", body: `{}`, wantStatus: 400, wantBody: `*UnknownOperationException`},
		{name: "purge", op: "PurgeQueue", body: `{"QueueUrl":"` + qurl + `"}`, wantStatus: 200, wantBody: `{}`},
		{name: "purge again", op: "PurgeQueue", body: `{"QueueUrl":"` + qurl + `"}`, wantStatus: 400,
			wantBody: `*"__type":"com.amazonaws.sqs#PurgeQueueInProgress"`, wantQuery: "AWS.SimpleQueueService.PurgeQueueInProgress;Sender"},
		{name: "delete queue", op: "DeleteQueue", body: `{"QueueUrl":"` + qurl + `"}`, wantStatus: 200, wantBody: `{}`},
		{name: "deleted", op: "SendMessage", body: `{"QueueUrl":"` + qurl + `","MessageBody":"x"}`, wantStatus: 400, wantBody: `*QueueDoesNotExist`},
	}
	// Steps depend on each other and run in order.
	for _, st := range steps {
		got := call(t, srv.URL, st.op, st.body)
		require.Equal(t, st.wantStatus, got.status, "%s: %s", st.name, got.body)
		if strings.HasPrefix(st.wantBody, "*") {
			require.Contains(t, got.body, st.wantBody[1:], st.name)
		} else {
			require.Equal(t, st.wantBody, got.body, st.name)
		}
		require.Equal(t, st.wantQuery, got.queryError[:min(len(got.queryError), len(st.wantQuery))], st.name)
	}
}

func TestListQueuesPagination(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	for _, n := range []string{"q1", "q2", "q3"} {
		mustQueue(t, s, n, nil)
	}
	var page struct {
		QueueUrls []string
		NextToken string
	}
	got := call(t, srv.URL, "ListQueues", `{"MaxResults":2}`)
	require.NoError(t, json.Unmarshal([]byte(got.body), &page))
	require.Len(t, page.QueueUrls, 2)
	require.NotEmpty(t, page.NextToken)
	got = call(t, srv.URL, "ListQueues", `{"MaxResults":2,"NextToken":"`+page.NextToken+`"}`)
	page.NextToken = ""
	require.NoError(t, json.Unmarshal([]byte(got.body), &page))
	require.Equal(t, []string{srv.URL + "/111111111111/q3"}, page.QueueUrls)
	require.Empty(t, page.NextToken)
	require.Equal(t, 400, call(t, srv.URL, "ListQueues", `{"NextToken":"%%%"}`).status)
	require.Equal(t, 400, call(t, srv.URL, "ListQueues", `{"MaxResults":0}`).status)
}

func TestIsSQSRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target string
		want                 bool
	}{
		{"sqs json", http.MethodPost, "AmazonSQS.SendMessage", true},
		{"step functions", http.MethodPost, "AWSStepFunctions.StartExecution", false},
		{"no target", http.MethodPost, "", false},
		{"get", http.MethodGet, "AmazonSQS.SendMessage", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, "/", nil)
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			require.Equal(t, tc.want, IsSQSRequest(r))
		})
	}
}

// TestAWSCLI drives the API with the real aws CLI, as a worker script would.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI missing in CI (make deps installs it)")
		}
		t.Skip("aws CLI not installed")
	}
	s, _ := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	run := func(wantOK bool, args ...string) string {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--output", "json", "sqs"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if wantOK {
			require.NoError(t, err, string(out))
		} else {
			require.Error(t, err, string(out))
		}
		return string(out)
	}
	var created struct{ QueueUrl string }
	require.NoError(t, json.Unmarshal([]byte(run(true, "create-queue", "--queue-name", "cli-q", "--attributes", "VisibilityTimeout=60")), &created))
	require.Equal(t, srv.URL+"/111111111111/cli-q", created.QueueUrl)
	require.Contains(t, run(true, "list-queues"), created.QueueUrl)
	require.Contains(t, run(true, "get-queue-url", "--queue-name", "cli-q"), created.QueueUrl)

	var sent struct{ MessageId, MD5OfMessageBody string }
	require.NoError(t, json.Unmarshal([]byte(run(true, "send-message", "--queue-url", created.QueueUrl, "--message-body", `{"TaskToken":"t"}`,
		"--message-attributes", `{"kind":{"DataType":"String","StringValue":"job"}}`)), &sent))
	require.Equal(t, md5Hex([]byte(`{"TaskToken":"t"}`)), sent.MD5OfMessageBody)

	var got struct {
		Messages []struct {
			MessageId, ReceiptHandle, Body string
			Attributes                     map[string]string
			MessageAttributes              map[string]struct{ DataType, StringValue string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(run(true, "receive-message", "--queue-url", created.QueueUrl, "--wait-time-seconds", "1",
		"--max-number-of-messages", "10", "--message-attribute-names", "All", "--attribute-names", "All")), &got))
	require.Len(t, got.Messages, 1)
	require.Equal(t, sent.MessageId, got.Messages[0].MessageId)
	require.Equal(t, `{"TaskToken":"t"}`, got.Messages[0].Body)
	require.Equal(t, "1", got.Messages[0].Attributes["ApproximateReceiveCount"])
	require.Equal(t, "job", got.Messages[0].MessageAttributes["kind"].StringValue)

	run(true, "change-message-visibility", "--queue-url", created.QueueUrl, "--receipt-handle", got.Messages[0].ReceiptHandle, "--visibility-timeout", "120")
	run(true, "delete-message", "--queue-url", created.QueueUrl, "--receipt-handle", got.Messages[0].ReceiptHandle)
	require.Contains(t, run(true, "get-queue-attributes", "--queue-url", created.QueueUrl, "--attribute-names", "All"), `"VisibilityTimeout": "60"`)
	run(true, "set-queue-attributes", "--queue-url", created.QueueUrl, "--attributes", "VisibilityTimeout=90")
	require.Contains(t, run(true, "get-queue-attributes", "--queue-url", created.QueueUrl, "--attribute-names", "VisibilityTimeout"), `"VisibilityTimeout": "90"`)
	run(true, "purge-queue", "--queue-url", created.QueueUrl)
	run(true, "delete-queue", "--queue-url", created.QueueUrl)
	out := run(false, "get-queue-url", "--queue-name", "cli-q")
	require.Contains(t, out, "AWS.SimpleQueueService.NonExistentQueue")
	require.Contains(t, out, "The specified queue does not exist.")

	// FIFO through the CLI.
	require.NoError(t, json.Unmarshal([]byte(run(true, "create-queue", "--queue-name", "cli.fifo", "--attributes", "FifoQueue=true,ContentBasedDeduplication=true")), &created))
	var fifo struct{ SequenceNumber string }
	require.NoError(t, json.Unmarshal([]byte(run(true, "send-message", "--queue-url", created.QueueUrl, "--message-body", "x", "--message-group-id", "g")), &fifo))
	require.Len(t, fifo.SequenceNumber, 20)
}
