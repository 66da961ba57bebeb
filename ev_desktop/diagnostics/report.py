"""The result types of the Kafka diagnostics and the catalogue that turns them into words.

The engine (``runner`` and its steps) returns only data: every step carries a stable ``code`` and
``params`` whose values are addresses, numbers, raw error strings or nested :class:`Detail`
(another code with its params: a reason, a fact, a piece of advice). No sentence of any
language is built there.

Words are made here, by :func:`render` / :func:`render_facts` / :func:`report_text`, from the
catalogue (templates in ``texts``), whose Spanish templates are the product's source language. Each takes a
``tr(context, source)`` function: the desktop dialog passes ``QCoreApplication.translate`` so
the texts (and the copied report) come out in the UI language; without one they are Spanish
(a CLI, a log, the tests). ``scripts/i18n_en.py`` puts every template of this catalogue into the
Qt translation file under the contexts named by ``CTX_*``. Plain Python: no Qt here either.
"""
from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from ev_desktop.diagnostics.secure_text import SECURE_FRAGMENTS, SECURE_MESSAGES
from ev_desktop.diagnostics.texts import (  # noqa: F401 - re-exported: the catalogue's home for callers
    FACT_LABELS, FRAGMENTS, MESSAGES, READERS, STEP_TITLES, STEPS,
)

#: ``tr(context, Spanish source) -> text in the UI language`` (QCoreApplication.translate fits)
Translate = Callable[[str, str], str]

CTX_STEPS = "DiagnosticsSteps"          # step titles
CTX_MESSAGES = "DiagnosticsMessages"    # MESSAGES, FRAGMENTS, READERS
CTX_REPORT = "DiagnosticsReport"        # FACT_LABELS, REPORT_TEXTS, STATUS_NAMES


def source_language(context: str, text: str) -> str:
    """The identity :data:`Translate`: the catalogue's own (Spanish) text."""
    return text


