#!/usr/bin/env bash
# Set up everything the harness needs on a fresh Debian/Ubuntu machine (idempotent):
# system packages (apt, when run as root), a virtualenv in .venv with the harness installed,
# and the npm project of the Frida hook agent.  Re-running only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v curl >/dev/null || need_apt+=(curl)
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v node >/dev/null || need_apt+=(nodejs npm)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing ${need_apt[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "setup: please install these system packages first: ${need_apt[*]}" >&2
        exit 1
    fi
fi

if [ ! -d frida_hooks/node_modules/frida-java-bridge ]; then
    (cd frida_hooks && npm ci --silent --no-audit --no-fund)
fi
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# the editable install also builds the Frida hook agent bundle in place (harness/instrument/,
# git-ignored); the harness recompiles it into ~/.cache/harness whenever frida_hooks/ changes
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/python -c 'from harness.instrument.agent import agent_source; agent_source()'
# compile the virtual phone's Java stubs and apps (cached under ~/.cache/harness)
.venv/bin/harness virtual prepare
echo "setup: done (.venv ready; activate with: . .venv/bin/activate)"
