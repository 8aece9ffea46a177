#!/usr/bin/env bash
# Runs JUnit 4 tests that need /dev/kvm inside a lab box (docs/lab.md): the box has nested KVM,
# this machine's /usr and /etc (Java 17) over 9p read-only, the checkout read-write and the local
# Maven repository read-only at their own paths, so the test class paths work unchanged.
#   run-in-box.sh                      every *Test of bundles/kemari-hv-kvm, and kemari-core's
#                                      ReplicationEngineTest and StorageEngineTest
#   run-in-box.sh CLASS...             these test classes (simple or fully qualified names)
# Builds the modules first (mvn package -DskipTests, never install; KEMARI_MVN_OFFLINE=1 adds -o;
# LAB_NO_BUILD=1 uses what target/ has). Prints every test's result, then "N passed, N failed,
# N skipped"; exits non-zero when a test failed or the box did not run them. Environment:
# LAB_MEM (MiB, default 3072), LAB_CPUS (default 2), LAB_TIMEOUT (seconds, default 3600),
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
    echo "for attempt in 1 2; do"
    echo "  cd '$ROOT/$m' && java -Xss1m -Dkemari.test.timeScale=$scale -Dkemari.nbd.connectTimeoutMillis=$nbd_ms -cp '$cp' BoxJUnit ${want[$m]}; r=\$?"
    echo "  [ \$r = 134 ] && [ \$attempt = 1 ] || break"
    echo "  echo 'BOX-JVM-CRASH $m: the JVM died of a fatal error (its report is above); running the module again'"
    echo "done"
    echo "[ \$r = 0 ] || rc=1"
    modules_run=$((${modules_run:-0} + 1))
  done
  echo "exit \$rc"
} > "$job"

mem="${LAB_MEM:-3072}" cpus="${LAB_CPUS:-2}" timeout="${LAB_TIMEOUT:-3600}"
log="$OUT/console.log"
say "booting a box ($cpus vCPUs, $mem MiB) to run the tests; console: $log"
t0=$(date +%s)
QEMU_PID=""
cleanup() { [ -n "$QEMU_PID" ] && kill -9 "$QEMU_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'echo "run-in-box: interrupted"; exit 130' INT TERM
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
while kill -0 "$QEMU_PID" 2>/dev/null; do
  (( $(date +%s) - t0 < timeout )) || { say "timeout after ${timeout}s"; kill -9 "$QEMU_PID"; break; }
  sleep 2
done
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=""
sleep 1
secs=$(( $(date +%s) - t0 ))
clean=$(tr -d '\r' < "$log")
summary=$(echo "$clean" | grep -E '^[0-9]+ passed, [0-9]+ failed' || true)
exits=$(echo "$clean" | sed -n 's/^LAB-TESTS EXIT \([0-9]*\).*/\1/p' | tail -1)
grep -q 'LAB-BOX tests: up' <<<"$clean" || fail "the box did not boot (console: $log)"
[ -n "$exits" ] || fail "the box ended before the tests did (console: $log)"
passed=0 failed=0 skipped=0
while read -r p _ f _ s _; do
  passed=$((passed + p)); failed=$((failed + ${f%,})); skipped=$((skipped + ${s:-0}))
done <<<"$summary"
say "box run ${secs}s"
echo "$passed passed, $failed failed, $skipped skipped"
crashes=$(echo "$clean" | grep -c '^BOX-JVM-CRASH' || true)
[ "$crashes" = 0 ] || say "$crashes module run(s) ended in a JVM crash and ran again (console: $log)"
# One summary per module: a module whose JVM died without one has not passed.
[ "$(echo "$summary" | grep -c passed)" -ge "${modules_run:-0}" ] || { say "a module ended without its summary (console: $log)"; exit 1; }
[ "$exits" = 0 ] && [ "$failed" = 0 ] && [ -n "$summary" ]
