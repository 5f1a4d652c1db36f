#!/usr/bin/env bash
# run_golden.sh (and so ./regenerate, which writes through it) refuses a
# trace that contradicts itself: no golden is written, and it says why.
# Usage: refusal_test.sh BIN REPORT_TOOL WRONG_EXPECTATION UNSTATED_VIOLATION CLEAN
set -u
bin=$1 tool=$2 wrong=$3 unstated=$4 clean=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
refuses() {  # case-name trace expected-message
  replay_tests/run_golden.sh "$bin" "$tool" "$2" "$tmp/$1" --write >"$tmp/out"
  local rc=$?
  if [ $rc -ne 1 ] || ! grep -qF "$3" "$tmp/out"; then
    echo "FAIL: $2 as $1: exit $rc, expected 1 and '$3' in:"
    cat "$tmp/out"
    failed=1
  fi
  if compgen -G "$tmp/$1.*" >/dev/null; then
    echo "FAIL: a golden was written for $1 although it was refused"
    failed=1
  fi
}
refuses examples__wrong-expectation "$wrong" "line 4: expect failed: system_used_pages: expected 7, found 8"
# Its own expect passes, but a scenario must state the invariants it breaks.
refuses scenarios__unstated-violation "$unstated" "violated invariants are kernel-crash, the trace states none"
# The same trace is fine where no list is asked for, and a clean trace is
# written as usual.
if ! replay_tests/run_golden.sh "$bin" "$tool" "$unstated" "$tmp/examples__unstated" --write >"$tmp/out" ||
   ! replay_tests/run_golden.sh "$bin" "$tool" "$clean" "$tmp/scenarios__clean" --write >"$tmp/out" ||
   [ ! -e "$tmp/scenarios__clean.report.json" ]; then
  echo "FAIL: a trace that agrees with itself was refused:"
  cat "$tmp/out"
  failed=1
fi
[ $failed -eq 0 ] && echo "PASS: self-contradicting traces get no golden"
exit $failed
