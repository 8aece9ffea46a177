#!/usr/bin/env bash
# What protection costs in the lab (docs/benchmarks.md, "Lab"): two emulated hosts (docs/lab.md), the
# test guest's KV server, a client sending one request at a time back to back; per repetition a
# window unprotected, protected event-driven and protected periodic, then medians and ratios.
# Usage: scripts/bench-lab.sh [repetitions (5)] [window seconds (10)]. Needs root; builds first
# unless SKIP_BUILD=1. Takes minutes per repetition plus the hosts' start (boot, or restore).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"
[ "$(id -u)" -eq 0 ] || { echo "bench-lab: run it as root (network namespaces, TAP devices)" >&2; exit 2; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -ntp -q install -DskipTests
fi
work="$KEMARI_HOME/target/bench-lab"
mkdir -p "$work"
mvn -B -ntp -q -pl itests dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" \
  -DincludeScope=test -DincludeArtifactIds=sshd-core,sshd-common,slf4j-api,kemari-guest
java -Dslf4j.internal.verbosity=ERROR -Dsun.stdout.encoding=UTF-8 -cp "itests/target/test-classes:$(cat "$work/classpath.txt")" \
  org.kemari.itests.failover.LabBench "$(ls karaf-assembly/target/kemari-karaf-*.tar.gz)" "$work/run" "$@"
