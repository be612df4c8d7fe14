package server

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/services/events"
)

// startServer serves a server on a free loopback port until the test ends.
func startServer(t *testing.T) (*Server, string) {
	t.Helper()
	cfg := testConfig(t)
	ln, err := net.Listen("tcp", cfg.Addr)
	require.NoError(t, err)
	cfg.Addr = ln.Addr().String()
	srv, err := New(cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv, "http://" + cfg.Addr
}

// awsCLI runs `aws <service> ...` against url and decodes its JSON output.
func awsCLI(t *testing.T, url string) func(args ...string) map[string]any {
	bin := needTool(t, "aws")
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=dummy", "AWS_SECRET_ACCESS_KEY=dummy", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	return func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--endpoint-url", url, "--output", "json"}, args...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "aws %v: %s", args, stderr.String())
		m := map[string]any{}
		if len(strings.TrimSpace(string(out))) > 0 {
			require.NoError(t, json.Unmarshal(out, &m), "%s", out)
		}
		return m
	}
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	return m
}

const role = "arn:aws:iam::123456789012:role/sfn"

// TestEventChainCLI drives the whole chain with the aws CLI: an event put on the default bus
// matches a rule whose target is a state machine, which publishes to an SNS topic, whose SQS
// subscription the test receives from. A failing execution's status event reaches a second
// queue through another rule, and a target that does not exist sends the event to its
// dead-letter queue.
func TestEventChainCLI(t *testing.T) {
	t.Parallel()
	_, url := startServer(t)
	aws := awsCLI(t, url)
	queue := func(name string) (string, string) {
		u := aws("sqs", "create-queue", "--queue-name", name)["QueueUrl"].(string)
		a := aws("sqs", "get-queue-attributes", "--queue-url", u, "--attribute-names", "QueueArn")["Attributes"].(map[string]any)["QueueArn"].(string)
		return u, a
	}
	receive := func(queueURL string) map[string]any {
		t.Helper()
		out := aws("sqs", "receive-message", "--queue-url", queueURL, "--wait-time-seconds", "20",
			"--message-attribute-names", "All", "--attribute-names", "All")
		msgs, _ := out["Messages"].([]any)
		require.Len(t, msgs, 1, "%v", out)
		m := msgs[0].(map[string]any)
		aws("sqs", "delete-message", "--queue-url", queueURL, "--receipt-handle", m["ReceiptHandle"].(string))
		return m
	}

	inboxURL, inboxArn := queue("inbox")
	topic := aws("sns", "create-topic", "--name", "orders-done")["TopicArn"].(string)
	aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", inboxArn)

	def := `{"StartAt":"Notify","States":{"Notify":{"Type":"Task","Resource":"arn:aws:states:::sns:publish",` +
		`"Parameters":{"TopicArn":"` + topic + `","Message.$":"$"},"End":true}}}`
	sm := aws("stepfunctions", "create-state-machine", "--name", "notify", "--role-arn", role, "--definition", def)["stateMachineArn"].(string)
	aws("events", "put-rule", "--name", "orders", "--event-pattern", `{"source":["shop"],"detail-type":["OrderPlaced"],"detail":{"total":[{"numeric":[">",100]}]}}`)
	aws("events", "put-targets", "--rule", "orders", "--targets", `[{"Id":"sm","Arn":"`+sm+`","RoleArn":"`+role+`","InputPath":"$.detail"}]`)

	out := aws("events", "put-events", "--entries", `[{"Source":"shop","DetailType":"OrderPlaced","Detail":"{\"id\":\"o-1\",\"total\":120}"},{"Source":"shop","DetailType":"OrderPlaced","Detail":"{\"id\":\"small\",\"total\":5}"}]`)
	require.EqualValues(t, 0, out["FailedEntryCount"])
	env := decodeJSON(t, receive(inboxURL)["Body"].(string))
	require.Equal(t, "Notification", env["Type"])
	require.Equal(t, topic, env["TopicArn"])
	require.JSONEq(t, `{"id":"o-1","total":120}`, env["Message"].(string))

	// S3 is the first link: an object put in a bucket with EventBridge notifications on matches
	// a rule whose target is the same state machine.
	dir := t.TempDir()
	file := dir + "/photo.png"
	require.NoError(t, os.WriteFile(file, []byte("png!"), 0o600))
	aws("s3api", "create-bucket", "--bucket", "uploads")
	aws("s3api", "put-bucket-notification-configuration", "--bucket", "uploads", "--notification-configuration", `{"EventBridgeConfiguration":{}}`)
	aws("events", "put-rule", "--name", "uploads", "--event-pattern", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["uploads"]},"object":{"key":[{"suffix":".png"}]}}}`)
	aws("events", "put-targets", "--rule", "uploads", "--targets", `[{"Id":"sm","Arn":"`+sm+`","InputTransformer":{"InputPathsMap":{"key":"$.detail.object.key","size":"$.detail.object.size"},"InputTemplate":"{\"uploaded\": <key>, \"size\": <size>}"}}]`)
	aws("s3api", "put-object", "--bucket", "uploads", "--key", "photo.png", "--body", file)
	env = decodeJSON(t, receive(inboxURL)["Body"].(string))
	require.JSONEq(t, `{"uploaded":"photo.png","size":4}`, env["Message"].(string))

	// S3 notifies a queue directly, after its s3:TestEvent.
	directURL, directArn := queue("direct")
	aws("s3api", "put-bucket-notification-configuration", "--bucket", "uploads", "--notification-configuration",
		`{"QueueConfigurations":[{"Id":"q","QueueArn":"`+directArn+`","Events":["s3:ObjectRemoved:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"photo"}]}}}]}`)
	got := aws("s3api", "get-bucket-notification-configuration", "--bucket", "uploads")
	require.Equal(t, directArn, got["QueueConfigurations"].([]any)[0].(map[string]any)["QueueArn"])
	require.Equal(t, "s3:TestEvent", decodeJSON(t, receive(directURL)["Body"].(string))["Event"])
	aws("s3api", "delete-object", "--bucket", "uploads", "--key", "photo.png")
	rec := decodeJSON(t, receive(directURL)["Body"].(string))["Records"].([]any)[0].(map[string]any)
	require.Equal(t, "ObjectRemoved:Delete", rec["eventName"])
	require.Equal(t, "photo.png", rec["s3"].(map[string]any)["object"].(map[string]any)["key"])

	// A FAILED execution's status event reaches a queue.
	failuresURL, failuresArn := queue("failures")
	aws("events", "put-rule", "--name", "failed-executions", "--event-pattern",
		`{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],"detail":{"status":["FAILED"]}}`)
	aws("events", "put-targets", "--rule", "failed-executions", "--targets", `[{"Id":"q","Arn":"`+failuresArn+`"}]`)
	bad := aws("stepfunctions", "create-state-machine", "--name", "bad", "--role-arn", role, "--definition",
		`{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"broken"}}}`)["stateMachineArn"].(string)
	execArn := aws("stepfunctions", "start-execution", "--state-machine-arn", bad, "--name", "e1", "--input", `{"n":1}`)["executionArn"].(string)
	ev := decodeJSON(t, receive(failuresURL)["Body"].(string))
	require.Equal(t, "aws.states", ev["source"])
	require.Equal(t, "Step Functions Execution Status Change", ev["detail-type"])
	require.Equal(t, []any{execArn}, ev["resources"])
	detail := ev["detail"].(map[string]any)
	require.Equal(t, "FAILED", detail["status"])
	require.Equal(t, "Oops", detail["error"])
	require.Equal(t, "broken", detail["cause"])
	require.Equal(t, `{"n":1}`, detail["input"])
	require.Equal(t, execArn, detail["executionArn"])
	require.Equal(t, "REDRIVABLE", detail["redriveStatus"])

	// A target that does not exist: the event goes to the dead-letter queue at once.
	dlqURL, dlqArn := queue("events-dlq")
	aws("events", "put-rule", "--name", "to-nowhere", "--event-pattern", `{"source":["nowhere"]}`)
	aws("events", "put-targets", "--rule", "to-nowhere", "--targets",
		`[{"Id":"gone","Arn":"arn:aws:states:us-east-1:123456789012:stateMachine:gone","DeadLetterConfig":{"Arn":"`+dlqArn+`"}}]`)
	aws("events", "put-events", "--entries", `[{"Source":"nowhere","DetailType":"x","Detail":"{}"}]`)
	dead := receive(dlqURL)
	require.Equal(t, "nowhere", decodeJSON(t, dead["Body"].(string))["source"])
	attrs := dead["MessageAttributes"].(map[string]any)
	require.Equal(t, "RESOURCE_NOT_FOUND", attrs["ERROR_CODE"].(map[string]any)["StringValue"])
	require.Equal(t, "arn:aws:events:us-east-1:123456789012:rule/to-nowhere", attrs["RULE_ARN"].(map[string]any)["StringValue"])

	// TestEventPattern answers as AWS does.
	res := aws("events", "test-event-pattern", "--event-pattern", `{"source":[{"prefix":"aws."}]}`, "--event",
		`{"id":"1","account":"123456789012","source":"aws.ec2","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"x","detail":{}}`)
	require.Equal(t, true, res["Result"])
}

// TestSNSDeliveryCLI: raw delivery and filter policies set through the aws CLI.
func TestSNSDeliveryCLI(t *testing.T) {
	t.Parallel()
	_, url := startServer(t)
	aws := awsCLI(t, url)
	qURL := aws("sqs", "create-queue", "--queue-name", "raw")["QueueUrl"].(string)
	qArn := aws("sqs", "get-queue-attributes", "--queue-url", qURL, "--attribute-names", "QueueArn")["Attributes"].(map[string]any)["QueueArn"].(string)
	topic := aws("sns", "create-topic", "--name", "t")["TopicArn"].(string)
	sub := aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", qArn, "--attributes",
		`{"RawMessageDelivery":"true","FilterPolicy":"{\"store\":[\"example_corp\"]}"}`)["SubscriptionArn"].(string)
	got := aws("sns", "get-subscription-attributes", "--subscription-arn", sub)["Attributes"].(map[string]any)
	require.Equal(t, "true", got["RawMessageDelivery"])
	require.Equal(t, "MessageAttributes", got["FilterPolicyScope"])
	aws("sns", "publish", "--topic-arn", topic, "--message", "filtered out", "--message-attributes", `{"store":{"DataType":"String","StringValue":"other"}}`)
	aws("sns", "publish", "--topic-arn", topic, "--message", "hello", "--message-attributes", `{"store":{"DataType":"String","StringValue":"example_corp"}}`)
	out := aws("sqs", "receive-message", "--queue-url", qURL, "--wait-time-seconds", "20", "--message-attribute-names", "All", "--max-number-of-messages", "10")
	msgs := out["Messages"].([]any)
	require.Len(t, msgs, 1)
	m := msgs[0].(map[string]any)
	require.Equal(t, "hello", m["Body"])
	require.Equal(t, "example_corp", m["MessageAttributes"].(map[string]any)["store"].(map[string]any)["StringValue"])

	aws("sns", "set-subscription-attributes", "--subscription-arn", sub, "--attribute-name", "RawMessageDelivery", "--attribute-value", "false")
	aws("sns", "set-subscription-attributes", "--subscription-arn", sub, "--attribute-name", "FilterPolicyScope", "--attribute-value", "MessageBody")
	aws("sns", "set-subscription-attributes", "--subscription-arn", sub, "--attribute-name", "FilterPolicy", "--attribute-value", `{"kind":[{"prefix":"ord"}]}`)
	aws("sns", "publish", "--topic-arn", topic, "--message", `{"kind":"invoice"}`)
	aws("sns", "publish", "--topic-arn", topic, "--message", `{"kind":"order"}`)
	out = aws("sqs", "receive-message", "--queue-url", qURL, "--wait-time-seconds", "20", "--max-number-of-messages", "10", "--visibility-timeout", "0")
	msgs = out["Messages"].([]any)
	require.Len(t, msgs, 1)
	env := decodeJSON(t, msgs[0].(map[string]any)["Body"].(string))
	require.Equal(t, `{"kind":"order"}`, env["Message"])
}

// esmScript drives Lambda's SQS event source mapping with boto3: a queue whose redrive policy
// sends a message to its dead-letter queue after one receive, a mapping with
// ReportBatchItemFailures, messages sent; it prints the mapping and the dead-lettered bodies.
const esmScript = `
import json, sys, boto3
url = sys.argv[1]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
sqs, lam = boto3.client("sqs", **kw), boto3.client("lambda", **kw)
dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
q = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})["QueueUrl"]
q_arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
m = lam.create_event_source_mapping(EventSourceArn=q_arn, FunctionName="worker", BatchSize=5,
    FunctionResponseTypes=["ReportBatchItemFailures"])
got = lam.get_event_source_mapping(UUID=m["UUID"])
listed = lam.list_event_source_mappings(FunctionName="worker")["EventSourceMappings"]
for body in ["one", "bad", "two"]:
    sqs.send_message(QueueUrl=q, MessageBody=body, MessageAttributes={"k": {"DataType": "String", "StringValue": body}})
dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=20)["Messages"]
upd = lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
deleted = lam.delete_event_source_mapping(UUID=m["UUID"])
try:
    lam.get_event_source_mapping(UUID=m["UUID"])
    gone = False
except lam.exceptions.ResourceNotFoundException:
    gone = True
print(json.dumps({"created": m["State"], "got": got["State"], "batch": got["BatchSize"], "listed": len(listed),
    "types": got["FunctionResponseTypes"], "dead": [d["Body"] for d in dead], "updated": upd["State"],
    "deleted": deleted["State"], "gone": gone}))
`

// TestEventSourceMappingBoto3: messages of an SQS queue reach a function in batches; the one the
// function reports as failed goes to the queue's dead-letter queue, the others are deleted.
func TestEventSourceMappingBoto3(t *testing.T) {
	t.Parallel()
	py := needTool(t, "python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("boto3 is required in CI: %v", err)
		}
		t.Skip("boto3 not installed")
	}
	srv, url := startServer(t)
	var mu sync.Mutex
	var seen []string
	srv.Lambda().RegisterGoFunction("worker", func(_ context.Context, payload []byte) ([]byte, error) {
		var ev struct {
			Records []struct {
				MessageID         string `json:"messageId"`
				Body              string `json:"body"`
				EventSource       string `json:"eventSource"`
				MessageAttributes map[string]struct {
					StringValue string `json:"stringValue"`
				} `json:"messageAttributes"`
			}
		}
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		var failures []map[string]string
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			seen = append(seen, r.EventSource+":"+r.Body+":"+r.MessageAttributes["k"].StringValue)
			if r.Body == "bad" {
				failures = append(failures, map[string]string{"itemIdentifier": r.MessageID})
			}
		}
		return json.Marshal(map[string]any{"batchItemFailures": failures})
	})
	cmd := exec.Command(py, "-c", esmScript, url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	got := decodeJSON(t, string(out))
	require.Equal(t, map[string]any{
		"created": "Creating", "got": "Enabled", "batch": float64(5), "listed": float64(1),
		"types": []any{"ReportBatchItemFailures"}, "dead": []any{"bad"}, "updated": "Disabled",
		"deleted": "Deleting", "gone": true,
	}, got)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, seen, "aws:sqs:one:one")
	require.Contains(t, seen, "aws:sqs:two:two")
	require.Contains(t, seen, "aws:sqs:bad:bad")
}

