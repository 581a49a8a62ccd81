#include "server/problem.h"

#include "library/file_output.h"

namespace phodex::server {

Response Json(const nlohmann::ordered_json& j, int status) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = library::DumpJson(j);
  return r;
}

Response Problem(int status, std::string_view slug, std::string_view title,
                 std::string_view detail) {
  nlohmann::ordered_json j;
  j["type"] = "urn:phodex:problem:" + std::string(slug);
  j["title"] = title;
  j["status"] = status;
  if (!detail.empty()) j["detail"] = detail;
  Response r = Json(j, status);
  r.content_type = "application/problem+json";
  return r;
}

Response ProblemFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kNotFound:
      return Problem(404, "not-found", "Not found", error.message());
    case ErrorCode::kInvalidArgument:
      return Problem(400, "bad-request", "Bad request", error.message());
    case ErrorCode::kAlreadyExists:
      return Problem(409, "conflict", "Conflict", error.message());
    case ErrorCode::kBusy:
      return Problem(409, "busy", "Busy", error.message());
    case ErrorCode::kPermissionDenied:
      return Problem(403, "forbidden", "Forbidden", error.message());
    case ErrorCode::kContentFault:
      return Problem(422, "unprocessable", "The file's content is bad",
                     error.message());
    case ErrorCode::kTimedOut:
      return Problem(503, "unavailable", "Try again later", error.message())
          .With("Retry-After", "1");
    default: {
      Response r =
          Problem(500, "internal", "Internal error", "see the service's log");
      r.log_detail = error.ToString();
      return r;
    }
  }
}

Response NotFound(std::string_view detail) {
  return Problem(404, "not-found", "Not found", detail);
}

Response BadRequest(std::string_view detail) {
  return Problem(400, "bad-request", "Bad request", detail);
}

}  // namespace phodex::server
