// explore on the spec's scenarios: exactly the fault positions that reach a
// bug, the same results from a snapshot as from the start and whatever -j,
// and the same outcome as a trace with the fail event written into it.
#include "core/explore/explore.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/explore/testing.h"
#include "core/trace/whole_trace.h"

namespace ttm {
namespace {

// The spec's scenario `name` of traces/explore.
trace::WholeTrace Load(const std::string& name) { return testing::LoadTrace("traces/explore/" + name); }

Exploration Explored(const trace::WholeTrace& t, ExploreOptions o) {
  Result<Exploration> x = Explore(Resolve(t.header.config), t.events, o);
  EXPECT_TRUE(x.ok()) << x.status().message();
  return *x;
}

ExploreOptions Site(FaultSite site, std::optional<Errno> error = std::nullopt) {
  ExploreOptions o;
  o.site = site;
  o.error = error;
  return o;
}

// The calls whose first violation is `invariant`.
std::vector<uint64_t> CallsReaching(const Exploration& x, const std::string& invariant) {
  std::vector<uint64_t> calls;
  for (const ExploreResult& r : x.results)
    if (r.outcome.first_violation && r.outcome.first_violation->invariant == invariant)
      calls.push_back(r.call);
  return calls;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> v;
  for (uint64_t i = first; i <= last; ++i) v.push_back(i);
  return v;
}

TEST(Explore, AnEintrReaches4_7ExactlyInTheChunksBeforeTheLast) {
  const Exploration x = Explored(Load("4.07-eintr-dma-where.jsonl"), Site(FaultSite::kCopyPage, kEINTR));
  ASSERT_EQ(x.results.size(), 16u);
  EXPECT_EQ(CallsReaching(x, "3.5.4 dma-address"), Range(1, 12));
  for (const ExploreResult& r : x.results) {
    EXPECT_EQ(r.outcome.ret, kEINTR) << "call " << r.call;
    EXPECT_EQ(r.outcome.restarts, 1u);
    EXPECT_EQ(r.outcome.exit, r.call <= 12 ? 1 : 0);
    EXPECT_EQ(r.new_finding, r.call <= 12);
    EXPECT_FALSE(r.call > 12 && r.outcome.first_violation.has_value());
  }
  EXPECT_EQ(x.plain.exit, 0);
  EXPECT_EQ(ExploreExitStatus(x), 1);
}

TEST(Explore, AnAllocationFailureReaches4_9ExactlyAfterTheFirstChunkOfTheRestore) {
  const trace::WholeTrace t = Load("4.09-alloc-failure-where.jsonl");
  const Exploration x = Explored(t, Site(FaultSite::kAllocPage));
  // 1: tt 1's first populate; 2-33: the one-page objects; 34-36: orders
  // 3, 2, 1 of the restore (failing anyway); 37-44: its order-0 chunks.
  ASSERT_EQ(x.results.size(), 44u);
  EXPECT_EQ(CallsReaching(x, "3.7.2 restore-progress"), Range(38, 44));
  for (uint64_t k : Range(1, 37)) EXPECT_FALSE(x.results[k - 1].new_finding) << "call " << k;
  EXPECT_EQ(x.results[36].outcome.ret, kENOMEM);
  EXPECT_EQ(x.results[36].outcome.restarts, 1u);

  ExploreOptions o = Site(FaultSite::kAllocPage);
  o.tt = 1;
  const Exploration own = Explored(t, o);
  ASSERT_EQ(own.results.size(), 12u);
  EXPECT_EQ(CallsReaching(own, "3.7.2 restore-progress"), Range(6, 12));
  // Each call is failed at its number among all calls of the site.
  const std::vector<uint64_t> site_calls = {1, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44};
  for (size_t i = 0; i < own.results.size(); ++i) {
    EXPECT_EQ(own.results[i].site_call, site_calls[i]);
    EXPECT_EQ(own.results[i].outcome.first_violation.has_value(),
              x.results[site_calls[i] - 1].outcome.first_violation.has_value());
  }
}

// The contract: failing call k is inserting a fail event right after the
// header.
TEST(Explore, EachResultIsThatOfTheTraceWithTheFailEventInserted) {
  const trace::WholeTrace t = Load("4.07-eintr-dma-where.jsonl");
  const Exploration x = Explored(t, Site(FaultSite::kCopyPage, kEINTR));
  for (uint64_t k : {1u, 5u, 12u, 13u, 16u}) {
    FailEvent f;
    f.site = FaultSite::kCopyPage;
    f.after = k - 1;
    f.error = kEINTR;
    Replayer r(Resolve(t.header.config), {});
    r.Apply(Event{2, std::nullopt, f});
    for (const Event& e : t.events) r.Apply(e);
    const Report report = r.Finish();
    const ExploreOutcome& o = x.results[k - 1].outcome;
    EXPECT_EQ(o.exit, ReportExitStatus(report)) << "call " << k;
    ASSERT_EQ(o.first_violation.has_value(), !report.violations.first.empty()) << "call " << k;
    if (o.first_violation) {
      EXPECT_EQ(o.first_violation->invariant, report.violations.first[0].invariant);
      EXPECT_EQ(o.first_violation->line, report.violations.first[0].line);
    }
    EXPECT_EQ(o.restarts, report.restore.restarts);
    EXPECT_EQ(o.leaks_ok, report.leaks.ok());
    EXPECT_EQ(o.mismatches, report.integrity.mismatches);
  }
}

TEST(Explore, ASnapshotGivesTheResultsOfReplayingFromTheStart) {
  const trace::WholeTrace t = Load("4.09-alloc-failure-where.jsonl");
  ExploreOptions o = Site(FaultSite::kAllocPage);
  const std::string snap = RenderExploreJson(Explored(t, o));
  o.snapshot = false;
  EXPECT_EQ(RenderExploreJson(Explored(t, o)), snap);
}

TEST(Explore, ASnapshotFromACheckpointOfALongTraceGivesTheResultsOfReplayingFromTheStart) {
  trace::WholeTrace t = Load("4.07-eintr-dma-where.jsonl");
  // 3000 events of churn first, so that the plain run keeps checkpoints.
  std::vector<Event> events;
  for (uint64_t i = 0; events.size() < 3000; ++i) {
    const uint64_t id = 10 + i % 50;
    for (EventBody b : {EventBody(AllocateEvent{id, 8, Caching::kWriteCombined, false, true}),
                        EventBody(PopulateEvent{id, true}), EventBody(WriteEvent{id, std::nullopt, std::nullopt}),
                        EventBody(FreeEvent{id})})
      events.push_back(Event{events.size() + 2, std::nullopt, b});
  }
  for (Event e : t.events) {
    e.line = events.size() + 2;
    events.push_back(e);
  }
  t.events = events;
  ExploreOptions o = Site(FaultSite::kCopyPage, kEINTR);
  const Exploration snap = Explored(t, o);
  EXPECT_EQ(CallsReaching(snap, "3.5.4 dma-address"), Range(1, 12));
  o.snapshot = false;
  EXPECT_EQ(RenderExploreJson(Explored(t, o)), RenderExploreJson(snap));
}

TEST(Explore, TheOutputIsTheSameWhateverTheNumberOfJobs) {
  const trace::WholeTrace t = Load("4.09-alloc-failure-where.jsonl");
  ExploreOptions o = Site(FaultSite::kAllocPage);
  const Exploration one = Explored(t, o);
  for (unsigned jobs : {2u, 3u, 8u}) {
    o.jobs = jobs;
    const Exploration many = Explored(t, o);
    EXPECT_EQ(RenderExploreJson(many), RenderExploreJson(one)) << jobs << " jobs";
    EXPECT_EQ(RenderExploreText(many), RenderExploreText(one)) << jobs << " jobs";
  }
}

TEST(Explore, AnEintrCountsOnlyCallsInsideAnInterruptiblePopulate) {
  trace::WholeTrace t = Load("4.07-eintr-dma-where.jsonl");
  // The restore (line 7) becomes non-interruptible: no EINTR call to fail.
  for (Event& e : t.events)
    if (auto* p = std::get_if<PopulateEvent>(&e.body); p && e.line == 7) p->interruptible = false;
  EXPECT_EQ(Explored(t, Site(FaultSite::kCopyPage, kEINTR)).results.size(), 0u);
  EXPECT_EQ(Explored(t, Site(FaultSite::kCopyPage, kENOMEM)).results.size(), 16u);
}

TEST(Explore, ExitsZeroWhenNoCallLeadsToANewFinding) {
  // A failed restore-state allocation leaves nothing behind; the retry
  // restores as if it were the first (4.17).
  const Exploration x = Explored(Load("4.07-eintr-dma-where.jsonl"), Site(FaultSite::kAllocRestore));
  ASSERT_EQ(x.results.size(), 1u);
  EXPECT_EQ(x.results[0].outcome.ret, kENOMEM);
  EXPECT_EQ(x.results[0].outcome.restarts, 0u);
  EXPECT_FALSE(x.results[0].new_finding);
  EXPECT_EQ(ExploreExitStatus(x), 0);
}

TEST(Explore, RefusesATraceThatArmsTheSiteItself) {
  const trace::WholeTrace t = Load("4.07-eintr-dma-where.jsonl");
  Result<Exploration> x = Explore(Resolve(t.header.config), t.events, Site(FaultSite::kAllocPage));
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(x.status().message(), "2: fail: the trace arms alloc_page itself; explore arms it, one call at a time");
}

TEST(Explore, RefusesAnErrorTheSiteCannotRaise) {
  const trace::WholeTrace t = Load("4.07-eintr-dma-where.jsonl");
  Result<Exploration> x =
      Explore(Resolve(t.header.config), t.events, Site(FaultSite::kBackupPage, kEINTR));
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), Status::Code::kUsage);
  EXPECT_EQ(x.status().message(), "site backup_page cannot raise EINTR (it raises ENOMEM, ENOSPC)");
  x = Explore(Resolve(t.header.config), t.events, Site(FaultSite::kBackupHalf, kENOMEM));
  EXPECT_EQ(x.status().message(), "site backup_half cannot raise ENOMEM (it raises no error)");
}

