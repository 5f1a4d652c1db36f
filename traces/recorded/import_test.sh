#!/usr/bin/env bash
# `ttm-replay import` end to end, over traces/recorded:
#  - each recording NAME.txt imports to exactly NAME.jsonl (the trace the
#    golden replay tests replay) and prints exactly NAME.import.out;
#  - each file in bad/ fails exactly as bad/EXPECTED says (file, exit
#    status, stderr line, tab-separated), and writes nothing: neither a new
#    output file nor a change to an existing one, nor anything on stdout.
# replay_tests/regenerate rewrites NAME.jsonl and NAME.import.out.
set -u
bin="$1"
dir="traces/recorded"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

recordings=0
for raw in "$dir"/*.txt; do
  recordings=$((recordings + 1))
  name=$(basename "$raw" .txt)
  "$bin" import "$raw" -o "$tmp/$name.jsonl" >"$tmp/out" 2>"$tmp/err"
  status=$?
  [ "$status" -eq 0 ] || fail "$raw: exit $status: $(cat "$tmp/err")"
  diff -u "$dir/$name.jsonl" "$tmp/$name.jsonl" || fail "$raw: the trace differs from $name.jsonl"
  diff -u "$dir/$name.import.out" "$tmp/out" || fail "$raw: the summary differs"
  [ -s "$tmp/err" ] && fail "$raw: unexpected stderr: $(cat "$tmp/err")"
  # The same through standard output: the trace there, the summary on stderr.
  "$bin" import - <"$raw" >"$tmp/stdout.jsonl" 2>"$tmp/err"
  diff -q "$dir/$name.jsonl" "$tmp/stdout.jsonl" >/dev/null || fail "$raw: import - differs"
  diff -q "$dir/$name.import.out" "$tmp/err" >/dev/null || fail "$raw: import - summary differs"
  # Compressed output is the same trace.
  "$bin" import "$raw" -o "$tmp/$name.jsonl.zst" --quiet >"$tmp/out" 2>&1
  zstd -dcq "$tmp/$name.jsonl.zst" | diff -q "$dir/$name.jsonl" - >/dev/null ||
    fail "$raw: the .zst output differs"
  [ -s "$tmp/out" ] && fail "$raw: --quiet printed: $(cat "$tmp/out")"
done
[ "$recordings" -ge 2 ] || fail "only $recordings recordings in $dir"

listed=0
while IFS=$'\t' read -r name want_status want_err; do
  [ -n "$name" ] || continue
  listed=$((listed + 1))
  [ -e "$dir/bad/$name" ] || { fail "$name: listed in EXPECTED but missing"; continue; }
  echo "keep me" >"$tmp/existing.jsonl"
  for target in "$tmp/new.jsonl" "$tmp/existing.jsonl" "-"; do
    out=$(cd "$dir/bad" && "$OLDPWD/$bin" import "$name" -o "$target" 2>"$tmp/err")
    status=$?
    [ "$status" -eq "$want_status" ] || fail "$name -o $target: exit $status, want $want_status"
    [ "$(cat "$tmp/err")" == "$want_err" ] || fail "$name: stderr
   got: $(cat "$tmp/err")
  want: $want_err"
    [ -z "$out" ] || fail "$name -o $target: wrote to stdout"
  done
  [ -e "$tmp/new.jsonl" ] && fail "$name: a new output file was left behind"
  [ "$(cat "$tmp/existing.jsonl")" == "keep me" ] || fail "$name: an existing output was changed"
  [ -z "$(ls -A "$tmp" | grep '\.tmp\.')" ] || fail "$name: a temporary file was left behind"
  rm -f "$tmp/new.jsonl"
done <"$dir/bad/EXPECTED"
present=$(ls "$dir/bad" | grep -vc '^EXPECTED$')
[ "$present" -eq "$listed" ] || fail "bad/ holds $present recordings but EXPECTED lists $listed"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "import ok: $recordings recordings, $listed bad recordings"
