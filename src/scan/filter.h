#pragma once
// What the walker skips: built-in exclusions that no photographer wants
// cataloged (hidden files, recycle bins, NAS thumbnail folders, ...), the
// user's globs from the config file and --exclude, and absolute folders
// such as phodex's own data folder. See docs/cli.md, "Exclusions".
//
// Immutable after construction; thread-safe.

#include <string>
#include <string_view>
#include <vector>

namespace phodex::scan {

struct FilterOptions {
  // Globs (fnmatch). A glob without '/' matches a file or folder name at
  // any depth ("*.psd", "Exports"); one with '/' matches the path relative
  // to the root ("2019/tmp/*").
  std::vector<std::string> exclude_globs;
  // Absolute folders never entered (the catalog's data folder).
  std::vector<std::string> exclude_abs_dirs;
  // Hidden names (leading '.') are excluded unless this is set.
  bool include_hidden = false;
};

class Filter {
 public:
  explicit Filter(FilterOptions options);

  // `name` is the last component, `rel` the path relative to the root
  // (equal to name at the top), `abs` the absolute path (folders only).
  bool ExcludesDir(std::string_view name, std::string_view rel,
                   std::string_view abs) const;
  bool ExcludesFile(std::string_view name, std::string_view rel) const;

 private:
  bool MatchesAny(std::string_view name, std::string_view rel) const;

  FilterOptions options_;
  std::vector<std::string> name_globs_;  // no '/': matched against the name
  std::vector<std::string> path_globs_;  // with '/': matched against rel
};

}  // namespace phodex::scan
