// reduce: a long generated trace that reaches a V13 bug comes down to a few
// events with the same first invariant; the output is a valid trace with
// the original config; expect/check events stay only when the property
// needs them; the result does not depend on -j.
#include "core/explore/reduce.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/explore/testing.h"
#include "core/trace/whole_trace.h"

namespace ttm {
namespace {

using testing::LoadTrace;

Reduction Reduced(const trace::WholeTrace& t, ReduceOptions o = {}) {
  Result<Reduction> r = Reduce(Resolve(t.header.config), t.events, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return *r;
}

Report Replayed(const MachineConfig& config, const std::vector<Event>& events) {
  Replayer r(config, {});
  for (const Event& e : events) r.Apply(e);
  return r.Finish();
}

std::string FirstInvariant(const Report& r) {
  return r.violations.first.empty() ? "" : r.violations.first[0].invariant;
}

// The reduced trace as a file would hold it, read back by the trace layer.
trace::WholeTrace RoundTrip(const trace::WholeTrace& original, const Reduction& r) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/reduced.jsonl";
  FILE* f = fopen(path.c_str(), "w");
  const std::string text =
      trace::TraceText(ReducedHeader(original.header, original.sha256, original.events.size()), r.events);
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  return LoadTrace(path);
}

TEST(Reduce, ALongGeneratedTraceReachingAV13BugComesDownToAFewEventsWithTheSameFirstInvariant) {
  const trace::WholeTrace t = LoadTrace("traces/explore/faults-with-4.06.jsonl.zst");
  const MachineConfig config = Resolve(t.header.config);
  ASSERT_EQ(t.events.size(), 1006u);
  const std::string first = FirstInvariant(Replayed(config, t.events));
  ASSERT_EQ(first, "3.4.4 wb-after-failed-backup");  // 4.6

  const Reduction r = Reduced(t);
  EXPECT_LE(r.events.size(), 10u);
  EXPECT_EQ(r.property, "first violation " + first);
  const trace::WholeTrace back = RoundTrip(t, r);
  EXPECT_EQ(back.events.size(), r.events.size());
  EXPECT_EQ(FirstInvariant(Replayed(Resolve(back.header.config), back.events)), first);
  // The original config as written, and where it came from.
  EXPECT_EQ(trace::HeaderToJson(back.header)["config"], trace::HeaderToJson(t.header)["config"]);
  EXPECT_EQ(back.header.meta["reduced_from"]["sha256"], t.sha256);
  EXPECT_EQ(back.header.meta["reduced_from"]["events"], 1006);
  EXPECT_EQ(back.header.meta["workload"], "faults");
}

TEST(Reduce, TheResultIsTheSameWhateverTheNumberOfJobs) {
  const trace::WholeTrace t = LoadTrace("traces/scenarios/4.09-alloc-failure-restart-from-zero.jsonl");
  const std::string one = trace::TraceText(t.header, Reduced(t).events);
  for (unsigned jobs : {2u, 5u}) {
    ReduceOptions o;
    o.jobs = jobs;
    EXPECT_EQ(trace::TraceText(t.header, Reduced(t, o).events), one) << jobs << " jobs";
  }
}

TEST(Reduce, ShrinksInsideEventsFewerPagesAndASmallerAfter) {
  // 4.7: 16 pages, EINTR after 9 copies; three pages in two chunks and the
  // very first copy show the same bug.
  const trace::WholeTrace t = LoadTrace("traces/scenarios/4.07-eintr-resume-dma.jsonl");
  const Reduction r = Reduced(t);
  EXPECT_EQ(r.property, "first violation 3.5.4 dma-address");
  uint64_t pages = 0, after = 99;
  for (const Event& e : r.events) {
    if (const auto* a = std::get_if<AllocateEvent>(&e.body)) pages = a->pages;
    if (const auto* f = std::get_if<FailEvent>(&e.body)) after = f->after;
  }
  EXPECT_LT(pages, 16u);
  EXPECT_EQ(after, 0u);
  EXPECT_EQ(FirstInvariant(Replayed(Resolve(t.header.config), r.events)), "3.5.4 dma-address");
}

TEST(Reduce, ExpectAndCheckEventsAreDroppedWhenThePropertyDoesNotNeedThem) {
  const trace::WholeTrace t = LoadTrace("traces/scenarios/4.09-alloc-failure-restart-from-zero.jsonl");
  for (const Event& e : Reduced(t).events) {
    EXPECT_FALSE(std::holds_alternative<ExpectEvent>(e.body)) << "line " << e.line;
    EXPECT_FALSE(std::holds_alternative<CheckEvent>(e.body)) << "line " << e.line;
  }
}

TEST(Reduce, KeepingAnExpectFailureKeepsThatExpectation) {
  trace::WholeTrace t = LoadTrace("traces/examples/contract-example.jsonl");
  // The last expectation of the first populate's return is made wrong.
  for (Event& e : t.events)
    if (auto* x = std::get_if<ExpectEvent>(&e.body); x && x->ret == kEINTR) x->ret = kENOMEM;
  ReduceOptions o;
  o.keep = KeepProperty::kExpectFailure;
  const Reduction r = Reduced(t, o);
  EXPECT_EQ(r.property, "first failed assertion: ret expected ENOMEM, found EINTR");
  size_t expects = 0;
  for (const Event& e : r.events) expects += std::holds_alternative<ExpectEvent>(e.body);
  EXPECT_EQ(expects, 1u);
  EXPECT_LE(r.events.size(), 6u);
  const Report report = Replayed(Resolve(t.header.config), r.events);
  ASSERT_EQ(report.expectations.failures.size(), 1u);
  EXPECT_EQ(report.expectations.failures[0].assertion, "ret");
}

TEST(Reduce, KeepingTheExitStatusOfACleanTraceLeavesNothing) {
  const trace::WholeTrace t = LoadTrace("traces/examples/contract-example.jsonl");
  ReduceOptions o;
  o.keep = KeepProperty::kExit;
  const Reduction r = Reduced(t, o);
  EXPECT_EQ(r.property, "exit 0");
  EXPECT_TRUE(r.events.empty());
}

TEST(Reduce, RefusesATraceThatDoesNotHaveTheProperty) {
  const trace::WholeTrace t = LoadTrace("traces/examples/contract-example.jsonl");
  Result<Reduction> r = Reduce(Resolve(t.header.config), t.events, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "the trace violates no invariant: there is nothing to keep (see --keep)");
  ReduceOptions o;
  o.keep = KeepProperty::kExpectFailure;
  r = Reduce(Resolve(t.header.config), t.events, o);
  EXPECT_EQ(r.status().message(), "no expectation of the trace fails: there is nothing to keep (see --keep)");
}

TEST(Reduce, ReducedHeaderAddsReducedFromToAMetaThatWasNotAnObject) {
  trace::TraceHeader h;
  h.config.system_pages = 64;
  const trace::TraceHeader r = ReducedHeader(h, "abc", 7);
  EXPECT_EQ(r.meta.dump(), R"({"reduced_from":{"sha256":"abc","events":7}})");
  EXPECT_EQ(r.config.system_pages, 64u);
}

TEST(Reduce, KeepPropertyNamesAreThoseOfTheCommandLine) {
  EXPECT_EQ(KeepPropertyFromName("first-violation"), KeepProperty::kFirstViolation);
  EXPECT_EQ(KeepPropertyFromName("exit"), KeepProperty::kExit);
  EXPECT_EQ(KeepPropertyFromName("expect-failure"), KeepProperty::kExpectFailure);
  EXPECT_FALSE(KeepPropertyFromName("first_violation").has_value());
}

}  // namespace
}  // namespace ttm
