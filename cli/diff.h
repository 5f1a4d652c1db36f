// `ttm-replay diff OLD.json NEW.json [--fail-on any|regression]
// [--format text|json]`: compares two replay reports field by field
// (core/report/report_diff.h) and says which changes are regressions, so CI
// can keep the report of the last good build and fail on a worse one.
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
  // "any": exit 1 on any difference. "regression": exit 1 only when a change
  // is a regression (more leaks, mismatches, violations, failed checks,
  // expectations or restores; fewer freed pages); other changes exit 0.
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
