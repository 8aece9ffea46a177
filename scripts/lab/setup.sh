#!/usr/bin/env bash
# Installs what the lab needs (docs/lab.md, "QEMU"), idempotent:
# - Debian packages: cpio, e2fsprogs (mkfs.ext4 -d), python3, iproute2, and qemu-system-x86 as
#   Debian 12 ships it (7.2): the Xen rig runs on that one, and it brings the shared libraries
#   the lab's QEMU needs too;
# - the lab's QEMU, 10.0.x from bookworm-backports (JIT'd JVMs in a box crash under 7.2), NOT
#   installed but unpacked under target/lab/qemu (apt-get download + dpkg-deb -x), with any
#   library it needs that the system lacks installed from bookworm.
# Prints the lab QEMU's binary on its last line.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LAB="$ROOT/target/lab"
Q="$LAB/qemu"
say() { echo "lab-setup: $*" >&2; }
fail() { echo "lab-setup: FAIL: $*" >&2; exit 1; }
sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

if [ -x "$Q/usr/bin/qemu-system-x86_64" ] && [ -f "$Q/ok" ]; then echo "$Q/usr/bin/qemu-system-x86_64"; exit 0; fi

apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
}
apt_install cpio e2fsprogs python3 iproute2 gzip util-linux qemu-system-x86

# bookworm-backports as an apt source (Debian's archive keyring signs it); pinned low by Debian, so
# nothing is upgraded from it unless asked for by name.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] || say "this is Debian '$codename', not bookworm: trying its own qemu-system-x86 10.x"
if [ "$codename" = bookworm ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  say "adding bookworm-backports as an apt source"
  $sudo_cmd tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  $sudo_cmd apt-get update -qq
fi
suite=""; [ "$codename" = bookworm ] && suite="/bookworm-backports"

mkdir -p "$LAB/debs/qemu"
rm -rf "$Q"
(cd "$LAB/debs/qemu" && { compgen -G 'qemu-system-x86_*.deb' >/dev/null \
   || apt-get download -q -o APT::Sandbox::User=root "qemu-system-x86$suite" "qemu-system-data$suite" "seabios$suite" ipxe-qemu >/dev/null; }) \
  || fail "apt-get download of QEMU from bookworm-backports failed"
for f in "$LAB"/debs/qemu/*.deb; do dpkg-deb -x "$f" "$Q"; done
v=$("$Q/usr/bin/qemu-system-x86_64" --version 2>/dev/null | head -1 || true)
if [ -z "$v" ]; then
  # libraries the system lacks: the unpacked packages' dependencies, from bookworm itself
  deps=$(dpkg-deb -f "$(ls "$LAB"/debs/qemu/qemu-system-x86_*.deb)" Depends | tr ',' '\n' \
         | sed 's/([^)]*)//; s/|.*//; s/ //g' | grep -vE '^(qemu-|seabios|ipxe)' || true)
  apt_install $deps
  v=$("$Q/usr/bin/qemu-system-x86_64" --version 2>&1 | head -1 || true)
  case "$v" in QEMU*) ;; *) fail "the unpacked QEMU does not run: $v" ;; esac
fi
case "$v" in *"version 1"[0-9].*) ;; *) fail "the lab wants QEMU 10 or later, got: $v" ;; esac
echo "$v" > "$Q/ok"
say "lab QEMU: $v ($Q)"
echo "$Q/usr/bin/qemu-system-x86_64"
