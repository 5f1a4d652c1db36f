// `ttm-replay inspect TRACE --at LINE [--tt ID] [--format text|json]`: the
// engine's state right after trace line LINE. Replays the trace up to and
// including that line and prints every live object (or just ID) with its
// slots as runs, its restore state and its DMA mappings, then the pools,
// the global counts and the armed faults. For finding out what a timeline
// line or a violation is about.
#ifndef TTM_CLI_INSPECT_H_
#define TTM_CLI_INSPECT_H_

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/engine/engine.h"
#include "core/status.h"

namespace ttm::cli {

struct InspectOptions {
  std::string trace;  // a path, or "-"
  uint64_t at = 0;    // trace line
  std::optional<uint64_t> tt;
  std::string format = "text";
};

void SetupInspect(CLI::App* cmd, InspectOptions* options);

// Return: kExitOk after printing; an error (exit 2) for an invalid trace,
// a LINE beyond the trace's last line, or an ID not live at LINE.
Result<int> RunInspect(const InspectOptions& options, Io io);

// What was at LINE, for the heading.
struct InspectedEvent {
  uint64_t line = 0;
  std::string op;              // op of the last event at or before LINE ("" when none)
  std::optional<uint64_t> tt;
};

// The renderings, separate for the tests.
std::string RenderInspectText(const Engine& engine, const InspectedEvent& at,
                              const std::vector<uint64_t>& tts);
std::string RenderInspectJson(const Engine& engine, const InspectedEvent& at,
                              const std::vector<uint64_t>& tts);

}  // namespace ttm::cli

#endif  // TTM_CLI_INSPECT_H_
