#!/usr/bin/env bash
# Builds the images of the podman bring-up, with no registry: a Debian base (debootstrap), a Node 24 base
# standing in for node:24-slim, the Hostly image from deploy/Containerfile on it, and stand-ins for apache/kafka
# and postgres. Slow parts are cached outside the repository, in $CACHE (a fresh machine builds them):
# the debootstrap tarball, and the stand-in images (saved archives keyed by their build files).
# Every image it makes is tagged localhost/hostly-test-* (the Hostly image: localhost/hostly-test-app).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
images="$root/deploy/test/images"
CACHE=${CACHE:-/var/tmp/hostly-deploy-cache}
mkdir -p "$CACHE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
step () { echo "build-images: $* ($((SECONDS - t0)) s)"; }

# 1. Debian bookworm, minimal, from the machine's own Debian mirror.
base_tar="$CACHE/debian-bookworm-minbase.tar"
if [[ ! -s "$base_tar" ]]; then
  mirror=$(grep -h -m1 -o 'http[^ ]*/debian$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1 || true)
  step "debootstrap from ${mirror:-http://deb.debian.org/debian}"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "${mirror:-http://deb.debian.org/debian}" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/rootfs" -cf "$base_tar.tmp" . && mv "$base_tar.tmp" "$base_tar"
  rm -rf "$work/rootfs"
fi
podman import -q "$base_tar" localhost/hostly-test-debian:bookworm > /dev/null
step "base imported"

# 2. Stand-ins for apache/kafka and postgres: built once, then loaded from their saved archive.
standin () { # name, context dir
  local name=$1 context=$2 key
  key=$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum "$base_tar" | cut -c1-64 ) | sha256sum | cut -c1-16)
  local archive="$CACHE/$name-$key.tar"
  if [[ -s "$archive" ]]; then
    podman load -q -i "$archive" > /dev/null
  else
    podman build -q --layers=false -t "localhost/hostly-test-$name:latest" "$context" > /dev/null
    rm -f "$CACHE/$name-"*.tar
    podman save -q -o "$archive.tmp" "localhost/hostly-test-$name:latest" && mv "$archive.tmp" "$archive"
  fi
  step "stand-in $name ready"
}
mkdir -p "$work/kafka"
cp -r "$images/kafka/." "$work/kafka/"
cp -rL "$root/kafka/libs" "$work/kafka/libs"
standin kafka "$work/kafka"
standin postgres "$images/postgres"

# 3. The Node 24 base (the binary of the npm package `node`, pinned in package.json) and the Hostly image.
mkdir -p "$work/node-base"
cp "$images/node-base/Containerfile" "$work/node-base/"
cp "$root/node_modules/node/bin/node" "$work/node-base/node"
cp -r "$(npm root -g)/npm" "$work/node-base/npm"
cp /etc/ssl/certs/ca-certificates.crt "$work/node-base/"
podman build -q --layers=false -t localhost/hostly-test-node:24 "$work/node-base" > /dev/null
step "node base built"
podman build -q --layers=false -f "$root/deploy/Containerfile" --build-arg BASE=localhost/hostly-test-node:24 -t localhost/hostly-test-app:latest "$root" > /dev/null
step "hostly image built: $(podman image inspect localhost/hostly-test-app:latest --format '{{.Size}}') bytes"
