#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole default test suite plus the linters.
# Needs no phone and no network beyond the package registries used by the set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages only tests need (each group of tests skips, saying so, without its package):
# Chromium for the HTML report's browser tests, PostgreSQL for the fleet database tests (tests/db)
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "test: installing ${need_apt[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "test: the tests that need ${need_apt[*]} will be skipped; install them to run those" >&2
    fi
fi
.venv/bin/ruff check harness tests benchmarks scripts
.venv/bin/mypy
# two workers (pytest-xdist): most tests wait on phones and apps, so two run in about 60% of the time
# of one on a 2-core machine; every worker has its own adb server, harness home and phones
exec .venv/bin/python -m pytest -n "${HARNESS_TEST_WORKERS:-2}" "$@"
