"""Refresh the English translation of ev-desktop: lupdate → fill known strings → lrelease.

    .venv/bin/python scripts/i18n_en.py

Spanish is the source language. New strings without an entry below stay "unfinished" in the
.ts file (Qt then shows the Spanish text); add their English here and re-run.
"""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TS = REPO / "assets" / "i18n" / "ev_desktop_en.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent

EN: dict[str, str] = {
    # status bar
    "CENTRAL: en línea": "CENTRAL: online",
    "CENTRAL: esperando señal…": "CENTRAL: waiting for a signal…",
    "CENTRAL: sin respuesta desde {t}": "CENTRAL: no answer since {t}",
    "CENTRAL: sin respuesta": "CENTRAL: no answer",
    "conectado": "connected", "degradado": "degraded", "sin conexión": "offline", "comprobando…": "checking…",
    "Kafka: {s}": "Kafka: {s}",
    "{n} eventos en cola": "{n} events queued",
    "Pulse para ver el diagnóstico de la conexión con Kafka": "Click to diagnose the connection to Kafka",
    "Último error: {e}": "Last error: {e}",
    # main window
    "EVCharging — Centro de control": "EVCharging — Control centre",
    "Conductor": "Driver", "Operador": "Operator", "&Archivo": "&File",
    "Ajustes de conexión…": "Connection settings…", "Diagnóstico de Kafka…": "Kafka diagnostics…", "Salir": "Quit",
    "en cola ({n} sin enviar)": "queued ({n} not sent yet)", "enviada": "sent",
    "Ajustes aplicados. Vuelva a iniciar sesión para usarlos en su sesión de conductor.":
        "Settings applied. Log in again to use them in your driver session.",
    "El diagnóstico de Kafka no está disponible en esta instalación": "Kafka diagnostics are not available in this installation",
    # driver panel
    "Cerrar sesión": "Log out", "Solicitar Carga": "Request charge", "Cualquier CP libre": "Any free CP",
    "Puntos de carga libres ahora": "Charging points free now", "Carga": "Charge", "Servicios": "Services",
    "Historial": "History", "{n} libres": "{n} free",
    "Seleccione primero un punto de carga de la lista (o pulse «Cualquier CP libre»).":
        "First select a charging point in the list (or press “Any free CP”).",
    "Ya hay una solicitud o carga en curso; espere a que termine.":
        "A request or charge is already in progress; wait for it to finish.",
    "Conductor: <b>{d}</b>": "Driver: <b>{d}</b>",
    "Punto": "Point", "Ubicación": "Location", "Precio": "Price",
    # login
    "Usuario o contraseña incorrectos": "Wrong user or password",
    "Imposible conectar con la CENTRAL ({addr}) — compruebe que está en marcha y reintente":
        "Cannot reach CENTRAL ({addr}) — check that it is running and try again",
    "La sesión ha caducado — vuelva a iniciar sesión": "Your session has expired — please log in again",
    "Acceso de conductores": "Driver login", "p. ej. driver1": "e.g. driver1", "Entrar": "Log in",
    "Contraseña": "Password", "Escriba su identificador de conductor y su contraseña": "Type your driver id and your password",
    "Conectando…": "Connecting…",
    # history
    "Actualizar": "Refresh", "Fecha": "Date", "kWh": "kWh", "Importe": "Amount", "Resultado": "Outcome",
    "Sesión": "Session", "completado": "completed", "avería": "fault", "parado por el operador": "stopped by the operator",
    "punto desconectado": "point disconnected", "interrumpido": "interrupted", "reserva caducada": "reservation expired",
    "denegado": "denied", "reservado": "reserved", "cargando": "charging", "cancelado": "cancelled",
    "{n} suministros": "{n} supplies",
    # operator dashboard
    "Buscar por id o ubicación…": "Search by id or location…", "Parar todos": "Stop all", "Reanudar todos": "Resume all",
    "Eventos en directo": "Live events", "Parar {cp}": "Stop {cp}", "Reanudar {cp}": "Resume {cp}",
    "Parar todos los CP": "Stop every CP",
    "¿Parar los {n} puntos de carga? Los suministros en curso terminarán ahora.":
        "Stop all {n} charging points? Running supplies will end now.",
    "Reanudar todos los CP": "Resume every CP", "¿Reanudar los {n} puntos de carga?": "Resume all {n} charging points?",
    "Total: {n} CP": "Total: {n} CPs",
    # tiles
    "Disponible": "Available", "Reservado": "Reserved", "Cargando": "Charging", "Out of Order": "Out of Order",
    "Averiado": "Faulted", "Desconectado": "Disconnected", "{d} · quedan {t}": "{d} · {t} left",
    "Parado por el operador": "Stopped by the operator", "Avería": "Fault", "visto {t}": "seen {t}",
    "nunca visto": "never seen", "Libre": "Free",
    # services
    "Cargar fichero de servicios…": "Load services file…", "Ejecutar": "Run", "Detener": "Stop",
    "Ningún fichero cargado": "No file loaded", "%v de %m": "%v of %m", "Fichero de servicios": "Services file",
    "Ficheros de texto (*.txt);;Todos (*)": "Text files (*.txt);;All (*)",
    "{f}: {n} puntos de carga ({cps})": "{f}: {n} charging points ({cps})",
    "Servicio {i} de {n}: solicitando {cp}…": "Service {i} of {n}: requesting {cp}…",
    "Servicio {i} terminado; el siguiente empieza en 4 s": "Service {i} done; the next one starts in 4 s",
    "sin respuesta": "no answer", "detenido": "stopped", "(en {cp})": "(at {cp})",
    "Servicios terminados: {n} de {t}": "Services finished: {n} of {t}",
    # settings
    "Ajustes de conexión": "Connection settings", "Servidores Kafka": "Kafka servers",
    "CENTRAL (HOST:PUERTO)": "CENTRAL (HOST:PORT)", "Prefijo de topics": "Topic prefix",
    "Al aplicar, la aplicación se reconecta con estos valores. Los eventos en cola no se pierden.":
        "Applying reconnects the app with these values. Queued events are not lost.",
    "Aplicar": "Apply", "Cancelar": "Cancel",
    # supply view
    "Potencia": "Power", "Energía": "Energy", "kW": "kW", "segundos": "seconds",
    "la sesión ha caducado — vuelva a iniciar sesión": "your session has expired — please log in again",
    "conductor desconocido para la CENTRAL": "driver unknown to CENTRAL",
    "ese punto de carga no existe": "that charging point does not exist",
    "el punto de carga no está disponible ahora": "the charging point is not available now",
    "el punto de carga está desconectado": "the charging point is disconnected",
    "no hay ningún punto de carga libre ahora": "no charging point is free right now",
    "ya tiene una carga en curso o reservada": "you already have a charge in progress or reserved",
    "avería en el punto de carga": "fault at the charging point", "parada por el operador": "stopped by the operator",
    "se perdió la conexión con el punto de carga": "the connection to the charging point was lost",
    "cancelada": "cancelled",
    "Enviando a la CENTRAL…": "Sending to CENTRAL…",
    "Kafka responde con errores — se enviará en cuanto se recupere": "Kafka answers with errors — it will be sent as soon as it recovers",
    "Esperando a Kafka — se enviará en cuanto haya conexión": "Waiting for Kafka — it will be sent as soon as there is a connection",
    "Sin carga en curso": "No charge in progress",
    "Elija un punto de carga libre y pulse «Solicitar Carga», o pida «Cualquier CP libre».":
        "Choose a free charging point and press “Request charge”, or ask for “Any free CP”.",
    "cualquier CP libre": "any free CP", "Solicitud en cola para {cp}": "Request queued for {cp}",
    "Autorizado en {cp}": "Authorized at {cp}", "{loc} · {price:.2f} €/kWh": "{loc} · {price:.2f} €/kWh",
    "Reservado para usted: quedan {t} para conectar el vehículo": "Reserved for you: {t} left to plug in the vehicle",
    "Solicitud denegada": "Request denied", "Motivo: {r}": "Reason: {r}",
    "La reserva en {cp} ha caducado": "The reservation at {cp} has expired",
    "No se conectó el vehículo a tiempo; puede volver a solicitar una carga.":
        "The vehicle was not plugged in in time; you may request a charge again.",
    "CARGANDO ⚡ en {cp}": "CHARGING ⚡ at {cp}", "Esperando el ticket final…": "Waiting for the final ticket…",
    "Suministro interrumpido en {cp}": "Supply interrupted at {cp}",
    "Suministro terminado en {cp}": "Supply finished at {cp}", "Este es su ticket:": "Here is your ticket:",
    "Punto de carga": "Charging point", "Inicio": "Start", "Fin": "End", "Total": "Total", "TICKET": "TICKET",
    # event log
    "sesión caducada o no válida; vuelva a iniciar sesión": "session expired or invalid; log in again",
    "conductor desconocido": "unknown driver", "el punto de carga no existe": "the charging point does not exist",
    "el punto de carga no está disponible": "the charging point is not available",
    "no hay ningún punto de carga libre": "no charging point is free",
    "ya tiene una carga en curso": "already has a charge in progress",
    "avería del punto de carga": "charging point fault",
    "el punto de carga perdió la conexión": "the charging point lost its connection",
    "interrumpida": "interrupted", "completada": "completed",
    "{d} solicita carga en {cp}": "{d} requests a charge at {cp}", "{d} autorizado en {cp}": "{d} authorized at {cp}",
    "{d} denegado: {r}": "{d} denied: {r}", "Reserva caducada en {cp} ({d})": "Reservation expired at {cp} ({d})",
    "{cp}: suministro iniciado": "{cp}: supply started",
    "{cp}: suministro terminado, {kwh:.2f} kWh, {eur:.2f} €": "{cp}: supply finished, {kwh:.2f} kWh, {eur:.2f} €",
    "{cp}: suministro interrumpido ({r})": "{cp}: supply interrupted ({r})",
    "Ticket {d} en {cp}: {kwh:.2f} kWh, {eur:.2f} €": "Ticket {d} at {cp}: {kwh:.2f} kWh, {eur:.2f} €",
    "{cp}: suministro manual solicitado": "{cp}: manual supply requested", "{cp}: motor en línea": "{cp}: engine online",
    "Parar": "Stop", "Reanudar": "Resume", "todos los CP": "every CP", "Operador: {v} {t}": "Operator: {v} {t}",
    # app
    "Error inesperado": "Unexpected error",
    "Se ha producido un error inesperado: {e}\n\nLa aplicación sigue funcionando; los detalles están en el registro.":
        "An unexpected error occurred: {e}\n\nThe app keeps running; the details are in the log.",
    # diagnostics dialog (owned by another module; translated here so the English UI is whole)
    "Diagnóstico de la conexión con Kafka": "Kafka connection diagnostics", "Servidores de Kafka: %1": "Kafka servers: %1",
    "Estado": "Status", "Paso": "Step", "Duración": "Duration", "Explicación": "Explanation", "Repetir": "Run again",
    "Copiar informe": "Copy report", "Cerrar": "Close", "Correcto": "OK", "Aviso": "Warning", "Fallo": "Failed",
    "Omitido": "Skipped", "Pendiente": "Pending", "Comprobando la conexión con Kafka…": "Checking the connection to Kafka…",
    "En curso…": "Running…", "Qué hacer: %1": "What to do: %1",
}


def main() -> int:
    sources = sorted(str(p.relative_to(REPO)) for p in (REPO / "ev_desktop").rglob("*.py") if "core" not in p.parts)
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources, "-ts", str(TS), "-target-language", "en_GB",
                    "-no-obsolete"], cwd=REPO, check=True)
    tree = ET.parse(TS)
    missing = []
    for msg in tree.getroot().iter("message"):
        src = msg.find("source").text or ""
        tr = msg.find("translation")
        if src in EN:
            tr.text = EN[src]
            tr.attrib.pop("type", None)
        elif tr.attrib.get("type") == "unfinished":
            missing.append(src)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], cwd=REPO, check=True)
    for m in missing:
        print(f"untranslated: {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
