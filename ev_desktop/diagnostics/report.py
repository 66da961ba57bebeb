"""The result types of the Kafka diagnostics and the catalogue that turns them into words.

The engine (``diagnostics.py``) returns only data: every step carries a stable ``code`` and
``params`` whose values are addresses, numbers, raw error strings or nested :class:`Detail`
(another code with its params: a reason, a fact, a piece of advice). No sentence of any
language is built there.

Words are made here, by :func:`render` / :func:`render_facts` / :func:`report_text`, from the
catalogue below, whose Spanish templates are the product's source language. Each takes a
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

from ev_desktop.diagnostics.secure_text import SECURE_FRAGMENTS, SECURE_MESSAGES, SECURE_STEP_TITLES

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


#: (id, Spanish title) of every step, in execution order.
STEPS: tuple[tuple[str, str], ...] = (
    ("resolve", "Resolución de nombres"),
    ("tcp", "Conexión TCP"),
    ("tls", SECURE_STEP_TITLES["tls"]),
    ("handshake", "Saludo Kafka (ApiVersions)"),
    ("sasl", SECURE_STEP_TITLES["sasl"]),
    ("metadata", "Metadatos del clúster"),
    ("advertised", "Direcciones anunciadas"),
    ("topics", "Temas esperados"),
    ("access", SECURE_STEP_TITLES["access"]),
    ("roundtrip", "Envío y recepción de prueba"),
    ("lag", "Retraso de los consumidores"),
)
STEP_TITLES = dict(STEPS)

#: step or diagnosis code -> (explanation, next action); Spanish templates of StepResult.params.
#: "{summary}" / "{advice}" alone: the text is made of sentences (lists of Detail) chosen by the
#: engine, each translated on its own.
MESSAGES: dict[str, tuple[str, str]] = {
    "resolve.ok": ("Nombres resueltos: {summary}.", ""),
    "resolve.bad_address": (
        "La dirección «{value}» no es válida: se espera host:puerto (p. ej. pc2.local:9092).",
        "Corrija la dirección de Kafka (opción --kafka / bootstrap servers)."),
    "resolve.partial": (
        "No se puede resolver {failed}; los demás servidores sí se resuelven.",
        "Corrija o quite ese nombre de la lista de servidores de Kafka."),
    "resolve.unresolvable": (
        "No se puede resolver el nombre {failed} ({error}): nombre de máquina desconocido.",
        "Compruebe que «{failed}» está bien escrito y que el DNS o el fichero hosts de esta "
        "máquina lo conocen, o use directamente la IP del servidor de Kafka."),
    "tcp.ok": ("Conexión TCP establecida con {targets}.", ""),
    "tcp.partial": (
        "{failed} Los demás servidores sí aceptan la conexión.",
        "Revise el servidor que falla; mientras tanto se usarán los demás."),
    "tcp.refused": (
        "Conexión rechazada: no hay nada escuchando en {target} — ¿está Kafka arrancado? "
        "¿es el puerto correcto?",
        "Arranque Kafka en esa máquina (ev-kafka start) o corrija el puerto. Si Kafka escucha "
        "sólo en 127.0.0.1, arránquelo con --listen-host 0.0.0.0 para aceptar otras máquinas."),
    "tcp.timeout": (
        "Sin respuesta de {target} en {timeout_s} s: un cortafuegos descarta los paquetes o la "
        "máquina no es alcanzable.",
        "Abra el puerto {port}/TCP en el cortafuegos de la máquina de Kafka (y de la red) y "
        "compruebe que {host} es la dirección de esa máquina."),
    "tcp.unreachable": (
        "La red no tiene ruta hacia {target} ({error}).",
        "Compruebe que esta máquina está en la misma red que el servidor de Kafka (cable, "
        "Wi-Fi, VPN, IP y máscara)."),
    "tcp.error": ("No se pudo conectar con {target}: {error}.",
                  "Compruebe la dirección y la red."),
    "handshake.ok": ("{target} responde como Kafka ({api_count} APIs admitidas).", ""),
    "handshake.silent": (
        "Algo escucha en {target}, pero no contesta al protocolo Kafka en {timeout_s} s: "
        "no es Kafka (o espera TLS/SSL).",
        "Compruebe el puerto: probablemente apunta a otro servicio. Use el puerto de clientes "
        "de Kafka (listeners=PLAINTEXT, normalmente 9092)."),
    "handshake.closed": (
        "{target} aceptó la conexión y la cerró sin contestar: no es un broker Kafka (o es un "
        "puerto con TLS/SASL).",
        "Compruebe el puerto y el protocolo: use el puerto PLAINTEXT de clientes de Kafka."),
    "handshake.garbage": (
        "{target} contestó algo que no es Kafka («{preview}»): hay otro servicio en ese puerto.",
        "Corrija el puerto: apunte al puerto de clientes de Kafka (normalmente 9092)."),
    "handshake.error_code": (
        "El broker en {target} rechazó la petición ApiVersions: {error}.",
        "Compruebe la versión de Kafka (se necesita 2.x o superior)."),
    "metadata.ok": (
        "Clúster {cluster_id}, controlador {controller_id}, brokers anunciados: {brokers}.", ""),
    "metadata.failed": (
        "{target} contesta al saludo Kafka pero no a la petición de metadatos: {error}.",
        "¿Apunta al puerto del controlador KRaft en vez del de clientes? Use el puerto de "
        "clientes (listeners=PLAINTEXT)."),
    "metadata.no_brokers": (
        "El clúster no anuncia ningún broker (¿está todavía arrancando?).",
        "Espere unos segundos y pulse Repetir."),
    "advertised.ok": (
        "Todas las direcciones anunciadas son accesibles desde esta máquina: {brokers}.", ""),
    "advertised.unreachable": (
        "El broker se anuncia como {advertised}, pero esta máquina no puede alcanzar esa "
        "dirección ({reason}). Ajuste advertised.listeners en el broker a una dirección "
        "accesible desde los clientes.",
        "{advice}"),
    "advertised.loopback": (
        "El broker se anuncia como {advertised} (una dirección local) aunque usted conecta por "
        "{bootstrap_host}: desde otra máquina esa dirección apunta a ella misma.",
        "{advice}"),
    "topics.ok": ("Existen los {count} temas esperados (prefijo «{prefix}»).", ""),
    "topics.missing": (
        "Faltan {count} temas: {missing}.",
        "Arranque la Central o ejecute «ev-kafka start --topic-prefix {prefix}» para crearlos, "
        "y compruebe que todos los componentes usan el mismo prefijo de temas."),
    "topics.failed": (
        "No se pudo obtener la lista de temas a través de los brokers anunciados: {error}.",
        "Repita la comprobación; si persiste, revise los registros del broker."),
    "roundtrip.ok": (
        "Mensaje de prueba enviado y recibido en {latency_ms} ms (tema {topic}).", ""),
    "roundtrip.slow": (
        "Mensaje de prueba enviado y recibido, pero tardó {latency_ms} ms (tema {topic}).",
        "El enlace o el broker van lentos; revise la red y la carga del broker."),
    "roundtrip.produce_failed": (
        "No se pudo enviar un mensaje de prueba a {topic}: {error}.",
        "Revise los registros del broker (disco lleno, permisos/ACL, réplicas insuficientes)."),
    "roundtrip.consume_failed": (
        "El mensaje de prueba se envió (offset {offset}) pero no se recibió en {timeout_s} s.",
        "Revise los registros del broker; la lectura desde Kafka no funciona."),
    "roundtrip.failed": (
        "Falló la prueba de envío y recepción: {error}.",
        "Repita la comprobación; si persiste, revise los registros del broker."),
    "lag.ok": ("{summary}", ""),
    "lag.behind": ("{summary}", "{advice}"),
    "lag.failed": ("{summary}", "Repita la comprobación más tarde."),
    "lag.none": ("No hay ningún lector ni grupo de consumidores que comprobar.", ""),
    "skipped.after_failure": ("Omitido porque falló el paso «{step}».", ""),
    "skipped.cancelled": ("Cancelado.", ""),
    "internal.error": ("Error inesperado durante la comprobación: {error}.",
                       "Copie el informe y envíelo al equipo de soporte."),
    "ok": ("Kafka accesible y funcionando: envío y recepción en {latency_ms} ms.", ""),
    "ok.warnings": ("Kafka funciona, con avisos: {detail}", ""),
    "cancelled": ("Comprobación cancelada.", ""),
}

#: Detail code -> Spanish template: reasons, facts, the lag step's sentences, advice.
FRAGMENTS: dict[str, str] = {
    # why an address cannot be reached (param "reason" of advertised.*, facts)
    "reason.refused": "conexión rechazada",
    "reason.timeout": "sin respuesta (tiempo agotado)",
    "reason.unreachable": "la red no tiene ruta hasta esa dirección",
    "reason.unresolvable": "el nombre «{host}» no se resuelve aquí",
    "reason.error": "{error}",
    # what to do about a wrong advertised address
    "fix.advertised_configured": (
        "En el broker: advertised.listeners={protocol}://{fix_host}:{port} (con ev-kafka: "
        "--advertised-host {fix_host}) y reinícielo; «{fix_host}» es la dirección con la que "
        "esta máquina ya llega al broker."),
    "fix.advertised_local": (
        "En el broker, que es esta misma máquina: advertised.listeners={protocol}://<IP de esta "
        "máquina en la red>:{port} (con ev-kafka: --listen-host 0.0.0.0 --advertised-host <IP de "
        "esta máquina en la red>) y reinícielo."),
    "fix.advertised_resolve": (
        "O bien haga que «{host}» se resuelva en todas las máquinas (DNS o fichero hosts)."),
    # facts (the report's details and the dialog's tooltips)
    "fact.unresolvable": "no se resuelve: {error}",
    "fact.connected": "conectado a {peer} en {ms} ms",
    "fact.connect_failed": "{reason} tras {ms} ms ({error})",
    "fact.reachable": "accesible ({ms} ms)",
    "fact.unreachable": "{reason} ({error})",
    "fact.group_lag": "{lag} mensajes pendientes en {partitions} particiones",
    "fact.no_commits": "sin posiciones confirmadas todavía",
    "fact.reader_lag": "{lag} mensajes por leer",
    "fact.lag_unknown": "sin datos todavía (el lector aún no ha conectado)",
    # the lag step: is Central keeping up, is this app keeping up
    "lag.central_ok": "La CENTRAL está al día: {lag} mensajes pendientes de procesar (grupo {group}).",
    "lag.central_behind": (
        "La CENTRAL va retrasada: tiene {lag} mensajes sin procesar (grupo {group}), así que "
        "las solicitudes de carga y las órdenes tardarán en atenderse."),
    "lag.central_unknown": (
        "La CENTRAL no ha confirmado todavía ninguna lectura (grupo {group}): no ha arrancado "
        "nunca con este prefijo de temas o acaba de arrancar."),
    "lag.central_failed": "No se pudo consultar el retraso de la CENTRAL (grupo {group}): {error}.",
    "lag.readers_ok": "Esta aplicación está al día con Kafka ({readers}).",
    "lag.readers_behind": (
        "Esta aplicación va retrasada: le quedan {lag} mensajes por leer ({readers}), así que "
        "lo que ve en pantalla puede no estar actualizado."),
    "lag.readers_none": "Esta aplicación no tiene ahora ningún lector de Kafka en marcha.",
    "lag.readers_failed": "No se pudo obtener el retraso de los lectores de esta aplicación: {error}.",
    "lag.reader": "{reader}: {lag} por leer",
    "lag.reader_unknown": "{reader}: sin datos todavía",
    "lag.advice_central": (
        "Compruebe que la CENTRAL está en marcha y sin errores (su registro); si el número no "
        "baja, está parada o sobrecargada."),
    "lag.advice_app": (
        "Suele ponerse al día sola en unos segundos; si el número no baja, la red hasta Kafka "
        "es lenta o este equipo va sobrecargado: repita la comprobación y, si sigue igual, "
        "reinicie la aplicación."),
}

#: the app's readers (ids the caller's reader_lags() returns) -> Spanish name
READERS: dict[str, str] = {
    "events": "eventos en directo",
    "directory": "estado de los puntos de carga",
    "central_watch": "latido de la CENTRAL",
    "driver": "notificaciones del conductor",
}

#: StepResult.facts keys -> Spanish label (other keys are addresses or group names: verbatim)
FACT_LABELS: dict[str, str] = {
    "retries": "reintentos", "apis": "APIs admitidas", "bytes": "bytes recibidos",
    "decode_error": "error al decodificar", "cluster_id": "id del clúster",
    "controller_id": "controlador", "brokers": "brokers anunciados",
    "metadata_version": "versión de Metadata", "expected": "temas esperados",
    "missing": "temas que faltan", "topic_created": "tema de prueba creado",
    "ack_ms": "confirmación del envío (ms)", "offset": "offset",
    "latency_ms": "ida y vuelta (ms)", "start_offset": "offset inicial",
}

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
