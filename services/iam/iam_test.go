package iam

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func do(t *testing.T, h http.Handler, region string, kv ...string) (int, string) {
	t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	code, b := awsprototest.Serve(t, h, region, "iam", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, f.Encode())
	return code, string(b)
}

// TestIAM walks roles and policies through IAM's documented errors (IAM API Reference:
// CreateRole, GetRole, DeleteRole, PutRolePolicy, AttachRolePolicy, CreatePolicy, DeletePolicy).
func TestIAM(t *testing.T) {
	t.Parallel()
	s := New(Config{Clock: clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))})
	h := s.Handler()
	trust := `{"Version":"2012-10-17","Statement":[]}`
	steps := []struct {
		name   string
		region string
		kv     []string
		status int
		want   []string
	}{
		{"create", "", []string{"Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", trust, "Path", "/app/"}, 200,
			[]string{"<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">", "<CreateRoleResult>", "<Arn>arn:aws:iam::123456789012:role/app/r</Arn>", "<CreateDate>2026-01-02T03:04:05Z</CreateDate>", "<AssumeRolePolicyDocument>%7B%22Version", "<RequestId>"}},
		{"duplicate", "", []string{"Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", trust}, 409,
			[]string{"<Code>EntityAlreadyExists</Code>", "<Message>Role with name r already exists.</Message>", "<Type>Sender</Type>"}},
		{"bad document", "", []string{"Action", "CreateRole", "RoleName", "x", "AssumeRolePolicyDocument", "{"}, 400, []string{"<Code>MalformedPolicyDocument</Code>"}},
		{"bad name", "", []string{"Action", "CreateRole", "RoleName", "a b", "AssumeRolePolicyDocument", trust}, 400, []string{"<Code>ValidationError</Code>"}},
		{"get in China", "cn-north-1", []string{"Action", "GetRole", "RoleName", "r"}, 200, []string{"<Arn>arn:aws-cn:iam::123456789012:role/app/r</Arn>"}},
		{"get missing", "", []string{"Action", "GetRole", "RoleName", "nope"}, 404, []string{"<Code>NoSuchEntity</Code>", "The role with name nope cannot be found."}},
		{"inline policy", "", []string{"Action", "PutRolePolicy", "RoleName", "r", "PolicyName", "p", "PolicyDocument", `{"Statement":[]}`}, 200, []string{"<PutRolePolicyResponse"}},
		{"get inline", "", []string{"Action", "GetRolePolicy", "RoleName", "r", "PolicyName", "p"}, 200, []string{"<PolicyDocument>%7B%22Statement%22%3A%5B%5D%7D</PolicyDocument>"}},
		{"missing inline", "", []string{"Action", "GetRolePolicy", "RoleName", "r", "PolicyName", "q"}, 404, []string{"The role policy with name q cannot be found."}},
		{"delete with inline", "", []string{"Action", "DeleteRole", "RoleName", "r"}, 409, []string{"<Code>DeleteConflict</Code>", "must delete policies first"}},
		{"delete inline", "", []string{"Action", "DeleteRolePolicy", "RoleName", "r", "PolicyName", "p"}, 200, nil},
		{"create policy", "", []string{"Action", "CreatePolicy", "PolicyName", "mp", "PolicyDocument", `{"Statement":[]}`}, 200, []string{"<Arn>arn:aws:iam::123456789012:policy/mp</Arn>", "<DefaultVersionId>v1</DefaultVersionId>"}},
		{"duplicate policy", "", []string{"Action", "CreatePolicy", "PolicyName", "mp", "PolicyDocument", `{}`}, 409, []string{"A policy called mp already exists. Duplicate names are not allowed."}},
		{"attach missing", "", []string{"Action", "AttachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::123456789012:policy/none"}, 404, []string{"Policy arn:aws:iam::123456789012:policy/none does not exist or is not attachable."}},
		{"attach", "", []string{"Action", "AttachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::123456789012:policy/mp"}, 200, nil},
		{"attach AWS managed", "", []string{"Action", "AttachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess"}, 200, nil},
		{"list attached", "", []string{"Action", "ListAttachedRolePolicies", "RoleName", "r"}, 200, []string{"<PolicyName>mp</PolicyName>", "<PolicyName>AWSStepFunctionsFullAccess</PolicyName>"}},
		{"policy in use", "", []string{"Action", "DeletePolicy", "PolicyArn", "arn:aws:iam::123456789012:policy/mp"}, 409, []string{"Cannot delete a policy attached to entities."}},
		{"delete attached", "", []string{"Action", "DeleteRole", "RoleName", "r"}, 409, []string{"must detach all policies first"}},
		{"detach", "", []string{"Action", "DetachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::123456789012:policy/mp"}, 200, nil},
		{"detach again", "", []string{"Action", "DetachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::123456789012:policy/mp"}, 404, []string{"<Code>NoSuchEntity</Code>"}},
		{"detach managed", "", []string{"Action", "DetachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess"}, 200, nil},
		{"list roles", "", []string{"Action", "ListRoles"}, 200, []string{"<Roles>", "<RoleName>r</RoleName>", "<IsTruncated>false</IsTruncated>"}},
		{"delete", "", []string{"Action", "DeleteRole", "RoleName", "r"}, 200, []string{"<DeleteRoleResponse"}},
		{"delete policy", "", []string{"Action", "DeletePolicy", "PolicyArn", "arn:aws:iam::123456789012:policy/mp"}, 200, nil},
		{"unknown action", "", []string{"Action", "CreateUser"}, 400, []string{"<Code>InvalidAction</Code>"}},
	}
	for _, st := range steps {
		code, body := do(t, h, st.region, st.kv...)
		require.Equal(t, st.status, code, "%s: %s", st.name, body)
		for _, w := range st.want {
			require.Contains(t, body, w, st.name)
		}
	}
}

// FuzzHandler: no form crashes the fake or answers 5xx.
func FuzzHandler(f *testing.F) {
	f.Add("Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B%7D")
	f.Add("Action=AttachRolePolicy&RoleName=r&PolicyArn=arn:aws:iam::aws:policy/x")
	f.Add("Action=ListRoles&MaxItems=-1&Marker=99")
	s := New(Config{})
	h := s.Handler()
	f.Fuzz(func(t *testing.T, form string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", form, w.Code, w.Body.String())
		}
	})
}
