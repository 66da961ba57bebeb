"""Paints one CP as a coloured tile: one delegate for the whole grid, no widget per CP.

Cost model (the dashboard repaints every visible tile at each model flush, up to ~7 times a
second with 2,000 CPs): a tile is two layers.

* The *base* — rounded background, selection frame, id, state badge, location and price —
  changes only when the CP's state, location or price changes. It is rendered once into a
  ``QPixmap`` (at the device's pixel ratio) and then blitted; the pixmaps are kept in an LRU
  bounded in bytes (:data:`BASE_CACHE_BYTES`).
* The *detail* line (kW/€ while charging, the countdown while reserved, ...) changes every
  tick: it is drawn directly, with its elided text cached by (text, width).

Fonts and font metrics are built once. The picture is the one the uncached painter drew.

Worst case: every CP changes state in one round (Central comes back and republishes all).
Each visible tile then needs a base picture it never had (~0.2 ms each, ~18 ms for a screen
full). So the pictures a visible tile may need next — its base in every *other* state — are
rendered ahead, off the hot path: a timer fires when the event loop is idle
(:data:`PRERENDER_DELAY_MS` after a paint) and renders them in slices of at most
:data:`PRERENDER_SLICE_S`, each slice handing back to the event loop before the next
(:data:`PRERENDER_GAP_MS`), so no slice delays the next frame noticeably. It only fills the
cache while there is room for it (never evicting pictures on screen).
"""
from __future__ import annotations

import time
from collections import OrderedDict

import msgspec
from PySide6.QtCore import (QCoreApplication, QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt,
                            QTimer)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QFontMetricsF, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ev_common.contract import CpState
from ocpp_gateway.connectors import connector_of
from ev_desktop.models.cp_grid import STATE_COLORS, CpStateRole

TILE_SIZE = QSize(176, 96)
# Base-layer pixmaps kept (bytes): 64 MiB ≈ 1,000 tiles of 176×96 at 1× — several screens full.
BASE_CACHE_BYTES = 64 * 2**20
_ELIDED_CACHE_MAX = 8192
# pre-rendering of the other states' pictures (see the module docstring)
PRERENDER_DELAY_MS = 30
PRERENDER_SLICE_S = 0.004
# between two slices of one pass: 0 = as soon as the event loop has handled what is waiting
# (input, paints, the model's flush), so a screen's pictures are ready in ~its work time, not
# in one slice per PRERENDER_DELAY_MS (300 pictures took 0.67 s that way, for 0.1 s of work)
PRERENDER_GAP_MS = 0

_SELECTED_BIT = QStyle.StateFlag.State_Selected.value  # int test: enum-flag ops cost µs
_LEFT_VCENTER = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight


def state_label(state: str) -> str:
    return {
        "available": QCoreApplication.translate("CpTile", "Disponible"),
        "reserved": QCoreApplication.translate("CpTile", "Reservado"),
        "charging": QCoreApplication.translate("CpTile", "Cargando"),
        "out_of_order": QCoreApplication.translate("CpTile", "Fuera de servicio"),
        "faulted": QCoreApplication.translate("CpTile", "Averiado"),
        "disconnected": QCoreApplication.translate("CpTile", "Desconectado"),
    }.get(state, state)


