#!/usr/bin/env bash
# The main job: builds Kemari, starts the Karaf distribution on this machine and shows what it
# offers. The distribution is unpacked under target/demo; a demo-only user with a random
# password is created for the console (the distribution itself ships no users).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== Building Kemari (mvn install, tests skipped; scripts/test.sh runs them)"
  mvn -B -ntp -q install -DskipTests
fi

demo="$KEMARI_HOME/target/demo"
rm -rf "$demo" && mkdir -p "$demo"
tar -xzf karaf-assembly/target/kemari-karaf-*.tar.gz -C "$demo"
karaf="$(echo "$demo"/kemari-karaf-*)"

# Explicit demo profile: a user that exists only in this unpacked copy, password never reused.
password="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "demo = $password,_g_:admingroup" >> "$karaf/etc/users.properties"

cleanup() {
  "$karaf/bin/stop" >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do "$karaf/bin/status" >/dev/null 2>&1 || break; sleep 1; done
  pkill -f "karaf.base=$karaf" 2>/dev/null || true
}
trap cleanup EXIT

echo "== Starting Kemari ($karaf)"
"$karaf/bin/start"

client() {
  "$karaf/bin/client" -u demo -p "$password" -r 60 -d 2 -b <<<"$1" 2>&1 | grep -v '^Logging in as'
}

# Wait until the kemari commands are registered.
for i in $(seq 1 60); do
  if client "kemari:backends" >/dev/null 2>&1; then break; fi
  sleep 1
  [ "$i" = 60 ] && { echo "Kemari did not come up; see $karaf/data/log/karaf.log"; exit 1; }
done

echo
echo "== kemari:backends -v"
client "kemari:backends -v"
echo "== Stopping Kemari"
