// Acceptance: for every scenario and example trace, each timeline line
// agrees with the `expect` events the trace itself makes after it. An
// `expect` after trace line L describes the state right after the last
// state-changing event before it, which is what that event's timeline line
// describes: its object keys (of the expect's object: the latest line about
// that object), its `ret` (the latest populate or shrink), the global counts,
// and the running count of violations (the sum of the timeline's
// `violations` lists plus what `check` events found).
//
// Usage: timeline_expect_test TRACE... (the BUILD passes them all).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/replay/replayer.h"
#include "core/trace/trace_reader.h"

namespace ttm {
namespace {

using Json = nlohmann::json;

std::vector<std::string>* g_traces = nullptr;

// Replays one trace and checks every expect against the timeline so far.
// Adds the number of assertions compared to *compared.
void CheckTrace(const std::string& path, int* compared_total) {
  auto opened = trace::TraceReader::Open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  trace::TraceReader& reader = **opened;

  std::vector<Json> lines;
  ReplayOptions options;
  // A trace written for other semantics than V13 names them in its meta.
  if (auto it = reader.header().meta.find("semantics");
      it != reader.header().meta.end() && it->is_string())
    options.semantics = it->get<std::string>();
  options.timeline = [&lines](std::string_view line) { lines.push_back(Json::parse(line)); };
  Replayer replayer(Resolve(reader.header().config), std::move(options));

  std::optional<Json> last;                // the latest timeline line
  std::optional<int64_t> last_ret;         // the latest populate/shrink ret
  std::map<uint64_t, Json> latest_of_tt;   // the latest line with object keys, per tt
  uint64_t timeline_violations = 0, check_violations = 0;
  size_t seen = 0;
  int& compared = *compared_total;
  Event event;
  for (;;) {
    Result<bool> more = reader.Next(&event);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !*more) break;
    const uint64_t before = replayer.violation_count();
    replayer.Apply(event);
    if (std::holds_alternative<CheckEvent>(event.body)) check_violations += replayer.violation_count() - before;
    for (; seen < lines.size(); ++seen) {
      const Json& l = lines[seen];
      last = l;
      if (l.contains("ret")) last_ret = l["ret"].get<int64_t>();
      if (l.contains("state")) latest_of_tt[l["tt"].get<uint64_t>()] = l;
      if (l.contains("tt") && !l.contains("state")) latest_of_tt.erase(l["tt"].get<uint64_t>());
      if (l.contains("violations")) timeline_violations += l["violations"].size();
    }
    const auto* e = std::get_if<ExpectEvent>(&event.body);
    if (!e) continue;
    const std::string where = path + ":" + std::to_string(event.line);
    auto same = [&](const char* key, const Json& timeline, const Json& expected) {
      EXPECT_EQ(timeline, expected) << where << ": " << key << " in the timeline line " << timeline
                                    << ", expected by the trace " << expected;
      ++compared;
    };
    if (e->ret) {
      ASSERT_TRUE(last_ret) << where;
      same("ret", *last_ret, *e->ret);
    }
    if (e->tt) {
      const auto it = latest_of_tt.find(*e->tt);
      ASSERT_NE(it, latest_of_tt.end()) << where << ": no timeline line about tt " << *e->tt;
      const Json& l = it->second;
      if (e->state) same("state", l["state"], std::string(TtStateName(*e->state)));
      if (e->resident) same("resident", l["resident"], *e->resident);
      if (e->backed_up) same("backed_up", l["backed_up"], *e->backed_up);
      if (e->empty) same("empty", l["empty"], *e->empty);
      if (e->restore_pending) same("restore_pending", l["restore_pending"], *e->restore_pending);
    }
    if (e->system_used_pages || e->pool_pages || e->backup_pages || e->live_tts) {
      ASSERT_TRUE(last) << where << ": an expect before any timeline line";
      if (e->system_used_pages) same("system_used_pages", (*last)["system_used_pages"], *e->system_used_pages);
      if (e->pool_pages) same("pool_pages", (*last)["pool_pages"], *e->pool_pages);
      if (e->backup_pages) same("backup_pages", (*last)["backup_pages"], *e->backup_pages);
      if (e->live_tts) same("live_tts", (*last)["live_tts"], *e->live_tts);
    }
    if (e->violations) same("violations", timeline_violations + check_violations, *e->violations);
  }
  // Every expectation of these traces passes, so the comparison above is
  // one of timeline against trace, not against a failing engine.
  EXPECT_EQ(replayer.Finish().expectations.failed, 0u) << path;
}

TEST(TimelineAgreesWithExpect, OnEveryScenarioAndExampleTrace) {
  ASSERT_NE(g_traces, nullptr);
  ASSERT_GT(g_traces->size(), 30u);
  int compared = 0;
  for (const std::string& path : *g_traces) CheckTrace(path, &compared);
  // The traces make many assertions; a broken harness comparing nothing
  // must not pass.
  EXPECT_GT(compared, 200);
}

}  // namespace
}  // namespace ttm

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> traces(argv + 1, argv + argc);
  ttm::g_traces = &traces;
  return RUN_ALL_TESTS();
}
