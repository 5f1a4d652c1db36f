#!/usr/bin/env bash
# Writes the man page ttm-replay.1 to standard output with help2man, from the
# binary's own --help and --version and each subcommand's --help (a section
# per subcommand), so that the man page says exactly what the binary does.
#
# Usage: make_man.sh BINARY > ttm-replay.1   (run by //cli:man)
set -euo pipefail
bin=$1
include=$(mktemp)
trap 'rm -f "$include"' EXIT

{
  echo "[SUBCOMMANDS]"
  for sub in $("$bin" --help | awk '/^Subcommands:/ { on = 1; next } on && NF { print $1 }'); do
    echo ".SS \"ttm-replay $sub\""
    echo ".nf"
    # Text, not roff: escape backslashes and protect lines starting with . or '.
    "$bin" "$sub" --help | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    echo ".fi"
  done
  cat <<'TEXT'
[EXIT STATUS]
0: clean (replay), valid (validate), same (diff).
.br
1: findings: a leak, an integrity mismatch, an invariant violation, a failed check or
expectation (replay); a difference or a regression (diff).
.br
2: an invalid trace, an unreadable report or a bad command line; one line on standard
error, "ttm-replay: FILE:LINE: OP: message".
[SEE ALSO]
The documentation in the source tree, docs/README.md: the trace format
(docs/trace-format.md), the report (docs/report-format.md), the command line
(docs/cli.md), every invariant (docs/invariants.md), the known bugs of the
modelled code (docs/bugs.md) and the model's scope (docs/scope.md).
TEXT
} >"$include"

# --version says "ttm-replay 0.1.0 (git COMMIT)"; the page names the release.
version=$("$bin" --version | awk '{ print $2 }')
help2man --no-info --no-discard-stderr --version-string="$version" \
  --name="replay traces of the Linux TTM page pool and its backup engine" \
  --section=1 --include="$include" "$bin"
