"""The status bar's CENTRAL indicator says whether the socket link to Central is TLS."""
from __future__ import annotations

from ev_common.tls_links import LinkTLS
from ev_desktop.core.central_client import CentralClient
from ev_desktop.views.status_widgets import CentralIndicator


def test_the_central_indicator_says_tls_or_unencrypted(qtbot, monkeypatch):
    ind = CentralIndicator()
    qtbot.addWidget(ind)
    ind.set_central(True, None)
    ind.set_link_secure(CentralClient("127.0.0.1", 1).secure)  # default client: TLS
    assert ind.text() == "CENTRAL: en línea · TLS" and "TLS" in ind.toolTip()
    ind.set_link_secure(CentralClient("127.0.0.1", 1, tls=LinkTLS(plaintext=True)).secure)
    assert ind.text() == "CENTRAL: en línea · sin cifrar" and "SIN CIFRAR" in ind.toolTip()
    monkeypatch.setenv("EV_PLAINTEXT_SOCKET", "1")  # what --plaintext-socket sets for the whole app
    assert not CentralClient("127.0.0.1", 1).secure
