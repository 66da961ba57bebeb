"""``python -m benchmarks [--quick] [--only NAME[,NAME]] [--keep]``: run, print, write JSON.

Never exits non-zero because something is slow: a target missed is a line in the table.
A benchmark that crashes is reported (and the others still run); the exit code is 0 unless
``--strict`` is given.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
import traceback

from benchmarks.common import RESULTS_DIR, BenchResult, Broker, Row, bare_round_trip, make_root, summary, table, write_result

NAMES = ["outbox", "heal", "latency", "load_latency", "ingest", "dashboard", "cp", "security", "ocpp", "reports", "broker_kill", "central_scale"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="short run (~4 min)")
    ap.add_argument("--only", default="", help=f"comma-separated subset of {','.join(NAMES)}")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, DBs)")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a benchmark crashed")
    ap.add_argument("--log-level", default="ERROR")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    only = [n.strip() for n in args.only.split(",") if n.strip()] or NAMES
    unknown = set(only) - set(NAMES)
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(NAMES)}")

    root = make_root()
    print(f"benchmarks: {', '.join(only)} ({'quick' if args.quick else 'full'}); work dir {root}", flush=True)
    started = time.monotonic()
    broker: Broker | None = None
    results: list[BenchResult] = []
    rtt: dict | None = None
    try:
        needs_broker = [n for n in only if n in ("outbox", "latency", "load_latency", "ingest", "cp", "security", "central_scale")]
        if needs_broker:
            # security compares secure and plain-text clients of this same broker
            broker = Broker(root, plain_listener="security" in only)
            t = broker.start()
            print(f"  private broker {broker.bootstrap} ready in {t:.1f}s"
                  + (f" (+ plain-text listener {broker.plain_bootstrap})" if broker.plain_bootstrap else ""),
                  flush=True)
            rtt = summary(bare_round_trip(broker.bootstrap, 50 if args.quick else 200))
            print(f"  bare produce→consume round trip p50 {rtt['p50'] * 1000:.1f} ms "
                  f"p99 {rtt['p99'] * 1000:.1f} ms", flush=True)
        for name in only:
            t0 = time.monotonic()
            print(f"▶ {name} …", flush=True)
            try:
                res = _run(name, broker, root, args.quick, rtt)
            except Exception as exc:  # noqa: BLE001 - a crashed benchmark is a result too
                traceback.print_exc()
                res = BenchResult(name, error=f"{type(exc).__name__}: {exc}")
            res.seconds = time.monotonic() - t0
            path = write_result(res, args.quick)
            results.append(res)
            print(f"  {name}: {res.seconds:.0f}s → {path.relative_to(RESULTS_DIR.parent.parent)}"
                  + (f"  ERROR {res.error}" if res.error else ""), flush=True)
            for row in res.rows:
                print(f"    {row.figure}: {row.ours:.4g} {row.unit} (baseline {row.baseline if row.baseline is None else f'{row.baseline:.4g}'})",
                      flush=True)
    finally:
        if broker is not None:
            broker.stop(hard=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    rows: list[tuple[str, Row]] = [(r.name, row) for r in results for row in r.rows]
    print()
    print(table(rows))
    errors = [r for r in results if r.error]
    for r in errors:
        print(f"\n{r.name} FAILED: {r.error}")
    print(f"\ntotal {time.monotonic() - started:.0f}s")
    return 1 if (errors and args.strict) else 0


def _run(name: str, broker: Broker | None, root, quick: bool, rtt: dict | None) -> BenchResult:
    if name == "outbox":
        from benchmarks.producer import run_outbox
        return run_outbox(broker, root, quick)
    if name == "heal":
        from benchmarks.producer import run_heal
        return run_heal(root, quick)
    if name == "latency":
        from benchmarks.latency import run_latency
        return run_latency(broker, root, quick, rtt)
    if name == "load_latency":
        from benchmarks.load_latency import run_load_latency
        return run_load_latency(broker, root, quick, rtt)
    if name == "ingest":
        from benchmarks.ingest import run_ingest
        return run_ingest(broker, root, quick)
    if name == "dashboard":
        from benchmarks.dashboard import run_dashboard
        return run_dashboard(quick)
    if name == "cp":
        from benchmarks.cp_pair import run_cp
        return run_cp(broker, root, quick)
    if name == "security":
        from benchmarks.security_cost import run_security
        return run_security(broker, root, quick)
    if name == "ocpp": from benchmarks.ocpp import run_ocpp; return run_ocpp(broker, root, quick)  # noqa: E701,E702 - one line (issue 17)
    if name == "reports":  # operator reports over 1,000,000 supplies (issue 16)
        from benchmarks.reports import run_reports
        return run_reports(root, quick)
    if name == "broker_kill": from benchmarks.broker_kill import run_broker_kill; return run_broker_kill(root, quick)  # noqa: E701,E702 - one line (issue 15)
    if name == "central_scale": from benchmarks.central_scale import run_central_scale; return run_central_scale(broker, root, quick)  # noqa: E701,E702 - one line (issue 15, scale-out)
    raise ValueError(name)


if __name__ == "__main__":
    sys.exit(main())
