#include "core/import/importer.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace ttm::import {
namespace {

constexpr const char* kHead =
    "ttm-record 1\n"
    "machine kernel=6.15.0 page_size=4096 total_pages=4096 dma32_pages=4096 "
    "swap_free_pages=8192 max_order=10 page_pool_size=0 numa_node=-1 "
    "backup_symbol=ttm_pool_backup\n";

// Imports `text` and keeps what comes out: the header's JSON and each event
// as its canonical trace line.
struct Imported {
  Status status;
  trace::Json header;
  std::vector<std::string> events;
  ImportStats stats;
};

Imported Import(const std::string& text, ImportOptions options = {}) {
  Imported out;
  Importer importer(
      "raw.txt",
      {.header =
           [&](const trace::TraceHeader& h) {
             out.header = trace::HeaderToJson(h);
             return Status::Ok();
           },
       .event =
           [&](const Event& e) {
             out.events.push_back(trace::EventToJsonLine(e));
             return Status::Ok();
           }},
      options);
  std::istringstream in(text);
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    out.status = importer.AddLine(line, ++n);
    if (!out.status.ok()) return out;
  }
  out.status = importer.Finish(n);
  out.stats = importer.stats();
  return out;
}

std::string Calls(const std::string& calls) { return std::string(kHead) + calls; }

// Events without their "t", for comparisons that do not care about time.
std::vector<std::string> Untimed(const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (std::string e : events) {
    size_t t = e.find(",\"t\":");
    if (t != std::string::npos) e.erase(t, e.find(',', t + 1) - t);
    out.push_back(e);
  }
  return out;
}

using Events = std::vector<std::string>;

TEST(Importer, AnObjectsLifeBecomesAllocatePopulateWriteUnpopulateFree) {
  Imported r = Import(Calls(
      "10 1 ttm_tt_init tt=0xa000 pages=8 caching=1 flags=0x2 depth=0 ret=0\n"
      "20 1 ttm_tt_populate tt=0xa000 intr=0 depth=0 ret=0\n"
      "30 1 ttm_tt_unpopulate tt=0xa000 depth=0\n"
      "40 1 ttm_tt_fini tt=0xa000 depth=0\n"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.events,
            (Events{R"({"op":"allocate","t":0,"tt":1,"pages":8,"caching":"wc","flags":["zero_alloc"]})",
                    R"({"op":"populate","t":10,"tt":1,"interruptible":false})",
                    R"({"op":"expect","t":10,"ret":0})", R"({"op":"write","t":10,"tt":1})",
                    R"({"op":"unpopulate","t":20,"tt":1})", R"({"op":"free","t":30,"tt":1})"}));
  EXPECT_EQ(r.stats.calls, 4u);
  EXPECT_EQ(r.stats.events, 6u);
  EXPECT_EQ(r.stats.objects, 1u);
  EXPECT_EQ(r.stats.writes_inferred, 1u);
}

TEST(Importer, KernelCachingNumbersAndSgTablesMapToTheTraceVocabulary) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=1 caching=0 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_init tt=0xb000 pages=1 caching=2 flags=0 depth=0 ret=0\n"
      "3 1 ttm_sg_tt_init tt=0xc000 pages=1 caching=1 flags=0 depth=0 ret=0\n"
      "4 1 ttm_sg_tt_init tt=0xd000 pages=1 caching=1 flags=0x4 depth=0 ret=0\n"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(Untimed(r.events),
            (Events{R"({"op":"allocate","tt":1,"pages":1,"caching":"uncached"})",
                    R"({"op":"allocate","tt":2,"pages":1,"caching":"cached"})",
                    R"({"op":"allocate","tt":3,"pages":1,"caching":"wc","flags":["dma"]})",
                    R"({"op":"allocate","tt":4,"pages":1,"caching":"wc"})"}));
}

TEST(Importer, AnAddressReusedAfterFiniIsANewObjectWithANewId) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=1 caching=2 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_fini tt=0xa000 depth=0\n"
      "3 1 ttm_tt_init tt=0xa000 pages=2 caching=2 flags=0 depth=0 ret=0\n"
      "4 1 ttm_tt_fini tt=0xa000 depth=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Untimed(r.events),
            (Events{R"({"op":"allocate","tt":1,"pages":1,"caching":"cached"})",
                    R"({"op":"free","tt":1})",
                    R"({"op":"allocate","tt":2,"pages":2,"caching":"cached"})",
                    R"({"op":"free","tt":2})"}));
}

