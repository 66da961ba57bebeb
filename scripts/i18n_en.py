"""Refresh the English translation of ev-desktop: lupdate → fill known strings → lrelease.

    .venv/bin/python scripts/i18n_en.py

Spanish is the source language. New strings without an entry below stay "unfinished" in the
.ts file (Qt then shows the Spanish text); add their English here and re-run.
"""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TS = REPO / "assets" / "i18n" / "ev_desktop_en.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent

EN: dict[str, str] = {
    # Central's truth (status bar, banners) and the driver's control
    "La CENTRAL no responde desde las {t}: los estados mostrados pueden no estar al día y las solicitudes y órdenes esperarán a que vuelva":
        "CENTRAL has not answered since {t}: the states shown may be out of date and requests and commands will wait until it is back",
    "La CENTRAL no responde: los estados mostrados pueden no estar al día y las solicitudes y órdenes esperarán a que vuelva":
        "CENTRAL is not answering: the states shown may be out of date and requests and commands will wait until it is back",
    "La CENTRAL publica su latido en Kafka": "CENTRAL publishes its heartbeat on Kafka",
    "CENTRAL: estado desconocido — sin Kafka": "CENTRAL: state unknown — no Kafka",
    "Sin Kafka no llega el latido de la CENTRAL; puede estar funcionando (el inicio de sesión usa su conexión directa)":
        "Without Kafka the CENTRAL heartbeat cannot arrive; it may be working (logging in uses its direct connection)",
    "Kafka funciona pero la CENTRAL no publica su latido": "Kafka works but CENTRAL publishes no heartbeat",
    "Detener la carga": "Stop charging",
    "¿Detener ahora la carga en {cp}? Recibirá el ticket de la energía suministrada hasta este momento.":
        "Stop charging at {cp} now? You will get the ticket for the energy supplied so far.",
    "Detener los servicios": "Stop the services",
    "No se pedirán más servicios. ¿Detener también el suministro en curso en {cp}? Si responde No, seguirá hasta su final.":
        "No more services will be requested. Stop the supply in progress at {cp} too? If you answer No, it goes on to its end.",
    "Servicios detenidos; el suministro en curso se detiene.": "Services stopped; the supply in progress is being stopped.",
    "Servicios detenidos; el suministro en curso continúa hasta su final.":
        "Services stopped; the supply in progress goes on to its end.",
    "{cp} está suministrando a {d} ({kwh:.2f} kWh). ¿Parar el punto de carga? El suministro terminará ahora y se le cobrará lo suministrado.":
        "{cp} is supplying {d} ({kwh:.2f} kWh). Stop the charging point? The supply ends now and what was supplied is billed.",
    "{cp} está reservado para {d}. ¿Parar el punto de carga? La reserva quedará anulada.":
        "{cp} is reserved for {d}. Stop the charging point? The reservation will be cancelled.",
    "no solicitado (servicios detenidos)": "not requested (services stopped)",
    "detenida por usted": "stopped by you", "detenida por el conductor": "stopped by the driver",
    "Cancelar solicitud": "Cancel request", "Cancelar reserva": "Cancel reservation", "Detener carga": "Stop charging",
    "La CENTRAL no responde — la solicitud espera en Kafka a que vuelva":
        "CENTRAL is not answering — the request waits in Kafka until it is back",
    " desde las {t}": " since {t}",
    "La CENTRAL no responde{since}. La solicitud ya está en Kafka y la CENTRAL la atenderá en cuanto vuelva.":
        "CENTRAL has not answered{since}. The request is already in Kafka and CENTRAL will handle it as soon as it is back.",
    "Deteniendo…": "Stopping…", "Deteniendo la carga en {cp}…": "Stopping the charge at {cp}…",
    "El punto de carga termina el suministro; el ticket llegará enseguida.":
        "The charging point is ending the supply; the ticket will arrive shortly.",
    "Cancelado": "Cancelled", "Puede solicitar otra carga cuando quiera.": "You can request another charge whenever you like.",
    # history totals, ticket copy/save
    "Total: {kwh:.2f} kWh, {eur:.2f} €": "Total: {kwh:.2f} kWh, {eur:.2f} €",
    "Copiar ticket": "Copy ticket", "Guardar ticket…": "Save ticket…", "Copiado": "Copied",
    "Guardar ticket": "Save ticket", "Texto (*.txt)": "Text (*.txt)",
    "No se pudo guardar el ticket: {e}": "The ticket could not be saved: {e}",
    # help, shortcuts, filter, notifications
    "A&yuda": "&Help", "Acerca de EVCharging…": "About EVCharging…", "Acerca de EVCharging": "About EVCharging",
    "Buscar punto de carga": "Find a charging point",
    "EVCharging — Centro de control, versión {v}\n\nDatos (ajustes, colas de envío, registro de eventos): {d}\n"
    "Registro de eventos del operador: {log}\nFichero de registro (log) de la aplicación: {applog}\n\n"
    "Atajos: F1 esta ayuda · Ctrl+F buscar un punto de carga · "
    "pulse el indicador de Kafka para ver el diagnóstico":
        "EVCharging — Control centre, version {v}\n\nData (settings, send queues, event log): {d}\n"
        "Operator event log: {log}\nApplication log file: {applog}\n\n"
        "Shortcuts: F1 this help · Ctrl+F find a charging point · "
        "click the Kafka indicator for the diagnostics",
    "Suministro terminado en {cp}: {kwh:.2f} kWh, {eur:.2f} €": "Supply finished at {cp}: {kwh:.2f} kWh, {eur:.2f} €",
    "Parar todos los puntos de carga (se pide confirmación)": "Stop every charging point (asks for confirmation)",
    "Volver a poner en servicio todos los puntos de carga": "Put every charging point back in service",
    "Filtrar por id o ubicación (Ctrl+F)": "Filter by id or location (Ctrl+F)",
    "Ningún punto de carga coincide con el filtro (borre la búsqueda o pulse otra vez el estado)":
        "No charging point matches the filter (clear the search or click the state again)",
    "Mostrando {n} de {t}": "Showing {n} of {t}",
    "Pulse para ver solo estos puntos de carga (otra vez: todos)": "Click to see only these charging points (again: all)",
    # event log: Central's activity, the operator's own commands, outages
    "{d} cancela su solicitud o detiene su carga": "{d} cancels their request or stops their charge",
    "Operador {o}: {v} {t} — aplicado por la CENTRAL": "Operator {o}: {v} {t} — applied by CENTRAL",
    "Operador {o}: {v} {t} — rechazado por la CENTRAL (sesión no válida)":
        "Operator {o}: {v} {t} — refused by CENTRAL (invalid session)",
    "en cola": "queued", "entregado": "delivered", "aplicado por la CENTRAL": "applied by CENTRAL",
    "rechazado por la CENTRAL": "refused by CENTRAL",
    "Conexión con Kafka recuperada": "Connection to Kafka restored", "Sin conexión con Kafka": "No connection to Kafka",
    "La CENTRAL vuelve a responder": "CENTRAL answers again", "La CENTRAL no responde": "CENTRAL is not answering",
    # status bar
    "CENTRAL: en línea": "CENTRAL: online",
    "Instancia {name}: en línea, {n} particiones": "Instance {name}: online, {n} partitions",
    "Instancia {name}: sin latido desde {t}": "Instance {name}: no heartbeat since {t}",
    "CENTRAL: esperando señal…": "CENTRAL: waiting for a signal…",
    "CENTRAL: sin respuesta desde {t}": "CENTRAL: no answer since {t}",
    "CENTRAL: sin respuesta": "CENTRAL: no answer",
    "CENTRAL en uso: {a}": "CENTRAL in use: {a}",
    "La anterior ({a}) dejó de responder": "The previous one ({a}) stopped answering",
    "sin cifrar": "unencrypted",
    "La CENTRAL ({addr}) no presenta un certificado de confianza para esa dirección, "
    "o falta el fichero de la CA — revise la dirección y EV_CA_FILE":
        "CENTRAL ({addr}) does not present a trusted certificate for that address, or the CA file "
        "is missing — check the address and EV_CA_FILE",
    "Enlace con la CENTRAL cifrado (TLS) y certificado comprobado":
        "Link to CENTRAL encrypted (TLS), certificate verified",
    "Enlace con la CENTRAL SIN CIFRAR (--plaintext-socket)": "Link to CENTRAL NOT ENCRYPTED (--plaintext-socket)",
    "conectado": "connected", "degradado": "degraded", "sin conexión": "offline", "comprobando…": "checking…",
    "Kafka: {s}": "Kafka: {s}",
    "{n} eventos en cola": "{n} events queued", "{n} evento en cola": "{n} event queued",
    # a cluster missing brokers (ev_common.kafka.cluster_health)
    "1 de {n} brokers no responde — el servicio sigue; avise al administrador":
        "1 of {n} brokers is not answering — the service goes on; tell the administrator",
    "{m} de {n} brokers no responden — el servicio sigue; avise al administrador":
        "{m} of {n} brokers are not answering — the service goes on; tell the administrator",
    "Pulse para ver el diagnóstico de la conexión con Kafka": "Click to diagnose the connection to Kafka",
    "Último error: {e}": "Last error: {e}",
    "sin cifrar": "not encrypted",
    "Credenciales de Kafka": "Kafka credentials",
    "Aviso sonoro al terminar un suministro": "Sound when a supply ends",
    "fichero .toml que da el administrador (0600)": ".toml file given by the administrator (0600)",
    "Conexión cifrada (TLS), autenticada como «{p}»": "Encrypted connection (TLS), authenticated as “{p}”",
    "Conexión SIN CIFRAR y sin autenticar: cualquiera en la red puede leerla":
        "NOT ENCRYPTED, unauthenticated connection: anyone on the network can read it",
    # stale-data banner (operator dashboard, driver's free-CP list)
    "Sin conexión con Kafka — datos de las {t}, pueden no estar al día":
        "No connection to Kafka — data as of {t}, it may be out of date",
    "Sin conexión con Kafka — todavía no se ha recibido ningún dato":
        "No connection to Kafka — no data received yet",
    "Kafka responde con errores — datos de las {t}, pueden no estar al día":
        "Kafka answers with errors — data as of {t}, it may be out of date",
    "Kafka responde con errores — todavía no se ha recibido ningún dato":
        "Kafka answers with errors — no data received yet",
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
    "Historial": "History", "{n} libres": "{n} free", "{n} libre": "{n} free",
    "Seleccione primero un punto de carga de la lista (o pulse «Cualquier CP libre»).":
        "First select a charging point in the list (or press “Any free CP”).",
    "Ya hay una solicitud o carga en curso; espere a que termine.":
        "A request or charge is already in progress; wait for it to finish.",
    "No se pudo guardar la solicitud: disco lleno — libere espacio y vuelva a intentarlo":
        "The request could not be saved: the disk is full — free some space and try again",
    "No se pudo guardar la solicitud: ya hay {n} eventos esperando a Kafka (límite de la cola) — espere a que se envíen y vuelva a intentarlo":
        "The request could not be saved: {n} events are already waiting for Kafka (the queue's limit) — wait until they are sent and try again",
    "No se pudo guardar la solicitud: error al escribir en el disco — vuelva a intentarlo":
        "The request could not be saved: writing to the disk failed — try again",
    "Aviso: la cola de envío local estaba dañada; se ha apartado como {path} y se usa una nueva. Las solicitudes que esperaban en ella no se enviaron.":
        "Warning: the local send queue was damaged; it was set aside as {path} and a new one is used. Requests that were waiting in it were not sent.",
    "Conductor: <b>{d}</b>": "Driver: <b>{d}</b>",
    "Punto": "Point", "Ubicación": "Location", "Precio": "Price",
    # login
    "Usuario o contraseña incorrectos": "Wrong user or password",
    "Demasiados intentos fallidos — espere {s} s y vuelva a intentarlo":
        "Too many failed attempts — wait {s} s and try again",
    "Imposible conectar con la CENTRAL ({addr}) — compruebe que está en marcha y reintente":
        "Cannot reach CENTRAL ({addr}) — check that it is running and try again",
    "La sesión ha caducado — vuelva a iniciar sesión": "Your session has expired — please log in again",
    "Acceso de conductores": "Driver login", "p. ej. driver1": "e.g. driver1", "Entrar": "Log in",
    "Contraseña": "Password", "Escriba su identificador de conductor y su contraseña": "Type your driver id and your password",
    "Conectando…": "Connecting…",
    # operator sign-in
    "Acceso de operadores": "Operator sign-in", "p. ej. operator1": "e.g. operator1",
    "Escriba su identificador de operador y su contraseña": "Type your operator id and your password",
    "Operador: <b>{o}</b>": "Operator: <b>{o}</b>",
    "Su sesión de operador ha caducado — vuelva a iniciar sesión":
        "Your operator session has expired — please sign in again",
    "Ha cambiado la CENTRAL — vuelva a iniciar sesión como operador":
        "The CENTRAL has changed — sign in again as an operator",
    # history
    "Actualizar": "Refresh", "Fecha": "Date", "kWh": "kWh", "Importe": "Amount", "Resultado": "Outcome",
    "Sesión": "Session", "completado": "completed", "avería": "fault", "parado por el operador": "stopped by the operator",
    "punto desconectado": "point disconnected", "interrumpido": "interrupted", "reserva caducada": "reservation expired",
    "denegado": "denied", "reservado": "reserved", "cargando": "charging", "cancelado": "cancelled",
    "{n} suministros": "{n} supplies",
    "1 suministro": "1 supply",
    # operator dashboard
    "Buscar por id o ubicación…": "Search by id or location…", "Parar todos": "Stop all", "Reanudar todos": "Resume all",
    "Eventos en directo": "Live events", "Parar {cp}": "Stop {cp}", "Reanudar {cp}": "Resume {cp}",
    "Parar todos los CP": "Stop every CP",
    "¿Parar los {n} puntos de carga? Los suministros en curso terminarán ahora.":
        "Stop all {n} charging points? Running supplies will end now.",
    "Reanudar todos los CP": "Resume every CP", "¿Reanudar los {n} puntos de carga?": "Resume all {n} charging points?",
    "Total: {n} CP": "Total: {n} CPs",
    # tiles
    "Disponible": "Available", "Reservado": "Reserved", "Cargando": "Charging", "Fuera de servicio": "Out of order",
    "Averiado": "Faulted", "Desconectado": "Disconnected", "{d} · quedan {t}": "{d} · {t} left",
    "Parado por el operador": "Stopped by the operator", "Avería": "Fault", "visto {t}": "seen {t}",
    "nunca visto": "never seen", "Libre": "Free", "OCPP": "OCPP", "OCPP · c{n}": "OCPP · c{n}", "{d} · quedaban {t}": "{d} · had {t} left",
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
    "CENTRAL (HOST:PUERTO[, HOST:PUERTO…])": "CENTRAL (HOST:PORT[, HOST:PORT…])", "Prefijo de topics": "Topic prefix",
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
    "Punto de carga pedido": "Charging point requested", "Pedida a las": "Requested at",
    "Esperando desde hace": "Waiting for",
    "Hay conexión con Kafka: la solicitud sale hacia la CENTRAL. En cuanto conteste verá aquí la autorización "
    "o el motivo del rechazo.":
        "Kafka is connected: the request is on its way to CENTRAL. As soon as it answers you will see here "
        "the authorization or the reason for a refusal.",
    "La solicitud está guardada en el disco de este equipo y se enviará sola en cuanto vuelva la conexión con "
    "Kafka. No se pierde aunque cierre la aplicación.":
        "The request is saved on this computer's disk and will be sent by itself as soon as the connection to "
        "Kafka is back. It is not lost even if you close the app.",
    "No hace falta repetirla: esta pantalla cambiará sola cuando la CENTRAL responda.":
        "No need to ask again: this screen will change by itself when CENTRAL answers.",
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
    # operator workbench (issue 16): alerts, audit, suspect supplies, reports, timeline
    "Reconocer": "Acknowledge", "Ver punto de carga": "Show charging point",
    "{n} alerta(s) sin reconocer": "{n} unacknowledged alert(s)", "Sin alertas pendientes": "No pending alerts",
    "Punto de carga averiado": "Charging point faulted", "Punto de carga desconectado": "Charging point disconnected",
    "Suministro sin telemetría": "Supply without telemetry", "Reserva caducada sin liberar": "Expired reservation not released",
    "Entradas falsificadas": "Forged input", "Facturas rechazadas": "Refused bills", "Cartas muertas": "Dead letters",
    "Retraso creciente de la CENTRAL": "CENTRAL falling behind", "Cargador desconocido rechazado": "Unknown charger refused", "Kafka inalcanzable": "Kafka unreachable", "Iniciar sesión": "Sign in", "Kafka con problemas": "Kafka degraded",
    "Crítica": "Critical", "Info": "Info", "esta aplicación": "this application",
    "Gravedad": "Severity", "Alerta": "Alert", "Sobre": "Subject", "Detalle": "Detail", "Primera vez": "First seen",
    "Última vez": "Last seen", "Veces": "Count", "Reconocida": "Acknowledged",
    "{alert} (resuelta)": "{alert} (resolved)", "{who} a las {when}": "{who} at {when}",
    "Reconocer alerta": "Acknowledge alert", "Cerrar suministro": "Close supply", "aplicada": "applied",
    "rechazada": "refused", "ya estaba hecha": "already done", "Cuándo": "When", "Acción": "Action",
    "Desde": "From", "vía Kafka": "via Kafka",
    "Acciones de los operadores registradas por la CENTRAL": "Operator actions recorded by CENTRAL",
    "{n} acciones registradas por la CENTRAL": "{n} actions recorded by CENTRAL",
    "parado por operador": "stopped by operator", "monitor perdido": "monitor lost", "caducado": "expired",
    "€": "€", "abierto demasiado tiempo": "open too long", "sin telemetría": "no telemetry",
    "energía imposible": "impossible energy", "Por qué": "Why", "Punto (todos)": "Point (all)",
    "Conductor (todos)": "Driver (all)", "Todos los resultados": "All outcomes", "abiertos": "open",
    "Por día": "Per day", "Por hora": "Per hour", "Consultar": "Query", "Exportar CSV…": "Export CSV…",
    "Hasta": "To", "Anterior": "Previous", "Siguiente": "Next", "Energía y facturación": "Energy and revenue",
    "Exportar suministros": "Export supplies", "CSV (*.csv)": "CSV (*.csv)",
    "Página {p} de {n} — {t} suministros": "Page {p} of {n} — {t} supplies",
    "Suministros abiertos demasiado tiempo, sin telemetría o con energía imposible":
        "Supplies open too long, without telemetry or with impossible energy",
    "Cronología": "Timeline", "Cerrar con motivo…": "Close with reason…",
    "Motivo del cierre de {s} (se factura la última telemetría y el conductor recibe su ticket):":
        "Reason for closing {s} (the last telemetry is billed and the driver gets the ticket):",
    "{n} suministros sospechosos": "{n} suspect supplies", "Cronología del suministro {s}": "Timeline of supply {s}",
    "Energía suministrada (kWh)": "Energy supplied (kWh)", "Copiar": "Copy", "Exportar…": "Export…",
    "Datos registrados por la CENTRAL": "Data recorded by CENTRAL",
    "Suministro {s} — punto {cp} — conductor {d}": "Supply {s} — point {cp} — driver {d}",
    "Estado: {st}; {kwh:.3f} kWh; {eur:.2f} €; precio {p} €/kWh": "State: {st}; {kwh:.3f} kWh; {eur:.2f} €; price {p} €/kWh",
    "Ticket: {kwh:.3f} kWh, {eur:.2f} € ({o}), emitido {w}": "Ticket: {kwh:.3f} kWh, {eur:.2f} € ({o}), issued {w}",
    "minutos desde el inicio": "minutes since the start", "Exportar cronología": "Export timeline",
    "Texto (*.txt)": "Text (*.txt)",
    "Alertas": "Alerts", "Suministros sospechosos": "Suspect supplies", "Informes": "Reports", "Auditoría": "Audit",
    "Alertas ({n})": "Alerts ({n})", "Operador ({n})": "Operator ({n})",
    "Suministro {s} cerrado: {kwh:.3f} kWh, {eur:.2f} €": "Supply {s} closed: {kwh:.3f} kWh, {eur:.2f} €",
    "Exportados {n} de {t} suministros a {p}": "Exported {n} of {t} supplies to {p}",
    "finalizado": "finished", "reservado": "reserved", "cargando": "charging", "interrumpido": "interrupted",
}

