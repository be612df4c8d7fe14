package console

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/api"
)

// Pages are written by hand into a builder rather than with html/template: text/template's
// reflective method calls stop the linker from dropping unused methods anywhere in the
// program, which costs this binary 4.7 MB (measured). Every dynamic string goes through
// esc (text and attributes) or qs (query values).

// hw builds an HTML page.
type hw struct{ strings.Builder }

// w writes markup as is.
func (b *hw) w(parts ...string) {
	for _, p := range parts {
		b.WriteString(p)
	}
}

// t writes escaped text.
func (b *hw) t(s string) { b.WriteString(html.EscapeString(s)) }

var esc = html.EscapeString

// qs escapes a query value for an href attribute.
func qs(s string) string { return html.EscapeString(url.QueryEscape(s)) }

func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000")
}

func dur(a, b time.Time) string {
	if a.IsZero() {
		return "—"
	}
	if b.IsZero() {
		b = time.Now()
	}
	return fmtDur(b.Sub(a))
}

func (b *hw) head(title string) {
	b.w(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>`)
	b.t(title)
	b.w(` · sfnlocal</title><link rel="stylesheet" href="/ui/assets/app.css"><script src="/ui/assets/app.js" defer></script></head>
<body><header><a class="brand" href="/ui/">sfnlocal</a><nav><a href="/ui/">State machines &amp; executions</a> <a href="/ui/validate">Validate</a> <a href="/metrics">Metrics</a></nav></header><main>
`)
}

func (b *hw) foot() { b.w("</main></body></html>\n") }

func (b *hw) status(s string) { b.w(`<span class="status `, esc(s), `">`, esc(s), `</span>`) }

func send(w http.ResponseWriter, status int, b *hw) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, b.String())
}

func errorPage(status int, msg string) (*hw, int) {
	var b hw
	b.head("Error")
	b.w(`<h1>Error</h1><p class="error">`)
	b.t(msg)
	b.w(`</p><p><a href="/ui/">Back to the console</a></p>`)
	b.foot()
	return &b, status
}

func (b *hw) execTable(execs []execSummary, withSM bool) {
	b.w(`<table class="list" id="executions"><thead><tr><th>Name</th>`)
	if withSM {
		b.w(`<th>State machine</th>`)
	}
	b.w(`<th>Status</th><th>Started</th><th>Ended</th><th>Duration</th></tr></thead><tbody>`, "\n")
	for _, e := range execs {
		b.w(`<tr data-status="`, esc(e.Status), `"><td><a href="/ui/execution?arn=`, qs(e.Arn), `">`, esc(e.Name), `</a></td>`)
		if withSM {
			b.w(`<td><a href="/ui/statemachine?arn=`, qs(e.StateMachineArn), `">`, esc(e.StateMachine), `</a></td>`)
		}
		b.w(`<td>`)
		b.status(e.Status)
		if e.RedriveCount > 0 {
			b.w(` (redriven `, strconv.Itoa(e.RedriveCount), `×)`)
		}
		b.w(`</td><td>`, when(e.Start), `</td><td>`, when(e.Stop), `</td><td>`, dur(e.Start, e.Stop), "</td></tr>\n")
	}
	if len(execs) == 0 {
		b.w(`<tr><td colspan="6">No executions.</td></tr>`)
	}
	b.w("</tbody></table>\n")
}

func (b *hw) diagnostics(ds []api.ValidateDiagnostic) {
	b.w(`<ul class="diagnostics" id="diagnostics">`)
	for _, d := range ds {
		b.w(`<li class="`, esc(d.Severity), `"><b>`, esc(d.Severity), `</b> `, esc(d.Code), ` `)
		if d.Location != "" {
			b.w(`<code>`, esc(d.Location), `</code>`)
		}
		b.w(`: `, esc(d.Message), "</li>\n")
	}
	b.w("</ul>\n")
}

type indexData struct {
	StateMachines []smSummary
	Executions    []execSummary
	More          int
	Status, Q     string
}

func indexPage(d indexData) *hw {
	var b hw
	b.head("sfnlocal console")
	b.w(`<h1>State machines</h1>
<table class="list" id="state-machines"><thead><tr><th>Name</th><th>Type</th><th>Versions</th><th>Aliases</th><th>Executions</th><th>Created</th></tr></thead><tbody>
`)
	for _, s := range d.StateMachines {
		b.w(`<tr><td><a href="/ui/statemachine?arn=`, qs(s.Arn), `">`, esc(s.Name), `</a></td><td>`, esc(s.Type), `</td><td>`,
			strconv.Itoa(s.Versions), `</td><td>`, esc(strings.Join(s.Aliases, ", ")), `</td><td>`, strconv.Itoa(s.Executions),
			`</td><td>`, when(s.Created), "</td></tr>\n")
	}
	if len(d.StateMachines) == 0 {
		b.w(`<tr><td colspan="6">No state machines yet. Create one with <code>aws stepfunctions create-state-machine --endpoint-url …</code></td></tr>`)
	}
	b.w(`</tbody></table>
<h1>Executions</h1>
<form class="filters" method="get" action="/ui/">
<label>Status <select name="status"><option value="">Any</option>`)
	for _, s := range statuses {
		sel := ""
		if s == d.Status {
			sel = " selected"
		}
		b.w(`<option`, sel, `>`, s, `</option>`)
	}
	b.w(`</select></label>
<label>Search <input type="search" name="q" value="`, esc(d.Q), `" placeholder="name or state machine"></label>
<button type="submit">Filter</button></form>
`)
	b.execTable(d.Executions, true)
	if d.More > 0 {
		b.w(`<p>`, strconv.Itoa(d.More), ` older executions not shown.</p>`)
	}
	b.foot()
	return &b
}

type smData struct {
	SM                *api.DescribeStateMachineOutput
	Graph             string
	Diagnostics       []api.ValidateDiagnostic
	Executions        []execSummary
	Versions, Aliases []string
	Definition        string
	Error, Input      string
}

func stateMachinePage(d smData) *hw {
	var b hw
	b.head(d.SM.Name)
	b.w(`<h1>`, esc(d.SM.Name), ` <small>`, esc(d.SM.Type), `</small></h1><p class="arn">`, esc(d.SM.StateMachineArn), "</p>\n")
	if d.Error != "" {
		b.w(`<p class="error" id="action-error">`, esc(d.Error), "</p>\n")
	}
	b.w(`<section class="graph-wrap">`, d.Graph, "</section>\n")
	if len(d.Diagnostics) > 0 {
		b.w(`<h2>Validation</h2>`)
		b.diagnostics(d.Diagnostics)
	}
	if d.SM.Type == "STANDARD" {
		input := d.Input
		if input == "" {
			input = "{}"
		}
		b.w(`<h2>Start an execution</h2>
<form class="start" method="post" action="/ui/start">
<input type="hidden" name="stateMachineArn" value="`, esc(d.SM.StateMachineArn), `">
<label>Name (optional) <input name="name" maxlength="80"></label>
<label>Input<textarea name="input" rows="6" data-json spellcheck="false">`, esc(input), `</textarea></label>
<span class="json-status" aria-live="polite"></span>
<button type="submit">Start execution</button></form>
`)
	}
	if len(d.Versions) > 0 {
		b.w(`<h2>Versions</h2><ul>`)
		for _, v := range d.Versions {
			b.w(`<li><a href="/ui/statemachine?arn=`, qs(v), `">`, esc(v), `</a></li>`)
		}
		b.w("</ul>\n")
	}
	if len(d.Aliases) > 0 {
		b.w(`<h2>Aliases</h2><ul>`)
		for _, a := range d.Aliases {
			b.w(`<li>`, esc(a), `</li>`)
		}
		b.w("</ul>\n")
	}
	b.w(`<h2>Executions</h2>`)
	b.execTable(d.Executions, false)
	b.w(`<details><summary>Definition</summary><pre class="json">`, esc(d.Definition), "</pre></details>\n")
	b.foot()
	return &b
}

type execData struct {
	Exec                                *api.DescribeExecutionOutput
	Start, Stop                         time.Time
	Graph, Panel, History               string
	Count                               int
	Live, Redrivable                    bool
	SMName, Error                       string
	Input, Output, ExecError, ExecCause string
}

func executionPage(d execData) *hw {
	var b hw
	b.Grow(len(d.History) + len(d.Graph) + 8192)
	e := d.Exec
	b.head(e.Name)
	b.w(`<div id="execution" data-arn="`, esc(e.ExecutionArn), `" data-count="`, strconv.Itoa(d.Count), `"`)
	if d.Live {
		b.w(` data-live`)
	}
	b.w(`>`, "\n", `<h1>`, esc(e.Name), ` <span class="status `, esc(e.Status), `" id="exec-status">`, esc(e.Status), `</span></h1>`, "\n")
	b.w(`<p class="arn">`, esc(e.ExecutionArn), ` · <a href="/ui/statemachine?arn=`, qs(e.StateMachineArn), `">`, esc(d.SMName), "</a></p>\n")
	if d.Error != "" {
		b.w(`<p class="error" id="action-error">`, esc(d.Error), "</p>\n")
	}
	b.w(`<dl class="facts"><dt>Started</dt><dd>`, when(d.Start), `</dd><dt>Ended</dt><dd id="exec-stop">`, when(d.Stop),
		`</dd><dt>Duration</dt><dd>`, dur(d.Start, d.Stop), `</dd>`)
	if e.RedriveCount > 0 {
		b.w(`<dt>Redrives</dt><dd>`, strconv.Itoa(e.RedriveCount), `</dd>`)
	}
	if d.ExecError != "" || d.ExecCause != "" {
		b.w(`<dt>Error</dt><dd class="error" id="exec-error">`, esc(d.ExecError), `</dd><dt>Cause</dt><dd class="cause">`, esc(d.ExecCause), `</dd>`)
	}
	b.w("</dl>\n", `<div class="actions">`)
	if e.Status == "RUNNING" {
		b.w(`<form method="post" action="/ui/stop"><input type="hidden" name="executionArn" value="`, esc(e.ExecutionArn), `"><button type="submit" class="danger">Stop execution</button></form>`)
	}
	if d.Redrivable {
		b.w(`<form method="post" action="/ui/redrive"><input type="hidden" name="executionArn" value="`, esc(e.ExecutionArn), `"><button type="submit">Redrive</button></form>`)
	}
	b.w("</div>\n", `<div class="split"><section class="graph-wrap">`, d.Graph, `</section>`, "\n", `<aside id="panel">`)
	if d.Panel != "" {
		b.w(d.Panel)
	} else {
		b.w(`<p class="hint">Select a state to see its input, output, error and duration.</p>`)
	}
	b.w("</aside></div>\n", `<details><summary>Execution input and output</summary><h3>Input</h3><pre class="json">`, esc(d.Input), `</pre>`)
	if d.Output != "" {
		b.w(`<h3>Output</h3><pre class="json">`, esc(d.Output), `</pre>`)
	}
	b.w("</details>\n", `<h2>Event history <small id="event-count">`, strconv.Itoa(d.Count), ` events</small></h2>
<table class="list history" id="history"><thead><tr><th>ID</th><th>Type</th><th>Step</th><th>Timestamp</th><th>Elapsed</th><th>Details</th></tr></thead><tbody>
`, d.History, "</tbody></table>\n</div>\n")
	b.foot()
	return &b
}

func panelPage(d panelData) string {
	var b hw
	b.w(`<div class="panel" data-panel-state="`, esc(d.Name), `" data-status="`, esc(d.Status), `">`, "\n")
	b.w(`<h2>`, esc(d.Name), ` <small>`, esc(d.Type), "</small></h2>\n<p>")
	b.status(d.Status)
	if d.Duration != "" {
		b.w(` · `, esc(d.Duration))
	}
	if d.Retries > 0 {
		b.w(` · <span class="retries">`, strconv.Itoa(d.Retries), ` retries</span>`)
	}
	if d.Runs > 1 {
		b.w(` · ran `, strconv.Itoa(d.Runs), `×`)
	}
	b.w("</p>\n")
	if d.Resource != "" {
		b.w(`<p class="resource"><code>`, esc(d.Resource), "</code></p>\n")
	}
	if d.HasError {
		b.w(`<h3>Error</h3><p class="error">`, esc(d.Error), `</p><h3>Cause</h3><pre class="cause">`, esc(d.Cause), "</pre>\n")
	}
	if j := d.Job; j != nil {
		b.w(`<h3>Batch job</h3><p>`, esc(j.Name), ` <code>`, esc(j.ID), `</code> <span class="status `, esc(j.Status), `" id="job-status">`, esc(j.Status), `</span>`)
		if j.Reason != "" {
			b.w(` · `, esc(j.Reason))
		}
		b.w("</p>\n", `<pre class="logs" id="job-logs" data-job="`, esc(j.ID), `" data-lines="`, strconv.Itoa(len(j.Lines)), `"`)
		if !j.Done {
			b.w(` data-live`)
		}
		b.w(`>`)
		for _, l := range j.Lines {
			b.w(`<span class="line">`, esc(l), "</span>\n")
		}
		b.w("</pre>\n")
	}
	if d.LambdaFunction != "" {
		b.w(`<h3>Lambda <code>`, esc(d.LambdaFunction), `</code> log tail</h3><pre class="logs" id="lambda-log">`, esc(d.LambdaLog), "</pre>\n")
	}
	if len(d.Iterations) > 0 {
		b.w(`<h3>Iterations</h3><table class="list iterations">`)
		for _, it := range d.Iterations {
			b.w(`<tr data-status="`, esc(it.Status), `"><td>#`, strconv.Itoa(it.Index), `</td><td>`)
			b.status(it.Status)
			b.w("</td></tr>\n")
		}
		b.w("</table>\n")
	}
	if d.Input != "" {
		b.w(`<h3>Input</h3><pre class="json">`, esc(d.Input), "</pre>\n")
	}
	if d.Parameters != "" {
		b.w(`<h3>Task parameters</h3><pre class="json">`, esc(d.Parameters), "</pre>\n")
	}
	if d.Output != "" {
		b.w(`<h3>Output</h3><pre class="json">`, esc(d.Output), "</pre>\n")
	}
	b.w("</div>")
	return b.String()
}

