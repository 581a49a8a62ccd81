// GET /api/v1/operations (the history, newest first, keyset-paged) and GET
// /api/v1/operations/{id} (one, with its newest file errors): docs/api.md,
// "Operations". The JSON of an operation and of a file error is the CLI's
// (library/operation_output.h).

#include "library/operation_output.h"
#include "library/queries.h"
#include "server/api.h"
#include "server/paging.h"
#include "server/problem.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 500;
// File errors shown with one operation (the newest): an operation that met
// a million unreadable files must not make a 100 MB answer.
constexpr int64_t kFileErrorsShown = 100;
constexpr size_t kMaxTypeBytes = 64;

Response ListOperations(Call& call) {
  const Request& rq = call.request;
  library::OperationsPageRequest req;
  auto limit = ParseLimit(rq, kDefaultLimit, kMaxLimit);
  if (!limit) return ProblemFor(limit.error());
  req.limit = *limit;
  auto cursor = ParseCursor(rq);
  if (!cursor) return ProblemFor(cursor.error());
  if (*cursor) req.before = OperationId{**cursor};
  if (auto type = rq.Query("type"); type && !type->empty()) {
    if (type->size() > kMaxTypeBytes) return BadRequest("type is too long");
    req.type = std::string(*type);
  }
  auto page = library::ListOperationsPage(call.lib, req);
  if (!page) return ProblemFor(page.error());
  std::optional<int64_t> next;
  if (page->next) next = page->next->value;
  return Json(
      PageJson("operations", page->operations, library::OperationToJson, next));
}

Response GetOperation(Call& call) {
  auto id = ParseId(call.request.Param("id"), "an operation id");
  if (!id) return ProblemFor(id.error());
  auto detail =
      library::GetOperation(call.lib, OperationId{*id}, kFileErrorsShown);
  if (!detail) return ProblemFor(detail.error());
  std::vector<nlohmann::json> errors;
  for (const catalog::FileErrorRow& e : detail->errors) {
    errors.push_back(library::FileErrorToJson(e));
  }
  return Json({{"operation", Items({library::OperationToJson(detail->operation)})[0]},
               {"file_errors", Items(errors)},
               {"more_file_errors", detail->more_errors}});
}

}  // namespace

void AddOperationRoutes(Router& r) {
  r.Get("/api/v1/operations", ListOperations);
  r.Get("/api/v1/operations/{id}", GetOperation);
}

}  // namespace phodex::server
