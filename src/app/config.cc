#include "app/config.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "core/types.h"
#include "util/text.h"

namespace phodex::app {
namespace {

constexpr int64_t kMaxConfigBytes = int64_t{1} << 20;

// The tables phodex reads; anything else at the top is unknown.
constexpr const char* kTables[] = {"scan",    "metadata", "thumbnails",
                                   "similar", "quality",  "ratings",
                                   "serve"};

// "a string", "an integer", ...: what a value is, for messages.
std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "a list";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a decimal number";
    case toml::node_type::boolean: return "true or false";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// Reads typed values out of the config's tables. Every error names the file
// and the key ("scan.threads") and says what is expected; a value of the
// wrong type is an error, never the default (toml++'s value_or would
// silently give the default). Remembers the keys it was asked for, so the
// others can be reported as unknown.
class Reader {
 public:
  Reader(const toml::table& root, const std::string& path)
      : root_(root), path_(path) {}

  // A key that is there but not a table ("scan = 3") is an error.
  Status CheckTables() const {
    for (const char* name : kTables) {
      const toml::node* n = root_.get(name);
      if (n != nullptr && !n->is_table()) {
        return Bad(name, "must be a table ([" + std::string(name) +
                             "]), not " + TypeName(*n));
      }
    }
    return {};
  }

  Status Bool(const char* table, const char* key, bool& out) {
    const toml::node* n = Find(table, key);
    if (n == nullptr) return {};
    if (!n->is_boolean()) {
      return Bad(Key(table, key), "must be true or false, not " + TypeName(*n));
    }
    out = n->as_boolean()->get();
    return {};
  }

  // An integer in [min, max], checked before it is narrowed to int.
  Status Int(const char* table, const char* key, int64_t min, int64_t max,
             int& out) {
    const toml::node* n = Find(table, key);
    if (n == nullptr) return {};
    const std::string range =
        "between " + std::to_string(min) + " and " + std::to_string(max);
    if (!n->is_integer()) {
      return Bad(Key(table, key),
                 "must be an integer " + range + ", not " + TypeName(*n));
    }
    const int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      return Bad(Key(table, key),
                 "must be " + range + " (got " + std::to_string(v) + ")");
    }
    out = static_cast<int>(v);
    return {};
  }

  // A number (integer or decimal) in [min, max]; nan and inf are refused.
  Status Double(const char* table, const char* key, double min, double max,
                double& out) {
    const toml::node* n = Find(table, key);
    if (n == nullptr) return {};
    const std::string range = "between " + Number(min) + " and " + Number(max);
    double v = 0;
    if (n->is_integer()) {
      v = static_cast<double>(n->as_integer()->get());
    } else if (n->is_floating_point()) {
      v = n->as_floating_point()->get();
    } else {
      return Bad(Key(table, key),
                 "must be a number " + range + ", not " + TypeName(*n));
    }
    if (!(v >= min && v <= max)) {  // also false for nan
      return Bad(Key(table, key), "must be " + range + " (got " + Number(v) + ")");
    }
    out = v;
    return {};
  }

  // One of `allowed`.
  Status Choice(const char* table, const char* key,
                std::initializer_list<const char*> allowed, std::string& out) {
    const toml::node* n = Find(table, key);
    if (n == nullptr) return {};
    std::string expected;
    for (const char* a : allowed) {
      if (!expected.empty()) expected += " or ";
      expected += '"' + std::string(a) + '"';
    }
    if (!n->is_string()) {
      return Bad(Key(table, key), "must be " + expected + ", not " + TypeName(*n));
    }
    const std::string& v = n->as_string()->get();
    if (std::none_of(allowed.begin(), allowed.end(),
                     [&](const char* a) { return v == a; })) {
      return Bad(Key(table, key), "must be " + expected + " (got \"" +
                                      util::EscapeBytes(v) + "\")");
    }
    out = v;
    return {};
  }

