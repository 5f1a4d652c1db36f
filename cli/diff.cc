#include "cli/diff.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/exit_codes.h"
#include "core/report/report_diff.h"

namespace ttm::cli {
namespace {

// Reports are small (the failure lists are capped), so each is read whole.
Result<std::string> ReadReport(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    if (std::cin.bad()) return Status::IoError("-: cannot read standard input");
    return text.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Status::IoError(path + ": cannot read: " + std::strerror(EISDIR));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot read: " + std::strerror(errno));
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": cannot read: " + std::strerror(errno));
  return text.str();
}

}  // namespace

void SetupDiff(CLI::App* cmd, DiffOptions* options) {
  cmd->add_option("OLD", options->old_report, "the earlier report (JSON), or -")
      ->required();
  cmd->add_option("NEW", options->new_report, "the later report (JSON), or -")
      ->required();
  cmd->add_option("--fail-on", options->fail_on,
                  "exit 1 on any difference, or only on a regression")
      ->check(CLI::IsMember({"any", "regression"}))
      ->capture_default_str();
  cmd->add_option("--format", options->format, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

Result<int> RunDiff(const DiffOptions& options, Io io) {
  if (options.old_report == "-" && options.new_report == "-")
    return Status::Usage("diff: only one report can be read from standard input");
  Result<std::string> old_text = ReadReport(options.old_report);
  if (!old_text.ok()) return old_text.status();
  Result<std::string> new_text = ReadReport(options.new_report);
  if (!new_text.ok()) return new_text.status();

  Result<DiffResult> diff =
      DiffReports(*old_text, *new_text, options.old_report, options.new_report);
  if (!diff.ok()) return diff.status();

  io.out << (options.format == "json" ? RenderDiffJson(*diff) : RenderDiffText(*diff));
  const bool fail = options.fail_on == "regression" ? diff->regressions() > 0
                                                    : !diff->same();
  return fail ? kExitFindings : kExitOk;
}

}  // namespace ttm::cli
