"""Unknown ids cost Central the same work as known ones: LOGIN, OPLOGIN and AUTH with an id that
does not exist run one argon2 verification (against a dummy hash with the real parameters), like
a known id with a wrong secret, and get the same answer — neither the time nor the text of the
answer tells a guesser which ids exist. Asserted on the mechanism, not on timing."""
from __future__ import annotations

import pytest

from central_service import tokens
from tests.central.conftest import central  # noqa: F401 - the fixture
from tests.central.support import SyncFramed

pytestmark = pytest.mark.kafka


class VerifySpy:
    """Wraps the real argon2 hasher and records which hash each verification used."""

    def __init__(self, real) -> None:
        self.real = real
        self.hashes: list[str] = []

    def verify(self, stored_hash: str, plain: str) -> bool:
        self.hashes.append(stored_hash)
        return self.real.verify(stored_hash, plain)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("request_fields, known_id, unknown_id", [
    (["LOGIN", "{id}", "wrong"], "driver1", "nobody"),
    (["OPLOGIN", "{id}", "wrong"], "operator1", "nobody"),
    (["AUTH", "{id}", "wrong", "x", "1", "1"], "CP001", "CP999"),
], ids=["LOGIN", "OPLOGIN", "AUTH"])
def test_an_unknown_id_runs_one_argon2_check_against_the_dummy_hash_and_gets_the_known_ids_answer(
        central, monkeypatch, request_fields, known_id, unknown_id):
    svc = central()
    spy = VerifySpy(tokens._hasher)  # noqa: SLF001
    monkeypatch.setattr(tokens, "_hasher", spy)
    cl = SyncFramed(svc.port)
    try:
        known = cl.request([f.format(id=known_id) for f in request_fields])
        assert len(spy.hashes) == 1 and spy.hashes[0] != tokens.DUMMY_HASH
        unknown = cl.request([f.format(id=unknown_id) for f in request_fields])
        assert spy.hashes[1:] == [tokens.DUMMY_HASH]  # one verification, same parameters
        assert known[:2] == unknown[:2] == ["ERR", "bad_credentials"]
    finally:
        cl.close()


def test_the_dummy_hash_has_the_parameters_of_real_hashes():
    real = tokens.hash_secret("x")
    assert real.split("$")[1:4] == tokens.DUMMY_HASH.split("$")[1:4]  # argon2id, v=19, m/t/p
    assert not tokens.verify_secret_or_dummy(None, "anything")
    assert not tokens.verify_secret_or_dummy("", "anything")
