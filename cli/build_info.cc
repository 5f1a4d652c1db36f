#include "cli/build_info.h"

namespace ttm::cli {

std::string BuildId() { return std::string("git ") + BuildCommit(); }

const char* BuildMode() {
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  return "opt";
#else
  return "unoptimised";
#endif
}

}  // namespace ttm::cli
