#!/usr/bin/env bash
# maven-fetch.sh <folder> <jar glob>: fetches the dependencies of <folder>/pom.xml from Maven Central into
# <folder>/libs, unless a jar matching <jar glob> is there already (kafka-jars.sh, zipkin-jar.sh, s3proxy-jar.sh). Works from any directory.
set -euo pipefail

dir="$1"
want="$2"
libs="$dir/libs"

if compgen -G "$libs/$want" > /dev/null; then
  exit 0
fi

# Download into a temporary folder and rename it at the end, so an interrupted fetch is never taken as done.
tmp="$(mktemp -d "$dir/libs.tmp.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

(cd "$dir" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp")

if ! compgen -G "$tmp/$want" > /dev/null; then
  echo "maven-fetch: maven finished but fetched no $want into $libs" >&2
  exit 1
fi

rm -rf "$libs" # a leftover without the wanted jar
mv "$tmp" "$libs"
trap - EXIT
echo "maven-fetch: fetched $(ls "$libs" | wc -l) jars into $libs"
