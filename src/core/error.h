#pragma once
// The one error model of phodex (see ../shared/STYLE.md, "Errors: one model").
//
// Failures that happen in normal use (a vanished file, permission denied, a
// full disk, a constraint violation) are returned as Result<T>, never thrown
// across a module boundary. An Error carries a code, the operation that
// failed, the path (if any) and a human-readable message, and renders as
// "stat '/a/b.jpg': Permission denied".
//
// Thread-compatible value types.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <string>
#include <utility>

namespace phodex {

enum class ErrorCode {
  kOk = 0,
  kNotFound,          // path or record does not exist
  kPermissionDenied,  // EACCES / EPERM
  kAlreadyExists,     // unique record or file already there
  kInvalidArgument,   // caller asked for something impossible
  kIo,                // read/write failure, disk full, ...
  kCorrupt,           // our own data (catalog, journal, a worker's reply) is
                      // not what it should be; for a user's file: kContentFault
  kBusy,              // another process holds a lock
  kUnsupported,       // e.g. a catalog written by a newer phodex
  kCancelled,         // user interrupted
  kTimedOut,          // a time limit passed (a parser that hangs, or a
                      // machine too busy to answer in time)
  kInternal,          // library failure we cannot classify, a worker that
                      // would not start or crashed, out of memory
  kContentFault,      // the file's content is bad: corrupt, truncated, not
                      // what its name says. Reading it again repeats the
                      // failure; scan/retry_policy.h records it as done.
};

// Short stable name for a code ("not_found"), used in JSON output and logs.
const char* ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message, std::string op = {},
        std::string path = {})
      : code_(code),
        message_(std::move(message)),
        op_(std::move(op)),
        path_(std::move(path)) {}

  // Builds an Error from an errno value, mapping it to a code.
  static Error FromErrno(int err, std::string op, std::string path = {});

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& op() const { return op_; }
  const std::string& path() const { return path_; }

  // "op 'path': message", "op: message" or just "message". The path is
  // escaped (see util::EscapeBytes) so the result is always valid UTF-8.
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::string op_;
  std::string path_;
};

// Result<T> and Status are std::expected, marked [[nodiscard]] as types:
// a caller that drops one (a failed write, a lock not taken, an operation
// not finished) fails to build (-Werror). Where dropping is really meant,
// `(void)` says so, with a comment why.
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result(std::expected<T, Error> e)  // NOLINT: implicit on purpose
      : std::expected<T, Error>(std::move(e)) {}
};
using Status = Result<void>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                        std::string op = {},
                                        std::string path = {}) {
  return std::unexpected<Error>(
      Error(code, std::move(message), std::move(op), std::move(path)));
}

inline std::unexpected<Error> ErrnoError(int err, std::string op,
                                         std::string path = {}) {
  return std::unexpected<Error>(
      Error::FromErrno(err, std::move(op), std::move(path)));
}

}  // namespace phodex

// PHODEX_TRY(expr): evaluates a Result/Status expression and returns its
// error unchanged from the enclosing function if it failed.
#define PHODEX_TRY(expr)                                             \
  do {                                                               \
    auto&& phodex_try_result_ = (expr);                              \
    if (!phodex_try_result_)                                         \
      return std::unexpected(std::move(phodex_try_result_).error()); \
  } while (0)

// PHODEX_ASSIGN_OR_RETURN(lhs, expr): like PHODEX_TRY, and on success moves
// the value into `lhs` (which may be a declaration: `auto x`).
#define PHODEX_CONCAT_INNER_(a, b) a##b
#define PHODEX_CONCAT_(a, b) PHODEX_CONCAT_INNER_(a, b)
#define PHODEX_ASSIGN_OR_RETURN(lhs, expr)                                 \
  auto PHODEX_CONCAT_(phodex_res_, __LINE__) = (expr);                     \
  if (!PHODEX_CONCAT_(phodex_res_, __LINE__))                              \
    return std::unexpected(                                                \
        std::move(PHODEX_CONCAT_(phodex_res_, __LINE__)).error());         \
  lhs = std::move(*PHODEX_CONCAT_(phodex_res_, __LINE__))

// PHODEX_CHECK(cond): a broken invariant is a bug; abort with the location.
#define PHODEX_CHECK(cond)                                                  \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (0)
