#include "app/config.h"

#include <sstream>
#include <toml++/toml.h>

namespace phodex::app {
namespace {

Status LoadPixelSettings(const toml::table& tbl, const std::string& path,
                         Config& cfg) {
  const toml::node_view th = tbl["thumbnails"];
  cfg.thumb_size = static_cast<int>(th["thumb_size"].value_or(int64_t{256}));
  cfg.preview_size =
      static_cast<int>(th["preview_size"].value_or(int64_t{1600}));
  cfg.thumb_format = th["format"].value_or(std::string("webp"));
  cfg.thumb_quality = static_cast<int>(th["quality"].value_or(int64_t{80}));
  cfg.pixel_workers = static_cast<int>(th["workers"].value_or(int64_t{0}));
  cfg.pixel_timeout_s = th["timeout"].value_or(60.0);
  cfg.max_megapixels = th["max_megapixels"].value_or(300.0);
  cfg.pixel_memory_mb =
      static_cast<int>(th["memory_mb"].value_or(int64_t{1024}));
  if (cfg.thumb_size < 16 || cfg.thumb_size > 8192 || (cfg.preview_size != 0 && cfg.preview_size < 16) ||
      cfg.preview_size > 8192 || cfg.thumb_quality < 1 ||
      cfg.thumb_quality > 100 || cfg.pixel_workers < 0 ||
      cfg.pixel_timeout_s <= 0 || cfg.max_megapixels <= 0 || cfg.pixel_memory_mb < 64 ||
      (cfg.thumb_format != "webp" && cfg.thumb_format != "jpeg")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "[thumbnails] sizes must be 16..8192 (preview_size 0: none), quality 1..100, "
                     "format \"webp\" or \"jpeg\", workers >= 0, timeout and "
                     "max_megapixels > 0, memory_mb >= 64",
                     "read config", path);
  }
  cfg.similar_threshold =
      static_cast<int>(tbl["similar"]["threshold"].value_or(int64_t{12}));
  cfg.blurry_sharpness = tbl["quality"]["blurry"].value_or(30.0);
  if (cfg.similar_threshold < 0 || cfg.similar_threshold > 32) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "[similar] threshold must be 0..32", "read config", path);
  }
  return {};
}

}  // namespace

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
  // value<double> takes integers too ("= 1" reads as 1.0); a string does
  // not read, and is an error rather than the default.
  const toml::node_view max_removed = scan["max_removed_fraction"];
  if (max_removed) {
    cfg.max_removed_fraction = max_removed.value<double>().value_or(-1.0);
  }
  if (!(cfg.max_removed_fraction > 0 && cfg.max_removed_fraction <= 1)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "[scan] max_removed_fraction must be a number above 0 "
                     "and at most 1 (1: no limit)",
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
  PHODEX_TRY(LoadPixelSettings(tbl, path, cfg));
  return cfg;
}

}  // namespace phodex::app
