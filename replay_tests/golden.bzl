"""Golden end-to-end tests: one sh_test per trace.

A case is a trace under traces/ plus what `ttm-replay replay` must produce
for it, kept in expected/NAME.*: the report without its `run` section
(.report.json, absent when no report may be written), the timeline
(.timeline.jsonl, likewise), standard output
(.out), standard error (.err) and the exit status (.exit). Before comparing,
the report must agree with the trace itself: its `check` and `expect`
events pass, and a scenario violates exactly the invariants listed for it
in expected_violations.txt (none if it is not listed). The case list,
cases.bzl, and the expectations are written by ./regenerate, on purpose,
so that a reviewer sees every change as a diff.
"""

def replay_golden_tests(cases):
    """Declares one test per case.

    Args:
      cases: dict from test name to the trace's path under traces/, or to a
        list of that path and the replay options the case runs with (e.g.
        ["scenarios/x.jsonl", "--semantics", "merged"]).
    """
    for name, case in cases.items():
        trace = case if type(case) == "string" else case[0]
        options = [] if type(case) == "string" else case[1:]
        native.sh_test(
            name = name,
            size = "small",
            srcs = ["run_golden.sh"],
            args = [
                "$(location //cli:ttm-replay)",
                "$(location :report_tool)",
                "$(location //traces:%s)" % trace,
                "replay_tests/expected/" + name,
            ] + options,
            data = [
                ":report_tool",
                "expected_violations.txt",
                "//cli:ttm-replay",
                "//traces:" + trace,
            ] + native.glob(["expected/%s.*" % name]),
        )
