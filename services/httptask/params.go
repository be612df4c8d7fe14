package httptask

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Param is one header, query string or body parameter.
type Param struct{ Key, Value string }

// HTTPRequest is an HTTP Task's Parameters, validated.
type HTTPRequest struct {
	Endpoint      *url.URL
	Method        string
	ConnectionArn string
	Headers       []Param // in key order
	Query         []Param // in key order, arrays expanded
	// Body is the RequestBody as given (nil when absent); HasBody tells null from absent.
	Body    any
	HasBody bool
	// URLEncoded and ArrayFormat come from Transform.
	URLEncoded  bool
	ArrayFormat string
}

// Array formats of Transform.RequestEncodingOptions.ArrayFormat.
const (
	ArrayIndices  = "INDICES"
	ArrayRepeat   = "REPEAT"
	ArrayCommas   = "COMMAS"
	ArrayBrackets = "BRACKETS"
)

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true, "HEAD": true}

// forbiddenHeaders are the headers an HTTP Task may not set (AWS fails the Task with
// States.Runtime); x-forwarded-*, x-amz-* and x-amzn-* are forbidden too.
var forbiddenHeaders = map[string]bool{}

func init() {
	for _, h := range []string{"A-IM", "Accept-Charset", "Accept-Datetime", "Accept-Encoding", "Authorization",
		"Cache-Control", "Connection", "Content-Encoding", "Content-MD5", "Date", "Expect", "Forwarded", "From",
		"Host", "HTTP2-Settings", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
		"If-Unmodified-Since", "Max-Forwards", "Origin", "Pragma", "Proxy-Authorization", "Referer", "Server",
		"TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via", "Warning"} {
		forbiddenHeaders[strings.ToLower(h)] = true
	}
}

func forbiddenHeader(name string, set map[string]bool) bool {
	l := strings.ToLower(name)
	return set[l] || strings.HasPrefix(l, "x-forwarded") || strings.HasPrefix(l, "x-amz-") || strings.HasPrefix(l, "x-amzn-") || l == "x-amz" || l == "x-amzn"
}

func runtimeErr(format string, args ...any) *task.Failure {
	return &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf(format, args...)}
}

