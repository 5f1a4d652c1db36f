#include "cli/help_text.h"

#include <span>

#include "core/event.h"
#include "core/trace/event_json.h"

namespace ttm::cli {

std::string TraceVocabularyHelp() {
  std::string out = "Trace ops:\n  ";
  for (int i = 0; i < kNumOps; ++i) {
    if (i > 0) out += ", ";
    out += OpNameByIndex(i);
  }
  out += "\n\nFault sites of a \"fail\" event and the errors each may raise (the first is "
         "the default):\n";
  for (int i = 0; i < kNumFaultSites; ++i) {
    const FaultSite site = static_cast<FaultSite>(i);
    std::string name(FaultSiteName(site));
    out += "  " + name + std::string(name.size() < 15 ? 15 - name.size() : 1, ' ');
    std::span<const Errno> errors = trace::FaultSiteErrors(site);
    if (errors.empty()) out += "(raises no error)";
    for (size_t j = 0; j < errors.size(); ++j) out += (j > 0 ? ", " : "") + ErrnoName(errors[j]);
    out += '\n';
  }
  out += "\nThe trace format, the report and every invariant are described in docs/ "
         "(docs/README.md).";
  return out;
}

}  // namespace ttm::cli