  Status Strings(const char* table, const char* key,
                 std::vector<std::string>& out) {
    const toml::node* n = Find(table, key);
    if (n == nullptr) return {};
    if (!n->is_array()) {
      return Bad(Key(table, key),
                 "must be a list of strings, not " + TypeName(*n));
    }
    const toml::array& arr = *n->as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        return Bad(Key(table, key), "must be a list of strings; item " +
                                        std::to_string(i + 1) + " is " +
                                        TypeName(arr[i]));
      }
      out.push_back(arr[i].as_string()->get());
    }
    return {};
  }

  // "config 'FILE': unknown key K (ignored)" for every key not asked for,
  // sorted.
  std::vector<std::string> Unknown() const {
    std::vector<std::string> keys;
    for (const auto& [name, node] : root_) {
      const std::string table(name.str());
      const bool known_table =
          std::find_if(std::begin(kTables), std::end(kTables),
                       [&](const char* t) { return table == t; }) !=
          std::end(kTables);
      if (!known_table || !node.is_table()) {
        keys.push_back(table);
        continue;
      }
      for (const auto& [key, _] : *node.as_table()) {
        const std::string full = table + "." + std::string(key.str());
        if (!asked_.count(full)) keys.push_back(full);
      }
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> out;
    for (const std::string& k : keys) {
      out.push_back("config '" + util::EscapeBytes(path_) +
                    "': unknown key " + util::EscapeBytes(k) + " (ignored)");
    }
    return out;
  }

 private:
  static std::string Key(const char* table, const char* key) {
    return std::string(table) + "." + key;
  }
  const toml::node* Find(const char* table, const char* key) {
    asked_.insert(Key(table, key));
    const toml::table* t = root_[table].as_table();
    return t == nullptr ? nullptr : t->get(key);
  }
  std::unexpected<Error> Bad(const std::string& key,
                             const std::string& what) const {
    return MakeError(ErrorCode::kInvalidArgument, key + " " + what, "config",
                     path_);
  }

  const toml::table& root_;
  const std::string& path_;
  std::set<std::string> asked_;
};

Status ReadScan(Reader& r, const std::string& path, Config& cfg) {
  PHODEX_TRY(r.Strings("scan", "exclude", cfg.scan_exclude));
  PHODEX_TRY(r.Bool("scan", "follow_symlinks", cfg.follow_symlinks));
  PHODEX_TRY(r.Bool("scan", "cross_filesystems", cfg.cross_filesystems));
  PHODEX_TRY(r.Bool("scan", "include_hidden", cfg.include_hidden));
  PHODEX_TRY(r.Int("scan", "threads", 0, kMaxThreads, cfg.threads));
  PHODEX_TRY(r.Choice("scan", "hash", {"quick", "full"}, cfg.hash));
  // Above 0 (0 would withhold every removal) and at most 1 (no limit).
  PHODEX_TRY(r.Double("scan", "max_removed_fraction", 0, 1,
                      cfg.max_removed_fraction));
  if (!(cfg.max_removed_fraction > 0)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "scan.max_removed_fraction must be a number above 0 and "
                     "at most 1 (1: no limit)",
                     "config", path);
  }
  PHODEX_TRY(r.Bool("metadata", "enabled", cfg.metadata));
  PHODEX_TRY(
      r.Int("metadata", "workers", 0, kMaxWorkers, cfg.metadata_workers));
  PHODEX_TRY(r.Double("metadata", "timeout", kMinTimeoutS, kMaxTimeoutS,
                      cfg.metadata_timeout_s));
  return {};
}

Status ReadPixels(Reader& r, const std::string& path, Config& cfg) {
  PHODEX_TRY(r.Int("thumbnails", "thumb_size", 16, 8192, cfg.thumb_size));
  PHODEX_TRY(r.Int("thumbnails", "preview_size", 0, 8192, cfg.preview_size));
  if (cfg.preview_size > 0 && cfg.preview_size < 16) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "thumbnails.preview_size must be 0 (no previews) or "
                     "between 16 and 8192 (got " +
                         std::to_string(cfg.preview_size) + ")",
                     "config", path);
  }
  PHODEX_TRY(r.Choice("thumbnails", "format", {"webp", "jpeg"},
                      cfg.thumb_format));
  PHODEX_TRY(r.Int("thumbnails", "quality", 1, 100, cfg.thumb_quality));
  PHODEX_TRY(r.Int("thumbnails", "workers", 0, kMaxWorkers, cfg.pixel_workers));
  PHODEX_TRY(r.Double("thumbnails", "timeout", kMinTimeoutS, kMaxTimeoutS,
                      cfg.pixel_timeout_s));
  PHODEX_TRY(r.Double("thumbnails", "max_megapixels", 0.01, 100'000,
                      cfg.max_megapixels));
  PHODEX_TRY(r.Int("thumbnails", "memory_mb", 64, 1 << 20,
                   cfg.pixel_memory_mb));
  PHODEX_TRY(r.Int("similar", "threshold", 0, 32, cfg.similar_threshold));
  PHODEX_TRY(r.Double("quality", "blurry", 0, 1e7, cfg.blurry_sharpness));
  return {};
}

