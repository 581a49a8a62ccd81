#pragma once
// What the walker skips: built-in exclusions that no photographer wants
// cataloged (hidden files, recycle bins, NAS thumbnail folders, ...), the
// user's globs from the config file and --exclude, and phodex's own data
// (its data folder, the catalog's files, the root marker, temporary files)
// wherever it lives. See docs/cli.md, "Exclusions".
//
// Immutable after construction; thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace phodex::scan {

struct FilterOptions {
  // Globs (fnmatch). A glob without '/' matches a file or folder name at
  // any depth ("*.psd", "Exports"); one with '/' matches the path relative
  // to the root ("2019/tmp/*").
  std::vector<std::string> exclude_globs;
  // Absolute folders never entered (the catalog's data folder, the
  // thumbnail cache).
  std::vector<std::string> exclude_abs_dirs;
  // phodex's own files, never cataloged wherever they live (the catalog
  // and its -wal/-shm/-journal, journals, locks, migration backups, logs):
  // absolute globs whose folder part is literal and whose last component
  // is a glob ("/data/catalog.db.root-*.lock"). Matched in that folder
  // only.
  std::vector<std::string> exclude_abs_file_globs;
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
  // Whether file `name` in absolute folder `dir_abs` is one of
  // `exclude_abs_file_globs`.
  bool ExcludesFileIn(std::string_view dir_abs, std::string_view name) const;

 private:
  bool MatchesAny(std::string_view name, std::string_view rel) const;

  FilterOptions options_;
  std::vector<std::string> name_globs_;  // no '/': matched against the name
  std::vector<std::string> path_globs_;  // with '/': matched against rel
  // exclude_abs_file_globs split into (folder, name glob).
  std::vector<std::pair<std::string, std::string>> own_files_;
};

}  // namespace phodex::scan
