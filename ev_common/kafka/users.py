"""SCRAM users of a running secure broker: add or rotate one principal's password.

Used by ``ev-kafka rotate-user NAME`` (a leaked file, a routine rotation) and to add a
principal that a data dir does not have yet. The new password is random, sent to the broker
over the authenticated admin link (Kafka stores only its salted SCRAM form) and written to the
principal's 0600 credentials file; processes using the old file must be restarted.
"""
from __future__ import annotations

from pathlib import Path

from kafka.admin import ScramMechanism, UserScramCredentialUpsertion

from ev_common.kafka.admin import admin_client
from ev_common.kafka.security import KafkaCredentials, load_credentials, write_credentials
from ev_common.pki import new_password


def rotate_user(broker, principal: str, timeout_s: float = 10.0) -> Path:
    """Give *principal* a new password on *broker* (a LocalBroker); returns its file."""
    from ev_common.kafka.security import is_plaintext
    admin_creds = broker.credentials("admin")
    if is_plaintext(admin_creds):
        raise SystemExit("this broker runs in plain text: it has no users")
    if principal == "broker":
        raise SystemExit("the broker's own password is changed by restarting with a new data dir")
    addr = broker.addr_file.read_text().strip()
    password = new_password()
    admin = admin_client(addr, timeout_s, client_id="ev-users", credentials=admin_creds)
    try:
        result = admin.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(principal, ScramMechanism.SCRAM_SHA_512, password)])
    finally:
        admin.close()
    error = (result or {}).get(principal)
    if error:
        raise SystemExit(f"Kafka refused the new password of {principal}: {error}")
    path = broker.secrets.credentials_file(principal)
    old = load_credentials(path) if path.exists() else admin_creds
    write_credentials(path, KafkaCredentials(username=principal, password=password,
                                             ca_file=old.ca_file,
                                             bootstrap_servers=old.bootstrap_servers))
    return path