TEST(Importer, InitOfALiveAddressIsCountedAndStartsANewObject) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=1 caching=2 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_init tt=0xa000 pages=1 caching=2 flags=0 depth=0 ret=0\n"
      "3 1 ttm_tt_fini tt=0xa000 depth=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events.back(), R"({"op":"free","t":2,"tt":2})");
  EXPECT_EQ(r.stats.not_expressible.at("ttm_tt_init of a live tt (its ttm_tt_fini was not recorded)"),
            1u);
}

TEST(Importer, CallsOnObjectsCreatedBeforeTheRecordingAreCountedNotWritten) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"
      "2 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=1\n"
      "3 1 ttm_tt_unpopulate tt=0xa000 depth=0\n"
      "4 1 ttm_tt_fini tt=0xa000 depth=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.stats.not_expressible.at("call on a tt created before the recording started"), 4u);
}

TEST(Importer, AFailedInitIsCountedAndCreatesNoObject) {
  Imported r = Import(Calls("1 1 ttm_tt_init tt=0xa000 pages=1 caching=2 flags=0 depth=0 ret=-12\n"
                            "2 1 ttm_tt_fini tt=0xa000 depth=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.stats.not_expressible.at("ttm_tt_init that failed (ENOMEM)"), 1u);
  EXPECT_EQ(r.stats.not_expressible.at("call on a tt created before the recording started"), 1u);
}

TEST(Importer, AnObjectTooLargeForTheFormatIsCounted) {
  Imported r = Import(Calls("1 1 ttm_tt_init tt=0xa000 pages=2147483648 caching=2 flags=0 depth=0 ret=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.stats.not_expressible.at("object of a size the trace format does not allow"), 1u);
}

TEST(Importer, NestedCallsAreCoveredByTheirOuterCall) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=4 caching=2 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"
      "3 1 ttm_pool_alloc tt=0xa000 depth=1 ret=0\n"
      "4 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=4\n"
      "5 1 ttm_pool_backup tt=0xa000 depth=1 ret=4\n"
      "6 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"
      "7 1 ttm_tt_restore tt=0xa000 depth=1 ret=0\n"
      "8 1 ttm_pool_restore_and_alloc tt=0xa000 depth=2 ret=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.stats.covered,
            (std::map<std::string, uint64_t>{{"ttm_pool_alloc", 1},
                                             {"ttm_pool_backup", 1},
                                             {"ttm_pool_restore_and_alloc", 1},
                                             {"ttm_tt_restore", 1}}));
  EXPECT_EQ(r.events.size(), 8u);  // allocate, populate+expect+write, shrink+expect, populate+expect
}

TEST(Importer, PoolCallsOutsideATtWrapperAreNotExpressible) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=4 caching=2 flags=0 depth=0 ret=0\n"
      "2 1 ttm_pool_alloc tt=0xa000 depth=0 ret=0\n"
      "3 1 ttm_pool_backup_tt tt=0xa000 depth=0 ret=4\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.stats.not_expressible.at("ttm_pool_alloc called outside a ttm_tt_* call"), 1u);
  EXPECT_EQ(r.stats.not_expressible.at("ttm_pool_backup_tt called outside a ttm_tt_* call"), 1u);
}

constexpr const char* kPopulated =
    "1 1 ttm_tt_init tt=0xa000 pages=10 caching=1 flags=0 depth=0 ret=0\n"
    "2 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n";
constexpr const char* kBackedUp =
    "1 1 ttm_tt_init tt=0xa000 pages=10 caching=1 flags=0 depth=0 ret=0\n"
    "2 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"
    "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=10\n";

// The events after the first `skip`, untimed.
Events Tail(const Imported& r, size_t skip) {
  Events all = Untimed(r.events);
  return Events(all.begin() + static_cast<long>(std::min(skip, all.size())), all.end());
}

TEST(Importer, AnEnomemPopulateFailsEveryPageAllocationOfThatCallOnly) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=10 caching=1 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=-12\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 1),
            (Events{R"({"op":"fail","site":"alloc_page","count":9223372036854775807})",
                    R"({"op":"populate","tt":1})", R"({"op":"expect","ret":"ENOMEM"})",
                    R"({"op":"fail","site":"alloc_page","count":0})"}));
  EXPECT_EQ(r.stats.faults_armed, 1u);
  EXPECT_EQ(r.stats.writes_inferred, 0u);
}

TEST(Importer, AnEfaultPopulateFailsTheDmaMapping) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=10 caching=1 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=-14\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 1)[0], R"({"op":"fail","site":"dma_map","count":9223372036854775807})");
}

