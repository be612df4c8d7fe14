package itemio

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Manifest is an S3 Inventory manifest.json, the object an ItemReader with InputType
// MANIFEST reads first.
type Manifest struct {
	SourceBucket      string         `json:"sourceBucket"`
	DestinationBucket string         `json:"destinationBucket"` // an ARN: arn:aws:s3:::bucket
	Version           string         `json:"version"`
	FileFormat        string         `json:"fileFormat"` // CSV is the one Step Functions reads
	FileSchema        string         `json:"fileSchema"` // "Bucket, Key, Size, ..."
	Files             []ManifestFile `json:"files"`
}

// ManifestFile is one inventory data file, in the manifest's destination bucket.
type ManifestFile struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	MD5Checksum string `json:"MD5checksum"`
}

// ParseManifest reads an S3 Inventory manifest.json.
func ParseManifest(body []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(bytes.TrimPrefix(body, bom), &m); err != nil {
		return nil, ReaderFailed(fmt.Sprintf("The manifest is not a valid S3 inventory manifest: %v", err))
	}
	if m.FileFormat != "" && !strings.EqualFold(m.FileFormat, "CSV") {
		return nil, ReaderFailed(fmt.Sprintf("Unsupported inventory file format: %s. Only CSV is supported.", m.FileFormat))
	}
	if strings.TrimSpace(m.FileSchema) == "" {
		return nil, ReaderFailed("The manifest has no fileSchema.")
	}
	return &m, nil
}

// DataBucket is the bucket that holds the manifest's data files: the destinationBucket
// ARN's bucket name.
func (m *Manifest) DataBucket() string {
	b := m.DestinationBucket
	if i := strings.LastIndex(b, ":"); i >= 0 {
		b = b[i+1:]
	}
	return b
}

// Columns are the names of fileSchema's columns.
func (m *Manifest) Columns() []string {
	parts := strings.Split(m.FileSchema, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// DecodeFile decodes one inventory data file (CSV without a header row, gzip-compressed as
// S3 Inventory writes it, or plain) into items: one object per row, its members named by
// fileSchema and holding the row's strings, in the order AWS emits them (see javaHashOrder;
// the "ItemReader (Map)" page shows {"LastModifiedDate", "Bucket", "Size", "Key"}).
// maxItems (0: no limit) counts the rows of this file; the caller carries the remainder
// across files.
func (m *Manifest) DecodeFile(body []byte, maxItems int, yield func(item any) error) error {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return ReaderFailed(fmt.Sprintf("The inventory file is not valid gzip: %v", err))
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return ReaderFailed(fmt.Sprintf("The inventory file is not valid gzip: %v", err))
		}
		body = plain
	}
	cfg := ReaderConfig{InputType: InputCSV, CSVHeaderLocation: HeaderGiven, CSVHeaders: m.Columns(), MaxItems: maxItems}
	return Decode(cfg, body, yield)
}

// Items is DecodeFile over every file of the manifest, read with load (bucket, key),
// with MaxItems counted across files.
func (m *Manifest) Items(maxItems int, load func(bucket, key string) ([]byte, error), yield func(item any) error) error {
	n := 0
	count := func(item any) error {
		n++
		return yield(item)
	}
	for _, f := range m.Files {
		left := 0
		if maxItems > 0 {
			left = maxItems - n
			if left <= 0 {
				return nil
			}
		}
		body, err := load(m.DataBucket(), f.Key)
		if err != nil {
			return err
		}
		if err := m.DecodeFile(body, left, count); err != nil {
			return err
		}
	}
	return nil
}
