package sqs

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestQueuesPerRegion: queues are kept per region, as on AWS: a request signed for a region
// (its SigV4 credential scope) creates, lists and addresses the queues of that region, with the
// region's partition in their ARNs; unsigned requests use the default region; the sqs:sendMessage
// integration reaches the queue of its execution's region; deliveries by ARN reach the ARN's.
func TestQueuesPerRegion(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	do := func(region, op, body string) (int, string) {
		code, b := awsprototest.Call(t, srv.URL+"/", region, "sqs",
			map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + op}, body)
		return code, string(b)
	}
	qurl := srv.URL + "/111111111111/q"
	code, body := do("us-west-2", "CreateQueue", `{"QueueName":"q"}`)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, qurl)

	code, body = do("us-west-2", "GetQueueAttributes", `{"QueueUrl":"`+qurl+`","AttributeNames":["QueueArn"]}`)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `"QueueArn":"arn:aws:sqs:us-west-2:111111111111:q"`)

	code, body = do("us-west-2", "ListQueues", `{}`)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, qurl)
	for _, other := range []string{"us-east-1", ""} {
		code, body = do(other, "ListQueues", `{}`)
		require.Equal(t, `{}`, body, "region %q lists no queue", other)
		code, body = do(other, "SendMessage", `{"QueueUrl":"`+qurl+`","MessageBody":"x"}`)
		require.Equal(t, 400, code)
		require.Contains(t, body, "QueueDoesNotExist")
	}

	// The same name in another region (and partition) is another queue.
	code, body = do("cn-north-1", "CreateQueue", `{"QueueName":"q","Attributes":{"DelaySeconds":"5"}}`)
	require.Equal(t, 200, code, body)
	code, body = do("cn-north-1", "GetQueueAttributes", `{"QueueUrl":"`+qurl+`","AttributeNames":["QueueArn","DelaySeconds"]}`)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `"QueueArn":"arn:aws-cn:sqs:cn-north-1:111111111111:q"`)
	require.Contains(t, body, `"DelaySeconds":"5"`)

	// The integration sends to the queue of its execution's region.
	_, err := s.Integration().Invoke(context.Background(), &task.Request{Service: "sqs", Action: "sendMessage", Region: "us-west-2",
		Parameters: map[string]any{"QueueUrl": qurl, "MessageBody": "from sfn"}})
	require.NoError(t, err)
	_, err = s.Integration().Invoke(context.Background(), &task.Request{Service: "sqs", Action: "sendMessage", Region: "eu-west-1",
		Parameters: map[string]any{"QueueUrl": qurl, "MessageBody": "nowhere"}})
	require.Error(t, err)
	require.Contains(t, task.AsFailure(err).Name, "SQS.")
	// A URL of an AWS endpoint names its region, whatever the execution's.
	_, err = s.Integration().Invoke(context.Background(), &task.Request{Service: "sqs", Action: "sendMessage", Region: "eu-west-1",
		Parameters: map[string]any{"QueueUrl": "https://sqs.us-west-2.amazonaws.com/111111111111/q", "MessageBody": "by aws url"}})
	require.NoError(t, err)
	// Deliveries addressed by ARN (SNS, EventBridge, S3) reach the ARN's region.
	_, err = s.SendMessage(&SendMessageInput{QueueUrl: URLOf("arn:aws:sqs:us-west-2:111111111111:q"), MessageBody: "by arn"})
	require.NoError(t, err)

	code, body = do("us-west-2", "ReceiveMessage", `{"QueueUrl":"`+qurl+`","MaxNumberOfMessages":10}`)
	require.Equal(t, 200, code, body)
	for _, m := range []string{"from sfn", "by aws url", "by arn"} {
		require.Contains(t, body, m)
	}
	require.NotContains(t, body, "nowhere")
}

func TestHostRegion(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"sqs.us-west-2.amazonaws.com":     "us-west-2",
		"sqs.cn-north-1.amazonaws.com.cn": "cn-north-1",
		"eu-west-1.queue.amazonaws.com":   "eu-west-1",
		"127.0.0.1":                       "",
		"localhost":                       "",
		"sqs.amazonaws.com":               "",
	} {
		require.Equal(t, want, hostRegion(host), host)
	}
	require.Equal(t, "https://sqs.cn-north-1.amazonaws.com.cn/1/q", URLOf("arn:aws-cn:sqs:cn-north-1:1:q"))
}

// TestSendMessageOutputKeyOrder: sqs:sendMessage's output members come sorted, with the Java
// SDK's header maps in their own orders, as AWS recorded them (conformance services-sqs
// test_send_message: MD5OfMessageBody, MessageId, SdkHttpMetadata, SdkResponseMetadata;
// AllHttpHeaders x-amzn-RequestId, connection, Content-Length, Date, Content-Type).
func TestSendMessageOutputKeyOrder(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", nil)
	out, err := s.Integration().Invoke(context.Background(), &task.Request{Service: "sqs", Action: "sendMessage",
		Parameters: map[string]any{"QueueUrl": u, "MessageBody": "x"}})
	require.NoError(t, err)
	b, err := task.Encode(out)
	require.NoError(t, err)
	keys := func(s string, names ...string) {
		last := -1
		for _, n := range names {
			i := strings.Index(s, `"`+n+`":`)
			require.Greater(t, i, last, "%s after the previous key in %s", n, s)
			last = i
		}
	}
	keys(string(b), "MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "AllHttpHeaders", "x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type",
		"HttpHeaders", "HttpStatusCode", "SdkResponseMetadata")
}