type validateData struct {
	Definition, Type string
	Diagnostics      []api.ValidateDiagnostic
	Checked          bool
	Graph            string
}

func validatePage(d validateData) *hw {
	var b hw
	b.head("Validate a definition")
	std, exp := " selected", ""
	if d.Type == "EXPRESS" {
		std, exp = "", " selected"
	}
	b.w(`<h1>Validate a definition</h1>
<form method="post" action="/ui/validate" class="start">
<label>Type <select name="type"><option`, std, `>STANDARD</option><option`, exp, `>EXPRESS</option></select></label>
<label>Definition (Amazon States Language)<textarea name="definition" rows="14" data-json spellcheck="false">`, esc(d.Definition), `</textarea></label>
<span class="json-status" aria-live="polite"></span>
<button type="submit">Validate</button></form>
`)
	if d.Checked {
		if len(d.Diagnostics) > 0 {
			b.diagnostics(d.Diagnostics)
		} else {
			b.w(`<p class="ok" id="diagnostics">The definition is valid.</p>`)
		}
		if d.Graph != "" {
			b.w(`<section class="graph-wrap">`, d.Graph, `</section>`)
		}
	}
	b.foot()
	return &b
}

func eventPage(arn string, id int64, js string) *hw {
	var b hw
	title := "Event " + strconv.FormatInt(id, 10)
	b.head(title)
	b.w(`<h1>`, title, `</h1><p><a href="/ui/execution?arn=`, qs(arn), `">Back to the execution</a></p><pre class="json">`, esc(js), `</pre>`)
	b.foot()
	return &b
}
