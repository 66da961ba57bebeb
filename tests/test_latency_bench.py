"""The latency benchmark's stamp reading: the watcher runs only after the samples, so the
benchmark must wait until its file holds every figure the samples need (requests, starts and
the answers), and the legs are computed from those stamps."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.latency import _wait_stamps, breakdown
from benchmarks.stamp_watcher import Stamps


def _write(path: Path, lines: list[dict]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write("".join(json.dumps(x) + "\n" for x in lines))


def _out() -> dict:
    # one sample: request r1 asked at 100.000 (wall clock), authorized seen at 100.020
    return {"starts": [("s1", 100.0)], "walls": [("r1", 100.0, 100.020)]}


def test_wait_stamps_reads_requests_starts_and_answers_written_by_the_watcher(tmp_path):
    stamps = Stamps(tmp_path / "stamps.jsonl")
    _write(stamps.path, [{"request": "r1", "t": 100.001}, {"started": "s1", "t": 100.018},
                         {"answer": 100.012}])
    _wait_stamps(stamps, _out(), timeout_s=5.0)
    assert stamps.stamps["r1"] == 100.001
    assert stamps.started_at["s1"] == 100.018
    assert stamps.stamps["answers"] == [100.012]


def test_wait_stamps_gives_up_without_failing_when_an_answer_never_comes(tmp_path):
    stamps = Stamps(tmp_path / "stamps.jsonl")
    _write(stamps.path, [{"request": "r1", "t": 100.001}, {"started": "s1", "t": 100.018}])
    _wait_stamps(stamps, _out(), timeout_s=0.2)  # returns: the sample is left out of the legs
    assert "answers" not in stamps.stamps
    assert breakdown(_out()["walls"], stamps.stamps)["n"] == 0


def test_breakdown_splits_request_to_authorized_at_the_record_timestamps(tmp_path):
    stamps = Stamps(tmp_path / "stamps.jsonl")
    _write(stamps.path, [{"request": "r1", "t": 100.001}, {"answer": 100.012}])
    stamps.refresh()
    legs = breakdown(_out()["walls"], stamps.stamps)
    assert legs == {"driver_to_wire": 1.0, "central": 11.0, "back": 8.0, "n": 1,
                    "per_sample_ms": [[1.0, 11.0, 8.0]]}  # each sample's legs, for the slow ones
