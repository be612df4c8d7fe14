package s3

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
	"sync"
)

// The checksum algorithms of S3's data integrity API, by their wire names.
const (
	CRC32     = "CRC32"
	CRC32C    = "CRC32C"
	CRC64NVME = "CRC64NVME"
	SHA1      = "SHA1"
	SHA256    = "SHA256"
)

// checksumAlgorithms in the order responses list them.
var checksumAlgorithms = []string{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// crc64NVME is the CRC-64/NVME table (reflected polynomial 0x9a6c9329ac4bc9b5), built on
// first use (start-up time).
var crc64NVME = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

// newHash returns a hash for a checksum algorithm name (case-insensitive), nil for an unknown
// one.
func newHash(alg string) hash.Hash {
	switch strings.ToUpper(alg) {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case CRC64NVME:
		return crc64.New(crc64NVME())
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	return nil
}

// checksumRaw is the raw digest of data under alg.
func checksumRaw(alg string, data []byte) []byte {
	h := newHash(alg)
	if h == nil {
		return nil
	}
	h.Write(data)
	return h.Sum(nil)
}

// checksum is the base64 digest of data under alg, as S3 writes it.
func checksum(alg string, data []byte) string {
	return base64.StdEncoding.EncodeToString(checksumRaw(alg, data))
}

// etag is the quoted hex MD5 of data, S3's ETag for a single-part object.
func etag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// multipartETag is S3's ETag for a multipart object: the MD5 of the parts' binary MD5s,
// then "-" and the number of parts.
func multipartETag(partETags []string) string {
	h := md5.New()
	for _, e := range partETags {
		b, _ := hex.DecodeString(strings.Trim(e, `"`))
		h.Write(b)
	}
	return `"` + hex.EncodeToString(h.Sum(nil)) + "-" + itoa(len(partETags)) + `"`
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
