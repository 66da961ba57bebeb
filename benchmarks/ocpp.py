"""OCPP gateway: chargers per gateway at 1 meter value / 10 s and / 1 s, CPU and RSS per 1,000
chargers — against the simulator path (Engine + Monitor processes) in the same run.

What runs: the real ``ev-ocpp-gateway`` process (wss, HTTP Basic, signed events through its
outbox to the private broker); N chargers from a light in-process load generator (raw OCPP-J
frames over websockets, not the ``ocpp`` library, so the generator's own cost stays small);
commands signed as Central signs them start one transaction per charger. Central's socket is a
minimal stand-in answering AUTH/HB (Central's cost is the ingest benchmark's; here only the
gateway process is measured). Baseline: k simulated CPs (Engine + Monitor, 1 telemetry / s, the
simulator's fixed rate) in the same run, their CPU and RSS scaled to 1,000 CPs.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
import threading
import time
import uuid
from pathlib import Path

import websockets
from kafka import KafkaProducer

from benchmarks.common import BenchResult, Broker, Proc, Row, proc_cpu_rss, wait_until
from benchmarks.seed import CP_KEY, cp_id, write_credentials
from ocpp_gateway import authorization_key
from ev_common import contract as c
from ev_common import msgauth, pki
from ev_common.framing import ACK, BadFrame, FramedStream
from ev_common.kafka.admin import ensure_topics
from ev_common.ports import free_port
from ev_common.kafka.security import kafka_kwargs
from ev_common.topics import Topics


# ------------------------------------------------------------------- Central stand-in
class _CentralStub:
    """AUTH → OK#hb, everything else → OK, over TLS: the Monitor links' far end."""

    def __init__(self, ctx: ssl.SSLContext) -> None:
        self.ctx, self.port = ctx, free_port()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=ctx),
                                         self.loop).result(10)

    async def _serve(self, reader, writer) -> None:
        stream = FramedStream(reader, writer, timeout=60)
        try:
            while True:
                item = await stream.read_frame()
                if isinstance(item, BadFrame):
                    continue
                await stream.send_control(ACK)
                await stream.answer(["OK", "5"] if item.fields[0] == "AUTH" else ["OK"])
        except Exception:  # noqa: BLE001 - a stand-in
            writer.close()


