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

``--bench load_latency``: the same cut of the ``load_latency`` run (5,000 CPs' telemetry), to
find where its *slowest* samples went — the p99 target. Each exchange is cut from the sample's
own start (:func:`tail_exchanges`): ``W`` ``request_charge`` → the driver's produce request
written, ``In`` → Central's requests consumer has the fetch response holding it, then ``A3``
``B`` ``C`` ``D`` ``Ep`` ``P`` ``Gp`` as above. Most answers come over the link; when the
driver's CPU is busy its Kafka consumer thread may hand the Kafka copy over first (``via
kafka``), and ``P`` then ends when that consumer has it. It prints the p50 of each and the
slowest exchanges one by one, with the collections of the oldest generation (``gc``) that
overlapped them, and writes ``benchmarks/results/segments-load_latency.json`` (with the
samples that could not be cut, if any).
"""
from __future__ import annotations

import argparse
import functools
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


def _back(lines: list[Line], pred: Callable[[str], bool], before: int | None) -> int | None:
    """The last line before index *before* whose text matches *pred*."""
    if before is None:
        return None
    return next((j for j in range(before - 1, -1, -1) if pred(lines[j][1])), None)


def _fwd(lines: list[Line], pred: Callable[[str], bool], after: int, end: int) -> int | None:
    """The first line after index *after*, before *end*, whose text matches *pred*."""
    return next((j for j in range(after + 1, end) if pred(lines[j][1])), None)


def analyse(lines: list[Line]) -> dict[str, list[float]]:
    """Segment durations (ms) of every complete exchange found in *lines* (see module doc)."""
    segs: dict[str, list[float]] = {k: [] for k in ORDER}

    back, fwd = functools.partial(_back, lines), functools.partial(_fwd, lines)

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


TAIL = ["W", "In", "A3", "B", "C", "D", "Ep", "P", "Gp"]
WARM_UP = 2  # the benchmark's first samples, left out of its figures (benchmarks.latency._drive_apps)


Collection = tuple[float, float, str]  # a gen-2 collection: (start, end, which process)


def collections(files: Iterable[Path]) -> list[Collection]:
    """The oldest generation's collections of every probed process (the probe's ``gc.*``)."""
    found: list[Collection] = []
    for path in files:
        text = path.read_text()
        head = text.split("\n", 1)[0]
        who = next((name for flag, name in (("--db", "central"), ("--only", "driver app"),
                                            ("--count", "generator"), ("--engine", "monitor"),
                                            ("--topic-prefix", "engine")) if flag in head), path.name)
        started = None
        for raw in text.splitlines():
            if " gc.start" in raw:
                started = float(raw.split(" ", 1)[0])
            elif " gc.stop" in raw and started is not None:
                found.append((started, float(raw.split(" ", 1)[0]), who))
                started = None
    return found


def tail_exchanges(lines: list[Line], gcs: list[Collection] = ()) -> list[dict]:  # type: ignore[assignment]
    """Every request of a load run that can be cut at the points of :data:`TAIL` (ms), with
    its ``sample`` (the request's rank in the run, from 0: the benchmark drops the first
    :data:`WARM_UP`), ``via`` (which copy of the answer the driver took first), start (unix
    time), total, and the *gcs* that overlapped it (which process, ms).

    Anchored at each ``request_charge`` (samples are sequential): under load, matching the
    request's send backwards from the answer picked an earlier request's. The answer is the
    first ``ChargeAuthorized`` before the next request. Central sends it both ways; when the
    driver's CPU is busy, its Kafka consumer thread can hand the Kafka copy over before the
    loop reads the link's. ``P`` then ends when the consumer has it instead of at
    ``_on_pushed``."""
    found: list[dict] = []
    requests = [i for i, (_, what) in enumerate(lines) if " request_charge>" in what]
    for sample, (r, after) in enumerate(zip(requests, [*requests[1:], len(lines)])):
        idx = _fwd(lines, lambda s: " emit ChargeAuthorized" in s, r, after)
        if idx is None:
            continue
        pushed = _back(lines, lambda s: " _on_pushed" in s, idx)
        via = "link" if pushed is not None and lines[pushed][1].endswith("_on_pushed>") else "kafka"
        if via == "kafka":
            pushed = _back(lines, lambda s: s.startswith("driver-") and "-consumer polled" in s
                           and ".driver.notifications" in s, idx)
        p = _back(lines, lambda s: " deliver>" in s, pushed)
        e = _back(lines, lambda s: " txn committed" in s, p)
        d = _back(lines, lambda s: " txn body done" in s, e)
        c = _back(lines, lambda s: " _apply_batch>" in s, d)
        b = _back(lines, lambda s: "central.requests-consumer polled" in s, c)
        if None in (pushed, p, e, d, c, b) or b < r:  # type: ignore[operator]
            continue
        a2 = _back(lines, lambda s: "central.requests fetch.resp" in s, b)
        w = _fwd(lines, lambda s: s.startswith("driver-") and "network-thread net.send ProduceRequest" in s, r, b)
        if a2 is None or w is None or not r < w < a2:  # type: ignore[operator]
            continue
        marks = [r, w, a2, b, c, d, e, p, pushed, idx]
        start, end = lines[r][0], lines[idx][0]
        one: dict = {k: (lines[y][0] - lines[x][0]) * 1e3 for k, x, y in zip(TAIL, marks, marks[1:])}  # type: ignore[index]
        one |= {"sample": sample, "via": via, "start": start, "total": (end - start) * 1e3,
                "gc": [f"{who} {(min(g1, end) - max(g0, start)) * 1e3:.1f} ms" for g0, g1, who in gcs
                       if g0 < end and g1 > start]}
        found.append(one)
    return found


def tail_table(found: list[dict], slowest: int = 10) -> str:
    """p50 of each segment, then the *slowest* exchanges one by one."""
    head = "| | total | " + " | ".join(TAIL) + " | answer via | gen-2 collections overlapping |"
    rows = [head, "|" + "---|" * (len(TAIL) + 4)]
    rows.append("| p50 | " + " | ".join(f"{statistics.median(x[k] for x in found):.1f}"
                                         for k in ["total", *TAIL]) + " | | |")
    for x in sorted(found, key=lambda x: -x["total"])[:slowest]:
        rows.append(f"| {time.strftime('%H:%M:%S', time.gmtime(x['start']))} | "
                    + " | ".join(f"{x[k]:.1f}" for k in ["total", *TAIL])
                    + f" | {x['via']} | {'; '.join(x['gc'])} |")
    return "\n".join(rows)


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


def main_load(samples: int, quick: bool = False) -> int:
    """``--bench load_latency``: where the slowest samples under telemetry load went."""
    work = Path(tempfile.mkdtemp(prefix="evsegments-load-"))
    env = dict(os.environ, EV_PROBE=str(work / "p"), EV_PROBE_QUIET_TOPICS=".cp.events",
               EV_BENCH_LOAD_SAMPLES=str(samples), EV_BENCH_RESULTS_DIR=str(work / "results"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROBE_DIR), str(REPO), os.environ.get("PYTHONPATH")])))
    print(f"segments: probed load_latency run ({samples} samples); stamps in {work}", flush=True)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "load_latency",
                          *(["--quick"] if quick else [])], env=env, cwd=REPO, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout[-2000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        return run.returncode
    files = sorted(work.glob("p.*"))
    found = [x for x in tail_exchanges(read_probe(files), collections(files)) if x["sample"] >= WARM_UP]
    if not found:
        print("no complete exchange found in the stamps (a kafka-python other than 3.0.12?)", file=sys.stderr)
        return 1
    uncut = sorted(set(range(WARM_UP, WARM_UP + samples)) - {x["sample"] for x in found})
    if uncut:
        print(f"samples not cut (a point missing from the stamps): {uncut}", file=sys.stderr)
    print(tail_table(found))
    rows = json.loads((work / "results" / f"load_latency{'-quick' if quick else ''}.json").read_text())["rows"]
    for row in rows[:3]:
        print(f"probed run: {row['figure']}: {float(row['ours']):.1f} ms")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / "segments-load_latency.json"
    out.write_text(json.dumps({"benchmark": "segments", "bench": "load_latency", "when": time.time(),
                               "machine": machine(), "samples": samples,
                               "p50_ms": {k: round(statistics.median(x[k] for x in found), 3) for k in ["total", *TAIL]},
                               "exchanges": found, "uncut_samples": uncut, "probed_rows": rows[:3],
                               "seconds": round(time.monotonic() - started, 1)}, indent=2) + "\n")
    print(f"→ {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.segments", description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=None,
                    help="requests in the probed run (default 60; 100 with --bench load_latency)")
    ap.add_argument("--bench", choices=["latency", "load_latency"], default="latency",
                    help="which benchmark to probe (load_latency: its slowest samples one by one)")
    ap.add_argument("--quick", action="store_true", help="load_latency's quick mode (2,000 CPs)")
    args = ap.parse_args(argv)
    if args.bench == "load_latency":
        return main_load(args.samples or 100, args.quick)
    args.samples = args.samples or 60
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
