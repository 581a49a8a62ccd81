#include "tests/fakes/fake_file_system.h"

#include <algorithm>
#include <cerrno>

namespace phodex::testing {
namespace {

bool IsChildOf(const std::string& path, const std::string& dir,
               std::string* name) {
  const std::string prefix = dir == "/" ? "/" : dir + "/";
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return false;
  const std::string rest = path.substr(prefix.size());
  if (rest.find('/') != std::string::npos) return false;
  *name = rest;
  return true;
}

// The real file system's refusal of a folder or a FIFO (the only other
// kind a fake node can be).
std::unexpected<Error> NotRegular(FileType type, const char* op,
                                  const std::string& path) {
  return MakeError(ErrorCode::kInvalidArgument,
                   type == FileType::kDirectory
                       ? "not a regular file (a folder)"
                       : "not a regular file (a FIFO)",
                   op, path);
}

}  // namespace

void FakeFileSystem::AddParents(const std::string& path) {
  std::string dir = os::DirName(path);
  while (dir != "/" && dir != "." && !nodes_.count(dir)) {
    nodes_[dir] = Node{FileType::kDirectory, "", {1, 0}, next_ino_++};
    dir = os::DirName(dir);
  }
  if (!nodes_.count("/")) nodes_["/"] = Node{FileType::kDirectory, "", {}, 2};
}

void FakeFileSystem::AddFile(const std::string& path,
                             const std::string& content, int64_t mtime_ns) {
  std::lock_guard lock(mu_);
  AddParents(path);
  uint64_t ino = next_ino_++;
  if (auto it = nodes_.find(path); it != nodes_.end()) ino = it->second.ino;
  nodes_[path] =
      Node{FileType::kRegular, content, FileTime::FromNanos(mtime_ns), ino};
}

void FakeFileSystem::AddDir(const std::string& path) {
  std::lock_guard lock(mu_);
  AddParents(path);
  nodes_[path] = Node{FileType::kDirectory, "", {1, 0}, next_ino_++};
}

void FakeFileSystem::AddSymlink(const std::string& path,
                                const std::string& target) {
  std::lock_guard lock(mu_);
  AddParents(path);
  nodes_[path] = Node{FileType::kSymlink, target, {1, 0}, next_ino_++};
}

void FakeFileSystem::AddFifo(const std::string& path) {
  std::lock_guard lock(mu_);
  AddParents(path);
  nodes_[path] = Node{FileType::kOther, "", {1, 0}, next_ino_++};
}

void FakeFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->first == path || it->first.starts_with(path + "/")) {
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
}

void FakeFileSystem::Touch(const std::string& path, int64_t mtime_ns) {
  std::lock_guard lock(mu_);
  nodes_.at(path).mtime = FileTime::FromNanos(mtime_ns);
}

void FakeFileSystem::AddPathDouble(const std::string& dir,
                                   const std::string& real_dir, uint64_t dev,
                                   DoubleIno ino) {
  std::lock_guard lock(mu_);
  doubles_[dir] = Double{real_dir, dev, ino};
}

const std::pair<const std::string, FakeFileSystem::Double>*
FakeFileSystem::DoubleOf(const std::string& path) const {
  const std::pair<const std::string, Double>* best = nullptr;
  for (const auto& d : doubles_) {
    if ((path == d.first || path.starts_with(d.first + "/")) &&
        (best == nullptr || d.first.size() > best->first.size())) {
      best = &d;
    }
  }
  return best;
}

std::string FakeFileSystem::Real(const std::string& path) const {
  const auto* d = DoubleOf(path);
  if (d == nullptr) return path;
  return d->second.real_dir + path.substr(d->first.size());
}

const FakeFileSystem::Node* FakeFileSystem::Resolve(const std::string& path) {
  const std::string real = Real(path);
  if (auto it = nodes_.find(real); it != nodes_.end()) {
    if (real != path) name_cache_[path] = it->second.ino;
    return &it->second;
  }
  // The kernel's name cache: a path double still finds a renamed file.
  auto cached = name_cache_.find(path);
  if (cached == name_cache_.end()) return nullptr;
  for (const auto& [p, node] : nodes_) {
    if (node.ino == cached->second && node.type == FileType::kRegular) {
      return &node;
    }
  }
  return nullptr;
}

