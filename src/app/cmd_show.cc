// phodex show PATH... [--json]: everything the catalog knows about files.

#include <cstdio>

#include "app/commands.h"
#include "app/pixel_workers.h"
#include "library/file_output.h"
#include "app/path_query.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct ShowArgs {
  std::vector<std::string> paths;
  bool json = false;
};

using Json = nlohmann::ordered_json;

Json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

// The ls fields, then every tag of the file and of its sidecar.
Json ShowJson(const catalog::FileRow& row,
              const imaging::ThumbnailCache& cache) {
  Json j = library::FileToJson(row, cache.settings_key());
  if (row.hash && j["thumb"].get<bool>()) {
    j["thumbnails"] = Json::object();
    for (size_t i = 0; i < cache.specs().size(); ++i) {
      j["thumbnails"][cache.specs()[i].name] =
          util::EscapeBytes(cache.PathFor(*row.hash, i));
    }
  } else {
    j["thumbnails"] = nullptr;
  }
  j["decoded_by"] = row.pixels && !row.pixels->error
                        ? Json(row.pixels->decoded_by)
                        : Json(nullptr);
  j["tags"] = row.metadata ? ParsedOrNull(row.metadata->tags_json) : Json(nullptr);
  if (row.sidecar_rel) {
    j["sidecar"] = {
        {"path", util::EscapeBytes(os::JoinPath(row.root_path, *row.sidecar_rel))},
        {"tags", ParsedOrNull(row.sidecar_tags_json)}};
  } else {
    j["sidecar"] = nullptr;
  }
  return j;
}

// A value as a line of text: strings (file names, EXIF text) with their
// control characters escaped, so `\e]0;PWNED\a` in a description cannot
// drive the terminal; anything else as JSON (which escapes them itself).
std::string Text(const Json& v) {
  return v.is_string() ? util::EscapeControls(v.get<std::string>(),
                                              util::Newline::kEscape)
                       : library::DumpJson(v);
}

void PrintText(const Json& j) {
  for (const auto& [key, value] : j.items()) {
    if (key == "tags" || value.is_null()) continue;
    if (key == "thumbnails" || key == "quality") {
      // "thumb: true" is printed already: the cache files are "... file:".
      const std::string suffix = key == "thumbnails" ? " file:" : ":";
      for (const auto& [k, v] : value.items()) {
        std::printf("%-14s %s\n", (k + suffix).c_str(), Text(v).c_str());
      }
      continue;
    }
    if (key == "sidecar") {
      std::printf("%-14s %s\n", "sidecar:", Text(value["path"]).c_str());
      continue;
    }
    if (value.is_array() && value.empty()) continue;
    std::printf("%-14s %s\n", (key + ":").c_str(), Text(value).c_str());
  }
  if (j["tags"].is_object()) {
    std::printf("%-14s %zu (phodex show --json prints them)\n", "tags:",
                j["tags"].size());
  }
}

int RunShow(Context& ctx, const ShowArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  const auto cache = OpenThumbnailCache(ctx, *config);
  auto cat = ctx.OpenCatalog(CatalogUse::kRead);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  int rc = kExitOk;
  for (const std::string& path : a.paths) {
    auto q = QueryForPath(ctx, **cat, path);
    if (!q) {
      PrintError(q.error().ToString());
      rc = kExitError;
      continue;
    }
    q->with_tags = true;
    q->with_pairs = true;
    bool found = false;
    auto st = (*cat)->ForEachFile(*q, [&](const catalog::FileRow& row) {
      if (row.rel != q->rel_prefix) return;  // a folder's contents
      found = true;
      const Json j = ShowJson(row, *cache);
      if (a.json) {
        std::printf("%s\n", library::DumpJson(j).c_str());
      } else {
        PrintText(j);
        std::printf("\n");
      }
    });
    if (!st) return PrintError(st.error().ToString()), kExitError;
    if (!found) {
      PrintError("'" + path + "' is not a file in the catalog (scan it first; "
                 "for folders use phodex ls)");
      rc = kExitError;
    }
  }
  return rc;
}

}  // namespace

RunFn SetupShow(CLI::App& sub) {
  auto a = std::make_shared<ShowArgs>();
  sub.add_option("paths", a->paths, "Files to show")->required();
  sub.add_flag("--json", a->json,
               "One JSON object per file: the ls fields plus every tag");
  return [a](Context& ctx) { return RunShow(ctx, *a); };
}

}  // namespace phodex::app
