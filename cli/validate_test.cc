#include "cli/validate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

struct Captured {
  int status = -1;    // the exit status main.cc gives
  std::string error;  // the error returned, which main.cc prints
  std::string out, err;
};

Captured Validate(const std::string& path, bool strict = false) {
  std::ostringstream out, err;
  Result<int> r = RunValidate(ValidateOptions{.trace = path, .strict = strict}, Io{out, err});
  return Captured{r.ok() ? *r : kExitInvalidInput, r.ok() ? "" : r.status().message(), out.str(),
                  err.str()};
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Validate, AValidTraceReportsItsEventCountOnStdout) {
  Captured c = Validate("traces/examples/contract-example.jsonl");
  EXPECT_EQ(c.status, kExitOk);
  EXPECT_EQ(c.out, "traces/examples/contract-example.jsonl: valid, 15 events\n");
  EXPECT_EQ(c.err, "");
}

TEST(Validate, ACompressedTraceIsValidatedLikeThePlainOne) {
  Captured c = Validate("traces/examples/contract-example.jsonl.zst");
  EXPECT_EQ(c.status, kExitOk);
  EXPECT_EQ(c.out, "traces/examples/contract-example.jsonl.zst: valid, 15 events\n");
}

TEST(Validate, AnInvalidTraceReturnsItsOneLineErrorAndPrintsNothingItself) {
  std::string path = WriteTemp("bad.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1}\n"
                               "{\"op\":\"shrink\",\"tt\":7}\n");
  Captured c = Validate(path);
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.out, "");
  EXPECT_EQ(c.error, path + ":2: shrink: tt 7 is not live");
  EXPECT_EQ(c.err, "");
}

TEST(Validate, StrictRejectsAnUnknownFieldThatTheDefaultModeIgnores) {
  std::string path = WriteTemp("extra.jsonl",
                               "{\"format\":\"ttm-trace\",\"version\":1}\n"
                               "{\"op\":\"check\",\"colour\":\"blue\"}\n");
  EXPECT_EQ(Validate(path).status, kExitOk);
  Captured c = Validate(path, /*strict=*/true);
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.error, path + ":2: check: unknown field \"colour\"");
}

TEST(Validate, AMissingFileIsOneLineNamingTheFile) {
  Captured c = Validate("no/such/trace.jsonl");
  EXPECT_EQ(c.status, kExitInvalidInput);
  EXPECT_EQ(c.error, "no/such/trace.jsonl: cannot open: No such file or directory");
}

}  // namespace
}  // namespace ttm::cli
