"""The desktop status bar says whether the Kafka link is encrypted and who the app is on it."""
from __future__ import annotations

from ev_common.kafka.security import set_process_credentials
from ev_desktop.kafka.qt_bridge import LinkAggregator
from ev_desktop.views.status_widgets import KafkaIndicator
from tests.helpers import credentials_file


def test_plaintext_link_is_shown_as_not_encrypted(qtbot) -> None:
    set_process_credentials(None, plaintext=True)   # reset after the test by conftest
    indicator = KafkaIndicator()
    qtbot.addWidget(indicator)
    agg = LinkAggregator("127.0.0.1:9092")
    indicator.set_summary(agg.summary())
    assert "sin cifrar" in indicator.text()
    assert "SIN CIFRAR" in indicator.toolTip()


def test_secure_link_names_the_principal_in_the_tooltip(qtbot, monkeypatch) -> None:
    monkeypatch.setenv("EV_KAFKA_CREDENTIALS", str(credentials_file("operator")))
    indicator = KafkaIndicator()
    qtbot.addWidget(indicator)
    indicator.set_summary(LinkAggregator("127.0.0.1:9092").summary())
    assert "sin cifrar" not in indicator.text()
    assert "autenticada como «operator»" in indicator.toolTip()


def test_settings_refuse_a_credentials_file_others_can_read(tmp_path) -> None:
    from ev_desktop.settings_store import AppSettings, validate
    loose = tmp_path / "operator.toml"
    loose.write_bytes(credentials_file("operator").read_bytes())
    loose.chmod(0o640)
    problems = validate(AppSettings(kafka_credentials=str(loose)))
    assert any(f"chmod 600 {loose}" in p for p in problems)
