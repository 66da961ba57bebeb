"""``python -m benchmarks.segments [--samples N]``: where the idle request → authorized goes.

Runs the ``latency`` benchmark with the timestamp probe (``benchmarks/probe``, loaded into
every process through ``PYTHONPATH``), then cuts each exchange into segments at the points
where it changes hands, and prints their p50 / mean (table) and writes them to
``benchmarks/results/segments.json``. The figures in the README's issue-14 notes ("probe")
come from this. The probed run's own ``latency`` result is written to a temporary directory
(``EV_BENCH_RESULTS_DIR``), not over the committed one: the probe's writes are in its figures.

Segments (the driver's request → Central → the driver's answer):

* ``A`` the driver's record handed to Kafka → Central's requests consumer hands it over;
  ``A1`` → its produce request built, ``A2`` → Central's client has the fetch response,
  ``A3`` → handed over;
* ``B`` → Central's loop applies the batch; ``C`` decision transaction body; ``D`` its commit;
* ``E`` commit → the answer handed to Kafka (relay, outbox, delivery worker);
* ``F`` → the driver's consumer hands it over; ``F1`` → produce request built,
  ``F2`` → the driver's client has the fetch response (``F2w``: of which request built →
  bytes written), ``F3`` → handed over;
* ``G`` → ``ChargeAuthorized`` emitted; ``total`` A…G.

An answer that came over the driver's WATCH link (the ``latency`` run's first phase; the second
is Kafka only) has A–D as above, then:

* ``Ep`` commit → Central pushes it on the link (``NotificationPush.deliver``);
* ``P`` → the driver core takes the pushed envelope (``DriverCore._on_pushed``);
* ``Gp`` → ``ChargeAuthorized`` emitted; ``totalp`` A…Gp.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from benchmarks.common import REPO, RESULTS_DIR, machine

PROBE_DIR = Path(__file__).resolve().parent / "probe"
ORDER = ["A", "A1", "A2", "A3", "B", "C", "D", "E", "F", "F1", "F2", "F2w", "F3", "G", "total",
         "Ep", "P", "Gp", "totalp"]

Line = tuple[float, str]  # (unix time, "<thread> <what> <details>")


def read_probe(files: Iterable[Path]) -> list[Line]:
    """Every stamp of every probed process, in time order."""
    lines: list[Line] = []
    for path in files:
        for raw in path.read_text().splitlines():
            if not raw.strip() or raw.startswith("#"):
                continue
            t, rest = raw.split(" ", 1)
            lines.append((float(t), rest.strip()))
    lines.sort()
    return lines


def analyse(lines: list[Line]) -> dict[str, list[float]]:
    """Segment durations (ms) of every complete exchange found in *lines* (see module doc)."""
    segs: dict[str, list[float]] = {k: [] for k in ORDER}

    def back(pred: Callable[[str], bool], before: int | None) -> int | None:
        if before is None:
            return None
        for j in range(before - 1, -1, -1):
            if pred(lines[j][1]):
                return j
        return None

    def fwd(pred: Callable[[str], bool], after: int, end: int) -> int | None:
        return next((j for j in range(after + 1, end) if pred(lines[j][1])), None)

    def ms(a: int, b: int) -> float:
        return (lines[b][0] - lines[a][0]) * 1e3

    for idx, (_, what) in enumerate(lines):
        if " emit ChargeAuthorized" not in what:
            continue
        pushed = back(lambda s: " _on_pushed" in s, idx)
        if pushed is not None and lines[pushed][1].endswith("_on_pushed>"):  # emitted inside it: the link's
            p = back(lambda s: " deliver>" in s, pushed)
            e = back(lambda s: " txn committed" in s, p)
            d = back(lambda s: " txn body done" in s, e)
            c = back(lambda s: " _apply_batch>" in s, d)
            b = back(lambda s: "central.requests-consumer polled" in s, c)
            a = back(lambda s: s.startswith("driver-") and "-producer kp.send" in s and ".driver.requests" in s, b)
            if None in (a, b, c, d, e, p):
                continue
            marks = [a, b, c, d, e, p, pushed, idx]  # type: ignore[list-item]
            for name, (x, y) in zip(["A", "B", "C", "D", "Ep", "P", "Gp"], zip(marks, marks[1:])):
                segs[name].append(ms(x, y))
            segs["totalp"].append(ms(a, idx))  # type: ignore[arg-type]
            continue
        g = back(lambda s: "-consumer polled" in s and s.startswith("driver-") and ".driver.notifications" in s, idx)
        f = back(lambda s: "central-producer kp.send" in s and ".driver.notifications" in s, g)
        e = back(lambda s: " txn committed" in s, f)
        d = back(lambda s: " txn body done" in s, e)
        c = back(lambda s: " _apply_batch>" in s, d)
        b = back(lambda s: "central.requests-consumer polled" in s, c)
        a = back(lambda s: s.startswith("driver-") and "-producer kp.send" in s and ".driver.requests" in s, b)
        if None in (a, b, c, d, e, f, g):
            continue
        assert a is not None and b is not None and c is not None and d is not None
        assert e is not None and f is not None and g is not None
        marks = [a, b, c, d, e, f, g, idx]
        for name, (x, y) in zip("ABCDEFG", zip(marks, marks[1:])):
            segs[name].append(ms(x, y))
        segs["total"].append(ms(a, idx))
        # hop splits: request built (net.send), fetch response on the other side
        a1 = fwd(lambda s: s.startswith("driver-") and "network-thread net.send ProduceRequest" in s, a, b)
        a2 = back(lambda s: "central.requests fetch.resp" in s, b)
        if a1 is not None and a2 is not None and a1 < a2:
            segs["A1"].append(ms(a, a1))
            segs["A2"].append(ms(a1, a2))
            segs["A3"].append(ms(a2, b))
        f1 = fwd(lambda s: "central-network-thread net.send ProduceRequest" in s, f, g)
        f2 = back(lambda s: s.startswith("kafka-io-driver-") and " fetch.resp" in s, g)
        if f1 is not None and f2 is not None and f1 < f2:
            segs["F1"].append(ms(f, f1))
            segs["F2"].append(ms(f1, f2))
            segs["F3"].append(ms(f2, g))
            written = fwd(lambda s: "central-network-thread sock.send" in s, f1, f2)
            if written is not None:
                segs["F2w"].append(ms(f1, written))
    return segs


def summarise(segs: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {k: {"n": len(v), "p50_ms": round(statistics.median(v), 3), "mean_ms": round(statistics.mean(v), 3)}
            for k, v in segs.items() if v}


def table(summary: dict[str, dict[str, float]]) -> str:
    rows = ["| segment | n | p50 | mean |", "|---|---|---|---|"]
    rows += [f"| {k} | {s['n']} | {s['p50_ms']:.2f} ms | {s['mean_ms']:.2f} ms |"
             for k, s in summary.items()]
    return "\n".join(rows)


def _probed_latency(path: Path) -> dict[str, float] | None:
    """The probed run's own p50 and bare round trip (same run), for reading the segments."""
    try:
        rows = json.loads(path.read_text())["rows"]
        found = {"ours_ms": float(rows[0]["ours"]), "bare_ms": float(rows[0]["baseline"])}
        kafka = [r for r in rows if r["figure"].startswith("request → authorized, Kafka only") and "p50" in r["figure"]]
        if kafka:
            found |= {"kafka_only_ms": float(kafka[0]["ours"]), "kafka_only_bare_ms": float(kafka[0]["baseline"])}
        return found
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.segments", description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=60, help="requests in the probed latency run")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="evsegments-"))
    env = dict(os.environ, EV_PROBE=str(work / "p"), EV_BENCH_LATENCY_SAMPLES=str(args.samples),
               EV_BENCH_RESULTS_DIR=str(work / "results"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROBE_DIR), str(REPO), os.environ.get("PYTHONPATH")])))
    print(f"segments: probed latency run ({args.samples} samples); stamps in {work}", flush=True)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "latency"], env=env, cwd=REPO,
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout[-2000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        return run.returncode
    summary = summarise(analyse(read_probe(sorted(work.glob("p.*")))))
    if not summary:
        print("no complete exchange found in the stamps (a kafka-python other than 3.0.12?)", file=sys.stderr)
        return 1
    print(table(summary))
    probed = _probed_latency(work / "results" / "latency.json")
    if probed:
        print(f"probed run: request → authorized p50 {probed['ours_ms']:.2f} ms, bare round trip "
              f"{probed['bare_ms']:.2f} ms ({probed['ours_ms'] / probed['bare_ms']:.2f}×)")
        if "kafka_only_ms" in probed:
            print(f"  Kafka only (no WATCH link): {probed['kafka_only_ms']:.2f} ms, bare round trip "
                  f"{probed['kafka_only_bare_ms']:.2f} ms "
                  f"({probed['kafka_only_ms'] / probed['kafka_only_bare_ms']:.2f}×)")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / "segments.json"
    out.write_text(json.dumps({"benchmark": "segments", "when": time.time(), "machine": machine(),
                               "samples": args.samples, "segments": summary, "probed_latency": probed,
                               "seconds": round(time.monotonic() - started, 1)}, indent=2) + "\n")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
