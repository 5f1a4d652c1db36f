// libFuzzer target: bytes -> trace reader -> replayer -> report.
//
// Whatever the bytes, the reader either yields checked events or one error
// line, and the replayer turns the events into a report without crashing,
// hanging or tripping a sanitizer. Both strict and lenient reading are
// exercised (the first byte chooses). Machines larger than the default
// (2^18 pages) are read but not replayed, so that one input cannot make the fuzzer spend
// gigabytes on a legitimately huge simulated machine (item 8 of issue 12:
// the engine's cost per simulated page is measured in its benchmarks).
//
// Each line is also given to the reader's scanner of canonical lines
// (core/trace/event_scan.h) on its own: whenever the scanner takes a line,
// the general JSON path must accept it, strict and lenient, with no unknown
// field and the same event, or the input is a finding.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>
#include <algorithm>

#include "core/replay/replayer.h"
#include "core/report/report.h"
#include "core/trace/event_json.h"
#include "core/trace/event_scan.h"
#include "core/trace/format.h"
#include "core/trace/trace_reader.h"

namespace {

constexpr uint64_t kMaxReplayedSystemPages = uint64_t{1} << 18;
constexpr uint64_t kMaxEvents = 5000;

// The scanner against the general path on one line (see above), with a
// config.max_order of `max_order` (it bounds a fail's order).
void CheckScanner(std::string_view line, uint32_t max_order) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ttm::Event fast;
  if (!ttm::trace::ScanEvent(line, max_order, &fast)) return;
  for (bool strict : {false, true}) {
    auto obj = ttm::trace::ParseJsonObject(line, strict);
    if (!obj.ok()) __builtin_trap();
    std::vector<std::string> unknown;
    ttm::Event slow;
    ttm::trace::ParseOptions options{strict, max_order, strict ? nullptr : &unknown};
    if (!ttm::trace::EventFromJson(*obj, options, &slow).ok()) __builtin_trap();
    if (!unknown.empty() || !(slow == fast)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    if (end - start <= ttm::trace::kMaxLineBytes)
      for (uint32_t max_order : {0u, 10u, ttm::kMaxMaxOrder})
        CheckScanner(text.substr(start, end - start), max_order);
    start = end + 1;
  }
  const bool strict = size > 0 && (data[0] & 1) != 0;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  auto reader = ttm::trace::TraceReader::FromSource(ttm::trace::IstreamSource(in), "fuzz.jsonl",
                                                    {.strict = strict});
  if (!reader.ok()) return 0;
  const ttm::MachineConfig config = ttm::Resolve((*reader)->header().config);
  std::optional<ttm::Replayer> replayer;
  if (config.system_pages <= kMaxReplayedSystemPages)
    replayer.emplace(config, ttm::ReplayOptions{});
  ttm::Event event;
  for (uint64_t n = 0; n < kMaxEvents; ++n) {
    ttm::Result<bool> more = (*reader)->Next(&event);
    if (!more.ok() || !*more) break;
    if (replayer) replayer->Apply(event);
  }
  if (replayer) {
    ttm::Report report = replayer->Finish();
    report.trace.sha256 = (*reader)->text_sha256();
    std::string json = ttm::RenderReportJson(report);
    std::string summary = ttm::RenderSummary(report);
    (void)ttm::ReportExitStatus(report);
    if (json.empty() || summary.empty()) __builtin_trap();
  }
  return 0;
}
