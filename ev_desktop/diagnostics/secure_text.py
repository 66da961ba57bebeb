"""Spanish templates of the secure-link diagnostics steps (TLS, SASL, authorization).

Kept apart from ``report`` (which merges them into its catalogue) so each file
stays small; the engine side is ``secure_steps``. Same rules: codes and params come from
the engine, words only from here, English in scripts/i18n_en.py.
"""
from __future__ import annotations

SECURE_STEP_TITLES: dict[str, str] = {
    "tls": "Cifrado (TLS) y certificado",
    "sasl": "Autenticación (SASL/SCRAM)",
    "access": "Permisos sobre los temas",
}

SECURE_MESSAGES: dict[str, tuple[str, str]] = {
    "tls.ok": ("Conexión cifrada con {target}; certificado de «{subject}» válido hasta el "
               "{not_after}, firmado por la autoridad de confianza.", ""),
    "tls.expiring": (
        "El certificado de Kafka caduca pronto (el {not_after}).",
        "Pida al administrador que renueve el certificado del broker (ev-kafka start lo "
        "renueva al reiniciar si faltan menos de 30 días)."),
    "tls.plaintext": (
        "La conexión con Kafka NO está cifrada ni autenticada (modo sin cifrar): cualquiera en "
        "la red puede leer y escribir los temas.",
        "Use el modo seguro: indique el fichero de credenciales de este programa "
        "(--kafka-credentials o EV_KAFKA_CREDENTIALS)."),
    "tls.required": (
        "Kafka en {target} exige conexión cifrada (TLS), pero este programa está configurado "
        "sin cifrar y sin credenciales.",
        "Indique el fichero de credenciales que le dio el administrador (--kafka-credentials "
        "FICHERO o EV_KAFKA_CREDENTIALS); ev-kafka start los deja en <datos de kafka>/clients/."),
    "tls.no_ca": (
        "No se encuentra el certificado de la autoridad de confianza {ca_file}.",
        "Copie el fichero ca.pem del servidor de Kafka a esta máquina y corrija ca_file en el "
        "fichero de credenciales."),
    "tls.untrusted": (
        "El certificado de {target} no está firmado por la autoridad en la que confía este "
        "programa ({ca_file}): puede ser otro servidor haciéndose pasar por Kafka, o un ca.pem "
        "equivocado.",
        "Copie el ca.pem del servidor de Kafka de esta instalación y apúntelo en ca_file. No "
        "continúe si no sabe quién ha cambiado el certificado."),
    "tls.expired": (
        "El certificado de {target} está caducado (válido hasta el {not_after}).",
        "Pida al administrador que renueve el certificado (reiniciar ev-kafka start lo "
        "renueva) y compruebe la fecha y hora de esta máquina."),
    "tls.not_yet_valid": (
        "El certificado de {target} todavía no es válido (desde el {not_before}): la fecha y "
        "hora de esta máquina o del servidor están mal.",
        "Corrija el reloj de esta máquina (o el del servidor)."),
    "tls.host_mismatch": (
        "Usted conecta a «{host}», pero el certificado de Kafka sólo vale para: {hosts}.",
        "Use en la dirección de Kafka uno de esos nombres, o pida al administrador que "
        "arranque Kafka con --advertised-host {host} (el certificado se rehace con ese nombre)."),
    "tls.not_tls": (
        "{target} cerró la conexión durante el saludo TLS: ese Kafka funciona sin cifrar (o no "
        "es Kafka).",
        "Pida al administrador que use el modo seguro (ev-kafka start sin --plaintext) o, sólo "
        "en una red de confianza, configure este programa con --kafka-plaintext."),
    "tls.silent": (
        "{target} no contesta al saludo TLS en {timeout_s} s.",
        "Compruebe el puerto: debe ser el de clientes de Kafka."),
    "tls.failed": ("El saludo TLS con {target} falló: {error}.",
                   "Compruebe la versión de TLS y el certificado del broker."),
    "sasl.ok": ("Autenticado como «{user}» con {mechanism}; el servidor también demostró "
                "conocer la clave.", ""),
    "sasl.plaintext": ("Sin autenticación (modo sin cifrar).", ""),
    "sasl.mechanism": (
        "Kafka no admite el método de autenticación {mechanism}; admite: {enabled}.",
        "Corrija sasl_mechanism en el fichero de credenciales (este sistema usa "
        "SCRAM-SHA-512) o pida al administrador que lo active."),
    "sasl.bad_credentials": (
        "Kafka rechaza el usuario «{user}» o su contraseña.",
        "Pida al administrador un fichero de credenciales vigente (ev-kafka rotate-user "
        "{user} crea uno nuevo) y apúntelo con --kafka-credentials."),
    "sasl.server_unverified": (
        "El servidor no demostró conocer la clave de «{user}»: podría no ser nuestro Kafka.",
        "No continúe; avise al administrador."),
    "sasl.closed": ("{target} cerró la conexión durante la autenticación: {error}.",
                    "Compruebe que el puerto es el de clientes con SASL_SSL."),
    "access.ok": ("El usuario «{principal}» tiene los permisos que necesita en los {count} "
                  "temas de su papel.", ""),
    "access.all": ("El usuario «{principal}» es administrador: puede usar todos los temas.", ""),
    "access.unknown_role": (
        "El usuario «{principal}» no es uno de los papeles conocidos: no se comprueban sus "
        "permisos.", ""),
    "access.denied": (
        "Este programa (usuario «{principal}») no tiene permiso para: {denied}.",
        "Pida al administrador que conceda los permisos del prefijo: «ev-kafka grant "
        "--topic-prefix {prefix}», o compruebe que este programa usa las credenciales de su "
        "papel."),
    "access.failed": ("No se pudieron consultar los permisos: {error}.", ""),
    "ok.no_roundtrip": (
        "Kafka accesible: conexión cifrada, autenticada y con los permisos de este programa "
        "(sin prueba de envío).", ""),
    "roundtrip.not_allowed": (
        "La prueba de envío usa un tema propio que sólo el administrador puede crear; se omite "
        "con las credenciales de «{principal}».", ""),
}

#: operation names inside "access.denied"
SECURE_FRAGMENTS: dict[str, str] = {
    "op.read": "leer {topic}",
    "op.write": "escribir en {topic}",
}
