// The version `ttm-replay --version` prints. The build's git commit will be
// appended from the workspace status (//cli:build_info) once that exists.
#ifndef TTM_CLI_VERSION_H_
#define TTM_CLI_VERSION_H_

#include <string_view>

namespace ttm::cli {

inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace ttm::cli

#endif  // TTM_CLI_VERSION_H_
