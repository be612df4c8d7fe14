package iam

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableIAM(t *testing.T, db *storage.DB, c clock.Clock) *Service {
	t.Helper()
	s := New(Config{Clock: c, Logger: zaptest.NewLogger(t), DB: db})
	require.NoError(t, s.LoadError())
	return s
}

var requestID = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)

// iamOK calls the handler and requires a 200; it returns the body without its request id.
func iamOK(t *testing.T, h http.Handler, kv ...string) string {
	t.Helper()
	code, body := do(t, h, "", kv...)
	require.Equal(t, 200, code, body)
	return requestID.ReplaceAllString(body, "")
}

// iamSnapshot is every read-only answer of the API about the roles and policies named.
func iamSnapshot(t *testing.T, s *Service, roles, policies []string) map[string]string {
	t.Helper()
	h := s.Handler()
	out := map[string]string{
		"roles":    iamOK(t, h, "Action", "ListRoles"),
		"policies": iamOK(t, h, "Action", "ListPolicies"),
		"attached": iamOK(t, h, "Action", "ListPolicies", "OnlyAttached", "true"),
	}
	for _, r := range roles {
		out[r] = iamOK(t, h, "Action", "GetRole", "RoleName", r)
		out[r+" inline"] = iamOK(t, h, "Action", "ListRolePolicies", "RoleName", r)
		out[r+" attached"] = iamOK(t, h, "Action", "ListAttachedRolePolicies", "RoleName", r)
		out[r+" tags"] = iamOK(t, h, "Action", "ListRoleTags", "RoleName", r)
	}
	for _, p := range policies {
		out[p] = iamOK(t, h, "Action", "GetPolicy", "PolicyArn", p)
	}
	return out
}

