#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the virtual phone:
#   1. harness run scenarios/demo_messenger.yaml --virtual
#      a fresh virtual phone behind a private adb server; the messenger scenario under its three
#      consent variants (pre_consent, accepted, rejected) with the hooks in the app; ends with the
#      verdict: the analytics SDK's violations, and the report (report.html, report.json, junit.xml)
#   2. the vendor ROM audit on firmware build A (profile vendor-a) and build B (vendor-b), then
#      harness diff A B: the telemetry build B added (the IMEI and the installed-app list, sent
#      with the user experience program off)
# Exit status 0 when every run went through (finding violations is what the demo is for), else
# the failing command's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
. .venv/bin/activate

# A private adb server (never the user's 5037) and a scratch harness home, unless given.
export ANDROID_ADB_SERVER_PORT=${ANDROID_ADB_SERVER_PORT:-5137}
export HARNESS_HOME=${HARNESS_HOME:-$PWD/.harness}
out=${DEMO_OUT:-$PWD/.harness/demo}

# 0 (nothing found) and 1 (violations, regressions) are both a demo that ran
ran() {
    local status=0
    "$@" || status=$?
    if [ "$status" -gt 1 ]; then
        echo "demo: '$*' failed with status $status" >&2
        exit "$status"
    fi
}

echo "== harness run scenarios/demo_messenger.yaml --virtual"
ran harness run scenarios/demo_messenger.yaml --virtual --out "$out/messenger" --force
harness export "$out/messenger" --har "$out/messenger/messenger.har" --force

echo
echo "== the vendor ROM audit on build A (vendor-a) and build B (vendor-b)"
ran harness run scenarios/rom_audit_vendor.yaml --virtual vendor-a --out "$out/rom-build-a" --force >/dev/null
ran harness run scenarios/rom_audit_vendor.yaml --virtual vendor-b --out "$out/rom-build-b" --force >/dev/null
echo "== harness diff $out/rom-build-a $out/rom-build-b"
ran harness diff "$out/rom-build-a" "$out/rom-build-b" --html "$out/rom-diff.html" --force

echo
echo "reports: $out/messenger/report.html  $out/rom-diff.html"
