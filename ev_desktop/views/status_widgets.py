"""Status-bar indicators: Kafka link (clickable → diagnostics) and Central liveness.

They only render what they are told (``set_status`` / ``set_central``); who feeds them is the
main window, from the producer/consumer status listeners and :class:`CentralWatch`.
:class:`StaleDataBanner` is the same link state seen from the data panels: it says that what
they show stopped updating, and since when.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from ev_desktop.models.central_status import DOWN, NO_KAFKA, UP, WAITING, CentralStatus
from ev_desktop.models.freshness import Freshness
from ev_desktop.models.link import LinkSummary

LINK_COLORS = {"connected": "#2e7d32", "degraded": "#f9a825", "offline": "#c62828", "unknown": "#9e9e9e"}


class Dot(QWidget):
    """A small filled circle whose colour is the state."""

    def __init__(self, color: str = "#9e9e9e", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = QColor(color)
        self.setFixedSize(14, 14)

    def color(self) -> str:
        return self._color.name()

    def set_color(self, color: str) -> None:
        self._color = QColor(color)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(self._color.darker(130))
        p.setBrush(self._color)
        p.drawEllipse(1, 1, 12, 12)


class DotLabel(QFrame):
    """A coloured dot and a line of text: the shape of every status-bar indicator."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.dot = Dot()
        self.label = QLabel()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(6)
        lay.addWidget(self.dot)
        lay.addWidget(self.label)

    def text(self) -> str:
        return self.label.text()


class KafkaIndicator(DotLabel):
    """● Kafka: conectado — 127.0.0.1:9092 — 0 eventos en cola. Click → diagnostics."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("kafkaIndicator", parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.summary = LinkSummary("unknown", "", 0)
        self.set_summary(self.summary)

    def state_text(self, state: str) -> str:
        return {
            "connected": self.tr("conectado"),
            "degraded": self.tr("degradado"),
            "offline": self.tr("sin conexión"),
        }.get(state, self.tr("comprobando…"))

    def queued_text(self, n: int) -> str:
        """"1 evento en cola" / "3 eventos en cola": two explicit strings rather than Qt's %n
        numerus forms, because Spanish is the source language and is shown without any .qm —
        a numerus source would read "1 evento(s)" in the default UI."""
        if n == 1:
            return self.tr("{n} evento en cola").format(n=n)
        return self.tr("{n} eventos en cola").format(n=n)

    def cluster_text(self, missing: int, known: int) -> str:
        """The reason for a yellow link when a broker of the cluster is down (the service
        goes on with the others: the user should tell the administrator, not wait)."""
        if missing == 1:
            return self.tr("1 de {n} brokers no responde — el servicio sigue; avise al "
                           "administrador").format(n=known)
        return self.tr("{m} de {n} brokers no responden — el servicio sigue; avise al "
                       "administrador").format(m=missing, n=known)

    def set_summary(self, summary: LinkSummary) -> None:
        self.summary = summary
        self.dot.set_color(LINK_COLORS.get(summary.state, LINK_COLORS["unknown"]))
        text = self.tr("Kafka: {s}").format(s=self.state_text(summary.state))
        if summary.cluster_degraded:
            text += " — " + self.cluster_text(summary.brokers_missing, summary.brokers_known)
        elif summary.bootstrap:
            text += f" — {summary.bootstrap}"
        text += " — " + self.queued_text(summary.queued)
        if not summary.encrypted:
            text += " — " + self.tr("sin cifrar")
        self.label.setText(text)
        tip = self.tr("Pulse para ver el diagnóstico de la conexión con Kafka")
        if summary.encrypted and summary.principal:
            tip = self.tr("Conexión cifrada (TLS), autenticada como «{p}»").format(p=summary.principal) + "\n" + tip
        elif not summary.encrypted:
            tip = self.tr("Conexión SIN CIFRAR y sin autenticar: cualquiera en la red puede leerla") + "\n" + tip
        if summary.last_error:
            tip = self.tr("Último error: {e}").format(e=summary.last_error) + "\n" + tip
        if summary.cluster_degraded and summary.bootstrap:
            tip = f"{summary.bootstrap}\n" + tip
        self.setToolTip(tip)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class CentralIndicator(DotLabel):
    """● CENTRAL: en línea | sin respuesta desde hh:mm:ss | estado desconocido — sin Kafka."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("centralIndicator", parent)
        self.link_secure: bool | None = None  # the socket link's TLS (None: not said)
        self.instances: list = []  # InstanceSeen of every Central heard from (issue 15)
        self.address: str | None = None           # the Central the app's socket links reach
        self.previous_address: str | None = None  # the one before a failover
        self.status = CentralStatus(WAITING, None)
        self.show_status(self.status)

    def set_address(self, address: str | None) -> None:
        """Name the Central in use ("10.0.0.2:7000", from the socket client's answer); a new
        address is a failover (``--central h1:p,h2:p``): the tooltip says which one stopped
        answering. None forgets both (another Central was configured)."""
        if address is None:
            self.address = self.previous_address = None
        elif address != self.address:
            self.previous_address, self.address = self.address, address
        self.show_status(self.status)

    def _address_tip(self) -> str:
        if not self.address:
            return ""
        tip = self.tr("CENTRAL en uso: {a}").format(a=self.address)
        if self.previous_address:
            tip += "\n" + self.tr("La anterior ({a}) dejó de responder").format(a=self.previous_address)
        return tip

    def set_instances(self, instances: list) -> None:
        """The Central instances heard from (ev_desktop.core.central_watch.InstanceSeen): the
        tooltip lists them — which one serves (its partitions) and when a stopped one was last seen."""
        self.instances = list(instances)
        self.show_status(self.status)

    def _instances_tip(self) -> str:
        lines = []
        for s in self.instances:
            if s.alive:
                lines.append(self.tr("Instancia {name}: en línea, {n} particiones").format(
                    name=s.instance, n=s.partitions))
            else:
                lines.append(self.tr("Instancia {name}: sin latido desde {t}").format(
                    name=s.instance, t=clock_text(s.last_seen, time.time())))
        return "\n".join(lines)

    def set_link_secure(self, secure: bool | None) -> None:
        """Say whether the socket link to Central is TLS-verified (False: --plaintext-socket)."""
        self.link_secure = secure
        self.show_status(self.status)

    def _link_words(self) -> tuple[str, str]:
        """(suffix for the label, sentence for the tooltip) about the socket link's encryption."""
        if self.link_secure is None:
            return "", ""
        if self.link_secure:
            return " · TLS", self.tr("Enlace con la CENTRAL cifrado (TLS) y certificado comprobado")
        return " · " + self.tr("sin cifrar"), self.tr("Enlace con la CENTRAL SIN CIFRAR (--plaintext-socket)")

    def show_status(self, st: CentralStatus) -> None:
        self.status = st
        suffix, link_tip = self._link_words()
        where = f" · {self.address}" if self.address else ""  # the Central in use, in every state
        address_tip = self._address_tip()
        if st.state == UP:
            self.dot.set_color(LINK_COLORS["connected"])
            self.label.setText(self.tr("CENTRAL: en línea") + where + suffix)
            self.setToolTip("\n".join(t for t in (self.tr("La CENTRAL publica su latido en Kafka"), address_tip,
                                                   link_tip, self._instances_tip()) if t))
        elif st.state == NO_KAFKA:
            self.dot.set_color(LINK_COLORS["unknown"])
            self.label.setText(self.tr("CENTRAL: estado desconocido — sin Kafka") + where)
            why = self.tr("Sin Kafka no llega el latido de la CENTRAL; puede estar funcionando "
                          "(el inicio de sesión usa su conexión directa)")
            self.setToolTip("\n".join(t for t in (why, address_tip) if t))
        elif st.state == DOWN:
            self.dot.set_color(LINK_COLORS["offline"])
            if st.last_seen:
                self.label.setText(self.tr("CENTRAL: sin respuesta desde {t}").format(
                    t=clock_text(st.last_seen, st.now)) + where)
            else:
                self.label.setText(self.tr("CENTRAL: sin respuesta") + where)
            self.setToolTip("\n".join(t for t in (self.tr("Kafka funciona pero la CENTRAL no publica su latido"),
                                                   address_tip, self._instances_tip()) if t))
        else:
            self.dot.set_color(LINK_COLORS["unknown"])
            self.label.setText(self.tr("CENTRAL: esperando señal…") + where)
            self.setToolTip(address_tip)

    def set_central(self, up: bool | None, last_seen: float | None) -> None:
        """Heartbeat state alone (Kafka assumed up): *up* None = no heartbeat read yet."""
        state = WAITING if up is None else UP if up else DOWN
        self.show_status(CentralStatus(state, last_seen, time.time()))