Status ReadRatings(Reader& r, Config& cfg) {
  PHODEX_TRY(r.Int("ratings", "favorite", -1, 5, cfg.favorite_rating));
  PHODEX_TRY(r.Int("ratings", "unfavorite", -1, 5, cfg.unfavorite_rating));
  PHODEX_TRY(r.Choice("ratings", "sidecar_naming", {"full", "base"},
                      cfg.sidecar_naming));
  return {};
}

// [serve] (docs/serve.md, "Settings"). Durations in seconds; 0 is allowed
// for the waits (tests), not for the intervals, which would spin.
Status ReadServe(Reader& r, Config& cfg) {
  constexpr double kHourS = 3600;
  constexpr double kYearS = 365 * 86'400.0;
  PHODEX_TRY(r.Double("serve", "delay", 0, kHourS, cfg.serve_delay_s));
  PHODEX_TRY(
      r.Double("serve", "delete_hold", 0, kHourS, cfg.serve_delete_hold_s));
  PHODEX_TRY(r.Double("serve", "settle", 0, kHourS, cfg.serve_settle_s));
  PHODEX_TRY(r.Int("serve", "folder_storm", 1, 1'000'000,
                   cfg.serve_folder_storm));
  PHODEX_TRY(r.Int("serve", "root_storm", 1, 100'000'000,
                   cfg.serve_root_storm));
  PHODEX_TRY(r.Double("serve", "reconcile_interval", 1, kYearS,
                      cfg.serve_reconcile_interval_s));
  PHODEX_TRY(r.Double("serve", "polled_interval", 1, kYearS,
                      cfg.serve_polled_interval_s));
  PHODEX_TRY(r.Double("serve", "poll_interval", 1, 86'400,
                      cfg.serve_poll_interval_s));
  PHODEX_TRY(r.Double("serve", "offline_check", 0.1, kHourS,
                      cfg.serve_offline_check_s));
  PHODEX_TRY(r.Bool("serve", "thumbs", cfg.serve_thumbs));
  PHODEX_TRY(r.Double("serve", "job_retention", 0, 36'500,
                      cfg.serve_job_retention_days));
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
  // Read through FileSystem, not toml::parse_file: its open would block
  // forever on a FIFO at `path`; OpenForRead refuses one at once.
  auto file = fs.OpenForRead(path, os::AccessPattern::kSequential);
  if (!file) {
    return std::unexpected(Error(file.error().code(), file.error().message(),
                                 "read config", path));
  }
  if ((*file)->size() > kMaxConfigBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "config file over 1 MiB",
                     "read config", path);
  }
  std::string text(static_cast<size_t>((*file)->size()), '\0');
  PHODEX_ASSIGN_OR_RETURN(const size_t got,
                          (*file)->ReadAt(0, text.data(), text.size()));
  text.resize(got);
  toml::table tbl;
  try {
    tbl = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " (line " << e.source().begin.line << ", column "
        << e.source().begin.column << ")";
    return MakeError(ErrorCode::kInvalidArgument, msg.str(), "read config",
                     path);
  }
  Reader r(tbl, path);
  PHODEX_TRY(r.CheckTables());
  PHODEX_TRY(ReadScan(r, path, cfg));
  PHODEX_TRY(ReadPixels(r, path, cfg));
  PHODEX_TRY(ReadRatings(r, cfg));
  PHODEX_TRY(ReadServe(r, cfg));
  cfg.warnings = r.Unknown();
  return cfg;
}

}  // namespace phodex::app
