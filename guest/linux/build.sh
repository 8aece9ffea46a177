#!/usr/bin/env bash
# Builds the Linux test guest (guest/linux/README.md) under target/guest-linux, unless it is there
# already for the same inputs:
#   vmlinuz     Debian's kernel (the package linux-image-amd64 points at)
#   initrd.gz   busybox, the kernel modules the guest needs, redis-server and redis-cli with every
#               shared library they load, and /init (guest/linux/init); for a kernel whose
#               virtio_mmio takes no device= parameter (Debian's) also kemari_mmio.ko, built here
#               from kemari_mmio.c against the kernel's own linux-headers package
# Everything in it comes from Debian packages (apt-get download, cached in target/guest-linux/debs),
# nothing from this machine's own /lib or /usr. Prints the output folder on its last line.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../../scripts/lib/box.sh
source "$ROOT/scripts/lib/box.sh"
OUT="$ROOT/target/guest-linux"
DEBS="$OUT/debs"
LAB_DEBS="$ROOT/target/lab/debs"   # the lab's cache: its kernel and busybox are taken from there if the same
MULTIARCH=x86_64-linux-gnu

say() { echo "guest-linux: $*" >&2; }
fail() { echo "guest-linux: FAIL: $*" >&2; exit 1; }

for c in cpio gzip apt-get apt-cache dpkg-deb readelf strip sha256sum flock; do
  command -v "$c" >/dev/null || fail "$c is missing (cpio: bash scripts/lab/setup.sh; readelf: binutils)"
done

# Modules the guest loads (their dependencies come along from modules.dep): the virtio-mmio
# transport, the disk and the NIC, ext4 (which also mounts the ext2 busybox makes) and the crc32c
# that ext4 loads by name (a soft dependency, not in modules.dep).
MODULES=(virtio_mmio virtio_blk virtio_net crc32c_generic ext4)

kernel_pkg=$(box_kernel_pkg)
kver=${kernel_pkg#linux-image-}

# One apt-cache call for the dependency graph (each call costs a second here):
# - the library packages redis-tools needs: its Depends, and theirs, following only lib* packages
#   (adduser & co. bring no library the binaries load; a missing one is reported below by soname);
# - the kernel's headers and kbuild, for kemari_mmio.ko (downloaded only if the kernel needs it).
graph=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
          --no-replaces --no-enhances redis-tools "linux-headers-$kver" 2>/dev/null) || true
