package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

func zapAny(k string, v any) zap.Field { return zap.Any(k, v) }

// maxBody bounds request bodies (AWS's own limit for Batch requests is far lower than this).
const maxBody = 8 << 20

// Handler serves the Batch REST API: POST /v1/<operation> with camelCase JSON bodies, and
// GET/POST/DELETE /v1/tags/{resourceArn}. Other paths get 404.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc := s // unsigned requests: the default region's resources
		if sc, ok := awsproto.ScopeOf(r); ok {
			svc = s.In(sc.Region)
		}
		svc.routesMu.Do(func() { svc.routes = svc.handler() })
		svc.routes.ServeHTTP(w, r)
	})
}

// handler serves the API on this Service's (one region's) resources.
func (s *Service) handler() http.Handler {
	ops := map[string]func([]byte) (any, error){
		"/v1/createcomputeenvironment": jsonOp(func(in *createCEInput) (any, error) { return s.createComputeEnvironment(in) }),
		"/v1/updatecomputeenvironment": jsonOp(func(in *updateCEInput) (any, error) { return s.updateComputeEnvironment(in) }),
		"/v1/deletecomputeenvironment": jsonOp(func(in *deleteCEInput) (any, error) {
			return struct{}{}, s.deleteComputeEnvironment(in)
		}),
		"/v1/describecomputeenvironments": jsonOp(func(in *struct {
			ComputeEnvironments []string `json:"computeEnvironments"`
			MaxResults          int      `json:"maxResults"`
			NextToken           string   `json:"nextToken"`
		}) (any, error) {
			items, next, err := s.describeComputeEnvironments(in.ComputeEnvironments, in.MaxResults, in.NextToken)
			return pageOut("computeEnvironments", items, next), err
		}),
		"/v1/createjobqueue": jsonOp(func(in *createJQInput) (any, error) { return s.createJobQueue(in) }),
		"/v1/updatejobqueue": jsonOp(func(in *updateJQInput) (any, error) { return s.updateJobQueue(in) }),
		"/v1/deletejobqueue": jsonOp(func(in *struct {
			JobQueue string `json:"jobQueue"`
		}) (any, error) {
			return struct{}{}, s.deleteJobQueue(in.JobQueue)
		}),
		"/v1/describejobqueues": jsonOp(func(in *struct {
			JobQueues  []string `json:"jobQueues"`
			MaxResults int      `json:"maxResults"`
			NextToken  string   `json:"nextToken"`
		}) (any, error) {
			items, next, err := s.describeJobQueues(in.JobQueues, in.MaxResults, in.NextToken)
			return pageOut("jobQueues", items, next), err
		}),
		"/v1/registerjobdefinition": jsonOp(func(in *registerJDInput) (any, error) { return s.registerJobDefinition(in) }),
		"/v1/deregisterjobdefinition": jsonOp(func(in *struct {
			JobDefinition string `json:"jobDefinition"`
		}) (any, error) {
			return struct{}{}, s.deregisterJobDefinition(in.JobDefinition)
		}),
		"/v1/describejobdefinitions": jsonOp(func(in *describeJDInput) (any, error) {
			items, next, err := s.describeJobDefinitions(in)
			return pageOut("jobDefinitions", items, next), err
		}),
		"/v1/submitjob": jsonOp(func(in *SubmitJobInput) (any, error) { return s.SubmitJob(in) }),
		"/v1/describejobs": jsonOp(func(in *struct {
			Jobs []string `json:"jobs"`
		}) (any, error) {
			jobs, err := s.DescribeJobs(in.Jobs)
			return map[string]any{"jobs": jobs}, err
		}),
		"/v1/listjobs": jsonOp(func(in *listJobsInput) (any, error) {
			items, next, err := s.listJobs(in)
			return pageOut("jobSummaryList", items, next), err
		}),
		"/v1/canceljob": jsonOp(func(in *struct {
			JobID  string `json:"jobId"`
			Reason string `json:"reason"`
		}) (any, error) {
			return struct{}{}, s.CancelJob(in.JobID, in.Reason)
		}),
		"/v1/terminatejob": jsonOp(func(in *struct {
			JobID  string `json:"jobId"`
			Reason string `json:"reason"`
		}) (any, error) {
			return struct{}{}, s.TerminateJob(in.JobID, in.Reason)
		}),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in batch handler", fOperation(r.URL.Path), zapAny("panic", p))
				writeAPIError(w, &APIError{Code: CodeServerException, Message: "internal error", Status: 500})
			}
		}()
		path := r.URL.EscapedPath()
		if rest, ok := strings.CutPrefix(path, "/v1/tags/"); ok {
			s.serveTags(w, r, rest)
			return
		}
		op, ok := ops[path]
		if !ok || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		body, rerr := readBody(r)
		if rerr != nil {
			writeAPIError(w, rerr)
			return
		}
		out, err := op(body)
		if err == nil && !strings.HasPrefix(path, "/v1/describe") && !strings.HasPrefix(path, "/v1/list") {
			err = s.persist() // the change, durable before it is acknowledged
		}
		if err != nil {
			writeAPIError(w, asAPIError(err))
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

func pageOut[T any](key string, items []T, next string) map[string]any {
	m := map[string]any{key: items}
	if next != "" {
		m["nextToken"] = next
	}
	return m
}

// readBody reads a request body of at most maxBody bytes; a larger one is refused with 413
// without reading the rest.
func readBody(r *http.Request) ([]byte, *APIError) {
	tooLarge := &APIError{Code: CodeClientException, Message: fmt.Sprintf("Request body must be smaller than %d bytes", maxBody), Status: http.StatusRequestEntityTooLarge}
	if r.ContentLength > maxBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if len(body) > maxBody {
		return nil, tooLarge
	}
	if err != nil {
		return nil, clientErrorf("cannot read request body: %v", err)
	}
	return body, nil
}

// jsonOp adapts a typed operation to a body decoder.
func jsonOp[In any](f func(*In) (any, error)) func([]byte) (any, error) {
	return func(body []byte) (any, error) {
		in := new(In)
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, clientErrorf("Invalid request body: %v", err)
			}
		}
		return f(in)
	}
}

