#!/usr/bin/env bash
# One entry point for a fresh machine: creates .venv and installs the pinned versions of
# requirements.lock (then the project itself, editable) when the lock or pyproject changes.
#   ./dev.sh app [SCENARIO] [--port N]   start the what-if planner on http://127.0.0.1:8501
#   ./dev.sh test [pytest args]          run the whole test suite
#   ./dev.sh lock                        refresh requirements.lock from pyproject.toml
set -euo pipefail
cd "$(dirname "$0")"

ensure_venv() {
    local stamp=.venv/.installed-from
    local want
    want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "installing the pinned dependencies into .venv (first run only)..." >&2
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -r requirements.lock
        .venv/bin/python -m pip install --quiet --no-deps -e .
        echo "$want" > "$stamp"
    fi
}

# The browser test drives Debian's chromium; install it when missing and we may (root).
ensure_chromium() {
    if [ -x /usr/bin/chromium ] || [ "${CCPLAN_NO_BROWSER:-}" = 1 ]; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing Debian's chromium for the browser test..." >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq chromium >/dev/null
    else
        echo "note: /usr/bin/chromium is missing: the browser test will be skipped" >&2
    fi
}

case "${1:-}" in
    app)
        ensure_venv
        shift
        exec .venv/bin/ccplan app "$@"
        ;;
    test)
        ensure_venv
        ensure_chromium
        shift
        exec .venv/bin/python -m pytest "$@"
        ;;
    lock)
        ensure_venv
        .venv/bin/python -m pip install --quiet uv
        exec .venv/bin/uv pip compile pyproject.toml --extra test --extra app --extra dask \
            --python-version 3.11 --upgrade -o requirements.lock
        ;;
    *)
        echo "usage: ./dev.sh app [SCENARIO] [--port N] | ./dev.sh test [pytest args] | ./dev.sh lock" >&2
        exit 2
        ;;
esac