uint64_t FakeFileSystem::DeviceOf(const std::string& path) const {
  if (const auto* d = DoubleOf(path)) return d->second.dev;
  uint64_t dev = 1;
  size_t best = 0;
  for (const auto& [dir, d] : devices_) {
    if ((path == dir || path.starts_with(dir + "/")) && dir.size() > best) {
      dev = d;
      best = dir.size();
    }
  }
  return dev;
}

void FakeFileSystem::SetFileSystemIdentity(const std::string& dir,
                                           FileSystemIdentity id) {
  std::lock_guard lock(mu_);
  fs_ids_[dir] = std::move(id);
}

void FakeFileSystem::UnsetFileSystemIdentity(const std::string& dir) {
  std::lock_guard lock(mu_);
  fs_ids_.erase(dir);
}

Result<FileSystemIdentity> FakeFileSystem::IdentifyFileSystem(
    const std::string& path) {
  std::lock_guard lock(mu_);
  PHODEX_TRY(StatLocked(path, os::Follow::kYes, 0));
  if (fail_identify_.count(path)) return ErrnoError(EIO, "statfs", path);
  FileSystemIdentity id{"", "fakefs", 0};
  size_t best = 0;
  for (const auto& [dir, d] : fs_ids_) {
    if ((path == dir || path.starts_with(dir + "/")) && dir.size() >= best) {
      id = d;
      best = dir.size();
    }
  }
  return id;
}

Result<FileStat> FakeFileSystem::StatLocked(const std::string& path,
                                            os::Follow follow, int depth) {
  const Node* found = Resolve(path);
  if (found == nullptr) return ErrnoError(ENOENT, "stat", path);
  const Node& n = *found;
  if (n.type == FileType::kSymlink && follow == os::Follow::kYes) {
    if (depth > 16) return ErrnoError(ELOOP, "stat", path);
    return StatLocked(n.content, follow, depth + 1);
  }
  FileStat st;
  st.dev = DeviceOf(path);
  st.ino = n.ino;
  if (const auto* d = DoubleOf(path); d && d->second.ino == DoubleIno::kOther) {
    st.ino += 1'000'000;
  }
  st.size = static_cast<int64_t>(n.content.size());
  st.mtime = n.mtime;
  st.ctime = n.mtime;  // the fake keeps one time per file
  st.type = n.type;
  return st;
}

