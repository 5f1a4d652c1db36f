#include "cli/plot.h"

#include <memory>
#include <sstream>
#include <utility>

#include "cli/exit_codes.h"
#include "cli/file_source.h"
#include "cli/output.h"
#include "core/plot/svg.h"
#include "core/plot/timeline_plot.h"
#include "core/plot/timeline_reader.h"
#include "core/trace/byte_source.h"

namespace ttm::cli {

void SetupPlot(CLI::App* cmd, PlotOptions* options) {
  cmd->add_option("TIMELINE", options->timeline,
                  "the timeline (replay --timeline), plain or zstd, or - for standard input")
      ->required();
  cmd->add_option("-o,--output", options->output, "the SVG file to write, or - for standard output")
      ->required();
}

Result<int> RunPlot(const PlotOptions& options, Io io) {
  Result<std::unique_ptr<trace::ByteSource>> source = OpenInput(options.timeline);
  if (!source.ok()) return source.status();
  Result<std::unique_ptr<plot::TimelineReader>> reader =
      plot::TimelineReader::FromSource(std::move(*source), InputName(options.timeline));
  if (!reader.ok()) return reader.status();

  plot::TimelinePlot picture((*reader)->header());
  plot::TimelineRecord record;
  for (;;) {
    Result<bool> got = (*reader)->Next(&record);
    if (!got.ok()) return got.status();
    if (!*got) break;
    picture.Add(record);
  }

  // The picture is bounded (well under 2 MB), so it is made whole and then
  // written in one step: a bad timeline leaves no file behind.
  std::ostringstream svg;
  plot::WriteSvg(picture, svg);
  if (options.output == "-") {
    io.out << svg.str();
    return kExitOk;
  }
  Status written = WriteFileAtomically(options.output, svg.str());
  if (!written.ok()) return written;
  return kExitOk;
}

}  // namespace ttm::cli
