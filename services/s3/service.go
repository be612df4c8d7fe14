package s3

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Config configures the simulator.
type Config struct {
	Clock  clock.Clock
	Logger *zap.Logger
	// Region and AccountID name the server's region and account; a bucket created without a
	// LocationConstraint is in us-east-1 whatever the region, as on AWS (which, unlike
	// sfnlocal, refuses such a request sent to another region's endpoint).
	Region    string
	AccountID string
	// Store keeps the buckets and objects; nil means a new in-memory store, or a durable one
	// over DB when DB is set.
	Store Store
	// DB, when set, keeps buckets, objects, their configuration and multipart uploads
	// durably (see persist.go); nil keeps them in memory.
	DB *storage.DB
	// Hosts are the host names (without port) under which a request's Host header names a
	// bucket in its first label (virtual-hosted style, "bucket.localhost"). Nil means
	// "localhost"; hosts under s3.amazonaws.com and s3.<region>.amazonaws.com always count.
	Hosts []string
}

// Service is the S3 simulator: buckets and objects in a Store, plus the multipart uploads in
// progress, behind the S3 REST API (Handler), the aws-sdk:s3 integration (SDKIntegration) and
// a Go API (CreateBucket, PutObject, GetObject, ListObjects, ...).
type Service struct {
	cfg   Config
	store Store

	j       *journal.Journal // nil in memory mode
	loadErr error

	mu      sync.Mutex
	uploads map[string]*upload // by upload ID
	regions map[string]string  // bucket → LocationConstraint ("" = us-east-1)
	notifier
}

// Object is a stored object: its bytes and everything S3 returns about it. Objects a Service
// returns must not be modified.
type Object struct {
	Key          string
	Body         []byte
	ETag         string // quoted, as on the wire
	LastModified time.Time
	ContentType  string
	// ContentEncoding, ContentDisposition, ContentLanguage, CacheControl and Expires are
	// returned as given at upload.
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// Metadata is the user metadata (x-amz-meta-*), names lower-cased without the prefix.
	Metadata map[string]string
	// Checksums maps an algorithm (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) to its base64
	// value; ChecksumType is FULL_OBJECT or COMPOSITE (multipart, "<value>-<parts>").
	Checksums    map[string]string
	ChecksumType string
	// PartsCount is the number of parts of an object created by a multipart upload, else 0,
	// and PartSizes their sizes in order.
	PartsCount int
	PartSizes  []int64
	// Tags are the object's tag set.
	Tags map[string]string
}

// Size is the object's length in bytes.
func (o *Object) Size() int64 { return int64(len(o.Body)) }

// PutOptions are the optional attributes of PutObject.
type PutOptions struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	Metadata           map[string]string
	Tags               map[string]string
	// ChecksumAlgorithm names the checksum to compute and keep; "" keeps CRC64NVME, as S3
	// does for uploads without one.
	ChecksumAlgorithm string
	// Checksums are checksums the client sent: each is verified (BadDigest on mismatch).
	Checksums map[string]string
	// ContentMD5 is the base64 Content-MD5 the client sent, verified when set.
	ContentMD5 string
}

// New returns an empty simulator.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Hosts == nil {
		cfg.Hosts = []string{"localhost"}
	}
	st := cfg.Store
	var loadErr error
	if st == nil && cfg.DB != nil {
		st, loadErr = newDurableStore(cfg.DB, cfg.Logger)
	}
	if st == nil {
		st = NewMemoryStore()
	}
	s := &Service{cfg: cfg, store: st, uploads: map[string]*upload{}, regions: map[string]string{}, j: journal.New(cfg.DB)}
	s.notifier.init()
	if cfg.DB != nil && loadErr == nil {
		loadErr = s.load(cfg.DB)
	}
	s.loadErr = loadErr
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC().Truncate(time.Millisecond) }

