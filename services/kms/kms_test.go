package kms

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"
)

func call(t *testing.T, s *Service, region, op, body string) (int, map[string]any) {
	t.Helper()
	code, b := awsprototest.Serve(t, s.Handler(), region, "kms", map[string]string{"X-Amz-Target": "TrentService." + op}, body)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return code, out
}

// TestKMS covers keys, aliases and encryption with KMS's documented errors (KMS API
// Reference: DescribeKey NotFoundException, Decrypt InvalidCiphertextException and
// IncorrectKeyException, DisabledException, CreateAlias AlreadyExistsException).
func TestKMS(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	code, out := call(t, s, "eu-west-1", "CreateKey", `{"Description":"d"}`)
	require.Equal(t, 200, code)
	md := out["KeyMetadata"].(map[string]any)
	id, arn := md["KeyId"].(string), md["Arn"].(string)
	require.Equal(t, "arn:aws:kms:eu-west-1:123456789012:key/"+id, arn)
	require.Equal(t, "Enabled", md["KeyState"])
	require.Equal(t, "SYMMETRIC_DEFAULT", md["KeySpec"])

	// Keys are per region.
	code, out = call(t, s, "us-east-1", "DescribeKey", `{"KeyId":"`+id+`"}`)
	require.Equal(t, 400, code)
	require.Equal(t, "NotFoundException", out["__type"])
	require.Equal(t, "Key 'arn:aws:kms:us-east-1:123456789012:key/"+id+"' does not exist", out["message"])
	code, _ = call(t, s, "us-east-1", "DescribeKey", `{"KeyId":"`+arn+`"}`)
	require.Equal(t, 200, code, "a key ARN names its region")

	code, _ = call(t, s, "eu-west-1", "CreateAlias", `{"AliasName":"alias/app","TargetKeyId":"`+id+`"}`)
	require.Equal(t, 200, code)
	code, out = call(t, s, "eu-west-1", "CreateAlias", `{"AliasName":"alias/app","TargetKeyId":"`+id+`"}`)
	require.Equal(t, "AlreadyExistsException", out["__type"], code)
	_, out = call(t, s, "eu-west-1", "ListAliases", `{}`)
	require.Equal(t, "alias/app", out["Aliases"].([]any)[0].(map[string]any)["AliasName"])
	gotArn, state, ok := s.KeyInfo("eu-west-1", "alias/app")
	require.True(t, ok)
	require.Equal(t, arn, gotArn)
	require.Equal(t, "Enabled", state)
	_, _, ok = s.KeyInfo("eu-west-1", "alias/none")
	require.False(t, ok)

	plain := base64.StdEncoding.EncodeToString([]byte("secret"))
	_, out = call(t, s, "eu-west-1", "Encrypt", `{"KeyId":"alias/app","Plaintext":"`+plain+`","EncryptionContext":{"k":"v"}}`)
	blob := out["CiphertextBlob"].(string)
	require.Equal(t, arn, out["KeyId"])
	_, out = call(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`","EncryptionContext":{"k":"v"}}`)
	require.Equal(t, plain, out["Plaintext"])
	_, out = call(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`"}`)
	require.Equal(t, "InvalidCiphertextException", out["__type"], "the encryption context is authenticated")
	_, out = call(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"AAAA"}`)
	require.Equal(t, "InvalidCiphertextException", out["__type"])

	_, out = call(t, s, "eu-west-1", "CreateKey", `{}`)
	other := out["KeyMetadata"].(map[string]any)["KeyId"].(string)
	_, out = call(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`","KeyId":"`+other+`","EncryptionContext":{"k":"v"}}`)
	require.Equal(t, "IncorrectKeyException", out["__type"])

	call(t, s, "eu-west-1", "DisableKey", `{"KeyId":"`+id+`"}`)
	_, out = call(t, s, "eu-west-1", "Encrypt", `{"KeyId":"`+id+`","Plaintext":"`+plain+`"}`)
	require.Equal(t, "DisabledException", out["__type"])
	_, state, _ = s.KeyInfo("eu-west-1", id)
	require.Equal(t, "Disabled", state)

	_, out = call(t, s, "eu-west-1", "ListKeys", `{}`)
	require.Len(t, out["Keys"].([]any), 2)
	_, out = call(t, s, "eu-west-1", "GenerateDataKey", `{"KeyId":"`+other+`","KeySpec":"AES_256"}`)
	raw, err := base64.StdEncoding.DecodeString(out["Plaintext"].(string))
	require.NoError(t, err)
	require.Len(t, raw, 32)
	_, out = call(t, s, "eu-west-1", "NoSuchOp", `{}`)
	require.Equal(t, "UnknownOperationException", out["__type"])
}

// FuzzHandler: no request body crashes the fake or answers 5xx.
func FuzzHandler(f *testing.F) {
	f.Add("Decrypt", `{"CiphertextBlob":"AAAA"}`)
	f.Add("Encrypt", `{"KeyId":"alias/x","Plaintext":"aGk="}`)
	f.Add("CreateAlias", `{"AliasName":"alias/a","TargetKeyId":"k"}`)
	s := New(Config{})
	f.Fuzz(func(t *testing.T, op, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "TrentService."+op)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", op, body, w.Code, w.Body.String())
		}
	})
}
