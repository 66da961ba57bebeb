"""English for the connectivity diagnostics' catalogue (step titles, message templates and the
copied report's words), used by scripts/i18n_en.py. Data only."""
from __future__ import annotations

# The diagnostics engine's step titles and message templates (ev_desktop/diagnostics/texts.py, rendered by report.py)
# reach Qt as variables, so lupdate cannot see them: i18n_en.py main() adds them to the .ts file itself, in
# the contexts the dialog translates them in. Placeholders must stay as in the Spanish template.
EN_DIAG_STEPS: dict[str, str] = {
    "Resolución de nombres": "Name resolution", "Conexión TCP": "TCP connection",
    "Saludo Kafka (ApiVersions)": "Kafka handshake (ApiVersions)", "Metadatos del clúster": "Cluster metadata",
    "Direcciones anunciadas": "Advertised addresses", "Temas esperados": "Expected topics",
    "Envío y recepción de prueba": "Test send and receive", "Retraso de los consumidores": "Consumer lag",
}
EN_DIAG_MESSAGES: dict[str, str] = {
    "Nombres resueltos: {summary}.": "Names resolved: {summary}.",
    "La dirección «{value}» no es válida: se espera host:puerto (p. ej. pc2.local:9092).":
        "The address “{value}” is not valid: host:port expected (e.g. pc2.local:9092).",
    "Corrija la dirección de Kafka (opción --kafka / bootstrap servers).":
        "Correct the Kafka address (option --kafka / bootstrap servers).",
    "No se puede resolver {failed}; los demás servidores sí se resuelven.":
        "Cannot resolve {failed}; the other servers do resolve.",
    "Corrija o quite ese nombre de la lista de servidores de Kafka.":
        "Correct that name or remove it from the list of Kafka servers.",
    "No se puede resolver el nombre {failed} ({error}): nombre de máquina desconocido.":
        "Cannot resolve the name {failed} ({error}): unknown host name.",
    "Compruebe que «{failed}» está bien escrito y que el DNS o el fichero hosts de esta máquina lo conocen, "
    "o use directamente la IP del servidor de Kafka.":
        "Check that “{failed}” is spelt right and that this machine's DNS or hosts file knows it, or use "
        "the Kafka server's IP address directly.",
    "Conexión TCP establecida con {targets}.": "TCP connection established with {targets}.",
    "{failed} Los demás servidores sí aceptan la conexión.": "{failed} The other servers do accept the connection.",
    "Revise el servidor que falla; mientras tanto se usarán los demás.":
        "Check the failing server; the others are used meanwhile.",
    "Conexión rechazada: no hay nada escuchando en {target} — ¿está Kafka arrancado? ¿es el puerto correcto?":
        "Connection refused: nothing is listening on {target} — is Kafka running? Is it the right port?",
    "Arranque Kafka en esa máquina (ev-kafka start) o corrija el puerto. Si Kafka escucha sólo en 127.0.0.1, "
    "arránquelo con --listen-host 0.0.0.0 para aceptar otras máquinas.":
        "Start Kafka on that machine (ev-kafka start) or correct the port. If Kafka listens on 127.0.0.1 "
        "only, start it with --listen-host 0.0.0.0 to accept other machines.",
    "Sin respuesta de {target} en {timeout_s} s: un cortafuegos descarta los paquetes o la máquina no es alcanzable.":
        "No answer from {target} within {timeout_s} s: a firewall drops the packets or the machine cannot be reached.",
    "Abra el puerto {port}/TCP en el cortafuegos de la máquina de Kafka (y de la red) y compruebe que {host} es "
    "la dirección de esa máquina.":
        "Open port {port}/TCP in the firewall of the Kafka machine (and of the network) and check that {host} is "
        "that machine's address.",
    "La red no tiene ruta hacia {target} ({error}).": "The network has no route to {target} ({error}).",
    "Compruebe que esta máquina está en la misma red que el servidor de Kafka (cable, Wi-Fi, VPN, IP y máscara).":
        "Check that this machine is on the same network as the Kafka server (cable, Wi-Fi, VPN, IP and netmask).",
    "No se pudo conectar con {target}: {error}.": "Could not connect to {target}: {error}.",
    "Compruebe la dirección y la red.": "Check the address and the network.",
    "{target} responde como Kafka ({api_count} APIs admitidas).": "{target} answers as Kafka ({api_count} APIs supported).",
    "Algo escucha en {target}, pero no contesta al protocolo Kafka en {timeout_s} s: no es Kafka (o espera TLS/SSL).":
        "Something listens on {target} but does not answer the Kafka protocol within {timeout_s} s: it is not "
        "Kafka (or it expects TLS/SSL).",
    "Compruebe el puerto: probablemente apunta a otro servicio. Use el puerto de clientes de Kafka "
    "(listeners=PLAINTEXT, normalmente 9092).":
        "Check the port: it probably points to another service. Use Kafka's client port "
        "(listeners=PLAINTEXT, usually 9092).",
    "{target} aceptó la conexión y la cerró sin contestar: no es un broker Kafka (o es un puerto con TLS/SASL).":
        "{target} accepted the connection and closed it without answering: it is not a Kafka broker (or the "
        "port uses TLS/SASL).",
    "Compruebe el puerto y el protocolo: use el puerto PLAINTEXT de clientes de Kafka.":
        "Check the port and the protocol: use Kafka's PLAINTEXT client port.",
    "{target} contestó algo que no es Kafka («{preview}»): hay otro servicio en ese puerto.":
        "{target} answered something that is not Kafka (“{preview}”): another service is on that port.",
    "Corrija el puerto: apunte al puerto de clientes de Kafka (normalmente 9092).":
        "Correct the port: point to Kafka's client port (usually 9092).",
    "El broker en {target} rechazó la petición ApiVersions: {error}.":
        "The broker at {target} rejected the ApiVersions request: {error}.",
    "Compruebe la versión de Kafka (se necesita 2.x o superior).": "Check the Kafka version (2.x or later is needed).",
    "Clúster {cluster_id}, controlador {controller_id}, brokers anunciados: {brokers}.":
        "Cluster {cluster_id}, controller {controller_id}, advertised brokers: {brokers}.",
    "{target} contesta al saludo Kafka pero no a la petición de metadatos: {error}.":
        "{target} answers the Kafka handshake but not the metadata request: {error}.",
    "¿Apunta al puerto del controlador KRaft en vez del de clientes? Use el puerto de clientes (listeners=PLAINTEXT).":
        "Does it point to the KRaft controller port instead of the client port? Use the client port "
        "(listeners=PLAINTEXT).",
    "El clúster no anuncia ningún broker (¿está todavía arrancando?).":
        "The cluster advertises no broker (is it still starting?).",
    "Espere unos segundos y pulse Repetir.": "Wait a few seconds and press Run again.",
    "Todas las direcciones anunciadas son accesibles desde esta máquina: {brokers}.":
        "Every advertised address can be reached from this machine: {brokers}.",
    "El broker se anuncia como {advertised}, pero esta máquina no puede alcanzar esa dirección ({reason}). "
    "Ajuste advertised.listeners en el broker a una dirección accesible desde los clientes.":
        "The broker advertises itself as {advertised}, but this machine cannot reach that address ({reason}). "
        "Set advertised.listeners on the broker to an address the clients can reach.",
    "{advice}": "{advice}", "{summary}": "{summary}",
    "El broker se anuncia como {advertised} (una dirección local) aunque usted conecta por {bootstrap_host}: "
    "desde otra máquina esa dirección apunta a ella misma.":
        "The broker advertises itself as {advertised} (a local address) although you connect through "
        "{bootstrap_host}: from another machine that address points to that machine itself.",
    "Existen los {count} temas esperados (prefijo «{prefix}»).": "All {count} expected topics exist (prefix “{prefix}”).",
    "Faltan {count} temas: {missing}.": "{count} topics are missing: {missing}.",
    "Arranque la Central o ejecute «ev-kafka start --topic-prefix {prefix}» para crearlos, y compruebe que "
    "todos los componentes usan el mismo prefijo de temas.":
        "Start Central or run “ev-kafka start --topic-prefix {prefix}” to create them, and check that every "
        "component uses the same topic prefix.",
    "No se pudo obtener la lista de temas a través de los brokers anunciados: {error}.":
        "Could not get the list of topics through the advertised brokers: {error}.",
    "Repita la comprobación; si persiste, revise los registros del broker.":
        "Run the check again; if it persists, look at the broker's logs.",
    "Mensaje de prueba enviado y recibido en {latency_ms} ms (tema {topic}).":
        "Test message sent and received in {latency_ms} ms (topic {topic}).",
    "Mensaje de prueba enviado y recibido, pero tardó {latency_ms} ms (tema {topic}).":
        "Test message sent and received, but it took {latency_ms} ms (topic {topic}).",
    "El enlace o el broker van lentos; revise la red y la carga del broker.":
        "The link or the broker is slow; check the network and the broker's load.",
    "No se pudo enviar un mensaje de prueba a {topic}: {error}.": "Could not send a test message to {topic}: {error}.",
    "Revise los registros del broker (disco lleno, permisos/ACL, réplicas insuficientes).":
        "Look at the broker's logs (disk full, permissions/ACL, not enough replicas).",
    "El mensaje de prueba se envió (offset {offset}) pero no se recibió en {timeout_s} s.":
        "The test message was sent (offset {offset}) but not received within {timeout_s} s.",
    "Revise los registros del broker; la lectura desde Kafka no funciona.":
        "Look at the broker's logs; reading from Kafka does not work.",
    "Falló la prueba de envío y recepción: {error}.": "The send-and-receive test failed: {error}.",
    "Repita la comprobación más tarde.": "Run the check again later.",
    "No hay ningún lector ni grupo de consumidores que comprobar.": "There is no reader and no consumer group to check.",
    "Omitido porque falló el paso «{step}».": "Skipped because the step “{step}” failed.",
    "Cancelado.": "Cancelled.",
    "Error inesperado durante la comprobación: {error}.": "Unexpected error during the check: {error}.",
    "Copie el informe y envíelo al equipo de soporte.": "Copy the report and send it to the support team.",
    "Kafka accesible y funcionando: envío y recepción en {latency_ms} ms.":
        "Kafka reachable and working: send and receive in {latency_ms} ms.",
    "Kafka funciona, con avisos: {detail}": "Kafka works, with warnings: {detail}",
    "Comprobación cancelada.": "Check cancelled.",
    # report.FRAGMENTS: reasons, facts, the lag step's sentences, advice
    "conexión rechazada": "connection refused", "sin respuesta (tiempo agotado)": "no answer (timed out)",
    "la red no tiene ruta hasta esa dirección": "the network has no route to that address",
    "el nombre «{host}» no se resuelve aquí": "the name “{host}” does not resolve here", "{error}": "{error}",
    "En el broker: advertised.listeners={protocol}://{fix_host}:{port} (con ev-kafka: --advertised-host {fix_host}) "
    "y reinícielo; «{fix_host}» es la dirección con la que esta máquina ya llega al broker.":
        "On the broker: advertised.listeners={protocol}://{fix_host}:{port} (with ev-kafka: --advertised-host "
        "{fix_host}) and restart it; “{fix_host}” is the address this machine already reaches the broker by.",
    "En el broker, que es esta misma máquina: advertised.listeners={protocol}://<IP de esta máquina en la red>:{port} "
    "(con ev-kafka: --listen-host 0.0.0.0 --advertised-host <IP de esta máquina en la red>) y reinícielo.":
        "On the broker, which is this very machine: advertised.listeners={protocol}://<this machine's network IP>:{port} "
        "(with ev-kafka: --listen-host 0.0.0.0 --advertised-host <this machine's network IP>) and restart it.",
    "O bien haga que «{host}» se resuelva en todas las máquinas (DNS o fichero hosts).":
        "Or make “{host}” resolve on every machine (DNS or hosts file).",
    "no se resuelve: {error}": "does not resolve: {error}", "conectado a {peer} en {ms} ms": "connected to {peer} in {ms} ms",
    "{reason} tras {ms} ms ({error})": "{reason} after {ms} ms ({error})", "accesible ({ms} ms)": "reachable ({ms} ms)",
    "{reason} ({error})": "{reason} ({error})",
    "{lag} mensajes pendientes en {partitions} particiones": "{lag} messages waiting in {partitions} partitions",
    "sin posiciones confirmadas todavía": "no committed positions yet", "{lag} mensajes por leer": "{lag} messages to read",
    "sin datos todavía (el lector aún no ha conectado)": "no data yet (the reader has not connected yet)",
    "La CENTRAL está al día: {lag} mensajes pendientes de procesar (grupo {group}).":
        "CENTRAL is keeping up: {lag} messages waiting to be processed (group {group}).",
    "La CENTRAL va retrasada: tiene {lag} mensajes sin procesar (grupo {group}), así que las solicitudes de carga y "
    "las órdenes tardarán en atenderse.":
        "CENTRAL is behind: it has {lag} messages not processed yet (group {group}), so charge requests and "
        "commands will be handled late.",
    "La CENTRAL no ha confirmado todavía ninguna lectura (grupo {group}): no ha arrancado nunca con este prefijo de "
    "temas o acaba de arrancar.":
        "CENTRAL has not confirmed any read yet (group {group}): it has never run with this topic prefix or it "
        "has just started.",
    "No se pudo consultar el retraso de la CENTRAL (grupo {group}): {error}.":
        "Could not query how far behind CENTRAL is (group {group}): {error}.",
    "Esta aplicación está al día con Kafka ({readers}).": "This app is up to date with Kafka ({readers}).",
    "Esta aplicación va retrasada: le quedan {lag} mensajes por leer ({readers}), así que lo que ve en pantalla "
    "puede no estar actualizado.":
        "This app is behind: it still has {lag} messages to read ({readers}), so what you see on screen may be "
        "out of date.",
    "Esta aplicación no tiene ahora ningún lector de Kafka en marcha.": "This app has no Kafka reader running right now.",
    "No se pudo obtener el retraso de los lectores de esta aplicación: {error}.":
        "Could not get how far behind this app's readers are: {error}.",
    "{reader}: {lag} por leer": "{reader}: {lag} to read", "{reader}: sin datos todavía": "{reader}: no data yet",
    "Compruebe que la CENTRAL está en marcha y sin errores (su registro); si el número no baja, está parada o "
    "sobrecargada.":
        "Check that CENTRAL is running without errors (its log); if the number does not go down, it is stopped "
        "or overloaded.",
    "Suele ponerse al día sola en unos segundos; si el número no baja, la red hasta Kafka es lenta o este equipo va "
    "sobrecargado: repita la comprobación y, si sigue igual, reinicie la aplicación.":
        "It usually catches up by itself within seconds; if the number does not go down, the network to Kafka is "
        "slow or this computer is overloaded: run the check again and, if nothing changes, restart the app.",
    # report.READERS: this app's own readers
    "eventos en directo": "live events", "estado de los puntos de carga": "charging point states",
    "latido de la CENTRAL": "CENTRAL heartbeat", "notificaciones del conductor": "driver notifications",
}
# report.REPORT_TEXTS / STATUS_NAMES / FACT_LABELS: the copied report's own words
EN_DIAG_REPORT: dict[str, str] = {
    "Diagnóstico de conexión con Kafka": "Kafka connection diagnostics", "Fecha: {date}": "Date: {date}",
    "Servidores (bootstrap): {servers}": "Servers (bootstrap): {servers}", "Máquina: {machine}": "Machine: {machine}",
    "Resultado: [{code}] {text}": "Result: [{code}] {text}", "Duración total: {ms} ms": "Total duration: {ms} ms",
    "{n}. {title} [{step}] — {status} ({ms} ms) código={code}": "{n}. {title} [{step}] — {status} ({ms} ms) code={code}",
    "Qué hacer: {action}": "What to do: {action}", "sí": "yes", "no": "no",
    "CORRECTO": "OK", "AVISO": "WARNING", "FALLO": "FAILED", "OMITIDO": "SKIPPED", "PENDIENTE": "PENDING",
    "reintentos": "retries", "APIs admitidas": "supported APIs", "bytes recibidos": "bytes received",
    "error al decodificar": "decoding error", "id del clúster": "cluster id", "controlador": "controller",
    "brokers anunciados": "advertised brokers", "versión de Metadata": "Metadata version",
    "temas esperados": "expected topics", "temas que faltan": "missing topics",
    "tema de prueba creado": "test topic created", "confirmación del envío (ms)": "send acknowledged (ms)",
    "offset": "offset", "ida y vuelta (ms)": "round trip (ms)", "offset inicial": "start offset",
}


