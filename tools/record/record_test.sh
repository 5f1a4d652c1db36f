#!/usr/bin/env bash
# Checks tools/record without a live kernel probe (none can be attached on a
# build machine): against fake /proc and /sys trees of a V13 and a v6.15
# kernel (testdata/root-*), the wrapper must
#  - write exactly the machine facts in testdata/root-*.facts,
#  - keep exactly the probes whose functions that kernel has,
#  - give a program that bpftrace parses, checks and compiles to BPF
#    (bpftrace --emit-elf, its dry run), for both places of the ctx argument,
#  - give a recording that `ttm-replay import` turns into the expected header;
# and refuse a kernel without the ttm module.
set -u
bin="$1"
rec="tools/record/ttm-record"
data="tools/record/testdata"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

command -v bpftrace >/dev/null || fail "bpftrace is not installed (tools/setup installs it)"

for kernel in v13 merged; do
  root="$data/root-$kernel"
  "$rec" --root "$root" --ctx-arg 2 --facts-only -o "$tmp/$kernel.txt" || fail "$kernel: facts exit $?"
  grep -v '^#' "$tmp/$kernel.txt" | diff -u "$data/root-$kernel.facts" - || fail "$kernel: facts differ"

  "$rec" --root "$root" --print-program >"$tmp/$kernel.bt" || fail "$kernel: program exit $?"
  grep -E '^k(ret)?probe:' "$tmp/$kernel.bt" | sed 's/^k[a-z]*://' | sort -u >"$tmp/$kernel.probes"
  diff -u "$data/root-$kernel.probes" "$tmp/$kernel.probes" || fail "$kernel: probes differ"
  grep -qE '^// @(symbol|end)' "$tmp/$kernel.bt" && fail "$kernel: section markers left in the program"

  for ctx in 2 3; do
    # The RLIMIT_MEMLOCK complaint is about loading, which a dry run never does.
    bpftrace --emit-elf "$tmp/$kernel.$ctx.elf" "$tmp/$kernel.bt" "$ctx" >"$tmp/bpftrace.out" 2>&1
    status=$?
    grep -v 'RLIMIT_MEMLOCK' "$tmp/bpftrace.out" | grep -q 'ERROR' && status=1
    if [ "$status" -ne 0 ] || [ ! -s "$tmp/$kernel.$ctx.elf" ]; then
      fail "$kernel: bpftrace cannot compile the program (ctx arg $ctx):"
      cat "$tmp/bpftrace.out"
    fi
  done

  "$bin" import "$tmp/$kernel.txt" -o "$tmp/$kernel.jsonl" --quiet || fail "$kernel: import exit $?"
  head -1 "$tmp/$kernel.jsonl" | diff -u "$data/root-$kernel.header.json" - || fail "$kernel: header differs"
done

# A kernel without the ttm module is refused, before bpftrace runs.
mkdir -p "$tmp/empty/proc"
echo "ffffffff81000000 T _stext" >"$tmp/empty/proc/kallsyms"
err=$("$rec" --root "$tmp/empty" -o "$tmp/none.txt" 2>&1)
status=$?
[ "$status" -eq 2 ] || fail "no ttm: exit $status, want 2"
[ "$err" == "ttm-record: ttm_tt_init is not in $tmp/empty/proc/kallsyms: is the ttm module loaded?" ] ||
  fail "no ttm: $err"
[ -e "$tmp/none.txt" ] && fail "no ttm: a recording was written"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "record ok: facts, probes, bpftrace dry run and import for v13 and merged"
