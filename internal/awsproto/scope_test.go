package awsproto

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScopeOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, auth, url string
		want            Scope
		ok              bool
	}{
		{name: "header", auth: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/s3/aws4_request, SignedHeaders=host, Signature=abc",
			want: Scope{AccessKey: "AKID", Region: "us-west-2", Service: "s3"}, ok: true},
		{name: "header without spaces", auth: "AWS4-HMAC-SHA256 Credential=K/20260101/cn-north-1/states/aws4_request,SignedHeaders=host,Signature=x",
			want: Scope{AccessKey: "K", Region: "cn-north-1", Service: "states"}, ok: true},
		{name: "presigned", url: "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20260101%2Feu-west-1%2Fs3%2Faws4_request",
			want: Scope{AccessKey: "K", Region: "eu-west-1", Service: "s3"}, ok: true},
		{name: "unsigned"},
		{name: "sigv2", auth: "AWS AKID:sig"},
		{name: "short scope", auth: "AWS4-HMAC-SHA256 Credential=K/20260101/us-east-1/aws4_request"},
		{name: "no credential", auth: "AWS4-HMAC-SHA256 SignedHeaders=host"},
		{name: "local region name", auth: "AWS4-HMAC-SHA256 Credential=K/20260101/local/sqs/aws4_request",
			want: Scope{AccessKey: "K", Region: "local", Service: "sqs"}, ok: true},
		// Regions name per-region state (kept with --data-dir): not any string.
		{name: "region with a separator", auth: "AWS4-HMAC-SHA256 Credential=K/20260101/us@east/sqs/aws4_request"},
		{name: "upper-case region", auth: "AWS4-HMAC-SHA256 Credential=K/20260101/US-EAST-1/sqs/aws4_request"},
		{name: "region too long", auth: "AWS4-HMAC-SHA256 Credential=K/20260101/" + strings.Repeat("a", 33) + "/sqs/aws4_request"},
		{name: "empty region", auth: "AWS4-HMAC-SHA256 Credential=K/20260101//sqs/aws4_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := tc.url
			if u == "" {
				u = "/"
			}
			r := httptest.NewRequest("GET", u, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			got, ok := ScopeOf(r)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestPartition(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-central-1": "aws", "cn-northwest-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b",
	} {
		require.Equal(t, want, Partition(region), region)
	}
}
