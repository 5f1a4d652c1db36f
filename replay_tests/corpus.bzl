"""ttm_replay_corpus: a corpus of traces as Bazel tests (public).

Load it from this repository (`@ttm_replay` being the name a user's
WORKSPACE gives it; see the README, "Your own corpus as Bazel tests"):

    load("@ttm_replay//replay_tests:corpus.bzl", "ttm_replay_corpus")

    ttm_replay_corpus(
        name = "regressions",
        traces = glob(["traces/*.jsonl", "traces/*.jsonl.zst"]),
        expected_dir = "expected",   # or None: every trace must exit 0
    )

Each trace becomes a test NAME__STEM (STEM: the file name without .jsonl,
with .jsonl.zst as _zst) that replays it and compares its report (outside
`run`), its summary (standard output), standard error, exit status and, when
kept, its timeline with EXPECTED_DIR/NAME__STEM.*; `NAME` is a test_suite of
them all; `bazel run NAME.update` rewrites the expectations on purpose
(review them with `git diff`). With shard_count = N, the corpus is one test
NAME__all split into N shards instead (Bazel's TEST_SHARD_INDEX and
TEST_TOTAL_SHARDS), for corpora too big for a target per trace.

Before anything is compared or written, a report must agree with its trace:
its `check` and `expect` events pass, and, with `violations`, it violates
exactly the invariants listed for its test name there.
"""

_BIN = Label("//cli:ttm-replay")
_TOOL = Label("//replay_tests:report_tool")
_RUNNER = Label("//replay_tests:corpus_runner.sh")

def _stem(trace):
    base = trace.split(":")[-1].split("/")[-1]
    if base.endswith(".jsonl.zst"):
        return base[:-len(".jsonl.zst")] + "_zst"
    if base.endswith(".jsonl"):
        return base[:-len(".jsonl")]
    return base

def ttm_replay_corpus(
        name,
        traces,
        expected_dir = None,
        violations = None,
        timelines = True,
        args = [],
        case_args = {},
        shard_count = 0,
        size = "small",
        tags = []):
    """Declares the tests of a corpus of traces.

    Args:
      name: the test_suite; tests are NAME__STEM (or NAME__all when sharded).
      traces: trace files or labels (plain or .zst), e.g. glob([...]).
      expected_dir: directory of this package holding the expectations; None
        requires exit 0 only (no update target then).
      violations: a file of "NAME__STEM: invariant, invariant" lines; every
        trace must violate exactly the invariants listed for it (none when
        unlisted). None: not checked.
      timelines: keep and compare each trace's timeline (False for large
        traces: the report's behaviour digest still pins their behaviour).
      args: replay options for every trace (no spaces or commas inside one).
      case_args: NAME__STEM -> replay options for that trace only.
      shard_count: 0 for one test per trace; N > 0 for one test in N shards.
      size: the tests' size.
      tags: the tests' tags.
    """
    package = native.package_name()
    cases = []
    for trace in traces:
        case = name + "__" + _stem(trace)
        prefix = "-"
        if expected_dir:
            prefix = (package + "/" if package else "") + expected_dir + "/" + case
        # Bazel splits args at spaces; the runner splits EXTRA at commas.
        extra = ",".join(args + case_args.get(case, []))
        cases.append(struct(
            name = case,
            trace = trace,
            arg = "%s|$(rootpath %s)|%s|%s" % (case, trace, prefix, extra),
            expected = native.glob([expected_dir + "/" + case + ".*"]) if expected_dir else [],
        ))
    common_data = [_BIN, _TOOL] + ([violations] if violations else [])
    common_args = [
        "$(rootpath %s)" % _BIN,
        "$(rootpath %s)" % _TOOL,
        "$(rootpath %s)" % violations if violations else "-",
        "1" if timelines else "0",
    ]

    tests = []
    if shard_count > 0:
        native.sh_test(
            name = name + "__all",
            size = size,
            srcs = [_RUNNER],
            args = common_args + [c.arg for c in cases],
            data = common_data + [c.trace for c in cases] + [f for c in cases for f in c.expected],
            shard_count = shard_count,
            tags = tags,
        )
        tests.append(":" + name + "__all")
    else:
        for c in cases:
            native.sh_test(
                name = c.name,
                size = size,
                srcs = [_RUNNER],
                args = common_args + [c.arg],
                data = common_data + [c.trace] + c.expected,
                tags = tags,
            )
            tests.append(":" + c.name)
    native.test_suite(name = name, tests = tests, tags = tags)

    if expected_dir:
        # `bazel run NAME.update`: replays every trace and rewrites
        # EXPECTED_DIR in the source tree (BUILD_WORKSPACE_DIRECTORY).
        native.sh_binary(
            name = name + ".update",
            srcs = [Label("//replay_tests:corpus_update.sh")],
            args = ["$(rootpath %s)" % _RUNNER] + common_args + [c.arg for c in cases],
            data = [_RUNNER] + common_data + [c.trace for c in cases],
            tags = tags,
        )