deps_of() {   # deps_of PKG: the packages PKG Depends/Pre-Depends on, as in $graph
  awk -v p="$1" '/^[^ ]/ {cur = $1; next}
                 cur == p && $1 ~ /^\|?(Pre)?Depends:$/ && $2 !~ /^</ {print $2}' <<<"$graph" | sort -u
}
mapfile -t LIBS < <(awk '/^[^ ]/ {cur = $1; next}
    $1 ~ /^\|?(Pre)?Depends:$/ && $2 ~ /^lib/ {deps[cur] = deps[cur] " " $2}
    END { n = split(deps["redis-tools"], q, " ")   # breadth first, lib* packages only
          for (i = 1; i <= n; i++) { if (q[i] in seen) continue; seen[q[i]] = 1; print q[i]
                                     m = split(deps[q[i]], d, " "); for (j = 1; j <= m; j++) q[++n] = d[j] } }' <<<"$graph")
((${#LIBS[@]})) || fail "apt-cache knows no dependencies of redis-tools (apt-get update?)"
mapfile -t HEADERS < <(echo "linux-headers-$kver"; deps_of "linux-headers-$kver" | grep -E '^linux-(headers|kbuild)-')
# redis-server is only a symlink to the binary in redis-tools: taken as the package makes it
PKGS=("$kernel_pkg" busybox-static redis-server redis-tools "${LIBS[@]}" "${HEADERS[@]}")

# The candidate version of each package: exactly these are used (and they are part of the inputs).
declare -A VER
while read -r p v; do VER[$p]=$v; done < <(apt-cache show --no-all-versions "${PKGS[@]}" 2>/dev/null \
  | awk '/^Package:/ {p=$2} /^Version:/ {print p, $2}')
for p in "${PKGS[@]}"; do [ -n "${VER[$p]:-}" ] || fail "apt has no candidate version of $p"; done

# One build at a time (tests may ask for the guest in parallel); the others then find it built.
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

# The inputs: a change in any of them rebuilds the guest.
inputs=$( {
  echo "modules ${MODULES[*]}"
  for p in "${PKGS[@]}"; do echo "$p ${VER[$p]}"; done | sort
  cat "$HERE/build.sh" "$HERE/init" "$HERE/kemari_mmio.c" "$ROOT/scripts/lib/box.sh"
} | sha256sum | cut -c1-16)
if [ -f "$OUT/inputs" ] && [ "$(cat "$OUT/inputs")" = "$inputs" ] \
   && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.gz" ]; then
  echo "$OUT"; exit 0
fi
say "building the guest ($kernel_pkg, redis-tools ${VER[redis-tools]}) in $OUT"
start=$(date +%s)

# Cached .debs of another version than the candidate are dropped, so box_fetch_debs (which only
# downloads what has no .deb at all) fetches the candidate; the lab's copy is linked if it has it.
fetch() {
  local p f l
  mkdir -p "$DEBS"
  for p in "$@"; do
    f="${p}_${VER[$p]//:/%3a}_"
    compgen -G "$DEBS/$f*.deb" >/dev/null && continue
    rm -f "$DEBS/${p}"_*.deb
    for l in "$LAB_DEBS/$f"*.deb; do
      [ -f "$l" ] && { ln -f "$l" "$DEBS/" 2>/dev/null || cp "$l" "$DEBS/"; }
    done
  done
  box_fetch_debs "$DEBS" "$@" || fail "downloading $*"
}
fetch "$kernel_pkg" busybox-static redis-server redis-tools "${LIBS[@]}"

rm -rf "$OUT/tmp" "$OUT/inputs"
tmp="$OUT/tmp"; mkdir -p "$tmp/kernel" "$tmp/busybox" "$tmp/redis" "$tmp/libs"
dpkg-deb -x "$(box_deb "$DEBS" "$kernel_pkg")" "$tmp/kernel"
dpkg-deb -x "$(box_deb "$DEBS" busybox-static)" "$tmp/busybox"
for p in redis-server redis-tools; do dpkg-deb -x "$(box_deb "$DEBS" "$p")" "$tmp/redis"; done
for p in "${LIBS[@]}"; do dpkg-deb -x "$(box_deb "$DEBS" "$p")" "$tmp/libs"; done

# --- initramfs ----------------------------------------------------------------------------------
i="$tmp/initrd"
mkdir -p "$i/bin" "$i/usr/bin" "$i/lib/$MULTIARCH" "$i/proc" "$i/sys" "$i/dev" "$i/data" \
         "$i/tmp" "$i/var/log" "$i/etc" "$i/root"
cp "$tmp/busybox/bin/busybox" "$i/bin/busybox"
for a in $("$i/bin/busybox" --list); do
  [ -e "$i/bin/$a" ] || ln -s busybox "$i/bin/$a"
done
BOX_BUSYBOX="$tmp/busybox/bin/busybox" box_modules "$tmp/kernel" "$kver" "$i/lib/modules" "${MODULES[@]}" \
  || fail "kernel modules"
install -m 755 "$HERE/init" "$i/init"

# Debian's kernel is built without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES: its virtio_mmio ignores
# virtio_mmio.device= and has no device= parameter. kemari_mmio.ko registers those devices instead
# (loaded right after virtio_mmio); built with the compiler and kbuild of the kernel's packages.
if ! grep -q '^CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y' "$tmp/kernel/boot/config-$kver"; then
  command -v make >/dev/null || fail "make is missing (bash scripts/setup.sh)"
  fetch "${HEADERS[@]}"
  mkdir -p "$tmp/headers" "$tmp/mod"
  for p in "${HEADERS[@]}"; do dpkg-deb -x "$(box_deb "$DEBS" "$p")" "$tmp/headers"; done
  kh="$tmp/headers/usr/src/linux-headers-$kver"
  # its Makefile includes the common headers by their installed (absolute) path
  sed -i "s|^include /usr/src/|include $tmp/headers/usr/src/|" "$kh/Makefile"
  cc=$(sed -n 's/^CC = .*)\(gcc-[0-9]*\)$/\1/p' "$kh/.kernelvariables")
  command -v "${cc:-gcc}" >/dev/null || fail "${cc:-gcc} is missing: the compiler $kernel_pkg was built with"
  cp "$HERE/kemari_mmio.c" "$tmp/mod/"
  echo 'obj-m := kemari_mmio.o' > "$tmp/mod/Kbuild"
  make -C "$kh" M="$tmp/mod" modules > "$tmp/mod/log" 2>&1 || { cat "$tmp/mod/log" >&2; fail "building kemari_mmio.ko"; }
  strip --strip-debug -o "$i/lib/modules/kemari_mmio.ko" "$tmp/mod/kemari_mmio.ko"
  o="$i/lib/modules/order"
  if grep -qx virtio_mmio "$o"; then sed -i '/^virtio_mmio$/a kemari_mmio' "$o"
  else { echo kemari_mmio; cat "$o"; } > "$o.new" && mv "$o.new" "$o"   # virtio_mmio built in
  fi
fi
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$i/etc/passwd"
printf 'root:x:0:\n' > "$i/etc/group"

# in_tree TREE PATH: PATH's file inside TREE, symlinks followed inside TREE (an absolute link
# there, like libc6's /lib64/ld-linux-x86-64.so.2, must not lead to this machine's own file).
in_tree() {
  local tree=$1 p=$2 t n=0
  while [ -L "$tree$p" ]; do
    t=$(readlink "$tree$p")
    case "$t" in /*) p=$t ;; *) p="$(dirname "$p")/$t" ;; esac
    n=$((n + 1)); [ $n -lt 20 ] || return 1
  done
  [ -f "$tree$p" ] && echo "$tree$p"
}

# redis-server and redis-check-rdb are the same binary (it picks its role by its name), the real
# file is in redis-tools: copy the binaries and keep redis-server's link as Debian makes it.
for b in redis-cli redis-check-rdb; do
  cp "$(in_tree "$tmp/redis" "/usr/bin/$b")" "$i/usr/bin/$b"
done
[ -L "$tmp/redis/usr/bin/redis-server" ] || fail "redis-server is no longer a link in its package"
t=$(readlink "$tmp/redis/usr/bin/redis-server")
[ -f "$i/usr/bin/${t##*/}" ] || fail "redis-server links to $t, which is not copied"
ln -s "${t##*/}" "$i/usr/bin/redis-server"

# Shared libraries: each NEEDED soname of the binaries (and of the libraries themselves) from the
# unpacked library packages; the loader the binaries name (PT_INTERP) from libc6.
interp=$(readelf -l "$i/usr/bin/redis-check-rdb" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
[ -n "$interp" ] || fail "redis-check-rdb names no program interpreter"
f=$(in_tree "$tmp/libs" "$interp") || fail "no package has the loader $interp"
# one copy, with the libraries (libc.so.6 names it too); the path the binaries ask for links to it
cp "$f" "$i/lib/$MULTIARCH/${interp##*/}"
mkdir -p "$i$(dirname "$interp")"; ln -sr "$i/lib/$MULTIARCH/${interp##*/}" "$i$interp"
# glibc dlopens libgcc_s for thread cancellation and unwinding: not a NEEDED entry
queue=("$i/usr/bin/redis-check-rdb" "$i/usr/bin/redis-cli" "libgcc_s.so.1")
while ((${#queue[@]})); do
  q=${queue[0]}; queue=("${queue[@]:1}")
  case "$q" in /*) sos=$(readelf -d "$q" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') ;; *) sos=$q ;; esac
  for so in $sos; do
    [ -e "$i/lib/$MULTIARCH/$so" ] && continue
    f=""
    for d in "/lib/$MULTIARCH" "/usr/lib/$MULTIARCH" /lib /usr/lib; do
      f=$(in_tree "$tmp/libs" "$d/$so") && break
    done
    [ -n "$f" ] || fail "$so (needed by ${q##*/}) is in none of: ${LIBS[*]}"
    cp "$f" "$i/lib/$MULTIARCH/$so"
    queue+=("$i/lib/$MULTIARCH/$so")
  done
done

box_cpio "$i" "$OUT/initrd.gz.new"
cp "$tmp/kernel/boot/vmlinuz-$kver" "$OUT/vmlinuz"
mv "$OUT/initrd.gz.new" "$OUT/initrd.gz"
echo "$kernel_pkg ${VER[$kernel_pkg]}" > "$OUT/kernel"
(cd "$i" && find lib/modules -name '*.ko' | sort && find usr/bin lib lib64 ! -type d | grep -v '\.ko$' | sort) \
  > "$OUT/contents"
rm -rf "$tmp"
echo "$inputs" > "$OUT/inputs"
say "built in $(( $(date +%s) - start ))s: vmlinuz $(du -h "$OUT/vmlinuz" | cut -f1), initrd.gz $(du -h "$OUT/initrd.gz" | cut -f1)"
echo "$OUT"
