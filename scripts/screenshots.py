"""Real-window screenshots of ev-desktop for docs/screenshots/ (shown in README.md).

    .venv/bin/python scripts/screenshots.py [--lang es|en|all] [--out docs/screenshots]

Starts its own Xvfb (Debian package ``xvfb``, installed by ``scripts/setup.sh`` when run as
root; Qt's xcb plugin also needs the ``libxcb-*`` packages listed there), runs the app's real
top-level windows on it with Qt's xcb platform — main window with menu bar, tabs and the real
status bar; the Kafka diagnostics dialog opened the way the Kafka indicator opens it — and
captures the X screen where each one is (``QScreen.grabWindow(0, ...)``). No window manager
runs, so there is no title bar. Spanish (the default language) gives ``<name>.png``, English
``<name>_en.png``; ``--lang all`` (the default) makes both, each in its own process on the same
Xvfb. Xvfb and every child process are stopped before the script returns.

No Kafka and no Central are needed: the views are fed the same objects Kafka would deliver,
with the data a local set-up shows — Kafka at 127.0.0.1:9092, Central at 127.0.0.1:7000, CPs
CP001… as ``ev-db seed`` / ``ev-cp-fleet`` name and place them, the supply drawn by the CP
simulator's own power model. The diagnostics dialog runs as in the app, but its worker is
handed a replay of what the engine reports in each situation (texts rendered by the engine's
catalogue), so the pictures do not depend on what listens on this machine's ports.

This file is the parent (Xvfb, one child process per language); ``screenshots_scenes.py`` is
the child that shows and captures the scenes, ``screenshots_data.py`` their data.
"""
from __future__ import annotations

import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCREEN = (1600, 1000)           # Xvfb screen; every window below fits in it
LANGS = ("es", "en")
CHILD_TIMEOUT_S = 300


# ------------------------------------------------------------------------------ parent: Xvfb

def start_xvfb() -> tuple[subprocess.Popen, str]:
    """Xvfb on a free display (it picks the number and writes it to -displayfd)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        sys.exit("screenshots: Xvfb not found — install the Debian package xvfb "
                 "(scripts/setup.sh does it when run as root)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-dpi", "96", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + 15
    try:
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 0.2)
            if ready:
                chunk = os.read(read_fd, 16)
                if not chunk:
                    break
                number += chunk
    finally:
        os.close(read_fd)
    if not number.strip().isdigit():
        stop(proc)
        sys.exit("screenshots: Xvfb did not start")
    return proc, f":{number.strip().decode()}"


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def run_parent(args: argparse.Namespace) -> int:
    langs = LANGS if args.lang == "all" else (args.lang,)
    xvfb, display = start_xvfb()
    runtime = tempfile.mkdtemp(prefix="ev-shots-xdg-")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": runtime,
           "XDG_SESSION_TYPE": "x11"}
    for var in ("WAYLAND_DISPLAY", "QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_FONT_DPI"):
        env.pop(var, None)
    rc = 0
    try:
        for lang in langs:
            child = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child",
                                      "--lang", lang, "--out", str(args.out)], env=env,
                                     stdin=subprocess.DEVNULL)
            try:
                code = child.wait(CHILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                print(f"screenshots: --lang {lang} took over {CHILD_TIMEOUT_S}s; stopped",
                      file=sys.stderr)
                stop(child)
                code = 1
            rc = rc or code
    finally:
        stop(xvfb)
        shutil.rmtree(runtime, ignore_errors=True)
    return rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ap.add_argument("--lang", choices=(*LANGS, "all"), default="all")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.out = args.out.resolve()
    if args.child:
        from screenshots_scenes import run_child  # the scenes (and their data) beside this script

        return run_child(args)
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
