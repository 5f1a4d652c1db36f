// Help text built from the tables the code already has (the op names of
// core/event.h, the fault sites and their errors of core/trace/event_json.h),
// so that `--help`, the man page made from it and the shell completion never
// list them a second time by hand.
#ifndef TTM_CLI_HELP_TEXT_H_
#define TTM_CLI_HELP_TEXT_H_

#include <string>

namespace ttm::cli {

// A help footer for subcommands that read traces: the ops, and each fault
// site with the errors it may raise (the default first).
std::string TraceVocabularyHelp();

}  // namespace ttm::cli

#endif  // TTM_CLI_HELP_TEXT_H_
