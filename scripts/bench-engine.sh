#!/usr/bin/env bash
# Runs the replication engine benchmark (bundles/kemari-core, class ...internal.engine.bench.EngineBench)
# and prints a Markdown table of medians. Usage: scripts/bench-engine.sh [repetitions] [window-ms]
# Needs /dev/kvm and the modules installed (mvn -pl bundles/kemari-core -am install -DskipTests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
module="$root/bundles/kemari-core"
mvn -q -f "$module/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "$module/target/test-classes:$module/target/classes:$(cat "$module/target/bench.classpath")" \
    org.kemari.core.internal.engine.bench.EngineBench "$@"
