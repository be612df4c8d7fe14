// Package interpreter is sfnlocal's Amazon States Language interpreter, in both query
// languages (JSONPath and JSONata, per machine or per state) and with workflow variables: it
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
//   - JSONata mode (jsonata.go, exec_jsonata.go): every "{% ... %}" string inside Arguments,
//     Output, Assign, Items, ItemSelector, Condition, Credentials and the numeric, timestamp
//     and Fail fields is compiled at Parse (INVALID_JSONATA_EXPRESSION otherwise) into a
//     tree of constants and expressions. At run time the expressions see $states (input,
//     context, and result or errorOutput where AWS offers them) and the workflow variables
//     they mention, with AWS's extra functions ($partition, $range, $hash, $random, $uuid,
//     $parse; $eval hidden). Engine numbers (float64) become json.Number at the boundary,
//     printed as JavaScript does. A failed evaluation is States.QueryEvaluationError with
//     AWS's cause texts, preceded by an EvaluationFailed event.
//   - Variables live in scopes: the execution's, and one per Parallel branch and Map
//     iteration, which read the outer scopes; a Distributed Map's children start empty. All
//     of a state's fields (Assign, Output, Parameters, ResultSelector, OutputPath, ...) see
//     the values as the state was entered (ASL spec, "State Machine Variables"); the new
//     values are stored when the state exits, and StateExited records them
//     (assignedVariables). In JSONPath, Assign's "$" is the raw result (Task, Map,
//     Parallel), the Error Output (Catcher), the effective input (Choice, Wait), the result
//     (Pass); it is evaluated before ResultSelector and Output, so its failure is reported
//     first. Names are checked at Parse; sizes at run time (256 KiB).
//   - Key order is AWS's, as the recordings keep it inside payloads (conformance
//     TestConformanceKeyOrder and the replay and Lambda tiers check every passing case):
//     Result and JSONata constructors in the order written, ResultPath merges in place,
//     payload templates with their constants first and their ".$" fields in
//     java.util.HashMap order (interpreter/payload), States.JsonMerge in HashMap order, the
//     Context object {Execution, StateMachine, State}, assignedVariables sorted.
//   - Distributed Maps (distmap.go) run each item or batch as a child execution of its own
//     on the parent's scheduler, under a Map Run the Engine keeps (MapRun, MapRuns,
//     UpdateMapRun, MapRunExecutions, ChildExecution); ItemReader and ResultWriter call the
//     "s3" task handler, and interpreter/itemio owns the data formats.
//   - Task states call integrations only through the interpreter/task contract; this package
//     imports no HTTP and no Docker (deps_test.go enforces it).
//
// ASL failures are data (*task.Failure); API-level problems are sentinels (ErrInvalidToken,
// ...) and *DefinitionError.
package interpreter
