#!/usr/bin/env bash
# Runs the built ttm-replay over traces/examples (each must validate, also
# with --strict) and traces/bad (each must fail exactly as bad/EXPECTED says:
# filename, exit status and stderr line, tab-separated).
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

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "corpus ok: $(ls "$dir"/examples | wc -l) examples, $listed bad traces"
