"""Central's application, one module per job: the parts :class:`~central_service.application.CentralCore` is made of.

Why a package: the application layer grew into one 536-line class that mixed the dispatch of
messages, reservations, the late start after an expiry, cancels, supply start and finish,
billing, operator commands, monitor events and timers. Each job is now a mixin over the same
state (:mod:`.state`), in a module a reader can take in at once; ``CentralCore`` combines them
and keeps the one explicit table message type → handler. Same rules as before for every part:
no Kafka, sockets, threads or timers (the import-linter contract covers this package too), each
call made by the thread that owns the state inside the caller's DB transaction.
"""
