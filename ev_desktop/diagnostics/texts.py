"""Spanish templates of the diagnostics: step titles, messages, fragments, reader names, fact labels.

The product's source language; ``report`` renders them (through ``tr`` for the UI language)
and merges the secure-link steps' own templates (``secure_text``) into ``MESSAGES`` and
``FRAGMENTS``. English lives in scripts/i18n_en.py. Data only.
"""
from __future__ import annotations

from ev_desktop.diagnostics.secure_text import SECURE_STEP_TITLES

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
