#!/usr/bin/env bash
# Fetches the local Apache Kafka broker's jars from Maven Central into kafka/libs (see kafka/pom.xml).
# Idempotent: does nothing when kafka/libs already holds the broker jar. Works from any directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/scripts/maven-fetch.sh" "$root/kafka" 'kafka_2.13-*.jar'