// ParseHTTPRequest validates an HTTP Task's Parameters. Every problem is a States.Runtime
// Failure; nothing here panics, whatever the input.
func ParseHTTPRequest(params any) (*HTTPRequest, error) {
	p, ok := params.(map[string]any)
	if !ok {
		return nil, runtimeErr("The Parameters of an HTTP Task must be a JSON object")
	}
	for k := range p {
		switch k {
		case "ApiEndpoint", "Method", "Authentication", "InvocationConfig", "Headers", "QueryParameters", "RequestBody", "Transform":
		default:
			return nil, runtimeErr("The field '%s' is not supported by the HTTP Task", k)
		}
	}
	r := &HTTPRequest{ArrayFormat: ArrayIndices}
	ep, ok := p["ApiEndpoint"].(string)
	if !ok || ep == "" {
		return nil, runtimeErr("The field 'ApiEndpoint' is required and must be a string")
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, runtimeErr("The ApiEndpoint '%s' is not a valid HTTPS URL", ep)
	}
	r.Endpoint = u
	m, ok := p["Method"].(string)
	if !ok || !methods[strings.ToUpper(m)] {
		return nil, runtimeErr("The field 'Method' must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD")
	}
	r.Method = strings.ToUpper(m)
	for _, f := range []string{"Authentication", "InvocationConfig"} {
		v, present := p[f]
		if !present {
			continue
		}
		o, ok := v.(map[string]any)
		arn, _ := o["ConnectionArn"].(string)
		if !ok || arn == "" {
			return nil, runtimeErr("The field '%s' must be an object with a ConnectionArn string", f)
		}
		r.ConnectionArn = arn
	}
	if v, present := p["Headers"]; present && v != nil {
		h, ok := v.(map[string]any)
		if !ok {
			return nil, runtimeErr("The field 'Headers' must be a JSON object")
		}
		var bad []string
		for k, val := range h {
			if forbiddenHeader(k, forbiddenHeaders) {
				bad = append(bad, strings.ToLower(k))
				continue
			}
			if !validHeaderName(k) {
				return nil, runtimeErr("The header name '%s' is not valid", k)
			}
			s := task.Text(val)
			if strings.ContainsAny(s, "\r\n\x00") {
				return nil, runtimeErr("The value of header '%s' is not valid", k)
			}
			r.Headers = append(r.Headers, Param{k, s})
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return nil, runtimeErr("The 'Headers' field contains unsupported values: [%s]", strings.Join(bad, ", "))
		}
		sort.Slice(r.Headers, func(i, k int) bool { return r.Headers[i].Key < r.Headers[k].Key })
	}
	if v, present := p["QueryParameters"]; present && v != nil {
		q, err := queryParams(v)
		if err != nil {
			return nil, err
		}
		r.Query = q
	}
	r.Body, r.HasBody = p["RequestBody"]
	if v, present := p["Transform"]; present && v != nil {
		t, ok := v.(map[string]any)
		if !ok {
			return nil, runtimeErr("The field 'Transform' must be a JSON object")
		}
		switch enc := t["RequestBodyEncoding"]; enc {
		case nil, "NONE":
		case "URL_ENCODED":
			r.URLEncoded = true
		default:
			return nil, runtimeErr("The field 'RequestBodyEncoding' must be NONE or URL_ENCODED")
		}
		if o, present := t["RequestEncodingOptions"]; present && o != nil {
			om, ok := o.(map[string]any)
			if !ok {
				return nil, runtimeErr("The field 'RequestEncodingOptions' must be a JSON object")
			}
			switch f := om["ArrayFormat"]; f {
			case nil:
			case ArrayIndices, ArrayRepeat, ArrayCommas, ArrayBrackets:
				r.ArrayFormat = f.(string)
			default:
				return nil, runtimeErr("The field 'ArrayFormat' must be one of INDICES, REPEAT, COMMAS, BRACKETS")
			}
		}
	}
	return r, nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// queryParams reads QueryParameters: an object whose values are strings (or other JSON
// values, sent as their JSON text) or arrays of them (one parameter per element).
func queryParams(v any) ([]Param, error) {
	q, ok := v.(map[string]any)
	if !ok {
		return nil, runtimeErr("The field 'QueryParameters' must be a JSON object")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Param
	for _, k := range keys {
		if arr, ok := q[k].([]any); ok {
			for _, e := range arr {
				out = append(out, Param{k, task.Text(e)})
			}
			continue
		}
		out = append(out, Param{k, task.Text(q[k])})
	}
	return out, nil
}

// escape percent-encodes a form or query component, with spaces as %20 as Step Functions
// writes them.
func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// EncodeForm renders a request body as application/x-www-form-urlencoded data: nested
// objects as key[sub]=v, arrays in the given format. Keys come out sorted.
func EncodeForm(body any, arrayFormat string) (string, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return "", runtimeErr("A URL_ENCODED RequestBody must be a JSON object")
	}
	var parts []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(prefix+"["+k+"]", x[k])
			}
		case []any:
			switch arrayFormat {
			case ArrayCommas:
				vals := make([]string, len(x))
				for i, e := range x {
					vals[i] = escape(task.Text(e))
				}
				parts = append(parts, escape(prefix)+"="+strings.Join(vals, ","))
			case ArrayRepeat:
				for _, e := range x {
					walk(prefix, e)
				}
			case ArrayBrackets:
				for _, e := range x {
					walk(prefix+"[]", e)
				}
			default:
				for i, e := range x {
					walk(prefix+"["+strconv.Itoa(i)+"]", e)
				}
			}
		default:
			parts = append(parts, escape(prefix)+"="+escape(task.Text(x)))
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		walk(k, m[k])
	}
	return strings.Join(parts, "&"), nil
}
