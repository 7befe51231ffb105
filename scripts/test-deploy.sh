#!/usr/bin/env bash
# npm run test:deploy: the proof of deploy/ (docs/deploy.md). Offline: every overlay rendered with kubectl
# kustomize and checked (deploy/test/render.test.ts, service-links.test.ts). Then a real bring-up of the dev
# overlay with podman kube play (deploy/test/bringup.test.ts), which removes every pod, volume, network and
# image it made. Installs what it needs from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v podman > /dev/null || missing+=(podman)
command -v runc > /dev/null || missing+=(runc)
command -v debootstrap > /dev/null || missing+=(debootstrap)
command -v kubectl > /dev/null || missing+=(kubernetes-client) # Debian's kubectl (the test checks its kustomize)
if (( ${#missing[@]} > 0 )); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi

# Podman's defaults fail on these machines (crun, systemd cgroups, raising RLIMIT_NOFILE is not permitted).
CONTAINERS_CONF=$(mktemp)
trap 'rm -f "$CONTAINERS_CONF"' EXIT
cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
export CONTAINERS_CONF

bash scripts/kafka-jars.sh # the stand-in broker runs the jars Hostly's tests use
node_modules/node/bin/node --test --test-reporter=spec "$@" deploy/test/render.test.ts deploy/test/service-links.test.ts deploy/test/bringup.test.ts
