// `ttm-replay gen --workload NAME [--seed S] [--events N] [-o TRACE]
// [workload options]`: writes a synthetic trace (core/workload), zstd when
// the output name ends in ".zst".
#ifndef TTM_CLI_GEN_H_
#define TTM_CLI_GEN_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"
#include "core/trace/event_json.h"
#include "core/workload/workload.h"

namespace ttm::cli {

struct GenOptions {
  // One of workload::Workloads() ("steady", "pressure", ...).
  std::string workload;
  // Where the trace goes: a path, or "-" (the default) for standard output.
  // A path is written atomically (a temporary beside it, then a rename).
  std::string output = "-";
  // Seed, event count and the workload's parameters; unset parameters take
  // the workload's defaults, which the trace's meta records.
  workload::WorkloadOptions workload_options;
};

void SetupGen(CLI::App* cmd, GenOptions* options);

// The trace header's "meta" for a generated trace: source, generator and
// its version, workload, seed, event count and the effective options.
trace::Json MetaToJson(const workload::Meta& meta);

// Writes the trace and returns kExitOk. Errors: an unknown workload or an
// option out of range (Usage), an output that cannot be written (IoError);
// nothing is left behind at a path then.
Result<int> RunGen(const GenOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_GEN_H_