# The diagnostics engine's step titles and message templates (ev_desktop/diagnostics/texts.py, rendered by report.py)
# reach Qt as variables, so lupdate cannot see them: main() adds them to the .ts file itself, in
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


def _fields(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", template))


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

def add_diagnostics_contexts(root: ET.Element) -> list[str]:
    """(Re)write the Diagnostics* contexts (steps, messages, report) from the engine's own
    catalogue; returns the Spanish sources still without English."""
    sys.path.insert(0, str(REPO))
    from ev_desktop.diagnostics.report import CTX_MESSAGES, CTX_REPORT, CTX_STEPS, catalogue

    english = {CTX_STEPS: EN_DIAG_STEPS, CTX_MESSAGES: EN_DIAG_MESSAGES, CTX_REPORT: EN_DIAG_REPORT}
    contexts = {name: (sources, english[name]) for name, sources in catalogue().items()}
    missing: list[str] = []
    for name, (sources, english) in contexts.items():
        for old in [c for c in root.findall("context") if c.findtext("name") == name]:
            root.remove(old)
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = name
        for src in dict.fromkeys(sources):   # unique, in the engine's order
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = src
            tr = ET.SubElement(msg, "translation")
            text = english.get(src)
            if text is not None and _fields(text) != _fields(src):
                raise SystemExit(f"placeholders differ: {src!r} → {text!r}")
            if text is None:
                tr.attrib["type"] = "unfinished"
                missing.append(src)
            else:
                tr.text = text
        ET.indent(ctx, space="    ", level=0)
        ctx.tail = "\n"
        for stale in set(english) - set(sources):
            print(f"no longer in the engine: {stale!r}")
    return missing


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
    missing += add_diagnostics_contexts(tree.getroot())
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], cwd=REPO, check=True)
    for m in missing:
        print(f"untranslated: {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
