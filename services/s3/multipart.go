package s3

import (
	"bytes"
	"encoding/base64"
	"sort"
	"strings"
	"time"
)

// upload is a multipart upload in progress.
type upload struct {
	id, bucket, key string
	initiated       time.Time
	opts            PutOptions
	// alg is the checksum algorithm the parts carry ("" for none); checksumType is
	// COMPOSITE or FULL_OBJECT.
	alg, checksumType string
	parts             map[int]*Part
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number       int
	ETag         string
	Body         []byte
	LastModified time.Time
	// Checksum is the part's base64 checksum under the upload's algorithm, if it has one.
	Checksum string
}

// Upload describes a multipart upload in progress.
type Upload struct {
	ID, Bucket, Key   string
	Initiated         time.Time
	ChecksumAlgorithm string
	ChecksumType      string
}

// minPartSize is the smallest size of every part but the last.
const minPartSize = 5 << 20

// CreateMultipartUpload starts a multipart upload. checksumType is "" (COMPOSITE for SHA and
// CRC32/CRC32C checksums, FULL_OBJECT for CRC64NVME), COMPOSITE or FULL_OBJECT.
func (s *Service) CreateMultipartUpload(bucket, key string, opts PutOptions, checksumType string) (*Upload, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := s.HeadBucket(bucket); err != nil {
		return nil, err
	}
	alg := strings.ToUpper(opts.ChecksumAlgorithm)
	if alg != "" && newHash(alg) == nil {
		return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	checksumType = strings.ToUpper(checksumType)
	switch {
	case checksumType == "" && alg == CRC64NVME, checksumType == "" && alg == "":
		checksumType = "FULL_OBJECT"
	case checksumType == "":
		checksumType = "COMPOSITE"
	case checksumType == "FULL_OBJECT" && (alg == SHA1 || alg == SHA256),
		checksumType == "COMPOSITE" && alg == CRC64NVME:
		return nil, errInvalidRequest("The " + checksumType + " checksum type cannot be used with the " + strings.ToLower(alg) + " checksum algorithm.")
	case checksumType != "FULL_OBJECT" && checksumType != "COMPOSITE":
		return nil, errInvalidRequest("Value for x-amz-checksum-type header is invalid.")
	}
	u := &upload{id: newUploadID(), bucket: bucket, key: key, initiated: s.now(), opts: opts, alg: alg,
		checksumType: checksumType, parts: map[int]*Part{}}
	s.mu.Lock()
	s.uploads[u.id] = u
	s.persistUpload(u)
	s.mu.Unlock()
	if err := s.j.Sync(); err != nil {
		return nil, err
	}
	return &Upload{ID: u.id, Bucket: bucket, Key: key, Initiated: u.initiated, ChecksumAlgorithm: alg, ChecksumType: checksumType}, nil
}

func (s *Service) findUpload(bucket, key, id string) (*upload, error) {
	if err := s.HeadBucket(bucket); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok || u.bucket != bucket || u.key != key {
		return nil, errNoSuchUpload(id)
	}
	return u, nil
}

// UploadPart stores part number n (1..10000) of an upload. checksums are the checksums the
// client sent for the part, verified.
func (s *Service) UploadPart(bucket, key, id string, n int, body []byte, checksums map[string]string, contentMD5 string) (*Part, error) {
	if n < 1 || n > 10000 {
		return nil, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", itoa(n))
	}
	u, err := s.findUpload(bucket, key, id)
	if err != nil {
		return nil, err
	}
	if contentMD5 != "" {
		want, err := base64.StdEncoding.DecodeString(contentMD5)
		if err != nil || len(want) != 16 || base64.StdEncoding.EncodeToString(want) != contentMD5 {
			return nil, &Error{Code: "InvalidDigest", Message: "The Content-MD5 you specified was invalid.", Status: 400}
		}
		if sum := etag(body); !strings.EqualFold(sum, `"`+hexOf(want)+`"`) {
			return nil, errBadDigest("")
		}
	}
	for alg, want := range checksums {
		alg = strings.ToUpper(alg)
		if newHash(alg) == nil {
			return nil, errInvalidRequest("Value for x-amz-checksum-" + strings.ToLower(alg) + " header is invalid.")
		}
		if checksum(alg, body) != want {
			return nil, errBadDigest(alg)
		}
	}
	p := &Part{Number: n, ETag: etag(body), Body: body, LastModified: s.now()}
	if u.alg != "" {
		p.Checksum = checksum(u.alg, body)
	}
	s.mu.Lock()
	u.parts[n] = p
	s.persistPart(u, p)
	s.mu.Unlock()
	if err := s.j.Sync(); err != nil {
		return nil, err
	}
	return p, nil
}

// CompletedPart names a part in CompleteMultipartUpload.
type CompletedPart struct {
	Number int
	ETag   string
}

// CompleteMultipartUpload assembles the listed parts, in ascending order, into the object.
func (s *Service) CompleteMultipartUpload(bucket, key, id string, parts []CompletedPart) (*Object, error) {
	u, err := s.findUpload(bucket, key, id)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, errInvalidRequest("You must specify at least one part")
	}
	s.mu.Lock()
	chosen := make([]*Part, 0, len(parts))
	for i, cp := range parts {
		if i > 0 && cp.Number <= parts[i-1].Number {
			s.mu.Unlock()
			return nil, &Error{Code: "InvalidPartOrder", Message: "The list of parts was not in ascending order. Parts must be ordered by part number.", Status: 400, Fields: [][2]string{{"UploadId", id}}}
		}
		p, ok := u.parts[cp.Number]
		if !ok || strings.Trim(cp.ETag, `"`) != strings.Trim(p.ETag, `"`) {
			s.mu.Unlock()
			return nil, errInvalidPart("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
		}
		chosen = append(chosen, p)
	}
	s.mu.Unlock()
	for i, p := range chosen[:len(chosen)-1] {
		if len(p.Body) < minPartSize {
			return nil, &Error{Code: "EntityTooSmall", Message: "Your proposed upload is smaller than the minimum allowed size", Status: 400,
				Fields: [][2]string{{"ProposedSize", itoa(len(p.Body))}, {"MinSizeAllowed", itoa(minPartSize)}, {"PartNumber", itoa(parts[i].Number)}, {"ETag", p.ETag}}}
		}
	}
	var size int
	for _, p := range chosen {
		size += len(p.Body)
	}
	body := make([]byte, 0, size)
	etags := make([]string, 0, len(chosen))
	var raw bytes.Buffer
	for _, p := range chosen {
		body = append(body, p.Body...)
		etags = append(etags, p.ETag)
		if u.alg != "" {
			b, _ := base64.StdEncoding.DecodeString(p.Checksum)
			raw.Write(b)
		}
	}
	opts := u.opts
	opts.Checksums, opts.ContentMD5 = nil, ""
	if u.checksumType == "FULL_OBJECT" && opts.ChecksumAlgorithm == "" {
		opts.ChecksumAlgorithm = CRC64NVME
	}
	obj, err := s.storeObject(bucket, key, body, opts)
	if err != nil {
		return nil, err
	}
	cp := *obj
	cp.ETag = multipartETag(etags)
	cp.PartsCount = len(chosen)
	cp.PartSizes = make([]int64, len(chosen))
	for i, p := range chosen {
		cp.PartSizes[i] = int64(len(p.Body))
	}
	if u.checksumType == "COMPOSITE" {
		cp.ChecksumType = "COMPOSITE"
		cp.Checksums = map[string]string{u.alg: checksum(u.alg, raw.Bytes()) + "-" + itoa(len(chosen))}
	}
	if !s.store.Put(bucket, &cp) {
		return nil, errNoSuchBucket(bucket)
	}
	s.mu.Lock()
	delete(s.uploads, id)
	s.forgetUpload(id)
	s.mu.Unlock()
	if err := s.j.Sync(); err != nil {
		return nil, err
	}
	s.notify(bucket, "ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload", &cp, key)
	return &cp, nil
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(bucket, key, id string) error {
	if _, err := s.findUpload(bucket, key, id); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.uploads, id)
	s.forgetUpload(id)
	s.mu.Unlock()
	return s.j.Sync()
}

// ListParts lists an upload's parts numbered above after, at most max (0 means 1000).
func (s *Service) ListParts(bucket, key, id string, after, max int) (parts []*Part, up *Upload, truncated bool, err error) {
	u, err := s.findUpload(bucket, key, id)
	if err != nil {
		return nil, nil, false, err
	}
	if max <= 0 {
		max = 1000
	}
	s.mu.Lock()
	for _, p := range u.parts {
		if p.Number > after {
			parts = append(parts, p)
		}
	}
	s.mu.Unlock()
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	if len(parts) > max {
		parts, truncated = parts[:max], true
	}
	return parts, &Upload{ID: u.id, Bucket: u.bucket, Key: u.key, Initiated: u.initiated, ChecksumAlgorithm: u.alg, ChecksumType: u.checksumType}, truncated, nil
}

// ListMultipartUploads lists the uploads in progress in bucket whose keys start with prefix.
func (s *Service) ListMultipartUploads(bucket, prefix string) ([]Upload, error) {
	if err := s.HeadBucket(bucket); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []Upload
	for _, u := range s.uploads {
		if u.bucket == bucket && strings.HasPrefix(u.key, prefix) {
			out = append(out, Upload{ID: u.id, Bucket: u.bucket, Key: u.key, Initiated: u.initiated, ChecksumAlgorithm: u.alg, ChecksumType: u.checksumType})
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Initiated.Before(out[j].Initiated)
	})
	return out, nil
}

func newUploadID() string {
	return strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(newRequestID()+newRequestID()+newRequestID())), "=")
}
