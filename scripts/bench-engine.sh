#!/usr/bin/env bash
# Runs the replication engine benchmark (bundles/kemari-core, class ...internal.engine.bench.EngineBench)
# and prints a Markdown table of medians. Usage: scripts/bench-engine.sh [repetitions] [window-ms]
# Needs /dev/kvm and the modules installed (mvn -pl bundles/kemari-core -am install -DskipTests).
# JVM options for the run: BENCH_JAVA_OPTS (e.g. -Xmx1g).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
module="$root/bundles/kemari-core"
mvn -q -f "$module/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
# Snapshot the dependency jars: other builds may re-install them in the local repository mid-run.
lib="$module/target/bench-lib"
rm -rf "$lib" && mkdir -p "$lib"
cp_copy=""
IFS=: read -r -a jars < "$module/target/bench.classpath" || true  # no trailing newline
for i in "${!jars[@]}"; do
    cp "${jars[$i]}" "$lib/$i-$(basename "${jars[$i]}")"
    cp_copy="$cp_copy:$lib/$i-$(basename "${jars[$i]}")"
done
exec java ${BENCH_JAVA_OPTS:-} -cp "$module/target/test-classes:$module/target/classes$cp_copy" \
    org.kemari.core.internal.engine.bench.EngineBench "$@"
