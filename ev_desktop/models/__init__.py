"""Qt item models over the plain-Python state (CP directory, event log). No Kafka, no widgets."""