Result<std::vector<os::DirEntry>> FakeFileSystem::ListDir(
    const std::string& dir, os::Follow follow) {
  std::lock_guard lock(mu_);
  ++list_calls_;
  if (deny_list_.count(dir)) return ErrnoError(EACCES, "open directory", dir);
  auto st = StatLocked(dir, os::Follow::kYes, 0);
  if (!st) return std::unexpected(Error(st.error().code(), st.error().message(),
                                        "open directory", dir));
  if (st->type != FileType::kDirectory) {
    return ErrnoError(ENOTDIR, "open directory", dir);
  }
  const bool is_double = DoubleOf(dir) != nullptr;
  std::string real = Real(dir);
  if (!is_double && nodes_.at(dir).type == FileType::kSymlink) {
    real = nodes_.at(dir).content;
  }
  std::vector<os::DirEntry> out;
  std::string name;
  for (const auto& [path, node] : nodes_) {
    if (!IsChildOf(path, real, &name)) continue;
    os::DirEntry e;
    e.name = name;
    auto s = StatLocked(is_double ? os::JoinPath(dir, name) : path, follow, 0);
    if (s) {
      e.stat = *s;
    } else {
      e.error = s.error();
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<FileStat> FakeFileSystem::Stat(const std::string& path,
                                      os::Follow follow) {
  std::lock_guard lock(mu_);
  return StatLocked(path, follow, 0);
}

namespace {

// A snapshot of the content at open time.
class FakeFile final : public os::RandomAccessFile {
 public:
  explicit FakeFile(std::string content) : content_(std::move(content)) {}
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset >= content_.size()) return size_t{0};
    const size_t len = std::min(n, content_.size() - offset);
    std::copy_n(content_.data() + offset, len, buf);
    return len;
  }
  int64_t size() const override {
    return static_cast<int64_t>(content_.size());
  }

 private:
  std::string content_;
};

}  // namespace

Result<std::unique_ptr<os::RandomAccessFile>> FakeFileSystem::OpenForRead(
    const std::string& path, os::AccessPattern) {
  std::lock_guard lock(mu_);
  if (os::BaseName(path) != ".phodex-root") ++read_calls_;
  if (vanish_.count(path)) return ErrnoError(ENOENT, "open", path);
  if (deny_read_.count(path)) return ErrnoError(EACCES, "open", path);
  const Node* node = Resolve(path);
  if (node == nullptr) return ErrnoError(ENOENT, "open", path);
  if (node->type != FileType::kRegular) {
    return NotRegular(node->type, "open", path);
  }
  return std::unique_ptr<os::RandomAccessFile>(new FakeFile(node->content));
}

Result<std::string> FakeFileSystem::RealPath(const std::string& path) {
  std::lock_guard lock(mu_);
  if (Resolve(path) == nullptr) {
    return ErrnoError(ENOENT, "resolve path", path);
  }
  return path;
}

Status FakeFileSystem::MakeDirs(const std::string& path) {
  std::lock_guard lock(mu_);
  AddParents(path + "/x");
  return {};
}

Status FakeFileSystem::CheckReplaceable(const std::string& path) const {
  if (auto it = nodes_.find(path); it != nodes_.end()) {
    if (it->second.type == FileType::kSymlink) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "is a symbolic link; phodex does not write through links", "write",
          path);
    }
    if (it->second.type != FileType::kRegular) {
      return NotRegular(it->second.type, "write", path);
    }
  }
  return CheckWritable(path);
}

Status FakeFileSystem::CheckWritable(const std::string& path) const {
  if (deny_write_.count(os::DirName(path))) {
    return ErrnoError(EACCES, "create temporary file in", os::DirName(path));
  }
  return {};
}

Status FakeFileSystem::AtomicWrite(const std::string& path,
                                   std::string_view data) {
  std::lock_guard lock(mu_);
  PHODEX_TRY(CheckReplaceable(path));
  if (fail_rename_.count(path)) return ErrnoError(EIO, "rename", path);
  AddParents(path);
  nodes_[path] = Node{FileType::kRegular, std::string(data), {0, 1}, next_ino_++};
  return {};
}

Status FakeFileSystem::CopyFileDurable(const std::string& from,
                                       const std::string& to,
                                       const std::string& /*temp*/) {
  std::lock_guard lock(mu_);
  auto src = nodes_.find(from);
  if (src == nodes_.end()) return ErrnoError(ENOENT, "open", from);
  if (src->second.type != FileType::kRegular) {
    return MakeError(ErrorCode::kInvalidArgument, "not a regular file", "copy",
                     from);
  }
  auto dir = nodes_.find(os::DirName(to));
  if (dir == nodes_.end() || dir->second.type != FileType::kDirectory) {
    return ErrnoError(ENOENT, "create temporary file in", os::DirName(to));
  }
  PHODEX_TRY(CheckWritable(to));
  if (nodes_.count(to)) {
    return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                     "create", to);
  }
  if (fail_rename_.count(to)) return ErrnoError(EIO, "create", to);
  const Node copy = src->second;
  nodes_[to] =
      Node{FileType::kRegular, copy.content, copy.mtime, next_ino_++};
  return {};
}

Status FakeFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (fail_change_.count(path)) return ErrnoError(EIO, "remove", path);
  auto it = nodes_.find(Real(path));
  if (it == nodes_.end()) return ErrnoError(ENOENT, "remove", path);
  if (it->second.type == FileType::kDirectory) {
    return ErrnoError(EISDIR, "remove", path);
  }
  nodes_.erase(it);
  return {};
}

