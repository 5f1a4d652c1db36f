#include "core/plot/svg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "core/plot/testing.h"

namespace ttm::plot {
namespace {

using testing::Svg;
using testing::SyntheticRecord;
using testing::SyntheticSvg;
using testing::TestHeader;
using testing::XmlDoc;

constexpr size_t kTwoMegabytes = 2 * 1000 * 1000;

TEST(Svg, AFiftyEventPlotIsWellFormedSvgWithEverySeriesAxesAndALegend) {
  const std::string svg = SyntheticSvg(50, 7, 3);
  XmlDoc doc(svg);
  ASSERT_TRUE(doc.ok()) << doc.errors();
  EXPECT_EQ(doc.Count("/svg:svg"), 1);
  EXPECT_EQ(doc.Count("/svg:svg/svg:title"), 1);
  for (const char* id : {"system_used_pages", "pool_pages", "backup_pages", "resident_pages",
                         "backed_up_pages"}) {
    EXPECT_EQ(doc.Count(std::string("//svg:path[@id='") + id + "']"), 1) << id;
  }
  std::vector<std::string> texts = doc.Strings("//svg:text");
  auto has = [&](const std::string& s) {
    return std::find(texts.begin(), texts.end(), s) != texts.end();
  };
  EXPECT_TRUE(has("pages"));
  EXPECT_TRUE(has("events (trace lines 2 to 51)"));
  for (const char* label : {"used from the system", "held by the pools",
                            "held by the backup store", "resident in live objects",
                            "backed up in live objects"})
    EXPECT_TRUE(has(label)) << label;
  EXPECT_TRUE(has("violation (8 in all)"));
  EXPECT_TRUE(has("ttm-replay: pages over 50 events"));
}

TEST(Svg, EveryMarkCarriesATooltipNamingItsTraceLine) {
  XmlDoc doc(SyntheticSvg(50, 7, 3));
  ASSERT_TRUE(doc.ok()) << doc.errors();
  // Events 0, 7, ..., 49: eight violations, one event per column.
  std::vector<std::string> titles = doc.Strings("//svg:g[@id='violations']/svg:path/svg:title");
  ASSERT_EQ(titles.size(), 8u);
  EXPECT_EQ(titles[0], "trace line 2: allocate tt 0: 3.5.3 dma-unmap-once");
  EXPECT_EQ(titles[1], "trace line 9: free tt 1: 3.5.3 dma-unmap-once");
  // Populates of rounds 0, 3, 6, 9, 12 fail (events 1, 13, 25, 37, 49).
  std::vector<std::string> failures = doc.Strings("//svg:g[@id='failures']/svg:path/svg:title");
  ASSERT_EQ(failures.size(), 5u);
  EXPECT_EQ(failures[1], "trace line 15: populate tt 3 returned ENOMEM (-12)");
}

TEST(Svg, EachColumnHasATooltipWithItsEventsTraceLinesAndRanges) {
  XmlDoc doc(SyntheticSvg(50));
  ASSERT_TRUE(doc.ok()) << doc.errors();
  std::vector<std::string> tips = doc.Strings("//svg:g[@id='columns']/svg:rect/svg:title");
  ASSERT_EQ(tips.size(), 50u);
  EXPECT_EQ(tips[1],
            "event 2 (trace line 3): pages system 101, pools 7, backup store 2, resident 16, "
            "backed up 0");
  XmlDoc big(SyntheticSvg(4000));
  tips = big.Strings("//svg:g[@id='columns']/svg:rect/svg:title");
  ASSERT_EQ(tips.size(), 500u);  // 4,000 events, 8 per column
  EXPECT_EQ(tips[0],
            "events 1-8 (trace lines 2-9): pages system 100-107, pools 0-49, "
            "backup store 0-14, resident 0-16, backed up 0-16");
}

TEST(Svg, MarksAreCappedAtOnePerColumnWithTheCountInTheTooltip) {
  const std::string svg = SyntheticSvg(100000, 1, 1);
  XmlDoc doc(svg);
  ASSERT_TRUE(doc.ok()) << doc.errors();
  const int violations = doc.Count("//svg:g[@id='violations']/svg:path");
  EXPECT_GT(violations, static_cast<int>(kPlotColumns) / 2);
  EXPECT_LE(violations, static_cast<int>(kPlotColumns));
  std::vector<std::string> titles = doc.Strings("//svg:g[@id='violations']/svg:path/svg:title");
  // 100,000 events in 782 columns of 128 events: the first holds lines 2..129.
  EXPECT_EQ(titles[0],
            "128 violations at trace lines 2-129; the first at trace line 2: allocate tt 0: "
            "3.5.3 dma-unmap-once");
  EXPECT_LE(doc.Count("//svg:g[@id='failures']/svg:path"), static_cast<int>(kPlotColumns));
}

TEST(Svg, SeveralViolationsAtOneEventAreOneMarkCountingThem) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r = SyntheticRecord(0);
  r.violations = {"3.5.3 dma-unmap-once", "3.1 page-accounting"};
  plot.Add(r);
  XmlDoc doc(Svg(plot));
  ASSERT_TRUE(doc.ok()) << doc.errors();
  EXPECT_EQ(doc.Strings("//svg:g[@id='violations']/svg:path/svg:title"),
            std::vector<std::string>{"2 violations at trace line 2: allocate tt 0: "
                                     "3.5.3 dma-unmap-once, 3.1 page-accounting"});
}

// The worst case for size: 960 * 2,048 events fill every column, and each
// column carries both kinds of mark with the longest description.
TEST(Svg, TwoMillionEventsWithAMarkOnEachStayUnderTwoMegabytesAndWellFormed) {
  const uint64_t events = kPlotColumns * 2048;
  TimelinePlot plot(TestHeader());
  TimelineRecord r;
  r.violations.assign(20, std::string(60, 'v'));  // long, to stress the cap
  for (uint64_t i = 0; i < events; ++i) {
    testing::FillSyntheticRecord(i, 1, &r);
    plot.Add(r);
  }
  const std::string svg = Svg(plot);
  EXPECT_LT(svg.size(), kTwoMegabytes);
  XmlDoc doc(svg);
  ASSERT_TRUE(doc.ok()) << doc.errors();
  EXPECT_TRUE(svg.find("2,048 events per column") != std::string::npos);
  EXPECT_EQ(doc.Count("//svg:g[@id='violations']/svg:path"), static_cast<int>(kPlotColumns));
  EXPECT_EQ(doc.Count("//svg:g[@id='failures']/svg:path"), static_cast<int>(kPlotColumns));
  EXPECT_TRUE(svg.find("violation (39,321,600 in all)") != std::string::npos);
  std::cout << "SVG of " << events << " events with marks everywhere: " << svg.size()
            << " bytes\n";
}

TEST(Svg, AOneEventSpikeAmongAMillionEventsReachesTheTopOfThePlot) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r;
  r.op = "pool_shrink";
  for (uint64_t i = 0; i < 1000000; ++i) {
    r.line = i + 2;
    r.system_used_pages = i == 654321 ? 1000 : 10;
    plot.Add(r);
  }
  XmlDoc doc(Svg(plot));
  ASSERT_TRUE(doc.ok()) << doc.errors();
  std::vector<std::string> d = doc.Strings("//svg:path[@id='system_used_pages']/@d");
  ASSERT_EQ(d.size(), 1u);
  // The y axis ends at 1,000 pages, drawn at y = 110 (the plot's top).
  EXPECT_NE(d[0].find(" 110.0"), std::string::npos);
  std::vector<std::string> ticks = doc.Strings("//svg:g[@id='tick-labels']/svg:text");
  EXPECT_NE(std::find(ticks.begin(), ticks.end(), "1k"), ticks.end());
}

