// What the golden runner asks of a report, done by parsing its JSON (not
// by line positions): the report without its `run` section, and whether
// the trace's own `check` and `expect` events, and its stated violations,
// hold.
#ifndef TTM_REPLAY_TESTS_REPORT_CHECK_H_
#define TTM_REPLAY_TESTS_REPORT_CHECK_H_

#include <optional>
#include <string>
#include <vector>

namespace ttm {

// The report without `run`, rendered as the replayer renders reports (keys
// in their order, 2-space indent, one trailing newline). nullopt when the
// text is not a JSON object.
std::optional<std::string> StripRun(const std::string& report_json);

// One line per problem: each failed check and failed expectation of the
// trace itself (with its trace line), and, when `violations` is given, a
// set of violated invariants (violations.by_invariant) other than that
// one. Empty when all is well; a single line when the text is not a report.
std::vector<std::string> SelfCheckFailures(const std::string& report_json,
                                           const std::optional<std::vector<std::string>>& violations);

}  // namespace ttm

#endif  // TTM_REPLAY_TESTS_REPORT_CHECK_H_