TEST(Explore, TheTextGroupsConsecutiveCallsByOutcome) {
  const Exploration x = Explored(Load("4.07-eintr-dma-where.jsonl"), Site(FaultSite::kCopyPage, kEINTR));
  EXPECT_EQ(RenderExploreText(x),
            "explore: site copy_page, error EINTR, 16 calls\n"
            "plain run: clean (exit 0, 0 restarts)\n"
            "calls 1\u201312: 3.5.4 dma-address at line 8 (exit 1, returned EINTR, 1 restart) [new]\n"
            "calls 13\u201316: clean (exit 0, returned EINTR, 1 restart)\n"
            "12 of 16 calls lead to a finding the plain run does not have\n");
}

TEST(Explore, TheJsonHasOneResultPerCallWithTheContractsKeys) {
  ExploreOptions o = Site(FaultSite::kCopyPage, kEINTR);
  const std::string json = RenderExploreJson(Explored(Load("4.07-eintr-dma-where.jsonl"), o));
  EXPECT_EQ(json.substr(0, 80),
            "{\n  \"site\": \"copy_page\",\n  \"error\": \"EINTR\",\n  \"calls\": 16,\n  \"results\": [\n    {");
  EXPECT_NE(json.find("\"call\": 1,\n      \"exit\": 1,\n      \"ret\": -4,\n      \"first_violation\": {\n"
                      "        \"invariant\": \"3.5.4 dma-address\",\n        \"line\": 8\n      },\n"
                      "      \"leaks_ok\": true,\n      \"mismatches\": 0,\n      \"restarts\": 1,"),
            std::string::npos);
  EXPECT_NE(json.find("\"call\": 16,\n      \"exit\": 0,\n      \"ret\": -4,\n      \"first_violation\": null,"),
            std::string::npos);
}

}  // namespace
}  // namespace ttm
