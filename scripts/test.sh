#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite against a real Kafka broker started by the
# pytest fixture. Extra arguments go to pytest, e.g. scripts/test.sh -k producer -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
exec .venv/bin/python -m pytest -ra "$@"