// TestFlowsToLambdaSNSAndHTTP: an EventBridge rule invokes a function and publishes to a topic;
// the topic delivers to an HTTP endpoint that confirmed its subscription through the
// SubscribeURL served by sfnlocal, and to a Lambda function with the SNS event.
func TestFlowsToLambdaSNSAndHTTP(t *testing.T) {
	t.Parallel()
	srv, url := startServer(t)
	type call struct{ fn, payload string }
	calls := make(chan call, 10)
	for _, name := range []string{"from-rule", "from-topic"} {
		srv.Lambda().RegisterGoFunction(name, func(_ context.Context, payload []byte) ([]byte, error) {
			calls <- call{name, string(payload)}
			return []byte("null"), nil
		})
	}
	posts := make(chan *http.Request, 10)
	bodies := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- r
		bodies <- string(b)
	}))
	t.Cleanup(hook.Close)

	topic, err := srv.SNS().CreateTopic("t", nil)
	require.NoError(t, err)
	pending, err := srv.SNS().Subscribe(topic, "http", hook.URL, nil, false)
	require.NoError(t, err)
	require.Equal(t, "pending confirmation", pending)
	r := <-posts
	require.Equal(t, "SubscriptionConfirmation", r.Header.Get("x-amz-sns-message-type"))
	conf := decodeJSON(t, <-bodies)
	subscribeURL := conf["SubscribeURL"].(string)
	require.True(t, strings.HasPrefix(subscribeURL, url+"/?Action=ConfirmSubscription"), subscribeURL)
	resp, err := http.Get(subscribeURL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.Contains(t, string(body), "<ConfirmSubscriptionResult>")
	fnArn := "arn:aws:lambda:us-east-1:123456789012:function:from-topic"
	_, err = srv.SNS().Subscribe(topic, "lambda", fnArn, nil, false)
	require.NoError(t, err)

	_, err = srv.Events().PutRule(events.PutRuleInput{Name: "r", EventPattern: `{"source":["app"]}`})
	require.NoError(t, err)
	_, err = srv.Events().PutTargets("", "r", []map[string]any{
		{"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:from-rule", "InputPath": "$.detail"},
		{"Id": "topic", "Arn": topic, "InputTransformer": map[string]any{"InputPathsMap": map[string]any{"id": "$.detail.id"}, "InputTemplate": `"order <id> placed"`}},
	})
	require.NoError(t, err)
	_, _, err = srv.Events().PutEvents([]events.Entry{{Source: "app", DetailType: "d", Detail: `{"id":"o-7"}`, HasDetail: true}})
	require.NoError(t, err)

	got := map[string]string{}
	for range 2 {
		c := <-calls
		got[c.fn] = c.payload
	}
	require.JSONEq(t, `{"id":"o-7"}`, got["from-rule"])
	var ev struct {
		Records []struct {
			EventSource string
			Sns         struct{ Message, TopicArn string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(got["from-topic"]), &ev))
	require.Equal(t, "aws:sns", ev.Records[0].EventSource)
	require.Equal(t, `"order o-7 placed"`, ev.Records[0].Sns.Message)
	r = <-posts
	require.Equal(t, "Notification", r.Header.Get("x-amz-sns-message-type"))
	require.Equal(t, topic, r.Header.Get("x-amz-sns-topic-arn"))
	require.Equal(t, `"order o-7 placed"`, decodeJSON(t, <-bodies)["Message"])
}
