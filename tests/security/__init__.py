"""Security tests: TLS, limits, throttles and secrets of the socket links."""
