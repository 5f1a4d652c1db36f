// The SVG drawn by a real renderer: rsvg-convert (librsvg, from Debian's
// librsvg2-bin) must accept the file, and the PNG it makes (decoded with
// libpng) must show the plot: many pixels that are not background, and the
// colours of the lines and marks.
#include <gtest/gtest.h>

#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/plot/svg.h"
#include "core/plot/testing.h"

namespace ttm::plot {
namespace {

struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint32_t> rgb;  // 0xRRGGBB, alpha composited over white
};

// Kept with the test's outputs (bazel-testlogs/.../test.outputs) to look at.
std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  if (!dir) dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// Decodes a PNG file into RGB over white; an empty image on error.
Image ReadPng(const std::string& path) {
  Image image;
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) return image;
  png.format = PNG_FORMAT_RGB;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(png));
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&png, &white, pixels.data(), 0, nullptr)) return image;
  image.width = png.width;
  image.height = png.height;
  for (size_t i = 0; i + 2 < pixels.size(); i += 3)
    image.rgb.push_back(uint32_t{pixels[i]} << 16 | uint32_t{pixels[i + 1]} << 8 | pixels[i + 2]);
  return image;
}

// Renders `svg` with rsvg-convert; the PNG, or a failed expectation.
Image Render(const std::string& svg, const std::string& name) {
  const std::string svg_path = TempPath(name + ".svg");
  const std::string png_path = TempPath(name + ".png");
  std::ofstream(svg_path, std::ios::binary) << svg;
  const std::string command = "rsvg-convert --background-color=white -o '" + png_path + "' '" +
                              svg_path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buf[256];
  while (pipe && std::fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = pipe ? pclose(pipe) : -1;
  EXPECT_EQ(status, 0) << "rsvg-convert (Debian package librsvg2-bin, see tools/setup) "
                          "failed: "
                       << output;
  EXPECT_EQ(output, "") << "rsvg-convert warned";
  return ReadPng(png_path);
}

// Pixels close to `rgb` (anti-aliasing blends line colours with white).
size_t PixelsNear(const Image& image, uint32_t rgb) {
  auto channel = [](uint32_t c, int shift) { return static_cast<int>((c >> shift) & 0xFF); };
  size_t n = 0;
  for (uint32_t p : image.rgb) {
    int d = 0;
    for (int shift : {0, 8, 16}) d += std::abs(channel(p, shift) - channel(rgb, shift));
    if (d <= 24) ++n;
  }
  return n;
}

// `lines_apart`: the data keep every line visible, so each colour shows.
void ExpectAPicture(const Image& image, bool lines_apart = true) {
  ASSERT_EQ(image.width, 1100u);
  ASSERT_EQ(image.height, 620u);
  size_t not_white = 0;
  std::set<uint32_t> colours;
  for (uint32_t p : image.rgb) {
    if (p != 0xFFFFFF) ++not_white;
    colours.insert(p);
  }
  // Text, axes, five lines and marks: far from blank.
  EXPECT_GT(not_white, image.rgb.size() / 50) << "the picture is nearly blank";
  EXPECT_GT(colours.size(), 50u);
  EXPECT_GT(PixelsNear(image, 0xD55E00), 20u) << "the violation marks are missing";
  if (!lines_apart) return;
  EXPECT_GT(PixelsNear(image, 0x0072B2), 200u) << "the system's line is missing";
  EXPECT_GT(PixelsNear(image, 0xE69F00), 200u) << "the pools' line is missing";
  EXPECT_GT(PixelsNear(image, 0x009E73), 200u) << "the backup store's line is missing";
  EXPECT_GT(PixelsNear(image, 0xCC79A7), 200u) << "the resident pages' line is missing";
}

// 0 .. 1 .. 0 as x goes 0 .. 0.5 .. 1, repeating.
double Triangle(double x) {
  x -= static_cast<long>(x);
  return x < 0.5 ? 2 * x : 2 - 2 * x;
}

// n events of one object whose pages move slowly, so that the lines are
// apart and each can be found by its colour; a violation every n / 7 events
// and a failed shrink every n / 5.
std::string SlowSvg(uint64_t n) {
  TimelinePlot plot(testing::TestHeader());
  TimelineRecord r;
  r.op = "shrink";
  r.tt = 1;
  for (uint64_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(n);
    TimelineObject o;
    o.resident = static_cast<uint64_t>(300 * Triangle(2 * t));
    o.backed_up = 300 - o.resident;
    r.object = o;
    r.line = i + 2;
    r.backup_pages = o.backed_up + static_cast<uint64_t>(200 * Triangle(t));
    r.pool_pages = static_cast<uint64_t>(250 * Triangle(3 * t + 0.25));
    r.system_used_pages = 600 + o.resident + r.pool_pages;
    r.ret = i % (n / 5) == n / 10 ? -16 : 4;
    r.violations.clear();
    if (i % (n / 7) == n / 14) r.violations.push_back("3.5.3 dma-unmap-once");
    plot.Add(r);
  }
  return testing::Svg(plot);
}

TEST(SvgRender, AFiftyEventPlotRendersAsAPictureWithItsLinesAndMarks) {
  ExpectAPicture(Render(SlowSvg(50), "fifty"));
}

TEST(SvgRender, AMillionEventPlotRendersAsAPictureWithItsLinesAndMarks) {
  ExpectAPicture(Render(SlowSvg(1000000), "million"));
}

TEST(SvgRender, ASyntheticWorkloadWithMarksEverywhereRenders) {
  ExpectAPicture(Render(testing::SyntheticSvg(100000, 5, 3), "busy"), /*lines_apart=*/false);
}

TEST(SvgRender, AnEmptyPlotStillRendersItsAxesAndText) {
  TimelinePlot plot(testing::TestHeader());
  Image image = Render(testing::Svg(plot), "empty");
  ASSERT_EQ(image.rgb.size(), 1100u * 620u);
  size_t not_white = 0;
  for (uint32_t p : image.rgb) not_white += p != 0xFFFFFF;
  EXPECT_GT(not_white, 1000u);
}

}  // namespace
}  // namespace ttm::plot
