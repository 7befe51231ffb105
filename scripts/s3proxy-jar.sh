#!/usr/bin/env bash
# Fetches S3Proxy (org.gaul:s3proxy, the one jar with its dependencies) from Maven Central into s3proxy/libs: the
# S3-compatible server the photo storage tests run against (support/s3proxy.ts). Idempotent: does nothing when the
# jar is there. Works from any directory.
set -euo pipefail

version=2.6.0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
libs="$root/s3proxy/libs"
jar="$libs/s3proxy-$version-jar-with-dependencies.jar"

if [ -f "$jar" ]; then
  exit 0
fi

# Download into a temporary folder and rename the jar at the end, so an interrupted fetch is never taken as done.
mkdir -p "$libs"
tmp="$(mktemp -d "$libs/tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

(cd "$root/s3proxy" && mvn -q -B dependency:copy -Dartifact="org.gaul:s3proxy:$version:jar:jar-with-dependencies" \
  -Dmdep.stripVersion=false -DoutputDirectory="$tmp")

if [ ! -f "$tmp/$(basename "$jar")" ]; then
  echo "s3proxy-jar: maven finished but $(basename "$jar") was not fetched" >&2
  exit 1
fi
mv "$tmp/$(basename "$jar")" "$jar"
echo "s3proxy-jar: fetched $jar"
