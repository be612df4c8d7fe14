package awsproto

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// QueryError is an error of an AWS query-protocol service (IAM, STS, SNS): HTTP status, the
// fault type ("Sender" or "Receiver"), the error code and the message.
type QueryError struct {
	Status     int
	Type, Code string
	Message    string
}

func (e *QueryError) Error() string { return e.Code + ": " + e.Message }

// SenderError is a client fault with HTTP status status.
func SenderError(status int, code, message string) *QueryError {
	return &QueryError{Status: status, Type: "Sender", Code: code, Message: message}
}

// NewRequestID returns a random request id in UUID form.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// WriteQueryResult writes the XML answer of action: <ActionResponse xmlns=...><ActionResult>
// result</ActionResult><ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>.
// result is encoded with encoding/xml as the Result element (its fields are the element's
// children); nil writes a response without a Result element, as operations without output do.
func WriteQueryResult(w http.ResponseWriter, xmlns, action string, result any) {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + xmlns + `">` + "\n")
	if result != nil {
		var inner bytes.Buffer
		enc := xml.NewEncoder(&inner)
		enc.Indent("  ", "  ")
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			WriteQueryError(w, xmlns, &QueryError{Status: http.StatusInternalServerError, Type: "Receiver", Code: "ServiceFailure", Message: "internal error"})
			return
		}
		b.WriteString("  ")
		b.Write(inner.Bytes())
		b.WriteString("\n")
	}
	b.WriteString("  <ResponseMetadata>\n    <RequestId>" + NewRequestID() + "</RequestId>\n  </ResponseMetadata>\n")
	b.WriteString(`</` + action + `Response>` + "\n")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

// WriteQueryError writes e as the query protocol's ErrorResponse document.
func WriteQueryError(w http.ResponseWriter, xmlns string, e *QueryError) {
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + xmlns + `">` + "\n  <Error>\n")
	b.WriteString("    <Type>" + escape(e.Type) + "</Type>\n")
	b.WriteString("    <Code>" + escape(e.Code) + "</Code>\n")
	b.WriteString("    <Message>" + escape(e.Message) + "</Message>\n")
	b.WriteString("  </Error>\n  <RequestId>" + NewRequestID() + "</RequestId>\n</ErrorResponse>\n")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// escape escapes XML text as AWS does: &, < and > only (apostrophes and quotes stay).
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// QueryAction returns the Action of an unsigned query-protocol request (a form POST, or a GET
// with the parameters in the URL), "" for anything else. It parses r's form.
func QueryAction(r *http.Request) string {
	if r.Header.Get("X-Amz-Target") != "" {
		return ""
	}
	switch r.Method {
	case http.MethodPost:
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			return ""
		}
	case http.MethodGet:
	default:
		return ""
	}
	if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.Form.Get("Action")
}
