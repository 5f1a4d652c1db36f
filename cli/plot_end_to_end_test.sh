#!/usr/bin/env bash
# `ttm-replay plot` as users run it: the binary's exit status and messages,
# the SVG checked by xmllint (libxml2-utils), standard input as a timeline.
# Args: the ttm-replay binary, the sample timeline.
set -uo pipefail
bin=$1
sample=$2
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

"$bin" plot "$sample" -o "$tmp/sample.svg" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "plot of the sample exited $status"
[ -s "$tmp/err" ] && fail "plot of the sample printed: $(cat "$tmp/err")"
xmllint --noout "$tmp/sample.svg" || fail "xmllint rejects the SVG"

"$bin" plot - -o - <"$sample" >"$tmp/stdin.svg" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "plot of standard input exited $status"
cmp -s "$tmp/stdin.svg" "$tmp/sample.svg" || fail "standard input gives another picture"

# A bad line: exit 2, one line naming file and line, no output file.
head -n 3 "$sample" >"$tmp/bad.jsonl"
echo '{"line":2,"op":"free","tt":1}' >>"$tmp/bad.jsonl"
"$bin" plot "$tmp/bad.jsonl" -o "$tmp/bad.svg" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "a bad timeline exited $status, not 2"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a bad timeline printed $(wc -l <"$tmp/err") lines"
grep -q "^ttm-replay: $tmp/bad.jsonl:4: free: " "$tmp/err" ||
  fail "unexpected message: $(cat "$tmp/err")"
[ -e "$tmp/bad.svg" ] && fail "a bad timeline left $tmp/bad.svg"

# Usage errors are exit 2 too.
"$bin" plot "$sample" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "plot without -o exited $status, not 2"

[ "$failures" -eq 0 ] && echo "plot end to end: ok"
exit $((failures > 0))
