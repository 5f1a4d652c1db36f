// The replayer's timeline and behaviour digest, and the acceptance test of
// behaviour-level comparison: two engine behaviours that differ in one
// place but end with equal totals are told apart by the report's digest,
// and the timeline diff names the exact event.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/replay/replayer.h"
#include "core/report/report_diff.h"
#include "core/report/timeline_diff.h"

namespace ttm {
namespace {

MachineConfig SmallMachine() {
  Config c;
  c.system_pages = 4096;
  c.swap_pages = 4096;
  c.max_order = 4;
  return Resolve(c);
}

struct Replayed {
  Report report;
  std::vector<std::string> lines;  // without newlines
};

Replayed Replay(const std::vector<EventBody>& bodies, ReplayOptions options = {}, bool keep_lines = true) {
  Replayed out;
  if (keep_lines)
    options.timeline = [&out](std::string_view line) {
      EXPECT_TRUE(line.ends_with("\n"));
      out.lines.emplace_back(line.substr(0, line.size() - 1));
    };
  Replayer r(SmallMachine(), std::move(options));
  uint64_t line = 1;
  for (const EventBody& b : bodies) r.Apply(Event{++line, std::nullopt, b});
  out.report = r.Finish();
  out.report.trace.sha256 = "ab";
  return out;
}

// A 16-page write-combined object whose pages (one order-4 block) go to the
// pool when it is freed; a pool_shrink of 1 page, then one of everything.
const std::vector<EventBody> kPoolShrinkTrace = {
    AllocateEvent{1, 16, Caching::kWriteCombined, false, false},  // line 2
    PopulateEvent{1, true},                                       // line 3
    FreeEvent{1},                                                 // line 4
    PoolShrinkEvent{1},                                           // line 5
    AllocateEvent{2, 4, Caching::kWriteCombined, false, false},   // line 6
    PoolShrinkEvent{1000},                                        // line 7
    FreeEvent{2},                                                 // line 8
};

TEST(Timeline, HasOneLinePerStateChangingEventInTraceOrder) {
  ExpectEvent expect;
  expect.live_tts = 1;
  FailEvent fail;
  fail.site = FaultSite::kCopyPage;
  const Replayed r = Replay({AllocateEvent{1, 8, Caching::kCached, false, false}, fail, expect,
                             PopulateEvent{1, true}, WriteEvent{1, {}, {}}, CheckEvent{},
                             ShrinkEvent{1, false, false}, UnpopulateEvent{1}, FreeEvent{1},
                             SetEvent{}, PoolShrinkEvent{5}});
  ASSERT_EQ(r.lines.size(), 7u);
  const char* ops[] = {"allocate", "populate", "write", "shrink", "unpopulate", "free", "pool_shrink"};
  const uint64_t lines[] = {2, 5, 6, 8, 9, 10, 12};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_TRUE(r.lines[i].starts_with("{\"line\":" + std::to_string(lines[i]) + ",\"op\":\"" + ops[i] + "\""))
        << r.lines[i];
  }
  EXPECT_EQ(r.report.behaviour->events, 7u);
}

TEST(Timeline, CarriesWhatAnExpectAfterTheEventWouldSee) {
  const Replayed r = Replay({AllocateEvent{1, 8, Caching::kCached, false, false}, PopulateEvent{1, true},
                             ShrinkEvent{1, false, false}, FreeEvent{1}});
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_EQ(r.lines[1],
            "{\"line\":3,\"op\":\"populate\",\"tt\":1,\"ret\":0,\"state\":\"populated\",\"resident\":8,"
            "\"backed_up\":0,\"empty\":0,\"restore_pending\":false,\"system_used_pages\":8,\"pool_pages\":0,"
            "\"backup_pages\":0,\"live_tts\":1}");
  EXPECT_EQ(r.lines[2],
            "{\"line\":4,\"op\":\"shrink\",\"tt\":1,\"ret\":8,\"state\":\"backed_up\",\"resident\":0,"
            "\"backed_up\":8,\"empty\":0,\"restore_pending\":false,\"system_used_pages\":0,\"pool_pages\":0,"
            "\"backup_pages\":8,\"live_tts\":1}");
  // After free the object is gone: only the global keys.
  EXPECT_EQ(r.lines[3],
            "{\"line\":5,\"op\":\"free\",\"tt\":1,\"system_used_pages\":0,\"pool_pages\":0,"
            "\"backup_pages\":0,\"live_tts\":0}");
}

TEST(Timeline, ListsTheViolationsNewlyReportedAtTheEvent) {
  // A backed-up object freed while its restore is only half done: the
  // checker and the release path report findings on the free's line only.
  FailEvent fail;
  fail.site = FaultSite::kCopyPage;
  fail.after = 2;
  fail.error = kEINTR;
  const Replayed r = Replay({AllocateEvent{1, 8, Caching::kWriteCombined, false, false},
                             PopulateEvent{1, true}, WriteEvent{1, {}, {}}, ShrinkEvent{1, false, false},
                             fail, PopulateEvent{1, true}, FreeEvent{1}});
  uint64_t listed = 0;
  for (const std::string& line : r.lines) {
    const size_t at = line.find("\"violations\":[");
    if (at == std::string::npos) continue;
    for (size_t p = at; (p = line.find("\"3.", p + 1)) != std::string::npos;) ++listed;
    for (size_t p = at; (p = line.find("\"kernel-crash\"", p + 1)) != std::string::npos;) ++listed;
  }
  // Every violation reported during the events appears on exactly one line
  // (teardown's findings are the report's only).
  EXPECT_EQ(listed, r.report.violations.count);
}

TEST(BehaviourDigest, IsInEveryReportWhetherOrNotATimelineIsWritten) {
  const Replayed with = Replay(kPoolShrinkTrace);
  const Replayed without = Replay(kPoolShrinkTrace, {}, /*keep_lines=*/false);
  ASSERT_TRUE(with.report.behaviour);
  ASSERT_TRUE(without.report.behaviour);
  EXPECT_EQ(with.report.behaviour->digest, without.report.behaviour->digest);
  EXPECT_EQ(with.report.behaviour->events, 7u);
  EXPECT_EQ(RenderReportJson(with.report), RenderReportJson(without.report));
}

TEST(BehaviourDigest, IsTheXxh3OfTheTimelinesEventLines) {
  const Replayed r = Replay(kPoolShrinkTrace);
  BehaviourDigest d;
  for (const std::string& line : r.lines) d.AddLine(line + "\n");
  EXPECT_EQ(r.report.behaviour->digest, d.Hex());
}

TEST(BehaviourDigest, CanBeTurnedOffForTheBenchmarkOnly) {
  ReplayOptions options;
  options.behaviour_digest = false;
  const Replayed r = Replay(kPoolShrinkTrace, std::move(options), false);
  EXPECT_FALSE(r.report.behaviour);
}

// ---- acceptance: equal totals, different behaviour -------------------------

std::string WithoutBehaviour(Report r) {
  r.behaviour.reset();
  return RenderReportJson(r);
}

TEST(BehaviourComparison, TwoBehavioursWithEqualTotalsDifferInTheDigestAndTheTimelineNamesTheEvent) {
  const Replayed v13 = Replay(kPoolShrinkTrace);
  ReplayOptions variant;
  variant.engine.pool_shrink_off_by_one = true;
  const Replayed off_by_one = Replay(kPoolShrinkTrace, std::move(variant));

  // Every total agrees ...
  EXPECT_EQ(WithoutBehaviour(v13.report), WithoutBehaviour(off_by_one.report));
  EXPECT_EQ(v13.report.memory.pool_shrunk_pages, 16u);

  // ... yet diff of the reports says behaviour changed.
  Result<DiffResult> reports = DiffReports(RenderReportJson(v13.report), RenderReportJson(off_by_one.report));
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->changes.size(), 1u) << RenderDiffText(*reports);
  EXPECT_EQ(reports->changes[0].path, "behaviour.digest");
  EXPECT_TRUE(reports->digest_changed());
  EXPECT_EQ(reports->ExitStatus(false), 1);
  EXPECT_EQ(reports->ExitStatus(true), 0);
  EXPECT_NE(RenderDiffText(*reports).find("BEHAVIOUR CHANGED"), std::string::npos);