Status FakeFileSystem::Link(const std::string& existing,
                            const std::string& link) {
  std::lock_guard lock(mu_);
  if (fail_change_.count(link)) return ErrnoError(EIO, "link", link);
  auto src = nodes_.find(Real(existing));
  if (src == nodes_.end()) return ErrnoError(ENOENT, "link", existing);
  if (DeviceOf(existing) != DeviceOf(link)) {
    return MakeError(ErrorCode::kUnsupported, "Invalid cross-device link",
                     "create hard link", link);
  }
  const std::string to = Real(link);
  if (nodes_.count(to)) {
    return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                     "create hard link", link);
  }
  if (!nodes_.count(os::DirName(to))) return ErrnoError(ENOENT, "link", link);
  nodes_[to] = src->second;
  return {};
}

Status FakeFileSystem::Rename(const std::string& from, const std::string& to,
                              os::Replace replace) {
  std::lock_guard lock(mu_);
  if (fail_change_.count(from)) return ErrnoError(EIO, "rename", from);
  const std::string real_from = Real(from);
  const std::string real_to = Real(to);
  if (!nodes_.count(real_from)) return ErrnoError(ENOENT, "rename", from);
  if (DeviceOf(from) != DeviceOf(to)) {
    return MakeError(ErrorCode::kUnsupported, "Invalid cross-device link",
                     "rename", from);
  }
  if (nodes_.count(real_to) && replace == os::Replace::kNo) {
    return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                     "rename", to);
  }
  if (!nodes_.count(os::DirName(real_to))) {
    return ErrnoError(ENOENT, "rename", to);
  }
  // The node and, for a folder, everything below it.
  std::map<std::string, Node> moved;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->first == real_from || it->first.starts_with(real_from + "/")) {
      moved[real_to + it->first.substr(real_from.size())] = it->second;
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [path, node] : moved) nodes_[path] = node;
  return {};
}

Result<bool> FakeFileSystem::IsListed(const std::string& path) {
  std::lock_guard lock(mu_);
  if (deny_list_.count(os::DirName(path))) {
    return ErrnoError(EACCES, "open directory", os::DirName(path));
  }
  return nodes_.count(Real(path)) > 0;
}

Status FakeFileSystem::SyncDir(const std::string& /*dir*/) {
  std::lock_guard lock(mu_);
  ++sync_dir_calls_;
  return {};
}


namespace {

class FakeTempFile final : public os::TempFile {
 public:
  FakeTempFile(std::string path, std::string content)
      : path_(std::move(path)), content_(std::move(content)) {}
  const std::string& path() const override { return path_; }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset >= content_.size()) return size_t{0};
    const size_t len = std::min(n, content_.size() - offset);
    std::copy_n(content_.data() + offset, len, buf);
    return len;
  }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    if (content_.size() < offset + data.size()) {
      content_.resize(offset + data.size());
    }
    content_.replace(offset, data.size(), data);
    return {};
  }
  Status Truncate(uint64_t size) override {
    content_.resize(size);
    return {};
  }
  Result<int64_t> Size() override {
    return static_cast<int64_t>(content_.size());
  }
  std::string& content() { return content_; }

 private:
  std::string path_;
  std::string content_;
};

}  // namespace

Status FakeFileSystem::ReplaceFile(const std::string& path,
                                   const os::EditFn& edit) {
  const std::string temp_path = os::JoinPath(
      os::DirName(path), "." + std::string(os::BaseName(path)) +
                             ".phodex-tmp");
  std::string content;
  {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(path);
    if (it == nodes_.end()) return ErrnoError(ENOENT, "open", path);
    if (deny_read_.count(path)) return ErrnoError(EACCES, "open", path);
    PHODEX_TRY(CheckReplaceable(path));
    content = it->second.content;
    nodes_[temp_path] = Node{FileType::kRegular, content, {0, 1}, next_ino_++};
  }
  FakeTempFile temp(temp_path, std::move(content));
  Status edited = edit(temp);
  std::lock_guard lock(mu_);
  nodes_.erase(temp_path);
  if (!edited) return edited;
  if (fail_rename_.count(path)) return ErrnoError(EIO, "rename", temp_path);
  Node& node = nodes_[path];  // a rename recreates a vanished target
  node = Node{FileType::kRegular, std::move(temp.content()),
              FileTime::FromParts(node.mtime.sec, node.mtime.nsec + 1),
              next_ino_++};
  return {};
}

}  // namespace phodex::testing
