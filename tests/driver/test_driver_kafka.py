"""The driver core against a real broker, with the test playing Central (see driver_facing_central)."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ev_common import contract
from ev_common.contract import (
    ChargeAuthorized, CpState, SupplyProgress, SupplyStartedNotice, Ticket,
)
from ev_common.kafka.admin import ensure_topics
from ev_common.kafka.producer import ReliableProducer
from ev_common.kafka.status import LinkState
from ev_common.topics import Topics
from ev_desktop.core.directory import CpDirectory
from ev_desktop.core.driver import DriverConfig, DriverCore, LoginError
from ev_desktop.core.events import LinkChanged, RequestQueued
from ev_desktop.core.tracker import SupplyPhase
from tests.driver.driver_facing_central import DriverFacingCentral
from tests.helpers import Proc, start_private_broker, wait_until

pytestmark = pytest.mark.kafka


def run(coro, timeout: float = 240.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(pred: Callable[[], object], timeout: float = 90.0, what: str = "condition"):
    """Async wait_until: yields to the loop between checks (events arrive on it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def central(topics: Topics, kafka_broker: str, data_dir: Path):
    fake = DriverFacingCentral(topics, data_dir)
    fake.start_socket()
    fake.start_kafka(kafka_broker)
    yield fake
    fake.stop()


def config(bootstrap: str, port: int, topics: Topics, data_dir: Path) -> DriverConfig:
    return DriverConfig(bootstrap, "127.0.0.1", port, data_dir, topics.prefix, central_timeout_s=10)


def notifications(events: list) -> list:
    return [e for e in events if not isinstance(e, LinkChanged)]


def test_login_success_failure_and_history(central: DriverFacingCentral, kafka_broker, topics, data_dir):
    central.history["driver1"] = [{"session_id": "S1", "cp_id": "CP001", "kwh": 1.0, "eur": 0.35}]

    async def scenario():
        core = DriverCore(config(kafka_broker, central.port, topics, data_dir))
        with pytest.raises(LoginError) as bad:
            await core.login("driver1", "wrong")
        assert bad.value.code == "bad_credentials"
        assert bad.value.message == "Usuario o contraseña incorrectos"
        with pytest.raises(LoginError) as unknown:
            await core.login("nobody", "pass123")
        assert unknown.value.message == "Usuario o contraseña incorrectos"
        result = await core.login("driver1", "pass123")
        assert result.token == "tok-driver1" and result.expires_at > time.time()
        assert await core.history() == central.history["driver1"]

        from ev_common.ports import free_port
        port = free_port()
        down = DriverCore(DriverConfig(kafka_broker, "127.0.0.1", port, data_dir, topics.prefix))
        with pytest.raises(LoginError) as unreachable:
            await down.login("driver1", "pass123")
        assert unreachable.value.code == "unreachable"
        assert unreachable.value.message.startswith(
            f"Imposible conectar con la CENTRAL (127.0.0.1:{port})")

    run(scenario())


def test_whole_supply_in_order(central: DriverFacingCentral, kafka_broker, topics, data_dir):
    async def scenario():
        events: list = []
        core = DriverCore(config(kafka_broker, central.port, topics, data_dir), on_event=events.append)
        await core.login("driver1", "pass123")
        core.start()
        try:
            rid = core.request_charge("CP003")
            await until(lambda: core.tracker.phase == SupplyPhase.FINISHED, what="the ticket")
        finally:
            await core.close()
        seen = notifications(events)
        assert [type(e).__name__ for e in seen] == [
            "RequestQueued", "ChargeAuthorized", "SupplyStartedNotice", "SupplyProgress",
            "SupplyProgress", "SupplyProgress", "Ticket"]
        assert seen[0].request_id == rid and seen[0].cp_id == "CP003"
        assert isinstance(seen[1], ChargeAuthorized) and seen[1].request_id == rid
        assert [e.kwh for e in seen if isinstance(e, SupplyProgress)] == pytest.approx([0.2, 0.4, 0.6])
        assert len(core.tracker.points) == 3
        assert core.tracker.ticket is not None and core.tracker.ticket.cp_id == "CP003"
        assert any(isinstance(e, LinkChanged) and e.status.state == LinkState.CONNECTED for e in events)
        # no token in the message: the fake Central authorized it by its session MAC
        assert central.requests[0].token == "" and central.requests[0].cp_id == "CP003"

    run(scenario())



def test_an_answer_that_arrives_before_send_returns_is_still_the_requests(central: DriverFacingCentral,
                                                                          kafka_broker, topics, data_dir):
    """The request is on the wire while ``send()`` still waits for the disk (send-while-fsync):
    on a busy machine Central's authorization reaches the loop's queue before ``send()`` returns.
    The request must still own that answer — found by the load test, where the driver then
    waited 150 s for an answer it already had and took its supply's ticket for an earlier one's.
    The test forces the order: ``send()`` returns only after the consumer thread has handed the
    authorization to the loop."""
    async def scenario():
        events: list = []
        core = DriverCore(config(kafka_broker, central.port, topics, data_dir), on_event=events.append)
        await core.login("driver1", "pass123")
        core.start()
        loop = asyncio.get_running_loop()
        handed = threading.Event()
        real_call_soon_threadsafe = loop.call_soon_threadsafe

        def spy(callback, *args, **kwargs):   # noted when the consumer thread hands notifications over
            handle = real_call_soon_threadsafe(callback, *args, **kwargs)
            if getattr(callback, "__name__", "") == "handle":
                handed.set()
            return handle

        loop.call_soon_threadsafe = spy  # type: ignore[method-assign]
        real_send = core._producer.send

        def send_returning_after_the_answer(topic, env, *args, **kwargs):
            result = real_send(topic, env, *args, **kwargs)
            if topic == topics.driver_requests:
                assert handed.wait(60), "the authorization never reached the driver's consumer"
            return result

        core._producer.send = send_returning_after_the_answer  # type: ignore[method-assign]
        try:
            rid = core.request_charge("CP003")
            await until(lambda: core.tracker.phase == SupplyPhase.FINISHED, what="the ticket")
        finally:
            loop.call_soon_threadsafe = real_call_soon_threadsafe  # type: ignore[method-assign]
            await core.close()
        seen = notifications(events)
        assert [type(e).__name__ for e in seen][:2] == ["RequestQueued", "ChargeAuthorized"]
        assert core.tracker.request_id == rid and core.tracker.cp_id == "CP003"
        assert core.tracker.ticket is not None and core.tracker.ticket.session_id == core.tracker.session_id

    run(scenario())


def driver_args(kafka_broker: str, port: int, topics: Topics, data_dir: Path, *extra: str) -> list[str]:
    return ["-m", "ev_desktop.headless", "--bootstrap-servers", kafka_broker,
            "--central", f"127.0.0.1:{port}", "--topic-prefix", topics.prefix,
            "--data-dir", str(data_dir), *extra]


def test_headless_driver_process(central: DriverFacingCentral, kafka_broker, topics, data_dir, tmp_path):
    proc = Proc("ev-driver", driver_args(kafka_broker, central.port, topics, data_dir,
                                         "--driver-id", "driver1", "--cp", "CP003"), tmp_path,
                env={"EV_DRIVER_PASSWORD": "pass123"})
    try:
        wait_until(lambda: proc.popen.poll() is not None, timeout=120, message="ev-driver to exit")
        out = proc.output()
        assert proc.popen.returncode == 0, out
        for text in ("Solicitud en cola para CP003", "Autorizado en CP003 (Madrid, 0.35 €/kWh)",
                     "Recarga iniciada en CP003", "CARGANDO ⚡ 7.2 kW 0.60 kWh 0.21 €",
                     "TICKET CP003: 0.60 kWh 0.21 € (completado)"):
            assert text in out, out
        result = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
        assert len(result) == 1 and "cp=CP003 outcome=completed kwh=0.600 eur=0.210" in result[0]
        assert "Traceback" not in out
    finally:
        proc.stop()


def test_headless_services_file_and_bad_login(central: DriverFacingCentral, kafka_broker, topics, data_dir,
                                               tmp_path):
    bad = Proc("ev-driver-bad", driver_args(kafka_broker, central.port, topics, data_dir,
                                            "--driver-id", "driver2"), tmp_path,
               env={"EV_DRIVER_PASSWORD": "nope"})
    services = tmp_path / "services.txt"
    services.write_text("# two supplies and a CP that does not exist\nCP001\nCPBAD\n\nCP002\n")
    proc = Proc("ev-driver-services", driver_args(
        kafka_broker, central.port, topics, data_dir, "--driver-id", "driver2",
        "--services", str(services), "--pause", "0.2"), tmp_path,
        env={"EV_DRIVER_PASSWORD": "pass123"})
    try:
        assert bad.popen.wait(60) == 2
        assert "Usuario o contraseña incorrectos" in bad.output()
        assert "Traceback" not in bad.output()
        wait_until(lambda: proc.popen.poll() is not None, timeout=180, message="services to finish")
        out = proc.output()
        assert proc.popen.returncode == 0, out
        results = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
        assert len(results) == 3, out
        assert "index=1/3 requested=CP001" in results[0] and "outcome=completed" in results[0]
        assert "index=2/3 requested=CPBAD" in results[1] and "outcome=denied" in results[1]
        assert "index=3/3 requested=CP002" in results[2] and "outcome=completed" in results[2]
        assert "Denegado en CPBAD: Ese punto de recarga no existe" in out
    finally:
        bad.stop()
        proc.stop()


def test_restarted_driver_receives_the_ticket_it_missed(central: DriverFacingCentral, kafka_broker, topics,
                                                        data_dir):
    """The app is closed while charging; the ticket arrives meanwhile; the next start shows it."""
    import threading
    central.hold_ticket = threading.Event()
    cfg = config(kafka_broker, central.port, topics, data_dir)

    async def first_run() -> str:
        core = DriverCore(cfg)
        await core.login("driver1", "pass123")
        core.start()
        try:
            core.request_charge("CP002")
            await until(lambda: core.tracker.phase == SupplyPhase.CHARGING
                        and core.tracker.kwh == pytest.approx(0.6), what="charging")
            return core.tracker.session_id
        finally:
            await core.close()

    session = run(first_run())
    central.hold_ticket.set()
    wait_until(lambda: central.tickets, timeout=30, message="ticket produced")
    assert central.producer.flush(60)

    async def second_run():
        events: list = []
        core = DriverCore(cfg, on_event=events.append)
        await core.login("driver1", "pass123")
        core.start()
        try:
            await until(lambda: core.tracker.ticket is not None, what="the missed ticket")
        finally:
            await core.close()
        assert core.tracker.session_id == session and core.tracker.phase == SupplyPhase.FINISHED
        seen = notifications(events)
        # committed offsets: the first run's notifications are not handed out again
        assert [type(e) for e in seen] == [Ticket], seen

    run(second_run())


def test_directory_reads_compacted_state_topic(kafka_broker, topics, data_dir):
    producer = ReliableProducer(kafka_broker, data_dir / "state-outbox.sqlite3", client_id="state-test")

    def publish(cp: str, state: str, **kw) -> None:
        body = CpState(cp_id=cp, location=f"loc-{cp}", price_eur_kwh=0.3, max_kw=22.0,
                       state=state, **kw)
        producer.send(topics.cp_state, contract.envelope(body, source="central"))

    cps = [f"CP{i:03d}" for i in range(1, 9)]
    try:
        for cp in cps:
            publish(cp, "disconnected")
        for i, cp in enumerate(cps):
            publish(cp, "available" if i % 2 == 0 else "charging", driver_id=None if i % 2 == 0 else "d1")
        assert producer.flush(60)

        changes: list[list[CpState]] = []
        directory = CpDirectory(kafka_broker, topics, on_change=changes.append)
        directory.start()
        try:
            assert directory.wait_caught_up(90), "directory never caught up"
            assert [s.cp_id for s in directory.all()] == cps
            assert {s.cp_id for s in directory.free_cps()} == set(cps[::2])
            assert directory.get("CP002").state == "charging"
            publish("CP002", "available")
            publish("CP009", "faulted", fault_reason="engine KO")
            wait_until(lambda: directory.get("CP009") is not None
                       and directory.get("CP002").state == "available", timeout=60,
                       message="live updates")
            last = {s.cp_id: s.state for batch in changes for s in batch}
            assert last["CP002"] == "available" and last["CP009"] == "faulted"
            assert "CP002" in {s.cp_id for s in directory.free_cps()}
        finally:
            directory.stop()
    finally:
        producer.close()


@pytest.mark.slow
def test_request_while_kafka_is_down_is_delivered_when_it_starts(tmp_path, data_dir):
    """The field failure, from the driver's side: Kafka is down when the driver asks for a
    supply. The request waits in the outbox and reaches Central once the broker starts."""
    topics = Topics("fieldfail")
    broker = start_private_broker(tmp_path)
    bootstrap = broker.config.bootstrap
    fake = DriverFacingCentral(topics, data_dir)
    fake.start_socket()

    async def scenario():
        events: list = []
        core = DriverCore(config(bootstrap, fake.port, topics, data_dir), on_event=events.append)
        await core.login("driver1", "pass123")
        core.start()
        try:
            rid = core.request_charge("CP001")
            await until(lambda: core.tracker.phase == SupplyPhase.QUEUED, what="queued")
            queued = [e for e in events if isinstance(e, RequestQueued)][0]
            assert queued.request_id == rid and queued.link_state != LinkState.CONNECTED
            assert "esperando a Kafka" in core.tracker.queued_why
            await until(lambda: core.link_status().state == LinkState.OFFLINE
                        and core.link_status().queued == 1, what="OFFLINE with 1 queued")

            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: broker.start(timeout=180))
            await loop.run_in_executor(None, lambda: ensure_topics(bootstrap, topics, 30))
            fake.start_kafka(bootstrap)
            await until(lambda: core.tracker.phase == SupplyPhase.FINISHED, timeout=180,
                        what="the ticket after Kafka came up")
            assert [r.request_id for r in fake.requests] == [rid]
            assert core.link_status().state == LinkState.CONNECTED and core.link_status().queued == 0
            kinds = [type(e) for e in notifications(events)]
            assert kinds[:3] == [RequestQueued, ChargeAuthorized, SupplyStartedNotice]
            assert kinds[-1] is Ticket
        finally:
            await core.close()

    try:
        run(scenario(), timeout=420)
    finally:
        fake.stop()
        broker.stop()
