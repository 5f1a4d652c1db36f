#!/usr/bin/env bash
# One golden case: replay TRACE and compare the report (without `run`), the
# timeline, the summary, standard error and the exit status with
# expected/NAME.*.
# Usage: run_golden.sh BIN REPORT_TOOL TRACE EXPECTED_PREFIX [--write] [REPLAY_OPTION...]
# With --write the expectations are (re)written instead (./regenerate). The
# replay options (e.g. --semantics merged) are passed on to `replay`.
#
# Either way the report must first agree with the trace itself: every
# `check` and `expect` event of the trace passes, and a scenario violates
# exactly the invariants replay_tests/expected_violations.txt lists for it
# (none when it is not listed). Otherwise nothing is written or compared:
# a golden cannot freeze a wrong answer.
set -u
bin=$1 tool=$2 trace=$3 prefix=$4
shift 4
mode=
if [ "${1:-}" = "--write" ]; then
  mode=--write
  shift
fi
name=$(basename "$prefix")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" replay "$trace" "$@" -o "$tmp/report.json" --timeline "$tmp/timeline.jsonl" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/exit"
if [ -e "$tmp/report.json" ]; then
  "$tool" strip-run <"$tmp/report.json" >"$tmp/report.norun.json" || exit 2
  stated=()
  case $name in
    scenarios__*)
      list=$(sed -n "s/^$name: *//p" replay_tests/expected_violations.txt)
      stated=(--violations "$list")
      ;;
  esac
  if ! "$tool" self-check "$tmp/report.json" "${stated[@]}" >"$tmp/self"; then
    echo "FAIL: $trace contradicts itself; no golden written or compared:"
    sed 's/^/  /' "$tmp/self"
    exit 1
  fi
fi

if [ "$mode" = "--write" ]; then
  cp "$tmp/out" "$prefix.out"
  cp "$tmp/err" "$prefix.err"
  cp "$tmp/exit" "$prefix.exit"
  if [ -e "$tmp/report.norun.json" ]; then
    cp "$tmp/report.norun.json" "$prefix.report.json"
  else
    rm -f "$prefix.report.json"
  fi
  # Generated traces' timelines are large; their reports' behaviour digest
  # pins them.
  if [ -e "$tmp/timeline.jsonl" ] && [[ "$trace" != *generated/* ]]; then
    cp "$tmp/timeline.jsonl" "$prefix.timeline.jsonl"
  else
    rm -f "$prefix.timeline.jsonl"
  fi
  exit 0
fi

failed=0
compare() {  # what expected actual
  if ! diff -u "$2" "$3" >"$tmp/diff"; then
    echo "FAIL: $1 differs from $2:"
    cat "$tmp/diff"
    failed=1
  fi
}
compare "exit status" "$prefix.exit" "$tmp/exit"
compare "standard output" "$prefix.out" "$tmp/out"
compare "standard error" "$prefix.err" "$tmp/err"
if [ -e "$prefix.report.json" ]; then
  if [ -e "$tmp/report.norun.json" ]; then
    compare "report" "$prefix.report.json" "$tmp/report.norun.json"
  else
    echo "FAIL: no report was written"
    failed=1
  fi
elif [ -e "$tmp/report.json" ]; then
  echo "FAIL: a report was written although the trace is invalid"
  failed=1
fi
if [ -e "$prefix.timeline.jsonl" ]; then
  if [ -e "$tmp/timeline.jsonl" ]; then
    compare "timeline" "$prefix.timeline.jsonl" "$tmp/timeline.jsonl"
  else
    echo "FAIL: no timeline was written"
    failed=1
  fi
elif [ -e "$tmp/timeline.jsonl" ] && [ ! -e "$prefix.report.json" ]; then
  echo "FAIL: a timeline was written although the trace is invalid"
  failed=1
fi
[ $failed -eq 0 ] && echo "PASS: $trace"
exit $failed
