package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/services/s3"
	"github.com/sfnlocal/sfnlocal/services/sqs"
)

// TestDataDirServicesSurviveRestart: with --data-dir, SQS messages, DynamoDB items, S3
// objects, IAM roles and KMS keys written through one server are there after a restart on the
// same directory.
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
	serve(t, srv, "application/x-www-form-urlencoded", "", url.Values{"Action": {"CreateRole"}, "RoleName": {"exec"}, "AssumeRolePolicyDocument": {"{}"}}.Encode())
	var key struct{ KeyMetadata struct{ KeyId string } }
	require.NoError(t, json.Unmarshal([]byte(serve(t, srv, "", "TrentService.CreateKey", `{}`)), &key))
	serve(t, srv, "", "TrentService.CreateAlias", `{"AliasName":"alias/data","TargetKeyId":"`+key.KeyMetadata.KeyId+`"}`)
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
	_, ok := srv.IAM().RoleArn("exec")
	require.True(t, ok, "the IAM role")
	_, state, ok := srv.KMS().KeyInfo("us-east-1", "alias/data")
	require.True(t, ok, "the KMS key and its alias")
	require.Equal(t, "Enabled", state)
}

// serve sends one unsigned POST to srv's handler and requires a 200.
func serve(t *testing.T, srv *Server, contentType, target, body string) string {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	require.Equal(t, 200, w.Code, w.Body.String())
	return w.Body.String()
}
