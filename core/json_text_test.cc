#include "core/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace ttm {
namespace {

std::string ErrorOf(std::string_view text, JsonTextOptions options = {}) {
  Result<nlohmann::ordered_json> j = ParseJsonText(text, options);
  return j.ok() ? "" : j.status().message();
}

std::string Nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(ParseJsonText, AnOrdinaryObjectParsesInItsKeyOrder) {
  Result<nlohmann::ordered_json> j = ParseJsonText(R"({"b":1,"a":[true,null,"x"]})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->dump(), R"({"b":1,"a":[true,null,"x"]})");
}

TEST(ParseJsonText, MalformedTextNamesTheByteWhereItWentWrong) {
  EXPECT_EQ(ErrorOf(R"({"a":})"), "malformed JSON at byte 6");
  EXPECT_EQ(ErrorOf(""), "malformed JSON at byte 1");
}

TEST(ParseJsonText, ANulByteIsAnErrorEvenWhenTheTextBeforeItIsWhole) {
  // nlohmann's lexer takes a NUL for the end of input: without the scan,
  // this would be one object and the rest of the line would vanish.
  std::string text = std::string(R"({"op":"check"})") + '\0' + R"({"op":"free"} garbage)";
  EXPECT_EQ(ErrorOf(text), "NUL byte at byte 15");
  EXPECT_EQ(ErrorOf(std::string("{\"a\":\"x") + '\0' + "\"}"), "NUL byte at byte 8");
}

TEST(ParseJsonText, AnEscapedNulInsideAStringIsFine) {
  Result<nlohmann::ordered_json> j = ParseJsonText(R"({"a":"x\u0000y"})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["a"].get<std::string>().size(), 3u);
}

TEST(ParseJsonText, NestingUpToTheLimitParses) {
  EXPECT_EQ(ErrorOf(Nested(kMaxJsonDepth)), "");
  EXPECT_EQ(ErrorOf("{\"a\":" + Nested(kMaxJsonDepth - 1) + "}"), "");
}

TEST(ParseJsonText, NestingBeyondTheLimitIsAnErrorAtTheFirstLevelTooDeep) {
  EXPECT_EQ(ErrorOf(Nested(kMaxJsonDepth + 1)),
            "nested deeper than 100 levels at byte 101");
  // The issue's reproducer: 100 000 levels used to overflow the stack when
  // the parsed value was copied.
  EXPECT_EQ(ErrorOf("{\"meta\":" + Nested(100000) + "}"),
            "nested deeper than 100 levels at byte 108");
}

TEST(ParseJsonText, BracketsInsideStringsDoNotCountAsNesting) {
  std::string text = "{\"a\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  EXPECT_EQ(ErrorOf(text), "");
}

TEST(ParseJsonText, ANumberNoDoubleHoldsIsARangeErrorNamingTheFieldAndTheByte) {
  EXPECT_EQ(ErrorOf(R"({"op":"pool_shrink","pages":1e400})"),
            "\"pages\" is 1e400, out of range (at byte 29)");
  EXPECT_EQ(ErrorOf(R"({"config":{"swap_pages":-2e999}})"),
            "\"config.swap_pages\" is -2e999, out of range (at byte 25)");
  EXPECT_EQ(ErrorOf(R"({"a":[1,{"b":[0,0,1e400]}]})"),
            "\"a[1].b[2]\" is 1e400, out of range (at byte 19)");
  EXPECT_EQ(ErrorOf("1e400"), "number is 1e400, out of range (at byte 1)");
}

TEST(ParseJsonText, InvalidUtf8InAStringIsMalformed) {
  EXPECT_EQ(ErrorOf("{\"a\":\"\xff\"}"), "malformed JSON at byte 7");
  EXPECT_EQ(ErrorOf("{\"a\":\"\xc3\"}"), "malformed JSON at byte 8");
}

TEST(ParseJsonText, DuplicateKeysKeepTheLastValueUnlessRejected) {
  Result<nlohmann::ordered_json> j = ParseJsonText(R"({"version":2,"version":1})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["version"], 1);
  EXPECT_EQ(ErrorOf(R"({"version":2,"version":1})", {.reject_duplicate_keys = true}),
            "duplicate key \"version\"");
  EXPECT_EQ(ErrorOf(R"({"config":{"a":1},"x":[{"k":1,"k":2}]})", {.reject_duplicate_keys = true}),
            "duplicate key \"x[0].k\"");
  // The same key in two different objects is not a duplicate.
  EXPECT_EQ(ErrorOf(R"({"a":{"k":1},"b":{"k":1},"k":0})", {.reject_duplicate_keys = true}), "");
}

}  // namespace
}  // namespace ttm
