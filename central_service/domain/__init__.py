"""Central's domain: plain Python, no Kafka, SQL or sockets. Effects are contract payloads
(typed records) that the service layer routes to topics."""
