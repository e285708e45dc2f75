// Errors as values: Result<T> holds a T or an Error whose message tells the user what went
// wrong and, where it can, what to do about it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace xebec {

// What kind of failure an Error is, for callers that answer differently to each (the
// apiserver turns them into HTTP statuses). Most errors are kUnknown: only the message counts.
enum class ErrorCode {
  kUnknown,
  kNotFound,       // the named thing does not exist
  kAlreadyExists,  // a create found it there
  kConflict,       // a compare-and-swap lost: the thing changed since it was read
  kGone,           // history that was compacted away
  kInvalid,        // the input is well-formed but not acceptable
  kBadRequest,     // the input cannot be read
  kUnavailable,    // a dependency (disk, etcd) failed; retrying may help
  kForbidden,      // allowed to nobody, whatever the input (deleting the default namespace)
  kExhausted,      // a pool has nothing left to hand out (a full address range)
};

struct Error {
  std::string message;
  ErrorCode code = ErrorCode::kUnknown;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& value() const& { return std::get<T>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error err(std::string message, ErrorCode code = ErrorCode::kUnknown) { return Error{std::move(message), code}; }

}  // namespace xebec
