// The plot as SVG text, written by hand: the picture is a few paths, lines
// and labels, and writing them needs no library.
//
// What it shows: over the events (x), the pages (y) used from the system,
// held by the pools, held by the backup store, and resident and backed up
// in live objects (see timeline_plot.h); violations and failed operations
// marked above the plot at their events, each mark with a <title> tooltip
// naming the trace line; an invisible rectangle over each column has a
// tooltip with its events, trace lines and the range of each series. Each
// column of the picture draws the first, last,
// smallest and largest value of its events, so a one-event spike survives
// in a picture of millions of events.
//
// Bounded: at most kPlotColumns columns, one mark per column and kind, and
// mark descriptions of bounded length keep the file well under 2 MB.
// Deterministic: no time, path or locale; coordinates with one decimal.
#ifndef TTM_CORE_PLOT_SVG_H_
#define TTM_CORE_PLOT_SVG_H_

#include <ostream>
#include <string>
#include <string_view>

#include "core/plot/timeline_plot.h"

namespace ttm::plot {

// Writes the whole document to `out`. The caller checks the stream.
void WriteSvg(const TimelinePlot& plot, std::ostream& out);

// Text escaped for XML character data and attribute values; characters
// XML 1.0 does not allow become '?'. Exposed for tests.
std::string XmlEscape(std::string_view text);

}  // namespace ttm::plot

#endif  // TTM_CORE_PLOT_SVG_H_
