#!/usr/bin/env bash
# Builds the images (sfnlocal, the example job, the test driver) locally and runs the Compose
# test: `docker-compose up --exit-code-from tests` must exit 0.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
make -C "$ROOT" docker >/dev/null
ctx=.build
rm -rf "$ctx" && mkdir -p "$ctx/fn" "$ctx/job"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o examples/docker-compose/$ctx/driver ./examples/docker-compose/driver)
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o examples/docker-compose/$ctx/fn/bootstrap ./examples/batch-with-lambda/lambda)
# A fixed date makes the zip, and so the test image, the same from one run to the next.
(cd "$ctx/fn" && touch -d @315532800 bootstrap && zip -q -X ../function.zip bootstrap)
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o examples/docker-compose/$ctx/job/job ./examples/batch-with-lambda/job)
cp ../batch-with-lambda/job/Dockerfile "$ctx/job/" && "$ROOT/scripts/docker-build.sh" sfnlocal-example/batch-job:latest "$ctx/job"
cp ../batch-with-lambda/statemachine.json Dockerfile "$ctx/"
project=sfnlocal-compose-$$
# The images this test built (sfnlocal, the example job, the driver) go with it.
trap 'docker-compose -p $project down -v --remove-orphans >/dev/null 2>&1 || true; rm -rf "$ctx"
  docker rmi -f sfnlocal-compose-tests:latest sfnlocal-example/batch-job:latest sfnlocal:latest >/dev/null 2>&1 || true' EXIT
# Rebuilding the test image must not leave the previous one behind, untagged.
old=$(docker image inspect -f '{{.Id}}' sfnlocal-compose-tests:latest 2>/dev/null || true)
docker-compose -p "$project" build -q tests >/dev/null
new=$(docker image inspect -f '{{.Id}}' sfnlocal-compose-tests:latest)
if [ -n "$old" ] && [ "$old" != "$new" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
docker-compose -p "$project" up --exit-code-from tests --abort-on-container-exit
