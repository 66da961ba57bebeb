"""The charger's state machine: commands, menu actions and clock ticks in, effects out.

No sockets, no Kafka, no files here. Every input method returns a list of effects that the
runtime (:mod:`cp_simulator.engine_app`) executes *in order*: journal writes before the
publish they protect, so the journal always holds at least what was reported.

States: ``idle`` → (AuthorizeSupply) ``authorized`` → (plug) ``supplying`` → (unplug, stop,
fault, lost Monitor…) ``idle``. Orthogonal flags: Monitor present, simulated fault (KO),
operator availability. A supply is accepted only when the Monitor is present, the Engine is
OK and the operator has not stopped the CP.

Deterministic message ids make resends recognisable: ``start-<session>``,
``tel-<session>-<seq>``, ``final-<session>`` (the final report — also after a crash).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Union

from ev_common import contract as c
from cp_simulator.journal import JournalState, SupplyRecord
from cp_simulator.power import Meter, PowerModel

TELEMETRY_PERIOD_S = 1.0


# ------------------------------------------------------------------------------- effects
@dataclass(frozen=True)
class Publish:
    body: c.Payload
    msg_id: str | None = None


@dataclass(frozen=True)
class SaveJournal:
    state: JournalState


@dataclass(frozen=True)
class Notice:
    """One console line for whoever stands at the CP (Spanish, plain words)."""

    text: str
    level: str = "info"  # info | warn | error


Effect = Union[Publish, SaveJournal, Notice]


def final_msg_id(session_id: str) -> str:
    return f"final-{session_id}"


@dataclass(frozen=True)
class AutoConfig:
    """Demo mode: plug in ``plug_delay_s`` after an authorization, unplug after ``duration_s``
    of supply or once ``kwh`` were delivered (when given)."""

    plug_delay_s: float = 3.0
    duration_s: float = 10.0
    kwh: float | None = None


@dataclass
class _Authorization:
    session_id: str
    driver_id: str
    price_eur_kwh: float
    max_kw: float
    expires_at: float
    plug_at_mono: float | None


@dataclass
class _Supply:
    record: SupplyRecord
    meter: Meter
    started_mono: float
    next_telemetry_mono: float


class Engine:
    def __init__(self, cp_id: str, *, monitor_timeout_s: float = 3.0, auto: AutoConfig | None = None,
                 journal: JournalState | None = None, rng: random.Random | None = None,
                 time_scale: float = 1.0) -> None:
        self.cp_id = cp_id
        self.time_scale = time_scale  # metered seconds per real second (see power.PowerModel)
        self.monitor_timeout_s = monitor_timeout_s
        self.auto = auto
        self.rng = rng or random.Random()
        self.journal = journal or JournalState()
        self.monitor_present = False
        self.last_monitor_mono: float | None = None
        self.fault = False           # simulated KO from the menu
        self.available = True        # operator Parar/Reanudar
        self.authorization: _Authorization | None = None
        self.supply: _Supply | None = None

    # ------------------------------------------------------------------------ queries
    @property
    def state(self) -> str:
        if self.supply:
            return "supplying"
        if self.authorization:
            return "authorized"
        return "idle"

    def health(self) -> str:
        """The answer to the Monitor's health check."""
        return "KO" if self.fault else "OK"

    def refusal(self) -> str | None:
        """Why a new supply cannot start now, or None when it can."""
        if not self.monitor_present:
            return "sin Monitor conectado"
        if self.fault:
            return "el CP está averiado (KO)"
        if not self.available:
            return "el CP está parado por el operador"
        if self.supply:
            return "ya hay un suministro en curso"
        if self.authorization:
            return "ya hay una autorización pendiente"
        return None

    def status_line(self) -> str:
        parts = [f"CP {self.cp_id}", f"estado={self.state}",
                 f"monitor={'sí' if self.monitor_present else 'NO'}",
                 f"salud={self.health()}", f"operador={'activo' if self.available else 'PARADO'}"]
        if self.authorization:
            parts.append(f"sesión={self.authorization.session_id} conductor={self.authorization.driver_id}")
        if self.supply:
            r = self.supply.record
            parts.append(f"sesión={r.session_id} {r.kw:.2f} kW {r.kwh:.4f} kWh {r.eur:.4f} €")
        return " | ".join(parts)

    # ------------------------------------------------------------------ start-up/recovery
    def recover(self, now: float) -> list[Effect]:
        """A supply left open in the journal (crash, kill -9) gets its final report now."""
        rec = self.journal.open
        if rec is None:
            return []
        if rec.ended_at is None:
            rec = rec.finishing(ended_at=rec.updated_at or now, reason="interrupted")
        fx: list[Effect] = [Notice(f"Suministro {rec.session_id} interrumpido por un reinicio: "
                                   f"se informa {rec.kwh:.4f} kWh / {rec.eur:.4f} € ({rec.reason})", "warn")]
        fx += self._final_report(rec)
        return fx

    # -------------------------------------------------------------------------- Monitor
    def monitor_seen(self, mono: float) -> list[Effect]:
        self.last_monitor_mono = mono
        if self.monitor_present:
            return []
        self.monitor_present = True
        return [Notice("Monitor conectado: el CP puede aceptar suministros")]

    def _check_monitor(self, now: float, mono: float) -> list[Effect]:
        if not self.monitor_present or self.last_monitor_mono is None:
            return []
        if mono - self.last_monitor_mono <= self.monitor_timeout_s:
            return []
        self.monitor_present = False
        fx: list[Effect] = [Notice(f"Monitor perdido (sin PING en {self.monitor_timeout_s:g} s): "
                                   "no se aceptan suministros", "error")]
        fx += self._drop_authorization("Monitor perdido")
        fx += self._end_supply(now, mono, "monitor_lost")
        return fx

    # ------------------------------------------------------------------------- commands
    def authorize(self, cmd: c.AuthorizeSupply, now: float, mono: float) -> list[Effect]:
        if self.supply and self.supply.record.session_id == cmd.session_id:
            return []  # redelivered: already supplying it
        if self.authorization and self.authorization.session_id == cmd.session_id:
            return []  # redelivered: already waiting for the plug
        if cmd.session_id in self.journal.recent:
            return []  # a supply that already happened
        if cmd.expires_at <= now:
            return [Notice(f"Autorización {cmd.session_id} ignorada: ya había caducado", "warn")]
        why = self.refusal()
        if why:
            return [Notice(f"Autorización {cmd.session_id} rechazada: {why}", "warn")]
        plug_at = mono + self.auto.plug_delay_s if self.auto else None
        self.authorization = _Authorization(cmd.session_id, cmd.driver_id, cmd.price_eur_kwh,
                                            cmd.max_kw, cmd.expires_at, plug_at)
        hint = (f"enchufe automático en {self.auto.plug_delay_s:g} s" if self.auto
                else "enchufe el vehículo (p)")
        return [Notice(f"Suministro AUTORIZADO: sesión {cmd.session_id}, conductor {cmd.driver_id}, "
                       f"{cmd.price_eur_kwh:.3f} €/kWh, máx {cmd.max_kw:g} kW — {hint}")]

    def cancel(self, cmd: c.CancelAuthorization, now: float, mono: float) -> list[Effect]:
        if self.authorization and self.authorization.session_id == cmd.session_id:
            self.authorization = None
            return [Notice(f"Autorización {cmd.session_id} anulada por la CENTRAL ({cmd.reason})", "warn")]
        if self.supply and self.supply.record.session_id == cmd.session_id and cmd.reason != "expired":
            # the car is already charging: an expiry raced with the plug and loses; an
            # explicit cancel or an operator stop ends the supply.
            reason = "operator_stop" if cmd.reason == "operator_stop" else "cancelled"
            return self._end_supply(now, mono, reason)
        return []

    def stop(self, cmd: c.StopSupply, now: float, mono: float) -> list[Effect]:
        if self.supply and self.supply.record.session_id == cmd.session_id:
            return [Notice(f"La CENTRAL detiene el suministro ({cmd.reason})", "warn"),
                    *self._end_supply(now, mono, cmd.reason)]
        if self.authorization and self.authorization.session_id == cmd.session_id:
            self.authorization = None
            return [Notice(f"Autorización {cmd.session_id} anulada por la CENTRAL ({cmd.reason})", "warn")]
        return []

    def set_availability(self, cmd: c.SetAvailability, now: float, mono: float) -> list[Effect]:
        if cmd.available == self.available:
            return []
        self.available = cmd.available
        if cmd.available:
            return [Notice("CP REANUDADO por el operador: disponible")]
        fx: list[Effect] = [Notice("CP PARADO por el operador (Out of Order)", "warn")]
        fx += self._drop_authorization("CP parado")
        fx += self._end_supply(now, mono, "operator_stop")
        return fx

    # ---------------------------------------------------------------------- menu actions
    def plug(self, now: float, mono: float) -> list[Effect]:
        if self.supply:
            return [Notice("El vehículo ya está enchufado y cargando")]
        auth = self.authorization
        if auth is None:
            return [Notice("No hay ninguna autorización: pida un suministro (m) o espere a la CENTRAL")]
        why = self.refusal_for_start()
        if why:
            return [Notice(f"No se puede iniciar el suministro: {why}", "warn")]
        self.authorization = None
        record = SupplyRecord(cp_id=self.cp_id, session_id=auth.session_id, driver_id=auth.driver_id,
                              started_at=now, price_eur_kwh=auth.price_eur_kwh, max_kw=auth.max_kw,
                              updated_at=now)
        meter = Meter(PowerModel(auth.max_kw, auth.price_eur_kwh, time_scale=self.time_scale), self.rng)
        self.supply = _Supply(record, meter, mono, mono + TELEMETRY_PERIOD_S)
        self.journal = JournalState(open=record, recent=self.journal.recent)
        return [SaveJournal(self.journal),
                Publish(c.SupplyStarted(self.cp_id, auth.session_id, now), f"start-{auth.session_id}"),
                Notice(f"Vehículo ENCHUFADO: suministro {auth.session_id} en curso")]

    def refusal_for_start(self) -> str | None:
        if not self.monitor_present:
            return "sin Monitor conectado"
        if self.fault:
            return "el CP está averiado (KO)"
        if not self.available:
            return "el CP está parado por el operador"
        return None

    def unplug(self, now: float, mono: float) -> list[Effect]:
        if not self.supply:
            return [Notice("No hay ningún suministro en curso")]
        return self._end_supply(now, mono, "unplugged")

    def report_ko(self, now: float, mono: float) -> list[Effect]:
        if self.fault:
            return [Notice("El CP ya está en KO")]
        self.fault = True
        fx: list[Effect] = [Notice("AVERÍA simulada: el CP responde KO al Monitor", "error")]
        fx += self._drop_authorization("avería")
        fx += self._end_supply(now, mono, "interrupted")
        return fx

    def report_ok(self) -> list[Effect]:
        if not self.fault:
            return [Notice("El CP ya está OK")]
        self.fault = False
        return [Notice("Avería resuelta: el CP responde OK al Monitor")]

    def manual_request(self, request_id: str) -> list[Effect]:
        why = self.refusal()
        if why:
            return [Notice(f"Suministro manual rechazado: {why}", "warn")]
        return [Publish(c.ManualSupplyRequested(self.cp_id, request_id), f"manual-{request_id}"),
                Notice(f"Suministro manual solicitado a la CENTRAL (petición {request_id})")]

    # ----------------------------------------------------------------------------- clock
    def tick(self, now: float, mono: float) -> list[Effect]:
        fx = self._check_monitor(now, mono)
        auth = self.authorization
        if auth is not None:
            if auth.expires_at <= now:
                self.authorization = None
                fx.append(Notice(f"Autorización {auth.session_id} caducada sin enchufar", "warn"))
            elif auth.plug_at_mono is not None and mono >= auth.plug_at_mono:
                fx += self.plug(now, mono)
                if self.authorization is auth:  # could not start: do not retry every tick
                    auth.plug_at_mono = None
        s = self.supply
        if s is not None:
            if mono >= s.next_telemetry_mono:
                fx += self._telemetry(now, mono)
                s.next_telemetry_mono = max(s.next_telemetry_mono + TELEMETRY_PERIOD_S, mono + 0.5)
            if self.auto and self.supply is s:
                if self.auto.kwh is not None:
                    done = s.record.kwh >= self.auto.kwh
                else:
                    done = mono - s.started_mono >= self.auto.duration_s
                if done:
                    fx.append(Notice("Desenchufe automático (modo demo)"))
                    fx += self._end_supply(now, mono, "unplugged")
        return fx

    def shutdown(self, now: float, mono: float) -> list[Effect]:
        """Orderly stop: a running supply is closed and reported (reason interrupted)."""
        fx = self._drop_authorization("el Engine se detiene")
        fx += self._end_supply(now, mono, "interrupted")
        return fx

    # --------------------------------------------------------------------------- helpers
    def _telemetry(self, now: float, mono: float) -> list[Effect]:
        s = self.supply
        assert s is not None
        reading = s.meter.read_at(mono - s.started_mono)
        rec = s.record
        rec = SupplyRecord(**{**rec.__dict__, "kw": reading.kw, "kwh": reading.kwh, "eur": reading.eur,
                              "seq": rec.seq + 1, "updated_at": now})
        s.record = rec
        self.journal = JournalState(open=rec, recent=self.journal.recent)
        return [SaveJournal(self.journal),
                Publish(c.Telemetry(self.cp_id, rec.session_id, rec.seq, rec.kw, rec.kwh, rec.eur),
                        f"tel-{rec.session_id}-{rec.seq}")]

    def _drop_authorization(self, why: str) -> list[Effect]:
        if self.authorization is None:
            return []
        sid = self.authorization.session_id
        self.authorization = None
        return [Notice(f"Autorización {sid} descartada: {why}", "warn")]

    def _end_supply(self, now: float, mono: float, reason: str) -> list[Effect]:
        """Last reading → telemetry → journal (finishing) → final report → journal closed."""
        if self.supply is None:
            return []
        s = self.supply
        # a last reading up to now, unless one was just taken at this very instant
        fx = self._telemetry(now, mono) if mono - s.started_mono - s.meter.reading.elapsed_s > 0.05 else []
        rec = s.record.finishing(ended_at=now, reason=reason)
        self.supply = None
        return fx + self._final_report(rec)

    def _final_report(self, rec: SupplyRecord) -> list[Effect]:
        assert rec.ended_at is not None and rec.reason is not None
        self.journal = JournalState(open=rec, recent=self.journal.recent)
        fx: list[Effect] = [SaveJournal(self.journal)]
        fx.append(Publish(c.SupplyFinished(cp_id=rec.cp_id, session_id=rec.session_id,
                                           started_at=rec.started_at, ended_at=rec.ended_at,
                                           kwh=rec.kwh, eur=rec.eur, reason=rec.reason),  # type: ignore[arg-type]
                          final_msg_id(rec.session_id)))
        self.journal = self.journal.closed(rec.session_id)
        fx.append(SaveJournal(self.journal))
        fx.append(Notice(f"Suministro {rec.session_id} FINALIZADO ({_REASON_ES.get(rec.reason, rec.reason)}): "
                         f"{rec.kwh:.4f} kWh, {rec.eur:.4f} €"))
        return fx


_REASON_ES = {
    "unplugged": "desenchufado",
    "operator_stop": "parada del operador",
    "monitor_lost": "Monitor perdido",
    "interrupted": "interrumpido",
    "cancelled": "anulado",
    "driver_stop": "detenido por el conductor",
}
