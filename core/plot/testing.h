// Test helpers for core/plot: synthetic timeline records, and an SVG
// document parsed by libxml2 and queried with XPath.
#ifndef TTM_CORE_PLOT_TESTING_H_
#define TTM_CORE_PLOT_TESTING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/plot/timeline_plot.h"
#include "core/plot/timeline_record.h"

namespace ttm::plot::testing {

TimelineHeader TestHeader();

// Record i (from 0) of a synthetic workload: 8 objects of 16 pages cycle
// through allocate, populate, shrink and free; global counts follow a
// sawtooth. Every `violation_every`-th record (0: none) reports a
// violation, every `failure_every`-th populate fails with ENOMEM.
TimelineRecord SyntheticRecord(uint64_t i, uint64_t violation_every = 0,
                               uint64_t failure_every = 0);
// The same in place, leaving r->violations alone: fast enough for tests of
// millions of records.
void FillSyntheticRecord(uint64_t i, uint64_t failure_every, TimelineRecord* r);

// The SVG of `n` synthetic records.
std::string SyntheticSvg(uint64_t n, uint64_t violation_every = 0, uint64_t failure_every = 0);

std::string Svg(const TimelinePlot& plot);

// An XML document; parse errors are kept as text.
class XmlDoc {
 public:
  explicit XmlDoc(const std::string& text);
  ~XmlDoc();
  XmlDoc(const XmlDoc&) = delete;
  XmlDoc& operator=(const XmlDoc&) = delete;

  bool ok() const { return doc_ != nullptr; }
  // libxml2's messages when the parse failed.
  const std::string& errors() const { return errors_; }
  // Elements or attributes matching `xpath` ("svg:" is the SVG namespace).
  int Count(const std::string& xpath) const;
  // Their string values, in document order.
  std::vector<std::string> Strings(const std::string& xpath) const;

 private:
  void* doc_ = nullptr;  // xmlDocPtr
  std::string errors_;
};

}  // namespace ttm::plot::testing

#endif  // TTM_CORE_PLOT_TESTING_H_
