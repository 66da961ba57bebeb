"""Helpers for Central's integration tests: a synchronous framed client (plays the Monitor and
the driver app over the socket), a monitor that keeps heart-beating, Kafka send/collect."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import msgspec
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ev_common import contract as c
from ev_common import msgauth
from ev_common.framing import ACK, NACK, BadFrame, FrameDecoder, encode_frame
from ev_common.notify_crypto import NotifyKey
from ev_common.topics import Topics
from central_service import db
from central_service.db_cli import seed
from central_service.store import Store
from tests.helpers import kafka_security, tls_connect, wait_until
from tests.notify_support import KeyLookup, open_if_sealed


def seed_db(url: str, drivers: int = 3, cps: int = 3) -> None:
    db.connect(url)
    with db.database.atomic():
        seed(Store(), drivers, cps)
    db.close()


class SyncFramed:
    """Blocking framed request/answer client (test side only)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0, tls: bool = True) -> None:
        self.sock = tls_connect(port, host, timeout, tls=tls)  # Central's socket is TLS (test CA)
        self.sock.settimeout(timeout)
        self.dec = FrameDecoder()
        self.buf = bytearray()
        self.lock = threading.Lock()

    def _read(self) -> bytes:
        chunk = self.sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed by Central")
        return chunk

    def raw(self, data: bytes) -> bytes:
        """Send arbitrary bytes, return the first control byte answered."""
        with self.lock:
            self.sock.sendall(data)
            return self._read()[:1]

    def request(self, fields: list[str]) -> list[str]:
        with self.lock:
            self.sock.sendall(encode_frame(fields))
            data = self._read()
            assert data[:1] == ACK, f"expected ACK, got {data[:1]!r}"
            frames = self.dec.feed(data[1:])
            while not frames:
                frames = self.dec.feed(self._read())
            frame = frames[0]
            assert not isinstance(frame, BadFrame), frame
            self.sock.sendall(ACK)
            return frame.fields

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Monitor:
    """AUTHs a CP and sends HB#cp#OK|KO every *interval* seconds from a thread."""

    def __init__(self, port: int, cp_id: str, key: str = "demo-cp-key", interval: float = 0.3) -> None:
        self.port, self.cp_id, self.key, self.interval = port, cp_id, key, interval
        self.engine_ok = True
        self._stop = threading.Event()
        self.client: SyncFramed | None = None
        self.answers: list[list[str]] = []
        self._thread: threading.Thread | None = None

    def auth(self) -> list[str]:
        self.client = SyncFramed(self.port)
        return self.client.request(["AUTH", self.cp_id, self.key, "x", "0.3", "22"])

    def start(self) -> "Monitor":
        answer = self.auth()
        assert answer[0] == "OK", answer
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                assert self.client is not None
                self.answers.append(self.client.request(["HB", self.cp_id, "OK" if self.engine_ok else "KO"]))
            except (OSError, ConnectionError, AssertionError):
                try:  # Central restarted: reconnect like a real monitor
                    self.auth()
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        if self.client:
            self.client.close()


# token → (session id, session key) of every LOGIN/OPLOGIN the tests made: Kafka.send signs a
# request or operator command carrying a known token with its session, as the apps do (and
# sends it without the token); an unknown (forged, foreign) token goes out unsigned.
SESSIONS: dict[str, tuple[str, str]] = {}


def _sign_in(port: int, verb: str, account: str, password: str) -> str:
    cl = SyncFramed(port)
    try:
        answer = cl.request([verb, account, password])
    finally:
        cl.close()
    assert answer[0] == "OK" and len(answer) >= 5, answer
    SESSIONS[answer[1]] = (answer[3], answer[4])
    if verb == "LOGIN" and len(answer) >= 7:  # the driver's notification key, as its app gets it
        LOGIN_NOTIFY_KEYS[account] = NotifyKey.from_text(answer[5], answer[6])
    return answer[1]


# driver → the notification key its last LOGIN in these tests received: a Kafka helper without a
# database key lookup opens that driver's sealed notifications with it
LOGIN_NOTIFY_KEYS: dict[str, NotifyKey] = {}


def _login_key(driver_id: str, fresh: bool = False) -> NotifyKey | None:
    return LOGIN_NOTIFY_KEYS.get(driver_id)


def login(port: int, driver: str = "driver1", password: str = "pass123") -> str:
    """LOGIN; the token returned stands for the session in :meth:`Kafka.send`."""
    return _sign_in(port, "LOGIN", driver, password)


def operator_login(port: int, operator: str = "operator1", password: str = "admin123") -> str:
    """OPLOGIN as the dashboard does; commands "carrying" the token are signed with its session."""
    return _sign_in(port, "OPLOGIN", operator, password)


