#!/usr/bin/env bash
# Set up (idempotent) and run the whole system on local defaults: Kafka, Central with a seeded
# demo database, a few CPs in auto mode and the desktop app. Ctrl+C stops everything.
# Extra arguments go to `ev-stack up`, e.g. scripts/run.sh --cps 8 --no-gui
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/ev-stack up "$@"
