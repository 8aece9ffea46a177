#!/usr/bin/env bash
# Installs what building, testing and running Kemari needs on a fresh Debian machine of this kind.
# Idempotent: only missing packages are installed. Run as root (or with sudo available).
set -euo pipefail

packages=(
  openjdk-17-jdk-headless   # Karaf 4.4.10 runs on Java 17 (not on 25)
  maven
  gcc make binutils         # the test guest is built by the Maven build; the Linux guest's kemari_mmio.ko
  cpio                      # the Linux test guest's initramfs (guest/linux/build.sh)
  iproute2                  # TAP devices and network namespaces in tests
  procps psmisc             # process handling in scripts and tests
  nbd-server                # shared storage (nbd:// disks) in tests
  redis-tools               # redis-cli: the tests' Redis client (the Linux guest runs redis-server)
  libxen-dev                # Xen 4.17 headers + libraries: the Xen bundle's layout test compiles against them
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

# Karaf 4.4 needs Java 17; pick it even where another JDK is the default.
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q '"17\.'; then
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk; do
    if [ -x "$d/bin/java" ]; then
      echo "export JAVA_HOME=$d"
      break
    fi
  done
fi
