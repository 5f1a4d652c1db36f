#include "core/import/raw_format.h"

#include <charconv>

namespace ttm::import {
namespace {

std::vector<std::string_view> SplitBlanks(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

// A value as it may be quoted in a message, kept short.
std::string Shown(std::string_view v) {
  return v.size() > 40 ? std::string(v.substr(0, 37)) + "..." : std::string(v);
}

std::optional<uint64_t> ParseUint(std::string_view v) {
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    v.remove_prefix(2);
    base = 16;
  }
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out, base);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

std::optional<int64_t> ParseInt(std::string_view v) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

}  // namespace

Result<RawFields> RawFields::Parse(const std::vector<std::string_view>& tokens) {
  RawFields f;
  for (std::string_view token : tokens) {
    size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Status::InvalidInput("'" + Shown(token) + "' is not KEY=VALUE");
    std::string_view key = token.substr(0, eq);
    if (f.Find(key) != nullptr)
      return Status::InvalidInput(std::string(key) + "= is given twice");
    f.fields_.emplace_back(key, token.substr(eq + 1));
  }
  return f;
}

const std::string_view* RawFields::Find(std::string_view key) const {
  for (const auto& [k, v] : fields_)
    if (k == key) return &v;
  return nullptr;
}

bool RawFields::Has(std::string_view key) const { return Find(key) != nullptr; }

Result<std::string> RawFields::Text(std::string_view key) const {
  const std::string_view* v = Find(key);
  if (v == nullptr) return Status::InvalidInput("missing " + std::string(key) + "=");
  if (v->empty()) return Status::InvalidInput(std::string(key) + "= is empty");
  return std::string(*v);
}

Result<std::optional<uint64_t>> RawFields::OptUint(std::string_view key, uint64_t max) const {
  const std::string_view* v = Find(key);
  if (v == nullptr) return std::optional<uint64_t>();
  std::optional<uint64_t> n = ParseUint(*v);
  if (!n)
    return Status::InvalidInput(std::string(key) + "=" + Shown(*v) +
                                " is not a non-negative number");
  if (*n > max)
    return Status::InvalidInput(std::string(key) + "=" + Shown(*v) + " is above " +
                                std::to_string(max));
  return n;
}

Result<uint64_t> RawFields::Uint(std::string_view key, uint64_t max) const {
  Result<std::optional<uint64_t>> n = OptUint(key, max);
  if (!n.ok()) return n.status();
  if (!*n) return Status::InvalidInput("missing " + std::string(key) + "=");
  return **n;
}

Result<std::optional<int64_t>> RawFields::OptInt(std::string_view key) const {
  const std::string_view* v = Find(key);
  if (v == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> n = ParseInt(*v);
  if (!n) return Status::InvalidInput(std::string(key) + "=" + Shown(*v) + " is not a number");
  return n;
}

Result<int64_t> RawFields::Int(std::string_view key) const {
  Result<std::optional<int64_t>> n = OptInt(key);
  if (!n.ok()) return n.status();
  if (!*n) return Status::InvalidInput("missing " + std::string(key) + "=");
  return **n;
}

Result<bool> RawFields::Bool(std::string_view key) const {
  const std::string_view* v = Find(key);
  if (v == nullptr) return Status::InvalidInput("missing " + std::string(key) + "=");
  if (*v == "0") return false;
  if (*v == "1") return true;
  return Status::InvalidInput(std::string(key) + "=" + Shown(*v) + " must be 0 or 1");
}

bool IsRawCommentOrBlank(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r");
  return i == std::string_view::npos || text[i] == '#';
}

Result<RawLine> ParseRawLine(std::string_view text) {
  std::vector<std::string_view> tokens = SplitBlanks(text);
  RawLine line;
  if (tokens.empty()) return Status::InvalidInput("empty line");
  if (tokens[0] == kRawFormatName) {
    line.kind = RawLine::Kind::kFormat;
    std::optional<int64_t> v = tokens.size() == 2 ? ParseInt(tokens[1]) : std::nullopt;
    if (!v || *v < 0 || *v > 1000000)
      return Status::InvalidInput("the format line must read '" + std::string(kRawFormatName) +
                                  " VERSION'");
    line.version = static_cast<int>(*v);
    return line;
  }
  if (tokens[0] == "machine") {
    line.kind = RawLine::Kind::kMachine;
    tokens.erase(tokens.begin());
    Result<RawFields> f = RawFields::Parse(tokens);
    if (!f.ok()) return Status::InvalidInput("machine: " + f.status().message());
    line.fields = std::move(*f);
    return line;
  }
  if (tokens.size() < 3)
    return Status::InvalidInput("'" + Shown(text) +
                                "' is not a call line (T_NS TID FUNCTION KEY=VALUE...)");
  if (tokens[0] == "Attaching")
    return Status::InvalidInput("bpftrace's banner: record with bpftrace -q (tools/record/ttm-record does)");
  std::optional<uint64_t> t = ParseUint(tokens[0]);
  std::optional<uint64_t> tid = ParseUint(tokens[1]);
  if (!t || tokens[0].starts_with("0x"))
    return Status::InvalidInput("timestamp '" + Shown(tokens[0]) + "' is not a number");
  if (!tid || tokens[1].starts_with("0x"))
    return Status::InvalidInput("thread id '" + Shown(tokens[1]) + "' is not a number");
  line.kind = RawLine::Kind::kCall;
  line.t = *t;
  line.tid = *tid;
  line.function = tokens[2];
  tokens.erase(tokens.begin(), tokens.begin() + 3);
  Result<RawFields> f = RawFields::Parse(tokens);
  if (!f.ok()) return Status::InvalidInput(std::string(line.function) + ": " + f.status().message());
  line.fields = std::move(*f);
  return line;
}

}  // namespace ttm::import
