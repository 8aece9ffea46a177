# Helpers shared by the scripts that boot a Debian kernel + busybox initramfs under QEMU TCG
# (scripts/lab/*, scripts/xen-rig/run.sh). Sourced, not run.
# shellcheck shell=bash

# The package that Debian's linux-image-amd64 points at (e.g. linux-image-6.1.0-57-amd64).
box_kernel_pkg() {
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$p" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  fi
  [ -n "$p" ] || { echo "box: cannot tell which kernel linux-image-amd64 points at (apt-get update?)" >&2; return 1; }
  echo "$p"
}

# box_fetch_debs DIR PKG...: apt-get download the packages that DIR has no .deb of (a cache).
box_fetch_debs() {
  local dir=$1; shift
  local missing=() p
  mkdir -p "$dir"
  for p in "$@"; do compgen -G "$dir/${p}_*.deb" >/dev/null || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  echo "box: downloading ${missing[*]}" >&2
  (cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "${missing[@]}" >/dev/null) \
    || { echo "box: apt-get download ${missing[*]} failed" >&2; return 1; }
}

# box_deb DIR PKG: the newest cached .deb of PKG.
box_deb() { ls "$1/${2}"_*.deb 2>/dev/null | sort -V | tail -1; }

# box_modules KROOT KVER OUT NAME...: copies the kernel modules NAME... and every module they
# depend on (modules.dep of the unpacked kernel package under KROOT) to OUT, uncompressed, and
# writes OUT/order: their names, each after its dependencies (the order busybox insmod needs).
box_modules() {
  local kroot=$1 kver=$2 out=$3; shift 3
  local mdir="$kroot/lib/modules/$kver"
  if [ ! -f "$mdir/modules.dep" ]; then   # a package unpacked with dpkg-deb -x has none yet
    local depmod
    depmod=$(command -v depmod || command -v /sbin/depmod || true)
    if [ -n "$depmod" ]; then "$depmod" -b "$kroot" "$kver" 2>/dev/null
    elif [ -n "${BOX_BUSYBOX:-}" ]; then "$BOX_BUSYBOX" depmod -b "$kroot" "$kver"
    fi
    [ -f "$mdir/modules.dep" ] || { echo "box: no modules.dep in $mdir (depmod failed)" >&2; return 1; }
  fi
  mkdir -p "$out"
  : > "$out/order"
  local seen=" " name
  _box_mod() {   # depth-first: dependencies first
    local want=$1 path deps d f base
    path=$(awk -F: -v w="$want" '{n=$1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n); gsub(/-/, "_", n);
             if (n == w) { print $1; exit } }' "$mdir/modules.dep")
    if [ -z "$path" ]; then
      # built into the kernel (modules.builtin) is fine; anything else is a missing module
      grep -q "/${want//_/[-_]}\.ko$" "$mdir/modules.builtin" 2>/dev/null && return 0
      echo "box: module $want is not in kernel $kver" >&2; return 1
    fi
    deps=$(awk -F': *' -v p="$path" '$1 == p {print $2; exit}' "$mdir/modules.dep")
    for d in $deps; do
      base=${d##*/}; base=${base%%.ko*}; base=${base//-/_}
      case "$seen" in *" $base "*) ;; *) _box_mod "$base" || return 1 ;; esac
    done
    case "$seen" in *" $want "*) return 0 ;; esac
    seen="$seen$want "
    f="$mdir/$path"
    case "$f" in
      *.xz) xz -dc "$f" > "$out/$want.ko" ;;
      *.zst) zstd -qdc "$f" > "$out/$want.ko" ;;
      *.gz) gzip -dc "$f" > "$out/$want.ko" ;;
      *) cp "$f" "$out/$want.ko" ;;
    esac
    echo "$want" >> "$out/order"
  }
  for name in "$@"; do
    name=${name//-/_}
    case "$seen" in *" $name "*) ;; *) _box_mod "$name" || return 1 ;; esac
  done
}

# box_cpio DIR OUT: a gzip'd newc initramfs of DIR.
box_cpio() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$2"; }