// CreateBucket creates a bucket. location is its LocationConstraint ("" for us-east-1).
// Re-creating a bucket you own succeeds in us-east-1, as on AWS, and fails with
// BucketAlreadyOwnedByYou elsewhere.
func (s *Service) CreateBucket(name, location string) (err error) {
	if !validBucketName(name) {
		return errInvalidBucketName(name)
	}
	if !s.store.CreateBucket(name, s.now()) {
		s.mu.Lock()
		loc := s.regions[name]
		s.mu.Unlock()
		if (loc == "" || loc == "us-east-1") && (location == "" || location == "us-east-1") {
			return nil
		}
		return errBucketOwned(name)
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	s.regions[name] = location
	s.persistBucketConfig(name)
	s.mu.Unlock()
	return nil
}

// DeleteBucket deletes an empty bucket.
func (s *Service) DeleteBucket(name string) (err error) {
	ok, empty := s.store.DeleteBucket(name)
	if !ok {
		return errNoSuchBucket(name)
	}
	if !empty {
		return errBucketNotEmpty(name)
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	delete(s.regions, name)
	delete(s.notifications, name)
	s.forgetBucketConfig(name)
	s.mu.Unlock()
	return nil
}

// HeadBucket reports whether a bucket exists (NoSuchBucket when not).
func (s *Service) HeadBucket(name string) error {
	if _, ok := s.store.Bucket(name); !ok {
		return errNoSuchBucket(name)
	}
	return nil
}

// BucketLocation is a bucket's LocationConstraint ("" for us-east-1).
func (s *Service) BucketLocation(name string) (string, error) {
	if err := s.HeadBucket(name); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.regions[name], nil
}

// ListBuckets lists every bucket, by name.
func (s *Service) ListBuckets() []BucketInfo { return s.store.Buckets() }

// PutObject stores body at bucket/key.
func (s *Service) PutObject(bucket, key string, body []byte, opts PutOptions) (*Object, error) {
	obj, err := s.storeObject(bucket, key, body, opts)
	if err == nil {
		s.notify(bucket, "ObjectCreated:Put", "PutObject", obj, key)
	}
	return obj, err
}

// storeObject is PutObject without the event notification.
func (s *Service) storeObject(bucket, key string, body []byte, opts PutOptions) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if _, ok := s.store.Bucket(bucket); !ok {
		return nil, errNoSuchBucket(bucket)
	}
	if opts.ContentMD5 != "" {
		want, err := base64.StdEncoding.DecodeString(opts.ContentMD5)
		if err != nil || len(want) != 16 {
			return nil, &Error{Code: "InvalidDigest", Message: "The Content-MD5 you specified was invalid.", Status: 400}
		}
		if `"`+hex.EncodeToString(want)+`"` != etag(body) {
			return nil, errBadDigest("")
		}
	}
	sums := map[string]string{}
	for alg, want := range opts.Checksums {
		alg = strings.ToUpper(alg)
		if newHash(alg) == nil {
			return nil, errInvalidRequest("Value for x-amz-checksum-" + strings.ToLower(alg) + " header is invalid.")
		}
		got := checksum(alg, body)
		if got != want {
			return nil, errBadDigest(alg)
		}
		sums[alg] = got
	}
	if len(sums) == 0 {
		alg := strings.ToUpper(opts.ChecksumAlgorithm)
		if alg == "" {
			alg = CRC64NVME
		}
		if newHash(alg) == nil {
			return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		sums[alg] = checksum(alg, body)
	}
	obj := &Object{
		Key: key, Body: body, ETag: etag(body), LastModified: s.now(),
		ContentType: opts.ContentType, ContentEncoding: opts.ContentEncoding,
		ContentDisposition: opts.ContentDisposition, ContentLanguage: opts.ContentLanguage,
		CacheControl: opts.CacheControl, Expires: opts.Expires,
		Metadata: lowerKeys(opts.Metadata), Checksums: sums, ChecksumType: "FULL_OBJECT",
		Tags: maps.Clone(opts.Tags),
	}
	if obj.ContentType == "" {
		obj.ContentType = "binary/octet-stream"
	}
	if !s.store.Put(bucket, obj) {
		return nil, errNoSuchBucket(bucket)
	}
	return obj, nil
}

// GetObject returns the object at bucket/key; errors match ErrNoSuchBucket or ErrNoSuchKey.
func (s *Service) GetObject(bucket, key string) (*Object, error) {
	obj, ok := s.store.Get(bucket, key)
	if !ok {
		return nil, errNoSuchBucket(bucket)
	}
	if obj == nil {
		return nil, errNoSuchKey(key)
	}
	return obj, nil
}

// DeleteObject removes bucket/key; deleting a missing key succeeds, as on S3.
func (s *Service) DeleteObject(bucket, key string) error {
	if !s.store.Delete(bucket, key) {
		return errNoSuchBucket(bucket)
	}
	s.notify(bucket, "ObjectRemoved:Delete", "DeleteObject", nil, key)
	return nil
}

// CopyOptions are CopyObject's options.
type CopyOptions struct {
	// ReplaceMetadata takes the attributes below instead of the source's (x-amz-metadata-directive
	// REPLACE).
	ReplaceMetadata bool
	Put             PutOptions
	// ReplaceTags takes Put.Tags instead of the source's (x-amz-tagging-directive REPLACE).
	ReplaceTags bool
}

// CopyObject copies src to dst. Copying an object onto itself requires new metadata, as on S3.
func (s *Service) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, opts CopyOptions) (*Object, error) {
	src, err := s.GetObject(srcBucket, srcKey)
	if err != nil {
		return nil, err
	}
	if srcBucket == dstBucket && srcKey == dstKey && !opts.ReplaceMetadata {
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	put := opts.Put
	if !opts.ReplaceMetadata {
		put.ContentType, put.ContentEncoding, put.ContentDisposition = src.ContentType, src.ContentEncoding, src.ContentDisposition
		put.ContentLanguage, put.CacheControl, put.Expires, put.Metadata = src.ContentLanguage, src.CacheControl, src.Expires, src.Metadata
	}
	if !opts.ReplaceTags {
		put.Tags = src.Tags
	}
	if put.ChecksumAlgorithm == "" {
		for _, alg := range checksumAlgorithms {
			if _, ok := src.Checksums[alg]; ok {
				put.ChecksumAlgorithm = alg
				break
			}
		}
	}
	put.Checksums, put.ContentMD5 = nil, ""
	obj, err := s.storeObject(dstBucket, dstKey, src.Body, put)
	if err == nil {
		s.notify(dstBucket, "ObjectCreated:Copy", "CopyObject", obj, dstKey)
	}
	return obj, err
}

// ListInput selects a page of a bucket listing.
type ListInput struct {
	Prefix    string
	Delimiter string
	// After is the key (or common prefix) the page starts after: StartAfter, Marker or a
	// continuation token's key.
	After string
	// MaxKeys bounds the keys plus common prefixes returned; 0 means 1000, as on S3, and a
	// negative value an empty page (max-keys=0).
	MaxKeys int
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []*Object
	CommonPrefixes []string
	IsTruncated    bool
	// Next is what ListInput.After must be for the next page (the last key or common prefix
	// returned) when IsTruncated.
	Next string
}

// ListObjects lists a page of bucket's objects under in.Prefix, rolling keys that contain
// in.Delimiter after the prefix into common prefixes.
func (s *Service) ListObjects(bucket string, in ListInput) (*ListResult, error) {
	max := in.MaxKeys
	if max <= 0 {
		max = 1000
	}
	res := &ListResult{}
	if in.MaxKeys < 0 {
		if _, ok := s.store.Bucket(bucket); !ok {
			return nil, errNoSuchBucket(bucket)
		}
		return res, nil
	}
	after := in.After
	// Resuming after a common prefix skips every key under it.
	skipUnder := ""
	if in.Delimiter != "" && strings.HasPrefix(after, in.Prefix) && strings.HasSuffix(after, in.Delimiter) {
		skipUnder = after
	}
	last := ""
	count := 0
	ok := s.store.Walk(bucket, in.Prefix, after, func(o *Object) bool {
		if skipUnder != "" && strings.HasPrefix(o.Key, skipUnder) {
			return true
		}
		if in.Delimiter != "" {
			rest := o.Key[len(in.Prefix):]
			if i := strings.Index(rest, in.Delimiter); i >= 0 {
				cp := in.Prefix + rest[:i+len(in.Delimiter)]
				if n := len(res.CommonPrefixes); n > 0 && res.CommonPrefixes[n-1] == cp {
					return true
				}
				if count == max {
					res.IsTruncated = true
					return false
				}
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				last, count = cp, count+1
				return true
			}
		}
		if count == max {
			res.IsTruncated = true
			return false
		}
		res.Objects = append(res.Objects, o)
		last, count = o.Key, count+1
		return true
	})
	if !ok {
		return nil, errNoSuchBucket(bucket)
	}
	if res.IsTruncated {
		res.Next = last
	}
	return res, nil
}

// DeleteResult is one key's outcome in DeleteObjects.
type DeleteResult struct {
	Key string
	Err *Error
}

// DeleteObjects deletes keys from bucket.
func (s *Service) DeleteObjects(bucket string, keys []string) ([]DeleteResult, error) {
	if err := s.HeadBucket(bucket); err != nil {
		return nil, err
	}
	out := make([]DeleteResult, 0, len(keys))
	for _, k := range keys {
		var e *Error
		if err := s.DeleteObject(bucket, k); err != nil {
			e, _ = err.(*Error)
		}
		out = append(out, DeleteResult{Key: k, Err: e})
	}
	return out, nil
}

// PutObjectTagging replaces an object's tag set.
func (s *Service) PutObjectTagging(bucket, key string, tags map[string]string) error {
	obj, err := s.GetObject(bucket, key)
	if err != nil {
		return err
	}
	if len(tags) > 10 {
		return &Error{Code: "BadRequest", Message: "Object tags cannot be greater than 10", Status: 400}
	}
	cp := *obj
	cp.Tags = maps.Clone(tags)
	if !s.store.Put(bucket, &cp) {
		return errNoSuchBucket(bucket)
	}
	return nil
}

func checkKey(key string) error {
	if key == "" {
		return errInvalidArgument("Key must not be empty", "key", "")
	}
	if len(key) > 1024 {
		return errKeyTooLong()
	}
	return nil
}

// validBucketName applies S3's naming rules for new general purpose buckets.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") || net.ParseIP(name) != nil ||
		strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") ||
		strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '.') && i > 0 && i < len(name)-1:
		default:
			return false
		}
	}
	return true
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// newRequestID returns an x-amz-request-id: 16 upper-case hex digits.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// newHostID returns an x-amz-id-2 (the "Extended Request ID").
func newHostID() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
