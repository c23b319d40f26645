// One error type for every layer: which step failed, the operation, the object it
// worked on, the errno as a value (so tests compare EPERM, not text) and a hint.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "cloister/export.hpp"

namespace cloister {

struct CLOISTER_API Error {
  std::string step;    // e.g. "ro-bind /usr -> /usr", "clone", "--tmpfs"
  std::string op;      // the syscall or operation, e.g. "open_tree"
  std::string object;  // path or value the operation worked on, may be empty
  int err = 0;         // errno, 0 when the error is not from the kernel
  std::string hint;    // what the user can do about it, may be empty

  // "<step>: <op> <object>: <strerror> (<hint>)", parts omitted when empty.
  [[nodiscard]] std::string message() const;
};

CLOISTER_API Error usage_error(std::string option, std::string what);

// A value the user gave, as an error message shows it: in single quotes, control characters
// escaped (\x1b, \n), cut after `limit` bytes with its length said, so that a hostile value
// can neither flood the terminal nor write escape sequences to it.
CLOISTER_API std::string quote(std::string_view value, std::size_t limit = 64);
// The same without quotes, for the parts of a message that name things (paths, options).
CLOISTER_API std::string bounded(std::string_view value, std::size_t limit);

// A value or an Error; [[nodiscard]] so no failure is silently dropped.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT
  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { return std::get<1>(state_); }
  Error take_error() { return std::move(std::get<1>(state_)); }

 private:
  std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace cloister

// Propagate an error from an expression returning Result/Status.
#define CLOISTER_TRY(expr)                                                    \
  do {                                                                        \
    auto cloister_try_result_ = (expr);                                       \
    if (!cloister_try_result_.ok()) return cloister_try_result_.take_error(); \
  } while (0)
