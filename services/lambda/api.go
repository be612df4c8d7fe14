package lambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

// Handler serves the Lambda REST API (paths under /2015-03-31/functions) for `aws lambda
// --endpoint-url` and the AWS SDKs. Other paths get 404.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	const base = "/2015-03-31/functions"
	mux.HandleFunc("POST "+base, s.handleCreateFunction)
	mux.HandleFunc("POST "+base+"/{$}", s.handleCreateFunction)
	mux.HandleFunc("GET "+base, s.handleListFunctions)
	mux.HandleFunc("GET "+base+"/{$}", s.handleListFunctions)
	mux.HandleFunc("GET "+base+"/{name}", s.handleGetFunction)
	mux.HandleFunc("DELETE "+base+"/{name}", s.handleDeleteFunction)
	mux.HandleFunc("GET "+base+"/{name}/configuration", s.handleGetConfiguration)
	mux.HandleFunc("PUT "+base+"/{name}/configuration", s.handleUpdateConfiguration)
	mux.HandleFunc("PUT "+base+"/{name}/code", s.handleUpdateCode)
	mux.HandleFunc("POST "+base+"/{name}/invocations", s.handleInvoke)
	mux.HandleFunc("POST "+base+"/{name}/versions", s.handlePublishVersion)
	mux.HandleFunc("GET "+base+"/{name}/versions", s.handleListVersions)
	mux.HandleFunc("POST "+base+"/{name}/aliases", s.handleCreateAlias)
	mux.HandleFunc("GET "+base+"/{name}/aliases", s.handleListAliases)
	mux.HandleFunc("GET "+base+"/{name}/aliases/{alias}", s.handleGetAlias)
	mux.HandleFunc("PUT "+base+"/{name}/aliases/{alias}", s.handleUpdateAlias)
	mux.HandleFunc("DELETE "+base+"/{name}/aliases/{alias}", s.handleDeleteAlias)
	const esmBase = "/2015-03-31/event-source-mappings"
	mux.HandleFunc("POST "+esmBase, s.handleCreateESM)
	mux.HandleFunc("POST "+esmBase+"/{$}", s.handleCreateESM)
	mux.HandleFunc("GET "+esmBase, s.handleListESM)
	mux.HandleFunc("GET "+esmBase+"/{$}", s.handleListESM)
	mux.HandleFunc("GET "+esmBase+"/{uuid}", s.handleGetESM)
	mux.HandleFunc("PUT "+esmBase+"/{uuid}", s.handleUpdateESM)
	mux.HandleFunc("DELETE "+esmBase+"/{uuid}", s.handleDeleteESM)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apiErr(http.StatusNotFound, CodeUnknownOperation, "Unknown operation %s %s", r.Method, r.URL.Path))
	})
	return recoverer(s.log, withRequestRegion(mux))
}

