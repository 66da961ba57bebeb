"""Paints one CP as a coloured tile: one delegate for the whole grid, no widget per CP."""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ev_common.contract import CpState
from ev_desktop.models.cp_grid import STATE_COLORS, CpStateRole

TILE_SIZE = QSize(176, 96)


def state_label(state: str) -> str:
    return {
        "available": QCoreApplication.translate("CpTile", "Disponible"),
        "reserved": QCoreApplication.translate("CpTile", "Reservado"),
        "charging": QCoreApplication.translate("CpTile", "Cargando"),
        "out_of_order": QCoreApplication.translate("CpTile", "Out of Order"),
        "faulted": QCoreApplication.translate("CpTile", "Averiado"),
        "disconnected": QCoreApplication.translate("CpTile", "Desconectado"),
    }.get(state, state)


def fmt_left(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def detail_line(st: CpState, now: float | None = None) -> str:
    """The state-specific line of a tile (what the product brief asks each state to show)."""
    now = time.time() if now is None else now
    if st.state == "reserved":
        left = fmt_left((st.reserved_until or now) - now)
        return QCoreApplication.translate("CpTile", "{d} · quedan {t}").format(d=st.driver_id or "?", t=left)
    if st.state == "charging":
        return f"{st.kw:.1f} kW · {st.eur:.2f} € · {st.driver_id or '?'}"
    if st.state == "out_of_order":
        return QCoreApplication.translate("CpTile", "Parado por el operador")
    if st.state == "faulted":
        return st.fault_reason or QCoreApplication.translate("CpTile", "Avería")
    if st.state == "disconnected":
        if st.last_seen:
            return QCoreApplication.translate("CpTile", "visto {t}").format(t=time.strftime("%d/%m %H:%M:%S", time.localtime(st.last_seen)))
        return QCoreApplication.translate("CpTile", "nunca visto")
    return QCoreApplication.translate("CpTile", "Libre")


class CpTileDelegate(QStyledItemDelegate):
    """Reads ``CpStateRole`` and paints id, state, location, price and the state's detail."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._colors = {k: QColor(v) for k, v in STATE_COLORS.items()}
        self._bold = QFont()
        self._bold.setBold(True)
        self._bold.setPointSizeF(self._bold.pointSizeF() * 1.1)
        self._small = QFont()
        self._small.setPointSizeF(self._small.pointSizeF() * 0.9)
        self.tile_size = QSize(TILE_SIZE)
        self._white = QColor("#ffffff")
        self._badge = QColor(255, 255, 255, 60)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.tile_size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        st: CpState | None = index.data(CpStateRole)
        if st is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(option.rect).adjusted(3, 3, -3, -3)
        color = self._colors.get(st.state, self._colors["disconnected"])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(r, 7, 7)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(QColor("#ffd54f"), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(r.adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
        inner = r.toRect().adjusted(9, 6, -9, -6)
        painter.setPen(self._white)
        # line 1: id (bold) and the state badge on the right
        painter.setFont(self._bold)
        fm = QFontMetrics(self._bold)
        line_h = fm.height()
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, st.cp_id)
        painter.setFont(self._small)
        sfm = QFontMetrics(self._small)
        label = state_label(st.state)
        lw = sfm.horizontalAdvance(label) + 10
        badge = QRect(inner.right() - lw + 1, inner.top() + 1, lw, sfm.height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._badge)
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(self._white)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
        # lines 2-4: location, price, detail
        y = inner.top() + line_h + 4
        small_h = sfm.height()
        for text in (st.location, f"{st.price_eur_kwh:.2f} €/kWh", detail_line(st)):
            elided = sfm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            painter.drawText(QRect(inner.left(), y, inner.width(), small_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
            y += small_h + 1
        painter.restore()
