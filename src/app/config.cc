#include "app/config.h"

#include <sstream>
#include <toml++/toml.h>

namespace phodex::app {

Result<Config> LoadConfig(os::FileSystem& fs, const std::string& path,
                          ConfigRequired required) {
  Config cfg;
  if (auto st = fs.Stat(path, os::Follow::kYes); !st) {
    if (required == ConfigRequired::kNo &&
        st.error().code() == ErrorCode::kNotFound) {
      return cfg;
    }
    return std::unexpected(st.error());
  }
  toml::table tbl;
  try {
    tbl = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " (line " << e.source().begin.line << ", column "
        << e.source().begin.column << ")";
    return MakeError(ErrorCode::kInvalidArgument, msg.str(), "read config",
                     path);
  }
  const toml::node_view scan = tbl["scan"];
  if (auto* arr = scan["exclude"].as_array()) {
    for (const toml::node& n : *arr) {
      auto s = n.value<std::string>();
      if (!s) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "[scan] exclude must be a list of strings",
                         "read config", path);
      }
      cfg.scan_exclude.push_back(*s);
    }
  }
  cfg.follow_symlinks = scan["follow_symlinks"].value_or(false);
  cfg.cross_filesystems = scan["cross_filesystems"].value_or(false);
  cfg.include_hidden = scan["include_hidden"].value_or(false);
  cfg.threads = static_cast<int>(scan["threads"].value_or(int64_t{0}));
  cfg.hash = scan["hash"].value_or(std::string("quick"));
  if (cfg.hash != "quick" && cfg.hash != "full") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "[scan] hash must be \"quick\" or \"full\"",
                     "read config", path);
  }
  const toml::node_view meta = tbl["metadata"];
  cfg.metadata = meta["enabled"].value_or(true);
  cfg.metadata_workers = static_cast<int>(meta["workers"].value_or(int64_t{0}));
  cfg.metadata_timeout_s = meta["timeout"].value_or(10.0);
  if (cfg.metadata_workers < 0 || cfg.metadata_timeout_s <= 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "[metadata] workers must be >= 0 and timeout > 0",
                     "read config", path);
  }
  const toml::node_view ratings = tbl["ratings"];
  cfg.favorite_rating = static_cast<int>(ratings["favorite"].value_or(int64_t{5}));
  cfg.unfavorite_rating =
      static_cast<int>(ratings["unfavorite"].value_or(int64_t{0}));
  cfg.sidecar_naming = ratings["sidecar_naming"].value_or(std::string("full"));
  auto valid_rating = [](int r) { return r >= -1 && r <= 5; };
  if (!valid_rating(cfg.favorite_rating) ||
      !valid_rating(cfg.unfavorite_rating) ||
      (cfg.sidecar_naming != "full" && cfg.sidecar_naming != "base")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "[ratings] favorite/unfavorite must be -1..5 and "
                     "sidecar_naming \"full\" or \"base\"",
                     "read config", path);
  }
  return cfg;
}

}  // namespace phodex::app
