#include "cli/build_info.h"

namespace ttm::cli {

std::string BuildId() { return std::string("git ") + BuildCommit(); }

}  // namespace ttm::cli
