#pragma once
// The user's config file (TOML), by default
// $XDG_CONFIG_HOME/phodex/config.toml. Documented in docs/cli.md.
// Thread-compatible value types.

#include <string>
#include <vector>

#include "core/error.h"
#include "library/config.h"
#include "os/file_system.h"

namespace phodex::app {

// The settings themselves are library::Config (library/config.h): the
// library's use cases read them; app/ only parses the file.
using Config = library::Config;

// Limits of the values (docs/cli.md, "Config file"). Worker processes are
// capped lower than threads: each is a process with its own memory.
inline constexpr int kMaxWorkers = 256;  // [metadata], [thumbnails] workers
inline constexpr double kMinTimeoutS = 0.001;
inline constexpr double kMaxTimeoutS = 86'400;

// Loads `path`. A missing file is an empty config unless `required`.
// Every value is checked for its type and range: an error names the file
// and the key ("config 'FILE': scan.threads must be between 0 and 1024
// (got -5)"). Unknown keys are `warnings`, not errors.
enum class ConfigRequired { kNo, kYes };
Result<Config> LoadConfig(os::FileSystem& fs, const std::string& path,
                          ConfigRequired required);

}  // namespace phodex::app
