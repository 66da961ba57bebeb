"""OCPP 1.6J gateway: real chargers appear to Central as ordinary CPs (see docs/ocpp.md)."""
