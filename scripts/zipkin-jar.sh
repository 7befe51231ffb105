#!/usr/bin/env bash
# Fetches the Zipkin server (io.zipkin:zipkin-server, classifier exec: one self-contained jar) from Maven Central
# into zipkin/libs (see zipkin/pom.xml), for test/traces.test.ts. Idempotent: does nothing when the jar is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/scripts/maven-fetch.sh" "$root/zipkin" 'zipkin-server-*-exec.jar'
