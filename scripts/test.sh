#!/usr/bin/env bash
# Runs every test: unit tests of all modules, KVM tests on /dev/kvm, the Pax Exam integration
# tests that boot the built Karaf distribution, and the two-node failover tests (itests, two Karaf
# JVMs in network namespaces, the primary killed with SIGKILL: TwoNodeFailoverIT 20 times, ~3.5 min;
# TcpFailoverIT 10 times per storage mode with a TCP client, ~4 min; NetworkFailurePathsIT, ~10 s).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"

# karaf-maven-plugin's verify goal leaves /tmp/download-*.tmp files behind: remove ours.
marker=$(mktemp)
trap 'find /tmp -maxdepth 1 -name "download-*.tmp" -newer "$marker" -delete 2>/dev/null; rm -f "$marker"' EXIT

mvn -B -ntp install "$@"

# The nested Xen rig (docs/xen-rig.md): Xen 4.17 under QEMU TCG, the Xen backend and the engine's
# stream seam protecting a PVH guest through a failover. Opt-in (KEMARI_XEN_RIG=1) until its
# engine-driven stage has passed here: its last run failed (see docs/xen-rig.md), and a failing
# rig must not hide the rest of the suite's result.
if [ "${KEMARI_XEN_RIG:-0}" = 1 ]; then
  bash scripts/xen-rig/run.sh
fi
