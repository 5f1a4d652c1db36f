#!/usr/bin/env bash
# The same trace replayed twice, plain, zstd-compressed and from standard
# input, gives byte-identical reports once `run` is removed.
# Usage: determinism_test.sh BIN REPORT_TOOL TRACE... (a .zst is compared
# with the plain trace of the same name, when that comes first)
set -u
bin=$1 tool=$2
shift 2
declare -A first
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
i=0
for trace in "$@"; do
  for how in file file-again stdin; do
    i=$((i + 1))
    case $how in
      stdin) "$bin" replay - -o "$tmp/r$i.json" --quiet <"$trace" ;;
      *) "$bin" replay "$trace" -o "$tmp/r$i.json" --quiet ;;
    esac
    "$tool" strip-run <"$tmp/r$i.json" >"$tmp/n$i.json" || failed=1
    key=${trace%.zst}
    if [ -z "${first[$key]:-}" ]; then
      first[$key]=$i
    elif ! cmp -s "$tmp/n${first[$key]}.json" "$tmp/n$i.json"; then
      echo "FAIL: $trace ($how) differs from its first replay:"
      diff -u "$tmp/n${first[$key]}.json" "$tmp/n$i.json" | head -20
      failed=1
    fi
  done
done
[ $failed -eq 0 ] && echo "PASS: $i replays, identical reports"
exit $failed
