package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// forwarder sends invokes to another Lambda-compatible endpoint (sam local start-lambda,
// LocalStack, a Runtime Interface Emulator), as Step Functions Local's LAMBDA_ENDPOINT does.
type forwarder struct {
	base   string
	client *http.Client
}

func newForwarder(endpoint string, c *http.Client) (*forwarder, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("lambda: invalid forward endpoint %q: want http(s)://host[:port]", endpoint)
	}
	if c == nil {
		c = &http.Client{}
	}
	return &forwarder{base: strings.TrimSuffix(u.String(), "/"), client: c}, nil
}

func (f *forwarder) invoke(ctx context.Context, in *InvokeInput, typ string) (*InvokeOutput, error) {
	u := f.base + "/2015-03-31/functions/" + url.PathEscape(in.FunctionName) + "/invocations"
	if in.Qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(in.Qualifier)
	}
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, CodeInvalidParameterValue, "%v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", typ)
	if in.LogType != "" {
		req.Header.Set("X-Amz-Log-Type", in.LogType)
	}
	if in.ClientContext != "" {
		req.Header.Set("X-Amz-Client-Context", in.ClientContext)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, apiErr(http.StatusInternalServerError, CodeService, "Lambda endpoint %s is unreachable: %v", f.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSyncPayload+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, apiErr(http.StatusInternalServerError, CodeService, "reading the response of %s: %v", f.base, err)
	}
	if resp.StatusCode >= 300 {
		return nil, forwardedError(resp, body)
	}
	out := &InvokeOutput{
		StatusCode:      resp.StatusCode,
		Payload:         body,
		FunctionError:   resp.Header.Get("X-Amz-Function-Error"),
		LogResult:       resp.Header.Get("X-Amz-Log-Result"),
		ExecutedVersion: resp.Header.Get("X-Amz-Executed-Version"),
		RequestID:       resp.Header.Get("X-Amzn-Requestid"),
	}
	if out.FunctionError == "" && looksLikeError(body) {
		// The Runtime Interface Emulator does not set X-Amz-Function-Error.
		out.FunctionError = "Unhandled"
	}
	if out.ExecutedVersion == "" && typ == "RequestResponse" {
		out.ExecutedVersion = "$LATEST"
	}
	if out.RequestID == "" {
		out.RequestID = newUUID()
	}
	return out, nil
}

// forwardedError reads a Lambda API error response (rest-json).
func forwardedError(resp *http.Response, body []byte) *APIError {
	code := resp.Header.Get("X-Amzn-Errortype")
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	var obj map[string]any
	_ = json.Unmarshal(body, &obj)
	msg := ""
	for _, k := range []string{"Message", "message", "errorMessage"} {
		if m, ok := obj[k].(string); ok {
			msg = m
			break
		}
	}
	if code == "" {
		for _, k := range []string{"__type", "Type", "errorType"} {
			if t, ok := obj[k].(string); ok && t != "" && t != "User" && t != "Service" {
				code = t
				break
			}
		}
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = CodeService
		if resp.StatusCode == http.StatusNotFound {
			code = CodeResourceNotFound
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	return &APIError{Code: code, Message: msg, Status: resp.StatusCode}
}

// looksLikeError tells a Lambda error object ({"errorMessage", "errorType", ...}) from a result.
func looksLikeError(body []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return false
	}
	if _, ok := obj["errorMessage"]; !ok {
		return false
	}
	if _, ok := obj["errorType"]; !ok {
		return false
	}
	for k := range obj {
		switch k {
		case "errorMessage", "errorType", "stackTrace", "cause", "requestId", "trace":
		default:
			return false
		}
	}
	return true
}
