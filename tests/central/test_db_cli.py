"""``ev-db`` as a user runs it: the real console script against a real SQLite file in tmp_path.

Each test runs the installed ``ev-db`` entry point as a subprocess (no Kafka, no Central) and
checks what a user sees on stdout/stderr, the exit status and what ended up in the database
file. Data that only Central creates (supplies, tickets, the event log) is written with the
same :class:`central_service.store.Store` calls Central uses.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from central_service import db
from central_service.db import ChargePointRow
from central_service.store import Store
from central_service.tokens import verify_secret
from ev_common import cp_credentials

_SCRIPT = Path(sys.executable).with_name("ev-db")
EV_DB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "central_service.db_cli"]

T0 = 1_700_000_000.0  # fixed timestamps: the printed dates are predictable


def when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The user's EV_* settings and config file must not leak in (nor their real database)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    e["EV_CONFIG"] = str(tmp_path / "no-config.toml")
    e["EV_DATA_DIR"] = str(tmp_path / "default-data")
    return e


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "central.db"


@pytest.fixture
def ev_db(db_file: Path, env: dict[str, str], tmp_path: Path):
    """Run ``ev-db --db sqlite:///<db_file> ARGS...``; returns the CompletedProcess."""

    def run(*args: str, db_url: str | None = None, extra_env: dict[str, str] | None = None,
            with_db: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [*EV_DB]
        if with_db:
            cmd += ["--db", db_url or f"sqlite:///{db_file}"]
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60,
                              env={**env, **(extra_env or {})}, cwd=tmp_path, stdin=subprocess.DEVNULL)

    return run


def ok(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout


def failed_cleanly(r: subprocess.CompletedProcess[str]) -> str:
    """A non-zero exit with a sentence on stderr, no traceback, nothing half-printed on stdout."""
    assert r.returncode != 0, f"expected a failure, got exit 0\nstdout:\n{r.stdout}"
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    assert r.stderr.strip(), "the failure must be explained on stderr"
    return r.stderr


def rows_of(stdout: str) -> list[list[str]]:
    """Data rows of a printed table (header and ---- ruler skipped), split on 2+ spaces."""
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    out = []
    for ln in lines[2:]:
        if ln.strip() == "(ninguno)":
            continue
        out.append([c.strip() for c in _split_cols(ln)])
    return out


def _split_cols(line: str) -> list[str]:
    return [c for c in re.split(r" {2,}", line.rstrip()) if c != ""]


def sql(db_file: Path, query: str, *params) -> list[tuple]:
    con = sqlite3.connect(db_file)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def with_store(db_file: Path, fn):
    """Run *fn(store)* in one transaction on the file, as Central would, then close the DB."""
    db.connect(f"sqlite:///{db_file}")
    try:
        store = Store()
        with store.atomic():
            return fn(store)
    finally:
        db.close()


def make_finished_supply(store: Store) -> None:
    """A full supply as Central records it: reservation → charging → ticket, with its events."""
    cp = store.load_charge_point("CP001")
    assert cp is not None
    store.create_session("S-ok-1", "driver1", cp, "req-1", T0, T0 + 60)
    store.log_event("authorized", "request=req-1", cp_id="CP001", session_id="S-ok-1", driver_id="driver1")
    store.update_session("S-ok-1", status="charging", started_at=T0 + 5)
    store.log_event("supply_started", cp_id="CP001", session_id="S-ok-1", driver_id="driver1")
    s = store.session("S-ok-1")
    store.issue_ticket(s, ended_at=T0 + 905, kwh=7.25, eur=2.18, outcome="completed", now=T0 + 906)
    store.log_event("ticket", "kwh=7.250 eur=2.18 outcome=completed", cp_id="CP001",
                    session_id="S-ok-1", driver_id="driver1")
    # a second, still reserved supply of another driver on another CP (filters must drop it)
    cp2 = store.load_charge_point("CP002")
    store.create_session("S-res-2", "driver2", cp2, "req-2", T0 + 1000, T0 + 1060)


# ---------------------------------------------------------------------------------- seed
def test_seed_creates_demo_driver_and_cps_that_log_in_with_pass123(ev_db, db_file):
    out = ok(ev_db("seed", "--drivers", "2", "--cps", "3"))
    assert "2 conductores y 3 puntos de carga nuevos" in out
    assert sql(db_file, "SELECT id FROM drivers ORDER BY id") == [("driver1",), ("driver2",)]
    assert sql(db_file, "SELECT id FROM charge_points ORDER BY id") == [("CP001",), ("CP002",), ("CP003",)]
    (pw_hash,), = sql(db_file, "SELECT password_hash FROM drivers WHERE id = 'driver1'")
    assert verify_secret(pw_hash, "pass123")
    (key_hash,), = sql(db_file, "SELECT key_hash FROM charge_points WHERE id = 'CP001'")
    assert verify_secret(key_hash, "demo-cp-key")


def test_seed_twice_is_idempotent_no_duplicates_exit_0(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "2", "--cps", "3"))
    before = sql(db_file, "SELECT id, password_hash FROM drivers ORDER BY id")
    out = ok(ev_db("seed", "--drivers", "2", "--cps", "3"))
    assert "0 conductores y 0 puntos de carga nuevos" in out
    assert sql(db_file, "SELECT id, password_hash FROM drivers ORDER BY id") == before  # not re-hashed
    assert sql(db_file, "SELECT COUNT(*) FROM charge_points") == [(3,)]