def sign_as_app(env: c.Envelope) -> c.Envelope:
    """*env* as a driver/operator app sends it: without the token, MAC'd with the session the
    token stands for; unchanged when the token is not a known session's."""
    body = env.body
    session = SESSIONS.get(getattr(body, "token", "") or "")
    if session is None:
        return env
    purpose = msgauth.OPERATOR_COMMAND if isinstance(body, c.OperatorCommand) else msgauth.DRIVER_REQUEST
    env = msgspec.structs.replace(env, body=msgspec.structs.replace(body, token=""))
    return msgauth.sign(env, session[1], purpose, session[0])


def operator_command(action: str, cp_id: str, token: str, operator: str = "operator1") -> c.OperatorCommand:
    return c.OperatorCommand(action=action, cp_id=cp_id, operator=operator, token=token)  # type: ignore[arg-type]


def principal_from_token(core, body: c.Payload) -> str | None:
    """Core-level tests: who the service would have authenticated as the sender of *body*, the
    token standing for the sender's session (valid token of X → X; anything else → nobody)."""
    from central_service.tokens import TokenError
    token = getattr(body, "token", "") or ""
    try:
        if isinstance(body, c.OperatorCommand):
            return core.signer.verify_operator(token)
        if isinstance(body, (c.ChargeRequested, c.ChargeCancelled)):
            return core.signer.verify(token)
    except TokenError:
        return None
    return None


class Kafka:
    """Produce contract messages and collect everything on the given topics (from the start)."""

    def __init__(self, bootstrap: str, topics: Topics, notify_keys: KeyLookup | None = None) -> None:
        self.topics = topics
        # opens Central's sealed notifications (tests.notify_support); default: the keys of the
        # LOGINs these tests made
        self.notify_keys: KeyLookup = notify_keys or _login_key
        self.producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", **kafka_security())
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False,
                                      group_id=None, consumer_timeout_ms=100, **kafka_security())
        tps = []
        for t in (topics.driver_notifications, topics.cp_commands, topics.cp_state, topics.dead_letters,
                  topics.central_heartbeat, topics.central_activity):
            parts = wait_until(lambda t=t: self.consumer.partitions_for_topic(t), 30, message=f"partitions {t}")
            tps += [TopicPartition(t, p) for p in parts]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.seen: list[tuple[str, c.Envelope]] = []

    def send(self, topic: str, body: c.Payload, msg_id: str | None = None, *,
             cp_key: str | None = "demo-cp-key") -> c.Envelope:
        """Send *body*; CP events are signed with *cp_key* (the seeded demo key) as an Engine
        signs them — ``cp_key=None`` sends them unsigned."""
        env = c.envelope(body, source="test", msg_id=msg_id)
        if cp_key is not None and isinstance(body, CP_EVENTS):
            env = msgauth.sign(env, cp_key, msgauth.CP_EVENT, body.cp_id)  # type: ignore[attr-defined]
        env = sign_as_app(env)
        self.send_env(topic, env)
        return env

    def send_env(self, topic: str, env: c.Envelope) -> None:
        env = sign_as_app(env)  # deterministic: the same envelope sent twice stays the same
        self.producer.send(topic, key=env.key.encode(), value=c.encode(env)).get(30)

    def send_raw(self, topic: str, value: bytes, key: bytes = b"x") -> None:
        self.producer.send(topic, key=key, value=value).get(30)

    def poll(self) -> None:
        for batch in self.consumer.poll(timeout_ms=200).values():
            for rec in batch:
                self.seen.append((rec.topic, open_if_sealed(c.decode(rec.value), self.notify_keys)))

    def bodies(self, t: type, **match) -> list:
        self.poll()
        return [e.body for _, e in self.seen if isinstance(e.body, t)
                and all(getattr(e.body, k) == v for k, v in match.items())]

    def wait(self, t: type, timeout: float = 30.0, **match):
        """The first message of type *t* whose fields equal *match*."""
        return wait_until(lambda: (self.bodies(t, **match) or [None])[0], timeout,
                          message=f"{t.__name__} {match}")

    def wait_state(self, cp_id: str, state: str, timeout: float = 30.0) -> c.CpState:
        def latest():
            states = self.bodies(c.CpState, cp_id=cp_id)
            return states[-1] if states and states[-1].state == state else None
        return wait_until(latest, timeout, message=f"{cp_id} {state}")

    def close(self) -> None:
        self.producer.close(timeout=5)
        self.consumer.close()


CP_EVENTS = (c.SupplyStarted, c.Telemetry, c.SupplyFinished, c.ManualSupplyRequested, c.EngineOnline)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def now() -> float:
    return time.time()
