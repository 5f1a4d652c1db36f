#include "core/json_text.h"

#include <set>
#include <string>
#include <vector>

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

std::string At(size_t byte) { return "at byte " + std::to_string(byte); }

// What nlohmann's parser does not check: a NUL byte anywhere (JSON text
// never holds one; inside a string it must be written \u0000) and the depth
// of nesting. One pass over the bytes, tracking only whether they are inside
// a string.
Status Scan(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return Status::InvalidInput("NUL byte " + At(i + 1));
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        return Status::InvalidInput("nested deeper than " + std::to_string(kMaxJsonDepth) +
                                    " levels " + At(i + 1));
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return Status::Ok();
}

// A SAX pass that knows where it is ("config.max_order", "a[2].b"), to name
// the place of a number out of range or of a duplicate key. Used only for
// texts that failed to parse, and for duplicate keys when asked: the DOM
// parse of a good text stays the only pass.
class WhereSax {
 public:
  explicit WhereSax(bool check_duplicates) : check_duplicates_(check_duplicates) {}

  const std::string& error() const { return error_; }

  bool null() { return Value(); }
  bool boolean(bool) { return Value(); }
  bool number_integer(Json::number_integer_t) { return Value(); }
  bool number_unsigned(Json::number_unsigned_t) { return Value(); }
  bool number_float(Json::number_float_t, const std::string&) { return Value(); }
  bool string(std::string&) { return Value(); }
  bool binary(Json::binary_t&) { return Value(); }
  bool start_object(size_t) {
    frames_.emplace_back().array = false;
    return true;
  }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    f.key = k;
    if (check_duplicates_ && !f.keys.insert(k).second) {
      error_ = "duplicate key \"" + Path() + "\"";
      return false;
    }
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    return Value();
  }
  bool start_array(size_t) {
    frames_.emplace_back().array = true;
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return Value();
  }
  bool parse_error(size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) {
    if (e.id == 406) {  // out_of_range: a number no double holds
      std::string shown = token.size() > 40 ? token.substr(0, 37) + "..." : token;
      std::string path = Path();
      // The position is that of the number's last byte; name its first.
      size_t first = position >= token.size() ? position - token.size() + 1 : 1;
      error_ = (path.empty() ? "number" : "\"" + path + "\"") + " is " + shown +
               ", out of range (" + At(first) + ")";
    } else {
      error_ = "malformed JSON " + At(position);
    }
    return false;
  }

 private:
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;
    std::set<std::string> keys;  // only with check_duplicates_
  };

  // A value ended: the enclosing array moves to its next element.
  bool Value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }

  // The path of the value being read.
  std::string Path() const {
    std::string path;
    for (const Frame& f : frames_) {
      if (f.array)
        path += "[" + std::to_string(f.index) + "]";
      else
        path += (path.empty() ? "" : ".") + f.key;
    }
    return path;
  }

  bool check_duplicates_;
  std::vector<Frame> frames_;
  std::string error_;
};

}  // namespace

Result<Json> ParseJsonText(std::string_view text, JsonTextOptions options) {
  if (Status s = Scan(text); !s.ok()) return s;
  // Exceptions stay inside nlohmann: a parse failure is a discarded value.
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded() && !options.reject_duplicate_keys) return j;
  // Only a failed (or strictly checked) text pays for a second pass.
  WhereSax sax(options.reject_duplicate_keys);
  bool ok = Json::sax_parse(text.begin(), text.end(), &sax);
  if (!sax.error().empty()) return Status::InvalidInput(sax.error());
  if (!ok || j.is_discarded()) return Status::InvalidInput("malformed JSON");
  return j;
}

}  // namespace ttm
