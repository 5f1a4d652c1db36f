#include "cli/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace ttm::cli {
namespace {

using Clock = Progress::Clock;
using std::chrono::milliseconds;

// A clock the test moves by hand.
struct FakeClock {
  Clock::time_point t{};
  std::function<Clock::time_point()> Fn() {
    return [this] { return t; };
  }
};

TEST(Progress, TheFirstLineAppearsWithinASecondEvenAfterFewEvents) {
  FakeClock clock;
  std::ostringstream err;
  Progress progress(true, err, clock.Fn());
  clock.t += milliseconds(100);
  progress.Update(3, 0, std::nullopt);
  EXPECT_EQ(err.str(), "");
  clock.t += milliseconds(900);
  progress.Update(7, 0, std::nullopt);  // seven slow events in a second
  EXPECT_NE(err.str().find("7 events"), std::string::npos) << err.str();
}

TEST(Progress, LinesFollowAtASteadyIntervalNotOnEveryEvent) {
  FakeClock clock;
  std::ostringstream err;
  Progress progress(true, err, clock.Fn());
  int lines = 0;
  for (int ms = 1; ms <= 5000; ++ms) {  // one event per millisecond for 5 s
    clock.t += milliseconds(1);
    const size_t before = err.str().size();
    progress.Update(ms, 0, std::nullopt);
    lines += err.str().size() != before;
  }
  // 5 s at one line per kProgressInterval after the first.
  EXPECT_GE(lines, 8);
  EXPECT_LE(lines, 11);
}

TEST(Progress, ALineShowsHowMuchOfAKnownSizeWasRead) {
  FakeClock clock;
  std::ostringstream err;
  Progress progress(true, err, clock.Fn());
  clock.t += milliseconds(2000);
  progress.Update(1000, 2500000, 10000000);
  EXPECT_NE(err.str().find("1000 events, 500 events/s, 2.5 of 10.0 MB read (25%)"),
            std::string::npos)
      << err.str();
}

TEST(Progress, ASmallFileIsMeasuredInKilobytes) {
  FakeClock clock;
  std::ostringstream err;
  Progress progress(true, err, clock.Fn());
  clock.t += milliseconds(1000);
  progress.Update(10, 20000, 40000);
  EXPECT_NE(err.str().find(", 20 of 40 kB read (50%)"), std::string::npos) << err.str();
}

TEST(Progress, ClearErasesTheLineOnlyWhenOneWasShown) {
  FakeClock clock;
  std::ostringstream err;
  Progress progress(true, err, clock.Fn());
  progress.Clear();
  EXPECT_EQ(err.str(), "");
  clock.t += milliseconds(1000);
  progress.Update(1, 0, std::nullopt);
  progress.Clear();
  EXPECT_EQ(err.str().substr(err.str().size() - 4), "\r\033[K");
}

TEST(Progress, ADisabledProgressPrintsNothing) {
  FakeClock clock;
  std::ostringstream err;
  Progress progress(false, err, clock.Fn());
  clock.t += milliseconds(5000);
  progress.Update(1, 0, std::nullopt);
  progress.Clear();
  EXPECT_EQ(err.str(), "");
}

}  // namespace
}  // namespace ttm::cli
