"""Status bar: producer/consumer status → Kafka indicator; Central watch → Central indicator."""
from __future__ import annotations

import time

from ev_common.kafka.status import LinkState, ProducerStatus
from ev_desktop.kafka.qt_bridge import LinkAggregator, QtDispatcher
from ev_desktop.views.status_widgets import LINK_COLORS, CentralIndicator, KafkaIndicator


def _status(state, queued=0, error=None):
    return ProducerStatus(state=state, last_error=error, queued=queued, bootstrap="10.0.0.5:9092", since=time.time())


def test_kafka_indicator_follows_producer_status(qtbot):
    ind = KafkaIndicator()
    qtbot.addWidget(ind)
    agg = LinkAggregator("10.0.0.5:9092")
    agg.changed.connect(ind.set_summary)
    agg.update_producer("producer", _status(LinkState.OFFLINE, 3, "Kafka no responde en 10.0.0.5:9092"))
    assert "Kafka: sin conexión" in ind.text()
    assert "10.0.0.5:9092" in ind.text() and "3 eventos en cola" in ind.text()
    assert ind.dot.color() == LINK_COLORS["offline"]
    assert "no responde" in ind.toolTip()
    agg.update_producer("producer", _status(LinkState.DEGRADED, 1, "acks lentos"))
    assert "Kafka: degradado" in ind.text() and ind.dot.color() == LINK_COLORS["degraded"]
    agg.update_producer("producer", _status(LinkState.CONNECTED, 0))
    assert "Kafka: conectado" in ind.text() and "0 eventos en cola" in ind.text()
    assert ind.dot.color() == LINK_COLORS["connected"]
    # a consumer that loses the broker makes the whole picture offline (worst wins)
    agg.update_consumer("directory", LinkState.OFFLINE, "sin conexión")
    assert "sin conexión" in ind.text()
    agg.update_consumer("directory", LinkState.CONNECTED)
    assert "conectado" in ind.text()
    # queued counts of several producers add up
    agg.update_producer("driver", _status(LinkState.CONNECTED, 2))
    assert "2 eventos en cola" in ind.text()


def test_status_from_a_worker_thread_arrives_on_the_qt_thread(qtbot):
    import threading

    ind = KafkaIndicator()
    qtbot.addWidget(ind)
    agg = LinkAggregator("h:1")
    agg.changed.connect(ind.set_summary)
    dispatch = QtDispatcher()
    seen_threads = []

    def on_qt(status):
        seen_threads.append(threading.current_thread())
        agg.update_producer("producer", status)

    t = threading.Thread(target=lambda: dispatch(on_qt, _status(LinkState.OFFLINE, 7)))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: "7 eventos en cola" in ind.text(), timeout=2000)
    assert seen_threads == [threading.main_thread()]


def test_kafka_indicator_click_emits(qtbot):
    from PySide6.QtCore import Qt

    ind = KafkaIndicator()
    qtbot.addWidget(ind)
    with qtbot.waitSignal(ind.clicked, timeout=1000):
        qtbot.mouseClick(ind, Qt.MouseButton.LeftButton)


def test_central_indicator_up_down(qtbot):
    from ev_common.contract import CentralHeartbeat
    from ev_common.topics import Topics
    from ev_desktop.core.central_watch import CentralWatch

    ind = CentralIndicator()
    qtbot.addWidget(ind)
    clock = [100.0]
    watch = CentralWatch("unused:1", Topics("x"), on_change=ind.set_central, clock=lambda: clock[0])
    assert "esperando" in ind.text()
    watch.beat(CentralHeartbeat(instance="c1", started_at=0, interval_s=1.0))
    assert ind.text() == "CENTRAL: en línea" and ind.dot.color() == LINK_COLORS["connected"]
    clock[0] += 5  # > 3 missed beats
    watch.check()
    assert "CENTRAL: sin respuesta desde" in ind.text()
    assert time.strftime("%H:%M", time.localtime(watch.last_seen)) in ind.text()
    assert ind.dot.color() == LINK_COLORS["offline"]
    watch.beat(CentralHeartbeat(instance="c1", started_at=0, interval_s=1.0))
    assert "en línea" in ind.text()


def test_a_cluster_missing_a_broker_is_yellow_with_the_reason_and_green_when_it_returns(qtbot):
    """Every client works, but broker 1 of 3 is fenced: "degradado" with the plain reason; the
    data is not stale (the clients' own state stays connected); back to green when it returns."""
    from ev_common.kafka.cluster_health import ClusterInfo
    from ev_desktop.models.freshness import DataFreshness
    ind = KafkaIndicator()
    qtbot.addWidget(ind)
    agg = LinkAggregator("h1:9092,h2:9092,h3:9092")
    fresh = DataFreshness(clock=lambda: 1000.0)
    agg.changed.connect(ind.set_summary)
    agg.changed.connect(fresh.set_link)
    agg.update_producer("producer", _status(LinkState.CONNECTED))
    agg.update_cluster(ClusterInfo(frozenset({1, 2, 3}), frozenset({2, 3})))
    assert "Kafka: degradado" in ind.text()
    assert "1 de 3 brokers no responde — el servicio sigue; avise al administrador" in ind.text()
    assert ind.dot.color() == LINK_COLORS["degraded"]
    assert "h1:9092,h2:9092,h3:9092" in ind.toolTip()
    assert not fresh.freshness.stale, "the data keeps arriving: no stale banner"
    agg.update_cluster(ClusterInfo(frozenset({1, 2, 3}), frozenset({1, 2, 3})))
    assert "Kafka: conectado" in ind.text() and "brokers" not in ind.text()
    assert ind.dot.color() == LINK_COLORS["connected"]


def test_an_offline_client_stays_red_even_when_the_cluster_is_degraded(qtbot):
    from ev_common.kafka.cluster_health import ClusterInfo
    agg = LinkAggregator("h1:9092")
    agg.update_consumer("directory", LinkState.OFFLINE, "sin conexión")
    agg.update_cluster(ClusterInfo(frozenset({1, 2, 3}), frozenset({2, 3})))
    assert agg.summary().state == "offline"
    agg.update_cluster(None)
    assert agg.summary().brokers_missing == 0
