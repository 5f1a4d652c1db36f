#!/usr/bin/env python3
"""Writes the churn benchmark trace (traces/bench/churn-1m.jsonl.zst).

1 000 000 events on a 2^20-page machine: 64 slots of live objects of 1 to
1024 pages (log-uniform: many small, some large, as GPU buffers are), each cycling allocate -> populate -> write -> shrink (backup)
-> populate (restore) -> write -> unpopulate -> free, the slots interleaved
by a fixed xorshift sequence, with an occasional pool_shrink. Deterministic:
the same bytes on every run. Run it once; the trace is committed so that
benchmark figures stay comparable whatever gen becomes.

    tools/bench/make_churn_trace.py | zstd -12 -q -o traces/bench/churn-1m.jsonl.zst

An optional argument sets the number of events (tools/bench/scaling writes
10 M and 100 M to /tmp that way); the first 1 000 000 events are the same
whatever it is.
"""
import sys

EVENTS = 1_000_000
SLOTS = 64
STEPS = ["allocate", "populate", "write", "shrink", "populate", "write", "unpopulate", "free"]


def pages(rnd):
    """1 .. 1024 pages, uniform within a power-of-two size class."""
    order = rnd() % 11
    return min(1024, (1 << order) + rnd() % (1 << order))


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    out = sys.stdout
    w = out.write
    w('{"format":"ttm-trace","version":1,"config":{"system_pages":1048576,'
      '"swap_pages":1048576,"max_order":10,"pool_limit_pages":524288},'
      '"meta":{"source":"synthetic","workload":"churn","generator":"tools/bench/make_churn_trace.py"}}\n')
    state = 0x9E3779B97F4A7C15

    def rnd():
        nonlocal state
        state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 7
        state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
        return state

    step = [0] * SLOTS
    tt_of = [0] * SLOTS
    next_tt = 1
    cachings = ["cached", "wc", "uncached"]
    n = 0
    while n < events:
        if rnd() % 200 == 0:
            w('{"op":"pool_shrink","pages":%d}\n' % (1 + rnd() % 4096))
            n += 1
            continue
        s = rnd() % SLOTS
        op = STEPS[step[s]]
        if op == "allocate":
            tt_of[s] = next_tt
            next_tt += 1
            w('{"op":"allocate","tt":%d,"pages":%d,"caching":"%s"}\n'
              % (tt_of[s], pages(rnd), cachings[rnd() % 3]))
        elif op == "shrink":
            w('{"op":"shrink","tt":%d}\n' % tt_of[s])
        else:
            w('{"op":"%s","tt":%d}\n' % (op, tt_of[s]))
        step[s] = (step[s] + 1) % len(STEPS)
        n += 1


if __name__ == "__main__":
    main()