// TestDurableRestart: roles and policies come back after a restart, clean or not, with the
// same ids, ARNs, documents and dates; deleted ones stay deleted.
func TestDurableRestart(t *testing.T) {
	t.Parallel()
	const (
		trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		doc   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]}`
		mp    = "arn:aws:iam::123456789012:policy/team/mp"
		aws   = "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess"
	)
	cases := []struct {
		name     string
		roles    []string // snapshotted before and after
		policies []string
		// build creates state; check, when set, runs on the restarted service.
		build func(t *testing.T, s *Service, db *storage.DB, c *clock.Fake)
		check func(t *testing.T, s *Service)
	}{
		{"roles, policies, attachments and tags", []string{"exec", "plain"}, []string{mp, aws},
			func(t *testing.T, s *Service, _ *storage.DB, c *clock.Fake) {
				h := s.Handler()
				iamOK(t, h, "Action", "CreateRole", "RoleName", "exec", "Path", "/app/", "AssumeRolePolicyDocument", trust,
					"Description", "runs the flow", "MaxSessionDuration", "7200", "Tags.member.1.Key", "team", "Tags.member.1.Value", "a",
					"Tags.member.2.Key", "env", "Tags.member.2.Value", "dev")
				c.Advance(time.Hour)
				iamOK(t, h, "Action", "CreateRole", "RoleName", "plain", "AssumeRolePolicyDocument", trust)
				iamOK(t, h, "Action", "PutRolePolicy", "RoleName", "exec", "PolicyName", "invoke", "PolicyDocument", doc)
				iamOK(t, h, "Action", "PutRolePolicy", "RoleName", "exec", "PolicyName", "dropped", "PolicyDocument", doc)
				iamOK(t, h, "Action", "DeleteRolePolicy", "RoleName", "exec", "PolicyName", "dropped")
				c.Advance(time.Minute)
				iamOK(t, h, "Action", "CreatePolicy", "PolicyName", "mp", "Path", "/team/", "PolicyDocument", doc, "Description", "shared")
				iamOK(t, h, "Action", "AttachRolePolicy", "RoleName", "exec", "PolicyArn", mp)
				iamOK(t, h, "Action", "AttachRolePolicy", "RoleName", "exec", "PolicyArn", aws)
				iamOK(t, h, "Action", "AttachRolePolicy", "RoleName", "plain", "PolicyArn", mp)
				iamOK(t, h, "Action", "UpdateRole", "RoleName", "exec", "Description", "runs the flows")
				iamOK(t, h, "Action", "TagRole", "RoleName", "exec", "Tags.member.1.Key", "team", "Tags.member.1.Value", "b")
				iamOK(t, h, "Action", "UntagRole", "RoleName", "exec", "TagKeys.member.1", "env")
			},
			func(t *testing.T, s *Service) {
				h := s.Handler()
				body := iamOK(t, h, "Action", "GetRole", "RoleName", "exec")
				require.Contains(t, body, "<CreateDate>2026-01-02T03:04:05Z</CreateDate>")
				require.Contains(t, body, "<MaxSessionDuration>7200</MaxSessionDuration>")
				require.Contains(t, iamOK(t, h, "Action", "GetPolicy", "PolicyArn", mp), "<AttachmentCount>2</AttachmentCount>")
				code, body := do(t, h, "", "Action", "DeletePolicy", "PolicyArn", mp)
				require.Equal(t, 409, code, "the attachments came back: %s", body)
				code, body = do(t, h, "", "Action", "DeleteRole", "RoleName", "exec")
				require.Equal(t, 409, code, body)
				arn, ok := s.RoleArn("exec")
				require.True(t, ok)
				require.Equal(t, "arn:aws:iam::123456789012:role/app/exec", arn)
				require.Contains(t, iamOK(t, h, "Action", "GetRolePolicy", "RoleName", "exec", "PolicyName", "invoke"), "lambda%3AInvokeFunction")
			}},
		{"deleted roles and policies stay deleted", []string{"kept"}, nil,
			func(t *testing.T, s *Service, _ *storage.DB, _ *clock.Fake) {
				h := s.Handler()
				iamOK(t, h, "Action", "CreateRole", "RoleName", "kept", "AssumeRolePolicyDocument", trust)
				iamOK(t, h, "Action", "CreateRole", "RoleName", "gone", "AssumeRolePolicyDocument", trust)
				iamOK(t, h, "Action", "CreatePolicy", "PolicyName", "mp", "Path", "/team/", "PolicyDocument", doc)
				iamOK(t, h, "Action", "AttachRolePolicy", "RoleName", "gone", "PolicyArn", mp)
				iamOK(t, h, "Action", "DetachRolePolicy", "RoleName", "gone", "PolicyArn", mp)
				iamOK(t, h, "Action", "DeletePolicy", "PolicyArn", mp)
				iamOK(t, h, "Action", "DeleteRole", "RoleName", "gone")
			},
			func(t *testing.T, s *Service) {
				h := s.Handler()
				code, _ := do(t, h, "", "Action", "GetRole", "RoleName", "gone")
				require.Equal(t, 404, code)
				code, _ = do(t, h, "", "Action", "GetPolicy", "PolicyArn", mp)
				require.Equal(t, 404, code)
				iamOK(t, h, "Action", "CreateRole", "RoleName", "gone", "AssumeRolePolicyDocument", trust)
			}},
		{"a store from before IAM was durable opens empty", nil, nil,
			func(t *testing.T, _ *Service, db *storage.DB, _ *clock.Fake) {
				require.NoError(t, db.Bucket("sqs.queues").PutJSON("us-east-1|q", map[string]string{"name": "q"}))
			},
			func(t *testing.T, s *Service) {
				require.NotContains(t, iamOK(t, s.Handler(), "Action", "ListRoles"), "<member>")
			}},
	}
	for _, tc := range cases {
		for _, crash := range []bool{false, true} {
			name := tc.name + "/clean close"
			if crash {
				name = tc.name + "/crash"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
				db := storagetest.Open(t)
				s := durableIAM(t, db, c)
				tc.build(t, s, db, c)
				before := iamSnapshot(t, s, tc.roles, tc.policies)
				if crash {
					db = storagetest.CrashCopy(t, db)
				} else {
					db = storagetest.Reopen(t, db)
				}
				// The restarted server's clock is later: dates come from the store.
				s2 := durableIAM(t, db, clock.NewFake(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
				require.Equal(t, before, iamSnapshot(t, s2, tc.roles, tc.policies))
				if tc.check != nil {
					tc.check(t, s2)
				}
			})
		}
	}
}

// TestMemoryModeWritesNothing: without a DB the service keeps no journal.
func TestMemoryModeWritesNothing(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	require.Nil(t, s.j)
	require.NoError(t, s.LoadError())
	iamOK(t, s.Handler(), "Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", `{}`)
}
