// Test-only: the traces explore's and reduce's tests run on, read from the
// runfiles as the CLI reads them.
#ifndef TTM_CORE_EXPLORE_TESTING_H_
#define TTM_CORE_EXPLORE_TESTING_H_

#include <fstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "core/trace/byte_source.h"
#include "core/trace/whole_trace.h"

namespace ttm::testing {

// The trace at `path` (relative to the runfiles): a test failure, and no
// events, when it cannot be opened or read.
inline trace::WholeTrace LoadTrace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << path << ": cannot open";
    return {};
  }
  auto reader = trace::TraceReader::FromSource(trace::IstreamSource(in), path, {});
  if (!reader.ok()) {
    ADD_FAILURE() << reader.status().message();
    return {};
  }
  Result<trace::WholeTrace> t = trace::ReadWholeTrace(**reader);
  if (!t.ok()) {
    ADD_FAILURE() << t.status().message();
    return {};
  }
  return std::move(*t);
}

}  // namespace ttm::testing

#endif  // TTM_CORE_EXPLORE_TESTING_H_
