// phodex show PATH... [--json]: everything the catalog knows about files.

#include <cstdio>

#include "app/commands.h"
#include "app/pixel_workers.h"
#include "library/file_output.h"
#include "library/queries.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct ShowArgs {
  std::vector<std::string> paths;
  bool json = false;
};

using Json = nlohmann::ordered_json;

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
  auto lib = ctx.OpenLibrary(CatalogUse::kRead);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  int rc = kExitOk;
  for (const std::string& path : a.paths) {
    auto row = library::GetFileAt(**lib, path);
    if (!row && row.error().code() == ErrorCode::kNotFound) {
      PrintError(row.error().ToString());  // in no root
      rc = kExitError;
      continue;
    }
    if (!row) return PrintError(row.error().ToString()), ExitStatusFor(row.error());
    if (!*row) {
      PrintError("'" + path + "' is not a file in the catalog (scan it first; "
                 "for folders use phodex ls)");
      rc = kExitError;
      continue;
    }
    const Json j = library::FileDetailsToJson(**row, *cache);
    if (a.json) {
      std::printf("%s\n", library::DumpJson(j).c_str());
    } else {
      PrintText(j);
      std::printf("\n");
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
