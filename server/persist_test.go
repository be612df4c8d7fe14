package server

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/services/s3"
	"github.com/sfnlocal/sfnlocal/services/sqs"
)

// TestDataDirServicesSurviveRestart: with --data-dir, SQS messages, DynamoDB items and S3
// objects written through one server are there after a restart on the same directory.
func TestDataDirServicesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() *Server {
		cfg := testConfig(t)
		cfg.DataDir = dir
		srv, err := New(cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
		require.NoError(t, err)
		return srv
	}
	srv := open()
	u, err := srv.SQS().CreateQueue(&sqs.CreateQueueInput{QueueName: "q"})
	require.NoError(t, err)
	_, err = srv.SQS().SendMessage(&sqs.SendMessageInput{QueueUrl: u, MessageBody: "hello"})
	require.NoError(t, err)
	_, err = srv.DynamoDB().Do("CreateTable", map[string]any{"TableName": "tbl", "KeySchema": []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}}, "BillingMode": "PAY_PER_REQUEST"})
	require.NoError(t, err)
	_, err = srv.DynamoDB().Do("PutItem", map[string]any{"TableName": "tbl", "Item": map[string]any{"id": map[string]any{"S": "a"}}})
	require.NoError(t, err)
	require.NoError(t, srv.S3().CreateBucket("bkt", ""))
	_, err = srv.S3().PutObject("bkt", "k", []byte("body"), s3.PutOptions{})
	require.NoError(t, err)
	require.NoError(t, srv.Close())

	srv = open()
	defer srv.Close()
	out, err := srv.SQS().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: u})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1)
	require.Equal(t, "hello", out.Messages[0].Body)
	item, err := srv.DynamoDB().Do("GetItem", map[string]any{"TableName": "tbl", "Key": map[string]any{"id": map[string]any{"S": "a"}}})
	require.NoError(t, err)
	require.NotNil(t, item["Item"])
	o, err := srv.S3().GetObject("bkt", "k")
	require.NoError(t, err)
	require.Equal(t, "body", string(o.Body))
}
