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
"""
from __future__ import annotations

import argparse
import os
import random
import select
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCREEN = (1600, 1000)           # Xvfb screen; every window below fits in it
BOOTSTRAP = "127.0.0.1:9092"    # the app's defaults: what a local set-up shows
CENTRAL = "127.0.0.1:7000"
ADVERTISED_HOST = "kafka-central.lan"   # the broker's advertised name this machine cannot resolve
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


# --------------------------------------------------------------------------- child: the data

def seeded_cps():
    """(location, €/kWh, max kW) of CPn exactly as ``ev-db seed`` creates it."""
    from central_service.db_cli import LOCATIONS, MAX_KW, PRICES

    def cp(n: int) -> tuple[str, float, float]:
        j = (n - 1) % len(LOCATIONS)
        return LOCATIONS[j], PRICES[j], MAX_KW[j]
    return cp


def cp_state(n: int, state: str, now: float, rng: random.Random, *, driver: int | None = None,
             seconds: float | None = None, left_s: int | None = None):
    """CPn in *state*; *seconds* charging so far, *left_s* of reservation (random if not given)."""
    from ev_common import contract

    location, price, max_kw = seeded_cps()(n)
    charging = state == "charging"
    busy = state in ("reserved", "charging")
    seconds = rng.uniform(120, 3000) if seconds is None else seconds
    kw = round(max_kw * rng.uniform(0.94, 1.0), 1) if charging else 0.0
    # a car's battery takes 25-65 kWh at most, whatever the charger could give
    kwh = round(min(max_kw * 0.97 * seconds / 3600, rng.uniform(25, 65)), 3) if charging else 0.0
    faults = ("el Engine informa KO", f"Engine 127.0.0.1:{7000 + n} no responde (timed out)")
    return contract.CpState(
        cp_id=f"CP{n:03d}", location=location, price_eur_kwh=price, max_kw=max_kw, state=state,
        driver_id=f"driver{driver or rng.randint(1, 400)}" if busy else None,
        session_id=f"{rng.getrandbits(128):032x}" if busy else None,
        kw=kw, kwh=kwh, eur=round(kwh * price, 2),
        reserved_until=now + (left_s or rng.randint(15, 110)) if state == "reserved" else None,
        fault_reason=faults[n % 4 == 0] if state == "faulted" else None,
        last_seen=now - rng.randint(60, 5400) if state == "disconnected" else None)


def local_network(now: float) -> list:
    """The 10 CPs of ``ev-db seed`` while driver1 charges at CP003."""
    rng = random.Random(3)
    states = {1: "available", 2: "charging", 3: "charging", 4: "available", 5: "out_of_order",
              6: "available", 7: "available", 8: "reserved", 9: "available", 10: "disconnected"}
    drivers = {2: 2, 3: 1, 8: 4}
    return [cp_state(n, s, now, rng, driver=drivers.get(n)) for n, s in states.items()]


def big_network(count: int, now: float) -> list:
    """``ev-cp-fleet --count 2000`` on a busy afternoon. The first row shows every state, as the
    event log of the operator screenshot left them (CP002 reserved for driver7, CP003 charging
    for driver12 since 81 s, CP004 stopped, CP005 faulted, CP017 free again)."""
    weights = [("available", 52), ("charging", 24), ("reserved", 7), ("out_of_order", 5),
               ("faulted", 4), ("disconnected", 8)]
    pool = [s for s, w in weights for _ in range(w)]
    rng = random.Random(7)
    first_row = {1: ("available", {}), 2: ("reserved", {"driver": 7, "left_s": 57}),
                 3: ("charging", {"driver": 12, "seconds": 81}), 4: ("out_of_order", {}),
                 5: ("faulted", {}), 6: ("disconnected", {}), 17: ("available", {})}
    out = []
    for n in range(1, count + 1):
        state, extra = first_row.get(n, (rng.choice(pool), {}))
        out.append(cp_state(n, state, now, rng, **extra))
    return out


def producer_status(state, queued: int, error: str | None = None):
    from ev_common.kafka.status import ProducerStatus

    return ProducerStatus(state=state, last_error=error, queued=queued, bootstrap=BOOTSTRAP,
                          since=time.time())


KAFKA_DOWN = f"cannot open a connection to Kafka at {BOOTSTRAP} (Connection refused)"


def charging_tracker(now: float, seconds: int):
    """driver1 at CP003 (Campus UA, 11 kW), metered by the CP simulator's power model."""
    from cp_simulator.power import Meter, PowerModel
    from ev_common import contract
    from ev_common.kafka.status import LinkState
    from ev_desktop.core.events import LinkChanged, RequestQueued
    from ev_desktop.core.tracker import SupplyTracker

    location, price, max_kw = seeded_cps()(3)
    sid = "3f9c2a715d0e4b8a9c610e7d2b4a8f15"
    start = now - seconds
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r-1", "CP003", LinkState.CONNECTED, start - 21), start - 21)
    t.apply(contract.ChargeAuthorized(driver_id="driver1", request_id="r-1", session_id=sid, cp_id="CP003",
                                      location=location, price_eur_kwh=price,
                                      reservation_expires_at=start + 100), start - 20)
    t.apply(contract.SupplyStartedNotice(driver_id="driver1", session_id=sid, cp_id="CP003",
                                         started_at=start), start)
    meter = Meter(PowerModel(max_kw, price), random.Random(11))
    for k in range(1, seconds + 1):
        r = meter.read_at(float(k))
        t.apply(contract.SupplyProgress(driver_id="driver1", session_id=sid, cp_id="CP003", kw=r.kw,
                                        kwh=r.kwh, eur=r.eur), start + k)
    return t, sid, meter.reading, price


# ------------------------------------------------------------------- child: the diagnostics

def diagnostics_replay(case: str):
    """A stand-in for ``run_diagnostics`` that reports what the engine reports for *case*:
    ``ok`` (local broker, Central running), ``refused`` (nothing on 127.0.0.1:9092) or
    ``advertised`` (broker reachable, but it advertises kafka-central.lan:9092). Like the
    engine it returns data only (codes, params, Detail); the dialog puts it into words."""
    from ev_desktop.diagnostics.runner import (
        STEPS, Detail, Diagnosis, DiagnosticsReport, StepResult, StepStatus,
    )

    host, port = BOOTSTRAP.split(":")
    cluster = "q2KxVbT8S3ePz0m1Rf7uJw"
    advertised = f"{ADVERTISED_HOST}:{port}" if case == "advertised" else BOOTSTRAP
    # the app's own readers, caught up (what AppContext.reader_lags() gives a running app)
    readers = {"directory": 0, "central_watch": 0, "events": 0}

    def replay(bootstrap, topics, *, group_ids=None, timeout_s=3.0, on_step=None, cancel=None,
               reader_lags=None):
        central = [Detail("lag.central_ok", {"group": g, "lag": 0}) for g in group_ids or []]
        mine = Detail("lag.readers_ok", {"readers": [Detail("lag.reader", {"reader": r, "lag": n})
                                                     for r, n in readers.items()]})
        plan = [
            ("resolve", StepStatus.OK, "resolve.ok", {"summary": f"{BOOTSTRAP} → {host}"}, 0.4),
            ("tcp", StepStatus.OK, "tcp.ok", {"targets": BOOTSTRAP}, 0.3),
            ("handshake", StepStatus.OK, "handshake.ok", {"target": BOOTSTRAP, "api_count": 75}, 6.8),
            ("metadata", StepStatus.OK, "metadata.ok",
             {"target": BOOTSTRAP, "cluster_id": cluster, "controller_id": 1, "brokers": f"1={advertised}"}, 3.1),
            ("advertised", StepStatus.OK, "advertised.ok", {"brokers": advertised}, 1.2),
            ("topics", StepStatus.OK, "topics.ok", {"count": len(topics.all()), "prefix": topics.prefix}, 41.5),
            ("roundtrip", StepStatus.OK, "roundtrip.ok", {"topic": f"{topics.prefix}.diagnostics",
                                                           "latency_ms": "12"}, 187.0),
            ("lag", StepStatus.OK, "lag.ok", {"summary": [*central, mine], "advice": [],
                                              "groups": {g: 0 for g in group_ids or []},
                                              "readers": readers}, 23.6),
        ]
        if case == "refused":
            plan[1] = ("tcp", StepStatus.FAILED, "tcp.refused",
                       {"target": BOOTSTRAP, "host": host, "port": int(port), "timeout_s": f"{timeout_s:g}",
                        "error": "Connection refused"}, 0.4)
        elif case == "advertised":
            # bootstrap on 127.0.0.1: the broker is this machine, so its network address is the fix
            plan[4] = ("advertised", StepStatus.FAILED, "advertised.unreachable",
                       {"advertised": advertised, "host": ADVERTISED_HOST, "port": int(port),
                        "reason": Detail("reason.unresolvable", {"host": ADVERTISED_HOST}),
                        "advice": [Detail("fix.advertised_local", {"port": int(port)}),
                                   Detail("fix.advertised_resolve", {"host": ADVERTISED_HOST})]}, 2.3)
        steps, blocker = [], None
        for step_id, status, code, params, ms in plan:
            if blocker is not None:
                status, code, params, ms = (StepStatus.SKIPPED, "skipped.after_failure",
                                            {"step": blocker}, 0.0)
            elif status is StepStatus.FAILED:
                blocker = step_id
            step = StepResult(id=step_id, status=status, code=code, params=params, duration_ms=ms)
            time.sleep(0.03)
            steps.append(step)
            if on_step is not None:
                on_step(step)
        failed = next((s for s in steps if s.status is StepStatus.FAILED), None)
        diagnosis = (Diagnosis(failed.code, failed.params, failed.id) if failed else
                     Diagnosis("ok", {"latency_ms": "12"}))
        assert [s.id for s in steps] == [sid for sid, _ in STEPS]
        return DiagnosticsReport(bootstrap_servers=bootstrap, started_at=datetime.now().astimezone(),
                                 steps=steps, diagnosis=diagnosis,
                                 duration_ms=round(sum(s.duration_ms for s in steps), 1))
    return replay


