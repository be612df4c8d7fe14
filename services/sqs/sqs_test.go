package sqs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

var epoch = time.Date(2024, 4, 18, 6, 27, 1, 0, time.UTC)

func newService(t testing.TB) (*Service, *clock.Fake) {
	c := clock.NewFake(epoch)
	return New(Config{Clock: c, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111", Endpoint: "http://localhost:8083"}), c
}

func mustQueue(t testing.TB, s *Service, name string, attrs map[string]string) string {
	t.Helper()
	u, err := s.CreateQueue(&CreateQueueInput{QueueName: name, Attributes: attrs})
	require.NoError(t, err)
	return u
}

func ptr(i int) *int { return &i }

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *Error
	require.True(t, errors.As(err, &e), "want %s, got %v", code, err)
	require.Equal(t, code, e.Code, e.Message)
}

func TestCreateQueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		queue    string
		attrs    map[string]string
		wantCode string
	}{
		{name: "standard", queue: "jobs"},
		{name: "fifo", queue: "jobs.fifo", attrs: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}},
		{name: "fifo name without attribute", queue: "jobs.fifo", wantCode: "InvalidParameterValue"},
		{name: "fifo attribute without suffix", queue: "jobs", attrs: map[string]string{"FifoQueue": "true"}, wantCode: "InvalidParameterValue"},
		{name: "bad name", queue: "a b", wantCode: "InvalidParameterValue"},
		{name: "too long", queue: string(make([]byte, 81)), wantCode: "InvalidParameterValue"},
		{name: "missing name", queue: "", wantCode: "MissingParameter"},
		{name: "unknown attribute", queue: "q", attrs: map[string]string{"Colour": "red"}, wantCode: "InvalidAttributeName"},
		{name: "out of range", queue: "q", attrs: map[string]string{"VisibilityTimeout": "43201"}, wantCode: "InvalidAttributeValue"},
		{name: "not a number", queue: "q", attrs: map[string]string{"DelaySeconds": "soon"}, wantCode: "InvalidAttributeValue"},
		{name: "fifo-only attribute on standard", queue: "q", attrs: map[string]string{"ContentBasedDeduplication": "true"}, wantCode: "InvalidAttributeName"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newService(t)
			u, err := s.CreateQueue(&CreateQueueInput{QueueName: tc.queue, Attributes: tc.attrs})
			if tc.wantCode != "" {
				requireCode(t, err, tc.wantCode)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "http://localhost:8083/111111111111/"+tc.queue, u)
			again, err := s.CreateQueue(&CreateQueueInput{QueueName: tc.queue, Attributes: tc.attrs})
			require.NoError(t, err, "creating an identical queue again succeeds")
			require.Equal(t, u, again)
		})
	}
}

func TestCreateQueueConflict(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	mustQueue(t, s, "q", map[string]string{"VisibilityTimeout": "10"})
	_, err := s.CreateQueue(&CreateQueueInput{QueueName: "q", Attributes: map[string]string{"VisibilityTimeout": "20"}})
	requireCode(t, err, "QueueAlreadyExists")
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "SQS.QueueNameExistsException", "SQS."+e.exception())
}

func TestQueueLookup(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	mustQueue(t, s, "q", nil)
	for _, u := range []string{
		"http://localhost:8083/111111111111/q",
		"https://sqs.us-east-1.amazonaws.com/111111111111/q",
		"/111111111111/q",
	} {
		_, err := s.GetQueueAttributes(u, []string{"All"})
		require.NoError(t, err, u)
	}
	for _, u := range []string{"http://localhost:8083/222222222222/q", "http://localhost:8083/111111111111/other", "q", "http://x/111111111111/q/extra"} {
		_, err := s.GetQueueAttributes(u, nil)
		requireCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
	}
	_, err := s.GetQueueAttributes("", nil)
	requireCode(t, err, "MissingParameter")
}

