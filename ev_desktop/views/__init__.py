"""Widgets and Qt models only: no Kafka calls, no SQL. They render state and emit intents."""
