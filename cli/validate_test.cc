#include "cli/validate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

// What RunValidate printed itself, and what it returned: an exit status, or
// an error that main prints as "ttm-replay: MESSAGE" and exits with.
struct Captured {
  int status = -1;  // the exit status, also when the command returned an error
  Status error;     // ok when the command returned an exit status
  std::string out, err;
};

Captured Validate(const std::string& path, bool strict = false, bool all_errors = false) {
  std::ostringstream out, err;
  Result<int> r = RunValidate(
      ValidateOptions{.trace = path, .strict = strict, .all_errors = all_errors}, Io{out, err});
  Captured c;
  c.out = out.str();
  c.err = err.str();
  if (r.ok()) {
    c.status = *r;
  } else {
    c.error = r.status();
    c.status = ExitStatusOf(c.error);
  }
  return c;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Validate, AValidTraceReportsItsEventCountOnStdout) {
  Captured c = Validate("traces/examples/contract-example.jsonl");
  EXPECT_TRUE(c.error.ok());
  EXPECT_EQ(c.status, kExitOk);
  EXPECT_EQ(c.out, "traces/examples/contract-example.jsonl: valid, 15 events\n");
  EXPECT_EQ(c.err, "");
}

TEST(Validate, ACompressedTraceIsValidatedLikeThePlainOne) {
  Captured c = Validate("traces/examples/contract-example.jsonl.zst");
  EXPECT_EQ(c.status, kExitOk);
  EXPECT_EQ(c.out, "traces/examples/contract-example.jsonl.zst: valid, 15 events\n");
}

TEST(Validate, AnInvalidTraceReturnsItsFirstErrorForMainToPrintAndPrintsNothingItself) {
  std::string path = WriteTemp("bad.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1}\n"
                               "{\"op\":\"shrink\",\"tt\":7}\n"
                               "{\"op\":\"free\",\"tt\":8}\n");
  Captured c = Validate(path);
  EXPECT_EQ(c.error.code(), Status::Code::kInvalidInput);
  EXPECT_EQ(c.error.message(), path + ":2: shrink: tt 7 is not live");
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.out, "");
  EXPECT_EQ(c.err, "");
}

TEST(Validate, StrictRejectsAnUnknownFieldThatTheDefaultModeIgnores) {
  std::string path = WriteTemp("extra.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1}\n"
                               "{\"op\":\"check\",\"colour\":\"blue\"}\n");
  EXPECT_EQ(Validate(path).status, kExitOk);
  Captured c = Validate(path, /*strict=*/true);
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.error.message(), path + ":2: check: unknown field \"colour\"");
  EXPECT_EQ(c.err, "");
}

TEST(Validate, WithoutStrictEachUnknownFieldNameIsWarnedAboutOnceAtItsFirstLine) {
  std::string path = WriteTemp("typo.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1,\"confg\":{}}\n"
                               "{\"op\":\"fail\",\"site\":\"alloc_page\",\"cuont\":3}\n"
                               "{\"op\":\"fail\",\"site\":\"alloc_page\",\"cuont\":4}\n"
                               "{\"op\":\"check\",\"cuont\":1,\"colour\":2}\n");
  Captured c = Validate(path);
  EXPECT_EQ(c.status, kExitOk);
  EXPECT_EQ(c.err,
            "ttm-replay: warning: " + path + ":1: unknown field \"confg\" ignored (--strict rejects it)\n"
            "ttm-replay: warning: " + path + ":2: fail: unknown field \"cuont\" ignored (--strict rejects it)\n"
            "ttm-replay: warning: " + path + ":4: check: unknown field \"colour\" ignored (--strict rejects it)\n");
}

TEST(Validate, AnUnknownConfigFieldIsWarnedAboutUnderItsConfigName) {
  std::string path = WriteTemp("config-typo.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1,"
                               "\"config\":{\"sytem_pages\":8}}\n");
  Captured c = Validate(path);
  EXPECT_EQ(c.status, kExitOk);
  EXPECT_EQ(c.err, "ttm-replay: warning: " + path +
                       ":1: unknown field \"config.sytem_pages\" ignored (--strict rejects it)\n");
}

TEST(Validate, AllErrorsReportsEveryBadLineAndTheirCount) {
  std::string path = WriteTemp("many.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1}\n"
                               "{\"op\":\"nope\"}\n"
                               "{\"op\":\"allocate\",\"tt\":1,\"pages\":4,\"caching\":\"wc\"}\n"
                               "{bad\n"
                               "{\"op\":\"free\",\"tt\":2}\n"
                               "{\"op\":\"free\",\"tt\":1}\n");
  Captured first = Validate(path);
  EXPECT_EQ(first.status, kExitInvalidInput);
  EXPECT_EQ(first.error.message(),
            path + ":2: unknown op \"nope\" (expected allocate, populate, write, shrink, "
                   "unpopulate, free, pool_shrink, fail, set, check or expect)");
  EXPECT_EQ(first.err, "");
  // Every error is the command's output; the count is its returned error.
  Captured all = Validate(path, false, /*all_errors=*/true);
  EXPECT_EQ(all.status, kExitInvalidInput);
  EXPECT_EQ(all.out, "");
  EXPECT_EQ(all.err, "ttm-replay: " + first.error.message() + "\n"
                     "ttm-replay: " + path + ":4: malformed JSON at byte 2\n"
                     "ttm-replay: " + path + ":5: free: tt 2 is not live\n");
  EXPECT_EQ(all.error.code(), Status::Code::kInvalidInput);
  EXPECT_EQ(all.error.message(), path + ": 3 errors");
}

TEST(Validate, AllErrorsStopsAtTheCap) {
  std::string text = "{\"format\":\"ttm-trace\",\"version\":1}\n";
  for (int i = 0; i < 150; ++i) text += "{\"op\":\"free\",\"tt\":9}\n";
  std::string path = WriteTemp("capped.jsonl", text);
  Captured c = Validate(path, false, true);
  EXPECT_EQ(c.status, kExitInvalidInput);
  size_t lines = 0;
  for (char ch : c.err) lines += ch == '\n';
  EXPECT_EQ(lines, kMaxValidateErrors);
  EXPECT_NE(c.err.find(":101: free: tt 9 is not live\n"), std::string::npos);
  EXPECT_EQ(c.err.find(":102: free"), std::string::npos);
  EXPECT_EQ(c.error.message(), path + ": stopped after 100 errors");
}

TEST(Validate, AllErrorsStopsAtAnErrorOfTheStreamItself) {
  // A corrupt zstd frame cannot be read past: one error, then the count.
  Captured c = Validate("traces/bad/corrupt-second-frame.jsonl.zst", false, true);
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.err, "ttm-replay: traces/bad/corrupt-second-frame.jsonl.zst:5: corrupt zstd stream\n");
  EXPECT_EQ(c.error.message(), "traces/bad/corrupt-second-frame.jsonl.zst: 1 error");
}

TEST(Validate, AMissingFileIsOneLineNamingTheFile) {
  Captured c = Validate("no/such/trace.jsonl");
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.error.code(), Status::Code::kIoError);
  EXPECT_EQ(c.error.message(), "no/such/trace.jsonl: cannot open: No such file or directory");
  EXPECT_EQ(c.err, "");
}

}  // namespace
}  // namespace ttm::cli