# ------------------------------------------------------------------ load generator
class _Charger:
    """A raw OCPP-J 1.6 charger: boots, answers RemoteStart, starts, sends meter values."""

    def __init__(self, url: str, cp: str, ctx: ssl.SSLContext) -> None:
        self.url, self.cp, self.ctx = url, cp, ctx
        self.ws = None
        self.pending: dict[str, asyncio.Future] = {}
        self.tx: int | None = None
        self.wh = 0
        self.sent = 0
        self.id_tag: asyncio.Future = asyncio.get_running_loop().create_future()

    async def connect(self) -> None:
        auth = "Basic " + base64.b64encode(self.cp.encode() + b":" + authorization_key.derive(CP_KEY)).decode()
        self.ws = await websockets.connect(f"{self.url}/{self.cp}", subprotocols=["ocpp1.6"], ssl=self.ctx,
                                           additional_headers={"Authorization": auth}, open_timeout=60,
                                           ping_interval=None)
        asyncio.get_running_loop().create_task(self._read())
        await self.call("BootNotification", {"chargePointVendor": "bench", "chargePointModel": "raw"})
        await self.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            if msg[0] == 3 and msg[1] in self.pending:
                self.pending.pop(msg[1]).set_result(msg[2])
            elif msg[0] == 2:
                await self.ws.send(json.dumps([3, msg[1], {"status": "Accepted"}]))
                if msg[2] == "RemoteStartTransaction" and not self.id_tag.done():
                    self.id_tag.set_result(msg[3]["idTag"])

    async def call(self, action: str, payload: dict) -> dict:
        uid = uuid.uuid4().hex[:12]
        fut = asyncio.get_running_loop().create_future()
        self.pending[uid] = fut
        await self.ws.send(json.dumps([2, uid, action, payload]))
        return await asyncio.wait_for(fut, 60)

    async def start(self) -> None:
        tag = await asyncio.wait_for(self.id_tag, 120)
        answer = await self.call("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                      "timestamp": _iso(time.time())})
        self.tx = answer["transactionId"]

    async def meter(self, period: float, until: float) -> None:
        await asyncio.sleep(period * (hash(self.cp) % 1000) / 1000)  # spread over the period
        while time.monotonic() < until:
            self.wh += 3
            await self.call("MeterValues", {"connectorId": 1, "transactionId": self.tx, "meterValue": [{
                "timestamp": _iso(time.time()), "sampledValue": [
                    {"value": str(self.wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]})
            self.sent += 1
            await asyncio.sleep(period)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + "Z"


def _authorize_all(bootstrap: str, topics: Topics, ids: list[str]) -> None:
    kp = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks=1, linger_ms=5, **kafka_kwargs())
    for cp in ids:
        body = c.AuthorizeSupply(cp_id=cp, session_id=uuid.uuid4().hex, driver_id="driver1",
                                 price_eur_kwh=0.35, max_kw=22.0, expires_at=time.time() + 3600)
        env = msgauth.sign(c.envelope(body, source="bench-central"), CP_KEY, msgauth.CP_COMMAND, cp)
        kp.send(topics.cp_commands, key=env.key.encode(), value=c.encode(env))
    kp.flush(60)
    kp.close()


def _measure(pids: list[int], seconds: float) -> tuple[float, int]:
    c0 = sum(proc_cpu_rss(p)[0] for p in pids)
    t0 = time.monotonic()
    time.sleep(seconds)
    c1 = sum(proc_cpu_rss(p)[0] for p in pids)
    return (c1 - c0) / (time.monotonic() - t0) * 100.0, sum(proc_cpu_rss(p)[1] for p in pids)


# --------------------------------------------------------------------------- runs
def _gateway_load(gw: Proc, url: str, ctx, bootstrap: str, topics: Topics, ids: list[str],
                  periods: list[float], window: float) -> dict:
    """Connect and start every charger, then measure the gateway at each meter period."""
    out: dict = {}
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def run(coro, timeout=600):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    async def make():
        return [_Charger(url, cp, ctx) for cp in ids]
    chargers = run(make())
    sem_connect = 50

    async def connect_all():
        sem = asyncio.Semaphore(sem_connect)

        async def one(ch):
            async with sem:
                await ch.connect()
        await asyncio.gather(*(one(ch) for ch in chargers))
    out["empty_rss"] = proc_cpu_rss(gw.pid)[1]
    t0 = time.monotonic()
    run(connect_all())
    out["connect_s"] = time.monotonic() - t0
    out["idle_cpu_pct"], out["idle_rss"] = _measure([gw.pid], min(5.0, window))
    _authorize_all(bootstrap, topics, ids)
    async def start_all():
        await asyncio.gather(*(ch.start() for ch in chargers))

    async def meter_all(period: float, until: float):
        await asyncio.gather(*(ch.meter(period, until) for ch in chargers))
    run(start_all())
    for period in periods:
        until = time.monotonic() + window + 2 * period + 2
        fut = asyncio.run_coroutine_threadsafe(meter_all(period, until), loop)
        time.sleep(period + 1)  # everyone is sending
        sent0, t0 = sum(ch.sent for ch in chargers), time.monotonic()
        cpu, rss = _measure([gw.pid], window)
        rate = (sum(ch.sent for ch in chargers) - sent0) / (time.monotonic() - t0)
        # the generator shares the 2 cores: what it achieved is what the gateway handled
        out[f"p{period:g}"] = {"cpu_pct": cpu, "rss": rss, "meter_values_per_s": rate,
                               "offered_per_s": len(chargers) / period}
        fut.result(window + 3 * period + 120)
    return out


def _baseline(bootstrap: str, topics: Topics, work: Path, creds: Path, central_port: int, k: int,
              window: float) -> dict:
    ids = [cp_id(90000 + i) for i in range(k)]
    write_credentials(creds, ids)
    procs: list[Proc] = []
    try:
        for cp in ids:
            port_e = free_port()
            procs.append(Proc(f"engine-{cp}", [
                "-m", "cp_simulator.engine_cli", "--bootstrap-servers", bootstrap, "--topic-prefix", topics.prefix,
                "--data-dir", str(work / "engines"), "--listen", f"127.0.0.1:{port_e}", "--cp-id", cp, "--no-menu",
                "--log-level", "WARNING", "--auto", "--auto-plug-delay", "0", "--auto-duration", "3600",
                "--cp-credentials", str(creds)], work))
            procs.append(Proc(f"monitor-{cp}", [
                "-m", "cp_simulator.monitor_cli", "--engine", f"127.0.0.1:{port_e}", "--central",
                f"127.0.0.1:{central_port}", "--cp-id", cp, "--cp-credentials", str(creds),
                "--log-level", "WARNING"], work))
        for p in procs[::2]:
            p.wait_output("journal y cola local", 90)
        time.sleep(3)  # Monitors seen, consumers assigned
        _authorize_all(bootstrap, topics, ids)
        for p in procs[::2]:
            p.wait_output("ENCHUFADO", 90)
        cpu, rss = _measure([p.pid for p in procs], window)
        return {"cps": k, "cpu_pct": cpu, "rss": rss}
    finally:
        for p in procs:
            p.stop()


def run_ocpp(broker: Broker | None, root: Path, quick: bool) -> BenchResult:
    own = None
    if broker is None:  # run alone (--only ocpp): its own private broker
        own = broker = Broker(root, name="kafka-ocpp")
        broker.start()
    try:
        return _run_ocpp(broker, root, quick)
    finally:
        if own is not None:
            own.stop(hard=True)


def _run_ocpp(broker: Broker, root: Path, quick: bool) -> BenchResult:
    n = 200 if quick else 1000
    window = 10.0 if quick else 30.0
    work = root / "ocpp"
    work.mkdir()
    pki_dir = work / "pki"
    pki.CertificateAuthority.ensure(pki_dir)
    saved = {k: os.environ.get(k) for k in ("EV_PKI_DIR", "EV_CA_FILE")}
    os.environ.update(EV_PKI_DIR=str(pki_dir), EV_CA_FILE=str(pki_dir / "ca.pem"))
    topics = Topics(f"bo{uuid.uuid4().hex[:6]}")
    ensure_topics(broker.bootstrap, topics, 30)
    from ev_common.tls_links import server_ssl
    stub = _CentralStub(server_ssl(None, None, ["127.0.0.1", "localhost"], pki_dir))
    ids = [cp_id(i) for i in range(1, n + 1)]
    creds = write_credentials(work / "cp-credentials", ids)
    port = free_port()
    gw = Proc("ocpp-gateway", ["-m", "ocpp_gateway.cli", "--bootstrap-servers", broker.bootstrap,
                               "--topic-prefix", topics.prefix, "--listen", f"127.0.0.1:{port}",
                               "--central", f"127.0.0.1:{stub.port}", "--cp-credentials", str(creds),
                               "--data-dir", str(work / "gw"), "--tls-hosts", "127.0.0.1",
                               "--heartbeat-interval", "300", "--log-level", "WARNING"], work)
    res = BenchResult("ocpp")
    try:
        gw.wait_output("Pasarela OCPP 1.6J escuchando", 60)
        ctx = pki.client_context(pki_dir / "ca.pem")
        load = _gateway_load(gw, f"wss://127.0.0.1:{port}", ctx, broker.bootstrap, topics, ids, [10.0, 1.0], window)
        published = len(gw.output())  # (log size only: nothing to assert here)
        base = _baseline(broker.bootstrap, topics, work, creds, stub.port, 3 if quick else 5, window)
        per_k = 1000.0 / n
        base_cpu_k = base["cpu_pct"] / base["cps"] * 1000
        base_rss_k = base["rss"] / base["cps"] * 1000 / 2**20
        idle = load["idle_cpu_pct"]
        for period in (10.0, 1.0):
            m = load[f"p{period:g}"]
            # CPU of one meter value per second, from what the generator really delivered (on a
            # loaded 2-core machine it may deliver less than offered), plus the idle links' cost
            per_msg = max(0.0, m["cpu_pct"] - idle) / m["meter_values_per_s"] if m["meter_values_per_s"] else 0.0
            cpu_k = idle * per_k + per_msg * 1000.0 / period
            res.rows.append(Row(f"gateway CPU per 1,000 chargers at 1 meter value / {period:g} s "
                                f"({n} connected, {m['meter_values_per_s']:.0f} of {m['offered_per_s']:.0f} "
                                "values/s delivered)", cpu_k, base_cpu_k if period == 1.0 else None, "% of a core"))
            # one core at 80 % is the honest ceiling of one asyncio process
            res.rows.append(Row(f"chargers one gateway holds at 1 / {period:g} s (80 % of a core, extrapolated)",
                                80.0 / cpu_k * 1000 if cpu_k > 0 else float("inf"), None, "chargers",
                                higher_is_better=True))
        rss_k = (load["p1"]["rss"] - load["empty_rss"]) * per_k / 2**20
        res.rows.append(Row(f"gateway RSS per 1,000 chargers ({n} connected, supplying; + "
                            f"{load['empty_rss'] / 2**20:.0f} MiB with none)", rss_k, base_rss_k, "MiB"))
        res.details = {"chargers": n, "window_s": window, "load": load, "baseline": base, "log_bytes": published,
                       "note": "baseline = Engine+Monitor processes at the simulator's fixed 1 telemetry/s, "
                               "scaled to 1,000 CPs"}
    finally:
        gw.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return res
