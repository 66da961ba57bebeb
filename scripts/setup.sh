#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: system packages (when root), the .venv, the Kafka jars.
# Safe to run again and again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# 1. System packages (Debian). Java 17 + Maven fetch/run Kafka; Qt needs a few X/GL libs even
#    offscreen; postgresql for the PostgreSQL test run; iptables + iproute2 for network tests;
#    xvfb + the libxcb-* libraries of Qt's xcb platform plugin for real-window screenshots
#    (scripts/screenshots.py); util-linux (mount) for the disk-full tests on a size-limited tmpfs.
#    Skipped when not root or not Debian.
want=(openjdk-17-jre-headless maven libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
      libdbus-1-3 libxcb-cursor0 fonts-dejavu-core postgresql iptables iproute2 xvfb procps util-linux
      libx11-xcb1 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
      libxcb-shape0 libxcb-xkb1)
if command -v dpkg-query >/dev/null && [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # a JDK already on PATH (e.g. Temurin) is as good as the Debian one
  if command -v java >/dev/null; then missing=("${missing[@]/openjdk-17-jre-headless}"); fi
  if command -v mvn >/dev/null; then missing=("${missing[@]/maven}"); fi
  missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
elif ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  log "Java 17 and Maven are needed (Debian: sudo apt-get install openjdk-17-jre-headless maven)"; exit 1
fi

# 2. Python virtual environment at .venv with the project (editable) and its test extras.
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.ev-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  log "installing Python packages into .venv"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[test,bench,postgres]'
  touch "$stamp"
fi

# 3. Kafka broker jars (Maven Central → user cache, outside the repo).
.venv/bin/ev-kafka fetch >/dev/null
log "ready: Python $(.venv/bin/python --version | cut -d' ' -f2), Kafka $(.venv/bin/python -c 'from ev_common.kafka.broker import kafka_version; print(kafka_version())') jars cached"
