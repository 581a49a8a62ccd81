#pragma once
// The user's config file (TOML), by default
// $XDG_CONFIG_HOME/phodex/config.toml. Documented in docs/cli.md.
// Thread-compatible value types.

#include <string>
#include <vector>

#include "core/error.h"
#include "os/file_system.h"

namespace phodex::app {

struct Config {
  std::vector<std::string> scan_exclude;  // [scan] exclude
  bool follow_symlinks = false;           // [scan] follow_symlinks
  bool cross_filesystems = false;         // [scan] cross_filesystems
  bool include_hidden = false;            // [scan] include_hidden
  int threads = 0;                        // [scan] threads (0 = auto)
  std::string hash = "quick";             // [scan] hash: "quick" | "full"
};

// Loads `path`. A missing file is an empty config unless `required`.
enum class ConfigRequired { kNo, kYes };
Result<Config> LoadConfig(os::FileSystem& fs, const std::string& path,
                          ConfigRequired required);

}  // namespace phodex::app
