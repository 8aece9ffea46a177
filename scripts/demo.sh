#!/usr/bin/env bash
# The main job: builds Kemari and shows a transparent failover on this machine. Two Kemari nodes
# (two Karaf JVMs of the built distribution, under target/demo) run as two hosts, each in its own
# network namespace, joined with a client namespace by a switch (docs/test-topology.md). A test
# VM on host a runs a TCP key-value server on its TAP; a client holds one TCP connection to it and
# sends requests all along; host b protects the VM; host a's node is killed with SIGKILL and b
# takes over by itself. The demo prints both nodes' kemari:status (epochs, pause times), the time
# to failover, what the client saw (requests, the outage, no reset) and the checks made from
# outside both nodes, then removes everything it made (nodes, namespaces, bridges, TAPs).
# DEMO_SECONDS=<n> keeps the VM protected longer before the kill (default 3).
# DEMO_STORAGE=shared-file|nbd|replicated chooses the VM's disk (default shared-file; nbd on the lab,
# where shared-file is one image that is both hosts' disk and replicated uses each host's own disk).
# Each node gets a console user with a random password that exists only in its unpacked copy.
# Needs root (TAP, bridge, network namespaces); where /dev/kvm is missing it runs on the lab.
set -euo pipefail

# What the demo needs, checked before anything is built or started: one line for what is missing.
# Without a usable /dev/kvm (or with KEMARI_LAB=1) the two hosts are emulated machines of the lab
# (docs/lab.md): QEMU machines with their own kernel and nested KVM, killed like a power cut.
missing_prerequisite() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "run it as root (sudo bash scripts/demo.sh): it makes network namespaces, bridges and TAP devices"; return
  fi
  if [ ! -e /dev/net/tun ]; then
    echo "/dev/net/tun is missing: load the tun module (modprobe tun)"; return
  fi
  command -v ip >/dev/null || { echo "the ip command is missing (apt-get install iproute2)"; return; }
}
why=$(missing_prerequisite)
if [ -n "$why" ]; then
  echo "demo: cannot run here: $why" >&2
  exit 2
fi
lab=""
if [ "${KEMARI_LAB:-0}" = 1 ]; then
  lab=lab; echo "demo: KEMARI_LAB=1: the two hosts are emulated machines of the lab (docs/lab.md)"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
  lab=lab; echo "demo: this machine has no usable /dev/kvm: the two hosts are emulated machines of the lab (docs/lab.md)"
fi

source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== Building Kemari (mvn install, tests skipped; scripts/test.sh runs them)"
  mvn -B -ntp -q install -DskipTests
fi

demo="$KEMARI_HOME/target/demo"
mkdir -p "$demo"
# The demo is a small program next to the two-node failover tests, whose harness it runs.
mvn -B -ntp -q -pl itests dependency:build-classpath -Dmdep.outputFile="$demo/classpath.txt" \
  -DincludeScope=test -DincludeArtifactIds=sshd-core,sshd-common,slf4j-api,kemari-guest
assembly="$(ls karaf-assembly/target/kemari-karaf-*.tar.gz)"

# No logging provider: the SSH client stays quiet (and SLF4J is told not to say so).
java -Dslf4j.internal.verbosity=ERROR -Dsun.stdout.encoding=UTF-8 \
  -cp "itests/target/test-classes:$(cat "$demo/classpath.txt")" \
  org.kemari.itests.failover.FailoverDemo "$assembly" "$demo/run" "${DEMO_SECONDS:-3}" \
  "${DEMO_STORAGE:-$([ -n "$lab" ] && echo nbd || echo shared-file)}" $lab
# Success: the nodes' copies go too (after a failure they stay, with their logs, in target/demo/run).
rm -rf "$demo/run"
