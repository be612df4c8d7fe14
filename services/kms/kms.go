// Package kms is sfnlocal's KMS fake: symmetric keys kept per region, with CreateKey,
// DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion, Encrypt, Decrypt,
// GenerateDataKey and aliases (CreateAlias, ListAliases, DeleteAlias), over KMS's awsJson1_1
// protocol (X-Amz-Target TrentService.<Operation>).
//
// It exists so that setup scripts can create the customer managed key a state machine's
// encryptionConfiguration names, and so that CreateStateMachine can check that key exists
// (KeyInfo), as AWS does. Encryption is real (AES-256-GCM under a random key per KMS key, the
// encryption context as additional data), so a Decrypt of another key's or a tampered
// ciphertext fails as on AWS. Key policies and grants are not enforced.
//
// With Config.DB (the server's --data-dir) keys survive a restart with their key material,
// so a ciphertext made before the restart decrypts after it, together with their state
// (Enabled, Disabled, PendingDeletion with its deletion date), description, creation date
// and region, and so do aliases (see persist.go).
package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

const targetPrefix = "TrentService."

// Config configures a Service.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	AccountID string // default 123456789012
	Region    string // default region for unsigned requests
	// DB, when set, keeps the keys and aliases across restarts (nil: memory only).
	DB *storage.DB
}

// Service is the KMS fake.
type Service struct {
	cfg Config
	log *zap.Logger

	mu      sync.Mutex
	keys    map[string]*key   // by ARN
	aliases map[string]string // alias ARN → key ARN

	j       *journal.Journal // nil in memory mode
	loadErr error
}

type key struct {
	region, id, arn, description, usage, spec, state string
	created                                          time.Time
	deletion                                         time.Time
	material                                         []byte
}

// New returns a Service with no keys.
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
	s := &Service{cfg: cfg, log: log, keys: map[string]*key{}, aliases: map[string]string{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		if s.loadErr = s.load(cfg.DB); s.loadErr != nil {
			log.Error("kms: cannot read the stored keys and aliases", zap.Error(s.loadErr))
		}
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// IsKMSRequest reports whether r is an (unsigned) KMS request.
func IsKMSRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// Error is a KMS error on the wire.
type Error struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
	status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func errf(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), status: http.StatusBadRequest}
}

// KeyInfo resolves a key id, key ARN, alias name or alias ARN in region, as Step Functions
// does when it checks an encryptionConfiguration. state is the key's KeyState (Enabled,
// Disabled, PendingDeletion); ok is false when there is no such key.
func (s *Service) KeyInfo(region, keyID string) (arn, state string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.resolveLocked(region, keyID)
	if err != nil {
		return "", "", false
	}
	return k.arn, k.state, true
}

func (s *Service) prefix(region string) string {
	return "arn:" + awsproto.Partition(region) + ":kms:" + region + ":" + s.cfg.AccountID + ":"
}

func (s *Service) resolveLocked(region, id string) (*key, *Error) {
	if id == "" {
		return nil, errf("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	arn := id
	switch {
	case strings.HasPrefix(id, "alias/"):
		arn = s.prefix(region) + id
		fallthrough
	case strings.HasPrefix(id, "arn:") && strings.Contains(id, ":alias/"):
		target, ok := s.aliases[arn]
		if !ok {
			return nil, errf("NotFoundException", "Alias %s is not found.", arn)
		}
		arn = target
	case !strings.HasPrefix(id, "arn:"):
		arn = s.prefix(region) + "key/" + id
	}
	k, ok := s.keys[arn]
	if !ok {
		return nil, errf("NotFoundException", "Key '%s' does not exist", arn)
	}
	return k, nil
}

// Handler serves the KMS API.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in kms handler", zap.Any("panic", p), zap.Stack("stack"))
				write(w, http.StatusInternalServerError, &Error{Type: "KMSInternalException", Message: "internal error"})
			}
		}()
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			write(w, http.StatusBadRequest, errf("SerializationException", "Could not read the request body"))
			return
		}
		var in map[string]any
		if len(strings.TrimSpace(string(body))) > 0 && json.Unmarshal(body, &in) != nil {
			write(w, http.StatusBadRequest, errf("SerializationException", "Start of structure or map found where not expected."))
			return
		}
		region := s.cfg.Region
		if sc, ok := awsproto.ScopeOf(r); ok {
			region = sc.Region
		}
		s.mu.Lock()
		out, kerr := s.dispatch(op, region, in)
		s.mu.Unlock()
		// The change is durable before it is acknowledged.
		if err := s.j.Sync(); err != nil && kerr == nil {
			s.log.Error("kms store write failed", zap.Error(err))
			kerr = &Error{Type: "KMSInternalException", Message: err.Error(), status: http.StatusInternalServerError}
		}
		if kerr != nil {
			write(w, kerr.status, kerr)
			return
		}
		write(w, http.StatusOK, out)
	})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", awsproto.NewRequestID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func str(in map[string]any, k string) string {
	v, _ := in[k].(string)
	return v
}