def test_seed_does_not_overwrite_a_cp_an_admin_changed(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "1", "--cps", "2"))
    ok(ev_db("add-cp", "CP001", "--location", "Taller", "--price", "0.5", "--max-kw", "7"))
    ok(ev_db("seed", "--drivers", "1", "--cps", "2"))
    assert sql(db_file, "SELECT location, price_eur_kwh FROM charge_points WHERE id='CP001'") == [("Taller", 0.5)]


def test_seed_without_db_option_writes_central_sqlite3_in_the_data_dir(ev_db, tmp_path):
    data = tmp_path / "somewhere" / "data"
    ok(ev_db("--data-dir", str(data), "seed", "--drivers", "1", "--cps", "1", with_db=False))
    assert sql(data / "central.sqlite3", "SELECT id FROM drivers") == [("driver1",)]


def test_ev_db_env_variable_selects_the_database(ev_db, tmp_path):
    target = tmp_path / "from-env.db"
    ok(ev_db("seed", "--drivers", "1", "--cps", "1", with_db=False,
             extra_env={"EV_DB": f"sqlite:///{target}"}))
    assert sql(target, "SELECT id FROM charge_points") == [("CP001",)]


# ---------------------------------------------------------------------------- add-driver
def test_add_driver_stores_an_argon2_hash_never_the_plaintext(ev_db, db_file):
    secret = "Plaintext-Must-Not-Leak-91"
    out = ok(ev_db("add-driver", "alice", extra_env={"EV_NEW_PASSWORD": secret}))
    assert "alice" in out
    (pw_hash,), = sql(db_file, "SELECT password_hash FROM drivers WHERE id = 'alice'")
    assert pw_hash.startswith("$argon2id$") and secret not in pw_hash
    for f in db_file.parent.glob(db_file.name + "*"):  # the file and any WAL/SHM left behind
        assert secret.encode() not in f.read_bytes(), f"plaintext password found in {f.name}"


def test_add_driver_password_is_accepted_by_login_check_and_a_wrong_one_rejected(ev_db, db_file):
    ok(ev_db("add-driver", "alice", extra_env={"EV_NEW_PASSWORD": "s3cret!"}))
    stored = with_store(db_file, lambda store: store.driver_password_hash("alice"))
    assert stored is not None
    assert verify_secret(stored, "s3cret!")
    assert not verify_secret(stored, "s3cret")
    assert not verify_secret(stored, "wrong")


def test_add_driver_with_existing_id_replaces_the_password_without_duplicating(ev_db, db_file):
    # db_cli calls Store.add_driver(..., replace=True): re-adding is how an admin resets a password
    ok(ev_db("add-driver", "alice", extra_env={"EV_NEW_PASSWORD": "old-pass"}))
    r = ev_db("add-driver", "alice", extra_env={"EV_NEW_PASSWORD": "new-pass"})
    assert "alice" in ok(r)
    rows = sql(db_file, "SELECT password_hash FROM drivers WHERE id = 'alice'")
    assert len(rows) == 1
    assert verify_secret(rows[0][0], "new-pass")
    assert not verify_secret(rows[0][0], "old-pass")


def test_add_driver_without_password_is_a_usage_error_not_a_traceback(ev_db, db_file):
    r = ev_db("add-driver", "alice")
    assert "--password" in failed_cleanly(r)
    assert not db_file.exists() or sql(db_file, "SELECT COUNT(*) FROM drivers") == [(0,)]


