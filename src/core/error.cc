#include "core/error.h"

#include <cstring>

#include "util/text.h"

namespace phodex {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kTimedOut: return "timed_out";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kContentFault: return "content_fault";
  }
  return "unknown";
}

Error Error::FromErrno(int err, std::string op, std::string path) {
  ErrorCode code = ErrorCode::kIo;
  switch (err) {
    case ENOENT:
    case ENOTDIR: code = ErrorCode::kNotFound; break;
    case EACCES:
    case EPERM: code = ErrorCode::kPermissionDenied; break;
    case EEXIST: code = ErrorCode::kAlreadyExists; break;
    case EINVAL: code = ErrorCode::kInvalidArgument; break;
    case EWOULDBLOCK: code = ErrorCode::kBusy; break;
    default: break;
  }
  return Error(code, std::strerror(err), std::move(op), std::move(path));
}

std::string Error::ToString() const {
  std::string out;
  if (!op_.empty()) out += op_;
  if (!path_.empty()) {
    if (!out.empty()) out += ' ';
    out += '\'';
    out += util::EscapeBytes(path_);
    out += '\'';
  }
  if (!out.empty()) out += ": ";
  out += message_;
  return out;
}

}  // namespace phodex
