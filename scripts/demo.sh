#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the virtual phone:
#   harness run scenarios/demo_messenger.yaml --virtual
# starts a fresh virtual phone behind a private adb server, replays the messenger scenario under its
# three consent variants (pre_consent, accepted, rejected) with the hooks in the app, and ends with
# what left the phone per variant; then the run's HAR export.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
. .venv/bin/activate

# A private adb server (never the user's 5037) and a scratch harness home, unless given.
export ANDROID_ADB_SERVER_PORT=${ANDROID_ADB_SERVER_PORT:-5137}
export HARNESS_HOME=${HARNESS_HOME:-$PWD/.harness}
out=${DEMO_OUT:-$PWD/.harness/demo}

echo "== harness run scenarios/demo_messenger.yaml --virtual"
status=0
harness run scenarios/demo_messenger.yaml --virtual --out "$out" --force || status=$?
harness export "$out" --har "$out/messenger.har" --force
echo "run folder: $out   (harness detect $out;  HAR: $out/messenger.har)"
exit "$status"