# -------------------------------------------------------------------------- add-operator
def test_add_operator_stores_an_argon2_hash_that_the_sign_in_check_accepts(ev_db, db_file):
    secret = "Operator-Plaintext-77"
    out = ok(ev_db("add-operator", "ops1", extra_env={"EV_NEW_PASSWORD": secret}))
    assert "Operador ops1 guardado" in out
    (pw_hash,), = sql(db_file, "SELECT password_hash FROM operators WHERE id = 'ops1'")
    assert pw_hash.startswith("$argon2id$") and secret not in pw_hash
    stored = with_store(db_file, lambda store: store.operator_password_hash("ops1"))
    assert stored is not None and verify_secret(stored, secret) and not verify_secret(stored, "wrong")
    # an operator is not a driver: it cannot log in to the driver app with these credentials
    assert with_store(db_file, lambda store: store.driver_password_hash("ops1")) is None


def test_add_operator_again_resets_the_password_without_duplicating(ev_db, db_file):
    ok(ev_db("add-operator", "ops1", extra_env={"EV_NEW_PASSWORD": "old-pass"}))
    ok(ev_db("add-operator", "ops1", extra_env={"EV_NEW_PASSWORD": "new-pass"}))
    rows = sql(db_file, "SELECT password_hash FROM operators WHERE id = 'ops1'")
    assert len(rows) == 1 and verify_secret(rows[0][0], "new-pass") and not verify_secret(rows[0][0], "old-pass")


def test_add_operator_without_password_is_a_usage_error_not_a_traceback(ev_db, db_file):
    assert "--password" in failed_cleanly(ev_db("add-operator", "ops1"))


def test_seed_creates_the_demo_operator_once_and_keeps_a_changed_password(ev_db, db_file):
    out = ok(ev_db("seed", "--drivers", "1", "--cps", "1"))
    assert "operator1 / admin123" in out
    (pw_hash,), = sql(db_file, "SELECT password_hash FROM operators WHERE id = 'operator1'")
    assert verify_secret(pw_hash, "admin123")
    ok(ev_db("add-operator", "operator1", extra_env={"EV_NEW_PASSWORD": "changed"}))
    ok(ev_db("seed", "--drivers", "1", "--cps", "1"))
    rows = sql(db_file, "SELECT password_hash FROM operators")
    assert len(rows) == 1 and verify_secret(rows[0][0], "changed")


# -------------------------------------------------------------------------- add-cp / cps
def test_add_cp_then_cps_lists_it_disconnected_with_price_max_kw_and_location(ev_db, db_file, tmp_path):
    creds = tmp_path / "CP-X1.json"
    out = ok(ev_db("add-cp", "CP-X1", "--location", "Calle Nueva 7, Elche", "--price", "0.41",
                   "--max-kw", "43", "--credentials", str(creds)))
    assert "CP-X1" in out
    key = cp_credentials.load(creds, "CP-X1").key
    (key_hash,), = sql(db_file, "SELECT key_hash FROM charge_points WHERE id = 'CP-X1'")
    assert verify_secret(key_hash, key) and key not in key_hash and key not in out
    out = ok(ev_db("cps"))
    header = out.splitlines()[0]
    for col in ("cp", "ubicación", "€/kWh", "kW máx", "estado", "parado", "visto"):
        assert col in header
    assert rows_of(out) == [["CP-X1", "Calle Nueva 7, Elche", "0.41", "43", "disconnected", "no", "-"]]


def test_cps_shows_the_last_state_central_persisted_and_operator_stop(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "1", "--cps", "2"))

    def persist(store: Store) -> None:
        cp = store.load_charge_point("CP002")
        cp.monitor_connected = True
        cp.stopped_by_operator = True
        cp.last_seen = T0
        store.save_cp(cp)

    with_store(db_file, persist)
    rows = {r[0]: r for r in rows_of(ok(ev_db("cps")))}
    assert rows["CP001"][4:] == ["disconnected", "no", "-"]
    assert rows["CP002"][4:] == ["out_of_order", "sí", when(T0)]


def test_cps_on_an_empty_database_says_none(ev_db):
    out = ok(ev_db("cps"))
    assert "(ninguno)" in out and rows_of(out) == []


def test_add_cp_with_non_numeric_price_is_a_usage_error(ev_db, db_file):
    r = ev_db("add-cp", "CP9", "--location", "L", "--price", "cheap", "--max-kw", "22")
    assert "--price" in failed_cleanly(r)


