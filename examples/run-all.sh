#!/usr/bin/env bash
# Runs every example end to end (make example). Each starts its own sfnlocal.
set -uo pipefail
cd "$(dirname "$0")"
failed=()
for ex in batch-with-lambda batch-job-notification batch-error-handling batch-fan-out ecs-container-task; do
  echo "##### $ex"
  if ! bash "$ex/run.sh"; then failed+=("$ex"); fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "examples failed: ${failed[*]}"; exit 1; fi
echo "examples: all passed"
