// phodex migrate [--status]

#include <cstdio>

#include "app/commands.h"
#include "library/catalog_admin.h"

namespace phodex::app {
namespace {

int PrintStatus(const catalog::SchemaStatus& s) {
  std::printf("schema version %d (this phodex: %d)\n", s.current, s.latest);
  if (s.pending.empty()) {
    std::printf("up to date\n");
  } else {
    for (const auto& [v, desc] : s.pending) {
      std::printf("pending: v%d %s\n", v, desc.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

RunFn SetupMigrate(CLI::App& sub) {
  auto status_only = std::make_shared<bool>(false);
  sub.add_flag("--status", *status_only,
               "Show the schema version and pending migrations; change "
               "nothing");
  return [status_only](Context& ctx) {
    auto lib = ctx.OpenLibrary(*status_only ? CatalogUse::kInspect
                                            : CatalogUse::kWrite);
    if (!lib) return PrintError(lib.error().ToString()), int{kExitError};
    auto s = library::GetSchemaStatus(**lib);
    if (!s) return PrintError(s.error().ToString()), ExitStatusFor(s.error());
    return PrintStatus(*s);
  };
}

}  // namespace phodex::app
