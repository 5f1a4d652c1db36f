#include "cli/timeline_file.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/timeline/timeline.h"

namespace ttm::cli {
namespace {

constexpr size_t kSha256Hex = 64;

Status WriteError(const std::string& path, int err) {
  return Status::IoError(path + ": cannot write: " + std::strerror(err != 0 ? err : EIO));
}

}  // namespace

TimelineFile::~TimelineFile() {
  if (spool_) std::fclose(spool_);
}

Status TimelineFile::Open(const std::string& path, std::string_view semantics) {
  path_ = path;
  semantics_ = semantics;
  Status opened = out_.Open(path);
  if (!opened.ok()) return opened;
  if (out_.seekable()) {
    out_.stream() << TimelineHeader(std::string(kSha256Hex, '0'), semantics_);
  } else {
    spool_ = std::tmpfile();
    if (!spool_) return WriteError(path, errno);
  }
  return Status::Ok();
}

void TimelineFile::Write(std::string_view line) {
  if (spool_) {
    write_failed_ |= std::fwrite(line.data(), 1, line.size(), spool_) != line.size();
  } else {
    out_.stream().write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

Status TimelineFile::Finish(std::string_view trace_sha256) {
  const std::string header = TimelineHeader(trace_sha256, semantics_);
  std::ostream& out = out_.stream();
  if (!spool_) {
    // The placeholder has the same length: overwrite it in place.
    const std::streampos end = out.tellp();
    out.seekp(0);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.seekp(end);
  } else {
    if (write_failed_ || std::fflush(spool_) != 0) return WriteError(path_, errno);
    out << header;
    std::rewind(spool_);
    std::vector<char> buf(1 << 16);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), spool_)) > 0)
      out.write(buf.data(), static_cast<std::streamsize>(n));
    if (std::ferror(spool_)) return Status::IoError(path_ + ": cannot read back the timeline");
  }
  if (!out) return WriteError(path_, errno);
  return out_.Commit();
}

}  // namespace ttm::cli
