<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_GB">
<context>
    <name>AlertsInbox</name>
    <message>
        <location filename="../../ev_desktop/views/alerts_view.py" line="34" />
        <source>Reconocer</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/alerts_view.py" line="37" />
        <source>Ver punto de carga</source>
        <translation>Show charging point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/alerts_view.py" line="39" />
        <source>Actualizar</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/alerts_view.py" line="89" />
        <source>{n} alerta(s) sin reconocer</source>
        <translation>{n} unacknowledged alert(s)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/alerts_view.py" line="89" />
        <source>Sin alertas pendientes</source>
        <translation>No pending alerts</translation>
    </message>
</context>
<context>
    <name>AlertsModel</name>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="23" />
        <source>Punto de carga averiado</source>
        <translation>Charging point faulted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="24" />
        <source>Punto de carga desconectado</source>
        <translation>Charging point disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="25" />
        <source>Suministro sin telemetría</source>
        <translation>Supply without telemetry</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="26" />
        <source>Reserva caducada sin liberar</source>
        <translation>Expired reservation not released</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="27" />
        <source>Entradas falsificadas</source>
        <translation>Forged input</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="28" />
        <source>Facturas rechazadas</source>
        <translation>Refused bills</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="29" />
        <source>Cartas muertas</source>
        <translation>Dead letters</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="30" />
        <source>Retraso creciente de la CENTRAL</source>
        <translation>CENTRAL falling behind</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="31" />
        <source>Kafka inalcanzable</source>
        <translation>Kafka unreachable</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="32" />
        <source>Kafka con problemas</source>
        <translation>Kafka degraded</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="33" />
        <source>La CENTRAL no responde</source>
        <translation>CENTRAL is not answering</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="35" />
        <source>Cargador desconocido rechazado</source>
        <translation>Unknown charger refused</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="40" />
        <source>Crítica</source>
        <translation>Critical</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="40" />
        <source>Aviso</source>
        <translation>Warning</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="40" />
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="68" />
        <source>esta aplicación</source>
        <translation>this application</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="125" />
        <source>Gravedad</source>
        <translation>Severity</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="125" />
        <source>Alerta</source>
        <translation>Alert</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="125" />
        <source>Sobre</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="125" />
        <source>Detalle</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="125" />
        <source>Primera vez</source>
        <translation>First seen</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="126" />
        <source>Última vez</source>
        <translation>Last seen</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="126" />
        <source>Veces</source>
        <translation>Count</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="126" />
        <source>Reconocida</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="151" />
        <source>{alert} (resuelta)</source>
        <translation>{alert} (resolved)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/alerts_model.py" line="159" />
        <source>{who} a las {when}</source>
        <translation>{who} at {when}</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <location filename="../../ev_desktop/app.py" line="148" />
        <source>Error inesperado</source>
        <translation>Unexpected error</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/app.py" line="149" />
        <source>Se ha producido un error inesperado: {e}

La aplicación sigue funcionando; los detalles están en el registro.</source>
        <translation>An unexpected error occurred: {e}

The app keeps running; the details are in the log.</translation>
    </message>
</context>
<context>
    <name>AuditModel</name>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="16" />
        <source>Parar</source>
        <translation>Stop</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="16" />
        <source>Reanudar</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="16" />
        <source>Reconocer alerta</source>
        <translation>Acknowledge alert</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="17" />
        <source>Cerrar suministro</source>
        <translation>Close supply</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="18" />
        <source>Iniciar sesión</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="22" />
        <source>aplicada</source>
        <translation>applied</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="22" />
        <source>rechazada</source>
        <translation>refused</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="22" />
        <source>ya estaba hecha</source>
        <translation>already done</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="46" />
        <source>Cuándo</source>
        <translation>When</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="46" />
        <source>Operador</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="46" />
        <source>Acción</source>
        <translation>Action</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="46" />
        <source>Sobre</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="46" />
        <source>Resultado</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="46" />
        <source>Desde</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="47" />
        <source>Detalle</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="61" />
        <source>vía Kafka</source>
        <translation>via Kafka</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="79" />
        <source>Actualizar</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="81" />
        <source>Acciones de los operadores registradas por la CENTRAL</source>
        <translation>Operator actions recorded by CENTRAL</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/audit_view.py" line="91" />
        <source>{n} acciones registradas por la CENTRAL</source>
        <translation>{n} actions recorded by CENTRAL</translation>
    </message>
</context>
<context>
    <name>CentralDownBanner</name>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="237" />
        <source>La CENTRAL no responde desde las {t}: los estados mostrados pueden no estar al día y las solicitudes y órdenes esperarán a que vuelva</source>
        <translation>CENTRAL has not answered since {t}: the states shown may be out of date and requests and commands will wait until it is back</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="239" />
        <source>La CENTRAL no responde: los estados mostrados pueden no estar al día y las solicitudes y órdenes esperarán a que vuelva</source>
        <translation>CENTRAL is not answering: the states shown may be out of date and requests and commands will wait until it is back</translation>
    </message>
</context>
<context>
    <name>CentralIndicator</name>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="195" />
        <source>CENTRAL: en línea</source>
        <translation>CENTRAL: online</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="211" />
        <source>Kafka funciona pero la CENTRAL no publica su latido</source>
        <translation>Kafka works but CENTRAL publishes no heartbeat</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="215" />
        <source>CENTRAL: esperando señal…</source>
        <translation>CENTRAL: waiting for a signal…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="207" />
        <source>CENTRAL: sin respuesta desde {t}</source>
        <translation>CENTRAL: no answer since {t}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="153" />
        <source>CENTRAL en uso: {a}</source>
        <translation>CENTRAL in use: {a}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="155" />
        <source>La anterior ({a}) dejó de responder</source>
        <translation>The previous one ({a}) stopped answering</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="168" />
        <source>Instancia {name}: en línea, {n} particiones</source>
        <translation>Instance {name}: online, {n} partitions</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="171" />
        <source>Instancia {name}: sin latido desde {t}</source>
        <translation>Instance {name}: no heartbeat since {t}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="185" />
        <source>Enlace con la CENTRAL cifrado (TLS) y certificado comprobado</source>
        <translation>Link to CENTRAL encrypted (TLS), certificate verified</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="186" />
        <source>sin cifrar</source>
        <translation>not encrypted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="186" />
        <source>Enlace con la CENTRAL SIN CIFRAR (--plaintext-socket)</source>
        <translation>Link to CENTRAL NOT ENCRYPTED (--plaintext-socket)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="196" />
        <source>La CENTRAL publica su latido en Kafka</source>
        <translation>CENTRAL publishes its heartbeat on Kafka</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="200" />
        <source>CENTRAL: estado desconocido — sin Kafka</source>
        <translation>CENTRAL: state unknown — no Kafka</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="201" />
        <source>Sin Kafka no llega el latido de la CENTRAL; puede estar funcionando (el inicio de sesión usa su conexión directa)</source>
        <translation>Without Kafka the CENTRAL heartbeat cannot arrive; it may be working (logging in uses its direct connection)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="210" />
        <source>CENTRAL: sin respuesta</source>
        <translation>CENTRAL: no answer</translation>
    </message>
</context>
<context>
    <name>CpTile</name>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="59" />
        <source>Disponible</source>
        <translation>Available</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="60" />
        <source>Reservado</source>
        <translation>Reserved</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="61" />
        <source>Cargando</source>
        <translation>Charging</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="62" />
        <source>Fuera de servicio</source>
        <translation>Out of order</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="63" />
        <source>Averiado</source>
        <translation>Faulted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="64" />
        <source>Desconectado</source>
        <translation>Disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="83" />
        <source>{d} · quedaban {t}</source>
        <translation>{d} · had {t} left</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="84" />
        <source>{d} · quedan {t}</source>
        <translation>{d} · {t} left</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="88" />
        <source>Parado por el operador</source>
        <translation>Stopped by the operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="90" />
        <source>Avería</source>
        <translation>Fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="93" />
        <source>visto {t}</source>
        <translation>seen {t}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="94" />
        <source>nunca visto</source>
        <translation>never seen</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="95" />
        <source>Libre</source>
        <translation>Free</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="123" />
        <source>OCPP</source>
        <translation>OCPP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/cp_tile_delegate.py" line="124" />
        <source>OCPP · c{n}</source>
        <translation>OCPP · c{n}</translation>
    </message>
</context>
<context>
    <name>DiagnosticsDialog</name>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="133" />
        <source>Diagnóstico de la conexión con Kafka</source>
        <translation>Kafka connection diagnostics</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="146" />
        <source>Servidores de Kafka: %1</source>
        <translation>Kafka servers: %1</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="155" />
        <source>Estado</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="155" />
        <source>Paso</source>
        <translation>Step</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="155" />
        <source>Duración</source>
        <translation>Duration</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="155" />
        <source>Explicación</source>
        <translation>Explanation</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="170" />
        <source>Repetir</source>
        <translation>Run again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="171" />
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="175" />
        <source>Copiar informe</source>
        <translation>Copy report</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="176" />
        <source>Cerrar</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="249" />
        <source>Correcto</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="249" />
        <source>Aviso</source>
        <translation>Warning</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="250" />
        <source>Fallo</source>
        <translation>Failed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="250" />
        <source>Omitido</source>
        <translation>Skipped</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="251" />
        <source>Pendiente</source>
        <translation>Pending</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="295" />
        <source>Comprobando la conexión con Kafka…</source>
        <translation>Checking the connection to Kafka…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="298" />
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="341" />
        <source>En curso…</source>
        <translation>Running…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="317" />
        <source>Copiado</source>
        <translation>Copied</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/diagnostics_dialog.py" line="331" />
        <source>Qué hacer: %1</source>
        <translation>What to do: %1</translation>
    </message>
