// Package sts is sfnlocal's STS fake: GetCallerIdentity and AssumeRole over STS's query
// protocol (form-encoded Action requests, XML answers).
//
// It exists because scripts, Terraform and SDK credential chains ask STS who they are, or
// assume a role, before anything else. Nothing is enforced: AssumeRole hands out session
// credentials for any role ARN, and sfnlocal accepts every credential anyway. The caller's
// identity is the account root, or the assumed role for credentials AssumeRole issued.
//
// With Config.DB (the server's --data-dir) the sessions AssumeRole opened survive a restart
// until their credentials expire, so a client that cached its assumed-role credentials is
// still that role to GetCallerIdentity (see persist.go).
package sts

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
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

const xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"

// Config configures a Service.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	AccountID string // default 123456789012
	Region    string // default region for unsigned requests
	// DB, when set, keeps the assumed-role sessions across restarts (nil: memory only).
	DB *storage.DB
}

// Service is the STS fake.
type Service struct {
	cfg Config
	log *zap.Logger

	mu       sync.Mutex
	sessions map[string]session // by access key id

	j       *journal.Journal // nil in memory mode
	loadErr error
}

type session struct {
	arn, id string
}

// Actions is the set of Actions the fake answers, for routing unsigned requests.
var Actions = map[string]bool{"GetCallerIdentity": true, "AssumeRole": true}

// New returns a Service.
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
	s := &Service{cfg: cfg, log: log, sessions: map[string]session{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		if s.loadErr = s.load(cfg.DB); s.loadErr != nil {
			log.Error("sts: cannot read the stored sessions", zap.Error(s.loadErr))
		}
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// validSessionName: 2 to 64 of [\w+=,.@-].
func validSessionName(s string) bool { return awsproto.NameOK(s, 2, 64, "_+=,.@-") }

// Handler serves STS's query protocol.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in sts handler", zap.Any("panic", p), zap.Stack("stack"))
				awsproto.WriteQueryError(w, xmlns, &awsproto.QueryError{Status: 500, Type: "Receiver", Code: "ServiceFailure", Message: "internal error"})
			}
		}()
		if err := r.ParseForm(); err != nil {
			awsproto.WriteQueryError(w, xmlns, awsproto.SenderError(400, "MalformedQueryString", "The request could not be parsed"))
			return
		}
		region, akid := s.cfg.Region, ""
		if sc, ok := awsproto.ScopeOf(r); ok {
			region, akid = sc.Region, sc.AccessKey
		}
		partition := awsproto.Partition(region)
		action := r.Form.Get("Action")
		switch action {
		case "GetCallerIdentity":
			type result struct {
				UserID  string `xml:"UserId"`
				Account string `xml:"Account"`
				Arn     string `xml:"Arn"`
			}
			s.mu.Lock()
			sess, ok := s.sessions[akid]
			s.mu.Unlock()
			out := result{UserID: s.cfg.AccountID, Account: s.cfg.AccountID, Arn: "arn:" + partition + ":iam::" + s.cfg.AccountID + ":root"}
			if ok {
				out.UserID, out.Arn = sess.id, sess.arn
			}
			awsproto.WriteQueryResult(w, xmlns, action, out)
		case "AssumeRole":
			out, err := s.assumeRole(r, partition)
			if err != nil {
				awsproto.WriteQueryError(w, xmlns, err)
				return
			}
			awsproto.WriteQueryResult(w, xmlns, action, out)
		default:
			awsproto.WriteQueryError(w, xmlns, awsproto.SenderError(400, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2011-06-15", action)))
		}
	})
}

func validation(format string, args ...any) *awsproto.QueryError {
	return awsproto.SenderError(400, "ValidationError", fmt.Sprintf(format, args...))
}

// Credentials is STS's Credentials shape.
type Credentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

func (s *Service) assumeRole(r *http.Request, partition string) (any, *awsproto.QueryError) {
	roleArn, name := r.Form.Get("RoleArn"), r.Form.Get("RoleSessionName")
	switch {
	case roleArn == "":
		return nil, validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	case name == "":
		return nil, validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	case !validSessionName(name):
		return nil, validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", name)
	}
	f := strings.SplitN(roleArn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !strings.HasPrefix(f[5], "role/") {
		return nil, validation("%s is invalid", roleArn)
	}
	duration := 3600
	if v := r.Form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			return nil, validation("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", v)
		}
		duration = n
	}
	roleName := f[5][strings.LastIndexByte(f[5], '/')+1:]
	account := f[4]
	akid := "ASIA" + randomID(16)
	id := "AROA" + randomID(17) + ":" + name
	arn := "arn:" + f[1] + ":sts::" + account + ":assumed-role/" + roleName + "/" + name
	expires := s.cfg.Clock.Now().Add(time.Duration(duration) * time.Second)
	s.mu.Lock()
	s.sessions[akid] = session{arn: arn, id: id}
	s.persistSession(akid, arn, id, expires)
	s.mu.Unlock()
	// The session is durable before its credentials are handed out.
	if err := s.j.Sync(); err != nil {
		s.log.Error("sts store write failed", zap.Error(err))
		return nil, &awsproto.QueryError{Status: 500, Type: "Receiver", Code: "ServiceFailure", Message: err.Error()}
	}
	type assumed struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	}
	return struct {
		Credentials      Credentials `xml:"Credentials"`
		AssumedRoleUser  assumed     `xml:"AssumedRoleUser"`
		PackedPolicySize int         `xml:"PackedPolicySize,omitempty"`
		SourceIdentity   string      `xml:"SourceIdentity,omitempty"`
	}{
		Credentials: Credentials{AccessKeyID: akid, SecretAccessKey: randomToken(30), SessionToken: randomToken(180),
			Expiration: expires.UTC().Format("2006-01-02T15:04:05Z")},
		AssumedRoleUser: assumed{AssumedRoleID: id, Arn: arn},
		SourceIdentity:  r.Form.Get("SourceIdentity"),
	}, nil
}

func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
