// The raw recording format written by tools/record/ttm-record (format
// "ttm-record", version 1; docs/recording.md describes it for people).
//
// Why a format of our own between bpftrace and the trace: bpftrace prints
// text, one printf per probe, and cannot read files or build JSON. So the
// recorder writes the plainest text it can — KEY=VALUE tokens on one line per
// kernel call — and `ttm-replay import` turns that into a trace, where all
// the judgement (ids, faults, expectations, what cannot be expressed) lives
// in tested C++ rather than in a probe script.
//
// This file only splits one line into its parts and reads its numbers; it
// knows nothing about what the calls mean (importer.h does).
#ifndef TTM_CORE_IMPORT_RAW_FORMAT_H_
#define TTM_CORE_IMPORT_RAW_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ttm::import {

inline constexpr std::string_view kRawFormatName = "ttm-record";
inline constexpr int kRawFormatVersion = 1;

// KEY=VALUE tokens of one line, in their order. Keys are unique.
class RawFields {
 public:
  // Splits `tokens` (already separated by blanks). Errors: a token without
  // "=" or with an empty key, a key given twice.
  static Result<RawFields> Parse(const std::vector<std::string_view>& tokens);

  bool Has(std::string_view key) const;
  // The value of `key`. Errors name the key: "missing tt=",
  // "pages=12x is not a number".
  Result<std::string> Text(std::string_view key) const;
  // Decimal, or hexadecimal with 0x. Error also when above `max`.
  Result<uint64_t> Uint(std::string_view key, uint64_t max = UINT64_MAX) const;
  // Decimal with an optional minus sign.
  Result<int64_t> Int(std::string_view key) const;
  // 0 or 1.
  Result<bool> Bool(std::string_view key) const;
  // As Uint/Int, but absent keys give nullopt.
  Result<std::optional<uint64_t>> OptUint(std::string_view key, uint64_t max = UINT64_MAX) const;
  Result<std::optional<int64_t>> OptInt(std::string_view key) const;

  // Every KEY=VALUE, in the line's order.
  const std::vector<std::pair<std::string_view, std::string_view>>& all() const { return fields_; }

 private:
  const std::string_view* Find(std::string_view key) const;
  std::vector<std::pair<std::string_view, std::string_view>> fields_;
};

// One line of a recording, split. Views point into the line's text.
struct RawLine {
  enum class Kind {
    kFormat,   // "ttm-record VERSION"
    kMachine,  // "machine KEY=VALUE..."
    kCall,     // "T_NS TID FUNCTION KEY=VALUE..."
  };
  Kind kind = Kind::kCall;
  int version = 0;            // kFormat
  uint64_t t = 0;             // kCall: nanoseconds (bpftrace's nsecs)
  uint64_t tid = 0;           // kCall: the calling thread
  std::string_view function;  // kCall: the kernel function
  RawFields fields;           // kMachine, kCall
};

// Splits one line (no newline; comments and blank lines are the caller's
// to skip). Error messages carry no "FILE:LINE:" prefix.
Result<RawLine> ParseRawLine(std::string_view text);

// Whether a line is a comment ("#" first, after blanks) or blank.
bool IsRawCommentOrBlank(std::string_view text);

}  // namespace ttm::import

#endif  // TTM_CORE_IMPORT_RAW_FORMAT_H_