func TestSendReceiveDeleteVisibility(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	ctx := context.Background()
	u := mustQueue(t, s, "work", map[string]string{"VisibilityTimeout": "30"})
	sent, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "hello"})
	require.NoError(t, err)
	require.Equal(t, "5d41402abc4b2a76b9719d911017c592", sent.MD5OfMessageBody)

	got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, AttributeNames: []string{"All"}})
	require.NoError(t, err)
	require.Len(t, got.Messages, 1)
	m := got.Messages[0]
	require.Equal(t, sent.MessageId, m.MessageId)
	require.Equal(t, "hello", m.Body)
	require.Equal(t, "1", m.Attributes["ApproximateReceiveCount"])
	require.Equal(t, "1713421621000", m.Attributes["SentTimestamp"])

	// Hidden for the visibility timeout, then visible again with a new receipt handle.
	got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
	require.NoError(t, err)
	require.Empty(t, got.Messages)
	attrs, err := s.GetQueueAttributes(u, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}, attrs)
	c.Advance(29 * time.Second)
	got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
	require.NoError(t, err)
	require.Empty(t, got.Messages)
	c.Advance(time.Second)
	got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, MessageSystemAttributeNames: []string{"ApproximateReceiveCount"}})
	require.NoError(t, err)
	require.Len(t, got.Messages, 1)
	require.Equal(t, map[string]string{"ApproximateReceiveCount": "2"}, got.Messages[0].Attributes)
	second := got.Messages[0].ReceiptHandle
	require.NotEqual(t, m.ReceiptHandle, second)

	// ChangeMessageVisibility to 0 makes it visible at once.
	require.NoError(t, s.ChangeMessageVisibility(u, second, 0))
	requireCode(t, s.ChangeMessageVisibility(u, second, 10), "AWS.SimpleQueueService.MessageNotInflight")
	requireCode(t, s.ChangeMessageVisibility(u, second, 43201), "InvalidParameterValue")
	requireCode(t, s.ChangeMessageVisibility(u, "nope", 10), "ReceiptHandleIsInvalid")
	got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, VisibilityTimeout: ptr(5)})
	require.NoError(t, err)
	require.Len(t, got.Messages, 1)

	// Any receipt handle the message was given deletes it; deleting again succeeds.
	require.NoError(t, s.DeleteMessage(u, m.ReceiptHandle))
	require.NoError(t, s.DeleteMessage(u, got.Messages[0].ReceiptHandle))
	requireCode(t, s.DeleteMessage(u, "bogus"), "ReceiptHandleIsInvalid")
	requireCode(t, s.DeleteMessage(u, ""), "MissingParameter")
	c.Advance(time.Minute)
	got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
	require.NoError(t, err)
	require.Empty(t, got.Messages)
}

func TestSendMessageValidation(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", map[string]string{"MaximumMessageSize": "1024"})
	f := mustQueue(t, s, "q.fifo", map[string]string{"FifoQueue": "true"})
	tests := []struct {
		name     string
		in       SendMessageInput
		wantCode string
	}{
		{name: "empty body", in: SendMessageInput{QueueUrl: u}, wantCode: "MissingParameter"},
		{name: "invalid character", in: SendMessageInput{QueueUrl: u, MessageBody: "a\x00b"}, wantCode: "InvalidMessageContents"},
		{name: "invalid utf-8", in: SendMessageInput{QueueUrl: u, MessageBody: "a\xffb"}, wantCode: "InvalidMessageContents"},
		{name: "too large", in: SendMessageInput{QueueUrl: u, MessageBody: strings.Repeat("a", 1025)}, wantCode: "InvalidParameterValue"},
		{name: "delay out of range", in: SendMessageInput{QueueUrl: u, MessageBody: "x", DelaySeconds: ptr(901)}, wantCode: "InvalidParameterValue"},
		{name: "group on standard", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageGroupId: "g"}, wantCode: "InvalidParameterValue"},
		{name: "attribute without type", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageAttributes: map[string]MessageAttributeValue{"a": {StringValue: "v"}}}, wantCode: "InvalidParameterValue"},
		{name: "attribute bad number", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageAttributes: map[string]MessageAttributeValue{"a": {DataType: "Number", StringValue: "v"}}}, wantCode: "InvalidParameterValue"},
		{name: "attribute bad type", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageAttributes: map[string]MessageAttributeValue{"a": {DataType: "Date", StringValue: "v"}}}, wantCode: "InvalidParameterValue"},
		{name: "reserved attribute name", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageAttributes: map[string]MessageAttributeValue{"AWS.x": {DataType: "String", StringValue: "v"}}}, wantCode: "InvalidParameterValue"},
		{name: "unknown system attribute", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageSystemAttributes: map[string]MessageAttributeValue{"X": {DataType: "String", StringValue: "v"}}}, wantCode: "InvalidParameterValue"},
		{name: "fifo without group", in: SendMessageInput{QueueUrl: f, MessageBody: "x", MessageDeduplicationId: "d"}, wantCode: "MissingParameter"},
		{name: "fifo without dedup", in: SendMessageInput{QueueUrl: f, MessageBody: "x", MessageGroupId: "g"}, wantCode: "InvalidParameterValue"},
		{name: "fifo with delay", in: SendMessageInput{QueueUrl: f, MessageBody: "x", MessageGroupId: "g", MessageDeduplicationId: "d", DelaySeconds: ptr(1)}, wantCode: "InvalidParameterValue"},
		{name: "missing queue", in: SendMessageInput{QueueUrl: u + "x", MessageBody: "x"}, wantCode: "AWS.SimpleQueueService.NonExistentQueue"},
		{name: "ok with binary attribute", in: SendMessageInput{QueueUrl: u, MessageBody: "x", MessageAttributes: map[string]MessageAttributeValue{"b": {DataType: "Binary", BinaryValue: []byte{0, 1}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			_, err := s.SendMessage(&in)
			if tc.wantCode == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, tc.wantCode)
		})
	}
}

