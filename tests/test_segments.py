"""The idle exchange's segment profile (``python -m benchmarks.segments``, issue 14): the
analysis cuts an exchange where it changes hands, and the probe still finds those points in
the real processes (a renamed method would silently leave the profile empty)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import REPO
from benchmarks.segments import TAIL, analyse, collections, read_probe, tail_exchanges, tail_table

# one exchange as the probe writes it, times in ms from 0 (driver, Central, the driver again)
_EXCHANGE = [
    (0.0, "driver-driver1-producer kp.send driver-driver1 p.driver.requests"),
    (0.3, "driver-driver1-network-thread net.send ProduceRequest"),
    (3.2, "kafka-io-p.central.requests fetch.resp 6"),
    (3.7, "p.central.requests-consumer polled p.central.requests p.driver.requests 1 0"),
    (4.0, "MainThread _apply_batch>"),
    (4.1, "MainThread txn>"),
    (5.0, "MainThread txn body done"),
    (5.6, "MainThread txn committed"),
    (6.2, "p.central-producer kp.send p.central p.driver.notifications"),
    (6.6, "p.central-network-thread net.send ProduceRequest"),
    (7.5, "p.central-network-thread sock.send 1086"),
    (7.9, "kafka-io-kafka-python-3.0.12 fetch.resp 6"),  # the bare baseline's consumer: not ours
    (10.1, "kafka-io-driver-driver1 fetch.resp 6"),
    (10.8, "driver-driver1-consumer polled driver-driver1 p.driver.notifications 2 0"),
    (11.2, "MainThread emit ChargeAuthorized"),
]


def _write(path: Path, stamps: list[tuple[float, str]], t0: float = 1_800_000_000.0) -> None:
    path.write_text("# -m probe\n" + "".join(f"{t0 + ms / 1e3:.6f} {what}\n" for ms, what in stamps))


def test_an_exchange_is_cut_where_it_changes_hands(tmp_path: Path) -> None:
    driver, central = _EXCHANGE[:2] + _EXCHANGE[12:], _EXCHANGE[2:12]
    _write(tmp_path / "p.1", driver)  # stamps of two processes, read back in time order
    _write(tmp_path / "p.2", central)
    segs = analyse(read_probe(sorted(tmp_path.glob("p.*"))))
    got = {k: [round(x, 3) for x in v] for k, v in segs.items() if v}
    assert got == {"A": [3.7], "A1": [0.3], "A2": [2.9], "A3": [0.5], "B": [0.3], "C": [1.0],
                   "D": [0.6], "E": [0.6], "F": [4.6], "F1": [0.4], "F2": [3.5], "F2w": [0.9],
                   "F3": [0.7], "G": [0.4], "total": [11.2]}


def test_an_answer_over_the_watch_link_is_cut_at_the_push(tmp_path: Path) -> None:
    """The link's way back: commit → Central pushes → the driver takes it → emitted; the
    answer's Kafka copy read afterwards (no emit) does not make a second exchange."""
    link = _EXCHANGE[:8] + [
        (5.8, "MainThread deliver>"),
        (5.9, "MainThread deliver<"),
        (6.2, "p.central-producer kp.send p.central p.driver.notifications"),
        (6.9, "MainThread _on_pushed>"),
        (7.1, "MainThread emit ChargeAuthorized"),
        (7.2, "MainThread _on_pushed<"),
        (10.8, "driver-driver1-consumer polled driver-driver1 p.driver.notifications 2 0"),
    ]
    _write(tmp_path / "p.1", link)
    segs = analyse(read_probe([tmp_path / "p.1"]))
    got = {k: [round(x, 3) for x in v] for k, v in segs.items() if v}
    assert got == {"A": [3.7], "B": [0.3], "C": [1.0], "D": [0.6], "Ep": [0.2], "P": [1.1], "Gp": [0.2],
                   "totalp": [7.1]}


def test_an_exchange_with_a_missing_point_is_left_out(tmp_path: Path) -> None:
    _write(tmp_path / "p.1", [s for s in _EXCHANGE if "txn committed" not in s[1]])
    assert all(v == [] for v in analyse(read_probe([tmp_path / "p.1"])).values())


