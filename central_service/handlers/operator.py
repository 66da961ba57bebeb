"""Operator commands (stop / resume one CP or all), obeyed only for a signed-in operator.

Why a module of its own: anyone who can write to the topic can send a command, so the
authorization (a live session of that operator) sits next to the only code that obeys it.
"""
from __future__ import annotations

import logging

from ev_common import contract as c
from central_service.handlers.state import CentralState, _short

log = logging.getLogger("central")  # the one logger of Central's application, as before the split


class OperatorCommands(CentralState):
    """Stop / resume commands of a signed-in operator."""

    def _operator_refusal(self, m: c.OperatorCommand) -> str | None:
        """Why *m* must not be obeyed (None: it comes from a signed-in operator). Anyone who can
        write to the topic can send a command, so only a live session of that operator counts."""
        if self._principal is None:
            return "no valid operator session (not signed in, signed out or expired)"
        if self._principal != m.operator:
            return f"session of operator {_short(self._principal)}"
        return None

    def _on_operator_command(self, m: c.OperatorCommand) -> list[c.Payload]:
        why = self._operator_refusal(m)
        if why is not None:
            what = f"operator command {m.action} cp={_short(m.cp_id)} from operator={_short(m.operator)}: {why}"
            self.store.log_event("operator_unauthorized", what)
            return self._reject("operator_unauthorized", what)
        if m.cp_id == "*":
            targets = list(self.cps.values())
        else:
            cp = self._cp_or_reject(m.cp_id, "operator_command")
            targets = [cp] if cp else []
        effects: list[c.Payload] = []
        for cp in targets:
            if m.action == "stop":
                effects += self._apply(cp, "operator_stop", cp.operator_stop)
            else:
                effects += self._apply(cp, "operator_resume", cp.operator_resume)
            self.store.log_event(f"operator_{m.action}", m.operator, cp_id=cp.cp_id)
        log.info("operator %s %s cp=%s (%d CPs)", m.operator, m.action, m.cp_id, len(targets))
        return effects