# ----------------------------------------------------------------- supplies / supply
def test_supplies_lists_store_created_supplies_with_kwh_eur_and_outcome(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "2", "--cps", "2"))
    with_store(db_file, make_finished_supply)
    rows = rows_of(ok(ev_db("supplies")))
    assert [r[0] for r in rows] == ["S-res-2", "S-ok-1"]  # newest first
    finished = rows[1]
    assert finished == ["S-ok-1", "driver1", "CP001", "finished", when(T0 + 5), when(T0 + 905),
                        "7.25", "2.18", "completed"]
    assert rows[0][:4] == ["S-res-2", "driver2", "CP002", "reserved"]
    assert rows[0][-3:] == ["0", "0.00", "-"]  # nothing supplied yet, no outcome


def test_supplies_filters_by_driver_and_cp_and_limits(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "2", "--cps", "2"))
    with_store(db_file, make_finished_supply)
    assert [r[0] for r in rows_of(ok(ev_db("supplies", "--driver", "driver1")))] == ["S-ok-1"]
    assert [r[0] for r in rows_of(ok(ev_db("supplies", "--cp", "CP002")))] == ["S-res-2"]
    assert rows_of(ok(ev_db("supplies", "--driver", "driver1", "--cp", "CP002"))) == []
    assert [r[0] for r in rows_of(ok(ev_db("supplies", "--limit", "1")))] == ["S-res-2"]


def test_supply_shows_kwh_eur_outcome_ticket_and_its_history_events(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "2", "--cps", "2"))
    with_store(db_file, make_finished_supply)
    out = ok(ev_db("supply", "S-ok-1"))
    fields_part, _, events_part = out.partition("\n\n")
    fields = {r[0]: r[1] if len(r) > 1 else "" for r in rows_of(fields_part)}
    assert fields["sesión"] == "S-ok-1"
    assert fields["conductor"] == "driver1" and fields["cp"] == "CP001"
    assert fields["estado"] == "finished"
    assert fields["reservado"] == when(T0) and fields["inicio"] == when(T0 + 5) and fields["fin"] == when(T0 + 905)
    assert fields["kWh"] == "7.25" and fields["€"] == "2.18" and fields["precio €/kWh"] == "0.3"
    assert fields["resultado"] == "completed" and fields["ticket"] == "emitido"
    events = rows_of(events_part)
    assert [e[1] for e in events] == ["authorized", "supply_started", "ticket"]
    assert events[0][2] == "request=req-1"
    assert events[2][2] == "kwh=7.250 eur=2.18 outcome=completed"


def test_supply_not_yet_billed_says_ticket_no(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "2", "--cps", "2"))
    with_store(db_file, make_finished_supply)
    fields = {r[0]: r[-1] for r in rows_of(ok(ev_db("supply", "S-res-2")).partition("\n\n")[0])}
    assert fields["estado"] == "reserved" and fields["ticket"] == "no" and fields["fin"] == "-"


def test_supply_with_unknown_id_is_a_clear_error_with_non_zero_exit(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "1", "--cps", "1"))
    r = ev_db("supply", "S-does-not-exist")
    assert "S-does-not-exist" in failed_cleanly(r)
    assert r.stdout == ""


# -------------------------------------------------------------------------------- events
def test_events_lists_the_event_log_oldest_first_and_honours_limit(ev_db, db_file):
    ok(ev_db("seed", "--drivers", "2", "--cps", "2"))
    with_store(db_file, make_finished_supply)
    rows = rows_of(ok(ev_db("events")))
    assert [r[1] for r in rows] == ["authorized", "supply_started", "ticket"]
    assert rows[0][2:5] == ["CP001", "S-ok-1", "driver1"]
    assert [r[1] for r in rows_of(ok(ev_db("events", "--limit", "2")))] == ["supply_started", "ticket"]


# ------------------------------------------------------------------- bad databases / IO
def test_unknown_db_url_scheme_is_a_clear_error(ev_db):
    err = failed_cleanly(ev_db("cps", db_url="mongodb://localhost/central"))
    assert "No se puede abrir la base de datos" in err and "mongodb" in err


