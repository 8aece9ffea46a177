#!/usr/bin/env bash
# Runs JUnit 4 tests that need /dev/kvm inside a lab box (docs/lab.md): the box has nested KVM,
# this machine's /usr and /etc (Java 17) over 9p read-only, the checkout read-write and the local
# Maven repository read-only at their own paths, so the test class paths work unchanged.
#   run-in-box.sh                      every *Test of bundles/kemari-hv-kvm, and kemari-core's
#                                      ReplicationEngineTest and StorageEngineTest (not yet LinuxGuestFailoverTest:
#                                      a protected Linux guest sometimes stalls on a write; docs/kvm-backend.md)
#   run-in-box.sh CLASS...             these test classes (simple or fully qualified names)
# Builds the modules first (mvn package -DskipTests, never install; KEMARI_MVN_OFFLINE=1 adds -o;
# LAB_NO_BUILD=1 uses what target/ has). Prints every test's result, then "N passed, N failed,
# N skipped"; exits non-zero when a test failed or the box did not run them. Environment:
# LAB_MEM (MiB, default 3072), LAB_CPUS (default 2), LAB_TIMEOUT (seconds, default 2400),
# LAB_TEST_LIMIT (seconds a test without its own timeout may run, default 900), LAB_SILENCE
# (seconds of console silence that mean the box froze, default 300; docs/lab.md "Hangs"),
# LAB_TIME_SCALE (default 10): the tests' kemari.test.timeScale in the box (Java under TCG runs
# ~7x slower): it multiplies their deadlines, @Test timeouts and the engine/transport timeouts they
# configure (org.kemari.testing.TestTime), never what they check.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LAB="$ROOT/target/lab"
OUT="$LAB/run-in-box"
MODULES=(bundles/kemari-hv-kvm bundles/kemari-core)
CORE_DEFAULT=(org.kemari.core.internal.engine.ReplicationEngineTest org.kemari.core.internal.engine.StorageEngineTest)
say() { echo "run-in-box: $*"; }
fail() { echo "run-in-box: FAIL: $*"; exit 1; }

source "$ROOT/scripts/env.sh"
qemu=$(bash "$HERE/setup.sh" | tail -1) || fail "no QEMU for the lab (scripts/lab/setup.sh)"
Q="$LAB/qemu"
img=$(bash "$HERE/image.sh" | tail -1) || fail "the box image could not be built"
M2="${LAB_M2:-$HOME/.m2/repository}"
case "$ROOT$M2$OUT" in *,*|*' '*) fail "paths with commas or spaces cannot be 9p-shared: $ROOT $M2" ;; esac

rm -rf "$OUT"; mkdir -p "$OUT/runner"
if [ "${LAB_NO_BUILD:-0}" != 1 ]; then
  say "building ${MODULES[*]} (mvn package -DskipTests; log: $OUT/build.log)"
  mods=$(IFS=,; echo "${MODULES[*]}")
  (cd "$ROOT" && mvn -B -ntp ${KEMARI_MVN_OFFLINE:+-o} -pl "$mods" -am package dependency:build-classpath \
      -DskipTests -Dmdep.includeScope=test -Dmdep.outputFile=target/lab-classpath.txt) > "$OUT/build.log" 2>&1 \
    || { tail -20 "$OUT/build.log"; fail "the build failed (log: $OUT/build.log)"; }
fi
for m in "${MODULES[@]}"; do
  [ -f "$ROOT/$m/target/lab-classpath.txt" ] || fail "no class path for $m (build first, without LAB_NO_BUILD)"
done
junit=$(tr ':' '\n' < "$ROOT/${MODULES[0]}/target/lab-classpath.txt" | grep '/junit-4[^/]*\.jar$' | head -1)
[ -n "$junit" ] || fail "no JUnit 4 on the test class path"
javac -d "$OUT/runner" -cp "$junit" "$HERE/BoxJUnit.java" || fail "cannot compile BoxJUnit"

