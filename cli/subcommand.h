// A subcommand of ttm-replay as data: its name, a one-line help, how it
// registers its options and how it runs. main.cc holds the table; adding a
// subcommand is a new file pair (foo.h/foo.cc) and one row there.
#ifndef TTM_CLI_SUBCOMMAND_H_
#define TTM_CLI_SUBCOMMAND_H_

#include <functional>
#include <iostream>
#include <memory>
#include <string_view>

#include <CLI/CLI.hpp>

#include "core/status.h"

namespace ttm::cli {

// Where a subcommand prints; the real streams in main, strings in tests.
struct Io {
  std::ostream& out;
  std::ostream& err;
};

struct Subcommand {
  std::string_view name;
  std::string_view help;
  // Registers the options on `cmd` and returns what runs them once parsed.
  // The run function returns an exit status (exit_codes.h), or an error that
  // main prints as "ttm-replay: message" and exits 2 with.
  std::function<std::function<Result<int>(Io)>(CLI::App* cmd)> attach;
};

// Builds a table row from an options struct, a function that registers its
// fields as CLI11 options, and a function that runs with the parsed values.
template <class Options>
Subcommand MakeSubcommand(std::string_view name, std::string_view help,
                          void (*setup)(CLI::App*, Options*),
                          Result<int> (*run)(const Options&, Io)) {
  return Subcommand{name, help, [setup, run](CLI::App* cmd) {
                      auto options = std::make_shared<Options>();
                      setup(cmd, options.get());
                      return std::function<Result<int>(Io)>(
                          [options, run](Io io) { return run(*options, io); });
                    }};
}

}  // namespace ttm::cli

#endif  // TTM_CLI_SUBCOMMAND_H_
