"""Benchmarks: measure, print a table, write JSON to ``benchmarks/results/``; never fail CI.

Run them all with ``python -m benchmarks`` (``--quick`` for a short run, ``--only NAME``).
Every figure is measured beside a baseline taken in the same run on the same private broker,
so the *ratio* (ours / baseline) is what to compare between machines.
"""