class StepStatus(str, Enum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"
    PENDING = "pending"   # only used by views before a step has run


@dataclass(frozen=True)
class Detail:
    """A piece of text as data: a catalogue code (FRAGMENTS or MESSAGES) and its params."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


#: the plain-text report's own lines
REPORT_TEXTS: dict[str, str] = {
    "title": "Diagnóstico de conexión con Kafka",
    "date": "Fecha: {date}",
    "servers": "Servidores (bootstrap): {servers}",
    "machine": "Máquina: {machine}",
    "result": "Resultado: [{code}] {text}",
    "duration": "Duración total: {ms} ms",
    "step": "{n}. {title} [{step}] — {status} ({ms} ms) código={code}",
    "action": "Qué hacer: {action}",
    "yes": "sí",
    "no": "no",
}

STATUS_NAMES: dict[StepStatus, str] = {
    StepStatus.OK: "CORRECTO", StepStatus.WARNING: "AVISO", StepStatus.FAILED: "FALLO",
    StepStatus.SKIPPED: "OMITIDO", StepStatus.PENDING: "PENDIENTE",
}

#: params whose list of Detail is a run of sentences (joined by a space, not by "; ")
_SENTENCE_PARAMS = {"summary", "advice"}


MESSAGES.update(SECURE_MESSAGES)     # TLS, SASL and authorization steps
FRAGMENTS.update(SECURE_FRAGMENTS)


def catalogue() -> dict[str, list[str]]:
    """Every Spanish source of this module, by Qt context (for scripts/i18n_en.py)."""
    return {
        CTX_STEPS: [title for _, title in STEPS],
        CTX_MESSAGES: [t for pair in MESSAGES.values() for t in pair if t]
                      + list(FRAGMENTS.values()) + list(READERS.values()),
        CTX_REPORT: list(REPORT_TEXTS.values()) + list(STATUS_NAMES.values())
                    + list(FACT_LABELS.values()),
    }


# ------------------------------------------------------------------------------ rendering

def step_title(step_id: str, tr: Translate | None = None) -> str:
    title = STEP_TITLES.get(step_id)
    return step_id if title is None else (tr or source_language)(CTX_STEPS, title)


def reader_name(reader: str, tr: Translate | None = None) -> str:
    name = READERS.get(reader)
    return reader if name is None else (tr or source_language)(CTX_MESSAGES, name)


def _value(name: str, value: Any, tr: Translate) -> Any:
    if isinstance(value, Detail):
        return render_detail(value, tr)
    if isinstance(value, (list, tuple)):
        parts = [str(_value(name, v, tr)) for v in value]
        return (" " if name in _SENTENCE_PARAMS else "; ").join(p for p in parts if p)
    if value is None:
        return "?"
    if isinstance(value, bool):
        return tr(CTX_REPORT, REPORT_TEXTS["yes" if value else "no"])
    if name == "step" and value in STEP_TITLES:
        return step_title(value, tr)
    if name == "reader":
        return reader_name(str(value), tr)
    return value


def _format(template: str, params: Mapping[str, Any], tr: Translate, code: str) -> str:
    values = {"code": code, **{k: _value(k, v, tr) for k, v in params.items()}}
    return tr(CTX_MESSAGES, template).format(**values)


def render_detail(detail: Detail, tr: Translate | None = None) -> str:
    """One Detail in words (a FRAGMENTS template, or a MESSAGES code's explanation)."""
    tr = tr or source_language
    template = FRAGMENTS.get(detail.code)
    if template is None:
        template = MESSAGES.get(detail.code, ("{code}", ""))[0]
    try:
        return _format(template, detail.params, tr, detail.code)
    except (KeyError, IndexError, ValueError):
        return f"{detail.code}: {detail.params}"


def render(code: str, params: Mapping[str, Any], tr: Translate | None = None) -> tuple[str, str]:
    """(explanation, next action) of a step or diagnosis *code*; never raises."""
    tr = tr or source_language
    explanation, action = MESSAGES.get(code, ("{code}", ""))
    try:
        return (_format(explanation, params, tr, code),
                _format(action, params, tr, code) if action else "")
    except (KeyError, IndexError, ValueError):
        return f"{code}: {dict(params)}", ""


def render_fact(key: str, value: Any, tr: Translate | None = None) -> tuple[str, str]:
    """(label, value) of one entry of StepResult.facts, in words."""
    tr = tr or source_language
    if key in FACT_LABELS:
        label = tr(CTX_REPORT, FACT_LABELS[key])
    else:
        label = reader_name(key, tr)
    return label, str(_value(key, value, tr))


def render_facts(facts: Mapping[str, Any], tr: Translate | None = None) -> list[tuple[str, str]]:
    return [render_fact(k, v, tr) for k, v in facts.items()]


# ------------------------------------------------------------------------------- results

@dataclass(frozen=True)
class StepResult:
    id: str
    status: StepStatus
    code: str                     # stable: what happened
    params: dict[str, Any]        # data for the code's templates (no words)
    duration_ms: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)   # technical details (no words)

    @property
    def title(self) -> str:
        """Spanish (source language) title; a UI uses ``step_title(id, tr)``."""
        return STEP_TITLES.get(self.id, self.id)

    def render(self, tr: Translate | None = None) -> tuple[str, str]:
        return render(self.code, self.params, tr)

    @property
    def explanation(self) -> str:
        """In the source language (Spanish): for logs, a CLI and tests."""
        return self.render()[0]

    @property
    def action(self) -> str:
        return self.render()[1]


@dataclass(frozen=True)
class Diagnosis:
    code: str          # "ok", "ok.warnings", "cancelled" or the decisive step's code
    params: dict[str, Any] = field(default_factory=dict)
    step_id: str | None = None

    def render(self, tr: Translate | None = None) -> str:
        return render(self.code, self.params, tr)[0]

    @property
    def text(self) -> str:
        """One line, in the source language (Spanish)."""
        return self.render()


@dataclass
class DiagnosticsReport:
    bootstrap_servers: str
    started_at: datetime
    steps: list[StepResult]
    diagnosis: Diagnosis
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.diagnosis.code in ("ok", "ok.no_roundtrip")

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)

    def as_text(self, tr: Translate | None = None) -> str:
        """The plain-text report behind "Copiar informe", in *tr*'s language."""
        return report_text(self, tr)


def report_text(report: DiagnosticsReport, tr: Translate | None = None) -> str:
    tr = tr or source_language

    def line(key: str, **values: Any) -> str:
        return tr(CTX_REPORT, REPORT_TEXTS[key]).format(**values)

    lines = [
        line("title"),
        line("date", date=report.started_at.isoformat(timespec="seconds")),
        line("servers", servers=report.bootstrap_servers),
        line("machine", machine=socket.gethostname()),
        line("result", code=report.diagnosis.code, text=report.diagnosis.render(tr)),
        line("duration", ms=f"{report.duration_ms:.0f}"),
        "",
    ]
    for n, s in enumerate(report.steps, 1):
        explanation, action = s.render(tr)
        lines.append(line("step", n=n, title=step_title(s.id, tr), step=s.id,
                          status=tr(CTX_REPORT, STATUS_NAMES[s.status]),
                          ms=f"{s.duration_ms:.0f}", code=s.code))
        lines.append(f"   {explanation}")
        if action:
            lines.append("   " + line("action", action=action))
        for label, value in render_facts(s.facts, tr):
            lines.append(f"   - {label}: {value}")
    return "\n".join(lines) + "\n"
