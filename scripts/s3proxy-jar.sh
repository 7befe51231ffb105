#!/usr/bin/env bash
# Fetches S3Proxy (org.gaul:s3proxy, the one jar with its dependencies) from Maven Central into s3proxy/libs (see
# s3proxy/pom.xml): the S3-compatible server the photo storage tests run against (support/s3proxy.ts). Idempotent:
# does nothing when the jar is there. Works from any directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/scripts/maven-fetch.sh" "$root/s3proxy" 's3proxy-2.6.0-jar-with-dependencies.jar'
