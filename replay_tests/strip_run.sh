#!/usr/bin/env bash
# Removes the `run` section (the last key) from a report on standard input,
# leaving what must be identical between runs, machines and builds.
awk '
  /^  "run": \{/ { stop = 1 }
  !stop { lines[n++] = $0 }
  END {
    if (n > 0) sub(/,$/, "", lines[n - 1])
    for (i = 0; i < n; i++) print lines[i]
    if (stop) print "}"
  }'
