#include "core/plot/svg.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/plot/scale.h"

namespace ttm::plot {
namespace {

// Layout, in pixels. The plot area is kPlotColumns wide, so a column of the
// downsampler is at least one pixel.
constexpr int kWidth = 1100;
constexpr int kHeight = 620;
constexpr int kLeft = 90;
constexpr int kRight = kLeft + static_cast<int>(kPlotColumns);
constexpr int kTop = 110;
constexpr int kBottom = 470;
constexpr int kViolationRow = 94;  // y of the violation marks' tips
constexpr int kFailureRow = 74;    // y of the failure marks' centres
constexpr int kMaxYTicks = 6;
constexpr int kMaxXTicks = 10;

struct SeriesStyle {
  const char* id;
  const char* label;
  const char* colour;  // Okabe-Ito colours, distinguishable with colour blindness
  const char* dash;    // "" for a solid line
};
constexpr std::array<SeriesStyle, kNumSeries> kSeries = {{
    {"system_used_pages", "used from the system", "#0072B2", ""},
    {"pool_pages", "held by the pools", "#E69F00", ""},
    {"backup_pages", "held by the backup store", "#009E73", ""},
    {"resident_pages", "resident in live objects", "#CC79A7", ""},
    {"backed_up_pages", "backed up in live objects", "#56B4E9", "6 3"},
}};

constexpr const char* kViolationColour = "#D55E00";
constexpr const char* kFailureColour = "#333333";

class Canvas {
 public:
  Canvas(uint64_t events, uint64_t y_top) : events_(events ? events : 1), y_top_(y_top) {}
  // x of the boundary after `event` events.
  double X(uint64_t event) const {
    return kLeft + (kRight - kLeft) * (static_cast<double>(event) / static_cast<double>(events_));
  }
  double Y(uint64_t pages) const {
    return kBottom -
           (kBottom - kTop) * (static_cast<double>(pages) / static_cast<double>(y_top_));
  }

 private:
  uint64_t events_;
  uint64_t y_top_;
};

std::string Num(double v) { return FormatCoord(v); }

// A path through points, leaving out repeats.
class PathData {
 public:
  void To(double x, double y) {
    std::string px = Num(x), py = Num(y);
    if (!d_.empty() && px == last_x_ && py == last_y_) return;
    d_ += d_.empty() ? "M" : "L";
    d_ += px + " " + py;
    last_x_ = std::move(px);
    last_y_ = std::move(py);
  }
  const std::string& d() const { return d_; }

