#include "cli/output.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

namespace ttm::cli {
namespace {

// A fresh empty directory per test under Bazel's TEST_TMPDIR.
class WriteFileAtomicallyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("TEST_TMPDIR");
    std::string tmpl = std::string(root ? root : "/tmp") + "/outXXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    ASSERT_NE(::mkdtemp(name.data()), nullptr);
    dir_ = name.data();
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return out;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
};

TEST_F(WriteFileAtomicallyTest, NewFileGetsTheContentsAndNothingElseIsLeft) {
  ASSERT_TRUE(WriteFileAtomically(Path("r.json"), "{}\n").ok());
  EXPECT_EQ(Read(Path("r.json")), "{}\n");
  EXPECT_EQ(Entries(), std::vector<std::string>{"r.json"});
}

TEST_F(WriteFileAtomicallyTest, NewFileIsReadableByOthersUnderTheUmask) {
  ASSERT_TRUE(WriteFileAtomically(Path("r.json"), "x").ok());
  struct stat st;
  ASSERT_EQ(::stat(Path("r.json").c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
}

TEST_F(WriteFileAtomicallyTest, ExistingFileIsReplacedAndKeepsItsMode) {
  { std::ofstream(Path("r.json")) << "old contents that are longer"; }
  ASSERT_EQ(::chmod(Path("r.json").c_str(), 0640), 0);
  ASSERT_TRUE(WriteFileAtomically(Path("r.json"), "new").ok());
  EXPECT_EQ(Read(Path("r.json")), "new");
  struct stat st;
  ASSERT_EQ(::stat(Path("r.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(Entries(), std::vector<std::string>{"r.json"});
}

TEST_F(WriteFileAtomicallyTest, SymlinkKeepsPointingAtTheReplacedTarget) {
  { std::ofstream(Path("target")) << "old"; }
  ASSERT_EQ(::symlink("target", Path("link").c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(Path("link"), "new").ok());
  struct stat st;
  ASSERT_EQ(::lstat(Path("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(Read(Path("target")), "new");
  EXPECT_EQ(Entries(), (std::vector<std::string>{"link", "target"}));
}

TEST_F(WriteFileAtomicallyTest, DevNullIsWrittenNotReplaced) {
  ASSERT_TRUE(WriteFileAtomically("/dev/null", "discarded").ok());
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(WriteFileAtomicallyTest, WriteErrorOfADeviceNamesThePath) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  Status s = WriteFileAtomically("/dev/full", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_EQ(s.message(), "/dev/full: cannot write: No space left on device");
}

TEST_F(WriteFileAtomicallyTest, DirectoryAsTargetIsAnErrorAndStaysEmpty) {
  ASSERT_EQ(::mkdir(Path("d").c_str(), 0755), 0);
  Status s = WriteFileAtomically(Path("d"), "x");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.message().starts_with(Path("d") + ": cannot write: "));
  EXPECT_EQ(Entries(), std::vector<std::string>{"d"});
}

TEST_F(WriteFileAtomicallyTest, MissingDirectoryIsAnErrorNamingThePath) {
  Status s = WriteFileAtomically(Path("no/such/r.json"), "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            Path("no/such/r.json") + ": cannot write: No such file or directory");
  EXPECT_TRUE(Entries().empty());
}

TEST_F(WriteFileAtomicallyTest, UnwritableDirectoryLeavesNothingBehind) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  ASSERT_EQ(::mkdir(Path("ro").c_str(), 0555), 0);
  Status s = WriteFileAtomically(Path("ro/r.json"), "x");
  EXPECT_FALSE(s.ok());
  ::chmod(Path("ro").c_str(), 0755);
  EXPECT_EQ(::rmdir(Path("ro").c_str()), 0) << "something was left in ro/";
}

// A write that fails half way (here: over the file size limit) must leave
// neither the temporary nor a truncated target.
TEST_F(WriteFileAtomicallyTest, FailedWriteRemovesTheTemporaryAndKeepsTheOld) {
  { std::ofstream(Path("r.json")) << "old"; }
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = WriteFileAtomically(Path("r.json"), std::string(4096, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.message().starts_with(Path("r.json") + ": cannot write: "))
      << s.message();
  EXPECT_EQ(Read(Path("r.json")), "old");
  EXPECT_EQ(Entries(), std::vector<std::string>{"r.json"});
}

TEST_F(WriteFileAtomicallyTest, EmptyPathIsAUsageError) {
  EXPECT_EQ(WriteFileAtomically("", "x").code(), Status::Code::kUsage);
}

// In a child process: opens an AtomicFileWriter on `path`, writes a
// little, then gets `sig` before committing. Return: the child's wait status.
int StatusOfChildKilledWhileWriting(const std::string& path, int sig) {
  pid_t pid = ::fork();
  if (pid == 0) {
    RemoveTemporariesOnSignal();
    AtomicFileWriter w;
    if (!w.Open(path).ok()) ::_exit(10);
    w.stream() << "partial output";
    w.stream().flush();
    ::raise(sig);
    ::_exit(11);  // not reached: the signal ends the process
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_F(WriteFileAtomicallyTest, SigintOrSigtermWhileStreamingLeavesNoTemporaryAndNoOutput) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    int status = StatusOfChildKilledWhileWriting(Path("trace.jsonl"), sig);
    ASSERT_TRUE(WIFSIGNALED(status)) << "signal " << sig << ", status " << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_EQ(Entries(), std::vector<std::string>{}) << "signal " << sig;
  }
}

TEST_F(WriteFileAtomicallyTest, ASignalWhileStreamingKeepsTheOldFile) {
  std::ofstream(Path("trace.jsonl")) << "old";
  int status = StatusOfChildKilledWhileWriting(Path("trace.jsonl"), SIGTERM);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(Entries(), std::vector<std::string>{"trace.jsonl"});
  EXPECT_EQ(Read(Path("trace.jsonl")), "old");
}

TEST_F(WriteFileAtomicallyTest, ACommittedOrAbandonedWriterFreesItsSignalSlot) {
  // More writers than there are slots, one after another: each gives its
  // slot back, so the last one is still removed by a signal.
  for (int i = 0; i < 200; ++i) {
    AtomicFileWriter w;
    ASSERT_TRUE(w.Open(Path("f" + std::to_string(i % 3))).ok());
    w.stream() << i;
    if (i % 2 == 0) {
      ASSERT_TRUE(w.Commit().ok());
    }
  }
  for (int i = 0; i < 3; ++i) ::unlink(Path("f" + std::to_string(i)).c_str());
  int status = StatusOfChildKilledWhileWriting(Path("last.jsonl"), SIGINT);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(Entries(), std::vector<std::string>{});
}

}  // namespace
}  // namespace ttm::cli
