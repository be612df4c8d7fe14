# Shared helpers for the examples' run.sh scripts (sourced, not run).
# Each example deploys with the aws CLI against sfnlocal, runs its executions and checks them.
# SFNLOCAL_ENDPOINT: use a running server instead of starting bin/sfnlocal.
set -euo pipefail

EXAMPLES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$EXAMPLES_DIR/.." && pwd)
WORK=$(mktemp -d)
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
# The CLI sends StartSyncExecution to sync-<host>; an IP endpoint with host-prefix injection
# off keeps every call on sfnlocal's port.
export AWS_DISABLE_HOST_PREFIX_INJECTION=true
ACCOUNT=123456789012
ROLE=arn:aws:iam::$ACCOUNT:role/example
FAILURES=0
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  if [ -n "${SFNLOCAL_ENDPOINT:-}" ]; then
    ENDPOINT=$SFNLOCAL_ENDPOINT
  else
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    ENDPOINT=http://127.0.0.1:$port
    # Job containers reach the server through Docker's host gateway, so listen on all
    # interfaces of this machine's loopback and bridge.
    "$ROOT/bin/sfnlocal" serve --addr "0.0.0.0:$port" --log-level warn ${SFNLOCAL_ARGS:-} >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
  fi
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "$ENDPOINT/"; then return 0; fi
    sleep 0.05
  done
  echo "sfnlocal did not start:"; cat "$WORK/server.log" 2>/dev/null; exit 1
}

awsl() { aws --endpoint-url "$ENDPOINT" --output json "$@"; }

# build_job_image TAG: a FROM scratch image with the static example job binary.
build_job_image() {
  local tag=$1 ctx="$WORK/job-image"
  mkdir -p "$ctx"
  (cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$ctx/job" ./examples/batch-with-lambda/job)
  cp "$EXAMPLES_DIR/batch-with-lambda/job/Dockerfile" "$ctx/"
  "$ROOT/scripts/docker-build.sh" "$tag" "$ctx"
}

# deploy_lambda NAME: the example's Go handler as a provided.al2023 function.
deploy_lambda() {
  local name=$1 dir="$WORK/lambda-$1"
  mkdir -p "$dir"
  (cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$dir/bootstrap" "${2:-./examples/batch-with-lambda/lambda}")
  (cd "$dir" && zip -q function.zip bootstrap)
  awsl lambda delete-function --function-name "$name" >/dev/null 2>&1 || true
  awsl lambda create-function --function-name "$name" --runtime provided.al2023 --handler bootstrap \
    --role "$ROLE" --zip-file "fileb://$dir/function.zip" --timeout 30 >/dev/null
}

# create_state_machine NAME FILE [sed expressions...]: prints the ARN.
create_state_machine() {
  local name=$1 file=$2; shift 2
  local def="$WORK/$name.json"
  sed "$@" "$file" > "$def"
  awsl stepfunctions create-state-machine --name "$name" --role-arn "$ROLE" \
    --definition "file://$def" --query stateMachineArn --output text
}

# run_execution SM_ARN INPUT: starts, waits, prints the DescribeExecution JSON path.
run_execution() {
  local arn=$1 input=${2:-"{}"} exec_arn out status
  exec_arn=$(awsl stepfunctions start-execution --state-machine-arn "$arn" --input "$input" --query executionArn --output text)
  for _ in $(seq 1 1200); do
    status=$(awsl stepfunctions describe-execution --execution-arn "$exec_arn" --query status --output text)
    [ "$status" != "RUNNING" ] && break
    sleep 0.1
  done
  out="$WORK/exec-$(basename "$exec_arn").json"
  awsl stepfunctions describe-execution --execution-arn "$exec_arn" > "$out"
  awsl stepfunctions get-execution-history --execution-arn "$exec_arn" > "$out.history"
  echo "$out"
}

# show TITLE DESCRIBE_JSON: prints an execution's result and history in short.
show() {
  echo "=== $1"
  python3 - "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("status:", d["status"])
for k in ("output", "error", "cause"):
    if k in d:
        v = d[k]
        print(f"{k}: {v if len(v) < 600 else v[:600] + '...'}")
h = json.load(open(sys.argv[1] + ".history"))
print("history:", " > ".join(e["type"] for e in h["events"]))
PY
}

# expect DESCRIBE_JSON PYTHON_EXPR MESSAGE: checks a condition on d (describe) and h (events).
expect() {
  if python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h = json.load(open(sys.argv[1] + ".history"))["events"]
types = [e["type"] for e in h]
out = json.loads(d["output"]) if "output" in d else None
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
  then echo "  ok: $3"
  else echo "  FAIL: $3"; FAILURES=$((FAILURES + 1))
  fi
}

finish() {
  if [ "$FAILURES" -gt 0 ]; then
    echo "$FAILURES check(s) failed"
    [ -f "$WORK/server.log" ] && { echo "--- server log"; tail -50 "$WORK/server.log"; }
    exit 1
  fi
  echo "all checks passed"
}
