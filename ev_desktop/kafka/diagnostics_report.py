"""The result types and the user-facing texts of the Kafka diagnostics.

Kept apart from the probing code (``diagnostics.py``) so that a view, a report or a
translation file can use them without pulling in sockets or Kafka clients. Every text has a
stable ``code``; the Spanish sentences here are the product's default language.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

class StepStatus(str, Enum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"
    PENDING = "pending"   # only used by views before a step has run


#: (id, Spanish title) of every step, in execution order.
STEPS: tuple[tuple[str, str], ...] = (
    ("resolve", "Resolución de nombres"),
    ("tcp", "Conexión TCP"),
    ("handshake", "Saludo Kafka (ApiVersions)"),
    ("metadata", "Metadatos del clúster"),
    ("advertised", "Direcciones anunciadas"),
    ("topics", "Temas esperados"),
    ("roundtrip", "Envío y recepción de prueba"),
    ("lag", "Retraso de los consumidores"),
)
STEP_TITLES = dict(STEPS)

#: code -> (explanation, next action); Spanish templates formatted with StepResult.params.
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
        "Compruebe que el nombre está bien escrito y que el DNS o el fichero hosts de esta "
        "máquina lo conocen, o use directamente la IP del servidor de Kafka (p. ej. la IP de PC2)."),
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
        "compruebe que la IP es la correcta."),
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
        "{target} contestó algo que no es Kafka ({preview}): hay otro servicio en ese puerto.",
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
        "accesible desde los clientes (p. ej. la IP de PC2).",
        "En el broker: advertised.listeners=PLAINTEXT://<IP de PC2>:{port} (con ev-kafka: "
        "--advertised-host <IP de PC2>) y reinícielo."),
    "advertised.loopback": (
        "El broker se anuncia como {advertised} (una dirección local) aunque usted conecta por "
        "{bootstrap_host}: desde otra máquina esa dirección apunta a ella misma.",
        "En el broker: advertised.listeners=PLAINTEXT://<IP de PC2>:{port} (con ev-kafka: "
        "--advertised-host <IP de PC2>) y reinícielo."),
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
    "lag.ok": ("Retraso de los consumidores: {summary}.", ""),
    "lag.behind": (
        "Hay mensajes pendientes de leer: {summary}.",
        "Si no baja, el consumidor de la aplicación está parado o es lento; revise el "
        "indicador de estado y los registros."),
    "lag.failed": ("No se pudo consultar el retraso de los consumidores: {error}.",
                   "Repita la comprobación más tarde."),
    "lag.none": ("No se indicó ningún grupo de consumidores.", ""),
    "skipped.after_failure": ("Omitido porque falló el paso «{step}».", ""),
    "skipped.cancelled": ("Cancelado.", ""),
    "internal.error": ("Error inesperado durante la comprobación: {error}.",
                       "Copie el informe y envíelo al equipo de soporte."),
    "ok": ("Kafka accesible y funcionando: envío y recepción en {latency_ms} ms.", ""),
    "ok.warnings": ("Kafka funciona, con avisos: {detail}", ""),
    "cancelled": ("Comprobación cancelada.", ""),
}


def render(code: str, params: dict[str, Any]) -> tuple[str, str]:
    """Spanish (explanation, next action) for *code*; never raises."""
    explanation, action = MESSAGES.get(code, ("{code}", ""))
    try:
        return explanation.format(code=code, **params), action.format(code=code, **params)
    except (KeyError, IndexError, ValueError):
        return f"{code}: {params}", action


@dataclass(frozen=True)
class StepResult:
    id: str
    status: StepStatus
    code: str                     # stable: a view may translate MESSAGES[code] itself
    params: dict[str, Any]        # values for the message templates
    explanation: str              # Spanish, plain words
    action: str                   # Spanish next step for the user ("" when nothing to do)
    duration_ms: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return STEP_TITLES.get(self.id, self.id)


@dataclass(frozen=True)
class Diagnosis:
    code: str          # "ok", "ok.warnings", "cancelled" or the decisive step's code
    text: str          # one line, Spanish
    step_id: str | None = None


@dataclass
class DiagnosticsReport:
    bootstrap_servers: str
    started_at: datetime
    steps: list[StepResult]
    diagnosis: Diagnosis
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.diagnosis.code == "ok"

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)

    def as_text(self) -> str:
        """The plain-text report behind "Copiar informe"."""
        lines = [
            "Diagnóstico de conexión con Kafka",
            f"Fecha: {self.started_at.isoformat(timespec='seconds')}",
            f"Servidores (bootstrap): {self.bootstrap_servers}",
            f"Máquina: {socket.gethostname()}",
            f"Resultado: [{self.diagnosis.code}] {self.diagnosis.text}",
            f"Duración total: {self.duration_ms:.0f} ms",
            "",
        ]
        for n, s in enumerate(self.steps, 1):
            lines.append(f"{n}. {s.title} [{s.id}] — {s.status.value.upper()} "
                         f"({s.duration_ms:.0f} ms) código={s.code}")
            lines.append(f"   {s.explanation}")
            if s.action:
                lines.append(f"   Qué hacer: {s.action}")
            for key, value in s.facts.items():
                lines.append(f"   - {key}: {value}")
        return "\n".join(lines) + "\n"
