#!/usr/bin/env bash
# The man page made from --help names every subcommand, the options that
# matter and the fault sites with their errors, and points into docs/.
set -euo pipefail
page=$1
fail=0
want() {
  if ! grep -qF -- "$1" "$page"; then
    echo "man page lacks: $1" >&2
    fail=1
  fi
}
want '.TH TTM-REPLAY "1"'
for sub in replay validate diff gen; do want ".SS \"ttm-replay $sub\""; done
want '--strict'
want '--all-errors'
want 'copy_page      ENOMEM, EINTR'
want 'backup_half    (raises no error)'
want 'docs/README.md'
want 'EXIT STATUS'
if grep -q '\.\./shar[e]d' "$page"; then
  echo "man page points outside the repository" >&2
  fail=1
fi
exit $fail
