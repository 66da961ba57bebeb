"""The driver core: plain Python (no Qt) used by ``ev-driver`` and the desktop app.

``driver.DriverCore`` logs in, sends requests through the durable producer and turns the
driver's notifications into events; ``tracker.SupplyTracker`` is the pure state of the current
supply; ``directory.CpDirectory`` and ``central_watch.CentralWatch`` follow the CP state and the
Central heartbeat topics; ``services`` runs a services file.
"""