@pytest.mark.slow
def test_the_probe_finds_every_segment_in_a_real_latency_run(tmp_path: Path) -> None:
    """A real broker, Central, CP and driver under the probe (3 requests): every segment has
    a figure, so the probe's points still exist in the code that ships."""
    env = dict(os.environ, EV_BENCH_RESULTS_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-m", "benchmarks.segments", "--samples", "3"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=280)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
    summary = json.loads((tmp_path / "segments.json").read_text())["segments"]
    # both phases of the run: answers over the WATCH link, then over Kafka only
    assert set(summary) >= {"A", "A1", "A2", "A3", "B", "C", "D", "E", "F", "F1", "F2", "F3", "G", "total",
                            "Ep", "P", "Gp", "totalp"}
    assert all(s["n"] >= 3 for s in summary.values())


# one link exchange under load, as the driver app's process and Central's write it (ms from 0):
# Central's oldest generation is collected while the request waits to be applied
_LOADED_DRIVER = [
    (0.0, "MainThread request_charge>"),
    (0.3, "MainThread request_charge<"),
    (0.5, "driver-driver6-network-thread net.send ProduceRequest"),
    (46.5, "MainThread _on_pushed>"),
    (46.7, "MainThread emit ChargeAuthorized"),
    (46.8, "MainThread _on_pushed<"),
]
_LOADED_CENTRAL = [
    (3.0, "kafka-io-p.central.requests fetch.resp 12 bytes=400 out=20.0"),
    (3.4, "p.central.requests-consumer polled p.central.requests p.driver.requests 1 0"),
    (3.6, "p.central-consumer gc.start 0 cpu=1.0"),
    (43.6, "p.central-consumer gc.stop 0 cpu=1.005"),
    (43.8, "MainThread _apply_batch>"),
    (44.0, "MainThread txn>"),
    (45.0, "MainThread txn body done"),
    (45.5, "MainThread txn committed"),
    (45.7, "MainThread deliver>"),
]


def test_a_slow_sample_under_load_is_cut_from_its_start_with_the_collections_it_met(tmp_path: Path) -> None:
    _write(tmp_path / "p.1", _LOADED_DRIVER)
    (tmp_path / "p.1").write_text((tmp_path / "p.1").read_text().replace("# -m probe", "# -m --only load_latency"))
    _write(tmp_path / "p.2", _LOADED_CENTRAL)
    (tmp_path / "p.2").write_text((tmp_path / "p.2").read_text().replace("# -m probe", "# -m --port 1 --db x"))
    files = sorted(tmp_path.glob("p.*"))
    [one] = tail_exchanges(read_probe(files), collections(files))
    got = {k: round(v, 3) for k, v in one.items() if k in TAIL or k == "total"}
    assert got == {"W": 0.5, "In": 2.5, "A3": 0.4, "B": 40.4, "C": 1.2, "D": 0.5, "Ep": 0.2, "P": 0.8,
                   "Gp": 0.2, "total": 46.7}
    assert (one["sample"], one["via"]) == (0, "link")
    assert one["gc"] == ["central 40.0 ms"]
    assert "| 46.7 | 0.5 | 2.5 |" in tail_table([one])


def test_a_sample_whose_kafka_copy_was_taken_first_is_cut_and_says_so(tmp_path: Path) -> None:
    """A busy driver CPU: its Kafka consumer thread hands the answer over before the loop reads
    the link's copy (seen in a CI run). The sample is still one of the run's: it is cut, with
    ``P`` ending when the consumer has it, and marked ``via kafka`` — not dropped, which made
    a later sample's rank look like a warm-up's."""
    kafka_first = [(0.0, "MainThread request_charge>"),
                   (0.5, "driver-driver6-network-thread net.send ProduceRequest"),
                   (7.0, "MainThread request_charge<"),
                   (10.3, "driver-driver6-consumer polled driver-driver6 p.driver.notifications 2 19"),
                   (13.5, "MainThread emit ChargeAuthorized"),
                   (13.8, "MainThread _on_pushed>"),
                   (13.8, "MainThread _on_pushed<")]
    central = [(2.3, "kafka-io-p.central.requests fetch.resp 12 bytes=426 out=94.1"),
               (2.8, "p.central.requests-consumer polled p.central.requests p.driver.requests 1 3"),
               (2.9, "MainThread _apply_batch>"), (3.8, "MainThread txn body done"),
               (4.3, "MainThread txn committed"), (4.4, "MainThread deliver>")]
    second = [(t + 100, w) for t, w in _LOADED_DRIVER]
    second_central = [(t + 100, w) for t, w in _LOADED_CENTRAL if "gc." not in w]
    _write(tmp_path / "p.1", kafka_first + second)
    _write(tmp_path / "p.2", central + second_central)
    first, then = tail_exchanges(read_probe(sorted(tmp_path.glob("p.*"))))
    assert (first["sample"], first["via"], round(first["P"], 3), round(first["Gp"], 3)) == (0, "kafka", 5.9, 3.2)
    assert (then["sample"], then["via"], round(then["total"], 3)) == (1, "link", 46.7)
    assert "| kafka |" in tail_table([first, then])


def test_an_answer_before_its_request_reached_central_is_not_taken_for_it(tmp_path: Path) -> None:
    """Sequential samples: the answer must follow the request it is cut for, or the exchange
    is left out (it was the previous request's: under load, matching backwards did that)."""
    early = [(t, w) for t, w in _LOADED_CENTRAL if "polled" not in w]
    _write(tmp_path / "p.1", _LOADED_DRIVER)
    _write(tmp_path / "p.2", [(-5.0, "p.central.requests-consumer polled p.central.requests p.driver.requests 1 0"),
                              *early])
    assert tail_exchanges(read_probe(sorted(tmp_path.glob("p.*")))) == []


@pytest.mark.slow
def test_the_probe_finds_every_point_of_a_loaded_exchange_in_a_real_run(tmp_path: Path) -> None:
    """A real broker, Central under 200 CPs' telemetry, CP and driver, under the probe (3
    requests): every sample is cut, so the points ``--bench load_latency`` uses still exist."""
    env = dict(os.environ, EV_BENCH_RESULTS_DIR=str(tmp_path), EV_BENCH_LOAD_CPS="200")
    run = subprocess.run([sys.executable, "-m", "benchmarks.segments", "--bench", "load_latency", "--quick",
                          "--samples", "3"], cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
    found = json.loads((tmp_path / "segments-load_latency.json").read_text())
    # the warm-ups (0, 1) left out, every measured sample cut, whichever copy came first
    assert [x["sample"] for x in found["exchanges"]] == [2, 3, 4]
    assert found["uncut_samples"] == []
    assert set(found["p50_ms"]) == {"total", *TAIL}
