#pragma once
// Which folders a watcher leaves alone and which names it does not report
// (WatchOptions::exclude and include_hidden), with the semantics of the
// scan's exclusions (scan/filter.h; docs/cli.md, "Exclusions"), which the
// watch module may not depend on:
//   - a glob without '/' matches a name at any depth ("*.psd", "data");
//     one with '/' matches the path relative to the root ("2019/tmp/*");
//     one that starts with '/' matches the absolute path
//     ("/photos/catalog.db*": phodex's own files where the catalog sits
//     inside a root);
//   - hidden names (a leading '.') unless include_hidden;
//   - phodex's own names, always: the root marker ".phodex-root" and the
//     temporary files of its writes (".NAME.phodex-tmp-XXXXXX", ...), so
//     its own writes do not come back as foreign changes;
//   - the folders the scan never enters ("$RECYCLE.BIN", "@eaDir",
//     "lost+found", ".Trash-1000", ...), compared case-insensitively.
// Immutable after construction; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "watch/watcher.h"

namespace phodex::watch {

// Paths relative to a root, as the watchers build them: "" is the root's
// top folder, "a/b" a folder below it.
// `name` in folder `dir` ("" + "a" -> "a", "a" + "b" -> "a/b").
std::string JoinRel(const std::string& dir, std::string_view name);
// The absolute path of `rel` below `root_path`.
std::string AbsPath(const std::string& root_path, const std::string& rel);

class WatchFilter {
 public:
  // For the root at `root_path` (absolute).
  WatchFilter(const WatchOptions& options, std::string root_path);

  // Whether folder `name` (at `rel`, relative to the root) is neither
  // watched nor reported, nor anything below it.
  bool ExcludesFolder(std::string_view name, std::string_view rel) const;
  // Whether events about file `name` (at `rel`) are not reported.
  bool ExcludesFile(std::string_view name, std::string_view rel) const;

 private:
  bool ExcludesName(std::string_view name, std::string_view rel) const;

  bool include_hidden_ = false;
  std::vector<std::string> name_globs_;  // no '/': matched against names
  std::vector<std::string> path_globs_;  // with '/': matched against rel
  std::vector<std::string> abs_globs_;   // leading '/': the absolute path
  std::string root_path_;
};

}  // namespace phodex::watch
