package s3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// isChunked reports whether a request body is in the aws-chunked encoding: signed chunks
// (x-amz-content-sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) or unsigned chunks with
// a checksum trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), as the current CLI, boto3 and SDKs
// send uploads.
func isChunked(h http.Header) bool {
	if strings.HasPrefix(h.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for _, ce := range strings.Split(h.Get("Content-Encoding"), ",") {
		if strings.TrimSpace(ce) == "aws-chunked" {
			return true
		}
	}
	return false
}

// errChunk is a malformed aws-chunked body.
var errChunk = errors.New("s3: malformed aws-chunked body")

// decodeChunked reads an aws-chunked body: "<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n"
// chunks, a zero-size chunk, then optional trailer lines ("x-amz-checksum-crc32:<b64>\r\n")
// and an empty line. Chunk signatures are not checked (sfnlocal accepts any credentials).
// It returns the payload and the trailers by lower-cased name. limit bounds the payload.
func decodeChunked(r io.Reader, limit int64) ([]byte, map[string]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out bytes.Buffer
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, nil, errChunk
		}
		sizeText, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil || size < 0 || int64(out.Len())+size > limit {
			return nil, nil, errChunk
		}
		if size == 0 {
			break
		}
		if _, err := io.CopyN(&out, br, size); err != nil {
			return nil, nil, errChunk
		}
		if crlf, err := readLine(br); err != nil || crlf != "" {
			return nil, nil, errChunk
		}
	}
	trailers := map[string]string{}
	for {
		line, err := readLine(br)
		if err == io.EOF && line == "" {
			break
		}
		if err != nil {
			return nil, nil, errChunk
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, nil, errChunk
		}
		trailers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	}
	return out.Bytes(), trailers, nil
}

// readLine reads one CRLF- (or LF-) terminated line without its terminator; at the end of
// the body it returns what was left and io.EOF.
func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		if err == io.EOF && line != "" {
			return strings.TrimRight(line, "\r"), nil
		}
		return line, err
	}
	if len(line) > 4096 {
		return "", errChunk
	}
	return strings.TrimRight(line, "\r\n"), nil
}