  // diff of the timelines names the exact event: the first pool_shrink.
  const std::string header = TimelineHeader("ab", "v13");
  TimelineComparer c;
  ASSERT_TRUE(c.Start(header, header, "v13.jsonl", "variant.jsonl").ok());
  ASSERT_EQ(v13.lines.size(), off_by_one.lines.size());
  for (size_t i = 0; i < v13.lines.size(); ++i)
    ASSERT_TRUE(c.Add(std::string_view(v13.lines[i]), std::string_view(off_by_one.lines[i]), i + 2, i + 2).ok());
  const TimelineDiff& d = c.result();
  ASSERT_TRUE(d.first);
  EXPECT_EQ(d.first->line, 5u);
  EXPECT_EQ(d.first->op, "pool_shrink");
  EXPECT_FALSE(d.first->tt);
  ASSERT_EQ(d.first->fields.size(), 2u);
  EXPECT_EQ(d.first->fields[0].first, "system_used_pages");
  EXPECT_EQ(d.first->fields[0].second, FieldValues(0, 16));
  EXPECT_EQ(d.first->fields[1].first, "pool_pages");
  EXPECT_EQ(d.first->fields[1].second, FieldValues(0, 16));
  // The allocate after it still sees the extra pool pages; the second
  // pool_shrink drains the pool either way, and from there on the two agree.
  EXPECT_EQ(d.differing_events, 2u);
  EXPECT_EQ(v13.lines[5], off_by_one.lines[5]);
  // As the README's CI recipe shows it.
  EXPECT_EQ(RenderTimelineDiffText(d),
            "old: v13.jsonl (7 events)\n"
            "new: variant.jsonl (7 events)\n"
            "first divergent event: line 5, pool_shrink\n"
            "  system_used_pages: 0 -> 16\n"
            "  pool_pages: 0 -> 16\n"
            "2 of 7 events differ\n");
  EXPECT_EQ(v13.lines[6], off_by_one.lines[6]);
}

}  // namespace
}  // namespace ttm
