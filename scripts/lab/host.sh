#!/usr/bin/env bash
# One lab host (docs/lab.md): a QEMU TCG machine with nested KVM and a Kemari node in it. Ends by
# exec'ing qemu-system-x86_64, so this process IS the host: SIGKILL to it is the host's death.
#
#   host.sh --name N --work DIR --dist KEMARI.tar.gz --repl-tap TAP --repl ADDR/PREFIX
#           --svc-tap TAP --svc ADDR/PREFIX [--user U --password P] [--mem MiB] [--cpus N]
#           [--heap SIZE] [--vm-tap NAME] [--cfg PID/key=value]... [--snapshots DIR | --no-snapshot]
#           [--node-timeout S] [--shared-disk FILE | --own-disk FILE]
#
# The TAPs must exist (the caller makes them, usually in a network namespace, and runs this
# script with `ip netns exec`). NIC 1 (TAP --repl-tap) is the replication link: the node's SSH
# console (port 8101) and its standby listener (7788) are on --repl. NIC 2 (--svc-tap) is the
# service network: enslaved to bridge br0 in the box, which carries --svc; a protected VM's TAP
# goes on br0: the box makes a persistent TAP --vm-tap (default ktap0) on br0 for it, so the VM
# is started with `kemari:vm-start ... --nic tap:ktap0` on every host.
# Output (stdout, also appended to DIR/console.log): the box's console, with the lines
#   LAB-HOST N READY ssh=A:8101 standby=A:7788     the node answers on SSH
#   LAB-HOST N NODE-FAILED <reason>                the node did not come up (then the box powers off)
#   lab-host N: FAIL: <reason>                     this script's own failures (before QEMU runs)
# --shared-disk FILE: the raw image FILE is the box's /dev/vdc, read-write and unlocked, so several
# hosts given the same FILE share one disk, as hosts share a SAN LUN (a VM's "shared file" disk is
# then /dev/vdc on every host). Each life drops the box's page cache when it starts, so a restored
# box reads what the disk holds now, not what it cached when it was saved. --own-disk FILE: the
# same /dev/vdc, but the host's alone (locked): its local disk, e.g. for a replicated VM disk.
# DIR/karaf.log is the node's karaf.log (appended to by every life of the host).
# Snapshots (default on, in target/lab/snapshots or LAB_SNAPSHOTS): the first life of a host
# (same name, addresses, distribution, image, memory, ...) boots and saves the whole machine when
# its node is up; later lives restore that save instead of booting (seconds instead of minutes).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LAB="$ROOT/target/lab"

name="" work="" dist="" repl_tap="" svc_tap="" repl="" svc="" user="" password="" vm_tap="ktap0" cfg="" extra_disk="" disk_lock=off
mem="${LAB_MEM:-1536}" cpus="${LAB_CPUS:-2}" heap="${LAB_HEAP:-256m}" node_timeout="${LAB_NODE_TIMEOUT:-900}"
snapshots="${LAB_SNAPSHOTS:-$LAB/snapshots}"
while (($#)); do
  case "$1" in
    --name) name=$2 ;; --work) work=$2 ;; --dist) dist=$2 ;;
    --repl-tap) repl_tap=$2 ;; --svc-tap) svc_tap=$2 ;; --repl) repl=$2 ;; --svc) svc=$2 ;;
    --user) user=$2 ;; --password) password=$2 ;; --mem) mem=$2 ;; --cpus) cpus=$2 ;; --heap) heap=$2 ;;
    --snapshots) snapshots=$2 ;; --no-snapshot) snapshots=""; shift; continue ;;
    --node-timeout) node_timeout=$2 ;; --vm-tap) vm_tap=$2 ;; --shared-disk) extra_disk=$2 disk_lock=off ;;
    --own-disk) extra_disk=$2 disk_lock=on ;;
    --cfg) case "$2" in */*=*) ;; *) echo "lab-host: FAIL: --cfg PID/key=value" >&2; exit 2 ;; esac
           cfg+="${cfg:+,}$2" ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) echo "lab-host: FAIL: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
  shift 2 || { echo "lab-host: FAIL: $1 needs a value" >&2; exit 2; }
done
fail() { echo "lab-host ${name:-?}: FAIL: $*" >&2; exit 1; }
[ -n "$name" ] && [ -n "$work" ] && [ -n "$dist" ] && [ -n "$repl_tap" ] && [ -n "$repl" ] \
  || fail "--name, --work, --dist, --repl-tap and --repl are needed (--help)"
case "$name" in *[!a-zA-Z0-9_-]*) fail "--name: letters, digits, _ and - only" ;; esac
[ -f "$dist" ] || fail "no distribution at $dist"
qemu_bin=$(bash "$HERE/setup.sh" | tail -1) || fail "no QEMU for the lab (bash scripts/lab/setup.sh says why)"
Q="$LAB/qemu"
command -v python3 >/dev/null || fail "python3 is missing (bash scripts/lab/setup.sh)"
for t in "$repl_tap" ${svc_tap:+"$svc_tap"}; do
  [ -e "/sys/class/net/$t" ] || fail "TAP $t does not exist here (network namespace: $(ip netns identify $$ 2>/dev/null | grep . || echo 'the root one'))"
done
if [ -n "$extra_disk" ]; then
  [ -f "$extra_disk" ] || fail "no disk image at $extra_disk (--shared-disk/--own-disk)"
  case "$extra_disk" in *,*) fail "--shared-disk/--own-disk: a path without commas, please (QEMU option syntax)" ;; esac
  extra_disk="$(cd "$(dirname "$extra_disk")" && pwd)/$(basename "$extra_disk")"
fi
mkdir -p "$work" "$LAB"
work="$(cd "$work" && pwd)"

# The image and the distribution as a plain tar (a read-only disk the box unpacks from), both
# cached; one host at a time builds them.
exec 9>"$LAB/.build.lock"
flock 9
img=$(bash "$HERE/image.sh" | tail -1) || fail "the host image could not be built"
dist_sum=$(sha256sum "$dist" | cut -c1-16)
dist_tar="$LAB/dist/$dist_sum.tar"
if [ ! -f "$dist_tar" ]; then
  mkdir -p "$LAB/dist"
  gzip -dc "$dist" > "$dist_tar.tmp" || fail "$dist is not a gzip'd tar"
  mv "$dist_tar.tmp" "$dist_tar"
fi
flock -u 9; exec 9>&-

mac() { printf '52:54:%s:%s' "$(printf %s "$name" | md5sum | sed 's/^\(..\)\(..\)\(..\).*/\1:\2:\3/')" "$1"; }
repl_mac=$(mac 01) svc_mac=$(mac 02)
cmdline="console=ttyS0 quiet panic=-1 kemari.name=$name kemari.root=disk kemari.job=node"
cmdline+=" kemari.repl=$repl kemari.repl_mac=$repl_mac kemari.dist=/dev/vdb kemari.heap=$heap kemari.node_timeout=$node_timeout"
[ -n "$svc_tap" ] && cmdline+=" kemari.svc=$svc kemari.svc_mac=$svc_mac${vm_tap:+ kemari.vm_tap=$vm_tap}"
[ -n "$user" ] && cmdline+=" kemari.user=$user kemari.password=$password"
[ -n "$cfg" ] && cmdline+=" kemari.cfg=$cfg"
# LAB_JVM: the node's JVM flags instead of the lab's (commas for spaces), e.g. for measurements
[ -n "${LAB_JVM:-}" ] && cmdline+=" kemari.jvm=$LAB_JVM"
[ -n "$snapshots" ] && cmdline+=" kemari.snapshot=1"

