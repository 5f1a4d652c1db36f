#!/usr/bin/env bash
# Golden `ttm-replay ab` output of the merged scenario traces: for each
# TRACE, `ab` is run with --b the semantics its header's meta names and --a
# the code before it (v13 for merged, merged for merged-fixed), and its
# standard output, standard error and exit status are compared with
# ab_expected/NAME.ab.{out,err,exit}.
# Usage: ab_golden.sh BIN EXPECTED_DIR [--write] TRACE...
# With --write the expectations are (re)written instead (./regenerate).
set -u
bin=$1 expected=$2
shift 2
mode=
if [ "${1:-}" = "--write" ]; then
  mode=--write
  shift
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for trace in "$@"; do
  name=$(basename "$trace" .jsonl)
  b=$(head -n 1 "$trace" | sed -n 's/.*"semantics": *"\([a-z0-9-]*\)".*/\1/p')
  case $b in
    merged) a=v13 ;;
    merged-fixed) a=merged ;;
    *) echo "FAIL: $trace: its header's meta names no merged semantics"; failed=1; continue ;;
  esac
  "$bin" ab "$trace" --a "$a" --b "$b" >"$tmp/out" 2>"$tmp/err"
  echo $? >"$tmp/exit"
  if [ "$mode" = "--write" ]; then
    for part in out err exit; do cp "$tmp/$part" "$expected/$name.ab.$part"; done
    continue
  fi
  for part in out err exit; do
    if ! diff -u "$expected/$name.ab.$part" "$tmp/$part"; then
      echo "FAIL: $trace: ab --a $a --b $b: $part differs from $expected/$name.ab.$part"
      failed=1
    fi
  done
done
if [ "$mode" != "--write" ] && [ $failed -eq 0 ]; then echo "PASS: ab output of $# trace(s) as expected"; fi
exit $failed