</context>
<context>
    <name>DriverPanel</name>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="59" />
        <source>Cerrar sesión</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="103" />
        <source>Solicitar Carga</source>
        <translation>Request charge</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="105" />
        <source>Cualquier CP libre</source>
        <translation>Any free CP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="112" />
        <source>Puntos de carga libres ahora</source>
        <translation>Charging points free now</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="135" />
        <source>Carga</source>
        <translation>Charge</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="136" />
        <source>Servicios</source>
        <translation>Services</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="137" />
        <source>Historial</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="155" />
        <source>{n} libres</source>
        <translation>{n} free</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="155" />
        <source>{n} libre</source>
        <translation>{n} free</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="216" />
        <source>Seleccione primero un punto de carga de la lista (o pulse «Cualquier CP libre»).</source>
        <translation>First select a charging point in the list (or press “Any free CP”).</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="224" />
        <source>Ya hay una solicitud o carga en curso; espere a que termine.</source>
        <translation>A request or charge is already in progress; wait for it to finish.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="252" />
        <source>Detener la carga</source>
        <translation>Stop charging</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="253" />
        <source>¿Detener ahora la carga en {cp}? Recibirá el ticket de la energía suministrada hasta este momento.</source>
        <translation>Stop charging at {cp} now? You will get the ticket for the energy supplied so far.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="271" />
        <source>Detener los servicios</source>
        <translation>Stop the services</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="272" />
        <source>No se pedirán más servicios. ¿Detener también el suministro en curso en {cp}? Si responde No, seguirá hasta su final.</source>
        <translation>No more services will be requested. Stop the supply in progress at {cp} too? If you answer No, it goes on to its end.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="280" />
        <source>Servicios detenidos; el suministro en curso se detiene.</source>
        <translation>Services stopped; the supply in progress is being stopped.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="282" />
        <source>Servicios detenidos; el suministro en curso continúa hasta su final.</source>
        <translation>Services stopped; the supply in progress goes on to its end.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="303" />
        <source>No se pudo guardar la solicitud: disco lleno — libere espacio y vuelva a intentarlo</source>
        <translation>The request could not be saved: the disk is full — free some space and try again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="306" />
        <source>No se pudo guardar la solicitud: ya hay {n} eventos esperando a Kafka (límite de la cola) — espere a que se envíen y vuelva a intentarlo</source>
        <translation>The request could not be saved: {n} events are already waiting for Kafka (the queue's limit) — wait until they are sent and try again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="308" />
        <source>No se pudo guardar la solicitud: error al escribir en el disco — vuelva a intentarlo</source>
        <translation>The request could not be saved: writing to the disk failed — try again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="323" />
        <source>Conductor: &lt;b&gt;{d}&lt;/b&gt;</source>
        <translation>Driver: &lt;b&gt;{d}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/driver_panel.py" line="335" />
        <source>Aviso: la cola de envío local estaba dañada; se ha apartado como {path} y se usa una nueva. Las solicitudes que esperaban en ella no se enviaron.</source>
        <translation>Warning: the local send queue was damaged; it was set aside as {path} and a new one is used. Requests that were waiting in it were not sent.</translation>
    </message>
</context>
<context>
    <name>EventText</name>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="12" />
        <source>sesión caducada o no válida; vuelva a iniciar sesión</source>
        <translation>session expired or invalid; log in again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="13" />
        <source>conductor desconocido</source>
        <translation>unknown driver</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="14" />
        <source>el punto de carga no existe</source>
        <translation>the charging point does not exist</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="15" />
        <source>el punto de carga no está disponible</source>
        <translation>the charging point is not available</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="16" />
        <source>el punto de carga está desconectado</source>
        <translation>the charging point is disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="17" />
        <source>no hay ningún punto de carga libre</source>
        <translation>no charging point is free</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="18" />
        <source>ya tiene una carga en curso</source>
        <translation>already has a charge in progress</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="25" />
        <source>avería del punto de carga</source>
        <translation>charging point fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="26" />
        <source>parada por el operador</source>
        <translation>stopped by the operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="27" />
        <source>el punto de carga perdió la conexión</source>
        <translation>the charging point lost its connection</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="28" />
        <source>cancelada</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="29" />
        <source>detenida por el conductor</source>
        <translation>stopped by the driver</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="30" />
        <source>interrumpida</source>
        <translation>interrupted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="31" />
        <source>completada</source>
        <translation>completed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="39" />
        <location filename="../../ev_desktop/models/event_text.py" line="76" />
        <source>cualquier CP libre</source>
        <translation>any free CP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="40" />
        <location filename="../../ev_desktop/models/event_text.py" line="79" />
        <source>{d} solicita carga en {cp}</source>
        <translation>{d} requests a charge at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="42" />
        <location filename="../../ev_desktop/models/event_text.py" line="81" />
        <source>{d} autorizado en {cp}</source>
        <translation>{d} authorized at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="44" />
        <location filename="../../ev_desktop/models/event_text.py" line="83" />
        <source>{d} denegado: {r}</source>
        <translation>{d} denied: {r}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="47" />
        <location filename="../../ev_desktop/models/event_text.py" line="87" />
        <source>Reserva caducada en {cp} ({d})</source>
        <translation>Reservation expired at {cp} ({d})</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="49" />
        <location filename="../../ev_desktop/models/event_text.py" line="89" />
        <source>{cp}: suministro iniciado</source>
        <translation>{cp}: supply started</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="51" />
        <source>{cp}: suministro terminado, {kwh:.2f} kWh, {eur:.2f} €</source>
        <translation>{cp}: supply finished, {kwh:.2f} kWh, {eur:.2f} €</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="54" />
        <location filename="../../ev_desktop/models/event_text.py" line="91" />
        <source>{cp}: suministro interrumpido ({r})</source>
        <translation>{cp}: supply interrupted ({r})</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="57" />
        <location filename="../../ev_desktop/models/event_text.py" line="94" />
        <source>Ticket {d} en {cp}: {kwh:.2f} kWh, {eur:.2f} €</source>
        <translation>Ticket {d} at {cp}: {kwh:.2f} kWh, {eur:.2f} €</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="60" />
        <source>{cp}: suministro manual solicitado</source>
        <translation>{cp}: manual supply requested</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="62" />
        <source>{cp}: motor en línea</source>
        <translation>{cp}: engine online</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="64" />
        <location filename="../../ev_desktop/models/event_text.py" line="71" />
        <source>Parar</source>
        <translation>Stop</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="64" />
        <location filename="../../ev_desktop/models/event_text.py" line="71" />
        <source>Reanudar</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="65" />
        <location filename="../../ev_desktop/models/event_text.py" line="96" />
        <location filename="../../ev_desktop/models/event_text.py" line="109" />
        <source>todos los CP</source>
        <translation>every CP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="66" />
        <location filename="../../ev_desktop/models/event_text.py" line="110" />
        <source>Operador: {v} {t}</source>
        <translation>Operator: {v} {t}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="85" />
        <source>{d} cancela su solicitud o detiene su carga</source>
        <translation>{d} cancels their request or stops their charge</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="98" />
        <source>Operador {o}: {v} {t} — aplicado por la CENTRAL</source>
        <translation>Operator {o}: {v} {t} — applied by CENTRAL</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="101" />
        <source>Operador {o}: {v} {t} — rechazado por la CENTRAL (sesión no válida)</source>
        <translation>Operator {o}: {v} {t} — refused by CENTRAL (invalid session)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="112" />
        <source>en cola ({n} sin enviar)</source>
        <translation>queued ({n} not sent yet)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="112" />
        <source>en cola</source>
        <translation>queued</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="113" />
        <source>entregado</source>
        <translation>delivered</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="114" />
        <source>aplicado por la CENTRAL</source>
        <translation>applied by CENTRAL</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="115" />
        <source>rechazado por la CENTRAL</source>
        <translation>refused by CENTRAL</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="124" />
        <source>Conexión con Kafka recuperada</source>
        <translation>Connection to Kafka restored</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="124" />
        <source>Sin conexión con Kafka</source>
        <translation>No connection to Kafka</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="126" />
        <source>La CENTRAL vuelve a responder</source>
        <translation>CENTRAL answers again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/event_text.py" line="126" />
        <source>La CENTRAL no responde</source>
        <translation>CENTRAL is not answering</translation>
    </message>
</context>
<context>
    <name>FreeCpModel</name>
    <message>
        <location filename="../../ev_desktop/models/free_cps.py" line="22" />
        <source>Punto</source>
        <translation>Point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/free_cps.py" line="22" />
        <source>Ubicación</source>
        <translation>Location</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/free_cps.py" line="22" />
        <source>Precio</source>
        <translation>Price</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="56" />
        <source>Actualizar</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="60" />
        <source>Fecha</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="60" />
        <source>Punto</source>
        <translation>Point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="60" />
        <source>kWh</source>
        <translation>kWh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="60" />
        <source>Ubicación</source>
        <translation>Location</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="61" />
        <source>Importe</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="61" />
        <source>Resultado</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="61" />
        <source>Sesión</source>
        <translation>Session</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="84" />
        <source>completado</source>
        <translation>completed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="84" />
        <source>avería</source>
        <translation>fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="85" />
        <source>parado por el operador</source>
        <translation>stopped by the operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="85" />
        <source>punto desconectado</source>
        <translation>point disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="86" />
        <source>interrumpido</source>
        <translation>interrupted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="86" />
        <source>reserva caducada</source>
        <translation>reservation expired</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="87" />
        <source>denegado</source>
        <translation>denied</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="87" />
        <source>reservado</source>
        <translation>reserved</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="87" />
        <source>cargando</source>
        <translation>charging</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="88" />
        <source>cancelado</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="114" />
        <source>{n} suministros</source>
        <translation>{n} supplies</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="114" />
        <source>1 suministro</source>
        <translation>1 supply</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/history_view.py" line="115" />
        <source>Total: {kwh:.2f} kWh, {eur:.2f} €</source>
        <translation>Total: {kwh:.2f} kWh, {eur:.2f} €</translation>
    </message>
</context>
<context>
    <name>KafkaIndicator</name>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="77" />
        <source>conectado</source>
        <translation>connected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="78" />
        <source>degradado</source>
        <translation>degraded</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="79" />
        <source>sin conexión</source>
        <translation>offline</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="80" />
        <source>comprobando…</source>
        <translation>checking…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="87" />
        <source>{n} evento en cola</source>
        <translation>{n} event queued</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="94" />
        <source>1 de {n} brokers no responde — el servicio sigue; avise al administrador</source>
        <translation>1 of {n} brokers is not answering — the service goes on; tell the administrator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="96" />
        <source>{m} de {n} brokers no responden — el servicio sigue; avise al administrador</source>
        <translation>{m} of {n} brokers are not answering — the service goes on; tell the administrator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="102" />
        <source>Kafka: {s}</source>
        <translation>Kafka: {s}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="88" />
        <source>{n} eventos en cola</source>
        <translation>{n} events queued</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="109" />
        <source>sin cifrar</source>
        <translation>not encrypted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="111" />
        <source>Pulse para ver el diagnóstico de la conexión con Kafka</source>
        <translation>Click to diagnose the connection to Kafka</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="113" />
        <source>Conexión cifrada (TLS), autenticada como «{p}»</source>
        <translation>Encrypted connection (TLS), authenticated as “{p}”</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="115" />
        <source>Conexión SIN CIFRAR y sin autenticar: cualquiera en la red puede leerla</source>
        <translation>NOT ENCRYPTED, unauthenticated connection: anyone on the network can read it</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="117" />
        <source>Último error: {e}</source>
        <translation>Last error: {e}</translation>
    </message>
</context>
<context>
    <name>LoginForm</name>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="12" />
        <source>Demasiados intentos fallidos — espere {s} s y vuelva a intentarlo</source>
        <translation>Too many failed attempts — wait {s} s and try again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="16" />
        <source>Usuario o contraseña incorrectos</source>
        <translation>Wrong user or password</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="18" />
        <source>Imposible conectar con la CENTRAL ({addr}) — compruebe que está en marcha y reintente</source>
        <translation>Cannot reach CENTRAL ({addr}) — check that it is running and try again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="21" />
        <source>La sesión ha caducado — vuelva a iniciar sesión</source>
        <translation>Your session has expired — please log in again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="23" />
        <source>La CENTRAL ({addr}) no presenta un certificado de confianza para esa dirección, o falta el fichero de la CA — revise la dirección y EV_CA_FILE</source>
        <translation>CENTRAL ({addr}) does not present a trusted certificate for that address, or the CA file is missing — check the address and EV_CA_FILE</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="37" />
        <source>Acceso de conductores</source>
        <translation>Driver login</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="41" />
        <source>p. ej. driver1</source>
        <translation>e.g. driver1</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="45" />
        <location filename="../../ev_desktop/views/login_form.py" line="87" />
        <source>Entrar</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="55" />
        <source>Conductor</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="57" />
        <source>Contraseña</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="83" />
        <source>Escriba su identificador de conductor y su contraseña</source>
        <translation>Type your driver id and your password</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/login_form.py" line="87" />
        <source>Conectando…</source>
        <translation>Connecting…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="46" />
        <source>EVCharging — Centro de control</source>
        <translation>EVCharging — Control centre</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="73" />
        <location filename="../../ev_desktop/main_window.py" line="88" />
        <source>Conductor</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="88" />
        <location filename="../../ev_desktop/main_window.py" line="173" />
        <location filename="../../ev_desktop/workbench_setup.py" line="69" />
        <source>Operador</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="96" />
        <source>&amp;Archivo</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="97" />
        <source>Ajustes de conexión…</source>
        <translation>Connection settings…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="100" />
        <source>Diagnóstico de Kafka…</source>
        <translation>Kafka diagnostics…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="104" />
        <source>Salir</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="107" />
        <source>A&amp;yuda</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="108" />
        <source>Acerca de EVCharging…</source>
        <translation>About EVCharging…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="112" />
        <source>Buscar punto de carga</source>
        <translation>Find a charging point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="199" />
        <source>Su sesión de operador ha caducado — vuelva a iniciar sesión</source>
        <translation>Your operator session has expired — please sign in again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="200" />
        <source>Ha cambiado la CENTRAL — vuelva a iniciar sesión como operador</source>
        <translation>The CENTRAL has changed — sign in again as an operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="283" />
        <source>EVCharging — Centro de control, versión {v}

Datos (ajustes, colas de envío, registro de eventos): {d}
Registro de eventos del operador: {log}
Fichero de registro (log) de la aplicación: {applog}

Atajos: F1 esta ayuda · Ctrl+F buscar un punto de carga · pulse el indicador de Kafka para ver el diagnóstico</source>
        <translation>EVCharging — Control centre, version {v}

Data (settings, send queues, event log): {d}
Operator event log: {log}
Application log file: {applog}

Shortcuts: F1 this help · Ctrl+F find a charging point · click the Kafka indicator for the diagnostics</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="292" />
        <source>Acerca de EVCharging</source>
        <translation>About EVCharging</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="309" />
        <source>Suministro terminado en {cp}: {kwh:.2f} kWh, {eur:.2f} €</source>
        <translation>Supply finished at {cp}: {kwh:.2f} kWh, {eur:.2f} €</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="312" />
        <source>Suministro interrumpido en {cp}</source>
        <translation>Supply interrupted at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="348" />
        <source>Ajustes aplicados. Vuelva a iniciar sesión para usarlos en su sesión de conductor.</source>
        <translation>Settings applied. Log in again to use them in your driver session.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/main_window.py" line="362" />
        <source>El diagnóstico de Kafka no está disponible en esta instalación</source>
        <translation>Kafka diagnostics are not available in this installation</translation>
    </message>
</context>
<context>
    <name>OperatorDashboard</name>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="146" />
        <source>Buscar por id o ubicación…</source>
        <translation>Search by id or location…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="149" />
        <source>Parar todos</source>
        <translation>Stop all</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="151" />
        <source>Reanudar todos</source>
        <translation>Resume all</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="161" />
        <source>Cerrar sesión</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="177" />
        <source>Parar todos los puntos de carga (se pide confirmación)</source>
        <translation>Stop every charging point (asks for confirmation)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="178" />
        <source>Volver a poner en servicio todos los puntos de carga</source>
        <translation>Put every charging point back in service</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="179" />
        <source>Filtrar por id o ubicación (Ctrl+F)</source>
        <translation>Filter by id or location (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="213" />
        <source>Eventos en directo</source>
        <translation>Live events</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="270" />
        <source>Ningún punto de carga coincide con el filtro (borre la búsqueda o pulse otra vez el estado)</source>
        <translation>No charging point matches the filter (clear the search or click the state again)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="273" />
        <source>Mostrando {n} de {t}</source>
        <translation>Showing {n} of {t}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="278" />
        <source>Operador: &lt;b&gt;{o}&lt;/b&gt;</source>
        <translation>Operator: &lt;b&gt;{o}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="336" />
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="350" />
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="355" />
        <source>Parar {cp}</source>
        <translation>Stop {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="340" />
        <source>Reanudar {cp}</source>
        <translation>Resume {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="351" />
        <source>{cp} está suministrando a {d} ({kwh:.2f} kWh). ¿Parar el punto de carga? El suministro terminará ahora y se le cobrará lo suministrado.</source>
        <translation>{cp} is supplying {d} ({kwh:.2f} kWh). Stop the charging point? The supply ends now and what was supplied is billed.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="356" />
        <source>{cp} está reservado para {d}. ¿Parar el punto de carga? La reserva quedará anulada.</source>
        <translation>{cp} is reserved for {d}. Stop the charging point? The reservation will be cancelled.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="379" />
        <source>Parar todos los CP</source>
        <translation>Stop every CP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="380" />
        <source>¿Parar los {n} puntos de carga? Los suministros en curso terminarán ahora.</source>
        <translation>Stop all {n} charging points? Running supplies will end now.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="383" />
        <source>Reanudar todos los CP</source>
        <translation>Resume every CP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="384" />
        <source>¿Reanudar los {n} puntos de carga?</source>
        <translation>Resume all {n} charging points?</translation>
    </message>
</context>
<context>
    <name>OperatorLoginForm</name>
    <message>
        <location filename="../../ev_desktop/views/operator_login.py" line="20" />
        <source>Acceso de operadores</source>
        <translation>Operator sign-in</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_login.py" line="21" />
        <source>Operador</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_login.py" line="23" />
        <source>p. ej. operator1</source>
        <translation>e.g. operator1</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_login.py" line="28" />
        <source>Escriba su identificador de operador y su contraseña</source>
        <translation>Type your operator id and your password</translation>
    </message>
</context>
<context>
    <name>ReportModels</name>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="14" />
        <source>completado</source>
        <translation>completed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="14" />
        <source>avería</source>
        <translation>fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="14" />
        <source>parado por operador</source>
        <translation>stopped by operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="15" />
        <source>monitor perdido</source>
        <translation>monitor lost</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="15" />
        <location filename="../../ev_desktop/models/report_models.py" line="23" />
        <source>interrumpido</source>
        <translation>interrupted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="15" />
        <location filename="../../ev_desktop/models/report_models.py" line="24" />
        <source>caducado</source>
        <translation>expired</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="16" />
        <location filename="../../ev_desktop/models/report_models.py" line="25" />
        <source>cancelado</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="20" />
        <source>finalizado</source>
        <translation>finished</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="21" />
        <source>reservado</source>
        <translation>reserved</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="22" />
        <source>cargando</source>
        <translation>charging</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="73" />
        <source>Fecha</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="73" />
        <location filename="../../ev_desktop/models/report_models.py" line="86" />
        <source>Punto</source>
        <translation>Point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="74" />
        <location filename="../../ev_desktop/models/report_models.py" line="87" />
        <source>Conductor</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="74" />
        <location filename="../../ev_desktop/models/report_models.py" line="87" />
        <source>Estado</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="75" />
        <source>Resultado</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="75" />
        <location filename="../../ev_desktop/models/report_models.py" line="88" />
        <source>kWh</source>
        <translation>kWh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="76" />
        <source>€</source>
        <translation>€</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="76" />
        <location filename="../../ev_desktop/models/report_models.py" line="86" />
        <source>Sesión</source>
        <translation>Session</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="80" />
        <source>abierto demasiado tiempo</source>
        <translation>open too long</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="80" />
        <source>sin telemetría</source>
        <translation>no telemetry</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="81" />
        <source>energía imposible</source>
        <translation>impossible energy</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="88" />
        <source>Desde</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/models/report_models.py" line="89" />
        <source>Por qué</source>
        <translation>Why</translation>
    </message>
</context>
<context>
    <name>ReportsView</name>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="43" />
        <source>Punto (todos)</source>
        <translation>Point (all)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="45" />
        <source>Conductor (todos)</source>
        <translation>Driver (all)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="47" />
        <source>Todos los resultados</source>
        <translation>All outcomes</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="47" />
        <source>completado</source>
        <translation>completed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="48" />
        <source>avería</source>
        <translation>fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="48" />
        <source>parado por operador</source>
        <translation>stopped by operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="49" />
        <source>monitor perdido</source>
        <translation>monitor lost</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="49" />
        <source>interrumpido</source>
        <translation>interrupted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="50" />
        <source>abiertos</source>
        <translation>open</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="53" />
        <source>Por día</source>
        <translation>Per day</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="54" />
        <source>Por hora</source>
        <translation>Per hour</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="55" />
        <source>Consultar</source>
        <translation>Query</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="58" />
        <source>Exportar CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="61" />
        <source>Desde</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="61" />
        <source>Hasta</source>
        <translation>To</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="79" />
        <source>Anterior</source>
        <translation>Previous</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="80" />
        <source>Siguiente</source>
        <translation>Next</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="91" />
        <source>Energía y facturación</source>
        <translation>Energy and revenue</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="146" />
        <source>Exportar suministros</source>
        <translation>Export supplies</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="147" />
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="165" />
        <source>kWh</source>
        <translation>kWh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="165" />
        <source>€</source>
        <translation>€</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/reports_view.py" line="192" />
        <source>Página {p} de {n} — {t} suministros</source>
        <translation>Page {p} of {n} — {t} supplies</translation>
    </message>
</context>
<context>
    <name>ServicesView</name>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="23" />
        <source>Cargar fichero de servicios…</source>
        <translation>Load services file…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="25" />
        <source>Ejecutar</source>
        <translation>Run</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="27" />
        <source>Detener</source>
        <translation>Stop</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="29" />
        <source>Ningún fichero cargado</source>
        <translation>No file loaded</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="32" />
        <source>%v de %m</source>
        <translation>%v of %m</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="57" />
        <source>Fichero de servicios</source>
        <translation>Services file</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="58" />
        <source>Ficheros de texto (*.txt);;Todos (*)</source>
        <translation>Text files (*.txt);;All (*)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="71" />
        <source>{f}: {n} puntos de carga ({cps})</source>
        <translation>{f}: {n} charging points ({cps})</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="93" />
        <source>Servicio {i} de {n}: solicitando {cp}…</source>
        <translation>Service {i} of {n}: requesting {cp}…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="99" />
        <source>Servicio {i} terminado; el siguiente empieza en 4 s</source>
        <translation>Service {i} done; the next one starts in 4 s</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="103" />
        <source>completado</source>
        <translation>completed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="103" />
        <source>avería</source>
        <translation>fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="104" />
        <source>parado por el operador</source>
        <translation>stopped by the operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="104" />
        <source>punto desconectado</source>
        <translation>point disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="105" />
        <source>interrumpido</source>
        <translation>interrupted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="105" />
        <source>denegado</source>
        <translation>denied</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="106" />
        <source>reserva caducada</source>
        <translation>reservation expired</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="106" />
        <source>sin respuesta</source>
        <translation>no answer</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="107" />
        <source>no solicitado (servicios detenidos)</source>
        <translation>not requested (services stopped)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="107" />
        <source>cancelado</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="113" />
        <source>(en {cp})</source>
        <translation>(at {cp})</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/services_view.py" line="119" />
        <source>Servicios terminados: {n} de {t}</source>
        <translation>Services finished: {n} of {t}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="16" />
        <source>Ajustes de conexión</source>
        <translation>Connection settings</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="26" />
        <source>fichero .toml que da el administrador (0600)</source>
        <translation>.toml file given by the administrator (0600)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="30" />
        <source>Servidores Kafka</source>
        <translation>Kafka servers</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="31" />
        <source>CENTRAL (HOST:PUERTO[, HOST:PUERTO…])</source>
        <translation>CENTRAL (HOST:PORT[, HOST:PORT…])</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="32" />
        <source>Prefijo de topics</source>
        <translation>Topic prefix</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="33" />
        <source>Credenciales de Kafka</source>
        <translation>Kafka credentials</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="34" />
        <source>Aviso sonoro al terminar un suministro</source>
        <translation>Sound when a supply ends</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="38" />
        <source>Al aplicar, la aplicación se reconecta con estos valores. Los eventos en cola no se pierden.</source>
        <translation>Applying reconnects the app with these values. Queued events are not lost.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="46" />
        <source>Aplicar</source>
        <translation>Apply</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/settings_dialog.py" line="47" />
        <source>Cancelar</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>StaleDataBanner</name>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="278" />
        <source>Kafka responde con errores — todavía no se ha recibido ningún dato</source>
        <translation>Kafka answers with errors — no data received yet</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="279" />
        <source>Kafka responde con errores — datos de las {t}, pueden no estar al día</source>
        <translation>Kafka answers with errors — data as of {t}, it may be out of date</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="282" />
        <source>Sin conexión con Kafka — todavía no se ha recibido ningún dato</source>
        <translation>No connection to Kafka — no data received yet</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/status_widgets.py" line="283" />
        <source>Sin conexión con Kafka — datos de las {t}, pueden no estar al día</source>
        <translation>No connection to Kafka — data as of {t}, it may be out of date</translation>
    </message>
</context>
<context>
    <name>StateSummaryBar</name>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="72" />
        <source>Pulse para ver solo estos puntos de carga (otra vez: todos)</source>
        <translation>Click to see only these charging points (again: all)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/operator_dashboard.py" line="86" />
        <source>Total: {n} CP</source>
        <translation>Total: {n} CPs</translation>
    </message>
</context>
<context>
    <name>SupplyView</name>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="68" />
        <source>Potencia</source>
        <translation>Power</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="68" />
        <location filename="../../ev_desktop/views/supply_view.py" line="321" />
        <source>Energía</source>
        <translation>Energy</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="69" />
        <source>Importe</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="92" />
        <source>kW</source>
        <translation>kW</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="93" />
        <source>segundos</source>
        <translation>seconds</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="103" />
        <location filename="../../ev_desktop/views/supply_view.py" line="244" />
        <source>Copiar ticket</source>
        <translation>Copy ticket</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="106" />
        <source>Guardar ticket…</source>
        <translation>Save ticket…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="137" />
        <source>la sesión ha caducado — vuelva a iniciar sesión</source>
        <translation>your session has expired — please log in again</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="138" />
        <source>conductor desconocido para la CENTRAL</source>
        <translation>driver unknown to CENTRAL</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="139" />
        <source>ese punto de carga no existe</source>
        <translation>that charging point does not exist</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="140" />
        <source>el punto de carga no está disponible ahora</source>
        <translation>the charging point is not available now</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="141" />
        <source>el punto de carga está desconectado</source>
        <translation>the charging point is disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="142" />
        <source>no hay ningún punto de carga libre ahora</source>
        <translation>no charging point is free right now</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="143" />
        <source>ya tiene una carga en curso o reservada</source>
        <translation>you already have a charge in progress or reserved</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="148" />
        <source>avería en el punto de carga</source>
        <translation>fault at the charging point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="149" />
        <source>parada por el operador</source>
        <translation>stopped by the operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="150" />
        <source>se perdió la conexión con el punto de carga</source>
        <translation>the connection to the charging point was lost</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="151" />
        <source>cancelada</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="152" />
        <source>detenida por usted</source>
        <translation>stopped by you</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="157" />
        <source>completado</source>
        <translation>completed</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="158" />
        <source>avería</source>
        <translation>fault</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="159" />
        <source>parado por el operador</source>
        <translation>stopped by the operator</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="160" />
        <source>punto desconectado</source>
        <translation>point disconnected</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="161" />
        <source>interrumpido</source>
        <translation>interrupted</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="165" />
        <source>Cancelar solicitud</source>
        <translation>Cancel request</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="165" />
        <source>Cancelar reserva</source>
        <translation>Cancel reservation</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="166" />
        <source>Detener carga</source>
        <translation>Stop charging</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="166" />
        <source>Cancelar</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="171" />
        <source>La CENTRAL no responde — la solicitud espera en Kafka a que vuelva</source>
        <translation>CENTRAL is not answering — the request waits in Kafka until it is back</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="173" />
        <source>Enviando a la CENTRAL…</source>
        <translation>Sending to CENTRAL…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="175" />
        <source>Kafka responde con errores — se enviará en cuanto se recupere</source>
        <translation>Kafka answers with errors — it will be sent as soon as it recovers</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="176" />
        <source>Esperando a Kafka — se enviará en cuanto haya conexión</source>
        <translation>Waiting for Kafka — it will be sent as soon as there is a connection</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="181" />
        <source>Punto de carga pedido</source>
        <translation>Charging point requested</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="183" />
        <source>Pedida a las</source>
        <translation>Requested at</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="184" />
        <source>Esperando desde hace</source>
        <translation>Waiting for</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="187" />
        <source> desde las {t}</source>
        <translation> since {t}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="188" />
        <source>La CENTRAL no responde{since}. La solicitud ya está en Kafka y la CENTRAL la atenderá en cuanto vuelva.</source>
        <translation>CENTRAL has not answered{since}. The request is already in Kafka and CENTRAL will handle it as soon as it is back.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="191" />
        <source>Hay conexión con Kafka: la solicitud sale hacia la CENTRAL. En cuanto conteste verá aquí la autorización o el motivo del rechazo.</source>
        <translation>Kafka is connected: the request is on its way to CENTRAL. As soon as it answers you will see here the authorization or the reason for a refusal.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="194" />
        <source>La solicitud está guardada en el disco de este equipo y se enviará sola en cuanto vuelva la conexión con Kafka. No se pierde aunque cierre la aplicación.</source>
        <translation>The request is saved on this computer's disk and will be sent by itself as soon as the connection to Kafka is back. It is not lost even if you close the app.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="196" />
        <source>No hace falta repetirla: esta pantalla cambiará sola cuando la CENTRAL responda.</source>
        <translation>No need to ask again: this screen will change by itself when CENTRAL answers.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="227" />
        <source>Deteniendo…</source>
        <translation>Stopping…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="255" />
        <source>Sin carga en curso</source>
        <translation>No charge in progress</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="256" />
        <source>Elija un punto de carga libre y pulse «Solicitar Carga», o pida «Cualquier CP libre».</source>
        <translation>Choose a free charging point and press “Request charge”, or ask for “Any free CP”.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="180" />
        <location filename="../../ev_desktop/views/supply_view.py" line="257" />
        <source>cualquier CP libre</source>
        <translation>any free CP</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="259" />
        <source>Solicitud en cola para {cp}</source>
        <translation>Request queued for {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="262" />
        <source>Autorizado en {cp}</source>
        <translation>Authorized at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="263" />
        <source>{loc} · {price:.2f} €/kWh</source>
        <translation>{loc} · {price:.2f} €/kWh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="265" />
        <source>Reservado para usted: quedan {t} para conectar el vehículo</source>
        <translation>Reserved for you: {t} left to plug in the vehicle</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="269" />
        <source>Solicitud denegada</source>
        <translation>Request denied</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="270" />
        <location filename="../../ev_desktop/views/supply_view.py" line="282" />
        <source>Motivo: {r}</source>
        <translation>Reason: {r}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="272" />
        <source>La reserva en {cp} ha caducado</source>
        <translation>The reservation at {cp} has expired</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="273" />
        <source>No se conectó el vehículo a tiempo; puede volver a solicitar una carga.</source>
        <translation>The vehicle was not plugged in in time; you may request a charge again.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="276" />
        <source>Deteniendo la carga en {cp}…</source>
        <translation>Stopping the charge at {cp}…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="277" />
        <source>El punto de carga termina el suministro; el ticket llegará enseguida.</source>
        <translation>The charging point is ending the supply; the ticket will arrive shortly.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="278" />
        <source>CARGANDO ⚡ en {cp}</source>
        <translation>CHARGING ⚡ at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="280" />
        <source>Cancelado</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="280" />
        <source>Puede solicitar otra carga cuando quiera.</source>
        <translation>You can request another charge whenever you like.</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="284" />
        <source>Esperando el ticket final…</source>
        <translation>Waiting for the final ticket…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="285" />
        <source>Suministro interrumpido en {cp}</source>
        <translation>Supply interrupted at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="287" />
        <source>Suministro terminado en {cp}</source>
        <translation>Supply finished at {cp}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="287" />
        <source>Este es su ticket:</source>
        <translation>Here is your ticket:</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="299" />
        <source>Copiado</source>
        <translation>Copied</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="304" />
        <source>Guardar ticket</source>
        <translation>Save ticket</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="305" />
        <source>Texto (*.txt)</source>
        <translation>Text (*.txt)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="311" />
        <source>No se pudo guardar el ticket: {e}</source>
        <translation>The ticket could not be saved: {e}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="318" />
        <source>Punto de carga</source>
        <translation>Charging point</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="319" />
        <source>Inicio</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="320" />
        <source>Fin</source>
        <translation>End</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="69" />
        <location filename="../../ev_desktop/views/supply_view.py" line="322" />
        <source>Precio</source>
        <translation>Price</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="323" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/supply_view.py" line="324" />
        <source>Resultado</source>
        <translation>Outcome</translation>
    </message>
</context>
<context>
    <name>SuspectsView</name>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="33" />
        <source>Suministros abiertos demasiado tiempo, sin telemetría o con energía imposible</source>
        <translation>Supplies open too long, without telemetry or with impossible energy</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="34" />
        <source>Actualizar</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="36" />
        <source>Cronología</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="38" />
        <source>Cerrar con motivo…</source>
        <translation>Close with reason…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="58" />
        <source>Cerrar suministro</source>
        <translation>Close supply</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="59" />
        <source>Motivo del cierre de {s} (se factura la última telemetría y el conductor recibe su ticket):</source>
        <translation>Reason for closing {s} (the last telemetry is billed and the driver gets the ticket):</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/suspects_view.py" line="75" />
        <source>{n} suministros sospechosos</source>
        <translation>{n} suspect supplies</translation>
    </message>
</context>
<context>
    <name>TimelineDialog</name>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="28" />
        <source>Cronología del suministro {s}</source>
        <translation>Timeline of supply {s}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="34" />
        <source>Energía suministrada (kWh)</source>
        <translation>Energy supplied (kWh)</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="40" />
        <source>Copiar</source>
        <translation>Copy</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="42" />
        <source>Exportar…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="44" />
        <source>Cerrar</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="47" />
        <source>Datos registrados por la CENTRAL</source>
        <translation>Data recorded by CENTRAL</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="58" />
        <source>Suministro {s} — punto {cp} — conductor {d}</source>
        <translation>Supply {s} — point {cp} — driver {d}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="60" />
        <source>Estado: {st}; {kwh:.3f} kWh; {eur:.2f} €; precio {p} €/kWh</source>
        <translation>State: {st}; {kwh:.3f} kWh; {eur:.2f} €; price {p} €/kWh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="66" />
        <source>Ticket: {kwh:.3f} kWh, {eur:.2f} € ({o}), emitido {w}</source>
        <translation>Ticket: {kwh:.3f} kWh, {eur:.2f} € ({o}), issued {w}</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="86" />
        <source>minutos desde el inicio</source>
        <translation>minutes since the start</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="87" />
        <source>kWh</source>
        <translation>kWh</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="97" />
        <source>Exportar cronología</source>
        <translation>Export timeline</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/views/timeline_view.py" line="98" />
        <source>Texto (*.txt)</source>
        <translation>Text (*.txt)</translation>
    </message>
</context>
<context>
    <name>Workbench</name>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="43" />
        <location filename="../../ev_desktop/workbench_setup.py" line="67" />
        <source>Alertas</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="46" />
        <source>Suministros sospechosos</source>
        <translation>Suspect supplies</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="47" />
        <source>Informes</source>
        <translation>Reports</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="48" />
        <source>Auditoría</source>
        <translation>Audit</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="67" />
        <source>Alertas ({n})</source>
        <translation>Alerts ({n})</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="69" />
        <source>Operador ({n})</source>
        <translation>Operator ({n})</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="92" />
        <source>Suministro {s} cerrado: {kwh:.3f} kWh, {eur:.2f} €</source>
        <translation>Supply {s} closed: {kwh:.3f} kWh, {eur:.2f} €</translation>
    </message>
    <message>
        <location filename="../../ev_desktop/workbench_setup.py" line="110" />
        <source>Exportados {n} de {t} suministros a {p}</source>
        <translation>Exported {n} of {t} supplies to {p}</translation>
    </message>
</context>
<context>
    <name>DiagnosticsSteps</name>
    <message>
        <source>Resolución de nombres</source>
        <translation>Name resolution</translation>
    </message>
    <message>
        <source>Conexión TCP</source>
        <translation>TCP connection</translation>
    </message>
    <message>
        <source>Cifrado (TLS) y certificado</source>
        <translation>Encryption (TLS) and certificate</translation>
    </message>
    <message>
        <source>Saludo Kafka (ApiVersions)</source>
        <translation>Kafka handshake (ApiVersions)</translation>
    </message>
    <message>
        <source>Autenticación (SASL/SCRAM)</source>
        <translation>Authentication (SASL/SCRAM)</translation>
    </message>
    <message>
        <source>Metadatos del clúster</source>
        <translation>Cluster metadata</translation>
    </message>
    <message>
        <source>Direcciones anunciadas</source>
        <translation>Advertised addresses</translation>
    </message>
    <message>
        <source>Temas esperados</source>
        <translation>Expected topics</translation>
    </message>
    <message>
        <source>Permisos sobre los temas</source>
        <translation>Topic permissions</translation>
    </message>
    <message>
        <source>Envío y recepción de prueba</source>
        <translation>Test send and receive</translation>
    </message>
    <message>
        <source>Retraso de los consumidores</source>
        <translation>Consumer lag</translation>
    </message>
</context>
<context>
    <name>DiagnosticsMessages</name>
    <message>
        <source>Nombres resueltos: {summary}.</source>
        <translation>Names resolved: {summary}.</translation>
    </message>
    <message>
        <source>La dirección «{value}» no es válida: se espera host:puerto (p. ej. pc2.local:9092).</source>
        <translation>The address “{value}” is not valid: host:port expected (e.g. pc2.local:9092).</translation>
    </message>
    <message>
        <source>Corrija la dirección de Kafka (opción --kafka / bootstrap servers).</source>
        <translation>Correct the Kafka address (option --kafka / bootstrap servers).</translation>
    </message>
    <message>
        <source>No se puede resolver {failed}; los demás servidores sí se resuelven.</source>
        <translation>Cannot resolve {failed}; the other servers do resolve.</translation>
    </message>
    <message>
        <source>Corrija o quite ese nombre de la lista de servidores de Kafka.</source>
        <translation>Correct that name or remove it from the list of Kafka servers.</translation>
    </message>
    <message>
        <source>No se puede resolver el nombre {failed} ({error}): nombre de máquina desconocido.</source>
        <translation>Cannot resolve the name {failed} ({error}): unknown host name.</translation>
    </message>
    <message>
        <source>Compruebe que «{failed}» está bien escrito y que el DNS o el fichero hosts de esta máquina lo conocen, o use directamente la IP del servidor de Kafka.</source>
        <translation>Check that “{failed}” is spelt right and that this machine's DNS or hosts file knows it, or use the Kafka server's IP address directly.</translation>
    </message>
    <message>
        <source>Conexión TCP establecida con {targets}.</source>
        <translation>TCP connection established with {targets}.</translation>
    </message>
    <message>
        <source>{failed} Los demás servidores sí aceptan la conexión.</source>
        <translation>{failed} The other servers do accept the connection.</translation>
    </message>
    <message>
        <source>Revise el servidor que falla; mientras tanto se usarán los demás.</source>
        <translation>Check the failing server; the others are used meanwhile.</translation>
    </message>
    <message>
        <source>Conexión rechazada: no hay nada escuchando en {target} — ¿está Kafka arrancado? ¿es el puerto correcto?</source>
        <translation>Connection refused: nothing is listening on {target} — is Kafka running? Is it the right port?</translation>
    </message>
    <message>
        <source>Arranque Kafka en esa máquina (ev-kafka start) o corrija el puerto. Si Kafka escucha sólo en 127.0.0.1, arránquelo con --listen-host 0.0.0.0 para aceptar otras máquinas.</source>
        <translation>Start Kafka on that machine (ev-kafka start) or correct the port. If Kafka listens on 127.0.0.1 only, start it with --listen-host 0.0.0.0 to accept other machines.</translation>
    </message>
    <message>
        <source>Sin respuesta de {target} en {timeout_s} s: un cortafuegos descarta los paquetes o la máquina no es alcanzable.</source>
        <translation>No answer from {target} within {timeout_s} s: a firewall drops the packets or the machine cannot be reached.</translation>
    </message>
    <message>
        <source>Abra el puerto {port}/TCP en el cortafuegos de la máquina de Kafka (y de la red) y compruebe que {host} es la dirección de esa máquina.</source>
        <translation>Open port {port}/TCP in the firewall of the Kafka machine (and of the network) and check that {host} is that machine's address.</translation>
    </message>
    <message>
        <source>La red no tiene ruta hacia {target} ({error}).</source>
        <translation>The network has no route to {target} ({error}).</translation>
    </message>
    <message>
        <source>Compruebe que esta máquina está en la misma red que el servidor de Kafka (cable, Wi-Fi, VPN, IP y máscara).</source>
        <translation>Check that this machine is on the same network as the Kafka server (cable, Wi-Fi, VPN, IP and netmask).</translation>
    </message>
    <message>
        <source>No se pudo conectar con {target}: {error}.</source>
        <translation>Could not connect to {target}: {error}.</translation>
    </message>
    <message>
        <source>Compruebe la dirección y la red.</source>
        <translation>Check the address and the network.</translation>
    </message>
    <message>
        <source>{target} responde como Kafka ({api_count} APIs admitidas).</source>
        <translation>{target} answers as Kafka ({api_count} APIs supported).</translation>
    </message>
    <message>
        <source>Algo escucha en {target}, pero no contesta al protocolo Kafka en {timeout_s} s: no es Kafka (o espera TLS/SSL).</source>
        <translation>Something listens on {target} but does not answer the Kafka protocol within {timeout_s} s: it is not Kafka (or it expects TLS/SSL).</translation>
    </message>
    <message>
        <source>Compruebe el puerto: probablemente apunta a otro servicio. Use el puerto de clientes de Kafka (listeners=PLAINTEXT, normalmente 9092).</source>
        <translation>Check the port: it probably points to another service. Use Kafka's client port (listeners=PLAINTEXT, usually 9092).</translation>
    </message>
    <message>
        <source>{target} aceptó la conexión y la cerró sin contestar: no es un broker Kafka (o es un puerto con TLS/SASL).</source>
        <translation>{target} accepted the connection and closed it without answering: it is not a Kafka broker (or the port uses TLS/SASL).</translation>
    </message>
    <message>
        <source>Compruebe el puerto y el protocolo: use el puerto PLAINTEXT de clientes de Kafka.</source>
        <translation>Check the port and the protocol: use Kafka's PLAINTEXT client port.</translation>
    </message>
    <message>
        <source>{target} contestó algo que no es Kafka («{preview}»): hay otro servicio en ese puerto.</source>
        <translation>{target} answered something that is not Kafka (“{preview}”): another service is on that port.</translation>
    </message>
    <message>
        <source>Corrija el puerto: apunte al puerto de clientes de Kafka (normalmente 9092).</source>
        <translation>Correct the port: point to Kafka's client port (usually 9092).</translation>
    </message>
    <message>
        <source>El broker en {target} rechazó la petición ApiVersions: {error}.</source>
        <translation>The broker at {target} rejected the ApiVersions request: {error}.</translation>
    </message>
    <message>
        <source>Compruebe la versión de Kafka (se necesita 2.x o superior).</source>
        <translation>Check the Kafka version (2.x or later is needed).</translation>
    </message>
    <message>
        <source>Clúster {cluster_id}, controlador {controller_id}, brokers anunciados: {brokers}.</source>
        <translation>Cluster {cluster_id}, controller {controller_id}, advertised brokers: {brokers}.</translation>
    </message>
    <message>
        <source>{target} contesta al saludo Kafka pero no a la petición de metadatos: {error}.</source>
        <translation>{target} answers the Kafka handshake but not the metadata request: {error}.</translation>
    </message>
    <message>
        <source>¿Apunta al puerto del controlador KRaft en vez del de clientes? Use el puerto de clientes (listeners=PLAINTEXT).</source>
        <translation>Does it point to the KRaft controller port instead of the client port? Use the client port (listeners=PLAINTEXT).</translation>
    </message>
    <message>
        <source>El clúster no anuncia ningún broker (¿está todavía arrancando?).</source>
        <translation>The cluster advertises no broker (is it still starting?).</translation>
    </message>
    <message>
        <source>Espere unos segundos y pulse Repetir.</source>
        <translation>Wait a few seconds and press Run again.</translation>
    </message>
    <message>
        <source>Todas las direcciones anunciadas son accesibles desde esta máquina: {brokers}.</source>
        <translation>Every advertised address can be reached from this machine: {brokers}.</translation>
    </message>
    <message>
        <source>El broker se anuncia como {advertised}, pero esta máquina no puede alcanzar esa dirección ({reason}). Ajuste advertised.listeners en el broker a una dirección accesible desde los clientes.</source>
        <translation>The broker advertises itself as {advertised}, but this machine cannot reach that address ({reason}). Set advertised.listeners on the broker to an address the clients can reach.</translation>
    </message>
    <message>
        <source>{advice}</source>
        <translation>{advice}</translation>
    </message>
    <message>
        <source>El broker se anuncia como {advertised} (una dirección local) aunque usted conecta por {bootstrap_host}: desde otra máquina esa dirección apunta a ella misma.</source>
        <translation>The broker advertises itself as {advertised} (a local address) although you connect through {bootstrap_host}: from another machine that address points to that machine itself.</translation>
    </message>
    <message>
        <source>Existen los {count} temas esperados (prefijo «{prefix}»).</source>
        <translation>All {count} expected topics exist (prefix “{prefix}”).</translation>
    </message>
    <message>
        <source>Faltan {count} temas: {missing}.</source>
        <translation>{count} topics are missing: {missing}.</translation>
    </message>
    <message>
        <source>Arranque la Central o ejecute «ev-kafka start --topic-prefix {prefix}» para crearlos, y compruebe que todos los componentes usan el mismo prefijo de temas.</source>
        <translation>Start Central or run “ev-kafka start --topic-prefix {prefix}” to create them, and check that every component uses the same topic prefix.</translation>
    </message>
    <message>
        <source>No se pudo obtener la lista de temas a través de los brokers anunciados: {error}.</source>
        <translation>Could not get the list of topics through the advertised brokers: {error}.</translation>
    </message>
    <message>
        <source>Repita la comprobación; si persiste, revise los registros del broker.</source>
        <translation>Run the check again; if it persists, look at the broker's logs.</translation>
    </message>
    <message>
        <source>Mensaje de prueba enviado y recibido en {latency_ms} ms (tema {topic}).</source>
        <translation>Test message sent and received in {latency_ms} ms (topic {topic}).</translation>
    </message>
    <message>
        <source>Mensaje de prueba enviado y recibido, pero tardó {latency_ms} ms (tema {topic}).</source>
        <translation>Test message sent and received, but it took {latency_ms} ms (topic {topic}).</translation>
    </message>
    <message>
        <source>El enlace o el broker van lentos; revise la red y la carga del broker.</source>
        <translation>The link or the broker is slow; check the network and the broker's load.</translation>
    </message>
    <message>
        <source>No se pudo enviar un mensaje de prueba a {topic}: {error}.</source>
        <translation>Could not send a test message to {topic}: {error}.</translation>
    </message>
    <message>
        <source>Revise los registros del broker (disco lleno, permisos/ACL, réplicas insuficientes).</source>
        <translation>Look at the broker's logs (disk full, permissions/ACL, not enough replicas).</translation>
    </message>
    <message>
        <source>El mensaje de prueba se envió (offset {offset}) pero no se recibió en {timeout_s} s.</source>
        <translation>The test message was sent (offset {offset}) but not received within {timeout_s} s.</translation>
    </message>
    <message>
        <source>Revise los registros del broker; la lectura desde Kafka no funciona.</source>
        <translation>Look at the broker's logs; reading from Kafka does not work.</translation>
    </message>
    <message>
        <source>Falló la prueba de envío y recepción: {error}.</source>
        <translation>The send-and-receive test failed: {error}.</translation>
    </message>
    <message>
        <source>{summary}</source>
        <translation>{summary}</translation>
    </message>
    <message>
        <source>Repita la comprobación más tarde.</source>
        <translation>Run the check again later.</translation>
    </message>
    <message>
        <source>No hay ningún lector ni grupo de consumidores que comprobar.</source>
        <translation>There is no reader and no consumer group to check.</translation>
    </message>
    <message>
        <source>Omitido porque falló el paso «{step}».</source>
        <translation>Skipped because the step “{step}” failed.</translation>
    </message>
    <message>
        <source>Cancelado.</source>
        <translation>Cancelled.</translation>
    </message>
    <message>
        <source>Error inesperado durante la comprobación: {error}.</source>
        <translation>Unexpected error during the check: {error}.</translation>
    </message>
    <message>
        <source>Copie el informe y envíelo al equipo de soporte.</source>
        <translation>Copy the report and send it to the support team.</translation>
    </message>
    <message>
        <source>Kafka accesible y funcionando: envío y recepción en {latency_ms} ms.</source>
        <translation>Kafka reachable and working: send and receive in {latency_ms} ms.</translation>
    </message>
    <message>
        <source>Kafka funciona, con avisos: {detail}</source>
        <translation>Kafka works, with warnings: {detail}</translation>
    </message>
    <message>
        <source>Comprobación cancelada.</source>
        <translation>Check cancelled.</translation>
    </message>
    <message>
        <source>Conexión cifrada con {target}; certificado de «{subject}» válido hasta el {not_after}, firmado por la autoridad de confianza.</source>
        <translation>Encrypted connection to {target}; certificate of “{subject}” valid until {not_after}, signed by the trusted authority.</translation>
    </message>
    <message>
        <source>El certificado de Kafka caduca pronto (el {not_after}).</source>
        <translation>Kafka's certificate expires soon ({not_after}).</translation>
    </message>
    <message>
        <source>Pida al administrador que renueve el certificado del broker (ev-kafka start lo renueva al reiniciar si faltan menos de 30 días).</source>
        <translation>Ask the administrator to renew the broker's certificate (ev-kafka start renews it on restart when less than 30 days are left).</translation>
    </message>
    <message>
        <source>La conexión con Kafka NO está cifrada ni autenticada (modo sin cifrar): cualquiera en la red puede leer y escribir los temas.</source>
        <translation>The connection to Kafka is NOT encrypted nor authenticated (plain-text mode): anyone on the network can read and write the topics.</translation>
    </message>
    <message>
        <source>Use el modo seguro: indique el fichero de credenciales de este programa (--kafka-credentials o EV_KAFKA_CREDENTIALS).</source>
        <translation>Use the secure mode: give this program its credentials file (--kafka-credentials or EV_KAFKA_CREDENTIALS).</translation>
    </message>
    <message>
        <source>Kafka en {target} exige conexión cifrada (TLS), pero este programa está configurado sin cifrar y sin credenciales.</source>
        <translation>Kafka at {target} requires an encrypted (TLS) connection, but this program is configured without encryption or credentials.</translation>
    </message>
    <message>
        <source>Indique el fichero de credenciales que le dio el administrador (--kafka-credentials FICHERO o EV_KAFKA_CREDENTIALS); ev-kafka start los deja en &lt;datos de kafka&gt;/clients/.</source>
        <translation>Give the credentials file the administrator gave you (--kafka-credentials FILE or EV_KAFKA_CREDENTIALS); ev-kafka start writes them to &lt;kafka data&gt;/clients/.</translation>
    </message>
    <message>
        <source>No se encuentra el certificado de la autoridad de confianza {ca_file}.</source>
        <translation>The trusted authority's certificate {ca_file} is not found.</translation>
    </message>
    <message>
        <source>Copie el fichero ca.pem del servidor de Kafka a esta máquina y corrija ca_file en el fichero de credenciales.</source>
        <translation>Copy the Kafka server's ca.pem to this machine and correct ca_file in the credentials file.</translation>
    </message>
    <message>
        <source>El certificado de {target} no está firmado por la autoridad en la que confía este programa ({ca_file}): puede ser otro servidor haciéndose pasar por Kafka, o un ca.pem equivocado.</source>
        <translation>The certificate of {target} is not signed by the authority this program trusts ({ca_file}): it may be another server posing as Kafka, or a wrong ca.pem.</translation>
    </message>
    <message>
        <source>Copie el ca.pem del servidor de Kafka de esta instalación y apúntelo en ca_file. No continúe si no sabe quién ha cambiado el certificado.</source>
        <translation>Copy this installation's Kafka ca.pem and point ca_file at it. Do not go on if you do not know who changed the certificate.</translation>
    </message>
    <message>
        <source>El certificado de {target} está caducado (válido hasta el {not_after}).</source>
        <translation>The certificate of {target} has expired (valid until {not_after}).</translation>
    </message>
    <message>
        <source>Pida al administrador que renueve el certificado (reiniciar ev-kafka start lo renueva) y compruebe la fecha y hora de esta máquina.</source>
        <translation>Ask the administrator to renew the certificate (restarting ev-kafka start renews it) and check this machine's date and time.</translation>
    </message>
    <message>
        <source>El certificado de {target} todavía no es válido (desde el {not_before}): la fecha y hora de esta máquina o del servidor están mal.</source>
        <translation>The certificate of {target} is not valid yet (from {not_before}): the date and time of this machine or of the server are wrong.</translation>
    </message>
    <message>
        <source>Corrija el reloj de esta máquina (o el del servidor).</source>
        <translation>Correct this machine's clock (or the server's).</translation>
    </message>
    <message>
        <source>Usted conecta a «{host}», pero el certificado de Kafka sólo vale para: {hosts}.</source>
        <translation>You connect to “{host}”, but Kafka's certificate is only valid for: {hosts}.</translation>
    </message>
    <message>
        <source>Use en la dirección de Kafka uno de esos nombres, o pida al administrador que arranque Kafka con --advertised-host {host} (el certificado se rehace con ese nombre).</source>
        <translation>Use one of those names in the Kafka address, or ask the administrator to start Kafka with --advertised-host {host} (the certificate is remade with that name).</translation>
    </message>
    <message>
        <source>{target} cerró la conexión durante el saludo TLS: ese Kafka funciona sin cifrar (o no es Kafka).</source>
        <translation>{target} closed the connection during the TLS handshake: that Kafka runs without encryption (or it is not Kafka).</translation>
    </message>
    <message>
        <source>Pida al administrador que use el modo seguro (ev-kafka start sin --plaintext) o, sólo en una red de confianza, configure este programa con --kafka-plaintext.</source>
        <translation>Ask the administrator to use the secure mode (ev-kafka start without --plaintext) or, on a trusted network only, configure this program with --kafka-plaintext.</translation>
    </message>
    <message>
        <source>{target} no contesta al saludo TLS en {timeout_s} s.</source>
        <translation>{target} does not answer the TLS handshake within {timeout_s} s.</translation>
    </message>
    <message>
        <source>Compruebe el puerto: debe ser el de clientes de Kafka.</source>
        <translation>Check the port: it must be Kafka's client port.</translation>
    </message>
    <message>
        <source>El saludo TLS con {target} falló: {error}.</source>
        <translation>The TLS handshake with {target} failed: {error}.</translation>
    </message>
    <message>
        <source>Compruebe la versión de TLS y el certificado del broker.</source>
        <translation>Check the TLS version and the broker's certificate.</translation>
    </message>
    <message>
        <source>Autenticado como «{user}» con {mechanism}; el servidor también demostró conocer la clave.</source>
        <translation>Authenticated as “{user}” with {mechanism}; the server proved it knows the key too.</translation>
    </message>
    <message>
        <source>Sin autenticación (modo sin cifrar).</source>
        <translation>No authentication (plain-text mode).</translation>
    </message>
    <message>
        <source>Kafka no admite el método de autenticación {mechanism}; admite: {enabled}.</source>
        <translation>Kafka does not accept the authentication method {mechanism}; it accepts: {enabled}.</translation>
    </message>
    <message>
        <source>Corrija sasl_mechanism en el fichero de credenciales (este sistema usa SCRAM-SHA-512) o pida al administrador que lo active.</source>
        <translation>Correct sasl_mechanism in the credentials file (this system uses SCRAM-SHA-512) or ask the administrator to enable it.</translation>
    </message>
    <message>
        <source>Kafka rechaza el usuario «{user}» o su contraseña.</source>
        <translation>Kafka refuses the user “{user}” or its password.</translation>
    </message>
    <message>
        <source>Pida al administrador un fichero de credenciales vigente (ev-kafka rotate-user {user} crea uno nuevo) y apúntelo con --kafka-credentials.</source>
        <translation>Ask the administrator for a current credentials file (ev-kafka rotate-user {user} makes a new one) and point --kafka-credentials at it.</translation>
    </message>
    <message>
        <source>El servidor no demostró conocer la clave de «{user}»: podría no ser nuestro Kafka.</source>
        <translation>The server did not prove it knows the key of “{user}”: it might not be our Kafka.</translation>
    </message>
    <message>
        <source>No continúe; avise al administrador.</source>
        <translation>Do not go on; tell the administrator.</translation>
    </message>
    <message>
        <source>{target} cerró la conexión durante la autenticación: {error}.</source>
        <translation>{target} closed the connection during authentication: {error}.</translation>
    </message>
    <message>
        <source>Compruebe que el puerto es el de clientes con SASL_SSL.</source>
        <translation>Check that the port is the SASL_SSL client port.</translation>
    </message>
    <message>
        <source>El usuario «{principal}» tiene los permisos que necesita en los {count} temas de su papel.</source>
        <translation>The user “{principal}” has the permissions it needs on the {count} topics of its role.</translation>
    </message>
    <message>
        <source>El usuario «{principal}» es administrador: puede usar todos los temas.</source>
        <translation>The user “{principal}” is an administrator: it may use every topic.</translation>
    </message>
    <message>
        <source>El usuario «{principal}» no es uno de los papeles conocidos: no se comprueban sus permisos.</source>
        <translation>The user “{principal}” is not one of the known roles: its permissions are not checked.</translation>
    </message>
    <message>
        <source>Este programa (usuario «{principal}») no tiene permiso para: {denied}.</source>
        <translation>This program (user “{principal}”) may not: {denied}.</translation>
    </message>
    <message>
        <source>Pida al administrador que conceda los permisos del prefijo: «ev-kafka grant --topic-prefix {prefix}», o compruebe que este programa usa las credenciales de su papel.</source>
        <translation>Ask the administrator to grant the prefix's permissions: “ev-kafka grant --topic-prefix {prefix}”, or check that this program uses its role's credentials.</translation>
    </message>
    <message>
        <source>No se pudieron consultar los permisos: {error}.</source>
        <translation>The permissions could not be queried: {error}.</translation>
    </message>
    <message>
        <source>Kafka accesible: conexión cifrada, autenticada y con los permisos de este programa (sin prueba de envío).</source>
        <translation>Kafka reachable: encrypted, authenticated and with this program's permissions (no test send).</translation>
    </message>
    <message>
        <source>La prueba de envío usa un tema propio que sólo el administrador puede crear; se omite con las credenciales de «{principal}».</source>
        <translation>The test send uses its own topic that only the administrator may create; it is skipped with the credentials of “{principal}”.</translation>
    </message>
    <message>
        <source>conexión rechazada</source>
        <translation>connection refused</translation>
    </message>
    <message>
        <source>sin respuesta (tiempo agotado)</source>
        <translation>no answer (timed out)</translation>
    </message>
    <message>
        <source>la red no tiene ruta hasta esa dirección</source>
        <translation>the network has no route to that address</translation>
    </message>
    <message>
        <source>el nombre «{host}» no se resuelve aquí</source>
        <translation>the name “{host}” does not resolve here</translation>
    </message>
    <message>
        <source>{error}</source>
        <translation>{error}</translation>
    </message>
    <message>
        <source>En el broker: advertised.listeners={protocol}://{fix_host}:{port} (con ev-kafka: --advertised-host {fix_host}) y reinícielo; «{fix_host}» es la dirección con la que esta máquina ya llega al broker.</source>
        <translation>On the broker: advertised.listeners={protocol}://{fix_host}:{port} (with ev-kafka: --advertised-host {fix_host}) and restart it; “{fix_host}” is the address this machine already reaches the broker by.</translation>
    </message>
    <message>
        <source>En el broker, que es esta misma máquina: advertised.listeners={protocol}://&lt;IP de esta máquina en la red&gt;:{port} (con ev-kafka: --listen-host 0.0.0.0 --advertised-host &lt;IP de esta máquina en la red&gt;) y reinícielo.</source>
        <translation>On the broker, which is this very machine: advertised.listeners={protocol}://&lt;this machine's network IP&gt;:{port} (with ev-kafka: --listen-host 0.0.0.0 --advertised-host &lt;this machine's network IP&gt;) and restart it.</translation>
    </message>
    <message>
        <source>O bien haga que «{host}» se resuelva en todas las máquinas (DNS o fichero hosts).</source>
        <translation>Or make “{host}” resolve on every machine (DNS or hosts file).</translation>
    </message>
    <message>
        <source>no se resuelve: {error}</source>
        <translation>does not resolve: {error}</translation>
    </message>
    <message>
        <source>conectado a {peer} en {ms} ms</source>
        <translation>connected to {peer} in {ms} ms</translation>
    </message>
    <message>
        <source>{reason} tras {ms} ms ({error})</source>
        <translation>{reason} after {ms} ms ({error})</translation>
    </message>
    <message>
        <source>accesible ({ms} ms)</source>
        <translation>reachable ({ms} ms)</translation>
    </message>
    <message>
        <source>{reason} ({error})</source>
        <translation>{reason} ({error})</translation>
    </message>
    <message>
        <source>{lag} mensajes pendientes en {partitions} particiones</source>
        <translation>{lag} messages waiting in {partitions} partitions</translation>
    </message>
    <message>
        <source>sin posiciones confirmadas todavía</source>
        <translation>no committed positions yet</translation>
    </message>
    <message>
        <source>{lag} mensajes por leer</source>
        <translation>{lag} messages to read</translation>
    </message>
    <message>
        <source>sin datos todavía (el lector aún no ha conectado)</source>
        <translation>no data yet (the reader has not connected yet)</translation>
    </message>
    <message>
        <source>La CENTRAL está al día: {lag} mensajes pendientes de procesar (grupo {group}).</source>
        <translation>CENTRAL is keeping up: {lag} messages waiting to be processed (group {group}).</translation>
    </message>
    <message>
        <source>La CENTRAL va retrasada: tiene {lag} mensajes sin procesar (grupo {group}), así que las solicitudes de carga y las órdenes tardarán en atenderse.</source>
        <translation>CENTRAL is behind: it has {lag} messages not processed yet (group {group}), so charge requests and commands will be handled late.</translation>
    </message>
    <message>
        <source>La CENTRAL no ha confirmado todavía ninguna lectura (grupo {group}): no ha arrancado nunca con este prefijo de temas o acaba de arrancar.</source>
        <translation>CENTRAL has not confirmed any read yet (group {group}): it has never run with this topic prefix or it has just started.</translation>
    </message>
    <message>
        <source>No se pudo consultar el retraso de la CENTRAL (grupo {group}): {error}.</source>
        <translation>Could not query how far behind CENTRAL is (group {group}): {error}.</translation>
    </message>
    <message>
        <source>Esta aplicación está al día con Kafka ({readers}).</source>
        <translation>This app is up to date with Kafka ({readers}).</translation>
    </message>
    <message>
        <source>Esta aplicación va retrasada: le quedan {lag} mensajes por leer ({readers}), así que lo que ve en pantalla puede no estar actualizado.</source>
        <translation>This app is behind: it still has {lag} messages to read ({readers}), so what you see on screen may be out of date.</translation>
    </message>
    <message>
        <source>Esta aplicación no tiene ahora ningún lector de Kafka en marcha.</source>
        <translation>This app has no Kafka reader running right now.</translation>
    </message>
    <message>
        <source>No se pudo obtener el retraso de los lectores de esta aplicación: {error}.</source>
        <translation>Could not get how far behind this app's readers are: {error}.</translation>
    </message>
    <message>
        <source>{reader}: {lag} por leer</source>
        <translation>{reader}: {lag} to read</translation>
    </message>
    <message>
        <source>{reader}: sin datos todavía</source>
        <translation>{reader}: no data yet</translation>
    </message>
    <message>
        <source>Compruebe que la CENTRAL está en marcha y sin errores (su registro); si el número no baja, está parada o sobrecargada.</source>
        <translation>Check that CENTRAL is running without errors (its log); if the number does not go down, it is stopped or overloaded.</translation>
    </message>
    <message>
        <source>Suele ponerse al día sola en unos segundos; si el número no baja, la red hasta Kafka es lenta o este equipo va sobrecargado: repita la comprobación y, si sigue igual, reinicie la aplicación.</source>
        <translation>It usually catches up by itself within seconds; if the number does not go down, the network to Kafka is slow or this computer is overloaded: run the check again and, if nothing changes, restart the app.</translation>
    </message>
    <message>
        <source>leer {topic}</source>
        <translation>read {topic}</translation>
    </message>
    <message>
        <source>escribir en {topic}</source>
        <translation>write to {topic}</translation>
    </message>
    <message>
        <source>eventos en directo</source>
        <translation>live events</translation>
    </message>
    <message>
        <source>estado de los puntos de carga</source>
        <translation>charging point states</translation>
    </message>
    <message>
        <source>latido de la CENTRAL</source>
        <translation>CENTRAL heartbeat</translation>
    </message>
    <message>
        <source>notificaciones del conductor</source>
        <translation>driver notifications</translation>
    </message>
</context>
<context>
    <name>DiagnosticsReport</name>
    <message>
        <source>Diagnóstico de conexión con Kafka</source>
        <translation>Kafka connection diagnostics</translation>
    </message>
    <message>
        <source>Fecha: {date}</source>
        <translation>Date: {date}</translation>
    </message>
    <message>
        <source>Servidores (bootstrap): {servers}</source>
        <translation>Servers (bootstrap): {servers}</translation>
    </message>
    <message>
        <source>Máquina: {machine}</source>
        <translation>Machine: {machine}</translation>
    </message>
    <message>
        <source>Resultado: [{code}] {text}</source>
        <translation>Result: [{code}] {text}</translation>
    </message>
    <message>
        <source>Duración total: {ms} ms</source>
        <translation>Total duration: {ms} ms</translation>
    </message>
    <message>
        <source>{n}. {title} [{step}] — {status} ({ms} ms) código={code}</source>
        <translation>{n}. {title} [{step}] — {status} ({ms} ms) code={code}</translation>
    </message>
    <message>
        <source>Qué hacer: {action}</source>
        <translation>What to do: {action}</translation>
    </message>
    <message>
        <source>sí</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>CORRECTO</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>AVISO</source>
        <translation>WARNING</translation>
    </message>
    <message>
        <source>FALLO</source>
        <translation>FAILED</translation>
    </message>
    <message>
        <source>OMITIDO</source>
        <translation>SKIPPED</translation>
    </message>
    <message>
        <source>PENDIENTE</source>
        <translation>PENDING</translation>
    </message>
    <message>
        <source>reintentos</source>
        <translation>retries</translation>
    </message>
    <message>
        <source>APIs admitidas</source>
        <translation>supported APIs</translation>
    </message>
    <message>
        <source>bytes recibidos</source>
        <translation>bytes received</translation>
    </message>
    <message>
        <source>error al decodificar</source>
        <translation>decoding error</translation>
    </message>
    <message>
        <source>id del clúster</source>
        <translation>cluster id</translation>
    </message>
    <message>
        <source>controlador</source>
        <translation>controller</translation>
    </message>
    <message>
        <source>brokers anunciados</source>
        <translation>advertised brokers</translation>
    </message>
    <message>
        <source>versión de Metadata</source>
        <translation>Metadata version</translation>
    </message>
    <message>
        <source>temas esperados</source>
        <translation>expected topics</translation>
    </message>
    <message>
        <source>temas que faltan</source>
        <translation>missing topics</translation>
    </message>
    <message>
        <source>tema de prueba creado</source>
        <translation>test topic created</translation>
    </message>
    <message>
        <source>confirmación del envío (ms)</source>
        <translation>send acknowledged (ms)</translation>
    </message>
    <message>
        <source>offset</source>
        <translation>offset</translation>
    </message>
    <message>
        <source>ida y vuelta (ms)</source>
        <translation>round trip (ms)</translation>
    </message>
    <message>
        <source>offset inicial</source>
        <translation>start offset</translation>
    </message>
</context>
</TS>