qemu=("$qemu_bin" -L "$Q/usr/share/qemu" -L "$Q/usr/share/seabios" -name "lab-$name" -accel tcg,thread=multi -cpu max -m "$mem" -smp "$cpus"
  -nodefaults -display none -no-reboot -no-user-config
  -chardev "stdio,id=con,logfile=$work/console.log,logappend=on" -serial chardev:con
  -chardev "file,id=klog,path=$work/karaf.log,append=on" -serial chardev:klog
  -chardev "socket,id=kick,path=$work/kick.sock,server=on,wait=off" -serial chardev:kick
  -qmp "unix:$work/qmp.sock,server=on,wait=off"
  -drive "file=$img/root.ext4,format=raw,if=virtio,readonly=on"
  -drive "file=$dist_tar,format=raw,if=virtio,readonly=on"
  -netdev "tap,id=repl,ifname=$repl_tap,script=no,downscript=no" -device "virtio-net-pci,netdev=repl,mac=$repl_mac,romfile=")
[ -n "$svc_tap" ] && qemu+=(-netdev "tap,id=svc,ifname=$svc_tap,script=no,downscript=no" -device "virtio-net-pci,netdev=svc,mac=$svc_mac,romfile=")
# if=virtio like the others, so it comes after them (/dev/vdc); a shared one unlocked, as the other
# hosts have it open too
[ -n "$extra_disk" ] && qemu+=(-drive "file=$extra_disk,format=raw,if=virtio,file.locking=$disk_lock")
qemu+=(-kernel "$img/vmlinuz" -initrd "$img/initrd.gz" -append "$cmdline")

rm -f "$work/kick.sock" "$work/qmp.sock"
echo "$(date -u '+%F %T') lab-host $name: life starts (pid $$)" >> "$work/console.log"
if [ -n "$snapshots" ]; then
  # One save per host identity: everything that the saved machine has baked in or that QEMU
  # needs to match on restore.
  # (the command line without what differs between lives: work folder, TAPs)
  key=$( { cat "$img/inputs" "$Q/ok"; echo "$dist_sum mapped-ram"; printf '%s\n' "${qemu[@]}" \
           | sed -e "s|$work|WORK|g" -e "s|ifname=[^,]*|ifname=TAP|" -e "s|file=${extra_disk:-/nonexistent},|file=SHARED,|"; } \
           | sha256sum | cut -c1-16)
  mkdir -p "$snapshots"
  snap="$snapshots/$name-$key.mig"
  if [ -f "$snap" ]; then
    echo "lab-host $name: restoring $snap" >&2
    python3 "$HERE/lab-helper.py" restore "$name" "$work" "$snap" "$$" &
    exec "${qemu[@]}" -incoming defer
  fi
  # saves of this host made for other inputs are of no more use
  find "$snapshots" -maxdepth 1 -name "$name-????????????????.mig*" ! -name "$name-$key.mig" -delete 2>/dev/null || true
  python3 "$HERE/lab-helper.py" save "$name" "$work" "$snap" "$$" &
fi
exec "${qemu[@]}"
