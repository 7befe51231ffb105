#!/usr/bin/env bash
# Fetches the Zipkin server (io.zipkin:zipkin-server, classifier exec: one self-contained jar) from Maven Central
# into zipkin/libs (see zipkin/pom.xml), for test/traces.test.ts. Idempotent: does nothing when the jar is there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
zipkin_dir="$root/zipkin"
libs="$zipkin_dir/libs"

if compgen -G "$libs/zipkin-server-*-exec.jar" > /dev/null; then
  exit 0
fi

# Download into a temporary folder and rename it at the end, so an interrupted fetch is never taken as done.
tmp="$(mktemp -d "$zipkin_dir/libs.tmp.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

(cd "$zipkin_dir" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp")

if ! compgen -G "$tmp/zipkin-server-*-exec.jar" > /dev/null; then
  echo "zipkin-jar: maven finished but no zipkin-server exec jar was fetched" >&2
  exit 1
fi

rm -rf "$libs" # a leftover without the jar
mv "$tmp" "$libs"
trap - EXIT
echo "zipkin-jar: fetched $(ls "$libs") into $libs"
