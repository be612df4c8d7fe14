package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/interpreter"
)

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
	return d.Round(time.Second).String()
}

// diagnosticsByState attaches validation findings to the states their location names.
func diagnosticsByState(ds []api.ValidateDiagnostic) (map[string][]string, []api.ValidateDiagnostic) {
	out := map[string][]string{}
	var global []api.ValidateDiagnostic
	for _, d := range ds {
		if s := stateOfLocation(d.Location); s != "" {
			out[s] = append(out[s], d.Severity+" "+d.Code+": "+d.Message)
		} else {
			global = append(global, d)
		}
	}
	return out, global
}

// stateOfLocation returns the innermost state a JSON pointer like /States/P/Branches/0/States/B/Next names.
func stateOfLocation(loc string) string {
	parts := strings.Split(strings.TrimPrefix(loc, "/"), "/")
	name := ""
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "States" {
			name = strings.ReplaceAll(strings.ReplaceAll(parts[i+1], "~1", "/"), "~0", "~")
		}
	}
	return name
}

func (c *Console) validateDefinition(r *http.Request, definition, smType string) []api.ValidateDiagnostic {
	var t *string
	if smType != "" {
		t = &smType
	}
	out, err := c.svc.ValidateStateMachineDefinition(r.Context(), &api.ValidateStateMachineDefinitionInput{Definition: &definition, Type: t, MaxResults: ptr[int64](100)})
	if err != nil {
		return []api.ValidateDiagnostic{{Severity: "ERROR", Code: "REQUEST", Message: err.Error()}}
	}
	return out.Diagnostics
}

func graphHTML(definition string, v svgView) string {
	g, err := parseGraph(definition)
	if err != nil {
		return `<p class="error">` + html.EscapeString(err.Error()) + `</p>`
	}
	var b bytes.Buffer
	renderSVG(&b, g, v)
	return b.String()
}

func (c *Console) stateMachine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	arn := r.URL.Query().Get("arn")
	sm, err := c.svc.DescribeStateMachine(ctx, &api.DescribeStateMachineInput{StateMachineArn: &arn})
	if err != nil {
		c.fail(w, err)
		return
	}
	diags := c.validateDefinition(r, sm.Definition, sm.Type)
	byState, _ := diagnosticsByState(diags)
	var execs []execSummary
	if sm.Type == "STANDARD" {
		execs, _ = c.executions(ctx, sm.StateMachineArn, "")
	}
	var versions, aliases []string
	if v, err := c.svc.ListStateMachineVersions(ctx, &api.ListStateMachineVersionsInput{StateMachineArn: &sm.StateMachineArn, MaxResults: ptr[int64](1000)}); err == nil {
		for _, it := range v.StateMachineVersions {
			versions = append(versions, it.StateMachineVersionArn)
		}
	}
	if a, err := c.svc.ListStateMachineAliases(ctx, &api.ListStateMachineAliasesInput{StateMachineArn: &sm.StateMachineArn, MaxResults: ptr[int64](100)}); err == nil {
		for _, it := range a.StateMachineAliases {
			aliases = append(aliases, it.StateMachineAliasArn)
		}
	}
	send(w, http.StatusOK, stateMachinePage(smData{
		SM: sm, Graph: graphHTML(sm.Definition, svgView{diags: byState}), Diagnostics: diags,
		Executions: execs, Versions: versions, Aliases: aliases, Definition: prettyJSON(sm.Definition),
		Error: r.URL.Query().Get("error"), Input: r.URL.Query().Get("input"),
	}))
}

