#!/usr/bin/env bash
# Runs the KVM backend benchmark (bundles/kemari-hv-kvm, class ...internal.bench.KvmBench) and
# prints a Markdown table. Usage: scripts/bench-kvm.sh [repetitions]
# Needs /dev/kvm and the module's dependencies installed (mvn -pl bundles/kemari-hv-kvm -am install -DskipTests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
module="$root/bundles/kemari-hv-kvm"
mvn -q -f "$module/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "$module/target/test-classes:$module/target/classes:$(cat "$module/target/bench.classpath")" \
    org.kemari.hv.kvm.internal.bench.KvmBench "$@"
