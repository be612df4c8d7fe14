package sns

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func newService(t *testing.T) *Service {
	return New(Config{Clock: clock.NewFake(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)), Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111"})
}

func publish(t *testing.T, s *Service, params map[string]any) (any, error) {
	t.Helper()
	return s.Integration().Invoke(context.Background(), &task.Request{
		Resource: "arn:aws:states:::sns:publish", Service: "sns", Action: "publish", Parameters: params,
	})
}

func TestPublishIntegration(t *testing.T) {
	t.Parallel()
	s := newService(t)
	arn, err := s.CreateTopic("topic-1", nil)
	require.NoError(t, err)
	fifo, err := s.CreateTopic("topic-1.fifo", map[string]string{"FifoTopic": "true"})
	require.NoError(t, err)

	tests := []struct {
		name       string
		params     map[string]any
		wantErr    string
		wantCause  string
		wantLength string
		wantSeq    bool
		wantMsg    string
	}{
		{name: "string message", params: map[string]any{"TopicArn": arn, "Message": "hello"}, wantLength: "294", wantMsg: "hello"},
		{name: "object message is sent as JSON", params: map[string]any{"TopicArn": arn, "Message": map[string]any{"Message": "HelloWorld!"}}, wantLength: "294", wantMsg: `{"Message":"HelloWorld!"}`},
		{name: "attributes", params: map[string]any{"TopicArn": arn, "Message": "{}", "MessageAttributes": map[string]any{"a": map[string]any{"DataType": "String", "StringValue": "x"}}}, wantLength: "294", wantMsg: "{}"},
		{name: "fifo", params: map[string]any{"TopicArn": fifo, "Message": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"}, wantLength: "352", wantSeq: true, wantMsg: "m"},
		{name: "fifo without group", params: map[string]any{"TopicArn": fifo, "Message": "m"}, wantErr: "SNS.InvalidParameterException",
			wantCause: "Invalid parameter: The MessageGroupId parameter is required for FIFO topics (Service: AmazonSNS; Status Code: 400; Error Code: InvalidParameter; Request ID: "},
		{name: "missing topic", params: map[string]any{"TopicArn": arn + "-nope", "Message": "m"}, wantErr: "SNS.NotFoundException",
			wantCause: "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: "},
		{name: "empty message", params: map[string]any{"TopicArn": arn}, wantErr: "SNS.InvalidParameterException", wantCause: "Invalid parameter: Empty message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := publish(t, s, tc.params)
			if tc.wantErr != "" {
				f := task.AsFailure(err)
				require.Equal(t, tc.wantErr, f.Name)
				require.True(t, strings.HasPrefix(f.Cause, tc.wantCause), f.Cause)
				require.True(t, strings.HasSuffix(f.Cause, "; Proxy: null)"), f.Cause)
				return
			}
			require.NoError(t, err)
			m := out.(map[string]any)
			md := task.Plain(m["SdkHttpMetadata"]).(map[string]any)
			require.Equal(t, tc.wantLength, md["HttpHeaders"].(map[string]any)["Content-Length"])
			require.Equal(t, json.Number("200"), md["HttpStatusCode"])
			require.Equal(t, "Fri, 01 Mar 2024 12:00:00 GMT", md["HttpHeaders"].(map[string]any)["Date"])
			_, hasSeq := m["SequenceNumber"]
			require.Equal(t, tc.wantSeq, hasSeq)
			var found bool
			for _, msg := range s.Messages(tc.params["TopicArn"].(string)) {
				if msg.MessageID == m["MessageId"] {
					found = true
					require.Equal(t, tc.wantMsg, msg.Message)
				}
			}
			require.True(t, found)
		})
	}
}

func TestPublishXMLLengthMatchesAWS(t *testing.T) {
	t.Parallel()
	id := "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
	// AWS answers a standard Publish with a 294-byte body and a FIFO one with 352 bytes.
	require.Len(t, publishXML(id, "", id), 294)
	require.Len(t, publishXML(id, "10000000000000000001", id), 352)
}

func TestQueryAPI(t *testing.T) {
	t.Parallel()
	s := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	post := func(form string) (int, string) {
		resp, err := http.Post(srv.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, body := post("Action=CreateTopic&Name=t1&Version=2010-03-31")
	require.Equal(t, 200, code, body)
	require.Contains(t, body, "<CreateTopicResult>")
	require.Contains(t, body, "<TopicArn>arn:aws:sns:us-east-1:111111111111:t1</TopicArn>")

	code, body = post("Action=Publish&TopicArn=arn:aws:sns:us-east-1:111111111111:t1&Message=hi&MessageAttributes.entry.1.Name=k&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=v")
	require.Equal(t, 200, code, body)
	require.Contains(t, body, "<MessageId>")
	msgs := s.Messages("")
	require.Len(t, msgs, 1)
	require.Equal(t, MessageAttribute{DataType: "String", StringValue: "v"}, msgs[0].MessageAttributes["k"])

	code, body = post("Action=Publish&TopicArn=arn:aws:sns:us-east-1:111111111111:nope&Message=hi")
	require.Equal(t, 404, code)
	require.Contains(t, body, "<Code>NotFound</Code>")

	code, body = post("Action=Frobnicate")
	require.Equal(t, 400, code)
	require.Contains(t, body, "<Code>InvalidAction</Code>")

	code, body = post("Action=Subscribe&TopicArn=arn:aws:sns:us-east-1:111111111111:t1&Protocol=email&Endpoint=a@b.c")
	require.Equal(t, 200, code, body)
	code, body = post("Action=ListSubscriptions")
	require.Equal(t, 200, code, body)
	require.Contains(t, body, "<Endpoint>a@b.c</Endpoint>")

	resp, err := http.Get(srv.URL + MessagesPath + "?TopicArn=arn:aws:sns:us-east-1:111111111111:t1")
	require.NoError(t, err)
	defer resp.Body.Close()
	var got struct{ Messages []Message }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.Len(t, got.Messages, 1)
	require.Equal(t, "hi", got.Messages[0].Message)
}

// TestAWSCLI drives the query API with the real aws CLI.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI missing in CI (make deps installs it)")
		}
		t.Skip("aws CLI not installed")
	}
	s := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	aws := func(args ...string) string {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--output", "json", "sns"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	var created struct{ TopicArn string }
	require.NoError(t, json.Unmarshal([]byte(aws("create-topic", "--name", "cli-topic")), &created))
	require.Equal(t, "arn:aws:sns:us-east-1:111111111111:cli-topic", created.TopicArn)
	var pub struct{ MessageId string }
	require.NoError(t, json.Unmarshal([]byte(aws("publish", "--topic-arn", created.TopicArn, "--message", "from the cli")), &pub))
	require.NotEmpty(t, pub.MessageId)
	require.Contains(t, aws("list-topics"), created.TopicArn)
	require.Equal(t, "from the cli", s.Messages(created.TopicArn)[0].Message)
}

// TestRegionFromCredentialScope: a signed request creates and lists the topics of the region
// (and partition) its client signed for, as on AWS; unsigned requests use the default region.
func TestRegionFromCredentialScope(t *testing.T) {
	t.Parallel()
	s := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	post := func(region, form string) string {
		code, b := awsprototest.Call(t, srv.URL+"/", region, "sns", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form)
		require.Equal(t, 200, code, string(b))
		return string(b)
	}
	cases := []struct{ region, want string }{
		{"us-west-2", "arn:aws:sns:us-west-2:111111111111:t"},
		{"cn-north-1", "arn:aws-cn:sns:cn-north-1:111111111111:t"},
		{"", "arn:aws:sns:us-east-1:111111111111:t"},
	}
	for _, tc := range cases {
		require.Contains(t, post(tc.region, "Action=CreateTopic&Name=t"), "<TopicArn>"+tc.want+"</TopicArn>")
	}
	for _, tc := range cases {
		list := post(tc.region, "Action=ListTopics")
		require.Contains(t, list, tc.want)
		require.Equal(t, 1, strings.Count(list, "<TopicArn>"), "only the region's topics: %s", list)
	}
}

// TestPublishOutputKeyOrder: sns:publish's output members come sorted and the Java SDK's
// header maps in their own orders, as AWS recorded them (conformance services-sns
// test_publish_*: MessageId, SdkHttpMetadata, SdkResponseMetadata; fifo adds SequenceNumber
// last; AllHttpHeaders x-amzn-RequestId, connection, Content-Length, Date, Content-Type).
func TestPublishOutputKeyOrder(t *testing.T) {
	t.Parallel()
	s := newService(t)
	fifo, err := s.CreateTopic("t.fifo", map[string]string{"FifoTopic": "true"})
	require.NoError(t, err)
	out, err := publish(t, s, map[string]any{"TopicArn": fifo, "Message": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"})
	require.NoError(t, err)
	b, err := task.Encode(out)
	require.NoError(t, err)
	last := -1
	for _, k := range []string{"MessageId", "SdkHttpMetadata", "AllHttpHeaders", "x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type", "HttpHeaders", "HttpStatusCode", "SdkResponseMetadata", "SequenceNumber"} {
		i := strings.Index(string(b), `"`+k+`":`)
		require.Greater(t, i, last, "%s out of order in %s", k, b)
		last = i
	}
}