// prettyJSON indents JSON text (as is when it is not JSON).
func prettyJSON(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

// payloadText renders an event payload as indented JSON, cut at max bytes.
func payloadText(v any, max int) string {
	if v == nil {
		return ""
	}
	s, err := interpreter.EncodeValue(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(s) > max {
		return s[:max] + "… (truncated)"
	}
	return prettyJSON(s)
}

// execView is everything the execution page shows.
type execView struct {
	Exec     *api.DescribeExecutionOutput
	Run      api.Run
	Def      string
	Graph    *graph
	Model    *model
	StopDate time.Time
}

func (c *Console) loadExecution(r *http.Request, arn string) (*execView, error) {
	ctx := r.Context()
	ex, err := c.svc.DescribeExecution(ctx, &api.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		return nil, err
	}
	def, err := c.svc.DescribeStateMachineForExecution(ctx, &api.DescribeStateMachineForExecutionInput{ExecutionArn: &arn})
	if err != nil {
		return nil, err
	}
	v := &execView{Exec: ex, Def: def.Definition}
	v.Graph, _ = parseGraph(def.Definition)
	var events []interpreter.Event
	if run, ok := c.svc.ExecutionRun(arn); ok {
		v.Run = run
		events = eventsOf(run.History())
	}
	v.Model = buildModel(events, v.Graph, ex.Status)
	if ex.StopDate != nil {
		v.StopDate = time.Time(*ex.StopDate)
	}
	return v, nil
}

func (c *Console) execution(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	v, err := c.loadExecution(r, arn)
	if err != nil {
		c.fail(w, err)
		return
	}
	selected := r.URL.Query().Get("state")
	var graphOut string
	if v.Graph != nil {
		var b bytes.Buffer
		renderSVG(&b, v.Graph, svgView{status: v.Model.statusMap(v.Graph), href: func(s string) string {
			return "/ui/execution?arn=" + url.QueryEscape(arn) + "&state=" + url.QueryEscape(s)
		}})
		graphOut = b.String()
	}
	var panel string
	if selected != "" {
		panel = c.panelHTML(v, selected)
	}
	start := time.Time{}
	if v.Exec.StartDate != nil {
		start = time.Time(*v.Exec.StartDate)
	}
	send(w, http.StatusOK, executionPage(execData{
		Exec: v.Exec, Start: start, Stop: v.StopDate, Graph: graphOut, Panel: panel,
		History: historyRows(v.Model, arn, 0), Count: len(v.Model.Events),
		Live:       v.Exec.Status == "RUNNING" && v.Run != nil,
		SMName:     v.Exec.StateMachineArn[strings.LastIndexByte(v.Exec.StateMachineArn, ':')+1:],
		Redrivable: v.Exec.RedriveStatus == "REDRIVABLE", Error: r.URL.Query().Get("error"),
		Input: prettyJSON(deref(v.Exec.Input)), Output: prettyJSON(deref(v.Exec.Output)),
		ExecError: deref(v.Exec.Error), ExecCause: deref(v.Exec.Cause),
	}))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// historyRows renders the history table's rows from event index from on, by hand: this is the
// page's hot loop (10,000 events must render in well under 100 ms).
func historyRows(m *model, arn string, from int) string {
	var b strings.Builder
	qarn := html.EscapeString(url.QueryEscape(arn))
	b.Grow((len(m.Events) - from) * (240 + len(qarn)))
	for i := from; i < len(m.Events); i++ {
		ev := &m.Events[i]
		name := m.Owners[i]
		id := strconv.FormatInt(ev.ID, 10)
		b.WriteString(`<tr id="ev-`)
		b.WriteString(id)
		b.WriteString(`" data-type="`)
		b.WriteString(ev.Type)
		b.WriteString(`"`)
		cls := ""
		if ev.ID == m.FailedID {
			cls = "failing"
		} else if failureTypes[ev.Type] || strings.HasSuffix(ev.Type, "Failed") || strings.HasSuffix(ev.Type, "TimedOut") {
			cls = "failure"
		}
		if cls != "" {
			b.WriteString(` class="` + cls + `"`)
		}
		b.WriteString(`><td><a href="/ui/event?arn=`)
		b.WriteString(qarn)
		b.WriteString(`&amp;id=`)
		b.WriteString(id)
		b.WriteString(`">`)
		b.WriteString(id)
		b.WriteString(`</a></td><td>`)
		b.WriteString(ev.Type)
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(name))
		b.WriteString(`</td><td>`)
		b.WriteString(ev.Timestamp.UTC().Format("15:04:05.000"))
		b.WriteString(`</td><td>`)
		b.WriteString(strconv.FormatInt(ev.Timestamp.Sub(m.Start).Milliseconds(), 10))
		b.WriteString(` ms</td><td>`)
		b.WriteString(html.EscapeString(eventSummary(ev)))
		b.WriteString("</td></tr>\n")
	}
	return b.String()
}

// eventSummary is the details column: the error and cause, or the resource, cut short.
func eventSummary(ev *interpreter.Event) string {
	var s string
	switch {
	case ev.Details == nil:
	case ev.HasError || ev.HasCause:
		s = ev.Error
		if ev.Cause != "" {
			s += ": " + ev.Cause
		}
	case ev.Resource != "":
		s = ev.ResourceType + ":" + ev.Resource
	}
	if ev.Type == interpreter.EvMapIterationStarted || strings.HasPrefix(ev.Type, "MapIteration") {
		s = "iteration " + strconv.Itoa(ev.Index)
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (c *Console) event(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	run, ok := c.svc.ExecutionRun(arn)
	if !ok {
		c.fail(w, &api.Error{Code: "ExecutionDoesNotExist", Message: "Execution Does Not Exist: '" + arn + "'"})
		return
	}
	for _, m := range run.History() {
		b, err := m.MarshalJSON()
		if err != nil {
			continue
		}
		var head struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(b, &head) == nil && head.ID == id {
			send(w, http.StatusOK, eventPage(arn, id, prettyJSON(string(b))))
			return
		}
	}
	http.NotFound(w, r)
}

func (c *Console) statePanel(w http.ResponseWriter, r *http.Request) {
	v, err := c.loadExecution(r, r.URL.Query().Get("arn"))
	if err != nil {
		c.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, c.panelHTML(v, r.URL.Query().Get("state")))
}

// panelData is the state panel's content.
type panelData struct {
	Name, Type, Status, Duration, Input, Output, Error, Cause, Resource string
	Parameters                                                          string
	Retries, Runs                                                       int
	HasError                                                            bool
	Job                                                                 *batchView
	LambdaFunction, LambdaLog                                           string
	Iterations                                                          []iteration
}

type batchView struct {
	ID, Name, Status, Reason, Stream string
	Lines                            []string
	Done                             bool
}

type iteration struct {
	Index  int
	Status string
}

func (c *Console) panelHTML(v *execView, name string) string {
	d := panelData{Name: name, Status: StatusNotRun}
	if v.Graph != nil {
		d.Type = v.Graph.types[name]
	}
	if sr := v.Model.States[name]; sr != nil {
		d.Status, d.Retries, d.Runs = sr.Status, sr.Retries, sr.Runs
		now := time.Now()
		if v.Exec.Status != "RUNNING" {
			now = v.Model.Last
		}
		d.Duration = fmtDur(sr.Duration(now))
		d.Input = payloadText(sr.Input, 64<<10)
		if sr.HasOutput {
			d.Output = payloadText(sr.Output, 64<<10)
		}
		d.Error, d.Cause, d.HasError, d.Resource = sr.Error, sr.Cause, sr.HasError, sr.Resource
		if sr.Parameters != nil {
			d.Parameters = payloadText(sr.Parameters, 64<<10)
		}
		if strings.Contains(sr.Resource, "batch:submitJob") {
			d.Job = c.batchJob(sr)
		}
		if strings.Contains(sr.Resource, "lambda:invoke") || strings.Contains(sr.Resource, ":function:") {
			d.LambdaFunction, d.LambdaLog = c.lambdaTail(sr)
		}
		for i := 0; i < len(sr.Iterations); i++ {
			if st, ok := sr.Iterations[i]; ok {
				d.Iterations = append(d.Iterations, iteration{i, st})
			}
		}
	}
	return panelPage(d)
}

// field reads a member of a JSON object payload.
func field(v any, names ...string) string {
	s, err := interpreter.EncodeValue(v)
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return ""
	}
	for _, n := range names {
		if x, ok := m[n].(string); ok {
			return x
		}
	}
	return ""
}

func (c *Console) batchJob(sr *stateRun) *batchView {
	id := field(sr.TaskOutput, "JobId", "jobId")
	if id == "" || c.cfg.Batch == nil {
		return nil
	}
	jobs, err := c.cfg.Batch.DescribeJobs([]string{id})
	if err != nil || len(jobs) == 0 {
		return &batchView{ID: id}
	}
	j := jobs[0]
	bv := &batchView{ID: id, Name: j.JobName, Status: string(j.Status), Reason: j.StatusReason, Done: j.Status.Terminal()}
	if j.Container != nil {
		bv.Stream = j.Container.LogStreamName
	}
	if bv.Stream != "" {
		for _, e := range c.cfg.Batch.Events(bv.Stream) {
			bv.Lines = append(bv.Lines, e.Message)
		}
	}
	return bv
}

func (c *Console) lambdaTail(sr *stateRun) (string, string) {
	fn := field(sr.Parameters, "FunctionName")
	if fn == "" {
		fn = sr.Resource[strings.LastIndex(sr.Resource, "function:")+len("function:"):]
	}
	if i := strings.LastIndex(fn, "function:"); i >= 0 {
		fn = fn[i+len("function:"):]
	}
	if i := strings.IndexByte(fn, ':'); i >= 0 {
		fn = fn[:i]
	}
	if c.cfg.Lambda == nil || fn == "" {
		return fn, ""
	}
	logs := c.cfg.Lambda.Logs(fn)
	if len(logs) == 0 {
		return fn, ""
	}
	tail := logs[len(logs)-1]
	if len(tail) > 4096 {
		tail = tail[len(tail)-4096:]
	}
	return fn, tail
}

func (c *Console) validate(w http.ResponseWriter, r *http.Request) {
	var d validateData
	if r.Method == http.MethodPost {
		d.Definition, d.Type, d.Checked = r.FormValue("definition"), r.FormValue("type"), true
		if d.Type != "EXPRESS" {
			d.Type = "STANDARD"
		}
		d.Diagnostics = c.validateDefinition(r, d.Definition, d.Type)
		byState, _ := diagnosticsByState(d.Diagnostics)
		if json.Valid([]byte(d.Definition)) {
			d.Graph = graphHTML(d.Definition, svgView{diags: byState})
		}
	}
	send(w, http.StatusOK, validatePage(d))
}

func (c *Console) start(w http.ResponseWriter, r *http.Request) {
	smArn, input, name := r.FormValue("stateMachineArn"), r.FormValue("input"), strings.TrimSpace(r.FormValue("name"))
	if strings.TrimSpace(input) == "" {
		input = "{}"
	}
	in := &api.StartExecutionInput{StateMachineArn: &smArn, Input: &input}
	if name != "" {
		in.Name = &name
	}
	out, err := c.svc.StartExecution(r.Context(), in)
	if err != nil {
		http.Redirect(w, r, "/ui/statemachine?arn="+url.QueryEscape(smArn)+"&error="+url.QueryEscape(err.Error())+"&input="+url.QueryEscape(input), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/ui/execution?arn="+url.QueryEscape(out.ExecutionArn), http.StatusSeeOther)
}

func (c *Console) stop(w http.ResponseWriter, r *http.Request) {
	arn := r.FormValue("executionArn")
	_, err := c.svc.StopExecution(r.Context(), &api.StopExecutionInput{ExecutionArn: &arn})
	c.back(w, r, arn, err)
}

func (c *Console) redrive(w http.ResponseWriter, r *http.Request) {
	arn := r.FormValue("executionArn")
	_, err := c.svc.RedriveExecution(r.Context(), &api.RedriveExecutionInput{ExecutionArn: &arn})
	c.back(w, r, arn, err)
}

func (c *Console) back(w http.ResponseWriter, r *http.Request, arn string, err error) {
	to := "/ui/execution?arn=" + url.QueryEscape(arn)
	if err != nil {
		to += "&error=" + url.QueryEscape(err.Error())
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