TEST(Importer, AnInterruptedRestoreFailsTheCopyAfterTheRecordedCopies) {
  Imported r = Import(Calls(std::string(kBackedUp) +
                            "4 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=-4 copies=3 copy_err=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 6),
            (Events{R"({"op":"fail","site":"copy_page","after":3,"error":"EINTR"})",
                    R"({"op":"populate","tt":1})", R"({"op":"expect","ret":"EINTR"})",
                    R"({"op":"fail","site":"copy_page","count":0})"}));
}

TEST(Importer, ACopyThatFailedArmsCopyPageWithItsOwnError) {
  Imported r = Import(Calls(std::string(kBackedUp) +
                            "4 1 ttm_tt_populate tt=0xa000 intr=0 depth=0 ret=-12 copies=2 copy_err=-12\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 6)[0], R"({"op":"fail","site":"copy_page","after":2})");
}

TEST(Importer, EintrOfAPopulateWithNoRestoreIsReplayedWithoutAFault) {
  Imported r = Import(Calls(
      "1 1 ttm_tt_init tt=0xa000 pages=10 caching=1 flags=0 depth=0 ret=0\n"
      "2 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=-4\n"
      "3 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=-512\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 1), (Events{R"({"op":"populate","tt":1})", R"({"op":"expect","ret":"EINTR"})",
                                R"({"op":"populate","tt":1})", R"({"op":"expect","ret":-512})"}));
  EXPECT_EQ(r.stats.failures_without_fault,
            (std::map<std::string, uint64_t>{{"EINTR", 1}, {"-512", 1}}));
  EXPECT_EQ(r.stats.faults_armed, 0u);
}

TEST(Importer, AHalfBackupArmsTheKernelsBackupFaultInjection) {
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=1 depth=0 ret=5 backups=5 backup_err=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 4),
            (Events{R"({"op":"fail","site":"backup_half"})",
                    R"({"op":"shrink","tt":1,"writeback":true})", R"({"op":"expect","ret":5})",
                    R"({"op":"fail","site":"backup_half","count":0})"}));
}

TEST(Importer, APartialBackupWithAFailedPageArmsBackupPageAtThatPage) {
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=7 backups=7 backup_err=-12\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 4)[0], R"({"op":"fail","site":"backup_page","after":7})");
}

TEST(Importer, APartialBackupWithoutPageCountsStopsAtTheReturnedCount) {
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=3\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 4)[0], R"({"op":"fail","site":"backup_page","after":3})");
}

TEST(Importer, AZeroProgressBackupFailureFailsTheFirstPage) {
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=-12 backups=0 backup_err=-12\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 4)[0], R"({"op":"fail","site":"backup_page"})");
}

TEST(Importer, ABackupErrorNoSiteRaisesIsCountedAndReplayedWithoutAFault) {
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=-5 backups=0 backup_err=-5\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 4), (Events{R"({"op":"shrink","tt":1})", R"({"op":"expect","ret":-5})"}));
  EXPECT_EQ(r.stats.failures_without_fault.at("-5"), 1u);
}

TEST(Importer, ABackupFailingWithEnospcIsReplayedAsABackupPageFault) {
  // ENOSPC is one of backup_page's errors (the merged backend returns it).
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=-28 backups=0 backup_err=-28\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 4), (Events{R"({"op":"fail","site":"backup_page","error":"ENOSPC"})",
                                R"({"op":"shrink","tt":1})", R"({"op":"expect","ret":"ENOSPC"})",
                                R"({"op":"fail","site":"backup_page","count":0})"}));
  EXPECT_TRUE(r.stats.failures_without_fault.empty());
}

