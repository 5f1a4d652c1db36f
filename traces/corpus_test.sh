#!/usr/bin/env bash
# Runs the built ttm-replay over traces/examples (each must validate, also
# with --strict) and traces/bad (each must fail exactly as bad/EXPECTED says:
# filename, exit status and stderr line, tab-separated), and validate
# --all-errors on a trace with several errors (exact stderr and exit status).
set -u
bin="$1"
dir="traces"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

for f in "$dir"/examples/*; do
  for mode in "" "--strict"; do
    out=$("$bin" validate "$f" $mode 2>&1)
    status=$?
    [ "$status" -eq 0 ] || fail "$f $mode: exit $status: $out"
  done
done

listed=0
while IFS=$'\t' read -r name want_status want_err; do
  [ -n "$name" ] || continue
  listed=$((listed + 1))
  f="$dir/bad/$name"
  [ -e "$f" ] || { fail "$name: listed in EXPECTED but missing"; continue; }
  strict=""
  case "$name" in strict-*) strict="--strict" ;; esac
  err=$(cd "$dir/bad" && "$OLDPWD/$bin" validate "$name" $strict 2>&1 >/dev/null)
  status=$?
  [ "$status" -eq "$want_status" ] || fail "$name: exit $status, want $want_status"
  [ "$err" == "$want_err" ] || fail "$name: stderr
   got: $err
  want: $want_err"
done < "$dir/bad/EXPECTED"

present=$(ls "$dir/bad" | grep -vc '^EXPECTED$')
[ "$present" -eq "$listed" ] || fail "bad/ holds $present traces but EXPECTED lists $listed"

# validate --all-errors through the binary: every error is the command's
# output, and the count is the one error line main prints (docs/cli.md).
tmp="${TEST_TMPDIR:-$(mktemp -d)}/all-errors"
mkdir -p "$tmp"
printf '%s\n' '{"format":"ttm-trace","version":1}' '{"op":"nope"}' \
  '{"op":"allocate","tt":1,"pages":4,"caching":"wc"}' '{bad' '{"op":"free","tt":2}' \
  '{"op":"free","tt":1}' >"$tmp/many.jsonl"
want_err='ttm-replay: many.jsonl:2: unknown op "nope" (expected allocate, populate, write, shrink, unpopulate, free, pool_shrink, fail, set, check or expect)
ttm-replay: many.jsonl:4: malformed JSON at byte 2
ttm-replay: many.jsonl:5: free: tt 2 is not live
ttm-replay: many.jsonl: 3 errors'
out=$(cd "$tmp" && "$OLDPWD/$bin" validate many.jsonl --all-errors 2>"$tmp/stderr")
status=$?
err=$(cat "$tmp/stderr")
[ "$status" -eq 2 ] || fail "validate --all-errors: exit $status, want 2"
[ -z "$out" ] || fail "validate --all-errors: standard output not empty: $out"
[ "$err" == "$want_err" ] || fail "validate --all-errors: stderr
   got: $err
  want: $want_err"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "corpus ok: $(ls "$dir"/examples | wc -l) examples, $listed bad traces"
