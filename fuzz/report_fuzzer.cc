// libFuzzer target: bytes -> the report reader diff uses -> diff.
//
// Whatever the bytes, ReadReportJson either accepts a report or gives one
// error line; an accepted report diffs against itself with no change and
// against a real report without crashing, and both renderings succeed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/report/report.h"
#include "core/report/report_diff.h"
#include "core/report/report_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ttm::Result<nlohmann::ordered_json> read = ttm::ReadReportJson(text, "fuzz.json");
  if (!read.ok()) {
    if (read.status().message().find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  ttm::Result<ttm::DiffResult> self = ttm::DiffReports(text, text, "a", "b");
  if (!self.ok() || !self->same()) __builtin_trap();
  static const std::string reference = ttm::RenderReportJson(ttm::Report{});
  for (auto [a, b] : {std::pair{std::string_view(reference), text}, std::pair{text, std::string_view(reference)}}) {
    ttm::Result<ttm::DiffResult> d = ttm::DiffReports(a, b, "a", "b");
    if (!d.ok()) __builtin_trap();
    (void)ttm::RenderDiffText(*d);
    (void)ttm::RenderDiffJson(*d);
  }
  return 0;
}
