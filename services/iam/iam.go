// Package iam is sfnlocal's IAM fake: roles, their inline policies, managed policies and the
// attachments between them, over IAM's query protocol (form-encoded Action requests, XML
// answers, errors such as NoSuchEntity and EntityAlreadyExists).
//
// It exists because setup scripts, Terraform and test suites create the execution role before
// the state machine, and stop at the first call that fails. Nothing is enforced: sfnlocal never
// evaluates a policy, and a Task's Credentials.RoleArn need not name a role created here. IAM
// is global, so there is one store for every region; ARNs take the partition of the region
// the request was signed for.
//
// With Config.DB (the server's --data-dir) roles, with their inline policies, attached
// policies and tags, and customer managed policies survive a restart with the same names,
// ids, paths, documents and creation dates; deleted ones stay deleted (see persist.go).
package iam

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// xmlns is IAM's XML namespace.
const xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"

// Config configures a Service.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	AccountID string // default 123456789012
	Region    string // default region, for unsigned requests (its partition is used)
	// DB, when set, keeps the roles and policies across restarts (nil: memory only).
	DB *storage.DB
}

// Service is the IAM fake.
type Service struct {
	cfg Config
	log *zap.Logger

	mu       sync.Mutex
	roles    map[string]*role   // by name
	policies map[string]*policy // by ARN

	j       *journal.Journal // nil in memory mode
	loadErr error
}

type role struct {
	Name, Path, ID, Description, AssumeRolePolicy string
	MaxSessionDuration                            int
	Created                                       time.Time
	Inline                                        map[string]string // policy name → document
	Attached                                      []string          // policy ARNs, in attach order
	Tags                                          []Tag
}

type policy struct {
	Name, Path, ID, Description, Document, Arn string
	Created                                    time.Time
	Attachments                                int
}

// Tag is an IAM tag.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// New returns an empty Service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Service{cfg: cfg, log: log, roles: map[string]*role{}, policies: map[string]*policy{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		if s.loadErr = s.load(cfg.DB); s.loadErr != nil {
			log.Error("iam: cannot read the stored roles and policies", zap.Error(s.loadErr))
		}
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// Actions is the set of Actions the fake answers, for routing unsigned requests.
var Actions = map[string]bool{
	"CreateRole": true, "GetRole": true, "ListRoles": true, "DeleteRole": true, "UpdateRole": true,
	"PutRolePolicy": true, "GetRolePolicy": true, "DeleteRolePolicy": true, "ListRolePolicies": true,
	"AttachRolePolicy": true, "DetachRolePolicy": true, "ListAttachedRolePolicies": true,
	"CreatePolicy": true, "GetPolicy": true, "ListPolicies": true, "DeletePolicy": true,
	"TagRole": true, "ListRoleTags": true, "UntagRole": true,
}

// Handler serves IAM's query protocol.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in iam handler", zap.Any("panic", p), zap.Stack("stack"))
				awsproto.WriteQueryError(w, xmlns, &awsproto.QueryError{Status: 500, Type: "Receiver", Code: "ServiceFailure", Message: "internal error"})
			}
		}()
		if err := r.ParseForm(); err != nil {
			awsproto.WriteQueryError(w, xmlns, awsproto.SenderError(400, "MalformedQueryString", "The request could not be parsed"))
			return
		}
		partition := awsproto.Partition(s.cfg.Region)
		if sc, ok := awsproto.ScopeOf(r); ok {
			partition = awsproto.Partition(sc.Region)
		}
		action := r.Form.Get("Action")
		out, err := s.dispatch(action, r.Form, partition)
		// The change is durable before it is acknowledged (dispatch has unlocked).
		if serr := s.j.Sync(); serr != nil && err == nil {
			s.log.Error("iam store write failed", zap.Error(serr))
			err = &awsproto.QueryError{Status: 500, Type: "Receiver", Code: "ServiceFailure", Message: serr.Error()}
		}
		if err != nil {
			awsproto.WriteQueryError(w, xmlns, err)
			return
		}
		awsproto.WriteQueryResult(w, xmlns, action, out)
	})
}

func noSuchEntity(format string, args ...any) *awsproto.QueryError {
	return awsproto.SenderError(404, "NoSuchEntity", fmt.Sprintf(format, args...))
}

func alreadyExists(format string, args ...any) *awsproto.QueryError {
	return awsproto.SenderError(409, "EntityAlreadyExists", fmt.Sprintf(format, args...))
}

func validation(format string, args ...any) *awsproto.QueryError {
	return awsproto.SenderError(400, "ValidationError", fmt.Sprintf(format, args...))
}

var namePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]+$`) })

// required checks a required name parameter against IAM's length and pattern.
func required(f url.Values, member string, max int) (string, *awsproto.QueryError) {
	v := f.Get(member)
	switch {
	case v == "":
		return "", validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(member))
	case len(v) > max:
		return "", validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, lowerFirst(member), max)
	case !namePattern().MatchString(v):
		return "", validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, lowerFirst(member))
	}
	return v, nil
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// path reads an optional Path (default "/"), which must begin and end with "/".
func path(f url.Values) (string, *awsproto.QueryError) {
	p := f.Get("Path")
	if p == "" {
		return "/", nil
	}
	if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		return "", validation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return p, nil
}

// newID returns an IAM unique id: a 4-letter prefix and 17 upper-case letters and digits.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [17]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b[:])
}

func (s *Service) roleArn(partition string, r *role) string {
	return "arn:" + partition + ":iam::" + s.cfg.AccountID + ":role" + r.Path + r.Name
}

// policyArn names a customer managed policy.
func (s *Service) policyArn(partition, path, name string) string {
	return "arn:" + partition + ":iam::" + s.cfg.AccountID + ":policy" + path + name
}

// isAWSManaged reports whether arn names an AWS managed policy
// (arn:<partition>:iam::aws:policy/...), which always exist here.
func isAWSManaged(arn string) bool {
	f := strings.SplitN(arn, ":", 6)
	return len(f) == 6 && f[0] == "arn" && f[2] == "iam" && f[4] == "aws" && strings.HasPrefix(f[5], "policy/")
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// tags reads Tags.member.N.Key/Value.
func tags(f url.Values) []Tag {
	var out []Tag
	for i := 1; ; i++ {
		k := f.Get("Tags.member." + strconv.Itoa(i) + ".Key")
		if k == "" {
			return out
		}
		out = append(out, Tag{Key: k, Value: f.Get("Tags.member." + strconv.Itoa(i) + ".Value")})
	}
}

// Role is IAM's Role shape.
type Role struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleID                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string `xml:"Description,omitempty"`
	MaxSessionDuration       int    `xml:"MaxSessionDuration"`
	Tags                     []Tag  `xml:"Tags>member,omitempty"`
}

func (s *Service) roleOut(partition string, r *role) Role {
	return Role{Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: s.roleArn(partition, r), CreateDate: isoTime(r.Created),
		AssumeRolePolicyDocument: url.QueryEscape(r.AssumeRolePolicy), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, Tags: r.Tags}
}

// Policy is IAM's Policy shape.
type Policy struct {
	PolicyName                    string `xml:"PolicyName"`
	PolicyID                      string `xml:"PolicyId"`
	Arn                           string `xml:"Arn"`
	Path                          string `xml:"Path"`
	DefaultVersionID              string `xml:"DefaultVersionId"`
	AttachmentCount               int    `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool   `xml:"IsAttachable"`
	Description                   string `xml:"Description,omitempty"`
	CreateDate                    string `xml:"CreateDate"`
	UpdateDate                    string `xml:"UpdateDate"`
}

func policyOut(p *policy) Policy {
	return Policy{PolicyName: p.Name, PolicyID: p.ID, Arn: p.Arn, Path: p.Path, DefaultVersionID: "v1",
		AttachmentCount: p.Attachments, IsAttachable: true, Description: p.Description,
		CreateDate: isoTime(p.Created), UpdateDate: isoTime(p.Created)}
}

// RoleArn returns the ARN of the role name in the default partition, for tests and embedders.
func (s *Service) RoleArn(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roles[name]
	if !ok {
		return "", false
	}
	return s.roleArn(awsproto.Partition(s.cfg.Region), r), true
}

