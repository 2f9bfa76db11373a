#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the virtual phone.
# Today that is: start a virtual phone behind a private adb server, show it with `harness devices`,
# exercise the consent primitives on it, and stop it again.  Later issues turn this into the demo
# scenario with its report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
. .venv/bin/activate

# A private adb server (never the user's 5037) and a scratch harness home, unless given.
export ANDROID_ADB_SERVER_PORT=${ANDROID_ADB_SERVER_PORT:-5137}
export HARNESS_HOME=${HARNESS_HOME:-$PWD/.harness}
serial=$(harness virtual start | tail -n 1)
trap 'harness virtual stop "$serial" >/dev/null' EXIT
echo "== virtual phone $serial"
harness devices
echo "== revoke READ_CONTACTS from com.example.messenger (verified in dumpsys package)"
harness device -s "$serial" revoke com.example.messenger android.permission.READ_CONTACTS
harness device -s "$serial" grant com.example.messenger android.permission.READ_CONTACTS
echo "== secure setting upload_log_pref=0 (verified with settings get)"
harness device -s "$serial" setting secure upload_log_pref 0
