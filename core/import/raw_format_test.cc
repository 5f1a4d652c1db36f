#include "core/import/raw_format.h"

#include <gtest/gtest.h>

namespace ttm::import {
namespace {

TEST(RawFormat, SplitsACallLineIntoTimeThreadFunctionAndFields) {
  Result<RawLine> line = ParseRawLine("1000 42\tttm_tt_init  tt=0xff pages=300 ret=-12");
  ASSERT_TRUE(line.ok()) << line.status().message();
  EXPECT_EQ(line->kind, RawLine::Kind::kCall);
  EXPECT_EQ(line->t, 1000u);
  EXPECT_EQ(line->tid, 42u);
  EXPECT_EQ(line->function, "ttm_tt_init");
  EXPECT_EQ(*line->fields.Uint("tt"), 0xffu);
  EXPECT_EQ(*line->fields.Uint("pages"), 300u);
  EXPECT_EQ(*line->fields.Int("ret"), -12);
}

TEST(RawFormat, ReadsTheFormatLineAndItsVersion) {
  Result<RawLine> line = ParseRawLine("ttm-record 7");
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->kind, RawLine::Kind::kFormat);
  EXPECT_EQ(line->version, 7);
  EXPECT_FALSE(ParseRawLine("ttm-record").ok());
  EXPECT_FALSE(ParseRawLine("ttm-record one").ok());
}

TEST(RawFormat, ReadsMachineFactsInTheirOrder) {
  Result<RawLine> line = ParseRawLine("machine kernel=6.15.0 total_pages=4096");
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->kind, RawLine::Kind::kMachine);
  ASSERT_EQ(line->fields.all().size(), 2u);
  EXPECT_EQ(line->fields.all()[0].first, "kernel");
  EXPECT_EQ(*line->fields.Text("kernel"), "6.15.0");
}

TEST(RawFormat, ATokenWithoutEqualsSignIsAnError) {
  Result<RawLine> line = ParseRawLine("1 2 ttm_tt_fini tt");
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().message(), "ttm_tt_fini: 'tt' is not KEY=VALUE");
  EXPECT_FALSE(ParseRawLine("1 2 ttm_tt_fini =5").ok());
}

TEST(RawFormat, AKeyGivenTwiceIsAnError) {
  Result<RawLine> line = ParseRawLine("1 2 ttm_tt_fini tt=1 tt=2");
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().message(), "ttm_tt_fini: tt= is given twice");
}

TEST(RawFormat, TimestampAndThreadMustBeDecimalNumbers) {
  EXPECT_EQ(ParseRawLine("x1 2 ttm_tt_fini tt=1").status().message(),
            "timestamp 'x1' is not a number");
  EXPECT_EQ(ParseRawLine("0x10 2 ttm_tt_fini tt=1").status().message(),
            "timestamp '0x10' is not a number");
  EXPECT_EQ(ParseRawLine("1 -2 ttm_tt_fini tt=1").status().message(),
            "thread id '-2' is not a number");
}

TEST(RawFormat, BpftracesBannerIsNamedAsSuch) {
  EXPECT_EQ(ParseRawLine("Attaching 26 probes...").status().message(),
            "bpftrace's banner: record with bpftrace -q (tools/record/ttm-record does)");
}

TEST(RawFormat, ALineTooShortForACallIsAnError) {
  EXPECT_EQ(ParseRawLine("1 2").status().message(),
            "'1 2' is not a call line (T_NS TID FUNCTION KEY=VALUE...)");
}

TEST(RawFormat, NumbersAreCheckedAndNamedInMessages) {
  Result<RawLine> line = ParseRawLine("1 2 f a=12x b=-3 c=0x1G d=2 e=99");
  ASSERT_TRUE(line.ok());
  const RawFields& f = line->fields;
  EXPECT_EQ(f.Uint("a").status().message(), "a=12x is not a non-negative number");
  EXPECT_EQ(f.Uint("b").status().message(), "b=-3 is not a non-negative number");
  EXPECT_EQ(*f.Int("b"), -3);
  EXPECT_FALSE(f.Uint("c").ok());
  EXPECT_EQ(f.Bool("d").status().message(), "d=2 must be 0 or 1");
  EXPECT_EQ(f.Uint("e", 10).status().message(), "e=99 is above 10");
  EXPECT_EQ(f.Uint("z").status().message(), "missing z=");
  EXPECT_FALSE(f.OptUint("z")->has_value());
  EXPECT_EQ(f.Int("a").status().message(), "a=12x is not a number");
}

TEST(RawFormat, ANumberTooLargeForSixtyFourBitsIsAnError) {
  Result<RawLine> line = ParseRawLine("1 2 f a=18446744073709551616");
  ASSERT_TRUE(line.ok());
  EXPECT_FALSE(line->fields.Uint("a").ok());
}

TEST(RawFormat, CommentsAndBlankLinesAreRecognised) {
  EXPECT_TRUE(IsRawCommentOrBlank("# comment"));
  EXPECT_TRUE(IsRawCommentOrBlank("   # indented"));
  EXPECT_TRUE(IsRawCommentOrBlank("  \t"));
  EXPECT_FALSE(IsRawCommentOrBlank("1 2 ttm_tt_fini tt=1 # not a comment"));
}

}  // namespace
}  // namespace ttm::import
