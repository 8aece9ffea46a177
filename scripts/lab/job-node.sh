# A lab host's job (run by box-init in the box's chroot; docs/lab.md): unpacks the Kemari
# distribution from the tar disk (kemari.dist, default /dev/vdb) into tmpfs, puts its SSH console
# and standby listener on the replication address, starts the node and prints
#   LAB-HOST <name> READY ssh=<addr>:8101 standby=<addr>:7788    when its SSH port answers
#   LAB-HOST <name> NODE-FAILED <reason>                        when it does not / its JVM ends
# on the console (ttyS0). karaf.log goes to ttyS1 (the host's work folder/karaf.log).
# kemari.vm_tap=T: a persistent TAP T on br0 for the protected VM's NIC (--nic tap:T).
# With kemari.snapshot=1 it prints "LAB-HOST <name> SNAPSHOT-POINT" first and waits for a line
# "go <unix-seconds>" on ttyS2 (sent by host.sh after it saved the machine, and after each restore
# of that save): sets the clock, then READY.
. /lab/env
N=${K_name:-box}
export HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
hostline() { echo "LAB-HOST $N $*"; }
fail() { hostline "NODE-FAILED $*"; exit 1; }

ip=${K_repl%/*}
[ -n "$ip" ] || fail "no replication address (kemari.repl)"
dist=${K_dist:-/dev/vdb}
t0=$(cut -d' ' -f1 /proc/uptime)
mkdir -p /opt/unpack
tar xf "$dist" -C /opt/unpack 2>/dev/null || fail "cannot unpack the distribution from $dist"
D=$(ls -d /opt/unpack/*/ 2>/dev/null | head -1)
[ -x "${D}bin/karaf" ] || fail "no bin/karaf in the distribution"
mv "${D%/}" /opt/kemari; D=/opt/kemari
cd $D
# The protected VM's NIC: a persistent TAP on br0 (docs/operations.md, Network); iproute2's ip
# (busybox's has no tuntap, and busybox sh runs its own applets before anything on PATH).
if [ -n "${K_vm_tap:-}" ]; then
  /usr/sbin/ip tuntap add dev "$K_vm_tap" mode tap && /usr/sbin/ip link set "$K_vm_tap" master br0 up \
    || fail "cannot make TAP $K_vm_tap on br0"
fi

# Console and standby listener on the replication address; the operator's user.
sed -i "s/^sshHost *=.*/sshHost = $ip/" etc/org.apache.karaf.shell.cfg
grep -q "^sshHost = $ip" etc/org.apache.karaf.shell.cfg || echo "sshHost = $ip" >> etc/org.apache.karaf.shell.cfg
touch etc/org.kemari.engine.cfg
sed -i '/^standby\.listen/d' etc/org.kemari.engine.cfg
echo "standby.listen = $ip:7788" >> etc/org.kemari.engine.cfg
[ -n "${K_user:-}" ] && echo "$K_user = ${K_password:-$K_user},_g_:admingroup" >> etc/users.properties
# kemari.cfg=PID/key=value,...: more configuration (etc/PID.cfg), e.g. slower heartbeats for TCG
for kv in $(echo "${K_cfg:-}" | tr ',' ' '); do
  pid=${kv%%/*}; kv=${kv#*/}
  touch "etc/$pid.cfg"; sed -i "/^${kv%%=*} *=/d" "etc/$pid.cfg"
  echo "${kv%%=*} = ${kv#*=}" >> "etc/$pid.cfg"
done
# JVM flags for a box under TCG: C1 only (C2 compiles cost minutes of emulated CPU), serial GC,
# a fixed heap; kemari.jvm (commas for spaces) replaces them.
if [ -n "${K_jvm:-}" ]; then opts=$(echo "$K_jvm" | tr ',' ' ')
else opts="-Xms${K_heap:-256m} -Xmx${K_heap:-256m} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1 -Xss512k"; fi
cat > bin/setenv <<EOF
export EXTRA_JAVA_OPTS="$opts"
EOF

mkdir -p data/log; touch data/log/karaf.log
tail -F data/log/karaf.log > /dev/ttyS1 2>/dev/null &
echo "$(date -u '+%F %T') LAB-HOST $N: starting the node, JVM flags: $opts" > /dev/ttyS1
bin/karaf server > /var/log/karaf.out 2>&1 &
KPID=$!
hostline "NODE-STARTING pid=$KPID unpacked=$(awk -v a="$t0" '{printf "%.1f", $1 - a}' /proc/uptime)s"

limit=${K_node_timeout:-900}
s0=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
while :; do
  kill -0 $KPID 2>/dev/null || { tail -5 /var/log/karaf.out; fail "the node's JVM ended (karaf.log in the work folder)"; }
  b=$(timeout 3 nc "$ip" 8101 </dev/null 2>/dev/null | head -c 4)
  [ "$b" = "SSH-" ] && break
  now=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
  [ $((now - s0)) -lt "$limit" ] || fail "SSH on $ip:8101 did not answer within ${limit}s (karaf.log in the work folder)"
  sleep 2
done
up=$(( $(cut -d' ' -f1 /proc/uptime | cut -d. -f1) - s0 ))
hostline "NODE-UP after ${up}s (box uptime $(cut -d' ' -f1 /proc/uptime)s)"

if [ "${K_snapshot:-0}" = 1 ]; then
  stty -F /dev/ttyS2 raw -echo 2>/dev/null
  sync; echo 3 > /proc/sys/vm/drop_caches   # less to save
  hostline "SNAPSHOT-POINT"
fi
while :; do
  if [ "${K_snapshot:-0}" = 1 ]; then
    # Blocks until host.sh says go: after the save in the first life, after the restore in the others.
    line=""
    while [ "${line%% *}" != go ]; do IFS= read -r line < /dev/ttyS2 || sleep 1; line=$(echo "$line" | tr -d '\r'); done
    date -s "@${line#go }" > /dev/null 2>&1
    # A restored box has the page cache of the moment it was saved: a shared disk (host.sh
    # --shared-disk) holds other data now, and must be read afresh.
    sync; echo 1 > /proc/sys/vm/drop_caches
  fi
  hostline "READY ssh=$ip:8101 standby=$ip:7788"
  # Stays here for the host's life; a restored box starts again from the read above.
  wait $KPID
  fail "the node's JVM ended (karaf.log in the work folder)"
done
