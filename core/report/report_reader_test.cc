#include "core/report/report_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/report/report.h"

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

// A report with something in every list, so that element types are checked.
Report Full() {
  Report r;
  r.trace.sha256 = "ab";
  r.trace.events = 5;
  r.results.Count("populate", 0);
  r.results.Count("shrink", -12);
  r.memory.backed_up_pages = 300;
  r.violations.Add({.line = 3, .tt = 1, .invariant = "3.5.3 dma-unmap-once", .what = "twice"});
  r.violations.Add({.line = 4, .tt = std::nullopt, .invariant = "3.1.1 x", .what = "y"});
  r.checks.Fail({.line = 5, .invariant = "leaks", .what = "1 page"});
  r.expectations.Fail({{.line = 6, .assertion = "ret", .expected = int64_t{0}, .found = int64_t{-4}},
                       {.line = 6, .assertion = "state", .expected = std::string("populated"),
                        .found = std::monostate{}}});
  r.run.tool = "ttm-replay 0.1.0";
  r.run.build = "git aaaa";
  return r;
}

// The error of reading Full() after `mutate` changed its JSON; "" if read.
std::string ErrorAfter(const std::function<void(Json&)>& mutate) {
  Json j = Json::parse(RenderReportJson(Full()));
  mutate(j);
  Result<Json> read = ReadReportJson(j.dump(2), "r.json");
  return read.ok() ? "" : read.status().message();
}

TEST(ReportReader, AReportAsWrittenReadsBackUnchanged) {
  const std::string text = RenderReportJson(Full());
  Result<Json> read = ReadReportJson(text, "r.json");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->dump(2) + "\n", text);
}

TEST(ReportReader, ACountGivenAsAStringIsAnErrorNamingTheField) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j["memory"]["freed_pages"] = "300"; }),
            "r.json: \"memory.freed_pages\" must be a non-negative integer, not \"300\"");
}

TEST(ReportReader, NegativeAndFractionalCountsAreErrors) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j["memory"]["freed_pages"] = -5; }),
            "r.json: \"memory.freed_pages\" must be a non-negative integer, not -5");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["leaks"]["pages"] = 1.5; }),
            "r.json: \"leaks.pages\" must be a non-negative integer, not 1.5");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["events"]["populate"] = -1; }),
            "r.json: \"events.populate\" must be a non-negative integer, not -1");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["results"]["shrink"]["ENOMEM"] = true; }),
            "r.json: \"results.shrink.ENOMEM\" must be a non-negative integer, not true");
}

TEST(ReportReader, ASectionThatIsNullOrNotAnObjectIsAnError) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j["memory"] = nullptr; }),
            "r.json: \"memory\" must be an object, not null");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["leaks"] = Json::array(); }),
            "r.json: \"leaks\" must be an object, not a list");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["violations"]["by_invariant"] = 3; }),
            "r.json: \"violations.by_invariant\" must be an object, not 3");
}

TEST(ReportReader, ListElementsOfTheWrongTypeAreErrors) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j["violations"]["first"] = Json::array({1, 2}); }),
            "r.json: \"violations.first[0]\" must be an object, not 1");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["violations"]["first"][1]["line"] = "4"; }),
            "r.json: \"violations.first[1].line\" must be a non-negative integer, not \"4\"");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["checks"]["failures"] = "none"; }),
            "r.json: \"checks.failures\" must be a list, not \"none\"");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["expectations"]["failures"][0]["found"] = Json::object(); }),
            "r.json: \"expectations.failures[0].found\" must be null, true, false, a number or "
            "a string, not an object");
}

TEST(ReportReader, ABooleanFlagMustBeABoolean) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j["leaks"]["ok"] = 1; }),
            "r.json: \"leaks.ok\" must be true or false, not 1");
}

TEST(ReportReader, AMissingVersionOneFieldIsAnError) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j.erase("integrity"); }),
            "r.json: missing field \"integrity\"");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["restore"].erase("restarts"); }),
            "r.json: missing field \"restore.restarts\"");
}

TEST(ReportReader, VersionTwoSectionsAreOptionalButCheckedWhenPresent) {
  EXPECT_EQ(ErrorAfter([](Json& j) {
              j["options"] = {{"semantics", "v13"}, {"check_every", 1}};
              j["behaviour"] = {{"digest", "ff00"}, {"events", 15}};
            }),
            "");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["options"] = {{"semantics", "v13"}, {"check_every", -1}}; }),
            "r.json: \"options.check_every\" must be a non-negative integer, not -1");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["behaviour"] = nullptr; }),
            "r.json: \"behaviour\" must be an object, not null");
}

TEST(ReportReader, UnknownFieldsAreKeptAndRunIsCheckedOnlyWhereDiffReadsIt) {
  EXPECT_EQ(ErrorAfter([](Json& j) {
              j["memory"]["new_counter"] = "anything";
              j["added_by_a_newer_build"] = Json::array({1, "x"});
              j["run"]["wall_ms"] = "slow";
            }),
            "");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["run"]["build"] = 7; }),
            "r.json: \"run.build\" must be a string, not 7");
}

TEST(ReportReader, TextAfterANulByteIsNotIgnored) {
  std::string text = RenderReportJson(Full()) + std::string(1, '\0') + "garbage";
  Result<Json> read = ReadReportJson(text, "r.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), "r.json: not a JSON report: NUL byte at byte " +
                                         std::to_string(RenderReportJson(Full()).size() + 1));
}

TEST(ReportReader, DeepNestingInAnUnknownFieldIsAnErrorNotAStackOverflow) {
  std::string text = RenderReportJson(Full());
  text.insert(1, "\"deep\":" + std::string(100000, '[') + std::string(100000, ']') + ",");
  Result<Json> read = ReadReportJson(text, "r.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), "r.json: not a JSON report: nested deeper than 100 levels at byte 108");
}

TEST(ReportReader, DuplicateKeysAreAnError) {
  std::string text = RenderReportJson(Full());
  text.insert(1, "\"version\":7,");
  Result<Json> read = ReadReportJson(text, "r.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), "r.json: not a JSON report: duplicate key \"version\"");
}

TEST(ReportReader, FormatAndVersionAreCheckedFirst) {
  EXPECT_EQ(ErrorAfter([](Json& j) { j["format"] = "ttm-trace"; }),
            "r.json: not a ttm-replay report: \"format\" is not \"ttm-replay-report\"");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["version"] = 99; }),
            "r.json: unsupported report version 99 (this build reads " +
                std::to_string(kOldestReportVersion) + " to " + std::to_string(kReportVersion) +
                ")");
  EXPECT_EQ(ErrorAfter([](Json& j) { j["version"] = "1"; }),
            "r.json: unsupported report version \"1\" (this build reads " +
                std::to_string(kOldestReportVersion) + " to " + std::to_string(kReportVersion) +
                ")");
  Result<Json> read = ReadReportJson("[1]", "r.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), "r.json: not a ttm-replay report: not a JSON object");
}

}  // namespace
}  // namespace ttm
