#!/usr/bin/env bash
# The hostile-input corpus (traces/hostile/): each row of hostile/EXPECTED
# runs one command on one file and pins its exit status and its one line of
# output, tab-separated:
#
#   COMMAND  FILE  EXIT  LINE
#
# COMMAND is validate, validate-strict, replay or diff (diff compares
# hostile/good.report.json with FILE). LINE is standard error when EXIT is
# 2, else the last line of standard output. A replay that fails must leave
# no report and no temporary file behind.
set -u
bin="$1"
dir="traces/hostile"
out="${TEST_TMPDIR:-$(mktemp -d)}/hostile"
rm -rf "$out" && mkdir -p "$out"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

listed=0
declare -A used
while IFS=$'\t' read -r command name want_status want_line; do
  [ -n "$command" ] || continue
  case "$command" in \#*) continue ;; esac
  listed=$((listed + 1))
  used["$name"]=1
  [ -e "$dir/$name" ] || { fail "$name: listed in EXPECTED but missing"; continue; }
  report="$out/$name.out.json"
  case "$command" in
    validate) args=(validate "$name") ;;
    validate-strict) args=(validate "$name" --strict) ;;
    replay) args=(replay "$name" -o "$report") ;;
    diff) args=(diff good.report.json "$name") ;;
    *) fail "$name: unknown command $command"; continue ;;
  esac
  (cd "$dir" && "$OLDPWD/$bin" "${args[@]}" >"$out/stdout" 2>"$out/stderr")
  status=$?
  if [ "$status" -eq 2 ]; then got=$(cat "$out/stderr"); else got=$(tail -n 1 "$out/stdout"); fi
  [ "$status" -eq "$want_status" ] || fail "$command $name: exit $status, want $want_status ($(head -c 300 "$out/stderr"))"
  [ "$got" == "$want_line" ] || fail "$command $name:
   got: $got
  want: $want_line"
  if [ "$status" -eq 2 ]; then
    [ "$(wc -l <"$out/stderr")" -eq 1 ] || fail "$command $name: more than one line on stderr"
    [ ! -e "$report" ] || fail "$command $name: a report was written"
  fi
  left=$(ls -A "$out" | grep '\.tmp\.' || true)
  [ -z "$left" ] || fail "$command $name: left behind: $left"
done < "$dir/EXPECTED"

for f in "$dir"/*; do
  name=$(basename "$f")
  [ "$name" == EXPECTED ] || [ "$name" == good.report.json ] || [ -n "${used[$name]:-}" ] ||
    fail "$name is in hostile/ but EXPECTED does not use it"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "hostile corpus ok: $listed cases"
