#!/usr/bin/env bash
# Soak of the two-node failover: runs TwoNodeFailoverIT (two Karaf JVMs, the primary killed with
# SIGKILL at random moments, invariants checked from outside both nodes) with many kill points.
#   bash scripts/soak-failover.sh [iterations, default 200]
# SEED=<n> repeats an earlier run's timing; SKIP_BUILD=1 uses the installed distribution as is.
# Needs root (TAP, bridge, network namespace) and /dev/kvm. About 8 s per kill point on 2 cores.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"

iterations="${1:-200}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== Building Kemari (mvn install, tests skipped)"
  mvn -B -ntp -q install -DskipTests
fi

report="itests/target/failover/report.txt"
rm -f "$report"
# The test writes one line per kill point to the report while it runs: follow it.
( while [ ! -f "$report" ]; do sleep 1; done; exec tail -n +1 -F "$report" 2>/dev/null ) &
follower=$!
trap 'kill "$follower" 2>/dev/null || true' EXIT

echo "== Two-node failover soak: $iterations kill points"
status=0
mvn -B -ntp verify -pl itests -Dit.test=TwoNodeFailoverIT -Dkemari.failover.iterations="$iterations" \
  ${SEED:+-Dkemari.failover.seed="$SEED"} > itests/target/soak-failover-maven.log 2>&1 || status=$?
sleep 1
if [ "$status" != 0 ]; then
  echo "== FAILED: see itests/target/failsafe-reports/org.kemari.itests.failover.TwoNodeFailoverIT.txt"
  grep -A3 -m1 "FAILURE\|ERROR\]" itests/target/soak-failover-maven.log || true
else
  grep -E "Tests run:.*Fail" itests/target/soak-failover-maven.log | tail -1
fi
exit "$status"
