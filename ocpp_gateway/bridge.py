"""One charger's translation between OCPP 1.6 and our contract (pure: no sockets, Kafka, files).

The gateway gives each connected charger a :class:`Bridge`. OCPP messages from the charger and
signed commands from Central go in; effects come out, executed in order by the runtime
(:mod:`ocpp_gateway.charger`): :class:`Publish` a contract event (signed with the CP's key),
:class:`Call` the charger, :class:`Health` for the Central link, :class:`Notice` a log line,
:class:`Save` the state (so a gateway restart keeps transaction ids, and duplicates and
replays stay recognisable).

Idempotency rests on deterministic message ids (``start-<session>``, ``tel-<session>-<seq>``,
``final-<session>``: the ids the simulated Engine uses) and on remembering every transaction
until it is old: a repeated StartTransaction gets the same transactionId and publishes
nothing, a repeated StopTransaction is answered and publishes nothing. Central bills a
session once whatever arrives twice (``duplicate_finish``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ev_common import contract as c
from ocpp_gateway import reservation
from ocpp_gateway.effects import Call, Effect, Health, Notice, Publish, Save  # noqa: F401 - re-exported
from ocpp_gateway.meter import Sample

ID_TAG_LEN = 20          # OCPP 1.6 idTag is CiString20
MAX_REMEMBERED = 200     # transactions/authorizations kept per charger (oldest forgotten first)
# Meter values are saved every SAVE_EVERY readings, not each one (a state write per value was
# 15 % of the gateway's time in the benchmark); after a restart an open transaction's seq jumps
# by SAVE_EVERY so Central never takes its next telemetry for a stale one.
SAVE_EVERY = 10


# --------------------------------------------------------------------------------- state
@dataclass
class Authorization:
    session_id: str
    driver_id: str
    price_eur_kwh: float
    max_kw: float
    expires_at: float
    id_tag: str
    active: bool = True   # False once cancelled/expired: kept so an offline replay still binds
    reservation_id: int = 0   # the ReserveNow reservationId: one per supply, the same on every resend
    reserved: bool = False    # the charger accepted ReserveNow and has not consumed/cancelled it
    connector_id: int = 0     # where it was reserved / remotely started


@dataclass
class Tx:
    tx_id: int
    connector_id: int
    id_tag: str
    start_key: str
    session_id: str | None        # None: an idTag we did not authorize (answered Invalid)
    price_eur_kwh: float = 0.0
    meter_start_wh: float = 0.0
    started_at: float = 0.0
    last_wh: float = 0.0
    last_ts: float = 0.0
    kw: float = 0.0
    seq: int = 0
    finished: bool = False
    closed_by_gateway: bool = False   # closed at the last meter value after the charger vanished
    stop_reason: str | None = None    # our FinishReason when Central asked for the stop


def id_tag_for(session_id: str) -> str:
    """The idTag the gateway sends in RemoteStartTransaction for *session_id*."""
    return session_id[:ID_TAG_LEN]


_OCPP_REASON = {"EVDisconnected": "unplugged", "Local": "unplugged", "UnlockCommand": "unplugged",
                "Remote": "driver_stop", "DeAuthorized": "cancelled"}


class Bridge:
    def __init__(self, cp_id: str, state: dict | None = None, *, default_connector: int = 1,
                 tx_base: int = 0) -> None:
        """*tx_base*: transaction ids start above it, so the CPs of one multi-connector box
        (one per connector, ocpp_gateway.connectors) never hand out the same id."""
        self.cp_id = cp_id
        self.default_connector = default_connector
        # this CP is one connector of a multi-connector box: ChangeAvailability targets that
        # connector, not the whole box (connector 0); None: the CP is the whole box
        self.own_connector: int | None = None
        self.next_tx_id = tx_base + 1
        self.next_reservation_id = 1
        self.auths: dict[str, Authorization] = {}      # id_tag → authorization
        self.txs: dict[int, Tx] = {}
        self.statuses: dict[int, str] = {}
        self.faulted: dict[int, str] = {}
        # connectors whose charger refused a reservation/remote start (Occupied, Faulted,
        # Unavailable): health KO until that connector reports Available again
        self.refused: dict[int, str] = {}
        self.counters: dict[str, int] = {}
        if state:
            self._restore(state)

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        return {"cp_id": self.cp_id, "next_tx_id": self.next_tx_id,
                "next_reservation_id": self.next_reservation_id,
                "auths": [asdict(a) for a in self.auths.values()],
                "txs": [asdict(t) for t in self.txs.values()]}

    def _restore(self, state: dict) -> None:
        self.next_tx_id = max(self.next_tx_id, int(state.get("next_tx_id", 1)))
        self.next_reservation_id = int(state.get("next_reservation_id", 1))
        for a in state.get("auths", []):
            auth = Authorization(**a)
            self.auths[auth.id_tag] = auth
        for t in state.get("txs", []):
            tx = Tx(**t)
            if not tx.finished:
                tx.seq += SAVE_EVERY
            self.txs[tx.tx_id] = tx

    def count(self, what: str) -> None:
        self.counters[what] = self.counters.get(what, 0) + 1

    def _prune(self) -> None:
        """Bounded memory: the oldest authorizations and finished transactions are forgotten
        (an open transaction never is)."""
        while len(self.auths) > MAX_REMEMBERED:
            del self.auths[next(iter(self.auths))]
        finished = [k for k, t in self.txs.items() if t.finished]
        while len(self.txs) > MAX_REMEMBERED and finished:
            del self.txs[finished.pop(0)]

    # ------------------------------------------------------------ queries
    def open_tx(self, connector_id: int | None = None) -> Tx | None:
        for tx in reversed(self.txs.values()):
            if not tx.finished and tx.session_id is not None and \
                    (connector_id is None or tx.connector_id == connector_id):
                return tx
        return None

    def tx_for_session(self, session_id: str) -> Tx | None:
        for tx in self.txs.values():
            if tx.session_id == session_id:
                return tx
        return None

    # -------------------------------------------------------------- charger → gateway
    def boot(self) -> list[Effect]:
        """BootNotification: Central learns the CP (re)started and resends what it needs. A
        rebooted charger holds no reservation it refused before: those refusals are dropped."""
        before = self.health_reasons()
        self.refused.clear()
        return [*self._health_change(before), Publish(c.EngineOnline(self.cp_id)),
                Notice(f"CP {self.cp_id}: BootNotification")]

    def status(self, connector_id: int, status: str, error_code: str = "NoError", info: str = "") -> list[Effect]:
        """StatusNotification. Faulted (any connector, or 0 = the whole charger) is our KO; every
        other status is health OK — Charging/reserved/stopped are Central's own states, driven by
        the supply events and the operator, not by the charger's word."""
        before = self.health_reasons()
        self.statuses[connector_id] = status
        if status == "Faulted":
            self.faulted[connector_id] = f"OCPP Faulted conector {connector_id}: {error_code} {info}".strip()
        else:
            self.faulted.pop(connector_id, None)
        if status == "Available" or connector_id == 0 and status != "Faulted":
            self.refused.pop(connector_id, None)
            if connector_id == 0:
                self.refused.clear()
        return self._health_change(before)

    def health_reasons(self) -> list[str]:
        """Why the CP is KO now (empty: OK): Faulted connectors and refused reservations."""
        return list(self.faulted.values()) + list(self.refused.values())

    def _health_change(self, before: list[str]) -> list[Effect]:
        now = self.health_reasons()
        if now == before:
            return []
        return [Health(False, "; ".join(now))] if now else [Health(True)]

    def refuse(self, connector_id: int, reason: str) -> list[Effect]:
        """The charger refused what Central promised a driver (ReserveNow Occupied/Faulted/
        Unavailable, RemoteStart Rejected): the CP goes KO, so Central annuls the reservation and
        tells the driver (the FAULT path), until the connector reports Available."""
        before = self.health_reasons()
        self.refused[connector_id] = reason
        self.count("charger_refused")
        return self._health_change(before)

    def authorize(self, id_tag: str, now: float) -> str:
        """Authorize.req: Accepted only for an idTag of a live authorization Central gave this CP."""
        auth = self.auths.get(id_tag)
        if auth is not None and auth.active and auth.expires_at > now:
            return "Accepted"
        self.count("authorize_refused")
        return "Invalid"

    def start_transaction(self, connector_id: int, id_tag: str, meter_start: float, timestamp: str,
                          ts: float | None, now: float) -> tuple[int, str, list[Effect]]:
        """StartTransaction → (transactionId, idTagInfo status, effects)."""
        key = f"{connector_id}|{id_tag}|{meter_start:g}|{timestamp}"
        for tx in self.txs.values():
            if tx.start_key == key:
                self.count("duplicate_start")
                return tx.tx_id, "Accepted" if tx.session_id else "Invalid", [
                    Notice(f"StartTransaction repetido (transacción {tx.tx_id}): misma respuesta, nada nuevo")]
        auth = self.auths.get(id_tag)
        tx_id = self.next_tx_id
        self.next_tx_id += 1
        started = ts if ts is not None else now
        if auth is None:
            self.count("start_unknown_tag")
            self.txs[tx_id] = Tx(tx_id, connector_id, id_tag, key, None, started_at=started)
            self._prune()
            return tx_id, "Invalid", [Save(), Notice(
                f"StartTransaction con idTag {id_tag!r} no autorizado por la CENTRAL: respondido "
                f"Invalid (transacción {tx_id} no se factura)", "warn")]
        earlier = self.tx_for_session(auth.session_id)
        if earlier is not None:  # a second Start for the same session (new timestamp): one supply
            self.count("duplicate_start")
            return earlier.tx_id, "Accepted", [Notice(
                f"StartTransaction repetido para la sesión {auth.session_id}: transacción {earlier.tx_id}")]
        tx = Tx(tx_id, connector_id, id_tag, key, auth.session_id, price_eur_kwh=auth.price_eur_kwh,
                meter_start_wh=float(meter_start), started_at=started, last_wh=float(meter_start),
                last_ts=started)
        self.txs[tx_id] = tx
        auth.active = False
        auth.reserved = False   # StartTransaction consumes the charger's reservation (OCPP 1.6 §5.13)
        self._prune()
        return tx_id, "Accepted", [
            Save(), Publish(c.SupplyStarted(self.cp_id, auth.session_id, started), f"start-{auth.session_id}"),
            Notice(f"Transacción {tx_id} iniciada: sesión {auth.session_id}, conductor {auth.driver_id}")]

    def meter_values(self, connector_id: int, tx_id: int | None, readings: list[Sample]) -> list[Effect]:
        tx = self.txs.get(tx_id) if tx_id not in (None, -1) else self.open_tx(connector_id)
        if tx is None or tx.session_id is None or tx.finished:
            if tx_id not in (None, -1) and tx is None:
                self.count("meter_unknown_tx")
            return []
        fx: list[Effect] = []
        for r in readings:
            if r.ts is not None and r.ts < tx.last_ts:
                continue  # older than what we have: a replay out of order
            if r.kw is not None:
                tx.kw = max(0.0, r.kw)
            if r.wh is None or r.wh < tx.meter_start_wh:
                continue
            tx.last_wh, tx.last_ts = r.wh, r.ts if r.ts is not None else tx.last_ts
            tx.seq += 1
            kwh = (tx.last_wh - tx.meter_start_wh) / 1000.0
            fx.append(Publish(c.Telemetry(self.cp_id, tx.session_id, tx.seq, tx.kw, kwh,
                                          round(kwh * tx.price_eur_kwh, 6)), f"tel-{tx.session_id}-{tx.seq}"))
        if not fx:
            return []
        return ([Save()] + fx) if tx.seq % SAVE_EVERY < len(fx) else fx

    def stop_transaction(self, tx_id: int | None, meter_stop: float, ts: float | None, reason: str | None,
                         now: float) -> list[Effect]:
        """StopTransaction: always answered Accepted by the caller; effects say what it meant."""
        tx = self.txs.get(tx_id) if tx_id not in (None, -1) else self.open_tx()
        if tx is None:
            self.count("stop_unknown_tx")
            return [Notice(f"StopTransaction de una transacción desconocida ({tx_id}): respondido "
                           "Accepted para que el cargador no reintente; nada que facturar", "warn")]
        if tx.session_id is None:
            tx.finished = True
            return [Save(), Notice(f"StopTransaction de la transacción {tx.tx_id} no autorizada: nada que facturar")]
        if tx.finished:
            self.count("duplicate_stop")
            extra = ""
            if tx.closed_by_gateway and meter_stop > tx.last_wh:
                extra = (f"; {(meter_stop - tx.last_wh) / 1000:.3f} kWh posteriores a la última lectura "
                         "no se facturan (el suministro ya se cerró al perder el cargador)")
            return [Notice(f"StopTransaction repetido (transacción {tx.tx_id}): ya facturada{extra}", "warn")]
        if meter_stop >= tx.meter_start_wh:
            tx.last_wh = float(meter_stop)
        tx.last_ts = ts if ts is not None else now
        reason_ = tx.stop_reason or _OCPP_REASON.get(reason or "Local", "interrupted")
        return self._finish(tx, reason_)

    def charger_lost(self) -> list[Effect]:
        """The charger vanished and did not come back in time: close every open supply at its
        last meter value (its own timestamp), so no CP stays in Charging."""
        fx: list[Effect] = []
        for tx in list(self.txs.values()):
            if not tx.finished and tx.session_id is not None:
                tx.closed_by_gateway = True
                fx += [Notice(f"Cargador perdido: la transacción {tx.tx_id} se cierra con la última "
                              "lectura del contador", "warn"), *self._finish(tx, "monitor_lost")]
        return fx

    def _finish(self, tx: Tx, reason: str) -> list[Effect]:
        assert tx.session_id is not None
        tx.finished = True
        kwh = max(0.0, (tx.last_wh - tx.meter_start_wh) / 1000.0)
        body = c.SupplyFinished(cp_id=self.cp_id, session_id=tx.session_id, started_at=tx.started_at,
                                ended_at=max(tx.last_ts, tx.started_at), kwh=kwh,
                                eur=round(kwh * tx.price_eur_kwh, 6), reason=reason)  # type: ignore[arg-type]
        return [Save(), Publish(body, f"final-{tx.session_id}"),
                Notice(f"Transacción {tx.tx_id} FINALIZADA ({reason}): {kwh:.3f} kWh")]

    # -------------------------------------------------------------- Central → charger
    def on_authorize(self, cmd: c.AuthorizeSupply, now: float) -> list[Effect]:
        tag = id_tag_for(cmd.session_id)
        known = self.auths.get(tag)
        if self.tx_for_session(cmd.session_id) is not None:
            return []  # the supply already started (or happened)
        if cmd.expires_at <= now:
            return [Notice(f"Autorización {cmd.session_id} ignorada: ya había caducado", "warn")]
        if known is not None and not known.active:
            return []  # cancelled meanwhile
        if known is None:
            known = self.auths[tag] = Authorization(cmd.session_id, cmd.driver_id, cmd.price_eur_kwh,
                                                    cmd.max_kw, cmd.expires_at, tag,
                                                    reservation_id=self.next_reservation_id)
            self.next_reservation_id += 1
            self._prune()
        # a resend (Central answers engine_online with the pending authorization, e.g. after the
        # charger reconnected and missed the first one): ask the charger again, same reservationId
        # (a charger replaces a reservation with the same id). RemoteStart follows its answer.
        known.connector_id = self._free_connector()
        return [Save(), reservation.reserve_now(known),
                Notice(f"Autorización {cmd.session_id} → ReserveNow {known.reservation_id} "
                       f"(conector {known.connector_id}, hasta {reservation.iso(known.expires_at)})")]

    def on_call_result(self, call: Call, outcome: str) -> list[Effect]:
        """The charger's answer to a ReserveNow / RemoteStartTransaction (see :mod:`reservation`)."""
        return reservation.on_call_result(self, call, outcome)

    def _free_connector(self) -> int:
        """Where the car waits (a connector in Preparing), else the configured default."""
        for connector, status in self.statuses.items():
            if connector > 0 and status == "Preparing":
                return connector
        return self.default_connector

    def on_cancel(self, cmd: c.CancelAuthorization) -> list[Effect]:
        tx = self.tx_for_session(cmd.session_id)
        if tx is not None and not tx.finished and cmd.reason != "expired":
            tx.stop_reason = "operator_stop" if cmd.reason == "operator_stop" else "cancelled"
            return [Save(), Call("RemoteStopTransaction", {"transaction_id": tx.tx_id})]
        auth = self.auths.get(id_tag_for(cmd.session_id))
        if auth is not None and auth.active:
            auth.active = False
            return [Save(), *reservation.cancel(auth),
                    Notice(f"Autorización {cmd.session_id} anulada ({cmd.reason})")]
        return []

    def on_stop(self, cmd: c.StopSupply) -> list[Effect]:
        tx = self.tx_for_session(cmd.session_id)
        if tx is None or tx.finished:
            auth = self.auths.get(id_tag_for(cmd.session_id))
            if auth is not None:
                auth.active = False
            return []
        if tx.stop_reason is not None:
            return []  # RemoteStop already sent (Parar stops the supply first, then StopSupply comes)
        tx.stop_reason = cmd.reason
        return [Save(), Call("RemoteStopTransaction", {"transaction_id": tx.tx_id}),
                Notice(f"La CENTRAL detiene la transacción {tx.tx_id} ({cmd.reason}) → RemoteStopTransaction")]

    def on_availability(self, cmd: c.SetAvailability) -> list[Effect]:
        """Parar/Reanudar → ChangeAvailability of the whole charger (connector 0). A running
        transaction is stopped first on Parar, like the simulated Engine does."""
        fx: list[Effect] = []
        if not cmd.available:
            tx = self.open_tx()
            if tx is not None and tx.stop_reason is None:  # not already being stopped
                tx.stop_reason = "operator_stop"
                fx += [Save(), Call("RemoteStopTransaction", {"transaction_id": tx.tx_id})]
        kind = "Operative" if cmd.available else "Inoperative"
        return fx + [Call("ChangeAvailability", {"connector_id": self.own_connector or 0, "type": kind}),
                     Notice(f"Operador: {'Reanudar' if cmd.available else 'Parar'} → ChangeAvailability {kind}")]
