// Package interpreter is sfnlocal's Amazon States Language interpreter (JSONPath mode): it
// turns a definition into an immutable *StateMachine (Parse, Validate) and runs executions of
// it (Engine, Execution), recording their history exactly as AWS Step Functions does.
//
// Design, following the house style (STYLE.md):
//
//   - Parse once, run many. Parse checks the whole definition, reporting every problem as a
//     Diagnostic with AWS's codes and JSON-pointer locations, and pre-parses every path,
//     payload template and intrinsic call. A StateMachine is never mutated after Parse, so any
//     number of executions may share it.
//   - Each execution owns its run state and runs in its own goroutine; Parallel branches and
//     Map iterations that can block (Task, Wait, nested Map/Parallel) run in goroutines of
//     their own, bounded by MaxConcurrency. Iterations that cannot block run in sequence on the
//     caller's goroutine, which is both faster and gives the same history order AWS records.
//   - History events are plain structs whose payloads are kept as generic JSON values and
//     encoded only when marshalled (Event.MarshalJSON), since encoding every event eagerly
//     would dominate the cost of a transition. Values are immutable by convention: the
//     interpreter never mutates a value it did not create, so events can share them.
//   - All time goes through internal/clock (history timestamps, Wait, retry backoff, timeouts,
//     heartbeats), so instant and scaled modes apply everywhere.
//   - Task states call integrations only through the interpreter/task contract; this package
//     imports no HTTP and no Docker (deps_test.go enforces it).
//
// ASL failures are data (*task.Failure); API-level problems are sentinels (ErrInvalidToken,
// ...) and *DefinitionError.
package interpreter