// withRequestRegion gives each request the region of its SigV4 scope (unsigned requests keep
// the default region).
func withRequestRegion(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sc, ok := awsproto.ScopeOf(r); ok {
			r = r.WithContext(WithRegion(r.Context(), sc.Region))
		}
		h.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a 500 ServiceException.
func recoverer(log *zap.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic in Lambda API handler", zap.Any("panic", p), zap.String("path", r.URL.Path))
				writeError(w, apiErr(http.StatusInternalServerError, CodeService, "internal error"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, err error) {
	var aerr *APIError
	if !errors.As(err, &aerr) {
		aerr = apiErr(http.StatusInternalServerError, CodeService, "%v", err)
	}
	typ := "User"
	if aerr.Status >= 500 {
		typ = "Service"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", aerr.Code)
	h.Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(aerr.Status)
	_, _ = w.Write(mustJSON(map[string]string{"Type": typ, "Message": aerr.Message}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(v))
}

// maxRequestBody is the largest request body the Lambda API reads (AWS's limit for a
// CreateFunction or UpdateFunctionCode request with an inline zip).
const maxRequestBody = 70167211

// readJSON decodes the request body of operation op; a malformed body is
// InvalidRequestContentException, and one over maxRequestBody is AWS's 413
// RequestEntityTooLargeException, answered without reading the rest.
func readJSON(r *http.Request, op string, v any) error {
	tooLarge := apiErr(http.StatusRequestEntityTooLarge, CodeRequestEntityTooLarge, "Request must be smaller than %d bytes for the %s operation", maxRequestBody, op)
	if r.ContentLength > maxRequestBody {
		return tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if len(b) > maxRequestBody {
		return tooLarge
	}
	if err != nil {
		return apiErr(http.StatusBadRequest, CodeInvalidRequestContent, "Could not read request body: %v", err)
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return apiErr(http.StatusBadRequest, CodeInvalidRequestContent, "Could not parse request body into json: %v", err)
	}
	return nil
}

func (s *Service) handleCreateFunction(w http.ResponseWriter, r *http.Request) {
	var in CreateFunctionInput
	if err := readJSON(r, "CreateFunction", &in); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.createFunction(r.Context(), &in)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Service) handleListFunctions(w http.ResponseWriter, r *http.Request) {
	all := s.listFunctions(regionOf(r.Context()))
	q := r.URL.Query()
	maxItems := 50
	if m := q.Get("MaxItems"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, errValidation("'"+m+"'", "maxItems", "Member must have value between 1 and 10000"))
			return
		}
		maxItems = n
	}
	start := 0
	if marker := q.Get("Marker"); marker != "" {
		start = sort.Search(len(all), func(i int) bool { return all[i].FunctionName > marker })
	}
	page := all[start:]
	out := map[string]any{}
	if len(page) > maxItems {
		page = page[:maxItems]
		out["NextMarker"] = page[len(page)-1].FunctionName
	}
	out["Functions"] = page
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) lookupVersion(r *http.Request) (*function, *version, error) {
	f, v, aerr := s.resolve(regionOf(r.Context()), r.PathValue("name"), r.URL.Query().Get("Qualifier"), false)
	if aerr != nil {
		return nil, nil, aerr
	}
	return f, v, nil
}

func (s *Service) handleGetFunction(w http.ResponseWriter, r *http.Request) {
	_, v, err := s.lookupVersion(r)
	if err != nil {
		writeError(w, err)
		return
	}
	code := map[string]any{"RepositoryType": "S3"}
	if v.imageURI != "" {
		code = map[string]any{"RepositoryType": "ECR", "ImageUri": v.imageURI, "ResolvedImageUri": v.imageURI + "@sha256:" + v.conf.CodeSha256}
	}
	writeJSON(w, http.StatusOK, map[string]any{"Configuration": v.conf, "Code": code})
}

func (s *Service) handleGetConfiguration(w http.ResponseWriter, r *http.Request) {
	_, v, err := s.lookupVersion(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v.conf)
}

func (s *Service) handleDeleteFunction(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteFunction(regionOf(r.Context()), r.PathValue("name"), r.URL.Query().Get("Qualifier")); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleUpdateCode(w http.ResponseWriter, r *http.Request) {
	var in UpdateFunctionCodeInput
	if err := readJSON(r, "UpdateFunctionCode", &in); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.updateCode(r.Context(), r.PathValue("name"), &in)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) handleUpdateConfiguration(w http.ResponseWriter, r *http.Request) {
	var in UpdateFunctionConfigurationInput
	if err := readJSON(r, "UpdateFunctionConfiguration", &in); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.updateConfiguration(regionOf(r.Context()), r.PathValue("name"), &in)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) handleInvoke(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSyncPayload+1))
	if err != nil {
		writeError(w, apiErr(http.StatusBadRequest, CodeInvalidRequestContent, "Could not read request body: %v", err))
		return
	}
	out, err := s.Invoke(r.Context(), &InvokeInput{
		FunctionName:   r.PathValue("name"),
		Qualifier:      r.URL.Query().Get("Qualifier"),
		InvocationType: r.Header.Get("X-Amz-Invocation-Type"),
		LogType:        r.Header.Get("X-Amz-Log-Type"),
		ClientContext:  r.Header.Get("X-Amz-Client-Context"),
		Payload:        body,
	})
	if err != nil {
		writeError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", out.RequestID)
	h.Set("X-Amzn-Trace-Id", traceID(out.RequestID))
	if out.ExecutedVersion != "" {
		h.Set("X-Amz-Executed-Version", out.ExecutedVersion)
	}
	if out.FunctionError != "" {
		h.Set("X-Amz-Function-Error", out.FunctionError)
	}
	if out.LogResult != "" {
		h.Set("X-Amz-Log-Result", out.LogResult)
	}
	w.WriteHeader(out.StatusCode)
	_, _ = w.Write(out.Payload)
}

func (s *Service) handlePublishVersion(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CodeSha256  string `json:"CodeSha256"`
		Description string `json:"Description"`
		RevisionID  string `json:"RevisionId"`
	}
	if err := readJSON(r, "PublishVersion", &in); err != nil {
		writeError(w, err)
		return
	}
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	latest := f.latest
	if in.CodeSha256 != "" && in.CodeSha256 != latest.conf.CodeSha256 {
		s.mu.Unlock()
		writeError(w, errInvalidParam("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", in.CodeSha256, latest.conf.CodeSha256))
		return
	}
	if in.RevisionID != "" && in.RevisionID != latest.conf.RevisionID {
		s.mu.Unlock()
		writeError(w, apiErr(http.StatusPreconditionFailed, CodePreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"))
		return
	}
	v := s.publish(f, in.Description)
	s.persistFunction(f)
	out := v.conf
	s.mu.Unlock()
	if err := s.j.Sync(); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Service) handleListVersions(w http.ResponseWriter, r *http.Request) {
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	out := []FunctionConfiguration{f.latest.conf}
	nums := make([]int, 0, len(f.versions))
	for k := range f.versions {
		n, _ := strconv.Atoi(k)
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		out = append(out, f.versions[strconv.Itoa(n)].conf)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"Versions": out})
}

type aliasInput struct {
	Name            string  `json:"Name"`
	FunctionVersion *string `json:"FunctionVersion"`
	Description     *string `json:"Description"`
}

func (s *Service) checkAliasTarget(f *function, ver string) *APIError {
	if ver == "$LATEST" || f.versions[ver] != nil {
		return nil
	}
	return errNotFound("Function not found: %s:%s", s.functionArn(f.region, f.name), ver)
}

func (s *Service) handleCreateAlias(w http.ResponseWriter, r *http.Request) {
	var in aliasInput
	if err := readJSON(r, "CreateAlias", &in); err != nil {
		writeError(w, err)
		return
	}
	if !validAliasName(in.Name) {
		writeError(w, errValidation("'"+in.Name+"'", "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"))
		return
	}
	if in.FunctionVersion == nil {
		writeError(w, errValidation("null", "functionVersion", "Member must not be null"))
		return
	}
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if aerr := s.checkAliasTarget(f, *in.FunctionVersion); aerr != nil {
		writeError(w, aerr)
		return
	}
	arn := s.aliasArn(f, in.Name)
	if f.aliases[in.Name] != nil {
		writeError(w, errConflict("Alias already exists: %s", arn))
		return
	}
	a := &alias{conf: AliasConfiguration{AliasArn: arn, Name: in.Name, FunctionVersion: *in.FunctionVersion, RevisionID: newUUID()}}
	if in.Description != nil {
		a.conf.Description = *in.Description
	}
	f.aliases[in.Name] = a
	s.persistFunction(f)
	if err := s.j.Sync(); err != nil { // under s.mu: aliases change rarely
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a.conf)
}

func (s *Service) handleListAliases(w http.ResponseWriter, r *http.Request) {
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	ver := r.URL.Query().Get("FunctionVersion")
	s.mu.Lock()
	out := []AliasConfiguration{}
	for _, a := range f.aliases {
		if ver == "" || a.conf.FunctionVersion == ver {
			out = append(out, a.conf)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, map[string]any{"Aliases": out})
}

// aliasOf finds an alias; callers hold s.mu.
func (s *Service) aliasOf(f *function, name string) (*alias, *APIError) {
	a := f.aliases[name]
	if a == nil {
		return nil, errNotFound("Alias not found: %s", s.aliasArn(f, name))
	}
	return a, nil
}

func (s *Service) handleGetAlias(w http.ResponseWriter, r *http.Request) {
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, aerr := s.aliasOf(f, r.PathValue("alias"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, a.conf)
}

func (s *Service) handleUpdateAlias(w http.ResponseWriter, r *http.Request) {
	var in aliasInput
	if err := readJSON(r, "UpdateAlias", &in); err != nil {
		writeError(w, err)
		return
	}
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, aerr := s.aliasOf(f, r.PathValue("alias"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if in.FunctionVersion != nil {
		if aerr := s.checkAliasTarget(f, *in.FunctionVersion); aerr != nil {
			writeError(w, aerr)
			return
		}
		a.conf.FunctionVersion = *in.FunctionVersion
	}
	if in.Description != nil {
		a.conf.Description = *in.Description
	}
	a.conf.RevisionID = newUUID()
	s.persistFunction(f)
	if err := s.j.Sync(); err != nil { // under s.mu: aliases change rarely
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.conf)
}

func (s *Service) handleDeleteAlias(w http.ResponseWriter, r *http.Request) {
	f, aerr := s.getFunction(regionOf(r.Context()), r.PathValue("name"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	delete(f.aliases, r.PathValue("alias"))
	s.persistFunction(f)
	s.mu.Unlock()
	if err := s.j.Sync(); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(http.StatusNoContent)
}

// String makes an APIError readable in logs and test failures.
func (e *APIError) String() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }
