"""Save screenshots of the desktop app's main screens to docs/screenshots/ (offscreen, no Kafka).

    .venv/bin/python scripts/screenshots.py [--lang en] [--out docs/screenshots]

The views are fed with made-up but realistic state (the same objects Kafka would deliver), so
the pictures show every CP state, a supply in progress, and the status bar during an outage.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtWidgets import QApplication  # noqa: E402

from ev_common import contract  # noqa: E402
from ev_common.kafka.status import LinkState, ProducerStatus  # noqa: E402
from ev_desktop.app import install_translator, load_style  # noqa: E402
from ev_desktop.core.events import RequestQueued  # noqa: E402
from ev_desktop.core.tracker import SupplyTracker  # noqa: E402
from ev_desktop.views.event_text import log_entry  # noqa: E402
from ev_desktop.settings_store import AppSettings  # noqa: E402

STREETS = ["Av. Maisonnave", "C/ San Vicente", "Pl. Luceros", "C/ Alfonso X", "Av. Óscar Esplá",
           "Campus UA", "Pol. Babel", "Av. Aguilera", "C/ Pintor Aparicio", "Puerto de Alicante"]
FAULTS = ["Motor sin respuesta", "Sobretemperatura", "Error de comunicación con el motor"]


def cp_state(i: int, state: str, now: float) -> contract.CpState:
    charging = state == "charging"
    return contract.CpState(
        cp_id=f"CP{i:04d}", location=f"{STREETS[i % len(STREETS)]} {i % 90 + 1}, Alicante",
        price_eur_kwh=round(0.29 + (i % 9) * 0.01, 2), max_kw=22.0 if i % 3 else 50.0, state=state,
        driver_id=f"driver{i % 40 + 1}" if state in ("reserved", "charging") else None,
        session_id=f"s{i}" if state in ("reserved", "charging") else None,
        kw=round(random.uniform(6, 48), 1) if charging else 0.0,
        kwh=round(random.uniform(0.5, 30), 2) if charging else 0.0,
        eur=round(random.uniform(0.2, 9), 2) if charging else 0.0,
        reserved_until=now + random.randint(20, 170) if state == "reserved" else None,
        fault_reason=FAULTS[i % len(FAULTS)] if state == "faulted" else None,
        last_seen=now - random.randint(60, 7200) if state == "disconnected" else None)


def network(n: int, now: float) -> list[contract.CpState]:
    weights = [("available", 50), ("charging", 22), ("reserved", 8), ("out_of_order", 6), ("faulted", 5),
               ("disconnected", 9)]
    states = [s for s, w in weights for _ in range(w)]
    random.seed(7)
    out = [cp_state(i, random.choice(states), now) for i in range(1, n + 1)]
    # the first row shows every state side by side
    for i, s in enumerate(("available", "reserved", "charging", "out_of_order", "faulted", "disconnected"), start=1):
        out[i - 1] = cp_state(i, s, now)
    return out


def status(state: LinkState, queued: int, bootstrap: str, error: str | None = None) -> ProducerStatus:
    return ProducerStatus(state=state, last_error=error, queued=queued, bootstrap=bootstrap, since=time.time())


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ap.add_argument("--lang", default="es")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_translator(app, args.lang)
    load_style(app)
    from ev_desktop.main_window import MainWindow

    data_dir = Path(tempfile.mkdtemp(prefix="ev-shots-"))
    now = time.time()
    boot = "192.168.1.20:9092"
    suffix = "" if args.lang == "es" else f"_{args.lang}"
    saved: list[Path] = []

    def save(widget, name: str) -> None:
        settle(app)
        path = args.out / f"{name}{suffix}.png"
        widget.grab().save(str(path))
        saved.append(path)

    # 1. login (driver role), after a failed attempt with Central down
    w = MainWindow(AppSettings(bootstrap_servers=boot, central="192.168.1.20:7000", role="driver"), data_dir,
                   start=False)
    w.resize(1100, 700)
    w.show()
    w.ctx.link.update_producer("driver", status(LinkState.CONNECTED, 0, boot))
    w.central_indicator.set_central(True, now)
    p = w.driver_panel
    p.login.driver.setText("driver1")
    p._on_login_failed("unreachable", "")
    save(w, "login")

    # 2. driver panel while charging
    t = SupplyTracker("driver1")
    t.apply(RequestQueued("r1", "CP0003", LinkState.CONNECTED, now - 80))
    t.apply(contract.ChargeAuthorized(driver_id="driver1", request_id="r1", session_id="sess-7f3a", cp_id="CP0003",
                                      location="Pl. Luceros 4, Alicante", price_eur_kwh=0.35,
                                      reservation_expires_at=now + 100), now - 75)
    t.apply(contract.SupplyStartedNotice(driver_id="driver1", session_id="sess-7f3a", cp_id="CP0003",
                                         started_at=now - 60), now - 60)
    kwh = 0.0
    for k in range(60):
        kw = 7.4 + 3.6 * min(1.0, k / 8) + random.uniform(-0.4, 0.4)
        kwh += kw / 3600
        t.apply(contract.SupplyProgress(driver_id="driver1", session_id="sess-7f3a", cp_id="CP0003", kw=round(kw, 1),
                                        kwh=round(kwh, 3), eur=round(kwh * 0.35, 3)), now - 60 + k)
    w.session.core = SimpleNamespace(tracker=t, started=True, driver_id="driver1")
    p.apply_states([s for s in network(40, now)])
    p._on_logged_in("driver1")
    p.select_cp("CP0001")
    p.refresh()
    save(w, "driver_charging")

    # 2b. the ticket
    t.apply(contract.Ticket(driver_id="driver1", session_id="sess-7f3a", cp_id="CP0003", started_at=now - 60,
                            ended_at=now, kwh=round(kwh, 3), eur=round(kwh * 0.35, 2), price_eur_kwh=0.35,
                            outcome="completed"), now)
    p.refresh()
    save(w, "driver_ticket")

    # 2c. request queued while Kafka is down — the field failure, visible
    t2 = SupplyTracker("driver1")
    t2.apply(RequestQueued("r2", None, LinkState.OFFLINE, now))
    w.session.core = SimpleNamespace(tracker=t2, started=True, driver_id="driver1")
    w.ctx.link.update_producer("driver", status(LinkState.OFFLINE, 1, boot,
                                                "No se puede abrir conexión con Kafka en 192.168.1.20:9092"))
    w.central_indicator.set_central(False, now - 95)
    p.refresh()
    save(w, "driver_queued_offline")
    w.close()

    # 3. operator dashboard with 2,000 CPs in every state
    w = MainWindow(AppSettings(bootstrap_servers=boot, central="192.168.1.20:7000"), data_dir, start=False)
    w.resize(1440, 900)
    w.show()
    w.ctx.link.update_producer("producer", status(LinkState.CONNECTED, 0, boot))
    w.ctx.link.update_consumer("directory", LinkState.CONNECTED)
    w.central_indicator.set_central(True, now)
    w.grid.apply(network(2000, now))
    w.grid.flush()
    c = contract
    events = [
        (now - 50, c.ChargeRequested(driver_id="driver12", token="-", request_id="r12", cp_id="CP0003")),
        (now - 49, c.ChargeAuthorized(driver_id="driver12", request_id="r12", session_id="s12", cp_id="CP0003",
                                      location="-", price_eur_kwh=0.32, reservation_expires_at=now + 70)),
        (now - 40, c.SupplyStarted(cp_id="CP0003", session_id="s12", started_at=now - 40)),
        (now - 30, c.SupplyInterrupted(driver_id="driver4", session_id="s5", cp_id="CP0005", reason="fault")),
        (now - 20, c.ChargeDenied(driver_id="driver7", request_id="r7", reason="no_free_cp")),
        (now - 10, c.Ticket(driver_id="driver3", session_id="s17", cp_id="CP0017", started_at=now - 900,
                            ended_at=now - 10, kwh=12.4, eur=4.34, price_eur_kwh=0.35, outcome="completed")),
        (now - 5, c.OperatorCommand(action="stop", cp_id="CP0004")),
    ]
    entries = [log_entry(body, ts) for ts, body in events]
    w.log_model.add(entries)
    w.dashboard.select_cp("CP0002")
    save(w, "operator_dashboard")

    # 4. status bar during a Kafka outage, with queued events
    w.ctx.link.update_producer("producer", status(LinkState.OFFLINE, 3, boot,
                                                  "No se puede abrir conexión con Kafka en 192.168.1.20:9092"))
    w.ctx.link.update_consumer("directory", LinkState.OFFLINE)
    w.central_indicator.set_central(False, now - 125)
    save(w, "status_offline_window")
    save(w.statusBar(), "status_offline")
    w.close()
    for path in saved:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
