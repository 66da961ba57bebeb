"""The tile delegate's cache: a tile looks the same cached or not, follows every change, stays bounded."""
from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from ev_desktop.models.cp_grid import CpGridModel, CpStateRole
from ev_desktop.views.cp_tile_delegate import CpTileDelegate
from tests.desktop.helpers_desktop import ALL_STATES, make_state


def _paint(delegate: CpTileDelegate, model: CpGridModel, row: int, *, selected: bool = False) -> QImage:
    img = QImage(176, 96, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("#eceff1"))
    opt = QStyleOptionViewItem()
    opt.rect = QRect(0, 0, 176, 96)
    if selected:
        opt.state |= QStyle.StateFlag.State_Selected
    p = QPainter(img)
    delegate.paint(p, opt, model.index(row))
    p.end()
    return img


def _model(*states) -> CpGridModel:
    model = CpGridModel(flush_ms=10_000)
    model.apply(states)
    model.flush()
    return model


def test_cached_tile_is_the_fresh_tile_and_follows_changes(qapp):
    model = _model(make_state(1, "charging"))
    delegate = CpTileDelegate()
    first = _paint(delegate, model, 0)
    assert delegate.cache_bytes > 0
    assert _paint(delegate, model, 0) == first            # from the cache
    assert _paint(CpTileDelegate(), model, 0) == first    # same picture as a cold delegate
    assert _paint(delegate, model, 0, selected=True) != first

    model.apply([make_state(1, "faulted")])
    model.flush()
    faulted = _paint(delegate, model, 0)
    assert faulted != first
    assert faulted == _paint(CpTileDelegate(), model, 0)


def test_cache_is_bounded_in_bytes(qapp):
    model = _model(*(make_state(i, "available") for i in range(50)))
    one_tile = 176 * 96 * 4
    delegate = CpTileDelegate(cache_bytes=5 * one_tile)
    for row in range(50):
        _paint(delegate, model, row)
    assert 0 < delegate.cache_bytes <= 5 * one_tile


def test_other_states_are_prerendered_when_idle_and_look_the_same(qapp, qtbot):
    """After a paint, the idle timer renders the tile's picture in every other state; a state
    change then paints from that picture, identical to a cold delegate's."""
    model = _model(make_state(1, "available"))
    delegate = CpTileDelegate()
    _paint(delegate, model, 0)
    qtbot.waitUntil(lambda: delegate.prerender_pending == 0 and delegate.prerendered >= 5, timeout=5000)
    rendered = delegate.prerendered
    cached = delegate.cache_bytes
    model.apply([make_state(1, "faulted")])
    model.flush()
    faulted = _paint(delegate, model, 0)
    assert delegate.cache_bytes == cached           # no new picture: it was rendered ahead
    assert faulted == _paint(CpTileDelegate(), model, 0)
    assert delegate.prerendered == rendered


def test_prerendering_never_evicts_pictures_on_screen(qapp, qtbot):
    one_tile = 176 * 96 * 4
    model = _model(*(make_state(i, "available") for i in range(3)))
    delegate = CpTileDelegate(cache_bytes=4 * one_tile)  # room for the 3 tiles, not their variants
    for row in range(3):
        _paint(delegate, model, row)
    qtbot.waitUntil(lambda: delegate.prerender_pending == 0, timeout=5000)
    assert delegate.prerendered == 0
    before = delegate.cache_bytes
    for row in range(3):  # the three on-screen pictures are all still cached
        _paint(delegate, model, row)
    assert delegate.cache_bytes == before


def test_a_prerender_pass_waits_after_the_paint_once_then_goes_on_at_each_idle_moment(qapp, qtbot):
    """A screenful's other-state pictures take several slices. The first waits for the paint
    delay; the rest follow as soon as the event loop is idle again (not one slice per delay,
    which left a screen's pictures unready for most of a second)."""
    from ev_desktop.views.cp_tile_delegate import PRERENDER_DELAY_MS, PRERENDER_GAP_MS
    model = _model(*(make_state(i, "available") for i in range(60)))
    delegate = CpTileDelegate()
    timer = delegate._prerender_timer
    intervals: list[int] = []
    timer.timeout.disconnect(delegate._prerender_slice)  # note the interval before the slice re-arms it
    timer.timeout.connect(lambda: intervals.append(timer.interval()))
    timer.timeout.connect(delegate._prerender_slice)
    for row in range(60):
        _paint(delegate, model, row)
    qtbot.waitUntil(lambda: delegate.prerender_pending == 0 and delegate.prerendered > 0, timeout=10_000)
    assert delegate.prerendered == 60 * 5
    assert len(intervals) > 1  # several slices
    assert intervals[0] == PRERENDER_DELAY_MS
    assert set(intervals[1:]) == {PRERENDER_GAP_MS}


def test_ocpp_charger_tile_carries_an_ocpp_tag(qapp):
    import msgspec
    plain = make_state(1, "available")
    model = _model(plain)
    delegate = CpTileDelegate()
    before = _paint(delegate, model, 0)
    model.apply([msgspec.structs.replace(plain, ocpp=True)])
    model.flush()
    tagged = _paint(delegate, model, 0)
    assert tagged != before                                 # the tag is painted (not a stale cache)
    assert tagged == _paint(CpTileDelegate(), model, 0)


def test_ocpp_tag_names_the_connector_of_a_multi_connector_box(qapp):
    from ev_desktop.views.cp_tile_delegate import ocpp_tag
    assert ocpp_tag("CP010") == "OCPP"
    assert ocpp_tag("CP010-2") == "OCPP · c2"
    assert ocpp_tag("PARKING-NORTE") == "OCPP"   # a dash is not a connector by itself


def _paint_directly(delegate: CpTileDelegate, st, *, selected: bool) -> QImage:
    """The tile as the uncached painter draws it (the fractional-ratio path): base, then detail."""
    from PySide6.QtCore import QRectF

    from ev_desktop.views.cp_tile_delegate import STATIC_DETAIL_STATES, detail_line
    img = QImage(176, 96, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("#eceff1"))
    p = QPainter(img)
    p.save()
    delegate._paint_base(p, st, QRectF(0, 0, 176, 96), selected)
    p.restore()
    if st.state not in STATIC_DETAIL_STATES:
        delegate._draw_detail(p, 0, 0, detail_line(st, delegate.frozen_at, frozen=True), 176)
    p.end()
    return img


def test_every_state_painted_from_the_cache_is_the_directly_painted_tile(qapp):
    """Free and operator-stopped tiles carry their (fixed) detail line inside the cached picture;
    live details are drawn over it. Either way the tile is the one painted directly, in every
    state, selected or not, and its detail is drawn once (not again over the picture)."""
    from ev_desktop.views.cp_tile_delegate import STATIC_DETAIL_STATES
    assert STATIC_DETAIL_STATES <= set(ALL_STATES)
    for i, state in enumerate(ALL_STATES):
        model = _model(make_state(i, state))
        st = model.index(0).data(CpStateRole)
        delegate, direct = CpTileDelegate(), CpTileDelegate()
        delegate.frozen_at = direct.frozen_at = 1_700_000_000.0  # the same countdown in both
        cached = _paint(delegate, model, 0)
        assert _paint(delegate, model, 0) == cached, state  # the blit
        assert cached == _paint_directly(direct, st, selected=False), state
        # selected: the frame's antialiased corners differ by rounding once composited through a
        # pixmap (as they always did); everything between them — the text lines — is the same
        body = QRect(3, 10, 170, 76)
        selected = _paint(delegate, model, 0, selected=True)
        assert selected.copy(body) == _paint_directly(direct, st, selected=True).copy(body), state