def test_unwritable_db_path_is_a_clear_error(ev_db, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    err = failed_cleanly(ev_db("init", db_url=f"sqlite:///{blocker}/sub/central.db"))
    assert "No se puede abrir la base de datos" in err


def test_a_file_that_is_not_a_database_is_a_clear_error_and_left_untouched(ev_db, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello, not sqlite\n" * 20)
    err = failed_cleanly(ev_db("cps", db_url=f"sqlite:///{bogus}"))
    assert "No se puede abrir la base de datos" in err
    assert bogus.read_text() == "hello, not sqlite\n" * 20


def test_unreachable_postgresql_is_a_clear_error(ev_db):
    import socket
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = failed_cleanly(ev_db("cps", db_url=f"postgresql://nobody@127.0.0.1:{port}/central"))
    assert "No se puede abrir la base de datos" in err


def test_write_while_another_process_holds_the_write_lock_is_a_clear_error(ev_db, db_file):
    """Central (or another ev-db) mid-transaction for longer than the 5 s busy timeout."""
    ok(ev_db("init"))
    holder = sqlite3.connect(db_file, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        r = ev_db("add-driver", "alice", extra_env={"EV_NEW_PASSWORD": "p"})
    finally:
        holder.close()
    assert "locked" in failed_cleanly(r)
    assert sql(db_file, "SELECT COUNT(*) FROM drivers") == [(0,)]


def test_output_piped_into_a_reader_that_quits_early_gives_no_traceback(env, db_file, tmp_path):
    """``ev-db cps | head -1``: more output than a pipe holds, the reader leaves after 1 line."""
    db.connect(f"sqlite:///{db_file}")
    try:
        ChargePointRow.insert_many([{"id": f"CP{i:05d}", "location": f"Calle {i}", "key_hash": "x"}
                                    for i in range(3000)]).execute()
    finally:
        db.close()
    p = subprocess.Popen([*EV_DB, "--db", f"sqlite:///{db_file}", "cps"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        assert p.stdout.readline().startswith(b"cp ")
        p.stdout.close()
        err = p.stderr.read().decode()
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err


# ------------------------------------------------------------------------------ misc
def test_init_creates_every_table_central_needs(ev_db, db_file):
    out = ok(ev_db("init"))
    assert str(db_file) in out
    tables = {t for (t,) in sql(db_file, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {m._meta.table_name for m in db.MODELS} <= tables


def test_no_subcommand_prints_usage_and_fails(ev_db):
    assert "usage: ev-db" in failed_cleanly(ev_db())


def test_password_comes_from_a_0600_file_and_never_from_the_command_line(ev_db, db_file, tmp_path):
    from ev_common.pki import write_secret

    pw = write_secret(tmp_path / "pw", "From-A-File-42\n")
    ok(ev_db("add-driver", "bob", "--password-file", str(pw)))
    (stored,), = sql(db_file, "SELECT password_hash FROM drivers WHERE id = 'bob'")
    assert verify_secret(stored, "From-A-File-42")
    os.chmod(pw, 0o644)  # others may read it: refused with the fix, nothing stored
    assert "chmod 600" in failed_cleanly(ev_db("add-driver", "carol", "--password-file", str(pw)))
    assert sql(db_file, "SELECT COUNT(*) FROM drivers WHERE id = 'carol'") == [(0,)]
    # the option that would put a password in `ps` no longer exists
    assert failed_cleanly(ev_db("add-driver", "dave", "--password", "x"))


def test_ev_db_write_transactions_take_the_write_lock_when_they_begin(tmp_path: Path) -> None:
    """``ev-db add-cp`` reads (does the CP exist?) then writes. Begun as a plain (deferred)
    transaction, a Central commit between the two made the write fail at once with "database
    is locked" (a stale snapshot: SQLite's busy timeout does not apply) — seen while supplies
    ran. ``Store.write_transaction`` holds the write lock from its start: Central's next commit
    waits for it instead, and the read-then-write goes through."""
    db_file = tmp_path / "central.db"
    db.connect(f"sqlite:///{db_file}")
    central = sqlite3.connect(db_file, timeout=0)  # another process's connection, not waiting
    try:
        store = Store()
        with store.write_transaction():
            store.driver_exists("driver1")  # only a read so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                central.execute("BEGIN IMMEDIATE")  # Central cannot commit in between
            store.add_cp("CP010", "Nuevo", 0.4, 11.0, "k" * 32, replace=True)
        central.execute("BEGIN IMMEDIATE")  # free again once it ended
        central.execute("ROLLBACK")
        assert ChargePointRow.get_by_id("CP010").location == "Nuevo"
    finally:
        central.close()
        db.close()
