package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// The crash test's SQS and DynamoDB writes: messages sent and items put before the first
// stop were acknowledged, so every one must be there after the last restart (each of the
// stops in between, SIGKILL or SIGINT, loses none).
func init() {
	const n = 25
	awsJSON := func(t *testing.T, addr, target string, body any, out any) {
		t.Helper()
		p := &proc{addr: addr}
		code := p.call(t, http.MethodPost, "/", map[string]string{"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"}, body, out)
		require.Equal(t, http.StatusOK, code, target)
	}
	var queueURL string
	crashHooks = append(crashHooks, CrashHook{
		Name: "sqs and dynamodb",
		Setup: func(t *testing.T, addr string) {
			var q struct{ QueueUrl string }
			awsJSON(t, addr, "AmazonSQS.CreateQueue", map[string]any{"QueueName": "crash"}, &q)
			queueURL = q.QueueUrl
			awsJSON(t, addr, "DynamoDB_20120810.CreateTable", map[string]any{"TableName": "crash",
				"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
				"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}, "BillingMode": "PAY_PER_REQUEST"}, nil)
			for i := range n {
				awsJSON(t, addr, "AmazonSQS.SendMessage", map[string]any{"QueueUrl": queueURL, "MessageBody": fmt.Sprintf("m%02d", i)}, nil)
				awsJSON(t, addr, "DynamoDB_20120810.PutItem", map[string]any{"TableName": "crash",
					"Item": map[string]any{"id": map[string]any{"S": fmt.Sprintf("i%02d", i)}, "n": map[string]any{"N": fmt.Sprint(i)}}}, nil)
			}
		},
		Check: func(t *testing.T, addr string) {
			var bodies []string
			for len(bodies) < n {
				var out struct{ Messages []struct{ Body string } }
				awsJSON(t, addr, "AmazonSQS.ReceiveMessage", map[string]any{"QueueUrl": queueURL, "MaxNumberOfMessages": 10, "VisibilityTimeout": 600}, &out)
				require.NotEmpty(t, out.Messages, "acknowledged messages lost: have %d of %d", len(bodies), n)
				for _, m := range out.Messages {
					bodies = append(bodies, m.Body)
				}
			}
			sort.Strings(bodies)
			for i, b := range bodies {
				require.Equal(t, fmt.Sprintf("m%02d", i), b)
			}
			for i := range n {
				var out struct{ Item map[string]map[string]string }
				awsJSON(t, addr, "DynamoDB_20120810.GetItem", map[string]any{"TableName": "crash", "Key": map[string]any{"id": map[string]any{"S": fmt.Sprintf("i%02d", i)}}}, &out)
				require.Equal(t, fmt.Sprint(i), out.Item["n"]["N"], "item i%02d", i)
			}
		},
	})
}

// The crash test's Batch job: a real container (the sleeper, 3 s) run by a
// batch:submitJob.sync Task started before the first stop. Every stop in between, SIGKILL or
// SIGINT, leaves the container running; each restart reattaches it (not reaped, not run
// again), so the execution succeeds with the job's one attempt.
func init() {
	var arn string
	on := false
	crashHooks = append(crashHooks, CrashHook{
		Name: "batch job in a container",
		Setup: func(t *testing.T, addr string) {
			if exec.Command("docker", "version").Run() != nil && os.Getenv("CI") != "true" {
				t.Log("docker not available: the crash test runs without its Batch job")
				return
			}
			on = true
			p := &proc{addr: addr}
			image := sleeperImage(t)
			require.Equal(t, http.StatusOK, p.call(t, http.MethodPost, "/v1/registerjobdefinition", nil, map[string]any{
				"jobDefinitionName": "crashjob", "type": "container",
				"containerProperties": map[string]any{"image": image, "command": []string{"3s"},
					"resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}},
			}, nil))
			def := `{"StartAt":"Job","States":{"Job":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync",
			  "Parameters":{"JobName":"crashjob","JobQueue":"default","JobDefinition":"crashjob"},"End":true}}}`
			var sm struct{ StateMachineArn string }
			p.sfn(t, "CreateStateMachine", map[string]any{"name": "crashjob", "definition": def, "roleArn": "arn:aws:iam::123456789012:role/r"}, &sm)
			var st struct{ ExecutionArn string }
			p.sfn(t, "StartExecution", map[string]any{"stateMachineArn": sm.StateMachineArn}, &st)
			arn = st.ExecutionArn
		},
		Check: func(t *testing.T, addr string) {
			if !on {
				return
			}
			p := &proc{addr: addr}
			require.Equal(t, "SUCCEEDED", p.waitEnd(t, arn))
			var d struct{ Output string }
			p.sfn(t, "DescribeExecution", map[string]any{"executionArn": arn}, &d)
			var job struct {
				Status   string
				Attempts []json.RawMessage
			}
			require.NoError(t, json.Unmarshal([]byte(d.Output), &job), d.Output)
			require.Equal(t, "SUCCEEDED", job.Status, d.Output)
			require.Len(t, job.Attempts, 1, "the job ran once, reattached across the stops: %s", d.Output)
		},
	})
}
