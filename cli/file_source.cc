#include "cli/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ttm::cli {

using trace::ByteSource;
namespace {

class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {
    struct stat st;
    if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode))
      total_ = static_cast<uint64_t>(st.st_size);
  }
  ~FdSource() override {
    if (owned_) close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  Result<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t got = read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno == EINTR) continue;
      return Status::IoError(std::string("read error: ") + std::strerror(errno));
    }
  }
  std::optional<uint64_t> total_bytes() const override { return total_; }

 private:
  int fd_;
  bool owned_;
  std::optional<uint64_t> total_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path) {
  int fd;
  do {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  // A directory opens fine but fails on read; say so at open time instead.
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return Status::IoError(path + ": cannot open: " + std::strerror(EISDIR));
  }
  return std::unique_ptr<ByteSource>(std::make_unique<FdSource>(fd, /*owned=*/true));
}

std::unique_ptr<ByteSource> StdinSource() {
  return std::make_unique<FdSource>(STDIN_FILENO, /*owned=*/false);
}

Result<std::unique_ptr<ByteSource>> OpenInput(const std::string& path) {
  if (path == "-") return StdinSource();
  return OpenFileSource(path);
}

std::string InputName(const std::string& path) { return path == "-" ? "<stdin>" : path; }

Result<std::unique_ptr<trace::TraceReader>> OpenTrace(const std::string& path,
                                                      trace::ReaderOptions options) {
  Result<std::unique_ptr<ByteSource>> source = OpenInput(path);
  if (!source.ok()) return source.status();
  return trace::TraceReader::FromSource(std::move(*source), InputName(path), options);
}

Result<trace::WholeTrace> ReadWholeTraceFile(const std::string& path) {
  Result<std::unique_ptr<trace::TraceReader>> reader = OpenTrace(path);
  if (!reader.ok()) return reader.status();
  return trace::ReadWholeTrace(**reader);
}

}  // namespace ttm::cli