# The secure-link diagnostics steps (ev_desktop/diagnostics/secure_text.py)
EN_DIAG_STEPS.update({
    "Cifrado (TLS) y certificado": "Encryption (TLS) and certificate",
    "Autenticación (SASL/SCRAM)": "Authentication (SASL/SCRAM)",
    "Permisos sobre los temas": "Topic permissions",
})
EN_DIAG_MESSAGES.update({
    "Conexión cifrada con {target}; certificado de «{subject}» válido hasta el {not_after}, firmado por la autoridad de confianza.":
        "Encrypted connection to {target}; certificate of “{subject}” valid until {not_after}, signed by the trusted authority.",
    "El certificado de Kafka caduca pronto (el {not_after}).": "Kafka's certificate expires soon ({not_after}).",
    "Pida al administrador que renueve el certificado del broker (ev-kafka start lo renueva al reiniciar si faltan menos de 30 días).":
        "Ask the administrator to renew the broker's certificate (ev-kafka start renews it on restart when less than 30 days are left).",
    "La conexión con Kafka NO está cifrada ni autenticada (modo sin cifrar): cualquiera en la red puede leer y escribir los temas.":
        "The connection to Kafka is NOT encrypted nor authenticated (plain-text mode): anyone on the network can read and write the topics.",
    "Use el modo seguro: indique el fichero de credenciales de este programa (--kafka-credentials o EV_KAFKA_CREDENTIALS).":
        "Use the secure mode: give this program its credentials file (--kafka-credentials or EV_KAFKA_CREDENTIALS).",
    "Kafka en {target} exige conexión cifrada (TLS), pero este programa está configurado sin cifrar y sin credenciales.":
        "Kafka at {target} requires an encrypted (TLS) connection, but this program is configured without encryption or credentials.",
    "Indique el fichero de credenciales que le dio el administrador (--kafka-credentials FICHERO o EV_KAFKA_CREDENTIALS); ev-kafka start los deja en <datos de kafka>/clients/.":
        "Give the credentials file the administrator gave you (--kafka-credentials FILE or EV_KAFKA_CREDENTIALS); ev-kafka start writes them to <kafka data>/clients/.",
    "No se encuentra el certificado de la autoridad de confianza {ca_file}.": "The trusted authority's certificate {ca_file} is not found.",
    "Copie el fichero ca.pem del servidor de Kafka a esta máquina y corrija ca_file en el fichero de credenciales.":
        "Copy the Kafka server's ca.pem to this machine and correct ca_file in the credentials file.",
    "El certificado de {target} no está firmado por la autoridad en la que confía este programa ({ca_file}): puede ser otro servidor haciéndose pasar por Kafka, o un ca.pem equivocado.":
        "The certificate of {target} is not signed by the authority this program trusts ({ca_file}): it may be another server posing as Kafka, or a wrong ca.pem.",
    "Copie el ca.pem del servidor de Kafka de esta instalación y apúntelo en ca_file. No continúe si no sabe quién ha cambiado el certificado.":
        "Copy this installation's Kafka ca.pem and point ca_file at it. Do not go on if you do not know who changed the certificate.",
    "El certificado de {target} está caducado (válido hasta el {not_after}).": "The certificate of {target} has expired (valid until {not_after}).",
    "Pida al administrador que renueve el certificado (reiniciar ev-kafka start lo renueva) y compruebe la fecha y hora de esta máquina.":
        "Ask the administrator to renew the certificate (restarting ev-kafka start renews it) and check this machine's date and time.",
    "El certificado de {target} todavía no es válido (desde el {not_before}): la fecha y hora de esta máquina o del servidor están mal.":
        "The certificate of {target} is not valid yet (from {not_before}): the date and time of this machine or of the server are wrong.",
    "Corrija el reloj de esta máquina (o el del servidor).": "Correct this machine's clock (or the server's).",
    "Usted conecta a «{host}», pero el certificado de Kafka sólo vale para: {hosts}.":
        "You connect to “{host}”, but Kafka's certificate is only valid for: {hosts}.",
    "Use en la dirección de Kafka uno de esos nombres, o pida al administrador que arranque Kafka con --advertised-host {host} (el certificado se rehace con ese nombre).":
        "Use one of those names in the Kafka address, or ask the administrator to start Kafka with --advertised-host {host} (the certificate is remade with that name).",
    "{target} cerró la conexión durante el saludo TLS: ese Kafka funciona sin cifrar (o no es Kafka).":
        "{target} closed the connection during the TLS handshake: that Kafka runs without encryption (or it is not Kafka).",
    "Pida al administrador que use el modo seguro (ev-kafka start sin --plaintext) o, sólo en una red de confianza, configure este programa con --kafka-plaintext.":
        "Ask the administrator to use the secure mode (ev-kafka start without --plaintext) or, on a trusted network only, configure this program with --kafka-plaintext.",
    "{target} no contesta al saludo TLS en {timeout_s} s.": "{target} does not answer the TLS handshake within {timeout_s} s.",
    "Compruebe el puerto: debe ser el de clientes de Kafka.": "Check the port: it must be Kafka's client port.",
    "El saludo TLS con {target} falló: {error}.": "The TLS handshake with {target} failed: {error}.",
    "Compruebe la versión de TLS y el certificado del broker.": "Check the TLS version and the broker's certificate.",
    "Autenticado como «{user}» con {mechanism}; el servidor también demostró conocer la clave.":
        "Authenticated as “{user}” with {mechanism}; the server proved it knows the key too.",
    "Sin autenticación (modo sin cifrar).": "No authentication (plain-text mode).",
    "Kafka no admite el método de autenticación {mechanism}; admite: {enabled}.":
        "Kafka does not accept the authentication method {mechanism}; it accepts: {enabled}.",
    "Corrija sasl_mechanism en el fichero de credenciales (este sistema usa SCRAM-SHA-512) o pida al administrador que lo active.":
        "Correct sasl_mechanism in the credentials file (this system uses SCRAM-SHA-512) or ask the administrator to enable it.",
    "Kafka rechaza el usuario «{user}» o su contraseña.": "Kafka refuses the user “{user}” or its password.",
    "Pida al administrador un fichero de credenciales vigente (ev-kafka rotate-user {user} crea uno nuevo) y apúntelo con --kafka-credentials.":
        "Ask the administrator for a current credentials file (ev-kafka rotate-user {user} makes a new one) and point --kafka-credentials at it.",
    "El servidor no demostró conocer la clave de «{user}»: podría no ser nuestro Kafka.":
        "The server did not prove it knows the key of “{user}”: it might not be our Kafka.",
    "No continúe; avise al administrador.": "Do not go on; tell the administrator.",
    "{target} cerró la conexión durante la autenticación: {error}.": "{target} closed the connection during authentication: {error}.",
    "Compruebe que el puerto es el de clientes con SASL_SSL.": "Check that the port is the SASL_SSL client port.",
    "El usuario «{principal}» tiene los permisos que necesita en los {count} temas de su papel.":
        "The user “{principal}” has the permissions it needs on the {count} topics of its role.",
    "El usuario «{principal}» es administrador: puede usar todos los temas.": "The user “{principal}” is an administrator: it may use every topic.",
    "El usuario «{principal}» no es uno de los papeles conocidos: no se comprueban sus permisos.":
        "The user “{principal}” is not one of the known roles: its permissions are not checked.",
    "Este programa (usuario «{principal}») no tiene permiso para: {denied}.": "This program (user “{principal}”) may not: {denied}.",
    "Pida al administrador que conceda los permisos del prefijo: «ev-kafka grant --topic-prefix {prefix}», o compruebe que este programa usa las credenciales de su papel.":
        "Ask the administrator to grant the prefix's permissions: “ev-kafka grant --topic-prefix {prefix}”, or check that this program uses its role's credentials.",
    "No se pudieron consultar los permisos: {error}.": "The permissions could not be queried: {error}.",
    "Kafka accesible: conexión cifrada, autenticada y con los permisos de este programa (sin prueba de envío).":
        "Kafka reachable: encrypted, authenticated and with this program's permissions (no test send).",
    "La prueba de envío usa un tema propio que sólo el administrador puede crear; se omite con las credenciales de «{principal}».":
        "The test send uses its own topic that only the administrator may create; it is skipped with the credentials of “{principal}”.",
    "leer {topic}": "read {topic}", "escribir en {topic}": "write to {topic}",
})
