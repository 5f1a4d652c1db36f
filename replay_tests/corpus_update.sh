#!/usr/bin/env bash
# `bazel run //PKG:CORPUS.update`: rewrites a ttm_replay_corpus's
# expectations in the source tree, on purpose (review with `git diff`).
# A trace whose report contradicts its own check/expect events or its
# stated violations is refused (named, exit 1) and keeps its old files.
# Usage (as corpus.bzl calls it): corpus_update.sh RUNNER ARGS...
set -u
if [ -z "${BUILD_WORKSPACE_DIRECTORY:-}" ]; then
  echo "corpus_update.sh: run me with bazel run" >&2
  exit 2
fi
runner=$1
shift
exec "$runner" --write "$BUILD_WORKSPACE_DIRECTORY" "$@"
