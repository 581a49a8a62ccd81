#pragma once
// The answers every route gives the same way: JSON bodies and errors as
// problem details (RFC 9457, application/problem+json) with a stable
// `type` ("urn:phodex:problem:<slug>", listed in docs/api.md, never
// renamed). Thread-safe free functions.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/error.h"
#include "server/http_types.h"

namespace phodex::server {

// 200 (or `status`) with `j` as application/json.
Response Json(const nlohmann::ordered_json& j, int status = 200);

// A problem: {"type": "urn:phodex:problem:<slug>", "title", "status",
// "detail"}. `detail` must not leak what a client may not know (no paths
// of files it did not name, no SQL).
Response Problem(int status, std::string_view slug, std::string_view title,
                 std::string_view detail = "");

// The problem for an error a library call returned: kNotFound 404,
// kInvalidArgument 400, kAlreadyExists and kBusy 409, kPermissionDenied
// 403, kContentFault 422, kTimedOut 503; anything else 500 "internal"
// (its detail in Response::log_detail: logged, not sent).
Response ProblemFor(const Error& error);

// Common ones.
Response NotFound(std::string_view detail = "");
Response BadRequest(std::string_view detail);

}  // namespace phodex::server
