#include "core/replay/replayer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ttm {
namespace {

MachineConfig SmallMachine() {
  Config c;
  c.system_pages = 4096;
  c.swap_pages = 4096;
  return Resolve(c);
}

void Feed(Replayer& r, const std::vector<EventBody>& bodies) {
  uint64_t line = 1;
  for (const EventBody& b : bodies) r.Apply(Event{++line, std::nullopt, b});
}

ExpectEvent ExpectRet(int64_t ret) {
  ExpectEvent e;
  e.ret = ret;
  return e;
}

// Every engine counter reaches the report, each in its own field: every
// counter gets a different value, and each value is found where it belongs.
TEST(Replayer, EveryCounterLandsInItsOwnReportField) {
  // A counter added to Counters (core/counters.h) is given a value here too
  // (the static_assert fails until it is).
  static_assert(sizeof(Counters) == 23 * sizeof(uint64_t));
  const Counters c{
      .memory = {.backed_up_pages = 1,
                 .purged_pages = 2,
                 .pool_shrunk_pages = 3,
                 .peak_system_pages = 4,
                 .peak_backup_pages = 5,
                 .peak_pool_pages = 6,
                 .writeback_pages = 7},
      .restore = {.started = 8,
                  .completed = 9,
                  .restarts = 10,
                  .failed = 11,
                  .pages_from_backup = 12,
                  .pages_from_retained = 13},
      .backup = {.partial = 14, .ebusy = 15, .failed_pages = 16},
      .pool = {.hits = 17, .misses = 18, .order_fallbacks = 19, .splits = 20, .caching_changes = 21},
      .integrity = {.pages_verified = 22, .mismatches = 23},
  };
  Report r;
  FillCounters(c, r);
  EXPECT_EQ(r.memory.backed_up_pages, 1u);
  EXPECT_EQ(r.memory.purged_pages, 2u);
  EXPECT_EQ(r.memory.pool_shrunk_pages, 3u);
  EXPECT_EQ(r.memory.peak_system_pages, 4u);
  EXPECT_EQ(r.memory.peak_backup_pages, 5u);
  EXPECT_EQ(r.memory.peak_pool_pages, 6u);
  EXPECT_EQ(r.memory.writeback_pages, 7u);
  EXPECT_EQ(r.restore.started, 8u);
  EXPECT_EQ(r.restore.completed, 9u);
  EXPECT_EQ(r.restore.restarts, 10u);
  EXPECT_EQ(r.restore.failed, 11u);
  EXPECT_EQ(r.restore.pages_from_backup, 12u);
  EXPECT_EQ(r.restore.pages_from_retained, 13u);
  EXPECT_EQ(r.backup.partial, 14u);
  EXPECT_EQ(r.backup.ebusy, 15u);
  EXPECT_EQ(r.backup.failed_pages, 16u);
  EXPECT_EQ(r.pool.hits, 17u);
  EXPECT_EQ(r.pool.misses, 18u);
  EXPECT_EQ(r.pool.order_fallbacks, 19u);
  EXPECT_EQ(r.pool.splits, 20u);
  EXPECT_EQ(r.pool.caching_changes, 21u);
  EXPECT_EQ(r.integrity.pages_verified, 22u);
  EXPECT_EQ(r.integrity.mismatches, 23u);
  // And in the JSON, each under its documented name.
  const std::string json = RenderReportJson(r);
  for (const char* field :
       {"\"backed_up_pages\": 1,", "\"purged_pages\": 2,", "\"pool_shrunk_pages\": 3,",
        "\"peak_system_pages\": 4,", "\"peak_backup_pages\": 5,", "\"peak_pool_pages\": 6,",
        "\"writeback_pages\": 7\n", "\"started\": 8,", "\"completed\": 9,", "\"restarts\": 10,",
        "\"failed\": 11,", "\"pages_from_backup\": 12,", "\"pages_from_retained\": 13\n",
        "\"partial\": 14,", "\"ebusy\": 15,", "\"failed_pages\": 16\n", "\"hits\": 17,",
        "\"misses\": 18,", "\"order_fallbacks\": 19,", "\"splits\": 20,",
        "\"caching_changes\": 21\n", "\"pages_verified\": 22,", "\"mismatches\": 23\n"})
    EXPECT_NE(json.find(field), std::string::npos) << field;
}

TEST(Replayer, TheReportRecordsTheOptionsThatChangeResults) {
  Report defaults = Replayer(SmallMachine(), {}).Finish();
  EXPECT_EQ(defaults.options.semantics, "v13");
  EXPECT_EQ(defaults.options.check_every, 1u);
  ReplayOptions thinned;
  thinned.check_every = 1000;
  EXPECT_EQ(Replayer(SmallMachine(), thinned).Finish().options.check_every, 1000u);
  thinned.check_every = 0;  // means every event
  EXPECT_EQ(Replayer(SmallMachine(), thinned).Finish().options.check_every, 1u);
}

TEST(Replayer, ContractExampleCountsOneRestartAndPassesEveryExpectation) {
  Replayer r(SmallMachine(), {});
  FailEvent fail;
  fail.site = FaultSite::kCopyPage;
  fail.after = 100;
  fail.error = kEINTR;
  ExpectEvent backed;
  backed.tt = 1;
  backed.state = TtState::kBackedUp;
  backed.backed_up = 300;
  backed.resident = 0;
  ExpectEvent pending;
  pending.tt = 1;
  pending.restore_pending = true;
  ExpectEvent done;
  done.tt = 1;
  done.state = TtState::kPopulated;
  done.intact = true;
  Feed(r, {AllocateEvent{1, 300, Caching::kWriteCombined, false, false}, PopulateEvent{1, true},
           WriteEvent{1, {}, {}}, fail, ShrinkEvent{1, false, false}, ExpectRet(300),
           backed, PopulateEvent{1, true}, ExpectRet(kEINTR), pending, PopulateEvent{1, true}, ExpectRet(0),
           done, FreeEvent{1}, CheckEvent{}});
  const Report report = r.Finish();
  EXPECT_EQ(report.expectations.passed, 6u);
  EXPECT_EQ(report.expectations.failed, 0u);
  EXPECT_EQ(report.checks.passed, 1u);
  EXPECT_EQ(report.restore.started, 1u);
  EXPECT_EQ(report.restore.restarts, 1u);
  EXPECT_EQ(report.restore.completed, 1u);
  EXPECT_EQ(report.restore.failed, 1u);
  EXPECT_EQ(report.memory.freed_pages(), 300u);
  EXPECT_EQ(report.violations.count, 0u);
  EXPECT_TRUE(report.leaks.ok());
  EXPECT_EQ(report.integrity.pages_verified, 300u);
  EXPECT_EQ(ReportExitStatus(report), 0);
}

TEST(Replayer, FailedExpectationNamesTheAssertionTheExpectedAndTheFoundValue) {
  Replayer r(SmallMachine(), {});
  Feed(r, {AllocateEvent{1, 8, Caching::kCached, false, false}, PopulateEvent{1, true},
           ExpectRet(kENOMEM)});
  const Report report = r.Finish();
  ASSERT_EQ(report.expectations.failed, 1u);
  ASSERT_EQ(report.expectations.failures.size(), 1u);
  EXPECT_EQ(report.expectations.failures[0].assertion, "ret");
  EXPECT_EQ(report.expectations.failures[0].line, 4u);
  EXPECT_EQ(report.expectations.failures[0].found, ReportValue(int64_t{0}));
  EXPECT_EQ(report.leaks.live_tts, 1u);
  EXPECT_TRUE(report.leaks.ok());
  EXPECT_EQ(ReportExitStatus(report), 1);
}

// 4.6: a zero-progress backup failure leaves a WC tt populated with WB
// pages. The standing caching violation is reported once, not after every
// later event.
TEST(Replayer, StandingViolationIsReportedOnceWhileItLasts) {
  Replayer r(SmallMachine(), {});
  FailEvent fail;
  fail.site = FaultSite::kBackupPage;
  Feed(r, {AllocateEvent{1, 4, Caching::kWriteCombined, false, false}, PopulateEvent{1, true}, fail,
           ShrinkEvent{1, false, false}, ExpectRet(kENOMEM), WriteEvent{1, {}, {}},
           WriteEvent{1, {}, {}}, WriteEvent{1, {}, {}}});
  const Report report = r.Finish();
  EXPECT_EQ(report.violations.by_invariant.at("3.4.4 wb-after-failed-backup"), 1u);
  EXPECT_EQ(report.violations.first.at(0).line, 5u);
}

// Standing violations are kept per (invariant, tt): another tt's
// violation, or a check that does not look at a tt, leaves one standing;
// one that clears and comes back is reported again.
TEST(Replayer, EachTtsStandingViolationIsReportedAgainOnlyAfterItCleared) {
  Replayer r(SmallMachine(), {});
  FailEvent fail;
  fail.site = FaultSite::kBackupPage;
  Feed(r, {AllocateEvent{1, 4, Caching::kWriteCombined, false, false}, PopulateEvent{1, true}, fail,
           ShrinkEvent{1, false, false}, AllocateEvent{2, 4, Caching::kWriteCombined, false, false},
           PopulateEvent{2, true}, fail, ShrinkEvent{2, false, false}, WriteEvent{2, {}, {}},
           WriteEvent{1, {}, {}}, UnpopulateEvent{1}, WriteEvent{2, {}, {}}, PopulateEvent{1, true}, fail,
           ShrinkEvent{1, false, false}, WriteEvent{2, {}, {}}, WriteEvent{1, {}, {}}});
  const Report report = r.Finish();
  EXPECT_EQ(report.violations.by_invariant.at("3.4.4 wb-after-failed-backup"), 3u);
  std::vector<std::pair<uint64_t, uint64_t>> found;  // (line, tt)
  for (const Report::ViolationEntry& v : report.violations.first)
    if (v.invariant == "3.4.4 wb-after-failed-backup") found.emplace_back(v.line, v.tt.value_or(0));
  EXPECT_EQ(found, (std::vector<std::pair<uint64_t, uint64_t>>{{5, 1}, {9, 2}, {16, 1}}));
}

TEST(Replayer, SparseCheckingStillSeesWhatChangedInBetween) {
  ReplayOptions options;
  options.check_every = 1000;
  Replayer r(SmallMachine(), options);
  FailEvent fail;
  fail.site = FaultSite::kBackupPage;
  Feed(r, {AllocateEvent{1, 4, Caching::kWriteCombined, false, false}, PopulateEvent{1, true}, fail,
           ShrinkEvent{1, false, false}});
  const Report report = r.Finish();
  EXPECT_EQ(report.violations.by_invariant.count("3.4.4 wb-after-failed-backup"), 1u);
}


TEST(Replayer, ResultsCountEveryReturnValueByNameAndAPositiveShrinkAsOk) {
  Replayer r(SmallMachine(), {});
  FailEvent fail;
  fail.site = FaultSite::kAllocPage;
  fail.count = 100;
  SetEvent no_swap;
  no_swap.swap_pages = 0;
  Feed(r, {AllocateEvent{1, 4, Caching::kCached, false, false}, fail, PopulateEvent{1, true},
           FailEvent{FaultSite::kAllocPage, 0, 0, {}, {}, {}}, PopulateEvent{1, true},
           ShrinkEvent{1, false, false}, PopulateEvent{1, true}, no_swap, ShrinkEvent{1, false, false},
           FreeEvent{1}});
  const Report report = r.Finish();
  EXPECT_EQ(report.results.populate.at("ok"), 2u);
  EXPECT_EQ(report.results.populate.at("ENOMEM"), 1u);
  EXPECT_EQ(report.results.shrink.at("ok"), 1u);
  EXPECT_EQ(report.results.shrink.at("EBUSY"), 1u);
  EXPECT_EQ(report.backup.ebusy, 1u);
  EXPECT_EQ(report.events[0], 1u);  // allocate
  EXPECT_EQ(report.events[1], 3u);  // populate
  EXPECT_EQ(report.trace.events, 10u);
}

TEST(Replayer, ACheckEventFailsWithEachStandingViolationAndTheTraceLine) {
  Replayer r(SmallMachine(), {});
  FailEvent fail;
  fail.site = FaultSite::kBackupPage;
  Feed(r, {AllocateEvent{1, 4, Caching::kWriteCombined, false, false}, PopulateEvent{1, true}, fail,
           ShrinkEvent{1, false, false}, CheckEvent{}});
  const Report report = r.Finish();
  EXPECT_EQ(report.checks.passed, 0u);
  EXPECT_EQ(report.checks.failed, 1u);
  ASSERT_FALSE(report.checks.failures.empty());
  EXPECT_EQ(report.checks.failures[0].line, 6u);
  EXPECT_EQ(report.checks.failures[0].invariant, "3.4.4 wb-after-failed-backup");
  // The check found nothing new: the violation was already counted.
  EXPECT_EQ(report.violations.by_invariant.at("3.4.4 wb-after-failed-backup"), 1u);
}

TEST(Replayer, AnExpectationAboutAnObjectThatIsGoneFindsNothing) {
  Replayer r(SmallMachine(), {});
  ExpectEvent e;
  e.tt = 1;
  e.state = TtState::kPopulated;
  e.resident = 4;
  Feed(r, {AllocateEvent{1, 4, Caching::kCached, false, false}, FreeEvent{1}, e});
  const Report report = r.Finish();
  EXPECT_EQ(report.expectations.failed, 1u);
  ASSERT_EQ(report.expectations.failures.size(), 2u);
  EXPECT_EQ(report.expectations.failures[0].assertion, "state");
  EXPECT_EQ(report.expectations.failures[0].found, ReportValue());
  EXPECT_EQ(report.expectations.failures[1].assertion, "resident");
}

TEST(Replayer, ObjectsLeftAliveAreCountedThenTornDownWithoutALeak) {
  Replayer r(SmallMachine(), {});
  Feed(r, {AllocateEvent{1, 16, Caching::kWriteCombined, false, false}, PopulateEvent{1, true},
           WriteEvent{1, {}, {}}, ShrinkEvent{1, false, false},
           AllocateEvent{2, 8, Caching::kUncached, false, false}, PopulateEvent{2, true}});
  const Report report = r.Finish();
  EXPECT_EQ(report.leaks.live_tts, 2u);
  EXPECT_TRUE(report.leaks.ok());
  EXPECT_EQ(report.violations.count, 0u);
  EXPECT_EQ(report.memory.backed_up_pages, 16u);
  EXPECT_EQ(report.memory.peak_backup_pages, 16u);
  EXPECT_GE(report.memory.peak_system_pages, 16u);
}

TEST(Replayer, TheSameEventsGiveTheSameReport) {
  auto run = [] {
    Replayer r(SmallMachine(), {});
    FailEvent fail;
    fail.site = FaultSite::kCopyPage;
    fail.after = 3;
    fail.error = kEINTR;
    Feed(r, {AllocateEvent{1, 40, Caching::kWriteCombined, false, true}, PopulateEvent{1, true},
             WriteEvent{1, 3, 20}, ShrinkEvent{1, false, true}, fail, PopulateEvent{1, true},
             PopulateEvent{1, true}, FreeEvent{1}});
    Report report = r.Finish();
    report.run = {};
    return RenderReportJson(report);
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace ttm

namespace ttm {
namespace {

// explore's snapshot: a copy taken half way gives the report the original
// gives, behaviour digest included, and does not disturb the original.
TEST(ReplayerCopy, ACopyTakenHalfWayFinishesWithTheOriginalsReport) {
  FailEvent eintr;
  eintr.site = FaultSite::kCopyPage;
  eintr.after = 3;
  eintr.error = kEINTR;
  const std::vector<EventBody> first = {AllocateEvent{1, 16, Caching::kWriteCombined, false, true},
                                        PopulateEvent{1, true}, WriteEvent{1, std::nullopt, std::nullopt},
                                        ShrinkEvent{1, false, false}, eintr};
  const std::vector<EventBody> rest = {PopulateEvent{1, true}, ExpectRet(kEINTR), PopulateEvent{1, true},
                                       FreeEvent{1}};
  Replayer original(SmallMachine(), {});
  Feed(original, first);
  Replayer copy(original);
  Replayer assigned(SmallMachine(), {});
  assigned = original;
  Feed(original, rest);
  Feed(copy, rest);
  Feed(assigned, rest);
  const std::string want = RenderReportJson(original.Finish());
  EXPECT_EQ(RenderReportJson(copy.Finish()), want);
  EXPECT_EQ(RenderReportJson(assigned.Finish()), want);
  EXPECT_NE(want.find("\"restarts\": 1"), std::string::npos);
}

TEST(ReplayerCopy, ReportSoFarAndLastRetFollowTheEvents) {
  Replayer r(SmallMachine(), {});
  Feed(r, {AllocateEvent{1, 4, Caching::kCached, false, false}});
  EXPECT_FALSE(r.last_ret().has_value());
  Feed(r, {PopulateEvent{1, true}, ExpectRet(kENOMEM)});
  EXPECT_EQ(r.last_ret(), 0);
  EXPECT_EQ(r.report().expectations.failed, 1u);
}

}  // namespace
}  // namespace ttm
