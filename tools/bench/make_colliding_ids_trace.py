#!/usr/bin/env python3
"""Writes a trace whose object ids all have the same hash in the tool's id
tables (core/id_map.h): N one-page objects allocated, then freed oldest
first. The ids are k times the inverse of the tables' multiplier modulo
2^64 (those below 2^63, the format's limit), so that id times the
multiplier is k, whose top bits are zero for every table size.

    tools/bench/make_colliding_ids_trace.py 40000 > /tmp/colliding.jsonl
    /usr/bin/time -f '%U %S' bazel-bin/cli/ttm-replay replay /tmp/colliding.jsonl -o /tmp/r.json

With --ordinary after N, the same trace with ids 7919 i + 13 (i from 0)
instead, for comparison.

Not a test: it writes a trace for measuring, docs/limits.md quotes it.
"""
import sys

MULTIPLIER = 0x9E3779B97F4A7C15


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40000
    inverse = pow(MULTIPLIER, -1, 1 << 64)
    ids = []
    k = 1
    while len(ids) < n:
        i = 7919 * (k - 1) + 13 if "--ordinary" in sys.argv[2:] else k * inverse % (1 << 64)
        if i < 1 << 63:
            ids.append(i)
        k += 1
    out = sys.stdout
    out.write('{"format":"ttm-trace","version":1,"config":{},'
              '"meta":{"source":"tools/bench/make_colliding_ids_trace.py"}}\n')
    for i in ids:
        out.write('{"op":"allocate","tt":%d,"pages":1,"caching":"cached"}\n' % i)
    for i in ids:
        out.write('{"op":"free","tt":%d}\n' % i)


if __name__ == "__main__":
    main()
