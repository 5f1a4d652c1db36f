// The golden runner's JSON helper.
//   report_tool strip-run              report on stdin, without `run`, on stdout
//   report_tool self-check REPORT [--violations "A, B"]
//                                      exit 1 listing what the trace's own
//                                      check/expect events (and, with
//                                      --violations, its stated set of violated
//                                      invariants, "" for none) say is wrong
// Exit 2 on bad usage or a file that is not a JSON report.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "replay_tests/report_check.h"

namespace {

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "strip-run" && argc == 2) {
    const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    const std::optional<std::string> out = ttm::StripRun(text);
    if (!out) {
      std::cerr << "report_tool: standard input is not a JSON report\n";
      return 2;
    }
    std::cout << *out;
    return 0;
  }
  if (mode == "self-check" && (argc == 3 || (argc == 5 && std::string(argv[3]) == "--violations"))) {
    std::ifstream file(argv[2], std::ios::binary);
    if (!file) {
      std::cerr << "report_tool: cannot read " << argv[2] << "\n";
      return 2;
    }
    const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    std::optional<std::vector<std::string>> violations;
    if (argc == 5) violations = SplitList(argv[4]);
    const std::vector<std::string> problems = ttm::SelfCheckFailures(text, violations);
    for (const std::string& p : problems) std::cout << p << "\n";
    return problems.empty() ? 0 : 1;
  }
  std::cerr << "usage: report_tool strip-run | report_tool self-check REPORT [--violations LIST]\n";
  return 2;
}
