// `ttm-replay explore TRACE --site SITE [--error ERR] [--tt ID] [-j N]
// [-o EXPLORE.json]`: fails each call of a fault site in turn
// (core/explore/explore.h) and prints the calls grouped by outcome.
#ifndef TTM_CLI_EXPLORE_H_
#define TTM_CLI_EXPLORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

struct ExploreCommandOptions {
  std::string trace;   // a path or "-"; plain or zstd
  std::string site;    // a fault site name
  std::string error;   // an errno name; empty: the site's default
  std::optional<uint64_t> tt;
  unsigned jobs = 1;
  std::string output;  // the JSON (cli.md) goes here; empty: none
  bool progress = false;  // set when standard error is a terminal
  std::string semantics = "v13";  // the modelled code (--semantics)
};

void SetupExplore(CLI::App* cmd, ExploreCommandOptions* options);

// Return: kExitOk when no call leads to a finding the plain run lacks,
// kExitFindings when one does; an error (exit 2) for an invalid trace, a
// trace that arms the site itself, or an error the site cannot raise.
Result<int> RunExplore(const ExploreCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_EXPLORE_H_
