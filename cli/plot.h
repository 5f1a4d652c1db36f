// `ttm-replay plot TIMELINE -o OUT.svg`: draws a timeline (written by
// `replay --timeline`) as an SVG picture of pages over the events, with
// violations and failed operations marked (core/plot/svg.h).
#ifndef TTM_CLI_PLOT_H_
#define TTM_CLI_PLOT_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

struct PlotOptions {
  // The timeline: a path or "-" (standard input), plain or zstd.
  std::string timeline;
  // Where the SVG goes: a path, written atomically, or "-" for standard
  // output.
  std::string output;
};

void SetupPlot(CLI::App* cmd, PlotOptions* options);

// Reads the whole timeline, then writes the picture and returns kExitOk.
// Errors: an invalid timeline "FILE:LINE: message" (InvalidInput), a file
// that cannot be read or written (IoError); nothing is written then.
Result<int> RunPlot(const PlotOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_PLOT_H_