func TestAttributesMD5(t *testing.T) {
	t.Parallel()
	// Digests that AWS returns for these attributes, as pinned by the moto and LocalStack suites.
	tests := []struct {
		name, value, want string
	}{
		{"timestamp", "1493147359900", "235c5c510d26fb653d073faed50ae77c"},
		{"timestamp", "1493147359901", "994258b45346a2cc3f9cbb611aa7af30"},
		{"SOME_Valid.attribute-Name", "1493147359900", "36655e7e9d7c0e8479fa3f3f42247ae7"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, AttributesMD5(map[string]MessageAttributeValue{tc.name: {DataType: "Number", StringValue: tc.value}}))
		})
	}
}

func TestReceiveAttributesFilter(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", nil)
	attrs := map[string]MessageAttributeValue{
		"app.color": {DataType: "String", StringValue: "red"},
		"app.size":  {DataType: "Number", StringValue: "3"},
		"other":     {DataType: "Binary", BinaryValue: []byte("hi")},
	}
	tests := []struct {
		name  string
		names []string
		want  []string
	}{
		{name: "none", names: nil, want: nil},
		{name: "all", names: []string{"All"}, want: []string{"app.color", "app.size", "other"}},
		{name: "dot star", names: []string{".*"}, want: []string{"app.color", "app.size", "other"}},
		{name: "prefix", names: []string{"app.*"}, want: []string{"app.color", "app.size"}},
		{name: "exact", names: []string{"other"}, want: []string{"other"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: tc.name, MessageAttributes: attrs})
			require.NoError(t, err)
			require.Equal(t, AttributesMD5(attrs), sent.MD5OfMessageAttributes)
			got, err := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u, MessageAttributeNames: tc.names})
			require.NoError(t, err)
			require.Len(t, got.Messages, 1)
			m := got.Messages[0]
			var keys []string
			for k := range m.MessageAttributes {
				keys = append(keys, k)
			}
			require.ElementsMatch(t, tc.want, keys)
			if len(tc.want) == 0 {
				require.Empty(t, m.MD5OfMessageAttributes)
			} else {
				require.Equal(t, AttributesMD5(m.MessageAttributes), m.MD5OfMessageAttributes)
			}
			require.NoError(t, s.DeleteMessage(u, m.ReceiptHandle))
		})
	}
}

func TestLongPollWakesOnSend(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	u := mustQueue(t, s, "q", nil)
	done := make(chan *ReceiveMessageOutput)
	go func() {
		out, err := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u, WaitTimeSeconds: ptr(20)})
		if err != nil {
			panic(err)
		}
		done <- out
	}()
	c.BlockUntil(1)
	c.Advance(5 * time.Second)
	_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "late"})
	require.NoError(t, err)
	out := <-done
	require.Len(t, out.Messages, 1)
	require.Equal(t, "late", out.Messages[0].Body)
}

func TestLongPollTimesOutOnClock(t *testing.T) {
	t.Parallel()
	// In a synctest bubble, synctest.Wait makes "has not returned yet" exact: every goroutine
	// of the test is blocked when it is checked.
	synctest.Test(t, func(t *testing.T) {
		s, c := newService(t)
		u := mustQueue(t, s, "q", map[string]string{"ReceiveMessageWaitTimeSeconds": "10"})
		done := make(chan *ReceiveMessageOutput, 1)
		go func() {
			// The queue's ReceiveMessageWaitTimeSeconds applies when WaitTimeSeconds is not given.
			out, _ := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u})
			done <- out
		}()
		c.BlockUntil(1)
		c.Advance(9 * time.Second)
		synctest.Wait()
		require.Empty(t, done, "long poll returned before its wait time")
		c.Advance(time.Second)
		require.Empty(t, (<-done).Messages)
	})
}

