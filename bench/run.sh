#!/usr/bin/env bash
# Runs sfnlocal's headline benchmarks and prints one line per figure with its target.
#   bench/run.sh            in-process and HTTP figures (about a minute)
#   bench/run.sh --docker   also the Batch-on-Docker figures (needs a daemon; several minutes)
# Figures vary with the machine's load: run on an idle machine, and compare runs with benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() { go test -run '^$' -benchmem -count "${COUNT:-1}" "$@" | tee -a "$out" | grep -E '^Benchmark' || true; }

echo "## interpreter (targets: >= 1,000,000 Pass transitions/s per core; 10k-item Map < 100 ms)"
run -cpu 1 -bench '^(BenchmarkPassTransitions|BenchmarkInlineMap10k|BenchmarkParametersIntrinsics|BenchmarkHistoryMarshal|BenchmarkJSONataArguments|BenchmarkJSONataOutput)$' ./interpreter/
echo "## jsonpath, intrinsics, jsonata (target: typical JSONata evaluation < 5 us)"
run -bench '^(BenchmarkSelectDefinite|BenchmarkSelectFilter)$' ./jsonpath/
run -bench '^(BenchmarkEvalFormat)$' ./interpreter/intrinsics/
run -bench '^(BenchmarkTypical)$' ./jsonata/
echo "## server and API (targets: cold start < 20 ms; 10-state chain over HTTP < 1 ms; >= 5,000 executions/s; 10k waiting < 200 MB)"
run -bench '^BenchmarkColdStart$' ./server/
run -bench '^(BenchmarkStartToTerminalHTTP|BenchmarkExecutionsPerSecond|BenchmarkMemory10kWaiting)$' ./api/
echo "## console (target: execution page with 10,000 events < 100 ms)"
run -bench '^BenchmarkExecutionPage10k$' ./console/
echo "## lambda (target: warm invoke overhead < 1 ms)"
run -bench '^(BenchmarkWarmInvokeGoFunction|BenchmarkWarmInvokePython|BenchmarkWarmInvokeProvidedGo|BenchmarkColdStartPython)$' ./services/lambda/
if [ "${1:-}" = "--docker" ]; then
  echo "## batch on Docker (target: overhead over a raw docker run < 5% and < 50 ms)"
  run -bench '^(BenchmarkSchedulerJob|BenchmarkJobOverhead|BenchmarkRawDockerRun50|BenchmarkBatch50Jobs)$' -benchtime 1x ./services/batch/...
fi
