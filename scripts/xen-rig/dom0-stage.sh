#!/bin/sh
# Runs in dom0 inside the chroot (host /usr, host /etc, work folder at /xr): starts Xen's daemons from
# the extracted Debian packages, boots the PVH test guest and runs the Java checks (XenRigMain).
X=/xr/root
export PATH=$X/usr/lib/xen-4.17/bin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=$X/usr/lib/x86_64-linux-gnu
mkdir -p /run/xenstored /run/xen /var/lib/xen /var/lib/xenstored /var/log/xen /var/lock
xenstored --pid-file /run/xenstored.pid && echo "RIG: xenstored started"
xen-init-dom0 > /tmp/init-dom0.log 2>&1 && echo "RIG: xen-init-dom0 ok" || cat /tmp/init-dom0.log
xenconsoled --log=guest --log-dir=/var/log/xen && echo "RIG: xenconsoled started"
xl info 2>/dev/null | grep -E '^(xen_version|virt_caps|free_memory)' | sed 's/^/RIG: xl info: /'


# Boots the guest and waits until it runs (10 rounds, "GUEST tick 10"). Under nested TCG a fresh PVH
# guest now and then triple-faults during boot, before anything of Kemari touches it: such a boot
# is reported and retried (3 attempts).
boot_guest() {
  for attempt in 1 2 3; do
    : > /var/log/xen/guest-gpvh.log
    xl create "$1" 2>&1 | tail -3
    i=0
    until grep -q "GUEST tick 10" /var/log/xen/guest-gpvh.log 2>/dev/null; do
      i=$((i + 1))
      if [ $i -gt 120 ] || xl list gpvh 2>/dev/null | awk 'NR == 2 {exit !($5 ~ /c/)}'; then break; fi
      sleep 1
    done
    if grep -q "GUEST tick 10" /var/log/xen/guest-gpvh.log; then
      echo "RIG: guest up after ${i} s (attempt $attempt)"; return 0
    fi
    echo "RIG: guest did not come up (attempt $attempt, state: $(xl list gpvh 2>/dev/null | awk 'NR == 2 {print $5}')); retrying"
    xl destroy gpvh 2>/dev/null
  done
  echo "RIG: guest did not boot"; return 1
}

echo "RIG: xl create gpvh"
boot_guest /xr/rig/gpvh.cfg; xl list

JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
CP=$(ls /xr/cp/*.jar | tr '\n' ':')/xr/cp/classes:/xr/cp/test-classes
# -Xint: C1 once crashed under TCG; the checks are call-bound, not compute-bound.
timeout 900 $JAVA -Xint -XX:+UseSerialGC -Xmx192m -Djava.io.tmpdir=/tmp -Djna.library.path=$X/usr/lib/x86_64-linux-gnu \
  -cp "$CP" org.kemari.hv.xen.internal.rig.XenRigMain gpvh 4 2>&1 | grep -v -E '^xc: (info|detail|progress)'
xl list

# The engine: two nodes in one JVM protect a fresh guest (event-driven epochs, failover by heartbeat).
for d in $(xl list | awk 'NR > 1 && $1 != "Domain-0" {print $1}'); do xl destroy "$d"; done
echo "RIG: xl create gpvh (engine run, with a vif)"
boot_guest /xr/rig/gpvh-net.cfg
# A run that stalls prints its threads (SIGQUIT: every thread's stack and the locks it waits for).
( sleep 150; while pid=$(pgrep -x java); do kill -QUIT $pid; sleep 120; done ) &
dumper=$!
timeout 600 $JAVA -Xint -XX:+UseSerialGC -Xmx256m -XX:ErrorFile=/tmp/hs_err_%p.log -Djava.io.tmpdir=/tmp -Djna.library.path=$X/usr/lib/x86_64-linux-gnu \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
  -cp "$CP" org.kemari.core.internal.engine.XenEngineRigMain gpvh /var/log/xen 3 2>&1 | grep -v -E '^xc: (info|detail|progress)'
kill $dumper 2>/dev/null
# What the engine stage leaves for a reader of the log: the copy's vifs, Kemari's holds, the guest's last lines.
ip -s link show 2>/dev/null | grep -A5 -E '^[0-9]+: (vif|kmr)' | sed 's/^/RIG-NET: /'
XS=/xr/root/usr/bin/xenstore-ls
LD_LIBRARY_PATH=$X/usr/lib/x86_64-linux-gnu $XS /local/domain/0/backend/vif 2>&1 | grep -E 'state|hotplug|^ *[0-9]+ ' | sed 's/^/RIG-NET: backend /'
for d in $(xl list | awk 'NR > 1 && $1 != "Domain-0" {print $2}'); do
  LD_LIBRARY_PATH=$X/usr/lib/x86_64-linux-gnu $XS /local/domain/$d/device 2>&1 | sed "s/^/RIG-NET: domain $d frontend /"
done
grep -v 'GUEST tick' /var/log/xen/guest-gpvh.log | tail -60 | sed 's/^/RIG-GUEST: /'
for f in /tmp/hs_err_*.log; do [ -f "$f" ] && sed -n '1,120p' "$f" | sed 's/^/HS-ERR: /'; done
xl list
echo "RIG: dom0 stage done"
