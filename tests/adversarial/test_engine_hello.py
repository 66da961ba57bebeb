"""The real Engine learns its CP id from the first HELLO and uses it as a directory name
(``<data-dir>/engine-<cp_id>``): a hostile HELLO must get an ``ERR``, create nothing outside the
data directory and not bind the Engine, which then still serves its real Monitor."""
from __future__ import annotations

import asyncio
import io
import threading

import pytest

from cp_simulator.console import Console
from ev_common import cp_credentials
from cp_simulator.engine_app import EngineApp, EngineConfig
from tests.adversarial.support import RawPeer
from tests.helpers import wait_until

pytestmark = pytest.mark.kafka


@pytest.fixture
def engine(kafka_broker, topics, tmp_path, tmp_path_factory):
    data = tmp_path / "data"
    data.mkdir()
    creds = tmp_path_factory.mktemp("cp-credentials")  # elsewhere: the test checks what data/ holds
    provision_dir = creds / "cp-credentials"
    cp_credentials.write(provision_dir / "CP001.json", cp_credentials.CpCredentials("CP001", "k"))
    app = EngineApp(EngineConfig(bootstrap_servers=kafka_broker, topics=topics, data_dir=data,
                                 host="127.0.0.1", port=0, menu=False, credentials=provision_dir),
                    console=Console("ENGINE", io.StringIO()))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(app.run(),), daemon=True)
    thread.start()
    wait_until(lambda: app.server.port != 0, 10, message="engine listening")
    yield app
    loop.call_soon_threadsafe(app.request_stop)
    thread.join(20)
    assert not thread.is_alive(), "engine did not stop"
    loop.close()


HOSTILE_IDS = ["../../escaped", "a/b", "..\\..\\win", "nul\x00byte", "x" * 300, "tab\there"]


def test_hostile_hello_is_refused_and_the_engine_still_binds_its_real_monitor(engine, tmp_path):
    peer = RawPeer(engine.server.port, tls=False)  # the Engine's link is plain (loopback, CP box)
    try:
        for cp_id in HOSTILE_IDS:
            answer = peer.request(["HELLO", cp_id])
            assert answer[:2] == ["ERR", "bad_cp_id"], (cp_id, answer)
            assert engine.engine is None  # not bound to the hostile id
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing created outside
        assert list((tmp_path / "data").iterdir()) == []
        assert peer.request(["HELLO", "CP001"]) == ["OK", "OK"]  # same link: the real Monitor
        assert engine.engine is not None and engine.engine.cp_id == "CP001"
        assert peer.request(["PING", "CP002"])[:2] == ["ERR", "wrong_cp"]
    finally:
        peer.close()
