"""What the driver sees of the current request/supply, rendered from the core's SupplyTracker.

``render(tracker)`` is the only entry point; it is called after every driver event and once a
second while a request waits in the outbox or a reservation counts down. The live chart is a
pyqtgraph plot of kW over time.

Two moments need more than a headline, or the driver thinks the app froze or shows nonsense:

* a request *queued* while Kafka is down can wait minutes: the view says which CP was asked
  for, that the request is safe on disk and leaves by itself when Kafka is back, and for how
  long it has been waiting (:attr:`SupplyView.queued_info`);
* once the supply is *over*, live power means nothing (it reads "0.0 kW"): the value tiles
  show the ticket's energy, amount and price instead, and the ticket lists the rest.
"""
from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ev_desktop.core.tracker import SupplyPhase, SupplyTracker
from ev_desktop.views.cp_tile_delegate import fmt_left

PHASE_COLORS = {
    "idle": "#455a64", "queued": "#1565c0", "authorized": "#2e7d32", "charging": "#1b5e20",
    "finished": "#4a148c", "denied": "#c62828", "expired": "#ef6c00", "interrupted": "#c62828",
}


def fmt_wait(seconds: float) -> str:
    """35 s · 1 min 35 s · 2 h 05 min (the same in Spanish and English)."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class SupplyView(QWidget):
    cancelRequested = Signal(str)   # what to undo: request | reservation | supply

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central_down = False     # Central known not to answer (set by the panel)
        self.central_since: str = ""  # hh:mm:ss of its last heartbeat, already formatted
        self.cancel_btn = QPushButton()
        self.cancel_btn.setObjectName("cancelSupply")
        self.cancel_btn.clicked.connect(lambda: self.cancelRequested.emit(self._cancel_what or ""))
        self._cancel_what: str | None = None
        self.headline = QLabel()
        self.headline.setObjectName("supplyHeadline")
        self.headline.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setObjectName("supplyDetail")
        self.detail.setWordWrap(True)
        values = QFrame()
        values.setObjectName("supplyValues")
        row = QHBoxLayout(values)
        self.kw = QLabel("—")
        self.kwh = QLabel("—")
        self.eur = QLabel("—")
        self.price = QLabel("—")
        # one tile (caption over value) per figure, so a tile can be hidden as a whole
        self.tiles: dict[str, QWidget] = {}
        for key, caption, label in (("kw", self.tr("Potencia"), self.kw), ("kwh", self.tr("Energía"), self.kwh),
                                    ("eur", self.tr("Importe"), self.eur), ("price", self.tr("Precio"), self.price)):
            tile = QWidget()
            tile.setObjectName(f"tile_{key}")
            col = QVBoxLayout(tile)
            col.setContentsMargins(0, 0, 0, 0)
            cap = QLabel(caption)
            cap.setObjectName("valueCaption")
            label.setObjectName("bigValue")
            col.addWidget(cap)
            col.addWidget(label)
            row.addWidget(tile, 1)
            self.tiles[key] = tile
        self.values = values
        self.queued_info = QLabel()
        self.queued_info.setObjectName("queuedInfo")
        self.queued_info.setWordWrap(True)
        self.queued_info.setTextFormat(Qt.TextFormat.RichText)
        self.queued_info.hide()
        pg.setConfigOptions(antialias=True, background="w", foreground="#37474f")
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("powerChart")
        self.plot.setMinimumHeight(160)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("left", self.tr("kW"))
        self.plot.setLabel("bottom", self.tr("segundos"))
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#2e7d32", width=2), fillLevel=0,
                                    brush=pg.mkBrush(46, 125, 50, 60))
        self.ticket = QLabel()
        self.ticket.setObjectName("ticket")
        self.ticket.setWordWrap(True)
        self.ticket.hide()
        self.copy_ticket_btn = QPushButton(self.tr("Copiar ticket"))
        self.copy_ticket_btn.setObjectName("copyTicket")
        self.copy_ticket_btn.clicked.connect(self.copy_ticket)
        self.save_ticket_btn = QPushButton(self.tr("Guardar ticket…"))
        self.save_ticket_btn.setObjectName("saveTicket")
        self.save_ticket_btn.clicked.connect(self.save_ticket)
        self.ticket_buttons = QWidget()
        tb = QHBoxLayout(self.ticket_buttons)
        tb.setContentsMargins(0, 0, 0, 0)
        tb.addWidget(self.copy_ticket_btn)
        tb.addWidget(self.save_ticket_btn)
        tb.addStretch(1)
        self.ticket_buttons.hide()
        self._ticket_plain = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.headline)
        lay.addWidget(self.detail)
        lay.addWidget(self.queued_info)
        cancel_row = QHBoxLayout()
        cancel_row.addWidget(self.cancel_btn)
        cancel_row.addStretch(1)
        lay.addLayout(cancel_row)
        lay.addWidget(values)
        lay.addWidget(self.plot, 10)
        lay.addWidget(self.ticket)
        lay.addWidget(self.ticket_buttons)
        lay.addStretch(1)  # keeps the texts together at the top when the chart is hidden
        self.phase = "idle"
        self.render(None)

    # ------------------------------------------------------------------ texts
    def deny_text(self, reason: str | None) -> str:
        return {
            "invalid_token": self.tr("la sesión ha caducado — vuelva a iniciar sesión"),
            "unknown_driver": self.tr("conductor desconocido para la CENTRAL"),
            "unknown_cp": self.tr("ese punto de carga no existe"),
            "cp_unavailable": self.tr("el punto de carga no está disponible ahora"),
            "cp_disconnected": self.tr("el punto de carga está desconectado"),
            "no_free_cp": self.tr("no hay ningún punto de carga libre ahora"),
            "driver_busy": self.tr("ya tiene una carga en curso o reservada"),
        }.get(reason or "", reason or "")

    def interrupt_text(self, reason: str | None) -> str:
        return {
            "fault": self.tr("avería en el punto de carga"),
            "operator_stop": self.tr("parada por el operador"),
            "monitor_lost": self.tr("se perdió la conexión con el punto de carga"),
            "cancelled": self.tr("cancelada"),
            "driver_stop": self.tr("detenida por usted"),
        }.get(reason or "", reason or "")

    def outcome_text(self, outcome: str) -> str:
        return {
            "completed": self.tr("completado"),
            "fault": self.tr("avería"),
            "operator_stop": self.tr("parado por el operador"),
            "monitor_lost": self.tr("punto desconectado"),
            "interrupted": self.tr("interrumpido"),
        }.get(outcome, outcome)

    def cancel_text(self, what: str | None) -> str:
        return {"request": self.tr("Cancelar solicitud"), "reservation": self.tr("Cancelar reserva"),
                "supply": self.tr("Detener carga")}.get(what or "", self.tr("Cancelar"))

    def queued_text(self, link_state: object) -> str:
        state = str(getattr(link_state, "value", link_state) or "")
        if state == "connected" and self.central_down:
            return self.tr("La CENTRAL no responde — la solicitud espera en Kafka a que vuelva")
        if state == "connected":
            return self.tr("Enviando a la CENTRAL…")
        if state == "degraded":
            return self.tr("Kafka responde con errores — se enviará en cuanto se recupere")
        return self.tr("Esperando a Kafka — se enviará en cuanto haya conexión")

    def queued_info_html(self, t: SupplyTracker, now: float) -> str:
        """The card under a queued request: what was asked, where it is, since when."""
        cp = t.requested_cp or self.tr("cualquier CP libre")
        rows = [(self.tr("Punto de carga pedido"), cp)]
        if t.queued_at is not None:
            rows.append((self.tr("Pedida a las"), time.strftime("%H:%M:%S", time.localtime(t.queued_at))))
            rows.append((self.tr("Esperando desde hace"), fmt_wait(now - t.queued_at)))
        state = str(getattr(t.link_state, "value", t.link_state) or "")
        if state == "connected" and self.central_down:
            since = self.tr(" desde las {t}").format(t=self.central_since) if self.central_since else ""
            where = self.tr("La CENTRAL no responde{since}. La solicitud ya está en Kafka y la CENTRAL la "
                            "atenderá en cuanto vuelva.").format(since=since)
        elif state == "connected":
            where = self.tr("Hay conexión con Kafka: la solicitud sale hacia la CENTRAL. En cuanto conteste "
                            "verá aquí la autorización o el motivo del rechazo.")
        else:
            where = self.tr("La solicitud está guardada en el disco de este equipo y se enviará sola en cuanto "
                            "vuelva la conexión con Kafka. No se pierde aunque cierre la aplicación.")
        calm = self.tr("No hace falta repetirla: esta pantalla cambiará sola cuando la CENTRAL responda.")
        body = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in rows)
        return f"<table>{body}</table><p>{where}</p><p>{calm}</p>"

    # ------------------------------------------------------------------ render
    def render(self, t: SupplyTracker | None, now: float | None = None) -> None:
        now = time.time() if now is None else now
        phase = t.phase.value if t is not None else "idle"
        self.phase = phase
        head, detail = self._texts(t, now)
        self.headline.setText(head)
        self.headline.setStyleSheet(f"color: {PHASE_COLORS.get(phase, '#455a64')};")
        self.detail.setText(detail)
        showing_values = t is not None and phase in ("charging", "finished", "interrupted")
        self.values.setVisible(showing_values)
        if t is not None and showing_values:
            self.kw.setText(f"{t.kw:.1f} kW")
            self.kwh.setText(f"{t.kwh:.2f} kWh")
            self.eur.setText(f"{t.eur:.2f} €")
            price = t.ticket.price_eur_kwh if t.ticket is not None else t.price_eur_kwh
            self.price.setText(f"{price:.2f} €/kWh" if price is not None else "—")
            # live power only while energy flows; once over, the supply's figures instead
            live = phase == "charging"
            self.tiles["kw"].setVisible(live)
            self.tiles["price"].setVisible(not live and price is not None)
        what = t.can_cancel if t is not None else None
        self._cancel_what = what
        self.cancel_btn.setText(self.cancel_text(what))
        self.cancel_btn.setEnabled(what is not None)
        self.cancel_btn.setVisible(what is not None or (t is not None and t.stop_requested and phase == "charging"))
        if t is not None and t.stop_requested and phase == "charging":
            self.cancel_btn.setText(self.tr("Deteniendo…"))
        if t is not None and phase == "queued":
            self.queued_info.setText(self.queued_info_html(t, now))
            self.queued_info.show()
        else:
            self.queued_info.hide()
        points = list(t.points) if t is not None else []
        if points:
            t0 = points[0].t
            self.curve.setData([p.t - t0 for p in points], [p.kw for p in points])
        else:
            self.curve.setData([], [])
        self.plot.setVisible(bool(points) or phase == "charging")
        if t is not None and t.ticket is not None:
            self.ticket.setText(self._ticket_text(t))
            plain = self.ticket_plain_text(t)
            if plain != self._ticket_plain:
                self.copy_ticket_btn.setText(self.tr("Copiar ticket"))
            self._ticket_plain = plain
            self.ticket.show()
            self.ticket_buttons.show()
        else:
            self.ticket.hide()
            self.ticket_buttons.hide()
            self._ticket_plain = ""

    def _texts(self, t: SupplyTracker | None, now: float) -> tuple[str, str]:
        if t is None or t.phase == SupplyPhase.IDLE:
            return (self.tr("Sin carga en curso"),
                    self.tr("Elija un punto de carga libre y pulse «Solicitar Carga», o pida «Cualquier CP libre»."))
        cp = t.cp_id or t.requested_cp or self.tr("cualquier CP libre")
        if t.phase == SupplyPhase.QUEUED:
            return (self.tr("Solicitud en cola para {cp}").format(cp=cp), self.queued_text(t.link_state))
        if t.phase == SupplyPhase.AUTHORIZED:
            left = t.reservation_left(now)
            head = self.tr("Autorizado en {cp}").format(cp=t.cp_id)
            detail = self.tr("{loc} · {price:.2f} €/kWh").format(loc=t.location, price=t.price_eur_kwh or 0)
            if left is not None:
                detail += "\n" + self.tr("Reservado para usted: quedan {t} para conectar el vehículo").format(
                    t=fmt_left(left))
            return head, detail
        if t.phase == SupplyPhase.DENIED:
            return (self.tr("Solicitud denegada"),
                    self.tr("Motivo: {r}").format(r=self.deny_text(t.deny_reason)))
        if t.phase == SupplyPhase.EXPIRED:
            return (self.tr("La reserva en {cp} ha caducado").format(cp=cp),
                    self.tr("No se conectó el vehículo a tiempo; puede volver a solicitar una carga."))
        if t.phase == SupplyPhase.CHARGING:
            if t.stop_requested:
                return (self.tr("Deteniendo la carga en {cp}…").format(cp=cp),
                        self.tr("El punto de carga termina el suministro; el ticket llegará enseguida."))
            return (self.tr("CARGANDO ⚡ en {cp}").format(cp=cp), t.location or "")
        if t.phase == SupplyPhase.CANCELLED:
            return (self.tr("Cancelado"), self.tr("Puede solicitar otra carga cuando quiera."))
        if t.phase == SupplyPhase.INTERRUPTED:
            detail = self.tr("Motivo: {r}").format(r=self.interrupt_text(t.interrupt_reason))
            if t.ticket is None:
                detail += "\n" + self.tr("Esperando el ticket final…")
            return self.tr("Suministro interrumpido en {cp}").format(cp=cp), detail
        if t.phase == SupplyPhase.FINISHED:
            return self.tr("Suministro terminado en {cp}").format(cp=cp), self.tr("Este es su ticket:")
        return t.phase.value, ""

    def ticket_plain_text(self, t: SupplyTracker) -> str:
        """The ticket as plain text lines (clipboard, file), in the UI's language."""
        lines = [f"{self.tr('TICKET')} {t.ticket.session_id}"] if t.ticket is not None else []
        lines += [f"{k}: {v}" for k, v in self._ticket_rows(t)]
        return "\n".join(lines) + "\n"

    def copy_ticket(self) -> None:
        if self._ticket_plain:
            QApplication.clipboard().setText(self._ticket_plain)
            self.copy_ticket_btn.setText(self.tr("Copiado"))

    def save_ticket(self) -> None:
        if not self._ticket_plain:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Guardar ticket"), "ticket.txt",
                                              self.tr("Texto (*.txt)"))
        if path:
            try:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(self._ticket_plain)
            except OSError as exc:
                self.detail.setText(self.tr("No se pudo guardar el ticket: {e}").format(e=exc))

    def _ticket_rows(self, t: SupplyTracker) -> list[tuple[str, str]]:
        tk = t.ticket
        assert tk is not None
        fmt = "%d/%m/%Y %H:%M:%S"
        return [
            (self.tr("Punto de carga"), tk.cp_id),
            (self.tr("Inicio"), time.strftime(fmt, time.localtime(tk.started_at))),
            (self.tr("Fin"), time.strftime(fmt, time.localtime(tk.ended_at))),
            (self.tr("Energía"), f"{tk.kwh:.2f} kWh"),
            (self.tr("Precio"), f"{tk.price_eur_kwh:.2f} €/kWh"),
            (self.tr("Total"), f"{tk.eur:.2f} €"),
            (self.tr("Resultado"), self.outcome_text(tk.outcome)),
        ]

    def _ticket_text(self, t: SupplyTracker) -> str:
        tk = t.ticket
        assert tk is not None
        rows = self._ticket_rows(t)
        body = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in rows)
        return f"<b>{self.tr('TICKET')}</b> · {tk.session_id[:12]}<table>{body}</table>"