func TestLongPollSeesDelayedMessage(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	u := mustQueue(t, s, "q", nil)
	_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "delayed", DelaySeconds: ptr(3)})
	require.NoError(t, err)
	attrs, err := s.GetQueueAttributes(u, []string{"ApproximateNumberOfMessagesDelayed"})
	require.NoError(t, err)
	require.Equal(t, "1", attrs["ApproximateNumberOfMessagesDelayed"])
	done := make(chan *ReceiveMessageOutput)
	go func() {
		out, _ := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u, WaitTimeSeconds: ptr(20)})
		done <- out
	}()
	c.BlockUntil(1)
	c.Advance(3 * time.Second)
	out := <-done
	require.Len(t, out.Messages, 1)
	require.Equal(t, epoch.Add(3*time.Second), c.Now())
}

func TestLongPollCancelAndDelete(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	u := mustQueue(t, s, "q", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *ReceiveMessageOutput, 2)
	go func() {
		out, _ := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, WaitTimeSeconds: ptr(20)})
		done <- out
	}()
	c.BlockUntil(1)
	cancel()
	require.Empty(t, (<-done).Messages)

	go func() {
		out, _ := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u, WaitTimeSeconds: ptr(20)})
		done <- out
	}()
	c.BlockUntil(1)
	require.NoError(t, s.DeleteQueue(u))
	require.Empty(t, (<-done).Messages)
	requireCode(t, s.DeleteQueue(u), "AWS.SimpleQueueService.NonExistentQueue")
}

func TestReceiveValidation(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", nil)
	for name, in := range map[string]ReceiveMessageInput{
		"max 0":       {QueueUrl: u, MaxNumberOfMessages: ptr(0)},
		"max 11":      {QueueUrl: u, MaxNumberOfMessages: ptr(11)},
		"wait 21":     {QueueUrl: u, WaitTimeSeconds: ptr(21)},
		"visibility":  {QueueUrl: u, VisibilityTimeout: ptr(-1)},
		"wait -1":     {QueueUrl: u, WaitTimeSeconds: ptr(-1)},
		"no queue":    {QueueUrl: u + "z"},
		"missing url": {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := in
			_, err := s.ReceiveMessage(context.Background(), &in)
			require.Error(t, err)
		})
	}
}

func TestMaxNumberOfMessages(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", nil)
	for i := 0; i < 15; i++ {
		_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: string(rune('a' + i))})
		require.NoError(t, err)
	}
	got, err := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u, MaxNumberOfMessages: ptr(10)})
	require.NoError(t, err)
	require.Len(t, got.Messages, 10)
	require.Equal(t, "a", got.Messages[0].Body)
	got, err = s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u, MaxNumberOfMessages: ptr(10)})
	require.NoError(t, err)
	require.Len(t, got.Messages, 5)
}

func TestFIFO(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	ctx := context.Background()
	u := mustQueue(t, s, "orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	send := func(group, body string) *SendMessageOutput {
		out, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: body, MessageGroupId: group})
		require.NoError(t, err)
		return out
	}
	a1 := send("a", "a1")
	send("a", "a2")
	send("b", "b1")
	dup := send("a", "a1")
	require.Equal(t, a1.MessageId, dup.MessageId, "content-based deduplication")
	require.Equal(t, a1.SequenceNumber, dup.SequenceNumber)
	require.Len(t, a1.SequenceNumber, 20)

	got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, MaxNumberOfMessages: ptr(1), AttributeNames: []string{"MessageGroupId", "SequenceNumber"}})
	require.NoError(t, err)
	require.Len(t, got.Messages, 1)
	require.Equal(t, "a1", got.Messages[0].Body)
	require.Equal(t, "a", got.Messages[0].Attributes["MessageGroupId"])
	// Group a is blocked while a1 is in flight; b is not.
	got2, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, MaxNumberOfMessages: ptr(10)})
	require.NoError(t, err)
	require.Len(t, got2.Messages, 1)
	require.Equal(t, "b1", got2.Messages[0].Body)
	require.NoError(t, s.DeleteMessage(u, got.Messages[0].ReceiptHandle))
	got3, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, MaxNumberOfMessages: ptr(10)})
	require.NoError(t, err)
	require.Len(t, got3.Messages, 1)
	require.Equal(t, "a2", got3.Messages[0].Body)

	// After the deduplication window the same body is a new message.
	c.Advance(dedupWindow)
	again := send("a", "a1")
	require.NotEqual(t, a1.MessageId, again.MessageId)
}

func TestPurgeAndRetention(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	u := mustQueue(t, s, "q", map[string]string{"MessageRetentionPeriod": "60"})
	_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "x"})
	require.NoError(t, err)
	require.NoError(t, s.PurgeQueue(u))
	requireCode(t, s.PurgeQueue(u), "AWS.SimpleQueueService.PurgeQueueInProgress")
	c.Advance(time.Minute)
	require.NoError(t, s.PurgeQueue(u))

	_, err = s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "old"})
	require.NoError(t, err)
	c.Advance(time.Minute)
	got, err := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u})
	require.NoError(t, err)
	require.Empty(t, got.Messages, "expired after MessageRetentionPeriod")
}

