// Status and Result: how bad input and usage errors travel across module
// boundaries in ttm-replay, instead of exceptions (after leveldb's Status).
//
// A Status is either ok or an error with a code and a one-line message. The
// message is complete on its own (a trace error already reads
// "FILE:LINE: OP: what"), so the CLI prints it as is.
//
// Simulated kernel failures (ENOMEM, EINTR, ...) are not Statuses: they are
// ordinary data in an event's outcome. Broken invariants are not either: they
// are violations reported by the checker.
#ifndef TTM_CORE_STATUS_H_
#define TTM_CORE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace ttm {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidInput,  // malformed or inconsistent data (a trace, a report)
    kUsage,         // a command line or API used the wrong way
    kIoError,       // a file that cannot be opened, read or written
  };

  // An ok Status.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string message) {
    return Status(Code::kInvalidInput, std::move(message));
  }
  static Status Usage(std::string message) { return Status(Code::kUsage, std::move(message)); }
  static Status IoError(std::string message) {
    return Status(Code::kIoError, std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // One line, no trailing newline; empty when ok.
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the error that prevented it. Constructing a Result from an ok
// Status is a programmer error: there would be neither a value nor an error.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "a Result needs a value or an error");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // Only when ok().
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ttm

#endif  // TTM_CORE_STATUS_H_
