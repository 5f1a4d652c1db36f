#!/usr/bin/env bash
# corpus_runner.sh (and so every CORPUS.update, and ./regenerate, which
# writes through it) refuses a trace that contradicts itself: no
# expectation is written, and it says why.
# Usage: refusal_test.sh BIN REPORT_TOOL WRONG_EXPECTATION UNSTATED_VIOLATION CLEAN
set -u
bin=$1 tool=$2 wrong=$3 unstated=$4 clean=$5
runner=replay_tests/corpus_runner.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
refuses() {  # case-name trace violations expected-message
  "$runner" --write "$tmp" "$bin" "$tool" "$3" 1 "$1|$2|$1|" >"$tmp/out"
  local rc=$?
  if [ $rc -ne 1 ] || ! grep -qF "$4" "$tmp/out"; then
    echo "FAIL: $2 as $1: exit $rc, expected 1 and '$4' in:"
    cat "$tmp/out"
    failed=1
  fi
  if compgen -G "$tmp/$1.*" >/dev/null; then
    echo "FAIL: a golden was written for $1 although it was refused"
    failed=1
  fi
}
refuses examples__wrong-expectation "$wrong" - "line 4: expect failed: system_used_pages: expected 7, found 8"
# Its own expect passes, but a corpus with a violations list must state
# the invariants each trace breaks.
refuses scenarios__unstated-violation "$unstated" replay_tests/expected_violations.txt \
  "violated invariants are kernel-crash, the trace states none"
# The same trace is fine where no list is asked for, and a clean trace is
# written as usual.
if ! "$runner" --write "$tmp" "$bin" "$tool" - 1 "examples__unstated|$unstated|examples__unstated|" >"$tmp/out" ||
   ! "$runner" --write "$tmp" "$bin" "$tool" replay_tests/expected_violations.txt 1 \
       "scenarios__clean|$clean|scenarios__clean|" >"$tmp/out" ||
   [ ! -e "$tmp/scenarios__clean.report.json" ]; then
  echo "FAIL: a trace that agrees with itself was refused:"
  cat "$tmp/out"
  failed=1
fi
# A checked case fails on any difference, and exit-0-only cases on exit 1.
sed -i 's/verdict: clean/verdict: changed/' "$tmp/scenarios__clean.out"
if "$runner" "$bin" "$tool" - 1 "scenarios__clean|$clean|$tmp/scenarios__clean|" >"$tmp/out" ||
   ! grep -qF "standard output differs" "$tmp/out"; then
  echo "FAIL: a changed summary went unnoticed:"
  cat "$tmp/out"
  failed=1
fi
if "$runner" "$bin" "$tool" - 1 "x__unstated|$unstated|-|" >"$tmp/out" || ! grep -qF "exit 1, expected 0" "$tmp/out"; then
  echo "FAIL: an exit-0-only case passed with findings:"
  cat "$tmp/out"
  failed=1
fi
# Sharding: each case runs in exactly one shard.
for shard in 0 1; do
  TEST_TOTAL_SHARDS=2 TEST_SHARD_INDEX=$shard "$runner" "$bin" "$tool" - 1 \
    "a|$clean|-|" "b|$clean|-|" "c|$clean|-|" >"$tmp/shard$shard" || failed=1
done
if ! grep -qx "2 of 3 case(s) in shard 0 of 2: ok" "$tmp/shard0" ||
   ! grep -qx "1 of 3 case(s) in shard 1 of 2: ok" "$tmp/shard1"; then
  echo "FAIL: shards do not split the cases:"
  cat "$tmp/shard0" "$tmp/shard1"
  failed=1
fi
[ $failed -eq 0 ] && echo "PASS: self-contradicting traces get no golden; differences, exit-0 and shards work"
exit $failed