func newKeyID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (s *Service) metadata(k *key) map[string]any {
	m := map[string]any{
		"AWSAccountId": s.cfg.AccountID, "KeyId": k.id, "Arn": k.arn, "CreationDate": epoch(k.created),
		"Enabled": k.state == "Enabled", "Description": k.description, "KeyUsage": k.usage, "KeyState": k.state,
		"Origin": "AWS_KMS", "KeyManager": "CUSTOMER", "CustomerMasterKeySpec": k.spec, "KeySpec": k.spec,
		"EncryptionAlgorithms": []string{"SYMMETRIC_DEFAULT"}, "MultiRegion": false,
	}
	if !k.deletion.IsZero() {
		m["DeletionDate"] = epoch(k.deletion)
	}
	return m
}

func (s *Service) dispatch(op, region string, in map[string]any) (any, *Error) {
	switch op {
	case "CreateKey":
		usage, spec := str(in, "KeyUsage"), str(in, "KeySpec")
		if usage == "" {
			usage = "ENCRYPT_DECRYPT"
		}
		if spec == "" {
			spec = str(in, "CustomerMasterKeySpec")
		}
		if spec == "" {
			spec = "SYMMETRIC_DEFAULT"
		}
		if spec != "SYMMETRIC_DEFAULT" || usage != "ENCRYPT_DECRYPT" {
			return nil, errf("UnsupportedOperationException", "sfnlocal's KMS supports symmetric ENCRYPT_DECRYPT keys only")
		}
		id := newKeyID()
		material := make([]byte, 32)
		_, _ = rand.Read(material)
		k := &key{region: region, id: id, arn: s.prefix(region) + "key/" + id, description: str(in, "Description"),
			usage: usage, spec: spec, state: "Enabled", created: s.cfg.Clock.Now(), material: material}
		s.keys[k.arn] = k
		s.persistKey(k)
		return map[string]any{"KeyMetadata": s.metadata(k)}, nil
	case "DescribeKey":
		k, err := s.resolveLocked(region, str(in, "KeyId"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"KeyMetadata": s.metadata(k)}, nil
	case "ListKeys":
		out := []map[string]any{}
		for _, k := range s.keys {
			if k.region == region {
				out = append(out, map[string]any{"KeyId": k.id, "KeyArn": k.arn})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["KeyId"].(string) < out[j]["KeyId"].(string) })
		return map[string]any{"Keys": out, "Truncated": false}, nil
	case "EnableKey", "DisableKey":
		k, err := s.resolveLocked(region, str(in, "KeyId"))
		if err != nil {
			return nil, err
		}
		if k.state == "PendingDeletion" {
			return nil, errf("KMSInvalidStateException", "%s is pending deletion.", k.arn)
		}
		k.state = map[string]string{"EnableKey": "Enabled", "DisableKey": "Disabled"}[op]
		s.persistKey(k)
		return map[string]any{}, nil
	case "ScheduleKeyDeletion":
		k, err := s.resolveLocked(region, str(in, "KeyId"))
		if err != nil {
			return nil, err
		}
		days := 30
		if v, ok := in["PendingWindowInDays"].(float64); ok {
			if v < 7 || v > 30 {
				return nil, errf("ValidationException", "1 validation error detected: Value '%v' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30", v)
			}
			days = int(v)
		}
		k.state = "PendingDeletion"
		k.deletion = s.cfg.Clock.Now().Add(time.Duration(days) * 24 * time.Hour)
		s.persistKey(k)
		return map[string]any{"KeyId": k.arn, "DeletionDate": epoch(k.deletion), "KeyState": k.state, "PendingWindowInDays": days}, nil
	case "Encrypt", "GenerateDataKey":
		k, err := s.resolveLocked(region, str(in, "KeyId"))
		if err != nil {
			return nil, err
		}
		if err := unusable(k); err != nil {
			return nil, err
		}
		var plain []byte
		if op == "Encrypt" {
			p, derr := base64.StdEncoding.DecodeString(str(in, "Plaintext"))
			if derr != nil || len(p) == 0 || len(p) > 4096 {
				return nil, errf("ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096")
			}
			plain = p
		} else {
			n := 32
			if str(in, "KeySpec") == "AES_128" {
				n = 16
			}
			if v, ok := in["NumberOfBytes"].(float64); ok {
				n = int(v)
			}
			if n < 1 || n > 1024 {
				return nil, errf("ValidationException", "1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024", n)
			}
			plain = make([]byte, n)
			_, _ = rand.Read(plain)
		}
		blob := seal(k, plain, context(in))
		out := map[string]any{"CiphertextBlob": base64.StdEncoding.EncodeToString(blob), "KeyId": k.arn}
		if op == "Encrypt" {
			out["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT"
		} else {
			out["Plaintext"] = base64.StdEncoding.EncodeToString(plain)
		}
		return out, nil
	case "Decrypt":
		blob, derr := base64.StdEncoding.DecodeString(str(in, "CiphertextBlob"))
		if derr != nil || len(blob) < 36+12 {
			return nil, errf("InvalidCiphertextException", "")
		}
		k := s.keys[s.prefixFromBlob(blob)]
		if k == nil {
			return nil, errf("InvalidCiphertextException", "")
		}
		if want := str(in, "KeyId"); want != "" {
			if wk, err := s.resolveLocked(region, want); err != nil || wk != k {
				return nil, errf("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
			}
		}
		if err := unusable(k); err != nil {
			return nil, err
		}
		plain, ok := open(k, blob, context(in))
		if !ok {
			return nil, errf("InvalidCiphertextException", "")
		}
		return map[string]any{"Plaintext": base64.StdEncoding.EncodeToString(plain), "KeyId": k.arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}, nil
	case "CreateAlias":
		name := str(in, "AliasName")
		if !strings.HasPrefix(name, "alias/") || strings.HasPrefix(name, "alias/aws/") || len(name) <= len("alias/") {
			return nil, errf("ValidationException", "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
		}
		k, err := s.resolveLocked(region, str(in, "TargetKeyId"))
		if err != nil {
			return nil, err
		}
		arn := s.prefix(region) + name
		if _, ok := s.aliases[arn]; ok {
			return nil, errf("AlreadyExistsException", "An alias with the name %s already exists", arn)
		}
		s.aliases[arn] = k.arn
		s.persistAlias(arn, k.arn)
		return map[string]any{}, nil
	case "DeleteAlias":
		arn := s.prefix(region) + str(in, "AliasName")
		if _, ok := s.aliases[arn]; !ok {
			return nil, errf("NotFoundException", "Alias %s is not found.", arn)
		}
		delete(s.aliases, arn)
		s.forgetAlias(arn)
		return map[string]any{}, nil
	case "ListAliases":
		out := []map[string]any{}
		p := s.prefix(region)
		for arn, target := range s.aliases {
			if !strings.HasPrefix(arn, p) {
				continue
			}
			k := s.keys[target]
			if f := str(in, "KeyId"); f != "" && (k == nil || (f != k.id && f != k.arn)) {
				continue
			}
			item := map[string]any{"AliasName": strings.TrimPrefix(arn, p), "AliasArn": arn}
			if k != nil {
				item["TargetKeyId"] = k.id
			}
			out = append(out, item)
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["AliasName"].(string) < out[j]["AliasName"].(string) })
		return map[string]any{"Aliases": out, "Truncated": false}, nil
	}
	return nil, errf("UnknownOperationException", "")
}

// unusable refuses a key that is not enabled.
func unusable(k *key) *Error {
	switch k.state {
	case "Enabled":
		return nil
	case "Disabled":
		return errf("DisabledException", "%s is disabled.", k.arn)
	}
	return errf("KMSInvalidStateException", "%s is pending deletion.", k.arn)
}

// Ciphertext blobs are the key's UUID (36 bytes), a 12-byte nonce and the AES-GCM sealed data.
func seal(k *key, plain, aad []byte) []byte {
	block, _ := aes.NewCipher(k.material)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	out := append([]byte(k.id), nonce...)
	return gcm.Seal(out, nonce, plain, aad)
}

func open(k *key, blob, aad []byte) ([]byte, bool) {
	block, _ := aes.NewCipher(k.material)
	gcm, _ := cipher.NewGCM(block)
	nonce, sealed := blob[36:36+gcm.NonceSize()], blob[36+gcm.NonceSize():]
	plain, err := gcm.Open(nil, nonce, sealed, aad)
	return plain, err == nil
}

// prefixFromBlob finds the ARN of the key that made blob.
func (s *Service) prefixFromBlob(blob []byte) string {
	id := string(blob[:36])
	for arn, k := range s.keys {
		if k.id == id {
			return arn
		}
	}
	return ""
}

// context renders an EncryptionContext as additional authenticated data, sorted by key.
func context(in map[string]any) []byte {
	m, _ := in["EncryptionContext"].(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v, _ := m[k].(string)
		fmt.Fprintf(&b, "%d:%s=%d:%s;", len(k), k, len(v), v)
	}
	return []byte(b.String())
}
