// The documentation against the code: a page that forgets an invariant, an
// op or a fault site, or a link that leads out of the repository (or
// nowhere), fails here rather than in front of a user.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/counters.h"
#include "core/engine/engine.h"
#include "core/event.h"
#include "core/trace/event_json.h"
#include "core/trace/vocabulary.h"

namespace ttm {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The table row of `key` in a markdown table: "| `key` | ... |".
std::string Row(const std::string& page, const std::string& key) {
  const size_t at = page.find("| `" + key + "` |");
  if (at == std::string::npos) return "";
  return page.substr(at, page.find('\n', at) - at);
}

TEST(InvariantCatalogue, ExplainsEveryInvariantTheCheckerCanReport) {
  const std::string page = Read("docs/invariants.md");
  for (int i = 0; i < kNumInvariants; ++i) {
    const std::string name(InvariantName(static_cast<Invariant>(i)));
    EXPECT_NE(page.find(name), std::string::npos) << name << " is not in docs/invariants.md";
  }
}

// Whether some row of the table of `section`'s fields ("| `section.x`
// ...") names `name` ("`section.name`", or "`name`" after the first).
bool HasCounterRow(const std::string& page, const std::string& section, std::string_view name) {
  const std::string row_start = "\n| `" + section + ".";
  for (size_t at = page.find(row_start); at != std::string::npos; at = page.find(row_start, at + 1)) {
    const std::string row = page.substr(at + 1, page.find('\n', at + 1) - at - 1);
    const std::string cell = row.substr(0, row.find(" | ", 2));
    if (cell.find("`" + section + "." + std::string(name) + "`") != std::string::npos ||
        cell.find("`" + std::string(name) + "`") != std::string::npos)
      return true;
  }
  return false;
}

template <typename Section, size_t N>
void ExpectCounterRows(const std::string& page, const std::string& section,
                       const CounterField<Section> (&fields)[N]) {
  for (const CounterField<Section>& f : fields)
    EXPECT_TRUE(HasCounterRow(page, section, f.name))
        << section << "." << f.name << " has no row in docs/report-format.md";
}

TEST(ReportFormat, DocumentsEveryCounter) {
  const std::string page = Read("docs/report-format.md");
  ExpectCounterRows(page, "memory", kMemoryCounterFields);
  ExpectCounterRows(page, "restore", kRestoreCounterFields);
  ExpectCounterRows(page, "backup", kBackupCounterFields);
  ExpectCounterRows(page, "pool", kPoolCounterFields);
  ExpectCounterRows(page, "integrity", kIntegrityCounterFields);
  // And the check can fail: a name no row has.
  EXPECT_FALSE(HasCounterRow(page, "pool", "no_such_counter"));
  EXPECT_FALSE(HasCounterRow(page, "backup", "hits"));
}

TEST(TraceFormat, DocumentsEveryOp) {
  const std::string page = Read("docs/trace-format.md");
  for (int i = 0; i < kNumOps; ++i) {
    const std::string op(OpNameByIndex(i));
    EXPECT_NE(Row(page, op), "") << "op " << op << " has no row in docs/trace-format.md";
  }
}

// The part of a page from `heading` to the next heading.
std::string Section(const std::string& page, const std::string& heading) {
  const size_t at = page.find("\n" + heading + "\n");
  if (at == std::string::npos) return "";
  const size_t end = page.find("\n#", at + heading.size() + 1);
  return page.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(TraceFormat, DocumentsEveryFieldOfEveryOpWithItsDefault) {
  const std::string page = Read("docs/trace-format.md");
  for (const trace::OpSpec& op : trace::Ops()) {
    // expect's fields have a section of their own.
    const std::string where = op.name == "expect" ? Section(page, "### `expect`")
                                                  : Row(page, std::string(op.name));
    ASSERT_NE(where, "") << op.name;
    for (const trace::FieldSpec& field : op.fields) {
      const std::string name = "`" + std::string(field.name) + "`";
      EXPECT_NE(where.find(name), std::string::npos)
          << op.name << ": field " << field.name << " is not in docs/trace-format.md";
      if (!field.default_text.empty()) {
        EXPECT_NE(where.find(name + " " + std::string(field.default_text)), std::string::npos)
            << op.name << ": docs/trace-format.md does not give " << field.name << " the default "
            << field.default_text;
      }
    }
  }
}

TEST(TraceFormat, DocumentsEveryConfigField) {
  const std::string page = Read("docs/trace-format.md");
  for (std::string_view field : trace::ConfigFields())
    EXPECT_NE(Row(page, std::string(field)), "") << "config." << field;
  for (std::string_view field : trace::HeaderFields())
    EXPECT_NE(Row(page, std::string(field)), "") << field;
}

TEST(TraceFormat, DocumentsEveryFaultSiteWithTheErrorsItMayRaise) {
  const std::string page = Read("docs/trace-format.md");
  for (int i = 0; i < kNumFaultSites; ++i) {
    const FaultSite site = static_cast<FaultSite>(i);
    const std::string row = Row(page, std::string(FaultSiteName(site)));
    ASSERT_NE(row, "") << FaultSiteName(site) << " has no row in docs/trace-format.md";
    for (Errno e : trace::FaultSiteErrors(site))
      EXPECT_NE(row.find("`" + ErrnoName(e) + "`"), std::string::npos)
          << FaultSiteName(site) << " row lacks " << ErrnoName(e);
  }
}

std::vector<std::string> Pages() {
  std::vector<std::string> pages = {"README.md"};
  for (const auto& entry : std::filesystem::directory_iterator("docs"))
    if (entry.path().extension() == ".md") pages.push_back(entry.path().string());
  return pages;
}

TEST(Docs, NothingPointsOutsideTheRepository) {
  for (const std::string& path : Pages()) {
    const std::string page = Read(path);
    // Spelt in pieces, so that this file is not itself a hit of the grep
    // that looks for such pointers.
    const std::string outside = std::string("../") + "shared";
    const std::string spec = std::string("shared") + "/spec";
    EXPECT_EQ(page.find(outside), std::string::npos) << path;
    EXPECT_EQ(page.find(spec), std::string::npos) << path;
  }
}

// The targets of the markdown links "](target)" of a page that name a .md
// file in the repository (no URL), without their "#anchor".
std::vector<std::string> PageLinks(const std::string& page) {
  std::vector<std::string> out;
  for (size_t at = page.find("]("); at != std::string::npos; at = page.find("](", at + 2)) {
    const size_t end = page.find(')', at + 2);
    if (end == std::string::npos) break;
    std::string target = page.substr(at + 2, end - at - 2);
    target = target.substr(0, target.find('#'));
    if (target.find(':') == std::string::npos && target.ends_with(".md")) out.push_back(target);
  }
  return out;
}

TEST(Docs, EveryLinkToAPageLeadsToOne) {
  int checked = 0;
  for (const std::string& path : Pages()) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    for (const std::string& link : PageLinks(Read(path))) {
      const std::filesystem::path target = (dir / link).lexically_normal();
      EXPECT_TRUE(std::filesystem::exists(target)) << path << " links to missing " << target;
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

TEST(Docs, TheIndexListsEveryPage) {
  const std::string index = Read("docs/README.md");
  for (const std::string& path : Pages()) {
    const std::string name = std::filesystem::path(path).filename().string();
    if (path == "README.md" || name == "README.md") continue;
    EXPECT_NE(index.find("](" + name + ")"), std::string::npos) << name << " is not in docs/README.md";
  }
}

}  // namespace
}  // namespace ttm
