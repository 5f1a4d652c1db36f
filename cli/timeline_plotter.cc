#include "cli/timeline_plotter.h"

#include <sstream>

#include "core/plot/svg.h"
#include "core/plot/timeline_reader.h"

namespace ttm::cli {

TimelinePlotter::TimelinePlotter(std::string_view semantics)
    : picture_(plot::TimelineHeader{1, "", std::string(semantics)}) {}

void TimelinePlotter::Add(std::string_view line) {
  if (!error_.ok()) return;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Status parsed = plot::TimelineRecordFromText(line, &record_);
  if (!parsed.ok()) {
    error_ = Status::InvalidInput("plot: timeline line '" + std::string(line) + "': " + parsed.message());
    return;
  }
  picture_.Add(record_);
}

Result<std::string> TimelinePlotter::Finish(std::string_view trace_sha256) {
  if (!error_.ok()) return error_;
  picture_.set_trace_sha256(std::string(trace_sha256));
  std::ostringstream svg;
  plot::WriteSvg(picture_, svg);
  return svg.str();
}

}  // namespace ttm::cli
