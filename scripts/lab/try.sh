#!/usr/bin/env bash
# Tries the lab by hand (docs/lab.md): makes a network namespace with two bridges (replication
# link 10.77.0.0/24, service network 10.78.0.0/24; the namespace itself is .254 on both), one TAP
# pair per host, starts the hosts with host.sh, waits for each READY, asks each node
# `kemari:backends` over SSH (the distribution's bin/client, from the namespace), then kills each
# host with SIGKILL and brings it back LIVES-1 times, timing each life. Everything it made is removed
# at the end, on failure and on Ctrl-C.
#   try.sh [--hosts "a b"] [--lives N] [--dist KEMARI.tar.gz] [host.sh options...]
# (work folders in target/lab/try, or LAB_TRY_DIR)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
hosts="a" lives=2 dist=""
extra=()
while (($#)); do
  case "$1" in
    --hosts) hosts=$2; shift 2 ;; --lives) lives=$2; shift 2 ;; --dist) dist=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
[ -n "$dist" ] || dist=$(ls "$ROOT"/karaf-assembly/target/kemari-karaf-*.tar.gz 2>/dev/null | head -1)
[ -f "$dist" ] || { echo "lab-try: FAIL: no distribution (mvn -o package -DskipTests, or --dist)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "lab-try: FAIL: needs root (network namespaces, TAPs)"; exit 1; }

NS="labtry$$"
RUN="${LAB_TRY_DIR:-$ROOT/target/lab/try}"
declare -A PID=()
cleanup() {
  trap - EXIT INT TERM
  for h in "${!PID[@]}"; do kill -9 "${PID[$h]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo "lab-try: interrupted"; exit 130' INT TERM

ip netns add "$NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
for net in repl:77 svc:78; do
  nsx ip link add "br-${net%%:*}" type bridge
  nsx ip addr add "10.${net##*:}.0.254/24" dev "br-${net%%:*}"
  nsx ip link set "br-${net%%:*}" up
done
n=0
for h in $hosts; do
  n=$((n + 1))
  for net in repl svc; do
    nsx ip tuntap add dev "$h-$net" mode tap
    nsx ip link set "$h-$net" master "br-$net" up
  done
done

start_host() {   # start_host NAME INDEX LIFE
  local h=$1 i=$2 life=$3
  mkdir -p "$RUN/$h"
  # (a simple command in the background: $! is host.sh itself, which becomes QEMU)
  ip netns exec "$NS" bash "$HERE/host.sh" --name "$h" --work "$RUN/$h" --dist "$dist" \
      --repl-tap "$h-repl" --repl "10.77.0.$i/24" --svc-tap "$h-svc" --svc "10.78.0.$i/24" \
      --user lab --password lab "${extra[@]}" > "$RUN/$h/life-$life.out" 2>&1 &
  PID[$h]=$!
}
wait_ready() {   # wait_ready NAME LIFE START -> seconds
  local h=$1 life=$2 t0=$3
  while :; do
    if grep -q "LAB-HOST $h READY" "$RUN/$h/life-$life.out" 2>/dev/null; then
      echo $(( $(date +%s) - t0 )); return 0
    fi
    if grep -qE "LAB-HOST $h NODE-FAILED|lab-host $h: FAIL|LAB-BOX $h: FAILED" "$RUN/$h/life-$life.out" 2>/dev/null \
        || ! kill -0 "${PID[$h]}" 2>/dev/null; then
      echo "lab-try: host $h life $life failed: $(grep -hE 'FAIL' "$RUN/$h/life-$life.out" | tail -1) (console: $RUN/$h/console.log, karaf.log: $RUN/$h/karaf.log)" >&2
      return 1
    fi
    sleep 1
  done
}
ask() {   # ask NAME INDEX: kemari:backends over SSH
  local t0 out
  t0=$(date +%s)
  out=$(echo "kemari:backends" | timeout 120 ip netns exec "$NS" "$KARAF/bin/client" -h "10.77.0.$2" -a 8101 -u lab -p lab -r 3 -d 2 -b 2>&1 | tr -d '\r' | grep -iE 'kvm|error' | head -3)
  echo "lab-try: $1 kemari:backends ($(( $(date +%s) - t0 ))s): ${out:-no answer}"
}

rm -rf "$RUN"; mkdir -p "$RUN"
KARAF="$RUN/client"; mkdir -p "$KARAF"; tar xzf "$dist" -C "$KARAF" --strip-components=1
source "$ROOT/scripts/env.sh"
for life in $(seq 1 "$lives"); do
  i=0; t0=$(date +%s)
  for h in $hosts; do i=$((i + 1)); start_host "$h" "$i" "$life"; done
  for h in $hosts; do
    s=$(wait_ready "$h" "$life" "$t0") || exit 1
    mode=$(grep -q "restoring" "$RUN/$h/life-$life.out" && echo restore || echo boot)
    rss=$(ps -o rss= -p "${PID[$h]}" 2>/dev/null | awk '{printf "%d", $1/1024}')
    echo "lab-try: $h life $life: READY after ${s}s ($mode), QEMU RSS ${rss} MiB"
  done
  i=0
  for h in $hosts; do i=$((i + 1)); ask "$h" "$i"; done
  for h in $hosts; do kill -9 "${PID[$h]}"; wait "${PID[$h]}" 2>/dev/null || true; done
  echo "lab-try: life $life: hosts killed"
  # the save is written while the first life runs on: it must be complete before the next life
  sleep 1
done
echo "lab-try: done ($RUN)"
