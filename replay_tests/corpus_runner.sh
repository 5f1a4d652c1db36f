#!/usr/bin/env bash
# The runner behind ttm_replay_corpus (corpus.bzl): replays each case and
# checks it against its expectations, or (--write ROOT) rewrites them.
#
# Usage: corpus_runner.sh [--write ROOT] BIN REPORT_TOOL VIOLATIONS TIMELINES CASE...
#   VIOLATIONS  a file of "CASE: invariant, invariant" lines (every case
#               must violate exactly what it lists, none when unlisted), or -
#   TIMELINES   1: --write also keeps NAME.timeline.jsonl; 0: not (large
#               traces; the report's behaviour digest pins the timeline)
#   CASE        NAME|TRACE|PREFIX|EXTRA: PREFIX is where NAME.exit, .out,
#               .err, .report.json (without `run`), .timeline.jsonl are
#               kept, or - to require exit 0 only; EXTRA is replay options
#               separated by commas (e.g. "--semantics,merged")
#
# Either way the report must first agree with the trace itself: every
# `check` and `expect` event passes, and the violated invariants are those
# stated. Otherwise nothing is written or compared: an expectation cannot
# freeze a wrong answer.
#
# Sharding (shard_count): with TEST_TOTAL_SHARDS set, case i runs in shard
# i % TEST_TOTAL_SHARDS == TEST_SHARD_INDEX.
set -u
write_root=
if [ "${1:-}" = "--write" ]; then
  write_root=$2
  shift 2
fi
bin=$1 tool=$2 violations=$3 timelines=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "${TEST_SHARD_STATUS_FILE:-}" ] && touch "$TEST_SHARD_STATUS_FILE"
total=${TEST_TOTAL_SHARDS:-1} index=${TEST_SHARD_INDEX:-0}

run_case() {  # name trace prefix extra
  local name=$1 trace=$2 prefix=$3 extra=$4 out=$tmp/$1
  mkdir -p "$out"
  local options=()
  [ -n "$extra" ] && IFS=, read -r -a options <<<"$extra"
  "$bin" replay "$trace" -o "$out/report.json" --timeline "$out/timeline.jsonl" "${options[@]}" \
    >"$out/out" 2>"$out/err"
  echo $? >"$out/exit"
  if [ -e "$out/report.json" ]; then
    "$tool" strip-run <"$out/report.json" >"$out/report.norun.json" || return 2
    local stated=()
    if [ "$violations" != - ]; then
      stated=(--violations "$(sed -n "s/^$name: *//p" "$violations")")
    fi
    if ! "$tool" self-check "$out/report.json" "${stated[@]}" >"$out/self"; then
      echo "FAIL: $trace contradicts itself; no expectation written or compared:"
      sed 's/^/  /' "$out/self"
      return 1
    fi
  fi

  if [ "$prefix" = - ]; then
    if [ "$(cat "$out/exit")" != 0 ]; then
      echo "FAIL: $trace: exit $(cat "$out/exit"), expected 0:"
      cat "$out/err" "$out/out"
      return 1
    fi
    echo "PASS: $trace"
    return 0
  fi

  if [ -n "$write_root" ]; then
    local p=$write_root/$prefix
    mkdir -p "$(dirname "$p")"
    rm -f "$p.out" "$p.err" "$p.exit" "$p.report.json" "$p.timeline.jsonl"
    cp "$out/out" "$p.out"
    cp "$out/err" "$p.err"
    cp "$out/exit" "$p.exit"
    [ -e "$out/report.norun.json" ] && cp "$out/report.norun.json" "$p.report.json"
    if [ -e "$out/timeline.jsonl" ] && [ "$timelines" = 1 ]; then
      cp "$out/timeline.jsonl" "$p.timeline.jsonl"
    fi
    echo "wrote $prefix.*"
    return 0
  fi

  local failed=0
  compare() {  # what expected actual
    if ! diff -u "$2" "$3" >"$out/diff"; then
      echo "FAIL: $trace: $1 differs from $2:"
      cat "$out/diff"
      failed=1
    fi
  }
  compare "exit status" "$prefix.exit" "$out/exit"
  compare "standard output" "$prefix.out" "$out/out"
  compare "standard error" "$prefix.err" "$out/err"
  if [ -e "$prefix.report.json" ]; then
    if [ -e "$out/report.norun.json" ]; then
      compare "report" "$prefix.report.json" "$out/report.norun.json"
    else
      echo "FAIL: $trace: no report was written"
      failed=1
    fi
  elif [ -e "$out/report.json" ]; then
    echo "FAIL: $trace: a report was written although the trace is invalid"
    failed=1
  fi
  if [ -e "$prefix.timeline.jsonl" ]; then
    if [ -e "$out/timeline.jsonl" ]; then
      compare "timeline" "$prefix.timeline.jsonl" "$out/timeline.jsonl"
    else
      echo "FAIL: $trace: no timeline was written"
      failed=1
    fi
  elif [ -e "$out/timeline.jsonl" ] && [ ! -e "$prefix.report.json" ]; then
    echo "FAIL: $trace: a timeline was written although the trace is invalid"
    failed=1
  fi
  [ $failed -eq 0 ] && echo "PASS: $trace"
  return $failed
}

status=0 i=0 ran=0
refused=()
for case in "$@"; do
  i=$((i + 1))
  [ $(((i - 1) % total)) -eq "$index" ] || continue
  IFS='|' read -r name trace prefix extra <<<"$case"
  ran=$((ran + 1))
  if ! run_case "$name" "$trace" "$prefix" "$extra"; then
    status=1
    refused+=("$trace")
  fi
done
if [ -n "$write_root" ] && [ ${#refused[@]} -gt 0 ]; then
  echo "refused ${#refused[@]} trace(s) that contradict themselves (no expectation written):"
  printf '  %s\n' "${refused[@]}"
fi
echo "$ran of $# case(s) in shard $index of $total: $([ $status -eq 0 ] && echo ok || echo FAILED)"
exit $status
