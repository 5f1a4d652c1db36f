#include "core/trace/vocabulary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/trace/format.h"

namespace ttm::trace {
namespace {

TEST(Vocabulary, HasOneTableForEveryOpInTheEventOrder) {
  ASSERT_EQ(Ops().size(), static_cast<size_t>(kNumOps));
  for (int i = 0; i < kNumOps; ++i) {
    EXPECT_EQ(OpSpecOf(i).name, OpNameByIndex(i));
    EXPECT_EQ(DefaultBody(i).index(), static_cast<size_t>(i));
  }
}

TEST(Vocabulary, NamesEachFieldOnceAndLeavesOpAndTimeToEveryEvent) {
  for (const OpSpec& op : Ops()) {
    std::set<std::string_view> names;
    for (const FieldSpec& f : op.fields) {
      EXPECT_TRUE(names.insert(f.name).second) << op.name << "." << f.name;
      EXPECT_NE(f.name, kOpField);
      EXPECT_NE(f.name, kTimeField);
      EXPECT_EQ(FindField(op, f.name), &f);
    }
    EXPECT_EQ(FindField(op, "nope"), nullptr);
  }
}

TEST(Vocabulary, CountRangesAreThoseOfTheFormat) {
  const OpSpec& allocate = OpSpecOf(0);
  EXPECT_EQ(FindField(allocate, "pages")->lo, 1u);
  EXPECT_EQ(FindField(allocate, "pages")->hi, kMaxTtPages);
  for (const OpSpec& op : Ops()) {
    for (const FieldSpec& f : op.fields) {
      if (f.kind == FieldKind::kCount) {
        EXPECT_LE(f.hi, kMaxCount) << op.name << "." << f.name;
      }
    }
  }
}

TEST(Vocabulary, ADefaultBodyWritesOnlyItsRequiredFields) {
  for (int i = 0; i < kNumOps; ++i) {
    const EventBody body = DefaultBody(i);
    for (const FieldSpec& f : OpSpecOf(i).fields)
      EXPECT_EQ(f.get(body).has_value(), f.required) << OpNameByIndex(i) << "." << f.name;
  }
}

TEST(Vocabulary, AValueSetIsTheValueWritten) {
  for (int i = 0; i < kNumOps; ++i) {
    for (const FieldSpec& f : OpSpecOf(i).fields) {
      EventBody body = DefaultBody(i);
      // A value that is no field's default.
      FieldValue v = 2;
      if (f.kind == FieldKind::kBool) v = f.default_text == "(true)" ? 0 : 1;
      if (f.kind == FieldKind::kFlags) v = kFlagZeroAlloc | kFlagDma;
      if (f.kind == FieldKind::kError || f.kind == FieldKind::kRet)
        v = static_cast<FieldValue>(int64_t{kENOSPC});
      if (f.kind == FieldKind::kSite) v = static_cast<FieldValue>(FaultSite::kBackupPage);
      if (f.kind == FieldKind::kError) std::get<FailEvent>(body).site = FaultSite::kBackupPage;
      f.set(body, v);
      std::optional<FieldValue> got = f.get(body);
      ASSERT_TRUE(got.has_value()) << OpNameByIndex(i) << "." << f.name;
      EXPECT_EQ(*got, v) << OpNameByIndex(i) << "." << f.name;
    }
  }
}

TEST(Vocabulary, AFailNamingItsSitesDefaultErrorWritesNoError) {
  EventBody body = DefaultBody(7);
  const FieldSpec* error = FindField(OpSpecOf(7), "error");
  std::get<FailEvent>(body).site = FaultSite::kDmaMap;
  error->set(body, static_cast<FieldValue>(int64_t{kEFAULT}));
  EXPECT_FALSE(error->get(body).has_value());
  EXPECT_EQ(FaultSiteErrors(FaultSite::kDmaMap).front(), kEFAULT);
  EXPECT_TRUE(FaultSiteErrors(FaultSite::kBackupHalf).empty());
}

}  // namespace
}  // namespace ttm::trace
