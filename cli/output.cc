#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

  int fd = ::mkstemp(name.data());
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
  if (err != 0) {
    ::unlink(tmp.c_str());
    return WriteError(path, err);
  }
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
};

AtomicFileWriter::AtomicFileWriter() = default;

AtomicFileWriter::~AtomicFileWriter() {
  if (impl_ && !impl_->tmp.empty()) {
    impl_->file.close();
    ::unlink(impl_->tmp.c_str());
  }
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
  int fd = ::mkstemp(name.data());
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
  if (err != 0) {
    ::unlink(impl_->tmp.c_str());
    impl_->tmp.clear();
    return WriteError(impl_->path, err);
  }
  impl_->tmp.clear();
  SyncDirectory(impl_->dir);
  return Status::Ok();
}

}  // namespace ttm::cli
