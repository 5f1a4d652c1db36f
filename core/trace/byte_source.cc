#include "core/trace/byte_source.h"

namespace ttm::trace {
namespace {

class StreamSource : public ByteSource {
 public:
  explicit StreamSource(std::istream& in) : in_(in) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (in_.eof()) return size_t{0};
    in_.read(buf, static_cast<std::streamsize>(n));
    if (in_.bad()) return Status::IoError("read error");
    return static_cast<size_t>(in_.gcount());
  }

 private:
  std::istream& in_;
};

}  // namespace

std::unique_ptr<ByteSource> IstreamSource(std::istream& in) {
  return std::make_unique<StreamSource>(in);
}

}  // namespace ttm::trace
