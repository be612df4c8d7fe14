// Package console is sfnlocal's web console: the pages a browser gets at /ui/, served by the
// binary itself from files embedded with embed, with no asset from any other host.
//
// It exists because people would rather look at a graph than read get-execution-history
// JSON: a developer who just ran a workflow opens http://localhost:8083/ and sees the state
// machine, which state failed and why, and the Batch job's log lines.
//
// Pages are server-rendered HTML (html/template for the frames, hand-written buffers for the
// hot parts: the history table and the graph), so the lists and the history work from curl
// and text browsers. A small dependency-free script (assets/app.js) adds what needs a browser:
// the state panel without a reload, live status through server-sent events (one stream per
// open execution page; the server checks the run's history every 250 ms and is woken at once by
// the api's Observers on status changes, so browsers never poll), the Batch job's log lines as
// they come, and JSON validation in the start form.
//
// The graph is laid out here in Go and drawn as inline SVG: a layered (Sugiyama-style) layout,
// top to bottom like AWS's console, with Parallel branches and Map processors as nested boxes
// laid out recursively, dummy nodes on edges that skip ranks, and barycentre ordering. That is
// a few hundred lines and costs nothing at start-up, where github.com/goccy/go-graphviz would
// add a WebAssembly Graphviz of several megabytes to the binary and milliseconds to each
// layout; the drawings a Step Functions definition needs (mostly a chain with a few branches
// and catches) do not need Graphviz's edge routing.
//
// The console reads executions through the api package's Go API (the same checks as the wire
// API), Batch jobs and their logs through services/batch, and Lambda log tails through
// services/lambda, each behind a small interface so that tests can leave them out.
package console
