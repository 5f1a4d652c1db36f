// `replay --plot OUT.svg`: the replayer's timeline lines folded straight
// into the plot (core/plot's TimelinePlot, bounded memory), so that a
// picture needs no timeline file.
#ifndef TTM_CLI_TIMELINE_PLOTTER_H_
#define TTM_CLI_TIMELINE_PLOTTER_H_

#include <string>
#include <string_view>

#include "core/plot/timeline_plot.h"
#include "core/status.h"

namespace ttm::cli {

class TimelinePlotter {
 public:
  explicit TimelinePlotter(std::string_view semantics);

  // One timeline event line (with or without its newline), as the
  // replayer hands it to its timeline callback.
  void Add(std::string_view line);

  // The SVG, once the trace's sha256 is known. Return: the picture, or an
  // internal error naming the first line the plot could not read.
  Result<std::string> Finish(std::string_view trace_sha256);

 private:
  plot::TimelinePlot picture_;
  plot::TimelineRecord record_;
  Status error_ = Status::Ok();
};

}  // namespace ttm::cli

#endif  // TTM_CLI_TIMELINE_PLOTTER_H_