func (s *Service) dispatch(action string, f url.Values, partition string) (any, *awsproto.QueryError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch action {
	case "CreateRole":
		name, err := required(f, "RoleName", 64)
		if err != nil {
			return nil, err
		}
		doc := f.Get("AssumeRolePolicyDocument")
		if doc == "" {
			return nil, validation("1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null")
		}
		if !jsonObject(doc) {
			return nil, awsproto.SenderError(400, "MalformedPolicyDocument", "This policy contains invalid Json")
		}
		p, err := path(f)
		if err != nil {
			return nil, err
		}
		if _, ok := s.roles[name]; ok {
			return nil, alreadyExists("Role with name %s already exists.", name)
		}
		maxSession := 3600
		if v := f.Get("MaxSessionDuration"); v != "" {
			n, cerr := strconv.Atoi(v)
			if cerr != nil || n < 3600 || n > 43200 {
				return nil, validation("1 validation error detected: Value '%s' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", v)
			}
			maxSession = n
		}
		r := &role{Name: name, Path: p, ID: newID("AROA"), Description: f.Get("Description"), AssumeRolePolicy: doc,
			MaxSessionDuration: maxSession, Created: s.cfg.Clock.Now(), Inline: map[string]string{}, Tags: tags(f)}
		s.roles[name] = r
		s.persistRole(r)
		return struct {
			Role Role `xml:"Role"`
		}{s.roleOut(partition, r)}, nil
	case "GetRole":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		return struct {
			Role Role `xml:"Role"`
		}{s.roleOut(partition, r)}, nil
	case "UpdateRole":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		if f.Has("Description") {
			r.Description = f.Get("Description")
		}
		if v := f.Get("MaxSessionDuration"); v != "" {
			if n, cerr := strconv.Atoi(v); cerr == nil {
				r.MaxSessionDuration = n
			}
		}
		s.persistRole(r)
		return struct{}{}, nil
	case "ListRoles":
		prefix := f.Get("PathPrefix")
		if prefix == "" {
			prefix = "/"
		}
		var out []Role
		for _, r := range s.roles {
			if strings.HasPrefix(r.Path, prefix) {
				out = append(out, s.roleOut(partition, r))
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].RoleName < out[j].RoleName })
		items, marker := page(out, f)
		return listResult("Roles", items, marker), nil
	case "DeleteRole":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		if len(r.Attached) > 0 {
			return nil, awsproto.SenderError(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		if len(r.Inline) > 0 {
			return nil, awsproto.SenderError(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		delete(s.roles, r.Name)
		s.forgetRole(r.Name)
		return nil, nil
	case "TagRole":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		for _, t := range tags(f) {
			r.Tags = setTag(r.Tags, t)
		}
		s.persistRole(r)
		return nil, nil
	case "UntagRole":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		for i := 1; f.Get("TagKeys.member."+strconv.Itoa(i)) != ""; i++ {
			k := f.Get("TagKeys.member." + strconv.Itoa(i))
			kept := r.Tags[:0]
			for _, t := range r.Tags {
				if t.Key != k {
					kept = append(kept, t)
				}
			}
			r.Tags = kept
		}
		s.persistRole(r)
		return nil, nil
	case "ListRoleTags":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		return struct {
			Tags        []Tag `xml:"Tags>member"`
			IsTruncated bool  `xml:"IsTruncated"`
		}{r.Tags, false}, nil
	case "PutRolePolicy":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		name, err := required(f, "PolicyName", 128)
		if err != nil {
			return nil, err
		}
		doc := f.Get("PolicyDocument")
		if !jsonObject(doc) {
			return nil, awsproto.SenderError(400, "MalformedPolicyDocument", "Syntax errors in policy.")
		}
		r.Inline[name] = doc
		s.persistRole(r)
		return nil, nil
	case "GetRolePolicy":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		name := f.Get("PolicyName")
		doc, ok := r.Inline[name]
		if !ok {
			return nil, noSuchEntity("The role policy with name %s cannot be found.", name)
		}
		return struct {
			RoleName       string `xml:"RoleName"`
			PolicyName     string `xml:"PolicyName"`
			PolicyDocument string `xml:"PolicyDocument"`
		}{r.Name, name, url.QueryEscape(doc)}, nil
	case "DeleteRolePolicy":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		name := f.Get("PolicyName")
		if _, ok := r.Inline[name]; !ok {
			return nil, noSuchEntity("The role policy with name %s cannot be found.", name)
		}
		delete(r.Inline, name)
		s.persistRole(r)
		return nil, nil
	case "ListRolePolicies":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(r.Inline))
		for n := range r.Inline {
			names = append(names, n)
		}
		sort.Strings(names)
		return struct {
			PolicyNames []string `xml:"PolicyNames>member"`
			IsTruncated bool     `xml:"IsTruncated"`
		}{names, false}, nil
	case "AttachRolePolicy":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		arn := f.Get("PolicyArn")
		p := s.policies[arn]
		if p == nil && !isAWSManaged(arn) {
			return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
		}
		for _, a := range r.Attached {
			if a == arn {
				return nil, nil
			}
		}
		r.Attached = append(r.Attached, arn)
		s.persistRole(r)
		if p != nil {
			p.Attachments++
		}
		return nil, nil
	case "DetachRolePolicy":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		arn := f.Get("PolicyArn")
		for i, a := range r.Attached {
			if a == arn {
				r.Attached = append(r.Attached[:i], r.Attached[i+1:]...)
				s.persistRole(r)
				if p := s.policies[arn]; p != nil {
					p.Attachments--
				}
				return nil, nil
			}
		}
		return nil, noSuchEntity("Policy %s was not found.", arn)
	case "ListAttachedRolePolicies":
		r, err := s.role(f)
		if err != nil {
			return nil, err
		}
		type attached struct {
			PolicyName string `xml:"PolicyName"`
			PolicyArn  string `xml:"PolicyArn"`
		}
		out := []attached{}
		for _, a := range r.Attached {
			out = append(out, attached{PolicyName: a[strings.LastIndexByte(a, '/')+1:], PolicyArn: a})
		}
		return struct {
			AttachedPolicies []attached `xml:"AttachedPolicies>member"`
			IsTruncated      bool       `xml:"IsTruncated"`
		}{out, false}, nil
	case "CreatePolicy":
		name, err := required(f, "PolicyName", 128)
		if err != nil {
			return nil, err
		}
		doc := f.Get("PolicyDocument")
		if !jsonObject(doc) {
			return nil, awsproto.SenderError(400, "MalformedPolicyDocument", "Syntax errors in policy.")
		}
		p, err := path(f)
		if err != nil {
			return nil, err
		}
		arn := s.policyArn(partition, p, name)
		if _, ok := s.policies[arn]; ok {
			return nil, alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
		pol := &policy{Name: name, Path: p, ID: newID("ANPA"), Description: f.Get("Description"), Document: doc, Arn: arn, Created: s.cfg.Clock.Now()}
		s.policies[arn] = pol
		s.persistPolicy(pol)
		return struct {
			Policy Policy `xml:"Policy"`
		}{policyOut(pol)}, nil
	case "GetPolicy":
		arn := f.Get("PolicyArn")
		p := s.policies[arn]
		if p == nil {
			if isAWSManaged(arn) {
				name := arn[strings.LastIndexByte(arn, '/')+1:]
				p = &policy{Name: name, Path: "/", ID: "ANPA" + strings.ToUpper(fmt.Sprintf("%017x", len(name)))[:17], Arn: arn}
			} else {
				return nil, noSuchEntity("Policy %s was not found.", arn)
			}
		}
		return struct {
			Policy Policy `xml:"Policy"`
		}{policyOut(p)}, nil
	case "ListPolicies":
		var out []Policy
		if f.Get("Scope") != "AWS" {
			for _, p := range s.policies {
				if strings.HasPrefix(p.Path, f.Get("PathPrefix")) && (f.Get("OnlyAttached") != "true" || p.Attachments > 0) {
					out = append(out, policyOut(p))
				}
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].PolicyName < out[j].PolicyName })
		items, marker := page(out, f)
		return listResult("Policies", items, marker), nil
	case "DeletePolicy":
		arn := f.Get("PolicyArn")
		p := s.policies[arn]
		if p == nil {
			return nil, noSuchEntity("Policy %s was not found.", arn)
		}
		if p.Attachments > 0 {
			return nil, awsproto.SenderError(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
		}
		delete(s.policies, arn)
		s.forgetPolicy(arn)
		return nil, nil
	}
	return nil, awsproto.SenderError(400, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2010-05-08", action))
}

func (s *Service) role(f url.Values) (*role, *awsproto.QueryError) {
	name, err := required(f, "RoleName", 64)
	if err != nil {
		return nil, err
	}
	r, ok := s.roles[name]
	if !ok {
		return nil, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func setTag(ts []Tag, t Tag) []Tag {
	for i := range ts {
		if ts[i].Key == t.Key {
			ts[i].Value = t.Value
			return ts
		}
	}
	return append(ts, t)
}

// page applies Marker/MaxItems (default 100).
func page[T any](items []T, f url.Values) ([]T, string) {
	start, _ := strconv.Atoi(f.Get("Marker"))
	if start < 0 || start > len(items) {
		start = len(items)
	}
	size, _ := strconv.Atoi(f.Get("MaxItems"))
	if size <= 0 || size > 1000 {
		size = 100
	}
	end := min(start+size, len(items))
	if end < len(items) {
		return items[start:end], strconv.Itoa(end)
	}
	return items[start:end], ""
}

// listResult renders <Key><member/>...</Key><IsTruncated/>[<Marker/>].
func listResult[T any](key string, items []T, marker string) any {
	switch key {
	case "Roles":
		return struct {
			Items       []T    `xml:"Roles>member"`
			IsTruncated bool   `xml:"IsTruncated"`
			Marker      string `xml:"Marker,omitempty"`
		}{items, marker != "", marker}
	default:
		return struct {
			Items       []T    `xml:"Policies>member"`
			IsTruncated bool   `xml:"IsTruncated"`
			Marker      string `xml:"Marker,omitempty"`
		}{items, marker != "", marker}
	}
}

// jsonObject reports whether doc is a JSON object, as a policy document must be.
func jsonObject(doc string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(doc), &m) == nil
}
