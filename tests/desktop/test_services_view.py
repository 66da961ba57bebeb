"""Services tab: loading the demo file, progress and outcome lines, a bad file as a message."""
from __future__ import annotations

from pathlib import Path

from ev_desktop.core.services import ServiceOutcome, ServicesProgress
from ev_desktop.views.services_view import ServicesView

DEMO = Path(__file__).resolve().parents[2] / "assets" / "services_demo.txt"


def test_demo_file_progress_and_outcomes(qtbot):
    v = ServicesView()
    qtbot.addWidget(v)
    assert not v.run_btn.isEnabled()
    assert v.load(DEMO)
    assert len(v.cp_ids) >= 10 and v.run_btn.isEnabled()
    assert f"{len(v.cp_ids)} puntos de carga" in v.file_label.text()
    with qtbot.waitSignal(v.runRequested) as sig:
        v.run_btn.click()
    assert sig.args[0] == v.cp_ids
    v.set_running(True)
    assert v.stop_btn.isEnabled() and not v.run_btn.isEnabled()
    total = len(v.cp_ids)
    v.show_progress(ServicesProgress(1, total, v.cp_ids[0], None))
    assert "solicitando" in v.status.text()
    v.show_progress(ServicesProgress(1, total, v.cp_ids[0], ServiceOutcome(1, total, v.cp_ids[0], "completed",
                                                                           kwh=1.5, eur=0.5)))
    assert v.progress.value() == 1
    assert v.outcomes.item(0).text() == f"1/{total} {v.cp_ids[0]}: completado — 1.50 kWh, 0.50 €"
    v.show_progress(ServicesProgress(2, total, v.cp_ids[1], ServiceOutcome(2, total, v.cp_ids[1], "denied")))
    assert v.outcomes.item(0).text().endswith("denegado")
    v.finished([ServiceOutcome(1, total, v.cp_ids[0], "completed"), ServiceOutcome(2, total, v.cp_ids[1], "denied")])
    assert v.run_btn.isEnabled() and not v.stop_btn.isEnabled()
    assert v.status.text() == f"Servicios terminados: 2 de {total}"


def test_bad_file_is_a_message(qtbot, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("CP001\nno vale#\n  CP 7\n", encoding="utf-8")
    v = ServicesView()
    qtbot.addWidget(v)
    assert not v.load(bad)
    assert "línea" in v.file_label.text() and not v.run_btn.isEnabled()
    assert not v.load(tmp_path / "missing.txt")
    assert "No se puede leer" in v.file_label.text()