class CentralDownBanner(QLabel):
    """⚠ La CENTRAL no responde desde las 11:10:10 — … Shown over the dashboard and the driver's
    list while Central is known not to answer (Kafka works, its heartbeat stopped)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("centralDownBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def banner_text(self, st: CentralStatus) -> str:
        if st.last_seen:
            return self.tr("La CENTRAL no responde desde las {t}: los estados mostrados pueden no estar al día "
                           "y las solicitudes y órdenes esperarán a que vuelva").format(t=clock_text(st.last_seen, st.now))
        return self.tr("La CENTRAL no responde: los estados mostrados pueden no estar al día y las "
                       "solicitudes y órdenes esperarán a que vuelva")

    def show_status(self, st: CentralStatus) -> None:
        if st.down:
            self.setText("⚠ " + self.banner_text(st))
        self.setVisible(st.down)


def clock_text(ts: float, now: float | None = None) -> str:
    """hh:mm:ss, with the day too when *ts* is not today (an outage across midnight).

    Pass *now* from the same clock that produced *ts* (the model's): with the wall clock a test
    — or a replayed model — formats a time of "another day" and shows the date for no reason.
    """
    now = time.time() if now is None else now
    same_day = time.localtime(ts)[:3] == time.localtime(now)[:3]
    return time.strftime("%H:%M:%S" if same_day else "%d/%m %H:%M:%S", time.localtime(ts))


class StaleDataBanner(QLabel):
    """⚠ Sin conexión con Kafka — datos de las 10:42:13, pueden no estar al día.

    Shown above a panel of live data (operator tiles, the driver's free-CP list) while the link
    is offline or degraded, hidden while it is connected: without it an outage leaves the old
    picture on screen looking as live as ever. Fed :class:`Freshness` by the main window.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staleBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.freshness = Freshness("unknown", None)
        self.hide()

    def banner_text(self, f: Freshness) -> str:
        if f.state == "degraded":
            if f.as_of is None:
                return self.tr("Kafka responde con errores — todavía no se ha recibido ningún dato")
            return self.tr("Kafka responde con errores — datos de las {t}, pueden no estar al día").format(
                t=clock_text(f.as_of, f.now))
        if f.as_of is None:
            return self.tr("Sin conexión con Kafka — todavía no se ha recibido ningún dato")
        return self.tr("Sin conexión con Kafka — datos de las {t}, pueden no estar al día").format(
            t=clock_text(f.as_of, f.now))

    def show_freshness(self, f: Freshness) -> None:
        self.freshness = f
        if f.stale:
            self.setText("⚠ " + self.banner_text(f))
        self.setVisible(f.stale)
