package server

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/services/events"
	"github.com/sfnlocal/sfnlocal/services/sns"
	"github.com/sfnlocal/sfnlocal/services/sqs"
)

// holdSink holds every delivery until the service closes (its context ends), so that the
// delivery is cut short and stays pending in the store.
type holdSink chan struct{}

func (h holdSink) hold(ctx context.Context) error {
	h <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

// TestDataDirDeliveriesResumeAtStart: an SNS delivery and an EventBridge delivery left pending
// in the store by an earlier process are made by a server started on it, through its sinks.
func TestDataDirDeliveriesResumeAtStart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t)
	cfg.DataDir = dir
	queueArn := "arn:aws:sqs:" + cfg.Region + ":" + cfg.AccountID + ":q"

	// The earlier process: the queue exists; both deliveries are in flight when it stops.
	db, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	q := sqs.New(sqs.Config{Region: cfg.Region, AccountID: cfg.AccountID, DB: db})
	_, err = q.CreateQueue(&sqs.CreateQueueInput{QueueName: "q"})
	require.NoError(t, err)
	held := make(holdSink, 2)
	topics := sns.New(sns.Config{Region: cfg.Region, AccountID: cfg.AccountID, DB: db})
	topics.SetSink("sqs", sns.SinkFunc(func(ctx context.Context, _ sns.Delivery) error { return held.hold(ctx) }))
	topic, err := topics.CreateTopic("t", nil)
	require.NoError(t, err)
	_, err = topics.Subscribe(topic, "sqs", queueArn, map[string]string{"RawMessageDelivery": "true"}, true)
	require.NoError(t, err)
	_, _, err = topics.Publish(sns.PublishInput{TopicArn: topic, Message: "from sns"})
	require.NoError(t, err)
	bus := events.New(events.Config{Region: cfg.Region, AccountID: cfg.AccountID, DB: db})
	bus.SetSink("sqs", events.SinkFunc(func(ctx context.Context, _ events.Delivery) error { return held.hold(ctx) }))
	_, err = bus.PutRule(events.PutRuleInput{Name: "r", EventPattern: `{"source":["shop"]}`})
	require.NoError(t, err)
	_, err = bus.PutTargets("", "r", []map[string]any{{"Id": "q", "Arn": queueArn, "Input": `"from events"`}})
	require.NoError(t, err)
	_, _, err = bus.PutEvents([]events.Entry{{Source: "shop", DetailType: "Order", Detail: `{}`, HasDetail: true}})
	require.NoError(t, err)
	<-held
	<-held
	topics.Close()
	bus.Close()
	require.NoError(t, db.Close())

	srv, err := New(cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	require.NoError(t, err)
	defer srv.Close()
	srv.SNS().Flush()
	srv.Events().Flush()
	ten := 10
	out, err := srv.SQS().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: sqs.URLOf(queueArn), MaxNumberOfMessages: &ten})
	require.NoError(t, err)
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, m.Body)
	}
	require.ElementsMatch(t, []string{"from sns", `"from events"`}, bodies)
}
