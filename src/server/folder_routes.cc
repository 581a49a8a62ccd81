// GET /api/v1/roots/{id}/folders: one page of a folder's subfolders with
// their counts and covers (docs/api.md, "Folders"; library/folders.h).
// Nothing here touches the disk: `parent` is only compared with the
// catalog's rels.

#include "library/folders.h"
#include "server/api.h"
#include "server/paging.h"
#include "server/problem.h"
#include "server/route_params.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

using Obj = nlohmann::ordered_json;

Response ListFolders(Call& call) {
  const Request& q = call.request;
  const std::optional<int64_t> id = ParseId(q.Param("id"));
  if (!id) return NotFound("no such root");
  library::ListFoldersRequest req;
  req.root = *id;
  req.parent = std::string(q.Query("parent").value_or(""));
  if (const auto cursor = q.Query("cursor"); cursor && !cursor->empty()) {
    auto after = DecodeCursor(*cursor);
    if (!after) return ProblemFor(after.error());
    req.after = std::move(*after);
  }
  auto limit = ParseLimit(q, static_cast<int64_t>(library::kDefaultFolderPage),
                          static_cast<int64_t>(library::kMaxFolderPage));
  if (!limit) return ProblemFor(limit.error());
  req.limit = static_cast<size_t>(*limit);
  auto page = library::ListFolders(call.lib, call.api.folders(), req);
  if (!page) return ProblemFor(page.error());
  Obj folders = Obj::array();
  for (const library::FolderEntry& f : page->folders) {
    folders.push_back(library::FolderToJson(f));
  }
  return Json(Obj{
      {"root", *id},
      {"parent", library::FolderToJson(page->parent)},
      {"folders", std::move(folders)},
      {"next_cursor", page->next_after ? Obj(EncodeCursor(*page->next_after))
                                       : Obj(nullptr)},
  });
}

}  // namespace

void AddFolderRoutes(Router& r) {
  r.Get("/api/v1/roots/{id}/folders", ListFolders);
}

}  // namespace phodex::server
