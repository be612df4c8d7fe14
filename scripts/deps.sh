#!/usr/bin/env bash
# Installs what `make test` needs and a fresh machine may lack. Only Debian packages and Go
# modules (through the module proxy) are reachable, so everything comes from those.
set -euo pipefail
need=()
command -v aws >/dev/null 2>&1 || need+=(awscli)
python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || need+=(busybox-static)
command -v zip >/dev/null 2>&1 || need+=(zip)
# services/batch/swarm's TestSwarmMultiNode joins a second dockerd from a network namespace.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
# The console's browser test (console/browser_test.go) drives Debian's headless Chromium.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
go mod download