 private:
  std::string d_, last_x_, last_y_;
};

std::string SeriesPath(const TimelinePlot& plot, const Canvas& canvas, int series) {
  PathData path;
  for (const Column& c : plot.columns().columns()) {
    const Envelope& e = c.series[series];
    const double x0 = canvas.X(c.first_event);
    const double x1 = canvas.X(c.first_event + c.events);
    path.To(x0, canvas.Y(e.first));
    if (c.events > 1) {
      const double xm = (x0 + x1) / 2;
      path.To(xm, canvas.Y(e.min_first ? e.min : e.max));
      path.To(xm, canvas.Y(e.min_first ? e.max : e.min));
    }
    path.To(x1, canvas.Y(e.last));
  }
  return path.d();
}

std::string MarkTitle(const Marks& m, MarkKind kind) {
  if (m.count == 1) return m.detail;
  std::string s = FormatCount(m.count) +
                  (kind == MarkKind::kViolation ? " violations at " : " failed operations at ");
  if (m.first_line == m.last_line) return s + m.detail;
  return s + "trace lines " + FormatCount(m.first_line) + "-" + FormatCount(m.last_line) +
         "; the first at " + m.detail;
}

void WriteMarks(const TimelinePlot& plot, const Canvas& canvas, MarkKind kind,
                std::ostream& out) {
  const int k = static_cast<int>(kind);
  const bool violation = kind == MarkKind::kViolation;
  out << "<g id=\"" << (violation ? "violations" : "failures") << "\" fill=\""
      << (violation ? kViolationColour : kFailureColour) << "\">\n";
  for (const Column& c : plot.columns().columns()) {
    const Marks& m = c.marks[k];
    if (m.count == 0) continue;
    const std::string x = Num((canvas.X(c.first_event) + canvas.X(c.first_event + c.events)) / 2);
    if (violation) {
      // A faint line down through the plot, and a triangle pointing at it.
      out << "<line x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\""
          << kBottom << "\" stroke=\"" << kViolationColour
          << "\" stroke-opacity=\"0.3\"/>";
      out << "<path d=\"M" << x << " " << kViolationRow << "l-5 -10h10z\"><title>"
          << XmlEscape(MarkTitle(m, kind)) << "</title></path>\n";
    } else {
      out << "<path d=\"M" << x << " " << (kFailureRow - 5) << "l5 5l-5 5l-5 -5z\"><title>"
          << XmlEscape(MarkTitle(m, kind)) << "</title></path>\n";
    }
  }
  out << "</g>\n";
}

std::string Range(uint64_t lo, uint64_t hi) {
  return lo == hi ? FormatCount(lo) : FormatCount(lo) + "-" + FormatCount(hi);
}

// What a column holds, for its tooltip: its events, their trace lines and
// each series' range.
std::string ColumnTitle(const Column& c) {
  static constexpr const char* kShort[kNumSeries] = {"system", "pools", "backup store",
                                                     "resident", "backed up"};
  std::string s = (c.events == 1 ? "event " : "events ") +
                  Range(c.first_event + 1, c.first_event + c.events) +
                  (c.events == 1 ? " (trace line " : " (trace lines ") +
                  Range(c.first_line, c.last_line) + "): pages";
  for (int i = 0; i < kNumSeries; ++i)
    s += std::string(i ? ", " : " ") + kShort[i] + " " + Range(c.series[i].min, c.series[i].max);
  return s;
}

// An invisible rectangle over each column whose tooltip says what it
// holds, so any spike can be traced back to its trace lines.
void WriteColumnTips(const TimelinePlot& plot, const Canvas& canvas, std::ostream& out) {
  out << "<g id=\"columns\" fill=\"#000000\" fill-opacity=\"0\">\n";
  for (const Column& c : plot.columns().columns()) {
    const double x0 = canvas.X(c.first_event);
    const double x1 = canvas.X(c.first_event + c.events);
    out << "<rect x=\"" << Num(x0) << "\" y=\"" << kTop << "\" width=\"" << Num(x1 - x0)
        << "\" height=\"" << kBottom - kTop << "\"><title>" << XmlEscape(ColumnTitle(c))
        << "</title></rect>\n";
  }
  out << "</g>\n";
}

void WriteText(std::ostream& out, double x, double y, std::string_view anchor,
               std::string_view text, std::string_view extra = "") {
  out << "<text x=\"" << Num(x) << "\" y=\"" << Num(y) << "\"";
  if (anchor != "start") out << " text-anchor=\"" << anchor << "\"";
  if (!extra.empty()) out << " " << extra;
  out << ">" << XmlEscape(text) << "</text>\n";
}

void WriteAxes(const TimelinePlot& plot, const Canvas& canvas, const Ticks& y,
               const Ticks& x, std::ostream& out) {
  out << "<g id=\"grid\" stroke=\"#e6e6e6\">\n";
  for (uint64_t v = y.step; v <= y.top; v += y.step)
    out << "<line x1=\"" << kLeft << "\" y1=\"" << Num(canvas.Y(v)) << "\" x2=\"" << kRight
        << "\" y2=\"" << Num(canvas.Y(v)) << "\"/>\n";
  out << "</g>\n";
  out << "<g id=\"axes\" stroke=\"#000000\">\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kBottom << "\" x2=\"" << kRight << "\" y2=\""
      << kBottom << "\"/>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\""
      << kBottom << "\"/>\n";
  for (uint64_t v = 0; v <= y.top; v += y.step)
    out << "<line x1=\"" << kLeft - 5 << "\" y1=\"" << Num(canvas.Y(v)) << "\" x2=\"" << kLeft
        << "\" y2=\"" << Num(canvas.Y(v)) << "\"/>\n";
  for (uint64_t v = 0; v <= x.top; v += x.step)
    out << "<line x1=\"" << Num(canvas.X(v)) << "\" y1=\"" << kBottom << "\" x2=\""
        << Num(canvas.X(v)) << "\" y2=\"" << kBottom + 5 << "\"/>\n";
  out << "</g>\n<g id=\"tick-labels\">\n";
  for (uint64_t v = 0; v <= y.top; v += y.step)
    WriteText(out, kLeft - 8, canvas.Y(v) + 4, "end", FormatTick(v));
  for (uint64_t v = 0; v <= x.top; v += x.step)
    WriteText(out, canvas.X(v), kBottom + 20, "middle", FormatTick(v));
  out << "</g>\n";

  WriteText(out, 24, (kTop + kBottom) / 2.0, "middle", "pages",
            "transform=\"rotate(-90 24 " + Num((kTop + kBottom) / 2.0) + ")\"");
  std::string x_title = "events";
  const std::vector<Column>& columns = plot.columns().columns();
  if (!columns.empty()) {
    x_title += " (trace lines " + FormatCount(columns.front().first_line) + " to " +
               FormatCount(columns.back().last_line);
    const uint64_t per_column = plot.columns().events_per_column();
    if (per_column > 1)
      x_title += "; " + FormatCount(per_column) +
                 " events per column, each drawn by its first, smallest, largest and last value";
    x_title += ")";
  }
  WriteText(out, (kLeft + kRight) / 2.0, kBottom + 42, "middle", x_title);
  WriteText(out, kLeft - 8, kViolationRow - 2, "end", "violations",
            std::string("fill=\"") + kViolationColour + "\"");
  WriteText(out, kLeft - 8, kFailureRow + 4, "end", "failed ops", 
            std::string("fill=\"") + kFailureColour + "\"");
}

void WriteLegend(const TimelinePlot& plot, std::ostream& out) {
  out << "<g id=\"legend\">\n";
  double x = kLeft;
  const double row1 = kBottom + 75;
  for (const SeriesStyle& s : kSeries) {
    out << "<line x1=\"" << Num(x) << "\" y1=\"" << Num(row1 - 4) << "\" x2=\"" << Num(x + 24)
        << "\" y2=\"" << Num(row1 - 4) << "\" stroke=\"" << s.colour << "\" stroke-width=\"2\"";
    if (*s.dash) out << " stroke-dasharray=\"" << s.dash << "\"";
    out << "/>\n";
    WriteText(out, x + 30, row1, "start", s.label);
    x += 30 + 7.0 * std::string_view(s.label).size() + 20;
  }
  const double row2 = row1 + 24;
  out << "<path d=\"M" << kLeft + 12 << " " << Num(row2) << "l-5 -10h10z\" fill=\""
      << kViolationColour << "\"/>\n";
  const std::string violations = "violation (" +
                                 FormatCount(plot.mark_total(MarkKind::kViolation)) + " in all)";
  WriteText(out, kLeft + 30, row2, "start", violations);
  const double x2 = kLeft + 30 + 7.0 * violations.size() + 20;
  out << "<path d=\"M" << Num(x2 + 12) << " " << Num(row2 - 10) << "l5 5l-5 5l-5 -5z\" fill=\""
      << kFailureColour << "\"/>\n";
  WriteText(out, x2 + 30, row2,
            "start", "failed operation: populate or shrink with ret < 0, injected faults included (" +
                         FormatCount(plot.mark_total(MarkKind::kFailure)) + " in all)");
  WriteText(out, kLeft, row2 + 24, "start",
            "Object pages: the sum over live objects of the resident and backed-up pages each "
            "had at its last timeline line. Hover over the plot or a mark for trace lines.",
            "fill=\"#555555\" font-size=\"11\"");
  out << "</g>\n";
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        out += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F ? '?' : ch;
    }
  }
  return out;
}

