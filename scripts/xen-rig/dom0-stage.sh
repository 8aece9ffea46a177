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

echo "RIG: xl create gpvh"
xl create /xr/rig/gpvh.cfg 2>&1 | tail -3
i=0
until grep -q "GUEST: booted" /var/log/xen/guest-gpvh.log 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 300 ] && { echo "RIG: guest did not boot"; break; }; sleep 1
done
echo "RIG: guest up after ${i} s"; xl list

JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
CP=$(ls /xr/cp/*.jar | tr '\n' ':')/xr/cp/classes:/xr/cp/test-classes
# -Xint: C1 once crashed under TCG; the checks are call-bound, not compute-bound.
timeout 900 $JAVA -Xint -XX:+UseSerialGC -Xmx192m -Djava.io.tmpdir=/tmp -Djna.library.path=$X/usr/lib/x86_64-linux-gnu \
  -cp "$CP" org.kemari.hv.xen.internal.rig.XenRigMain gpvh 4 2>&1 | grep -v -E '^xc: (info|detail|progress)'
xl list

# The engine: two nodes in one JVM protect a fresh guest (event-driven epochs, failover by heartbeat).
for d in $(xl list | awk 'NR > 1 && $1 != "Domain-0" {print $1}'); do xl destroy "$d"; done
: > /var/log/xen/guest-gpvh.log
echo "RIG: xl create gpvh (engine run)"
xl create /xr/rig/gpvh.cfg 2>&1 | tail -3
i=0
until grep -q "GUEST: booted" /var/log/xen/guest-gpvh.log 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 300 ] && { echo "RIG: guest did not boot"; break; }; sleep 1
done
echo "RIG: guest up after ${i} s"
timeout 900 $JAVA -Xint -XX:+UseSerialGC -Xmx256m -Djava.io.tmpdir=/tmp -Djna.library.path=$X/usr/lib/x86_64-linux-gnu \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
  -cp "$CP" org.kemari.core.internal.engine.XenEngineRigMain gpvh /var/log/xen 3 2>&1 | grep -v -E '^xc: (info|detail|progress)'
xl list
echo "RIG: dom0 stage done"
