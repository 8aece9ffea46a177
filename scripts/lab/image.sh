#!/usr/bin/env bash
# Builds the lab's host image (docs/lab.md) under target/lab/image, unless it is there already for
# the same inputs:
#   vmlinuz     Debian's kernel (the package linux-image-amd64 points at)
#   initrd.gz   busybox + the kernel modules a host needs + /init (box-init) + the jobs (job-*.sh)
#   root.ext4   the box's read-only root disk: Java 17 (this machine's JDK, copied), iproute2's
#               ip/tc/bridge, busybox applets, the shared libraries they need; made with
#               mkfs.ext4 -d (no mount, no root needed).
# Prints the image folder on its last line. Everything downloaded is cached in target/lab/debs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../lib/box.sh
source "$ROOT/scripts/lib/box.sh"
LAB="$ROOT/target/lab"
IMG="$LAB/image"
JDK="${LAB_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"

say() { echo "lab-image: $*" >&2; }
fail() { echo "lab-image: FAIL: $*" >&2; exit 1; }

for c in cpio mkfs.ext4 gzip apt-get dpkg-deb; do
  command -v "$c" >/dev/null || fail "$c is missing (bash scripts/lab/setup.sh installs what the lab needs)"
done
[ -x "$JDK/bin/java" ] || fail "no Java 17 at $JDK (openjdk-17-jre-headless; bash scripts/setup.sh)"

# Modules a host needs (their dependencies come along from modules.dep):
# nested KVM (kvm-amd with nested paging under QEMU TCG), virtio devices, 9p (the host's /usr and
# /etc for run-in-box), ext4 (the root disk), networking for the node and its VM (TAP, bridge,
# veth, network namespaces are built in), nbd (shared storage), the tc parts kemari-io-net uses.
MODULES=(irqbypass kvm ccp kvm_amd
         virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_net virtio_blk
         9pnet 9pnet_virtio netfs fscache 9p crc32c_generic ext4
         tun bridge veth nbd ifb sch_ingress cls_matchall act_mirred sch_plug)

kernel_pkg=$(box_kernel_pkg)
kver=${kernel_pkg#linux-image-}

# The inputs: a change in any of them rebuilds the image.
inputs=$( {
  echo "kernel $kernel_pkg"; echo "modules ${MODULES[*]}"
  dpkg-query -W -f '${Package} ${Version}\n' openjdk-17-jre-headless iproute2 libc6 2>/dev/null || true
  echo "jdk $JDK"
  cat "$0" "$ROOT/scripts/lib/box.sh" "$HERE"/box-init "$HERE"/job-*.sh
} | sha256sum | cut -c1-16)
if [ -f "$IMG/inputs" ] && [ "$(cat "$IMG/inputs")" = "$inputs" ] \
   && [ -f "$IMG/vmlinuz" ] && [ -f "$IMG/initrd.gz" ] && [ -f "$IMG/root.ext4" ]; then
  echo "$IMG"; exit 0
fi
say "building the host image ($kernel_pkg) in $IMG"
start=$(date +%s)

box_fetch_debs "$LAB/debs" "$kernel_pkg" busybox-static
rm -rf "$IMG"; mkdir -p "$IMG"
tmp="$IMG/tmp"; mkdir -p "$tmp/kernel" "$tmp/busybox"
dpkg-deb -x "$(box_deb "$LAB/debs" "$kernel_pkg")" "$tmp/kernel"
dpkg-deb -x "$(box_deb "$LAB/debs" busybox-static)" "$tmp/busybox"
cp "$tmp/kernel/boot/vmlinuz-$kver" "$IMG/vmlinuz"

# --- initramfs ----------------------------------------------------------------------------------
i="$tmp/initrd"
mkdir -p "$i/bin" "$i/proc" "$i/sys" "$i/dev" "$i/lab" "$i/newroot"
cp "$tmp/busybox/bin/busybox" "$i/bin/busybox"
BOX_BUSYBOX="$tmp/busybox/bin/busybox" box_modules "$tmp/kernel" "$kver" "$i/lib/modules" "${MODULES[@]}" || fail "kernel modules"
install -m 755 "$HERE/box-init" "$i/init"
install -m 755 "$HERE"/job-*.sh "$i/lab/"
box_cpio "$i" "$IMG/initrd.gz"

# --- root disk ----------------------------------------------------------------------------------
r="$tmp/root"
mkdir -p "$r/usr/bin" "$r/usr/sbin" "$r/usr/lib/x86_64-linux-gnu" "$r/usr/lib64" "$r/etc" "$r/usr/lib/jvm"
ln -s usr/bin "$r/bin"; ln -s usr/sbin "$r/sbin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
cp "$tmp/busybox/bin/busybox" "$r/usr/bin/busybox"
for a in $("$r/usr/bin/busybox" --list); do
  [ -e "$r/usr/bin/$a" ] || ln -s busybox "$r/usr/bin/$a"
done
for t in ip tc bridge; do cp "$(command -v $t)" "$r/usr/sbin/$t"; rm -f "$r/usr/bin/$t"; done
# The JDK without what a headless node never loads (sources, jmods, headers, docs); its conf/
# links into /etc/java-17-openjdk are followed, so the copy needs no /etc of its own.
j="$r/usr/lib/jvm/java-17-openjdk-amd64"
mkdir -p "$j/bin" "$j/lib"
cp -L "$JDK/release" "$j/"
cp -rL "$JDK/conf" "$j/conf"
(cd "$JDK/lib" && for f in *; do
   case "$f" in src.zip|ct.sym|libatk-wrapper.so|libawt_xawt.so|libjawt.so|libsplashscreen.so) continue ;; esac
   cp -rL "$f" "$j/lib/"
 done)
for b in java jcmd jstack keytool; do [ -x "$JDK/bin/$b" ] && cp -L "$JDK/bin/$b" "$j/bin/"; done
ln -s ../lib/jvm/java-17-openjdk-amd64/bin/java "$r/usr/bin/java"
# The shared libraries all of that needs (libraries the JDK's GUI parts want are not there: fine).
for f in $(find "$j" "$r/usr/sbin" -type f \( -name '*.so' -o -perm -u+x \)); do
  ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
done | sort -u | while read -r lib; do
  case "$lib" in
    */ld-linux-x86-64.so.2) cp -L "$lib" "$r/usr/lib64/ld-linux-x86-64.so.2" ;;
    "$JDK"/*) ;;
    *) cp -L "$lib" "$r/usr/lib/x86_64-linux-gnu/" ;;
  esac
done
# glibc may dlopen libgcc_s for thread cancellation
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$r/usr/lib/x86_64-linux-gnu/" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\n' > "$r/etc/group"
printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$r/etc/hosts"
size_mb=$(( $(du -sm "$r" | cut -f1) + 64 ))
mkfs.ext4 -q -F -L labroot -O ^has_journal -d "$r" "$IMG/root.ext4" "${size_mb}M" >/dev/null \
  || fail "mkfs.ext4 -d (e2fsprogs 1.43 or later needed)"

rm -rf "$tmp"
echo "$inputs" > "$IMG/inputs"
say "built in $(( $(date +%s) - start ))s: $(du -sh "$IMG" | cut -f1)"
echo "$IMG"
