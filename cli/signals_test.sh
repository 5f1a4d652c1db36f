#!/usr/bin/env bash
# SIGINT and SIGTERM in the middle of a long command leave no temporary
# file and no partial output: gen writing a trace, replay writing a report
# (and the old report, when there is one, stays as it was).
set -u
bin="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}/signals"
rm -rf "$dir" && mkdir -p "$dir"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Waits (up to 20 s) until a file matching the glob exists.
wait_for() {
  for _ in $(seq 200); do
    compgen -G "$1" >/dev/null && return 0
    sleep 0.1
  done
  return 1
}

for sig in INT TERM; do
  out="$dir/gen-$sig"
  mkdir -p "$out"
  # Far more events than it can write before the signal.
  "$bin" gen --workload steady --events 1000000000 -o "$out/trace.jsonl" 2>"$out/err" &
  pid=$!
  wait_for "$out/.trace.jsonl.tmp.*" || fail "gen $sig: no temporary file appeared"
  sleep 0.3
  kill -s "$sig" "$pid"
  wait "$pid"
  status=$?
  want=$((128 + $(kill -l "$sig")))
  [ "$status" -eq "$want" ] || fail "gen $sig: exit $status, want $want"
  left=$(ls -A "$out" | grep -v '^err$')
  [ -z "$left" ] || fail "gen $sig: left behind: $left"
done

# A trace long enough to be interrupted mid-replay (made once, quickly):
# its replay takes several seconds, the signal comes after one. (300000
# events took about 1.1 s on a quiet machine, too close to the signal once
# the engine got faster.)
trace="$dir/long.jsonl.zst"
"$bin" gen --workload steady --events 2000000 -o "$trace" || fail "gen of the long trace failed"
for sig in INT TERM; do
  out="$dir/replay-$sig"
  mkdir -p "$out"
  echo "old report" >"$out/report.json"
  "$bin" replay "$trace" -o "$out/report.json" --quiet 2>"$out/err" &
  pid=$!
  sleep 1
  kill -s "$sig" "$pid"
  wait "$pid"
  status=$?
  want=$((128 + $(kill -l "$sig")))
  [ "$status" -eq "$want" ] || fail "replay $sig: exit $status, want $want"
  left=$(ls -A "$out" | grep -v -e '^err$' -e '^report.json$')
  [ -z "$left" ] || fail "replay $sig: left behind: $left"
  [ "$(cat "$out/report.json")" == "old report" ] || fail "replay $sig: the old report changed"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "signals ok"
