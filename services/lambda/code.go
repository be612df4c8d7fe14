package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

//go:embed runtime/bootstrap.py runtime/bootstrap.js
var bootstraps embed.FS

// writeBootstraps writes the Python and Node.js bootstraps shipped with this package to dir.
func writeBootstraps(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lambda: runtime dir: %w", err)
	}
	for _, name := range []string{"bootstrap.py", "bootstrap.js"} {
		b, err := bootstraps.ReadFile("runtime/" + name)
		if err != nil {
			return fmt.Errorf("lambda: embedded %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("lambda: write %s: %w", name, err)
		}
	}
	return nil
}

func sha256b64(b []byte) string {
	h := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

// maxUnzipped is Lambda's limit on the unzipped size of a deployment package.
const maxUnzipped = 262144000

// unzipCode extracts a deployment package into a new directory under the service's temp dir.
func (s *Service) unzipCode(zipFile []byte) (string, error) {
	bad := errInvalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")
	zr, err := zip.NewReader(bytes.NewReader(zipFile), int64(len(zipFile)))
	if err != nil {
		return "", bad
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > maxUnzipped {
		return "", errInvalidParam("Unzipped size must be smaller than %d bytes", maxUnzipped)
	}
	dir, err := os.MkdirTemp(s.baseDir, "code-")
	if err != nil {
		return "", fmt.Errorf("lambda: code dir: %w", err)
	}
	s.shareDir(dir)
	if err := extract(zr, dir); err != nil {
		_ = os.RemoveAll(dir)
		if _, ok := err.(*APIError); ok {
			return "", err
		}
		return "", bad
	}
	return dir, nil
}

func extract(zr *zip.Reader, dir string) error {
	var written int64
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) || strings.Contains(name, string(filepath.Separator)+".."+string(filepath.Separator)) {
			return errInvalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")
		}
		dst := filepath.Join(dir, name)
		if !strings.HasPrefix(dst, dir+string(filepath.Separator)) && dst != dir {
			return errInvalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")
		}
		mode := f.Mode()
		if mode.IsDir() || strings.HasSuffix(f.Name, "/") {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
			continue
		}
		if !mode.IsRegular() {
			continue // symlinks and devices are not extracted
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		perm := mode.Perm() | 0o444
		if perm&0o111 != 0 {
			perm |= 0o111
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm|0o200)
		if err != nil {
			rc.Close()
			return err
		}
		n, err := io.Copy(out, io.LimitReader(rc, maxUnzipped-written+1))
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		written += n
		if written > maxUnzipped {
			return errInvalidParam("Unzipped size must be smaller than %d bytes", maxUnzipped)
		}
	}
	return nil
}

// logRing keeps the logs of a function's last invocations.
type logRing struct {
	mu   sync.Mutex
	logs []string
	next int
	full bool
}

const logRingSize = 100

func newLogRing() *logRing { return &logRing{logs: make([]string, logRingSize)} }

func (r *logRing) add(s string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.logs[r.next] = s
	r.next = (r.next + 1) % logRingSize
	if r.next == 0 {
		r.full = true
	}
	r.mu.Unlock()
}

func (r *logRing) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]string(nil), r.logs[:r.next]...)
	}
	return append(append([]string(nil), r.logs[r.next:]...), r.logs[:r.next]...)
}