TEST(Importer, ABackupOfAPopulatedTtThatReturnsZeroHadNoBackupObjectAndIsCounted) {
  Imported r = Import(Calls(std::string(kPopulated) +
                            "3 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events.size(), 4u);  // allocate, populate, expect, write: no shrink
  EXPECT_EQ(r.stats.not_expressible.at(
                "ttm_tt_backup of a tt without a backup object (returned 0)"),
            1u);
}

TEST(Importer, EbusyIsStateNotAFault) {
  Imported r = Import(Calls(std::string(kBackedUp) +
                            "4 1 ttm_tt_backup tt=0xa000 purge=0 writeback=0 depth=0 ret=-16\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Tail(r, 6), (Events{R"({"op":"shrink","tt":1})", R"({"op":"expect","ret":"EBUSY"})"}));
  EXPECT_TRUE(r.stats.failures_without_fault.empty());
}

TEST(Importer, WritesAreInferredAfterFirstPopulationsOnlyNotAfterARestore) {
  Imported r = Import(Calls(std::string(kBackedUp) +
                            "4 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"
                            "5 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"
                            "6 1 ttm_tt_backup tt=0xa000 purge=1 writeback=0 depth=0 ret=10\n"
                            "7 1 ttm_tt_populate tt=0xa000 intr=1 depth=0 ret=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.stats.writes_inferred, 2u);  // the first population and the one after the purge
  EXPECT_EQ(r.events.back(), R"({"op":"write","t":6,"tt":1})");
}

TEST(Importer, NoWritesAreInferredWhenTurnedOff) {
  Imported r = Import(Calls(kPopulated), ImportOptions{.infer_writes = false});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.stats.writes_inferred, 0u);
  EXPECT_EQ(r.header["meta"]["inferred_writes"], false);
  for (const std::string& e : r.events) EXPECT_EQ(e.find("write"), std::string::npos) << e;
}

TEST(Importer, ThePoolShrinkerScanFreesWhatTheKernelFreed) {
  Imported r = Import(Calls("5 9 ttm_pool_shrinker_scan nr_to_scan=128 depth=0 ret=16\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events, (Events{R"({"op":"pool_shrink","t":0,"pages":16})"}));
}

TEST(Importer, TheConfigComesFromTheMachineFacts) {
  Imported r = Import(
      "ttm-record 1\n"
      "machine kernel=6.13.0-v13 total_pages=1000 dma32_pages=5000 swap_free_pages=77\n"
      "machine max_order=4 page_pool_size=300 numa_node=0 use_dma32=1 driver=amdgpu\n"
      "machine backup_symbol=ttm_pool_backup_tt\n");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.header["config"].dump(),
            R"({"system_pages":1000,"dma32_pages":1000,"swap_pages":77,"max_order":4,)"
            R"("pool_limit_pages":300,"use_dma_alloc":false,"use_dma32":true,"numa_node":true})");
  EXPECT_EQ(r.header["meta"]["source"], "recorded");
  EXPECT_EQ(r.header["meta"]["kernel"], "6.13.0-v13");
  EXPECT_EQ(r.header["meta"]["semantics"], "v13");
  EXPECT_EQ(r.header["meta"]["machine"]["driver"], "amdgpu");
}

TEST(Importer, APoolSizeOfZeroMeansTheKernelsDefault) {
  Imported r = Import(kHead);
  ASSERT_TRUE(r.status.ok());
  EXPECT_FALSE(r.header["config"].contains("pool_limit_pages"));
  EXPECT_EQ(r.header["config"]["numa_node"], false);
}

TEST(Importer, SystemPagesBeyondTheFormatAreClampedAndTheTrueValueKept) {
  Imported r = Import(
      "ttm-record 1\n"
      "machine kernel=6.15.0 total_pages=300000000 swap_free_pages=0 max_order=10\n");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.header["config"]["system_pages"], kMaxSystemPages);
  EXPECT_EQ(r.header["meta"]["system_pages_clamped_from"], 300000000u);
}

TEST(Importer, SemanticsFollowTheBackupSymbolThenTheKernelVersion) {
  EXPECT_EQ(SemanticsForKernel("ttm_pool_backup_tt", "6.12.0"), "v13");
  EXPECT_EQ(SemanticsForKernel("ttm_pool_backup", "6.15.0"), "merged");
  EXPECT_EQ(SemanticsForKernel("", "6.16.3-arch1"), "merged");
  EXPECT_EQ(SemanticsForKernel("", "6.14.9"), "base");
  EXPECT_EQ(SemanticsForKernel("", "7.0"), "merged");
  EXPECT_EQ(SemanticsForKernel("", "garbage"), "base");
}

TEST(Importer, TimesAreNanosecondsSinceTheFirstCall) {
  Imported r = Import(Calls(
      "1000 1 ttm_tt_init tt=0xa000 pages=1 caching=2 flags=0 depth=0 ret=0\n"
      "1500 1 ttm_tt_fini tt=0xa000 depth=0\n"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events[1], R"({"op":"free","t":500,"tt":1})");
}

// ---- malformed recordings: one message each, with the line -------------

std::string ErrorOf(const std::string& text) {
  Imported r = Import(text);
  return r.status.ok() ? "(no error)" : r.status.message();
}

TEST(ImporterErrors, AnEmptyRecordingIsRejected) {
  EXPECT_EQ(ErrorOf(""), "raw.txt:1: not a recording: it is empty");
  EXPECT_EQ(ErrorOf("# only a comment\n"), "raw.txt:1: not a recording: it is empty");
}

TEST(ImporterErrors, TheFirstLineMustBeTheFormatLine) {
  EXPECT_EQ(ErrorOf("machine kernel=1\n"),
            "raw.txt:1: not a recording: the first line must read 'ttm-record 1'");
}

TEST(ImporterErrors, AnotherVersionIsRejected) {
  EXPECT_EQ(ErrorOf("ttm-record 2\n"),
            "raw.txt:1: ttm-record version 2 is not supported (this build reads version 1)");
}

TEST(ImporterErrors, MissingMachineFactsAreNamed) {
  EXPECT_EQ(ErrorOf("ttm-record 1\nmachine kernel=6.15.0 total_pages=10 max_order=3\n"),
            "raw.txt:2: the machine facts lack swap_free_pages= (record with "
            "tools/record/ttm-record, which writes them)");
}

TEST(ImporterErrors, MachineFactsAfterTheFirstCallAreRejected) {
  EXPECT_EQ(ErrorOf(Calls("1 1 ttm_tt_fini tt=0x1 depth=0\nmachine card=card1\n")),
            "raw.txt:4: machine: facts after the first call");
}

TEST(ImporterErrors, AFactGivenTwiceIsRejected) {
  EXPECT_EQ(ErrorOf(std::string(kHead) + "machine max_order=3\n"),
            "raw.txt:3: machine: max_order= given twice");
}

TEST(ImporterErrors, APageSizeOtherThanFourKibIsRejected) {
  EXPECT_EQ(ErrorOf("ttm-record 1\nmachine page_size=65536\n"),
            "raw.txt:2: machine: page_size=65536: the trace format models 4096-byte pages only");
}

TEST(ImporterErrors, AMaxOrderAboveTheFormatsIsRejected) {
  EXPECT_EQ(ErrorOf("ttm-record 1\nmachine max_order=21\n"),
            "raw.txt:2: machine: max_order=21 is above 20");
}

TEST(ImporterErrors, AnUnknownFunctionIsRejected) {
  EXPECT_EQ(ErrorOf(Calls("1 1 ttm_bo_move tt=0x1 depth=0\n")),
            "raw.txt:3: unknown function 'ttm_bo_move' (docs/recording.md lists the recorded ones)");
}

TEST(ImporterErrors, TimeGoingBackwardsIsRejected) {
  EXPECT_EQ(ErrorOf(Calls("5 1 ttm_tt_fini tt=0x1 depth=0\n4 1 ttm_tt_fini tt=0x1 depth=0\n")),
            "raw.txt:4: ttm_tt_fini: time goes backwards (4 after 5); sort the calls by their "
            "first column");
}

TEST(ImporterErrors, AMissingFieldIsNamedWithItsFunction) {
  EXPECT_EQ(ErrorOf(Calls("1 1 ttm_tt_populate tt=0x1 depth=0 intr=1\n")),
            "raw.txt:3: ttm_tt_populate: missing ret=");
  EXPECT_EQ(ErrorOf(Calls("1 1 ttm_tt_fini tt=0x1\n")), "raw.txt:3: ttm_tt_fini: missing depth=");
}

TEST(ImporterErrors, ACachingOutsideTheKernelsEnumIsRejected) {
  EXPECT_EQ(ErrorOf(Calls("1 1 ttm_tt_init tt=0x1 pages=1 caching=3 flags=0 depth=0 ret=0\n")),
            "raw.txt:3: ttm_tt_init: caching=3 is not an enum ttm_caching (0 uncached, 1 wc, 2 "
            "cached)");
}

TEST(ImporterErrors, ANullTtIsRejected) {
  EXPECT_EQ(ErrorOf(Calls("1 1 ttm_tt_fini tt=0 depth=0\n")),
            "raw.txt:3: ttm_tt_fini: tt=0 is not a struct ttm_tt address");
}

TEST(ImporterErrors, ASecondFormatLineIsRejected) {
  EXPECT_EQ(ErrorOf(std::string(kHead) + "ttm-record 1\n"), "raw.txt:3: a second format line");
}

TEST(ImporterErrors, ASinkErrorStopsTheImportAsItIs) {
  Importer importer("raw.txt",
                    {.header = [](const trace::TraceHeader&) { return Status::IoError("disk full"); },
                     .event = [](const Event&) { return Status::Ok(); }});
  ASSERT_TRUE(importer.AddLine("ttm-record 1", 1).ok());
  ASSERT_TRUE(importer.AddLine("machine kernel=1 total_pages=1 swap_free_pages=1 max_order=1", 2).ok());
  Status s = importer.AddLine("1 1 ttm_tt_fini tt=0x1 depth=0", 3);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_EQ(s.message(), "disk full");
}

}  // namespace
}  // namespace ttm::import
