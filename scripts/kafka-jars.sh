#!/usr/bin/env bash
# Fetches the local Apache Kafka broker's jars from Maven Central into kafka/libs (see kafka/pom.xml).
# Idempotent: does nothing when kafka/libs already holds the broker jar. Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kafka_dir="$root/kafka"
libs="$kafka_dir/libs"

if compgen -G "$libs/kafka_2.13-*.jar" > /dev/null; then
  exit 0
fi

# Download into a temporary folder and rename it at the end, so an interrupted fetch is never taken as done.
tmp="$(mktemp -d "$kafka_dir/libs.tmp.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

(cd "$kafka_dir" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp")

if ! compgen -G "$tmp/kafka_2.13-*.jar" > /dev/null; then
  echo "kafka-jars: maven finished but no kafka_2.13 jar was fetched" >&2
  exit 1
fi

rm -rf "$libs" # a leftover without the broker jar
mv "$tmp" "$libs"
trap - EXIT
echo "kafka-jars: fetched $(ls "$libs" | wc -l) jars into $libs"
