#include "core/plot/testing.h"

#include <cstdarg>
#include <cstdio>
#include <sstream>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "core/plot/svg.h"

namespace ttm::plot::testing {

TimelineHeader TestHeader() {
  return TimelineHeader{1, std::string(64, 'a'), "v13"};
}

void FillSyntheticRecord(uint64_t i, uint64_t failure_every, TimelineRecord* r) {
  static const char* const kOps[] = {"allocate", "populate", "shrink", "free"};
  const int op = static_cast<int>(i % 4);
  const uint64_t round = i / 4;
  r->line = 2 + i;
  r->op = kOps[op];
  r->tt = round % 8;
  const bool failed = failure_every != 0 && op == 1 && round % failure_every == 0;
  r->ret.reset();
  if (op == 1) r->ret = failed ? -12 : 0;
  if (op == 2) r->ret = 16;
  r->object.reset();
  if (op != 3) {
    TimelineObject o;
    o.state = op == 0 || failed ? TtState::kUnpopulated
              : op == 1         ? TtState::kPopulated
                                : TtState::kBackedUp;
    o.resident = op == 1 && !failed ? 16 : 0;
    o.backed_up = op == 2 ? 16 : 0;
    o.empty = 16 - o.resident - o.backed_up;
    r->object = o;
  }
  r->system_used_pages = 100 + (i % 1000);
  r->pool_pages = (i * 7) % 300;
  r->backup_pages = (i % 50) * 2;
  r->live_tts = 1;
}

TimelineRecord SyntheticRecord(uint64_t i, uint64_t violation_every, uint64_t failure_every) {
  TimelineRecord r;
  FillSyntheticRecord(i, failure_every, &r);
  if (violation_every != 0 && i % violation_every == 0)
    r.violations = {"3.5.3 dma-unmap-once"};
  return r;
}

std::string Svg(const TimelinePlot& plot) {
  std::ostringstream out;
  WriteSvg(plot, out);
  return out.str();
}

std::string SyntheticSvg(uint64_t n, uint64_t violation_every, uint64_t failure_every) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r;
  for (uint64_t i = 0; i < n; ++i) {
    FillSyntheticRecord(i, failure_every, &r);
    r.violations.clear();
    if (violation_every != 0 && i % violation_every == 0)
      r.violations.push_back("3.5.3 dma-unmap-once");
    plot.Add(r);
  }
  return Svg(plot);
}

namespace {

void CollectError(void* ctx, const char* fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  *static_cast<std::string*>(ctx) += buf;
}

xmlXPathObjectPtr Eval(void* doc, const std::string& xpath) {
  xmlXPathContextPtr ctx = xmlXPathNewContext(static_cast<xmlDocPtr>(doc));
  xmlXPathRegisterNs(ctx, BAD_CAST "svg", BAD_CAST "http://www.w3.org/2000/svg");
  xmlXPathObjectPtr result = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx);
  xmlXPathFreeContext(ctx);
  return result;
}

}  // namespace

XmlDoc::XmlDoc(const std::string& text) {
  xmlSetGenericErrorFunc(&errors_, CollectError);
  doc_ = xmlReadMemory(text.data(), static_cast<int>(text.size()), "plot.svg", "UTF-8",
                       XML_PARSE_NONET);
  xmlSetGenericErrorFunc(nullptr, nullptr);
}

XmlDoc::~XmlDoc() {
  if (doc_) xmlFreeDoc(static_cast<xmlDocPtr>(doc_));
}

int XmlDoc::Count(const std::string& xpath) const {
  if (!doc_) return -1;
  xmlXPathObjectPtr result = Eval(doc_, xpath);
  if (!result) return -1;
  int n = result->nodesetval ? result->nodesetval->nodeNr : 0;
  xmlXPathFreeObject(result);
  return n;
}

std::vector<std::string> XmlDoc::Strings(const std::string& xpath) const {
  std::vector<std::string> out;
  if (!doc_) return out;
  xmlXPathObjectPtr result = Eval(doc_, xpath);
  if (!result) return out;
  if (result->nodesetval) {
    for (int i = 0; i < result->nodesetval->nodeNr; ++i) {
      xmlChar* s = xmlNodeGetContent(result->nodesetval->nodeTab[i]);
      out.emplace_back(s ? reinterpret_cast<const char*>(s) : "");
      xmlFree(s);
    }
  }
  xmlXPathFreeObject(result);
  return out;
}

}  // namespace ttm::plot::testing
