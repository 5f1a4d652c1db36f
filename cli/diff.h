// `ttm-replay diff OLD NEW [--fail-on any|regression] [--format text|json]`:
// compares two replay reports field by field (core/report/report_diff.h),
// saying which changes are regressions and which are behaviour changes, so
// CI can keep the report of the last good build and fail on a worse one; or
// two timelines event by event (core/report/timeline_diff.h), naming the
// first divergent event. Which of the two it is, diff tells by content.
#ifndef TTM_CLI_DIFF_H_
#define TTM_CLI_DIFF_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

struct DiffOptions {
  // The two reports: paths, or "-" (standard input) for at most one of them.
  std::string old_report;
  std::string new_report;
  // "any": exit 1 on any difference. "regression": for reports, exit 1 only
  // for reports of different traces or options or a regression (more
  // leaks, mismatches, violations, failed checks, expectations or restores;
  // fewer freed pages); other changes exit 0. Timelines that differ exit 1
  // either way.
  std::string fail_on = "any";
  // "text": one line per change. "json": the machine-readable form.
  std::string format = "text";
};

void SetupDiff(CLI::App* cmd, DiffOptions* options);

// Prints the comparison to io.out and returns kExitOk (no difference, or no
// regression with --fail-on regression) or kExitFindings. An unreadable or
// invalid report is an error "FILE: reason" (main exits 2).
Result<int> RunDiff(const DiffOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_DIFF_H_
