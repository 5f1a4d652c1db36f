// `ttm-replay import RAW [-o TRACE.jsonl[.zst]] [--no-infer-writes]`: turns
// a raw recording of a real kernel (tools/record/ttm-record, format in
// docs/recording.md) into a trace (core/import does the work).
#ifndef TTM_CLI_IMPORT_H_
#define TTM_CLI_IMPORT_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/import/importer.h"
#include "core/status.h"

namespace ttm::cli {

struct ImportCommandOptions {
  // The recording: a path, or "-" for standard input; plain or zstd.
  std::string raw;
  // Where the trace goes: a path (".zst": compressed), or "-" (the default)
  // for standard output. A path is written atomically; standard output is
  // written only once the whole recording was imported.
  std::string output = "-";
  // Add a write of the whole object after each first population.
  bool infer_writes = true;
  // No summary.
  bool quiet = false;
};

void SetupImport(CLI::App* cmd, ImportCommandOptions* options);

// What import prints: calls and events, then what was covered, not
// expressible or failed without a fault, one line each.
std::string RenderImportSummary(const import::ImportStats& stats);

// Return: kExitOk after writing the trace, or kExitInvalidInput after
// printing "ttm-replay: RAW:LINE: message"; nothing is written then.
Result<int> RunImport(const ImportCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_IMPORT_H_
