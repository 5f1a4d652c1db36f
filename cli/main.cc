// ttm-replay: a thin shell over the library. It parses the command line,
// runs one subcommand from the table below, and is the one place where an
// error becomes "ttm-replay: message" on standard error and an exit status.
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/build_info.h"
#include "cli/diff.h"
#include "cli/exit_codes.h"
#include "cli/gen.h"
#include "cli/inspect.h"
#include "cli/import.h"
#include "cli/output.h"
#include "cli/plot.h"
#include "cli/replay.h"
#include "cli/subcommand.h"
#include "cli/validate.h"
#include "cli/version.h"

namespace ttm::cli {
namespace {

const Subcommand kSubcommands[] = {
    MakeSubcommand<ReplayCommandOptions>("replay", "replay a trace and report what happened",
                                         SetupReplay, RunReplay),
    MakeSubcommand<ValidateOptions>("validate", "check a trace without replaying it",
                                    SetupValidate, RunValidate),
    MakeSubcommand<DiffOptions>("diff", "compare two reports (marking regressions) or two timelines",
                                SetupDiff, RunDiff),
    MakeSubcommand<GenOptions>("gen", "write a synthetic trace of a named workload", SetupGen,
                               RunGen),
    MakeSubcommand<InspectOptions>("inspect", "show the engine's state after a trace line",
                                   SetupInspect, RunInspect),
    MakeSubcommand<ImportCommandOptions>("import", "turn a recording of a real kernel into a trace",
                                         SetupImport, RunImport),
    MakeSubcommand<PlotOptions>("plot", "draw a timeline as an SVG picture", SetupPlot, RunPlot),
};

// CLI11 messages may span lines; ours are one line each.
std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

int Fail(const std::string& message) {
  std::cerr << "ttm-replay: " << OneLine(message) << '\n';
  return kExitInvalidInput;
}

int Main(int argc, char** argv) {
  RemoveTemporariesOnSignal();
  CLI::App app("Replays traces of the Linux TTM page pool and its backup engine.",
               "ttm-replay");
  app.set_version_flag("--version",
                       "ttm-replay " + std::string(kVersion) + " (" + BuildId() + ")");
  app.require_subcommand(1);
  // CLI11 reports an unknown subcommand as a missing one; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const Subcommand& sub : kSubcommands) known |= sub.name == argv[1];
    if (!known) return Fail("unknown subcommand '" + std::string(argv[1]) + "' (see ttm-replay --help)");
  }
  std::function<Result<int>(Io)> run;
  for (const Subcommand& sub : kSubcommands) {
    CLI::App* cmd = app.add_subcommand(std::string(sub.name), std::string(sub.help));
    auto runner = sub.attach(cmd);
    cmd->callback([&run, runner] { run = runner; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }
  if (!run) return Fail("no subcommand given");
  Result<int> status = run(Io{std::cout, std::cerr});
  std::cout.flush();
  if (!status.ok()) return Fail(status.status().message());
  return *status;
}

}  // namespace
}  // namespace ttm::cli

int main(int argc, char** argv) {
  // The boundary: nothing thrown below escapes as an abort.
  try {
    return ttm::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    return ttm::cli::Fail(std::string("internal error: ") + e.what());
  } catch (...) {
    return ttm::cli::Fail("internal error");
  }
}
