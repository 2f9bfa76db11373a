#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the virtual phone:
#   start a virtual phone behind a private adb server and list it (`harness devices`);
#   trace the messenger app through frida's USB path while its analytics SDK starts up
#   (`harness trace --device SERIAL --spawn -- PACKAGE`: the phone cannot spawn, so the harness
#   launches the app over adb and attaches right after launch);
#   look for the phone's Android ID in what left (`harness detect`), and export the run as HAR.
# Later issues turn this into the demo scenario (consent variants, firmware diff) with its report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
. .venv/bin/activate

# A private adb server (never the user's 5037) and a scratch harness home, unless given.
export ANDROID_ADB_SERVER_PORT=${ANDROID_ADB_SERVER_PORT:-5137}
export HARNESS_HOME=${HARNESS_HOME:-$PWD/.harness}
out=${DEMO_OUT:-$PWD/.harness/demo}
mkdir -p "$out"

serial=$(harness virtual start --state "$HARNESS_HOME/demo-phone" | tail -n 1)
trap 'harness virtual stop "$serial" >/dev/null' EXIT
echo "== virtual phone $serial"
harness devices

echo "== trace com.example.messenger for 10 s (network + identifier hooks)"
harness trace --device "$serial" --spawn --hooks network,identifiers --duration 10 --force \
    --out "$out/messenger.run" -- com.example.messenger 2>/dev/null

echo "== canaries: the phone's Android ID, read over adb"
android_id=$(harness device -s "$serial" shell 'settings get secure android_id' | tr -d '\r\n')
printf 'identifiers: {android_id: "%s"}\n' "$android_id" > "$out/canaries.yaml"
cat "$out/canaries.yaml"

echo "== what left the phone"
harness detect --canaries "$out/canaries.yaml" "$out/messenger.run"
harness export "$out/messenger.run" --har "$out/messenger.har"
echo "run: $out/messenger.run   HAR: $out/messenger.har"