void WriteSvg(const TimelinePlot& plot, std::ostream& out) {
  const Ticks y = NiceTicks(plot.max_value(), kMaxYTicks);
  // The x axis ends at the last event, so the data fill the width; ticks
  // stop at the last multiple of the step.
  const Ticks x{NiceTicks(plot.events(), kMaxXTicks).step, plot.events()};
  const Canvas canvas(plot.events(), y.top);

  const TimelineHeader& h = plot.header();
  const std::string title = "ttm-replay: pages over " + FormatCount(plot.events()) +
                            (plot.events() == 1 ? " event" : " events");
  const std::string subtitle = "semantics " + h.semantics + ", trace sha256 " +
                               h.trace_sha256.substr(0, 16) + (h.trace_sha256.size() > 16 ? "..." : "");

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\""
      << kHeight << "\" viewBox=\"0 0 " << kWidth << " " << kHeight
      << "\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"12\">\n"
      << "<title>" << XmlEscape(title) << "</title>\n"
      << "<rect width=\"" << kWidth << "\" height=\"" << kHeight << "\" fill=\"#ffffff\"/>\n";
  WriteText(out, kLeft, 28, "start", title, "font-size=\"16\" font-weight=\"bold\"");
  WriteText(out, kLeft, 48, "start", subtitle, "fill=\"#555555\"");

  WriteAxes(plot, canvas, y, x, out);
  if (plot.events() == 0) {
    WriteText(out, (kLeft + kRight) / 2.0, (kTop + kBottom) / 2.0, "middle",
              "no events in this timeline", "fill=\"#555555\"");
  } else {
    out << "<g id=\"series\" fill=\"none\" stroke-width=\"1.5\" stroke-linejoin=\"round\">\n";
    for (int i = kNumSeries - 1; i >= 0; --i) {  // the system's pages on top
      const SeriesStyle& s = kSeries[i];
      out << "<path id=\"" << s.id << "\" stroke=\"" << s.colour << "\"";
      if (*s.dash) out << " stroke-dasharray=\"" << s.dash << "\"";
      out << " d=\"" << SeriesPath(plot, canvas, i) << "\"><title>" << XmlEscape(s.label)
          << "</title></path>\n";
    }
    out << "</g>\n";
    WriteColumnTips(plot, canvas, out);
    WriteMarks(plot, canvas, MarkKind::kFailure, out);
    WriteMarks(plot, canvas, MarkKind::kViolation, out);
  }
  WriteLegend(plot, out);
  out << "</svg>\n";
}

}  // namespace ttm::plot