# Which classes, in which module (each module's tests run in one JVM, in the module's folder).
declare -A want=()
if (($#)); then
  for c in "$@"; do
    found=""
    for m in "${MODULES[@]}"; do
      f=$(cd "$ROOT/$m/target/test-classes" 2>/dev/null && find . -name "${c##*.}.class" | grep -F "$(echo "$c" | tr . /).class" | head -1 || true)
      [ -n "$f" ] && { f=${f#./}; want[$m]+=" $(echo "${f%.class}" | tr / .)"; found=1; break; }
    done
    [ -n "$found" ] || fail "no test class $c in ${MODULES[*]}"
  done
else
  want[bundles/kemari-hv-kvm]=$(cd "$ROOT/bundles/kemari-hv-kvm/target/test-classes" && find . -name '*Test.class' ! -name '*$*' \
      | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort | tr '\n' ' ')
  want[bundles/kemari-core]="${CORE_DEFAULT[*]}"
fi

scale="${LAB_TIME_SCALE:-10}"
[[ "$scale" =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "LAB_TIME_SCALE must be a number, got '$scale'"
# The box's nbd-server negotiates in seconds: every NBD disk opened in the box gets the scaled
# connect timeout (docs/operations.md, "NBD timeouts"), not only the tests that set it themselves.
test_limit="${LAB_TEST_LIMIT:-900}"
[[ "$test_limit" =~ ^[0-9]+$ ]] || fail "LAB_TEST_LIMIT must be whole seconds, got '$test_limit'"
nbd_ms=$(awk -v s="$scale" 'BEGIN { printf "%d", 5000 * s }')
job="$OUT/job.sh"
{
  echo "# made by run-in-box.sh"
  echo "rc=0"
  for m in "${MODULES[@]}"; do
    [ -n "${want[$m]:-}" ] || continue
    cp="$OUT/runner:$ROOT/$m/target/test-classes:$ROOT/$m/target/classes:$(cat "$ROOT/$m/target/lab-classpath.txt")"
    echo "echo 'BOX-MODULE $m'"
    # A JVM that dies of a fatal error (exit 134 after its hs_err report: seen once, a SIGSEGV in
    # C1-compiled JDK code under TCG after every test had passed) is reported and its module run
    # once more, as the build reruns a failed test; a second death, or any failed test, fails.
    # A JVM whose watchdog found a hung test (exit 3: that test failed, stacks printed) is followed
    # by a new one for the classes after it (the done file lists what has run).
    done_file="$OUT/done-$(basename "$m")"
    echo "crashes=0 hangs=0 failed=0"
    echo "while :; do"
    echo "  cd '$ROOT/$m' && java -Xss1m -Dbox.testLimitMillis=$((test_limit * 1000)) -Dkemari.test.timeScale=$scale -Dkemari.nbd.connectTimeoutMillis=$nbd_ms -cp '$cp' BoxJUnit --done '$done_file' ${want[$m]}; r=\$?"
    echo "  if [ \$r = 3 ] && [ \$hangs -lt 5 ]; then hangs=\$((hangs + 1)); failed=1; continue; fi"
    echo "  if [ \$r = 134 ] && [ \$crashes = 0 ]; then crashes=1; rm -f '$done_file'"
    echo "    echo 'BOX-JVM-CRASH $m: the JVM died of a fatal error (its report is above); running the module again'; continue; fi"
    echo "  break"
    echo "done"
    echo "[ \$r = 0 ] && [ \$failed = 0 ] || rc=1"
  done
  echo "exit \$rc"
} > "$job"

mem="${LAB_MEM:-3072}" cpus="${LAB_CPUS:-2}" timeout="${LAB_TIMEOUT:-2400}" silence="${LAB_SILENCE:-300}"
t0=$(date +%s)
QEMU_PID=""
cleanup() { [ -n "$QEMU_PID" ] && kill -9 "$QEMU_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'echo "run-in-box: interrupted"; exit 130' INT TERM

# boot_box N: runs the job in box N until it ends, goes silent (no console output but the kernel's
# for $silence s: the tests' JVM prints a line a minute while a test runs, so silence means the
# box itself froze; a frozen box's kernel may still print hung-task warnings every 2 minutes, which
# do not count), or the whole run's $timeout is spent. Sets box_end to ended|silent|timeout.
boot_box() {
  local n=$1 log="$OUT/console-$1.log" size=0 quiet_since
  say "booting box $n ($cpus vCPUs, $mem MiB) to run the tests; console: $log"
  "$qemu" -L "$Q/usr/share/qemu" -L "$Q/usr/share/seabios" -accel tcg,thread=multi -cpu max -m "$mem" -smp "$cpus" \
    -nodefaults -no-user-config -display none -no-reboot -serial stdio -monitor none \
    -virtfs local,path=/usr,mount_tag=usr,security_model=none,readonly=on \
    -virtfs local,path=/etc,mount_tag=etc,security_model=none,readonly=on \
    -virtfs "local,path=$ROOT,mount_tag=src,security_model=none" \
    -virtfs "local,path=$M2,mount_tag=m2,security_model=none,readonly=on" \
    -kernel "$img/vmlinuz" -initrd "$img/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 kemari.name=tests kemari.root=9p kemari.job=tests kemari.mnt=src:$ROOT,m2:$M2:ro kemari.script=$job" \
    < /dev/null > "$log" 2>&1 &
  QEMU_PID=$!
  tail -n +1 -f --pid=$QEMU_PID "$log" 2>/dev/null | tr -d '\r' | grep --line-buffered -E '^(BOX-|LAB-|[0-9]+ passed)' &
  box_end=ended quiet_since=$(date +%s)
  while kill -0 "$QEMU_PID" 2>/dev/null; do
    sleep 2
    local now new
    # Lines of the job and the tests, not the kernel's "[ 123.456] ..." messages.
    now=$(date +%s) new=$(tr -d '\r' < "$log" | grep -cvE '^\[ *[0-9]+\.[0-9]+\]' || true)
    if [ "$new" != "$size" ]; then size=$new quiet_since=$now; fi
    if (( now - t0 >= timeout )); then box_end=timeout; break; fi
    if (( now - quiet_since >= silence )); then box_end=silent; break; fi
  done
  [ "$box_end" = ended ] || kill -9 "$QEMU_PID" 2>/dev/null
  wait "$QEMU_PID" 2>/dev/null || true
  QEMU_PID=""
  sleep 1
}

# The class a frozen box was running: marked done (the job marks a class before running it) but
# with no BOX-CLASS line on any console yet.
unfinished_class() {
  local f c
  for f in "$OUT"/done-*; do
    [ -f "$f" ] || continue
    c=$(tail -1 "$f")
    cat "$OUT"/console-*.log | tr -d '\r' | grep -qF "BOX-CLASS $c:" || { echo "$f $c"; return; }
  done
}

# A box that froze, or whose kernel died (seen: "corrupted stack end detected inside scheduler"
# in a vCPU thread's KVM_RUN, nested KVM under TCG), is stopped and the classes left run in a new
# box; the class it died in runs once more there (as the build reruns a failed test), and is
# failed if it takes a box down again.
box=1 froze=() retried=""
while :; do
  boot_box "$box"
  if [ "$box_end" = ended ]; then
    tr -d '\r' < "$OUT/console-$box.log" | grep -q '^LAB-TESTS EXIT' && break
    panic=$(tr -d '\r' < "$OUT/console-$box.log" | grep -m1 -o 'Kernel panic.*' || true)
    [ -n "$panic" ] || break   # ended some other way: reported below
  elif [ "$box_end" = timeout ]; then
    break
  fi
  read -r done_file hung <<<"$(unfinished_class)"
  if [ "$box_end" = silent ]; then
    say "box $box: no console output for ${silence}s${hung:+ in $hung}: the box froze and is stopped; its last lines:"
    tr -d '\r' < "$OUT/console-$box.log" | tail -15 | sed 's/^/  | /'
  else
    say "box $box: its kernel died${hung:+ in $hung}: $panic (console: $OUT/console-$box.log)"
  fi
  froze+=("${hung:-?}")
  if [ -n "$hung" ] && [[ " $retried " != *" $hung "* ]]; then
    sed -i '$d' "$done_file"      # run it again
    retried+=" $hung"
  fi
  (( box < 3 )) || break
  box=$((box + 1))
done
secs=$(( $(date +%s) - t0 ))
clean=$(cat "$OUT"/console-*.log | tr -d '\r')
grep -q 'LAB-BOX tests: up' <<<"$clean" || fail "the box did not boot (console: $OUT/console-1.log)"
last=$(tr -d '\r' < "$OUT/console-$box.log")
exits=$(echo "$last" | sed -n 's/^LAB-TESTS EXIT \([0-9]*\).*/\1/p' | tail -1)
if [ "$box_end" = timeout ]; then
  say "timeout after ${timeout}s (LAB_TIMEOUT); the last lines of box $box:"
  echo "$last" | tail -15 | sed 's/^/  | /'
fi
# Each test's last result counts (a class run again after a JVM crash or a frozen box).
read -r passed failed skipped <<<"$(echo "$clean" | awk '
  /^BOX-TEST (PASS|FAIL|SKIP) / { name = $3; sub(/:$/, "", name); result[name] = $2 }
  END { for (n in result) c[result[n]]++; printf "%d %d %d\n", c["PASS"], c["FAIL"], c["SKIP"] }')"
say "box run ${secs}s in $box box(es)"
echo "$passed passed, $failed failed, $skipped skipped"
# The stacks a JVM's watchdog printed for a hung test: the threads that run project code.
echo "$clean" | awk '
  / hung past its limit; every thread.s stack:$/ { dump = 1; print "run-in-box: " $0; next }
  /^BOX-JVM-HUNG/ { if (keep) printf "%s", buf; dump = 0; buf = ""; keep = 0; next }
  dump && /^"/ { if (keep) printf "%s", buf; buf = ""; keep = 0 }
  dump { buf = buf "  | " $0 "\n"; if (/org\.kemari/) keep = 1 }'
flaky=$(echo "$clean" | grep '^BOX-TEST FLAKY' || true)
[ -z "$flaky" ] || { say "tests that failed and then passed when run again (flaky):"; echo "$flaky" | sed 's/^/  /'; }
crashes=$(echo "$clean" | grep -c '^BOX-JVM-CRASH' || true)
[ "$crashes" = 0 ] || say "$crashes module run(s) ended in a JVM crash and ran again (consoles: $OUT/console-*.log)"
((${#froze[@]} == 0)) || say "${#froze[@]} box(es) froze or died (in: ${froze[*]}); the classes left ran in a new box"
[ -n "$exits" ] || fail "the box ended before the tests did (console: $OUT/console-$box.log)"
# Every class asked for has finished somewhere: a JVM or box that died mid-class has not passed.
missing=""
for m in "${!want[@]}"; do
  for c in ${want[$m]}; do
    grep -qF "BOX-CLASS $c:" <<<"$clean" || missing+=" $c"
  done
done
[ -z "$missing" ] || { say "these classes never finished:$missing"; exit 1; }
[ "$exits" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
