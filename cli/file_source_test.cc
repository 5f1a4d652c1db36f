#include "cli/file_source.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/event.h"

namespace ttm::cli {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string ReadAll(trace::ByteSource& source) {
  std::string text;
  char buf[3];  // small, so that reads take several calls
  for (;;) {
    Result<size_t> got = source.Read(buf, sizeof buf);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || *got == 0) return text;
    text.append(buf, *got);
  }
}

TEST(FileSource, AFileThatCannotBeOpenedIsOneLineWithTheReason) {
  auto source = OpenFileSource("/nonexistent/t.jsonl");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), Status::Code::kIoError);
  EXPECT_EQ(source.status().message(), "/nonexistent/t.jsonl: cannot open: No such file or directory");
}

TEST(FileSource, ADirectoryIsRefusedWhenOpenedNotOnTheFirstRead) {
  auto source = OpenFileSource(TempPath(""));
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("cannot open: Is a directory"), std::string::npos);
}

TEST(FileSource, AFileIsReadWholeAndKnowsItsSize) {
  const std::string path = TempPath("bytes.txt");
  std::ofstream(path) << "hello, trace";
  auto source = OpenFileSource(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->total_bytes(), 12u);
  EXPECT_EQ(ReadAll(**source), "hello, trace");
}

TEST(FileSource, DashIsStandardInputAndIsNamedSoInMessages) {
  EXPECT_EQ(InputName("-"), "<stdin>");
  EXPECT_EQ(InputName("t.jsonl"), "t.jsonl");
  auto source = OpenInput("-");
  ASSERT_TRUE(source.ok());
}

TEST(FileSource, OpenTraceReadsTheHeaderAndNamesTheFileInErrors) {
  const std::string path = TempPath("bad.jsonl");
  std::ofstream(path) << "{\"format\":\"nope\"}\n";
  auto reader = OpenTrace(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message().rfind(path + ":1: ", 0), 0u) << reader.status().message();
}

TEST(FileSource, OpenTraceOfAMissingFileSaysItCannotOpenIt) {
  auto reader = OpenTrace("/nonexistent/t.jsonl");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message(), "/nonexistent/t.jsonl: cannot open: No such file or directory");
}

}  // namespace
}  // namespace ttm::cli