TEST(Svg, TheSameRecordsGiveTheSameBytes) {
  EXPECT_EQ(SyntheticSvg(3000, 11, 7), SyntheticSvg(3000, 11, 7));
}

TEST(Svg, TextFromTheTimelineIsEscaped) {
  TimelineHeader header = TestHeader();
  header.semantics = "<v13 & \"more\">";
  TimelinePlot plot(header);
  TimelineRecord r = SyntheticRecord(0);
  r.violations = {"a<b>&'c'\x01"};
  plot.Add(r);
  const std::string svg = Svg(plot);
  XmlDoc doc(svg);
  ASSERT_TRUE(doc.ok()) << doc.errors();
  std::vector<std::string> titles = doc.Strings("//svg:g[@id='violations']/svg:path/svg:title");
  ASSERT_EQ(titles.size(), 1u);
  EXPECT_EQ(titles[0], "trace line 2: allocate tt 0: a<b>&'c'?");
  std::vector<std::string> texts = doc.Strings("//svg:text");
  EXPECT_NE(std::find_if(texts.begin(), texts.end(),
                         [](const std::string& t) {
                           return t.find("semantics <v13 & \"more\">") == 0;
                         }),
            texts.end());
}

TEST(Svg, AnEmptyTimelineDrawsTheAxesAndSaysSo) {
  TimelinePlot plot(TestHeader());
  XmlDoc doc(Svg(plot));
  ASSERT_TRUE(doc.ok()) << doc.errors();
  EXPECT_EQ(doc.Count("//svg:text[.='no events in this timeline']"), 1);
  EXPECT_EQ(doc.Count("//svg:g[@id='series']"), 0);
  EXPECT_EQ(doc.Count("//svg:g[@id='axes']"), 1);
}

TEST(Svg, YTicksAreNiceAndCoverTheLargestValue) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r = SyntheticRecord(0);
  r.system_used_pages = 1234;
  plot.Add(r);
  XmlDoc doc(Svg(plot));
  ASSERT_TRUE(doc.ok()) << doc.errors();
  std::vector<std::string> ticks = doc.Strings("//svg:g[@id='tick-labels']/svg:text");
  // y: 0 to 1,500 in steps of 500 (at most six steps); x: one event.
  std::vector<std::string> expected = {"0", "500", "1k", "1.5k", "0", "1"};
  EXPECT_EQ(ticks, expected);
}

TEST(XmlEscape, EscapesMarkupAndReplacesCharactersXmlForbids) {
  EXPECT_EQ(XmlEscape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  EXPECT_EQ(XmlEscape(std::string("x\0y\x1f\x7f\tz", 7)), "x?y??\tz");
  EXPECT_EQ(XmlEscape("caf\xC3\xA9"), "caf\xC3\xA9");
}

}  // namespace
}  // namespace ttm::plot
