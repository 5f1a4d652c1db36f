#!/usr/bin/env bash
# Every trace in traces/generated is what `ttm-replay gen` makes of the
# arguments traces/generated/MANIFEST gives for it, byte for byte, and every
# trace there is listed.
# Usage: generated_test.sh BIN MANIFEST TRACE...
set -u
bin=$1 manifest=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
declare -A listed
while IFS= read -r line; do
  case $line in '#'* | '') continue ;; esac
  file=${line%%:*}
  args=${line#*:}
  listed[$file]=1
  trace=""
  for t in "$@"; do [ "$(basename "$t")" = "$file" ] && trace=$t; done
  if [ -z "$trace" ]; then
    echo "FAIL: MANIFEST lists $file, which is not in traces/generated"
    failed=1
    continue
  fi
  # shellcheck disable=SC2086  # the arguments are words
  if ! "$bin" gen $args -o "$tmp/$file" 2>"$tmp/err"; then
    echo "FAIL: gen $args: $(cat "$tmp/err")"
    failed=1
  elif ! cmp -s "$tmp/$file" "$trace"; then
    echo "FAIL: gen$args gives other bytes than $file: regenerate it (README.md)"
    failed=1
  fi
done <"$manifest"
for t in "$@"; do
  if [ -z "${listed[$(basename "$t")]:-}" ]; then
    echo "FAIL: $(basename "$t") is not in MANIFEST: how was it made?"
    failed=1
  fi
done
[ $failed -eq 0 ] && echo "PASS: ${#listed[@]} generated traces are what gen makes of MANIFEST"
exit $failed
