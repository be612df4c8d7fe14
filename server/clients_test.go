package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// needTool skips when a client is missing locally; in CI (CI=true) it fails instead.
func needTool(t *testing.T, name string, check ...string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil && len(check) > 0 {
		err = exec.Command(p, check...).Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not usable: %v", name, err)
	}
	return p
}

func clientEnv(region string) []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDSETUP", "AWS_SECRET_ACCESS_KEY=dummy", "AWS_DEFAULT_REGION="+region,
		"AWS_REGION="+region, "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
}

// TestSetupWithAWSCLI runs what setup scripts run first (IAM, STS, KMS, CloudWatch Logs), then
// a state machine encrypted with the customer managed key and logging to the group, with the
// real aws CLI.
func TestSetupWithAWSCLI(t *testing.T) {
	awsBin := needTool(t, "aws")
	srv, addr, stop := startListening(t)
	t.Cleanup(func() { _ = stop() })
	endpoint := "http://" + addr
	run := func(args ...string) (map[string]any, string, error) {
		cmd := exec.Command(awsBin, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
		cmd.Env = clientEnv("us-west-2")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var m map[string]any
		if err == nil && len(strings.TrimSpace(string(out))) > 0 {
			require.NoError(t, json.Unmarshal(out, &m), "%s", out)
		}
		return m, stderr.String(), err
	}
	must := func(args ...string) map[string]any {
		m, stderr, err := run(args...)
		require.NoError(t, err, "aws %v: %s", args, stderr)
		return m
	}
	fails := func(code string, args ...string) {
		_, stderr, err := run(args...)
		require.Error(t, err, "aws %v", args)
		require.Contains(t, stderr, "("+code+")", "aws %v", args)
	}

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role := must("iam", "create-role", "--role-name", "sfn-exec", "--assume-role-policy-document", trust)["Role"].(map[string]any)
	roleArn := role["Arn"].(string)
	require.Equal(t, "arn:aws:iam::123456789012:role/sfn-exec", roleArn)
	require.True(t, strings.HasPrefix(role["RoleId"].(string), "AROA"))
	fails("EntityAlreadyExists", "iam", "create-role", "--role-name", "sfn-exec", "--assume-role-policy-document", trust)
	got := must("iam", "get-role", "--role-name", "sfn-exec")["Role"].(map[string]any)
	require.Equal(t, "states.amazonaws.com", got["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)["Principal"].(map[string]any)["Service"])
	must("iam", "put-role-policy", "--role-name", "sfn-exec", "--policy-name", "inline", "--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	require.Equal(t, "inline", must("iam", "get-role-policy", "--role-name", "sfn-exec", "--policy-name", "inline")["PolicyName"])
	pol := must("iam", "create-policy", "--policy-name", "logs", "--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`)["Policy"].(map[string]any)
	must("iam", "attach-role-policy", "--role-name", "sfn-exec", "--policy-arn", pol["Arn"].(string))
	must("iam", "attach-role-policy", "--role-name", "sfn-exec", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
	attached := must("iam", "list-attached-role-policies", "--role-name", "sfn-exec")["AttachedPolicies"].([]any)
	require.Len(t, attached, 2)
	fails("DeleteConflict", "iam", "delete-policy", "--policy-arn", pol["Arn"].(string))

	creds := must("sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "setup")
	require.Equal(t, "arn:aws:sts::123456789012:assumed-role/sfn-exec/setup", creds["AssumedRoleUser"].(map[string]any)["Arn"])

	key := must("kms", "create-key", "--description", "sfn")["KeyMetadata"].(map[string]any)
	keyArn := key["Arn"].(string)
	require.True(t, strings.HasPrefix(keyArn, "arn:aws:kms:us-west-2:123456789012:key/"), keyArn)
	must("kms", "create-alias", "--alias-name", "alias/sfn", "--target-key-id", key["KeyId"].(string))
	require.Equal(t, keyArn, must("kms", "describe-key", "--key-id", "alias/sfn")["KeyMetadata"].(map[string]any)["Arn"])
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain"), []byte("hello"), 0o600))
	enc := must("kms", "encrypt", "--key-id", "alias/sfn", "--plaintext", "fileb://"+filepath.Join(dir, "plain"))
	blob, err := base64.StdEncoding.DecodeString(enc["CiphertextBlob"].(string))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blob"), blob, 0o600))
	dec := must("kms", "decrypt", "--ciphertext-blob", "fileb://"+filepath.Join(dir, "blob"))
	require.Equal(t, "aGVsbG8=", dec["Plaintext"])
	fails("NotFoundException", "kms", "describe-key", "--key-id", "alias/none")

	must("logs", "create-log-group", "--log-group-name", "/sfn/setup")
	groupArn := must("logs", "describe-log-groups", "--log-group-name-prefix", "/sfn/")["logGroups"].([]any)[0].(map[string]any)["arn"].(string)
	logging := `{"level":"ALL","includeExecutionData":true,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"` + groupArn + `"}}]}`
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	fails("InvalidEncryptionConfiguration", "stepfunctions", "create-state-machine", "--name", "bad", "--role-arn", roleArn, "--definition", def,
		"--encryption-configuration", "type=CUSTOMER_MANAGED_KMS_KEY,kmsKeyId=alias/none")
	sm := must("stepfunctions", "create-state-machine", "--name", "encrypted", "--role-arn", roleArn, "--definition", def,
		"--encryption-configuration", "type=CUSTOMER_MANAGED_KMS_KEY,kmsKeyId=alias/sfn,kmsDataKeyReusePeriodSeconds=300",
		"--logging-configuration", logging)
	smArn := sm["stateMachineArn"].(string)
	require.Equal(t, "arn:aws:states:us-west-2:123456789012:stateMachine:encrypted", smArn)
	d := must("stepfunctions", "describe-state-machine", "--state-machine-arn", smArn)
	require.Equal(t, "CUSTOMER_MANAGED_KMS_KEY", d["encryptionConfiguration"].(map[string]any)["type"])
	ex := must("stepfunctions", "start-execution", "--state-machine-arn", smArn, "--input", `{"x":1}`)
	require.NoError(t, srv.WaitExecution(context.Background(), ex["executionArn"].(string)))
	require.Equal(t, "SUCCEEDED", must("stepfunctions", "describe-execution", "--execution-arn", ex["executionArn"].(string))["status"])
	evs := must("logs", "filter-log-events", "--log-group-name", "/sfn/setup", "--filter-pattern", `{ $.type = "ExecutionSucceeded" }`)["events"].([]any)
	require.Len(t, evs, 1)
	streams := must("logs", "describe-log-streams", "--log-group-name", "/sfn/setup")["logStreams"].([]any)
	require.Len(t, streams, 1)
	all := must("logs", "get-log-events", "--log-group-name", "/sfn/setup", "--log-stream-name", streams[0].(map[string]any)["logStreamName"].(string), "--start-from-head")["events"].([]any)
	require.Len(t, all, 4) // ExecutionStarted, PassStateEntered, PassStateExited, ExecutionSucceeded
}

// TestSetupWithBoto3 does the same first steps with boto3 in another region and partition.
func TestSetupWithBoto3(t *testing.T) {
	py := needTool(t, "python3", "-c", "import boto3")
	addr, stop := start(t)
	t.Cleanup(func() { _ = stop() })
	script := `
import boto3, json, sys
ep = sys.argv[1]
kw = dict(endpoint_url=ep, region_name="cn-northwest-1", aws_access_key_id="AKIDBOTO", aws_secret_access_key="x")
iam, sts, kms, sfn, logs = (boto3.client(n, **kw) for n in ("iam", "sts", "kms", "stepfunctions", "logs"))
trust = json.dumps({"Version": "2012-10-17", "Statement": []})
role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust, Path="/service-role/")["Role"]
try:
    iam.get_role(RoleName="missing")
    raise SystemExit("get_role of a missing role succeeded")
except iam.exceptions.NoSuchEntityException:
    pass
ident = sts.get_caller_identity()
key = kms.create_key()["KeyMetadata"]
ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext={"a": "b"})["CiphertextBlob"]
assert kms.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "b"})["Plaintext"] == b"secret"
try:
    kms.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "c"})
    raise SystemExit("decrypt with another context succeeded")
except kms.exceptions.InvalidCiphertextException:
    pass
sm = sfn.create_state_machine(name="m", roleArn=role["Arn"], definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key["Arn"]})
print(json.dumps({"role": role["Arn"], "account": ident["Account"], "arn": ident["Arn"], "key": key["Arn"], "sm": sm["stateMachineArn"],
    "groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]}))
`
	cmd := exec.Command(py, "-c", script, "http://"+addr)
	cmd.Env = clientEnv("cn-northwest-1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), string(out))
	require.Equal(t, "arn:aws-cn:iam::123456789012:role/service-role/r", got["role"])
	require.Equal(t, "123456789012", got["account"])
	require.Equal(t, "arn:aws-cn:iam::123456789012:root", got["arn"])
	require.True(t, strings.HasPrefix(got["key"].(string), "arn:aws-cn:kms:cn-northwest-1:123456789012:key/"))
	require.Equal(t, "arn:aws-cn:states:cn-northwest-1:123456789012:stateMachine:m", got["sm"])
	require.Equal(t, []any{}, got["groups"]) // log groups are per region: Batch's is in us-east-1
}
