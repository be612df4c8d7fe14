#!/usr/bin/env bash
# docker-build.sh TAG CONTEXT builds CONTEXT as TAG and removes the image TAG named before when
# the build replaced it, so that rebuilding (every `make test`) leaves no untagged image behind.
set -euo pipefail
tag=$1 ctx=$2
old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
docker build -q -t "$tag" "$ctx" >/dev/null
new=$(docker image inspect -f '{{.Id}}' "$tag")
if [ -n "$old" ] && [ "$old" != "$new" ]; then
  docker rmi "$old" >/dev/null 2>&1 || true # still used by a container: left to its owner
fi
