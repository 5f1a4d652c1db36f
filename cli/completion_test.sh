#!/usr/bin/env bash
# Sources the generated bash completion and checks what it offers, as bash
# would ask for it: COMP_WORDS/COMP_CWORD in, COMPREPLY out.
set -uo pipefail
# shellcheck disable=SC1090
source "$1"
fail=0

# complete WORD... : the completions of the last word.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  _ttm_replay
  echo "${COMPREPLY[*]}"
}

expect() {  # expect "WANTED" WORD...
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  if [ "$got" != "$want" ]; then
    echo "completing '$*': got '$got', want '$want'" >&2
    fail=1
  fi
}

expect "replay" ttm-replay rep
expect "validate" ttm-replay va
expect "--strict" ttm-replay replay --st
expect "--all-errors" ttm-replay validate --al
expect "--workload" ttm-replay gen --wo
expect "steady swap-exhaustion" ttm-replay gen --workload s
expect "xe-kunit" ttm-replay gen --workload x
expect "regression" ttm-replay diff a b --fail-on r
expect "json" ttm-replay diff a b --format j
expect "copy_page" ttm-replay explore t.jsonl --site co
expect "alloc_page alloc_restore" ttm-replay explore t.jsonl --site al

# Every subcommand and every fault site is offered.
all=$(complete_words ttm-replay "")
for sub in replay validate diff gen --help --version; do
  [[ " $all " == *" $sub "* ]] || { echo "subcommand $sub not offered: $all" >&2; fail=1; }
done
sites=$(complete_words ttm-replay explore t --site "")
for site in alloc_page dma_map set_caching backup_page backup_half copy_page alloc_restore; do
  [[ " $sites " == *" $site "* ]] || { echo "site $site not offered: $sites" >&2; fail=1; }
done

# A trace path is completed from the file system.
dir=$(mktemp -d)
touch "$dir/trace-one.jsonl"
expect "$dir/trace-one.jsonl" ttm-replay replay "$dir/trace-o"
rm -rf "$dir"
exit $fail
