package s3

// The multipart upload operations of the REST API.

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func (s *Service) listUploads(rw *responder, bucket string, q url.Values) error {
	ups, err := s.ListMultipartUploads(bucket, q.Get("prefix"))
	if err != nil {
		return err
	}
	out := listMultipartUploadsResult{Xmlns: xmlns, Bucket: bucket, Prefix: q.Get("prefix"), MaxUploads: 1000}
	for _, u := range ups {
		out.Uploads = append(out.Uploads, xmlUpload{Key: u.Key, UploadID: u.ID, Initiator: s.owner(), Owner: s.owner(),
			StorageClass: "STANDARD", Initiated: isoTime(u.Initiated), ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType})
	}
	return rw.xml(200, out)
}

func (s *Service) createUpload(rw *responder, r *http.Request, bucket, key string) error {
	opts, err := putOptions(r)
	if err != nil {
		return err
	}
	u, err := s.CreateMultipartUpload(bucket, key, opts, r.Header.Get("X-Amz-Checksum-Type"))
	if err != nil {
		return err
	}
	h := rw.w.Header()
	if u.ChecksumAlgorithm != "" {
		h.Set("x-amz-checksum-algorithm", u.ChecksumAlgorithm)
	}
	h.Set("x-amz-checksum-type", u.ChecksumType)
	h.Set("x-amz-server-side-encryption", "AES256")
	return rw.xml(200, initiateMultipartUploadResult{Xmlns: xmlns, Bucket: bucket, Key: key, UploadID: u.ID})
}

func (s *Service) uploadPart(rw *responder, r *http.Request, bucket, key string, q url.Values) error {
	n, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil {
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", q.Get("partNumber"))
	}
	id := q.Get("uploadId")
	if cs := r.Header.Get("X-Amz-Copy-Source"); cs != "" {
		srcBucket, srcKey, err := copySource(cs)
		if err != nil {
			return err
		}
		src, err := s.GetObject(srcBucket, srcKey)
		if err != nil {
			return err
		}
		body := src.Body
		if rng := r.Header.Get("X-Amz-Copy-Source-Range"); rng != "" {
			start, end, ok, err := parseRange(rng, src.Size())
			if err != nil || !ok || end >= src.Size() {
				return errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", rng)
			}
			body = body[start : end+1]
		}
		p, err := s.UploadPart(bucket, key, id, n, body, nil, "")
		if err != nil {
			return err
		}
		return rw.xml(200, copyPartResult{Xmlns: xmlns, LastModified: isoTime(p.LastModified), ETag: p.ETag})
	}
	body, sums, err := readBody(r, MaxObjectSize)
	if err != nil {
		return err
	}
	p, err := s.UploadPart(bucket, key, id, n, body, sums, r.Header.Get("Content-Md5"))
	if err != nil {
		return err
	}
	h := rw.w.Header()
	h.Set("ETag", p.ETag)
	h.Set("x-amz-server-side-encryption", "AES256")
	for alg := range sums {
		h.Set("x-amz-checksum-"+strings.ToLower(alg), sums[alg])
	}
	return rw.empty(200)
}

func (s *Service) completeUpload(rw *responder, r *http.Request, bucket, key string, q url.Values) error {
	body, err := readSmall(r)
	if err != nil {
		return err
	}
	var req completeMultipartUpload
	if err := xml.Unmarshal(body, &req); err != nil {
		return errMalformedXML()
	}
	parts := make([]CompletedPart, len(req.Parts))
	for i, p := range req.Parts {
		parts[i] = CompletedPart{Number: p.PartNumber, ETag: p.ETag}
	}
	obj, err := s.CompleteMultipartUpload(bucket, key, q.Get("uploadId"), parts)
	if err != nil {
		return err
	}
	out := completeMultipartUploadResult{Xmlns: xmlns, Location: "/" + bucket + "/" + key, Bucket: bucket, Key: key, ETag: obj.ETag, ChecksumType: obj.ChecksumType}
	out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = obj.Checksums[CRC32], obj.Checksums[CRC32C], obj.Checksums[CRC64NVME]
	out.ChecksumSHA1, out.ChecksumSHA256 = obj.Checksums[SHA1], obj.Checksums[SHA256]
	rw.w.Header().Set("x-amz-server-side-encryption", "AES256")
	return rw.xml(200, out)
}

func (s *Service) listParts(rw *responder, bucket, key string, q url.Values) error {
	after, _ := strconv.Atoi(q.Get("part-number-marker"))
	maxParts := 1000
	if mp := q.Get("max-parts"); mp != "" {
		n, err := strconv.Atoi(mp)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-parts not an integer or within integer range", "max-parts", mp)
		}
		maxParts = min(max(n, 1), 1000)
	}
	parts, u, truncated, err := s.ListParts(bucket, key, q.Get("uploadId"), after, maxParts)
	if err != nil {
		return err
	}
	out := listPartsResult{Xmlns: xmlns, Bucket: bucket, Key: key, UploadID: u.ID, Initiator: s.owner(), Owner: s.owner(),
		StorageClass: "STANDARD", PartNumberMarker: after, MaxParts: maxParts, IsTruncated: truncated,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType}
	for _, p := range parts {
		xp := xmlPart{PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: p.ETag, Size: int64(len(p.Body))}
		switch u.ChecksumAlgorithm {
		case CRC32:
			xp.ChecksumCRC32 = p.Checksum
		case CRC32C:
			xp.ChecksumCRC32C = p.Checksum
		case CRC64NVME:
			xp.ChecksumCRC64 = p.Checksum
		case SHA1:
			xp.ChecksumSHA1 = p.Checksum
		case SHA256:
			xp.ChecksumSHA256 = p.Checksum
		}
		out.Parts = append(out.Parts, xp)
		out.NextPartNumberMarker = p.Number
	}
	return rw.xml(200, out)
}
