#!/usr/bin/env bash
# One entry point for a fresh machine: creates .venv and installs the project when needed.
#   ./dev.sh app    start the planner on scenarios/default.toml (until the Streamlit app
#                   exists: simulate the default scenario and print its summary)
#   ./dev.sh test   run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

ensure_venv() {
    local stamp=.venv/.installed-from
    local want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e '.[test]'
        echo "$want" > "$stamp"
    fi
}

case "${1:-}" in
    app)
        ensure_venv
        shift
        exec .venv/bin/ccplan summary scenarios/default.toml "$@"
        ;;
    test)
        ensure_venv
        shift
        exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: ./dev.sh app | ./dev.sh test [pytest args]" >&2
        exit 2
        ;;
esac