def fmt_left(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def detail_line(st: CpState, now: float | None = None, *, frozen: bool = False) -> str:
    """The state-specific line of a tile (what the product brief asks each state to show).

    *frozen*: the data is stale (Kafka link down) and *now* is the moment it was last current.
    A countdown then shows what was left at that moment, worded in the past ("quedaban"),
    instead of ticking down to a zero nobody has seen happen."""
    now = time.time() if now is None else now
    if st.state == "reserved":
        left = fmt_left((st.reserved_until or now) - now)
        if frozen:
            return QCoreApplication.translate("CpTile", "{d} · quedaban {t}").format(d=st.driver_id or "?", t=left)
        return QCoreApplication.translate("CpTile", "{d} · quedan {t}").format(d=st.driver_id or "?", t=left)
    if st.state == "charging":
        return f"{st.kw:.1f} kW · {st.kwh:.2f} kWh · {st.eur:.2f} €"
    if st.state == "out_of_order":
        return QCoreApplication.translate("CpTile", "Parado por el operador")
    if st.state == "faulted":
        return st.fault_reason or QCoreApplication.translate("CpTile", "Avería")
    if st.state == "disconnected":
        if st.last_seen:
            return QCoreApplication.translate("CpTile", "visto {t}").format(t=time.strftime("%d/%m %H:%M:%S", time.localtime(st.last_seen)))
        return QCoreApplication.translate("CpTile", "nunca visto")
    return QCoreApplication.translate("CpTile", "Libre")


def price_line(st: CpState) -> str:
    """Line 3 of a tile: the price, and while charging whose supply it is (it does not change
    during the supply, so it lives in the cached base layer; the live figures are line 4)."""
    price = f"{st.price_eur_kwh:.2f} €/kWh"
    if st.state == "charging" and st.driver_id:
        return f"{price} · {st.driver_id}"
    return price


# States whose detail line (line 4) depends on nothing but the state: "Libre", "Parado por el
# operador". It is drawn into the cached base picture, so these tiles are blits only. The
# others' details (kW/kWh/€, countdown, fault reason, "visto …") are drawn live over the
# picture at each paint — a fault's reason is not known ahead, so pre-rendering could not
# prepare a faulted picture holding it.
STATIC_DETAIL_STATES = frozenset({"available", "out_of_order"})

# Told apart without colour too: reserved tiles are hatched, charging ones carry a bolt.
BADGE_MARK = {"charging": "⚡ "}


def ocpp_tag(cp_id: str) -> str:
    """The tag of an OCPP charger's tile: "OCPP", or "OCPP · c2" when the CP is connector 2 of a
    multi-connector box (one CP per connector, ``CP010-2``: ocpp_gateway.connectors)."""
    n = connector_of(cp_id)
    if n is None:
        return QCoreApplication.translate("CpTile", "OCPP")
    return QCoreApplication.translate("CpTile", "OCPP · c{n}").format(n=n)


class CpTileDelegate(QStyledItemDelegate):
    """Reads ``CpStateRole`` and paints id, state, location, price and the state's detail."""

    def __init__(self, parent=None, cache_bytes: int = BASE_CACHE_BYTES) -> None:
        super().__init__(parent)
        self._colors = {k: QColor(v) for k, v in STATE_COLORS.items()}
        self._bold = QFont()
        self._bold.setBold(True)
        self._bold.setPointSizeF(self._bold.pointSizeF() * 1.1)
        self._small = QFont()
        self._small.setPointSizeF(self._small.pointSizeF() * 0.9)
        self._bold_fm = QFontMetrics(self._bold)
        self._small_fm = QFontMetrics(self._small)
        self._line_h = self._bold_fm.height()
        self._small_h = self._small_fm.height()
        # drawText(rect, AlignVCenter) centres the line's real (fractional) height in the box
        sfm = QFontMetricsF(self._small)
        self._detail_baseline = (9 + self._line_h + 4 + 2 * (self._small_h + 1)
                                 + (self._small_h - (sfm.ascent() + sfm.descent())) / 2 + sfm.ascent())
        self.tile_size = QSize(TILE_SIZE)
        self._white = QColor("#ffffff")
        self._badge = QColor(255, 255, 255, 60)
        self._hatch = QColor(255, 255, 255, 45)
        self._selection_pen = QPen(QColor("#ffd54f"), 3)
        self._labels: dict[str, tuple[str, int]] = {}   # state → (label, badge width)
        self._base: OrderedDict[tuple, _Base] = OrderedDict()
        self._base_bytes = 0
        self._cache_limit = cache_bytes
        self._elided: dict[tuple[str, int], str] = {}
        # set while the data is stale (see DataFreshness): countdowns stop at this moment
        self.frozen_at: float | None = None
        # set while Central does not answer: every tile is veiled in grey (states may be old)
        self.dimmed = False
        self._veil = QColor(96, 96, 96, 150)
        # tiles painted since the last pre-render pass: cp_id → (state, w, h, dpr)
        self._painted: dict[str, tuple[CpState, int, int, float]] = {}
        self._todo: list[tuple[CpState, int, int, float]] = []
        self._prerender_timer = QTimer(self)
        self._prerender_timer.setSingleShot(True)
        self._prerender_timer.setInterval(PRERENDER_DELAY_MS)
        self._prerender_timer.timeout.connect(self._prerender_slice)
        self.prerender_enabled = True
        self.prerendered = 0            # pictures rendered ahead (tests, benchmark)
        self.prerender_seconds = 0.0    # time spent doing it, off the hot path
        self.prerender_slice_max = 0.0  # the longest slice (what one idle moment cost)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.tile_size

    def clear_cache(self) -> None:
        """Forget every cached pixmap and text (after a font or translation change)."""
        self._base.clear()
        self._base_bytes = 0
        self._elided.clear()
        self._labels.clear()
        self._todo.clear()
        self._painted.clear()

    @property
    def cache_bytes(self) -> int:
        return self._base_bytes

    # ------------------------------------------------------------------ painting
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        st: CpState | None = index.data(CpStateRole)
        if st is None:
            return
        rect = option.rect
        left, top, w, h = rect.x(), rect.y(), rect.width(), rect.height()
        dpr = painter.device().devicePixelRatioF()
        selected = bool(option.state.value & _SELECTED_BIT)
        if dpr.is_integer():
            self._base_for(st, w, h, dpr, selected).draw(painter, left, top)
            if self.prerender_enabled:
                self._painted[st.cp_id] = (st, w, h, dpr)
                if not self._prerender_timer.isActive():
                    self._prerender_timer.start(PRERENDER_DELAY_MS)
        else:
            # Fractional ratio (125 %, 150 %): tiles start between device pixels, where a
            # cached bitmap would resample the text. Paint directly, as the uncached code did.
            painter.save()
            self._paint_base(painter, st, QRectF(rect), selected)
            painter.restore()
        if st.state not in STATIC_DETAIL_STATES:  # a live detail (figures, countdown, time seen)
            self._draw_detail(painter, left, top,
                              detail_line(st, self.frozen_at, frozen=self.frozen_at is not None), w)
        if self.dimmed:
            painter.fillRect(QRect(left + 3, top + 3, w - 6, h - 6), self._veil)

    @staticmethod
    def _key(st: CpState, w: int, h: int, dpr: float, selected: bool) -> tuple:
        return (st.cp_id, st.state, st.location, st.price_eur_kwh,
                st.driver_id if st.state == "charging" else None, selected, w, h, dpr, st.ocpp)

    def _base_for(self, st: CpState, w: int, h: int, dpr: float, selected: bool) -> _Base:
        """The cached base layer of a tile (LRU, bounded in bytes)."""
        key = self._key(st, w, h, dpr, selected)
        cache = self._base
        base = cache.get(key)
        if base is not None:
            cache.move_to_end(key)
            return base
        return self._render(key, st, w, h, dpr, selected)

    def _render(self, key: tuple, st: CpState, w: int, h: int, dpr: float, selected: bool) -> _Base:
        cache = self._base
        pix = QPixmap(w * int(dpr), h * int(dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        try:
            self._paint_base(p, st, QRectF(0, 0, w, h), selected)
        finally:
            p.end()
        base = cache[key] = _Base.split(pix, w, h, int(dpr))
        self._base_bytes += base.nbytes
        while self._base_bytes > self._cache_limit and len(cache) > 1:
            self._base_bytes -= cache.popitem(last=False)[1].nbytes
        return base

    # ------------------------------------------------------------------ pre-rendering
    def _prerender_slice(self) -> None:
        """Idle timer: render, for the tiles painted lately, their picture in each other state
        (unselected) — at most PRERENDER_SLICE_S of work, then yield to the event loop."""
        t0 = time.perf_counter()
        if self._painted:
            painted, self._painted = self._painted, {}
            self._todo = [(msgspec.structs.replace(st, state=state), w, h, dpr)
                          for st, w, h, dpr in painted.values()
                          for state in STATE_COLORS if state != st.state] + self._todo
        todo, cache = self._todo, self._base
        while todo and time.perf_counter() - t0 < PRERENDER_SLICE_S:
            st, w, h, dpr = todo.pop(0)
            key = self._key(st, w, h, dpr, False)
            if key in cache:
                continue
            if self._base_bytes + _tile_bytes(w, h, dpr) > self._cache_limit * 0.9:
                todo.clear()  # no room: never evict pictures that are on screen
                break
            self._render(key, st, w, h, dpr, False)
            cache.move_to_end(key, last=False)  # ahead of time: the first to go if room is short
            self.prerendered += 1
        dt = time.perf_counter() - t0
        self.prerender_seconds += dt
        self.prerender_slice_max = max(self.prerender_slice_max, dt)
        if todo and not self._prerender_timer.isActive():
            self._prerender_timer.start(PRERENDER_GAP_MS)  # the rest of this pass: next idle moment

    @property
    def prerender_pending(self) -> int:
        return len(self._todo) + len(self._painted)

    def _paint_base(self, p: QPainter, st: CpState, tile: QRectF, selected: bool) -> None:
        """Everything of a tile but the detail line: background, frame, id, badge, location, price."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = tile.adjusted(3, 3, -3, -3)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self._colors.get(st.state, self._colors["disconnected"]))
        p.drawRoundedRect(r, 7, 7)
        if st.state == "reserved":   # a pattern, so "reserved" is not told by colour alone
            p.setBrush(QBrush(self._hatch, Qt.BrushStyle.BDiagPattern))
            p.drawRoundedRect(r, 7, 7)
        if selected:
            p.setPen(self._selection_pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
        inner = r.toRect().adjusted(9, 6, -9, -6)
        p.setPen(self._white)
        # line 1: id (bold) and the state badge on the right
        p.setFont(self._bold)
        line_h = self._line_h
        p.drawText(QRect(inner.left(), inner.top(), inner.width(), line_h), _LEFT_VCENTER, st.cp_id)
        p.setFont(self._small)
        if st.ocpp:  # a real charger behind the OCPP gateway (docs/ocpp.md): a small tag after the id
            id_w = QFontMetrics(self._bold).horizontalAdvance(st.cp_id)
            p.drawText(QRect(inner.left() + id_w + 6, inner.top(), inner.width() // 2, line_h), _LEFT_VCENTER,
                       ocpp_tag(st.cp_id))
        label, lw = self._label(st.state)
        badge = QRect(inner.right() - lw + 1, inner.top() + 1, lw, self._small_h + 2)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self._badge)
        p.drawRoundedRect(badge, 4, 4)
        p.setPen(self._white)
        p.drawText(badge, _CENTER, label)
        # lines 2-3: location, price (line 4, the detail, is painted by paint())
        y = inner.top() + line_h + 4
        small_h = self._small_h
        for text in (st.location, price_line(st)):
            p.drawText(QRect(inner.left(), y, inner.width(), small_h), _LEFT_VCENTER,
                       self._elide(text, inner.width()))
            y += small_h + 1
        if st.state in STATIC_DETAIL_STATES:  # a detail that never changes by itself: part of the picture
            self._draw_detail(p, tile.left(), tile.top(), detail_line(st), int(tile.width()))

    def _draw_detail(self, p: QPainter, left: float, top: float, text: str, w: int) -> None:
        """Line 4, the detail, where drawText(box, AlignLeft | AlignVCenter) would put it."""
        p.setFont(self._small)
        p.setPen(self._white)
        p.drawText(QPointF(left + 12, top + self._detail_baseline), self._elide(text, w - 24))

    def _label(self, state: str) -> tuple[str, int]:
        got = self._labels.get(state)
        if got is None:
            label = BADGE_MARK.get(state, "") + state_label(state)
            got = self._labels[state] = (label, self._small_fm.horizontalAdvance(label) + 10)
        return got

    def _elide(self, text: str, width: int) -> str:
        key = (text, width)
        got = self._elided.get(key)
        if got is None:
            if len(self._elided) >= _ELIDED_CACHE_MAX:
                self._elided.clear()
            got = self._elided[key] = self._small_fm.elidedText(text, _ELIDE_RIGHT, width)
        return got


def _tile_bytes(w: int, h: int, dpr: float) -> int:
    return int(w * dpr) * int(h * dpr) * 4


def _pixmap_bytes(pix: QPixmap) -> int:
    return pix.width() * pix.height() * max(1, pix.depth() // 8)


class _Base:
    """A tile's base layer, ready to blit.

    Blending a translucent pixmap costs several times copying an opaque one (the raster engine
    blends row by row), and only the tile's rim — the 3 px margin and the rounded corners — is
    translucent. So, at integer pixel ratios, the rendered tile is cut into an opaque middle
    (rows below and above the corners, margin columns left out: copied) and two translucent
    caps holding the corners (blended): 20 blended rows instead of 96.
    """

    __slots__ = ("parts", "nbytes")
    # The rounded rect spans x 3..w-3, y 3..h-3 with radius 7: rows 3+7..h-3-7 are fully
    # covered between x=3 and x=w-3 (the straight sides are pixel-aligned).
    _MARGIN, _CAP = 3, 10

    def __init__(self, parts: list[tuple[int, int, QPixmap]]) -> None:
        self.parts = parts
        self.nbytes = sum(_pixmap_bytes(p) for _, _, p in parts)

    @classmethod
    def split(cls, pix: QPixmap, w: int, h: int, k: int) -> "_Base":
        """Cut *pix* (a *w*×*h* tile at integer pixel ratio *k*) into caps and an opaque middle."""
        m, cap = cls._MARGIN, cls._CAP
        if w <= 2 * m or h <= 2 * cap:
            return cls([(0, 0, pix)])
        middle_img = pix.copy(QRect(m * k, cap * k, (w - 2 * m) * k, (h - 2 * cap) * k)).toImage()
        middle = QPixmap.fromImage(middle_img.convertToFormat(QImage.Format.Format_RGB32))
        top = pix.copy(QRect(0, 0, w * k, cap * k))
        bottom = pix.copy(QRect(0, (h - cap) * k, w * k, cap * k))
        for part in (middle, top, bottom):
            part.setDevicePixelRatio(k)
        return cls([(0, 0, top), (m, cap, middle), (0, h - cap, bottom)])

    def draw(self, painter: QPainter, x: int, y: int) -> None:
        for dx, dy, part in self.parts:
            painter.drawPixmap(x + dx, y + dy, part)