# ------------------------------------------------------------------------- child: capturing

def workbench_shots(w, now: float, save, settle) -> None:
    """The workbench pages fed with what Central's OPQUERY answers would carry (docs/protocol.md §6)."""
    from ev_desktop.views.timeline_view import TimelineDialog

    wb = w.workbench
    tabs = w.dashboard.workbench_tabs
    w.dashboard.vsplit.setSizes([380, 420])
    alerts = [
        {"id": 41, "kind": "cp_faulted", "subject": "CP005", "severity": "critical", "detail": "Engine KO",
         "cp_id": "CP005", "first_seen": now - 52, "last_seen": now - 1, "count": 1, "cleared_at": None,
         "acked_by": None, "acked_at": None},
        {"id": 40, "kind": "supply_silent", "subject": "s-31", "severity": "warning",
         "detail": "sin telemetría desde hace 95 s", "cp_id": "CP011", "first_seen": now - 65, "last_seen": now - 1,
         "count": 1, "cleared_at": None, "acked_by": "operator2", "acked_at": now - 30},
        {"id": 39, "kind": "forged_input", "subject": "central", "severity": "critical",
         "detail": "entradas falsificadas o no autenticadas: 3 en total", "cp_id": None, "first_seen": now - 900,
         "last_seen": now - 400, "count": 3, "cleared_at": None, "acked_by": None, "acked_at": None},
        {"id": 37, "kind": "cp_disconnected", "subject": "CP019", "severity": "warning",
         "detail": "sin monitor desde hace 45 s", "cp_id": "CP019", "first_seen": now - 3600,
         "last_seen": now - 3300, "count": 1, "cleared_at": now - 3300, "acked_by": "operator1",
         "acked_at": now - 3500},
    ]
    wb.controller.model.set_central(alerts)
    tabs.setCurrentIndex(wb.alerts_index)
    wb.inbox.select_alert(41)
    save(w, "workbench_alerts")
    wb.suspects.show_suspects({"suspects": [
        {"session_id": "s-31", "cp_id": "CP011", "driver_id": "driver31", "status": "charging",
         "created_at": now - 5 * 3600, "kwh": 41.2, "reasons": ["too_long", "silent"]},
        {"session_id": "s-58", "cp_id": "CP027", "driver_id": "driver8", "status": "charging",
         "created_at": now - 1800, "kwh": 30.5, "reasons": ["energy"]}]})
    tabs.setCurrentWidget(wb.suspects)
    wb.suspects.table.selectRow(0)
    save(w, "workbench_suspects")
    day = 86400
    start = int(now // day * day) - 13 * day
    rng = random.Random(16)
    buckets = [{"start": start + i * day, "kwh": round(rng.uniform(300, 900), 1), "supplies": rng.randrange(20, 60)}
               for i in range(14)]
    for b in buckets:
        b["eur"] = round(b["kwh"] * 0.31, 2)
    rows = [{"id": f"s-{900 - i}", "cp_id": f"CP{rng.randrange(1, 40):03d}", "driver_id": f"driver{rng.randrange(1, 60)}",
             "status": "finished", "outcome": "completed" if i % 7 else "fault", "created_at": now - i * 1700,
             "kwh": round(rng.uniform(3, 45), 2)} for i in range(50)]
    for r in rows:
        r["eur"] = round(r["kwh"] * 0.31, 2)
    tabs.setCurrentWidget(wb.reports)
    wb.reports.show_page({"rows": rows, "total": 1234, "page": 0})
    wb.reports.show_chart({"buckets": buckets})
    save(w, "workbench_reports")
    dialog = TimelineDialog({
        "supply": {"session_id": "s-31", "cp_id": "CP011", "driver_id": "driver31", "status": "finished",
                   "kwh": 41.2, "eur": 12.77, "price_eur_kwh": 0.31, "started_at": now - 5 * 3600 + 40},
        "events": [
            {"ts": now - 5 * 3600, "kind": "requested", "detail": "request=r-31"},
            {"ts": now - 5 * 3600 + 1, "kind": "authorized", "detail": "request=r-31"},
            {"ts": now - 5 * 3600 + 40, "kind": "supply_started", "detail": ""},
            {"ts": now - 95, "kind": "supply_interrupted", "detail": "monitor_lost"},
            {"ts": now - 20, "kind": "operator_closed", "detail": "operator1: sin telemetría desde hace 95 s"},
            {"ts": now - 20, "kind": "ticket", "detail": "kwh=41.200 eur=12.77 outcome=operator_stop"}],
        "ticket": {"kwh": 41.2, "eur": 12.77, "outcome": "operator_stop", "issued_at": now - 20,
                   "ended_at": now - 20}}, w)
    dialog.show()
    from PySide6.QtTest import QTest
    QTest.qWaitForWindowExposed(dialog, 5000)
    save(dialog, "workbench_timeline")
    dialog.close()
    tabs.setCurrentIndex(0)
    settle(100)


def run_child(args: argparse.Namespace) -> int:
    if os.environ.get("QT_QPA_PLATFORM") != "xcb" or not os.environ.get("DISPLAY"):
        sys.exit("screenshots: --child runs under the Xvfb that the script starts itself")
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ev_common import contract as c
    from ev_common.kafka.status import LinkState
    from ev_desktop.app import install_translator, load_style
    from ev_desktop.core.central_client import OperatorLogin
    from ev_desktop.core.events import LinkChanged, RequestQueued
    from ev_desktop.core.tracker import SupplyTracker
    from ev_desktop.settings_store import AppSettings
    from ev_desktop.views import diagnostics_dialog
    from ev_desktop.models.event_text import log_entry

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("EVCharging")
    install_translator(app, args.lang)
    load_style(app)
    from ev_desktop.main_window import MainWindow

    args.out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="ev-shots-"))
    suffix = "" if args.lang == "es" else f"_{args.lang}"
    saved: list[Path] = []
    now = time.time()

    def settle(ms: int = 400) -> None:
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)

    def show(window, width: int, height: int) -> None:
        window.resize(width, height)
        window.move(0, 0)
        window.show()
        QTest.qWaitForWindowExposed(window, 5000)
        settle()

    def save(widget, name: str) -> None:
        """Capture the X screen where *widget* is (what a user would see there)."""
        settle()
        top_left = widget.mapToGlobal(QPoint(0, 0))
        rect = QRect(top_left, widget.size())
        pixmap = app.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
        path = args.out / f"{name}{suffix}.png"
        if pixmap.isNull() or not pixmap.save(str(path)):
            raise SystemExit(f"screenshots: could not capture {name}")
        saved.append(path)

    def capture_confirmation(target, name: str) -> None:
        """Make *target*.confirm show its real question without blocking, capture it, answer No."""
        from PySide6.QtWidgets import QMessageBox

        def confirm(title: str, text: str) -> bool:
            box = QMessageBox(QMessageBox.Icon.Question, title, text,
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, target)
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.show()
            QTest.qWaitForWindowExposed(box, 5000)
            save(box, name)
            box.close()
            return False
        target.confirm = confirm

    def window(role: str, width: int, height: int) -> MainWindow:
        w = MainWindow(AppSettings(bootstrap_servers=BOOTSTRAP, central=CENTRAL, role=role), data_dir,
                       start=False)
        show(w, width, height)
        return w

    try:
        # 1. driver login, after a failed attempt while Central is not running
        w = window("driver", 1100, 700)
        w.ctx.link.update_producer("driver", producer_status(LinkState.CONNECTED, 0))
        w.ctx.centralChanged.emit(False, now - 40)
        p = w.driver_panel
        p.login.driver.setText("driver1")
        p.login.password.setText("pass123")
        p._on_login_failed("unreachable", "")
        save(w, "login")

        # 2. driver panel while charging at CP003 (4 minutes in)
        t, sid, reading, price = charging_tracker(now, 240)
        w.ctx.centralChanged.emit(True, now)
        w.session.core = SimpleNamespace(tracker=t, started=True, driver_id="driver1")
        w.ctx.cpStates.emit(local_network(now))   # as the CP directory delivers them
        p._on_logged_in("driver1")
        save(w, "driver_charging")
        # 2a. the driver stops the charge: the question first (its answer here: No)
        capture_confirmation(p, "driver_stop_confirm")
        p.supply.cancel_btn.click()

        # 2b. the ticket once the driver unplugs
        t.apply(c.Ticket(driver_id="driver1", session_id=sid, cp_id="CP003", started_at=now - 240,
                         ended_at=now, kwh=round(reading.kwh, 3), eur=round(reading.kwh * price, 2),
                         price_eur_kwh=price, outcome="completed"), now)
        p.refresh()
        save(w, "driver_ticket")

        # 2c. a request queued while Kafka is down (nothing listens on 127.0.0.1:9092): the link
        # dropped 97 s ago, the driver asked for any free CP 95 s ago
        t2 = SupplyTracker("driver1")
        t2.apply(RequestQueued("r-2", None, LinkState.OFFLINE, now - 95), now - 95)
        w.session.core = SimpleNamespace(tracker=t2, started=True, driver_id="driver1")
        w.freshness.clock = lambda: now - 97      # the last CP states came just before the drop
        w.ctx.cpStates.emit(local_network(now)[:1])
        w.ctx.link.update_producer("driver", producer_status(LinkState.OFFLINE, 1, KAFKA_DOWN))
        w.freshness.clock = time.time
        w.ctx.centralChanged.emit(False, now - 95)
        p.refresh()
        save(w, "driver_queued_offline")

        # 2d. Kafka is back but Central does not answer: the request waits for Central, and the
        # driver may withdraw it ("Cancelar solicitud")
        w.ctx.link.update_producer("driver", producer_status(LinkState.CONNECTED, 0))
        w.ctx.cpStates.emit(local_network(now))
        w.central_status.clock = lambda: now + 10   # past the wait for heartbeats after Kafka returned
        w.central_status.tick()
        t2.apply(LinkChanged(producer_status(LinkState.CONNECTED, 0)), now)
        p.refresh()
        save(w, "driver_central_down")
        w.close()

        # 3. operator dashboard (signed in as operator1): 2,000 CPs in every state, live event log
        w = window("operator", 1440, 900)
        w.operator_session.accept(OperatorLogin("operator1", "op:operator1.-.-", now + 8 * 3600))
        w.ctx.link.update_producer("producer", producer_status(LinkState.CONNECTED, 0))
        w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
        w.ctx.centralChanged.emit(True, now)
        w.ctx.cpStates.emit(big_network(2000, now))   # as the CP directory delivers them
        w.grid.flush()
        events = [
            (now - 95, c.ChargeRequested(driver_id="driver12", token="-", request_id="r-12", cp_id="CP003")),
            (now - 94, c.ChargeAuthorized(driver_id="driver12", request_id="r-12", session_id="s-12",
                                          cp_id="CP003", location="-", price_eur_kwh=0.28,
                                          reservation_expires_at=now + 26)),
            (now - 81, c.SupplyStarted(cp_id="CP003", session_id="s-12", started_at=now - 81)),
            (now - 64, c.ChargeRequested(driver_id="driver7", token="-", request_id="r-7", cp_id=None)),
            (now - 63, c.ChargeAuthorized(driver_id="driver7", request_id="r-7", session_id="s-7",
                                          cp_id="CP002", location="-", price_eur_kwh=0.35,
                                          reservation_expires_at=now + 57)),
            (now - 52, c.SupplyInterrupted(driver_id="driver31", session_id="s-31", cp_id="CP005",
                                           reason="fault")),
            (now - 40, c.OperatorCommand(action="stop", cp_id="CP004", operator="operator1")),
            (now - 33, c.ChargeRequested(driver_id="driver9", token="-", request_id="r-9", cp_id="CP004")),
            (now - 33, c.ChargeDenied(driver_id="driver9", request_id="r-9", reason="cp_unavailable")),
            (now - 12, c.Ticket(driver_id="driver3", session_id="s-3", cp_id="CP017", started_at=now - 1500,
                                ended_at=now - 12, kwh=21.37, eur=5.34, price_eur_kwh=0.25,
                                outcome="completed")),
        ]
        w.log_model.clear()   # only the scene's events, not this script's own set-up
        w.log_model.add([e for e in (log_entry(body, ts) for ts, body in events) if e is not None])
        w.dashboard.select_cp("CP002")
        save(w, "operator_dashboard")

        # 3a. Parar on a charging CP asks first and names whose supply it ends
        charging = next(st.cp_id for st in big_network(2000, now) if st.state == "charging")
        capture_confirmation(w.dashboard, "operator_stop_confirm")
        w.dashboard.request_stop(charging)

        # 3b. Central stops answering (Kafka works): banner, greyed tiles, the outage in the log
        w.central_status.clock = lambda: now
        w.ctx.centralChanged.emit(False, now - 25)
        save(w, "central_down_dashboard")
        w.ctx.centralChanged.emit(True, now)

        # 3c. the operator workbench (issue 16): alerts inbox, suspect supplies, reports, timeline
        workbench_shots(w, now, save, settle)

        # 4. Kafka down (since 10 s ago): status bar red, events waiting in the outbox, the
        # dashboard says its data is from then and its countdowns stop there
        w.freshness.clock = lambda: now - 10      # the last CP states came just before the drop
        w.ctx.cpStates.emit(big_network(2000, now)[:1])
        w.ctx.link.update_producer("producer", producer_status(LinkState.OFFLINE, 3, KAFKA_DOWN))
        w.ctx.link.update_consumer("directory", LinkState.OFFLINE)
        w.freshness.clock = time.time
        w.ctx.centralChanged.emit(False, now - 10)   # its last heartbeat came just before
        save(w, "status_offline_window")
        save(w.statusBar(), "status_offline")

        # 5. the Kafka diagnostics dialog, opened as the Kafka indicator opens it
        for case in ("ok", "refused", "advertised"):
            diagnostics_dialog.run_diagnostics = diagnostics_replay(case)
            w.open_diagnostics()
            dialog = w._diagnostics
            QTest.qWaitForWindowExposed(dialog, 5000)
            deadline = time.monotonic() + 10
            while dialog.is_running() and time.monotonic() < deadline:
                settle(50)
            save(dialog, f"diagnostics_{case}")
            dialog.close()
            settle(100)
        w.close()
    finally:
        for top in app.topLevelWidgets():
            top.close()
        app.processEvents()
        shutil.rmtree(data_dir, ignore_errors=True)
    for path in saved:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ap.add_argument("--lang", choices=(*LANGS, "all"), default="all")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.out = args.out.resolve()
    if args.child:
        return run_child(args)
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
