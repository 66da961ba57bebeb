"""Lightweight telemetry generator: Telemetry for CPs [first, first+count) at *hz* each,
spread evenly in 50 ms slices, with a bare KafkaProducer (not one process per CP).

``python -m benchmarks.telemetry_gen BOOTSTRAP TOPIC --first 1 --count N --duration S --seq0 K``
Prints ``sent=<n> seconds=<s>`` when done.
"""
from __future__ import annotations

import argparse
import time

from kafka import KafkaProducer

from ev_common.kafka.security import kafka_kwargs
from ev_common import contract as c
from ev_common import msgauth
from benchmarks.seed import CP_KEY, cp_id


def signed_telemetry(cp: str, seq: int) -> bytes:
    """One encoded Telemetry of CP *cp* (its seeded ``s-<cp>`` session), signed with the CP key
    as an Engine signs it."""
    env = c.envelope(c.Telemetry(cp_id=cp, session_id=f"s-{cp}", seq=seq, kw=7.2,
                                 kwh=seq * 0.002, eur=seq * 0.0007), source="bench-gen")
    return c.encode(msgauth.sign(env, CP_KEY, msgauth.CP_EVENT, cp))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--hz", type=float, default=1.0)
    ap.add_argument("--seq0", type=int, default=0)
    a = ap.parse_args()
    kp = KafkaProducer(bootstrap_servers=a.bootstrap, acks=1, linger_ms=5, batch_size=64 * 1024,
                       **kafka_kwargs())
    ids = [cp_id(i) for i in range(a.first, a.first + a.count)]
    keys = [i.encode() for i in ids]
    slice_s = 0.05
    per_second = a.count * a.hz
    t0 = time.monotonic()
    sent = 0
    seq = a.seq0
    pos = 0
    while True:
        elapsed = time.monotonic() - t0
        if elapsed >= a.duration:
            break
        due = int(min(elapsed + slice_s, a.duration) * per_second)
        while sent < due:
            i = pos % a.count
            if i == 0:
                seq += 1
            kp.send(a.topic, key=keys[i], value=signed_telemetry(ids[i], seq))
            pos += 1
            sent += 1
        time.sleep(max(0.0, t0 + elapsed + slice_s - time.monotonic()))
    kp.flush(60)
    print(f"sent={sent} seconds={time.monotonic() - t0:.3f} last_seq={seq}", flush=True)
    kp.close(5)


if __name__ == "__main__":
    main()
