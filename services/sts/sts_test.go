package sts

import (
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func call(t *testing.T, s *Service, akid, region string, kv ...string) (int, string) {
	t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if akid != "" {
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/20260101/"+region+"/sts/aws4_request, SignedHeaders=host, Signature=x")
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestSTS(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	cases := []struct {
		name      string
		akid, reg string
		kv        []string
		status    int
		want      []string
	}{
		{"caller identity", "AKID", "us-east-1", []string{"Action", "GetCallerIdentity"}, 200,
			[]string{`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`, "<Account>123456789012</Account>", "<Arn>arn:aws:iam::123456789012:root</Arn>"}},
		{"caller identity in GovCloud", "AKID", "us-gov-west-1", []string{"Action", "GetCallerIdentity"}, 200, []string{"<Arn>arn:aws-us-gov:iam::123456789012:root</Arn>"}},
		{"assume role", "AKID", "us-east-1", []string{"Action", "AssumeRole", "RoleArn", "arn:aws:iam::111111111111:role/path/r", "RoleSessionName", "s1", "DurationSeconds", "900"}, 200,
			[]string{"<AccessKeyId>ASIA", "<Arn>arn:aws:sts::111111111111:assumed-role/r/s1</Arn>", "<AssumedRoleId>AROA", "<Expiration>"}},
		{"session name", "", "", []string{"Action", "AssumeRole", "RoleArn", "arn:aws:iam::1:role/r", "RoleSessionName", "a b"}, 400, []string{"<Code>ValidationError</Code>"}},
		{"duration", "", "", []string{"Action", "AssumeRole", "RoleArn", "arn:aws:iam::1:role/r", "RoleSessionName", "ab", "DurationSeconds", "60"}, 400, []string{"durationSeconds"}},
		{"no role", "", "", []string{"Action", "AssumeRole", "RoleSessionName", "ab"}, 400, []string{"'roleArn'"}},
		{"unknown", "", "", []string{"Action", "GetSessionToken"}, 400, []string{"<Code>InvalidAction</Code>"}},
	}
	for _, tc := range cases {
		code, body := call(t, s, tc.akid, tc.reg, tc.kv...)
		require.Equal(t, tc.status, code, "%s: %s", tc.name, body)
		for _, w := range tc.want {
			require.Contains(t, body, w, tc.name)
		}
	}
	// Credentials AssumeRole issued identify as the assumed role.
	_, body := call(t, s, "AKID", "us-east-1", "Action", "AssumeRole", "RoleArn", "arn:aws:iam::123456789012:role/worker", "RoleSessionName", "job")
	akid := regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`).FindStringSubmatch(body)[1]
	_, body = call(t, s, akid, "us-east-1", "Action", "GetCallerIdentity")
	require.Contains(t, body, "<Arn>arn:aws:sts::123456789012:assumed-role/worker/job</Arn>")
	require.Contains(t, body, ":job</UserId>")
}
