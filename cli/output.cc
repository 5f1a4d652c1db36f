#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <vector>

namespace ttm::cli {
namespace {

// The temporary files a signal must remove: fixed slots that the handler
// reads without locks or allocation (unlink() is async-signal-safe).
constexpr int kTempSlots = 64;
constexpr size_t kTempPathMax = 4096;
enum SlotState : int { kFree, kClaimed, kReady };
struct TempSlot {
  std::atomic<int> state{kFree};
  char path[kTempPathMax];
};
TempSlot g_temps[kTempSlots];
static_assert(std::atomic<int>::is_always_lock_free);

// Return: the slot holding `path`, or -1 when every slot is taken or the
// path is too long (then only a signal misses it).
int RegisterTemp(const std::string& path) {
  if (path.size() >= kTempPathMax) return -1;
  for (int i = 0; i < kTempSlots; ++i) {
    int expected = kFree;
    if (g_temps[i].state.compare_exchange_strong(expected, kClaimed)) {
      std::memcpy(g_temps[i].path, path.c_str(), path.size() + 1);
      g_temps[i].state.store(kReady, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void UnregisterTemp(int slot) {
  if (slot >= 0) g_temps[slot].state.store(kFree, std::memory_order_release);
}

void RemoveTemporariesAndDie(int sig) {
  for (TempSlot& t : g_temps)
    if (t.state.load(std::memory_order_acquire) == kReady) ::unlink(t.path);
  // SA_RESETHAND restored the default action; the signal is delivered again
  // as soon as this handler returns, and the process ends by it.
  ::raise(sig);
}

// mkstemp() and registration with the signals blocked, so that no signal
// falls between the file's creation and its registration.
// Return: the descriptor (or -1 with errno) and the slot.
int CreateTemp(std::vector<char>* name, int* slot) {
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int fd = ::mkstemp(name->data());
  const int err = errno;
  *slot = fd >= 0 ? RegisterTemp(name->data()) : -1;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return fd;
}

Status WriteError(const std::string& path, int err) {
  return Status::IoError(path + ": cannot write: " + std::strerror(err));
}

// Writes all of `contents` to `fd`, retrying short writes and EINTR.
// Return: 0, or the errno of the failure.
int WriteAll(int fd, std::string_view contents) {
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

Status WriteToStdout(std::string_view contents) {
  if (std::fwrite(contents.data(), 1, contents.size(), stdout) !=
          contents.size() ||
      std::fflush(stdout) != 0)
    return WriteError("-", errno);
  return Status::Ok();
}

// Devices and FIFOs cannot be replaced by a rename (and must not be: -o
// /dev/null is a request to discard), so they are written in place.
Status WriteDirectly(const std::string& path, std::string_view contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return WriteError(path, errno);
  int err = WriteAll(fd, contents);
  if (::close(fd) != 0 && err == 0) err = errno;
  return err == 0 ? Status::Ok() : WriteError(path, err);
}

mode_t CurrentUmask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

void SyncDirectory(const std::string& dir) {
  // Makes the rename itself durable; a filesystem that cannot sync a
  // directory still has the complete file, so failures are ignored.
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Status ReplaceRegularFile(const std::string& path, const std::string& target,
                          std::string_view contents, const struct stat* old) {
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : target.substr(0, slash + 1);
  const std::string base =
      slash == std::string::npos ? target : target.substr(slash + 1);
  std::string tmpl = (slash == std::string::npos ? "" : dir) + "." + base +
                     ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');

  int slot = -1;
  int fd = CreateTemp(&name, &slot);
  if (fd < 0) return WriteError(path, errno);
  const std::string tmp(name.data());

  const mode_t mode = old != nullptr ? (old->st_mode & 07777)
                                     : (0666 & ~CurrentUmask());
  int err = 0;
  if (::fchmod(fd, mode) != 0) err = errno;
  if (err == 0) err = WriteAll(fd, contents);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) ::unlink(tmp.c_str());
  UnregisterTemp(slot);
  if (err != 0) return WriteError(path, err);
  SyncDirectory(dir);
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  if (path == "-") return WriteToStdout(contents);
  if (path.empty()) return Status::Usage("empty output path");

  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return WriteDirectly(path, contents);
    std::string target = path;
    struct stat link;
    if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      // Replace what the link points to, not the link.
      char* resolved = ::realpath(path.c_str(), nullptr);
      if (resolved == nullptr) return WriteError(path, errno);
      target = resolved;
      std::free(resolved);
    }
    return ReplaceRegularFile(path, target, contents, &st);
  }
  if (errno != ENOENT) return WriteError(path, errno);
  return ReplaceRegularFile(path, path, contents, nullptr);
}

struct AtomicFileWriter::Impl {
  std::string path;    // as given, for messages
  std::string target;  // what the rename replaces; empty: written in place
  std::string tmp;     // the temporary file; empty once renamed or removed
  std::string dir;
  std::ofstream file;
  bool to_stdout = false;
  int slot = -1;  // of tmp, for RemoveTemporariesOnSignal
};

AtomicFileWriter::AtomicFileWriter() = default;

AtomicFileWriter::~AtomicFileWriter() {
  if (impl_ && !impl_->tmp.empty()) {
    impl_->file.close();
    ::unlink(impl_->tmp.c_str());
  }
  if (impl_) UnregisterTemp(impl_->slot);
}

Status AtomicFileWriter::Open(const std::string& path) {
  impl_ = std::make_unique<Impl>();
  impl_->path = path;
  if (path == "-") {
    impl_->to_stdout = true;
    return Status::Ok();
  }
  if (path.empty()) return Status::Usage("empty output path");
  struct stat st;
  mode_t mode = 0666 & ~CurrentUmask();
  std::string target = path;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      impl_->file.open(path, std::ios::binary | std::ios::out);
      if (!impl_->file) return WriteError(path, errno);
      return Status::Ok();
    }
    mode = st.st_mode & 07777;
    struct stat link;
    if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      char* resolved = ::realpath(path.c_str(), nullptr);
      if (resolved == nullptr) return WriteError(path, errno);
      target = resolved;
      std::free(resolved);
    }
  } else if (errno != ENOENT) {
    return WriteError(path, errno);
  }
  const size_t slash = target.rfind('/');
  impl_->dir = slash == std::string::npos ? "." : target.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  std::string tmpl = (slash == std::string::npos ? "" : impl_->dir) + "." + base + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = CreateTemp(&name, &impl_->slot);
  if (fd < 0) return WriteError(path, errno);
  impl_->tmp = name.data();
  impl_->target = target;
  int err = ::fchmod(fd, mode) != 0 ? errno : 0;
  ::close(fd);
  if (err == 0) {
    impl_->file.open(impl_->tmp, std::ios::binary | std::ios::out | std::ios::trunc);
    if (!impl_->file) err = errno != 0 ? errno : EIO;
  }
  if (err != 0) {
    ::unlink(impl_->tmp.c_str());
    impl_->tmp.clear();
    UnregisterTemp(impl_->slot);
    impl_->slot = -1;
    return WriteError(path, err);
  }
  return Status::Ok();
}

std::ostream& AtomicFileWriter::stream() {
  assert(impl_);
  if (impl_->to_stdout) return std::cout;
  return impl_->file;
}

bool AtomicFileWriter::seekable() const { return impl_ && !impl_->tmp.empty(); }

Status AtomicFileWriter::Commit() {
  assert(impl_);
  if (impl_->to_stdout) {
    std::cout.flush();
    return std::cout ? Status::Ok() : WriteError("-", errno != 0 ? errno : EIO);
  }
  impl_->file.flush();
  int err = impl_->file ? 0 : (errno != 0 ? errno : EIO);
  impl_->file.close();
  if (err == 0 && impl_->file.fail()) err = errno != 0 ? errno : EIO;
  if (impl_->tmp.empty()) return err == 0 ? Status::Ok() : WriteError(impl_->path, err);
  if (err == 0) {
    // The stream is closed; sync the data through a descriptor of its own.
    int fd = ::open(impl_->tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) err = errno;
    if (fd >= 0) ::close(fd);
  }
  if (err == 0 && ::rename(impl_->tmp.c_str(), impl_->target.c_str()) != 0) err = errno;
  if (err != 0) ::unlink(impl_->tmp.c_str());
  impl_->tmp.clear();
  UnregisterTemp(impl_->slot);
  impl_->slot = -1;
  if (err != 0) return WriteError(impl_->path, err);
  SyncDirectory(impl_->dir);
  return Status::Ok();
}

Status AtomicFileWriter::StreamError() const {
  assert(impl_);
  return WriteError(impl_->to_stdout ? "-" : impl_->path, errno != 0 ? errno : EIO);
}

void RemoveTemporariesOnSignal() {
  struct sigaction sa {};
  sa.sa_handler = RemoveTemporariesAndDie;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

}  // namespace ttm::cli