func TestGetQueueAttributes(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "45"})
	all, err := s.GetQueueAttributes(u, []string{"All"})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:sqs:us-east-1:111111111111:q.fifo", all["QueueArn"])
	require.Equal(t, "45", all["VisibilityTimeout"])
	require.Equal(t, "true", all["FifoQueue"])
	require.Equal(t, "1713421621", all["CreatedTimestamp"])
	one, err := s.GetQueueAttributes(u, []string{"DelaySeconds"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"DelaySeconds": "0"}, one)
	none, err := s.GetQueueAttributes(u, nil)
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = s.GetQueueAttributes(u, []string{"Bogus"})
	requireCode(t, err, "InvalidAttributeName")

	std := mustQueue(t, s, "std", nil)
	unset, err := s.GetQueueAttributes(std, []string{"RedrivePolicy", "FifoQueue"})
	require.NoError(t, err)
	require.Empty(t, unset, "valid attributes the queue does not have are left out")
}

func TestListQueues(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	mustQueue(t, s, "b-q", nil)
	mustQueue(t, s, "a-q", nil)
	mustQueue(t, s, "a-r", nil)
	require.Equal(t, []string{"http://localhost:8083/111111111111/a-q", "http://localhost:8083/111111111111/a-r"}, s.ListQueues("a-"))
	require.Len(t, s.ListQueues(""), 3)
	u, err := s.GetQueueURL("b-q")
	require.NoError(t, err)
	require.Equal(t, "http://localhost:8083/111111111111/b-q", u)
	_, err = s.GetQueueURL("zzz")
	requireCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
}

func TestRedrivePolicy(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	ctx := context.Background()
	dlq := mustQueue(t, s, "dead", nil)
	policy := `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:dead","maxReceiveCount":"2"}`
	u := mustQueue(t, s, "src", map[string]string{"RedrivePolicy": policy, "VisibilityTimeout": "10"})
	sent, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "poison"})
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
		require.NoError(t, err)
		require.Len(t, got.Messages, 1, "receive %d", i+1)
		c.Advance(10 * time.Second)
	}
	got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
	require.NoError(t, err)
	require.Empty(t, got.Messages, "moved after maxReceiveCount receives")
	got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: dlq})
	require.NoError(t, err)
	require.Len(t, got.Messages, 1)
	require.Equal(t, sent.MessageId, got.Messages[0].MessageId)
	require.Equal(t, "poison", got.Messages[0].Body)
	attrs, err := s.GetQueueAttributes(u, []string{"RedrivePolicy", "ApproximateNumberOfMessages"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"RedrivePolicy": policy, "ApproximateNumberOfMessages": "0"}, attrs)
}

func TestSetQueueAttributes(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	u := mustQueue(t, s, "q", nil)
	mustQueue(t, s, "dead.fifo", map[string]string{"FifoQueue": "true"})
	tests := []struct {
		name     string
		attrs    map[string]string
		wantCode string
	}{
		{name: "visibility", attrs: map[string]string{"VisibilityTimeout": "7"}},
		{name: "none", attrs: nil, wantCode: "MissingParameter"},
		{name: "unknown", attrs: map[string]string{"Colour": "red"}, wantCode: "InvalidAttributeName"},
		{name: "out of range", attrs: map[string]string{"DelaySeconds": "901"}, wantCode: "InvalidAttributeValue"},
		{name: "change type", attrs: map[string]string{"FifoQueue": "true"}, wantCode: "InvalidParameterValue"},
		{name: "redrive to missing queue", attrs: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:nope","maxReceiveCount":3}`}, wantCode: "InvalidParameterValue"},
		{name: "redrive to other type", attrs: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:dead.fifo","maxReceiveCount":3}`}, wantCode: "InvalidParameterValue"},
		{name: "redrive bad count", attrs: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:q","maxReceiveCount":0}`}, wantCode: "InvalidParameterValue"},
		{name: "redrive not json", attrs: map[string]string{"RedrivePolicy": `{`}, wantCode: "InvalidParameterValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := s.SetQueueAttributes(u, tc.attrs)
			if tc.wantCode != "" {
				requireCode(t, err, tc.wantCode)
				return
			}
			require.NoError(t, err)
			got, err := s.GetQueueAttributes(u, []string{"All"})
			require.NoError(t, err)
			for k, v := range tc.attrs {
				require.Equal(t, v, got[k])
			}
		})
	}
}
