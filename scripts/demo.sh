#!/usr/bin/env bash
# The main job: builds Kemari and shows a failover on this machine. Two Kemari nodes (two Karaf
# JVMs of the built distribution, under target/demo) run side by side; a test VM on node a
# writes to a disk file and answers a client in its own network namespace; node b protects it;
# node a is killed with SIGKILL and node b takes over by itself. The demo prints both nodes'
# kemari:status, what the client saw (outage, counters before and after) and the checks made
# from outside both nodes, then removes everything it made (nodes, TAP, bridge, namespace).
# DEMO_SECONDS=<n> keeps the VM protected longer before the kill (default 3).
# Each node gets a console user with a random password that exists only in its unpacked copy.
# Needs root (TAP, bridge, network namespace) and /dev/kvm.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== Building Kemari (mvn install, tests skipped; scripts/test.sh runs them)"
  mvn -B -ntp -q install -DskipTests
fi

demo="$KEMARI_HOME/target/demo"
mkdir -p "$demo"
# The demo is a small program next to the two-node failover test, which shares its node handling.
mvn -B -ntp -q -pl itests dependency:build-classpath -Dmdep.outputFile="$demo/classpath.txt" \
  -DincludeScope=test -DincludeArtifactIds=sshd-core,sshd-common,slf4j-api,kemari-guest
assembly="$(ls karaf-assembly/target/kemari-karaf-*.tar.gz)"

# No logging provider: the SSH client stays quiet (and SLF4J is told not to say so).
java -Dslf4j.internal.verbosity=ERROR \
  -cp "itests/target/test-classes:$(cat "$demo/classpath.txt")" \
  org.kemari.itests.failover.FailoverDemo "$assembly" "$demo/run" "${DEMO_SECONDS:-3}"
# Success: the nodes' copies go too (after a failure they stay, with their logs, in target/demo/run).
rm -rf "$demo/run"