func (s *Service) serveTags(w http.ResponseWriter, r *http.Request, escapedArn string) {
	arn, err := url.PathUnescape(escapedArn)
	if err != nil {
		writeAPIError(w, clientErrorf("Invalid resource ARN"))
		return
	}
	switch r.Method {
	case http.MethodGet:
		tags, err := s.listTagsForResource(arn)
		if err != nil {
			writeAPIError(w, asAPIError(err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	case http.MethodPost:
		var in struct {
			Tags map[string]string `json:"tags"`
		}
		body, rerr := readBody(r)
		if rerr != nil {
			writeAPIError(w, rerr)
			return
		}
		if err := json.Unmarshal(body, &in); err != nil {
			writeAPIError(w, clientErrorf("Invalid request body: %v", err))
			return
		}
		if err := s.tagResource(arn, in.Tags); err != nil {
			writeAPIError(w, asAPIError(err))
			return
		}
		if err := s.persist(); err != nil {
			writeAPIError(w, asAPIError(err))
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	case http.MethodDelete:
		if err := s.untagResource(arn, r.URL.Query()["tagKeys"]); err != nil {
			writeAPIError(w, asAPIError(err))
			return
		}
		if err := s.persist(); err != nil {
			writeAPIError(w, asAPIError(err))
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeAPIError writes a rest-json error: the code in X-Amzn-Errortype and __type, the
// message in the body.
func writeAPIError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("X-Amzn-Errortype", e.Code)
	writeJSON(w, e.Status, map[string]string{"__type": e.Code, "message": e.Message})
}

// causeText formats an API error the way Step Functions reports a service exception.
func causeText(e *APIError, requestID string) string {
	return fmt.Sprintf("%s (Service: AWSBatch; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		e.Message, e.Status, e.Code, requestID)
}
