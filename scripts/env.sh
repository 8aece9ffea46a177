# Sourced by the other scripts: installs prerequisites and selects Java 17.
# shellcheck shell=bash
KEMARI_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KEMARI_HOME
eval "$(bash "$KEMARI_HOME/scripts/setup.sh" | grep '^export JAVA_HOME=' || true)"
export PATH="${JAVA_HOME:+$JAVA_HOME/bin:}$PATH"
