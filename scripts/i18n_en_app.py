"""English for ev-desktop's tr() strings (Spanish source → English), used by scripts/i18n_en.py.

Data only: a new UI string gets its entry here; re-run scripts/i18n_en.py."""
from __future__ import annotations

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
