#include "cli/replay_many.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli/output.h"

namespace ttm::cli {
namespace {

struct Row {
  std::string name;
  std::string file;
  int exit = kExitInvalidInput;
  std::optional<Report> report;  // absent when the trace was invalid
  std::string error;             // the one-line error otherwise
  std::string note;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Verdict(const Row& row) {
  if (!row.report) return "INVALID";
  return row.exit == kExitOk ? "clean" : "FINDINGS";
}

std::string Table(const std::vector<Row>& rows) {
  struct Line {
    std::string cells[6];
  };
  std::vector<Line> lines;
  lines.push_back({{"trace", "verdict", "freed", "restarts", "violations", "failed expectations"}});
  uint64_t freed = 0, restarts = 0, violations = 0, failed = 0;
  std::map<std::string, int> verdicts;
  for (const Row& row : rows) {
    ++verdicts[Verdict(row)];
    if (!row.report) {
      lines.push_back({{row.name, Verdict(row), "-", "-", "-", "-"}});
      continue;
    }
    const Report& r = *row.report;
    freed += r.memory.freed_pages();
    restarts += r.restore.restarts;
    violations += r.violations.count;
    failed += r.expectations.failed;
    lines.push_back({{row.name, Verdict(row), std::to_string(r.memory.freed_pages()),
                      std::to_string(r.restore.restarts), std::to_string(r.violations.count),
                      std::to_string(r.expectations.failed)}});
  }
  std::string counts;
  for (const char* v : {"clean", "FINDINGS", "INVALID"}) {
    if (verdicts[v] == 0) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(verdicts[v]) + " " + v;
  }
  lines.push_back({{"total (" + std::to_string(rows.size()) + " traces)", counts, std::to_string(freed),
                    std::to_string(restarts), std::to_string(violations), std::to_string(failed)}});
  size_t width[6] = {};
  for (const Line& l : lines)
    for (int c = 0; c < 6; ++c) width[c] = std::max(width[c], l.cells[c].size());
  std::string out;
  for (const Line& l : lines) {
    std::string text;
    for (int c = 0; c < 6; ++c) {
      const std::string& cell = l.cells[c];
      const std::string pad(width[c] - cell.size(), ' ');
      // Names and verdicts to the left, numbers to the right.
      text += c < 2 ? cell + pad : pad + cell;
      if (c < 5) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + '\n';
  }
  return out;
}

std::string SummaryJson(const std::vector<Row>& rows, int exit, const ReplayCommandOptions& options) {
  nlohmann::ordered_json traces = nlohmann::ordered_json::array();
  for (const Row& row : rows) {
    nlohmann::ordered_json t;
    t["trace"] = row.name;
    t["exit"] = row.exit;
    t["report"] = row.report ? nlohmann::ordered_json(row.name + ".report.json") : nullptr;
    t["file"] = row.file;
    if (row.report && options.timelines) t["timeline"] = row.name + ".timeline.jsonl";
    if (row.report && options.plots) t["plot"] = row.name + ".svg";
    t["verdict"] = Verdict(row);
    if (row.report) {
      t["freed_pages"] = row.report->memory.freed_pages();
      t["restarts"] = row.report->restore.restarts;
      t["violations"] = row.report->violations.count;
      t["failed_expectations"] = row.report->expectations.failed;
    } else {
      t["error"] = row.error;
    }
    traces.push_back(std::move(t));
  }
  nlohmann::ordered_json summary;
  summary["traces"] = std::move(traces);
  summary["exit"] = exit;
  return summary.dump(2) + "\n";
}

}  // namespace

std::string TraceOutputName(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".jsonl.zst", ".jsonl", ".zst"}) {
    if (EndsWith(name, ext) && name.size() > std::string(ext).size()) {
      name.resize(name.size() - std::string(ext).size());
      break;
    }
  }
  return name;
}

Result<int> RunReplayMany(const ReplayCommandOptions& options, Io io) {
  if (!options.report.empty() || !options.timeline.empty() || !options.plot.empty())
    return Status::Usage(
        "replay: with --out-dir each trace's outputs go to DIR/NAME.* (use --timelines, --plots; "
        "not -o, --timeline, --plot)");
  std::vector<Row> rows(options.traces.size());
  std::map<std::string, std::string> seen;  // name -> first file
  for (size_t i = 0; i < options.traces.size(); ++i) {
    const std::string& file = options.traces[i];
    if (file == "-") return Status::Usage("replay: --out-dir takes trace files, not - (standard input)");
    rows[i].file = file;
    rows[i].name = TraceOutputName(file);
    auto [it, fresh] = seen.emplace(rows[i].name, file);
    if (!fresh)
      return Status::Usage("replay: two traces named " + rows[i].name + " (" + it->second + " and " + file +
                           ") would write the same DIR/" + rows[i].name + ".report.json");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Status::IoError(options.out_dir + ": cannot create the directory: " + ec.message());
  const std::string dir = options.out_dir + (EndsWith(options.out_dir, "/") ? "" : "/");

  std::atomic<size_t> next{0};
  auto worker = [&] {
    std::ostringstream no_progress;
    for (size_t i; (i = next.fetch_add(1)) < rows.size();) {
      Row& row = rows[i];
      ReplayCommandOptions one = options;
      one.traces.clear();
      one.out_dir.clear();
      one.trace = row.file;
      one.report = dir + row.name + ".report.json";
      if (options.timelines) one.timeline = dir + row.name + ".timeline.jsonl";
      if (options.plots) one.plot = dir + row.name + ".svg";
      one.progress = false;
      Result<ReplayOutcome> outcome = ReplayOneTrace(one, no_progress);
      if (!outcome.ok()) {
        row.error = outcome.status().message();
        row.exit = kExitInvalidInput;
        continue;
      }
      row.exit = ReportExitStatus(outcome->report);
      row.note = std::move(outcome->note);
      row.report = std::move(outcome->report);
    }
  };
  const size_t threads = std::min<size_t>(options.jobs, rows.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();

  int exit = kExitOk;
  for (const Row& row : rows) {
    exit = std::max(exit, row.exit);
    if (!row.report) io.err << "ttm-replay: " << row.error << '\n';
  }
  Status written = WriteFileAtomically(dir + "summary.json", SummaryJson(rows, exit, options));
  if (!written.ok()) return written;
  if (!options.quiet) {
    for (const Row& row : rows)
      if (!row.note.empty()) io.out << row.name << ": " << row.note;
    io.out << Table(rows);
  }
  return exit;
}

}  // namespace ttm::cli
