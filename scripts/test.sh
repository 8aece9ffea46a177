#!/usr/bin/env bash
# Runs every test: unit tests of all modules, KVM tests on /dev/kvm, and the Pax Exam
# integration tests that boot the built Karaf distribution.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$KEMARI_HOME"
mvn -B -ntp install "$@"
