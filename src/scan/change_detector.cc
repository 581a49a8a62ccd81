#include "scan/change_detector.h"

#include <algorithm>
#include <optional>

#include "os/file_system.h"
#include "util/text.h"

namespace phodex::scan {
namespace {

std::pair<std::string_view, std::string_view> SplitRel(std::string_view rel) {
  const size_t slash = rel.rfind('/');
  if (slash == std::string_view::npos) return {"", rel};
  return {rel.substr(0, slash), rel.substr(slash + 1)};
}


std::string_view Stem(std::string_view name) {
  const size_t dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? name
                                                   : name.substr(0, dot);
}

// Detect's test, on the catalog's KnownFile or the detector's own Known.
template <typename K>
bool SameAndProcessed(const K& k, const FileStat& stat,
                      const DetectorWants& wants) {
  return k.size == stat.size && k.mtime == stat.mtime && k.ino == stat.ino &&
         k.content_version >= wants.content_version &&
         (!wants.full_hash || k.has_hash) && (!wants.sha256 || k.has_sha256);
}

int KindPreference(MediaKind k) {
  switch (k) {
    case MediaKind::kRaw: return 0;
    case MediaKind::kPhoto: return 1;
    case MediaKind::kVideo: return 2;
    default: return 9;
  }
}

}  // namespace

void ChangeDetector::AddKnown(catalog::KnownFile&& f) {
  auto [dir, name] = SplitRel(f.rel);
  std::string target;
  if (!f.sidecar_target.empty()) {
    target = std::string(SplitRel(f.sidecar_target).second);
  }
  by_dir_[std::string(dir)].push_back(Known{std::string(name), f.id, f.size,
                                            f.mtime, f.ino,
                                            std::move(target),
                                            f.content_version, f.has_hash,
                                            f.has_sha256});
  ++known_count_;
}

void ChangeDetector::Seal() {
  for (auto& [_, v] : by_dir_) {
    std::sort(v.begin(), v.end(),
              [](const Known& a, const Known& b) { return a.name < b.name; });
  }
}

namespace {

// Media files of one folder indexed by lower-cased name and stem, so that
// linking a folder of 5,000 raws and 5,000 sidecars stays linear.
class SidecarIndex {
 public:
  explicit SidecarIndex(const std::vector<WalkEntry>& files) {
    for (const WalkEntry& f : files) {
      if (f.kind == MediaKind::kSidecar || f.kind == MediaKind::kOther) continue;
      std::string lower = util::AsciiLower(f.name);
      auto [it, inserted] = by_stem_.try_emplace(std::string(Stem(lower)), &f);
      const WalkEntry* cur = it->second;
      if (!inserted &&
          (KindPreference(f.kind) < KindPreference(cur->kind) ||
           (KindPreference(f.kind) == KindPreference(cur->kind) &&
            f.name < cur->name))) {
        it->second = &f;
      }
      by_name_.emplace(std::move(lower), &f);
    }
  }

  std::string Target(std::string_view sidecar_name) const {
    const std::string base = util::AsciiLower(Stem(sidecar_name));
    if (auto it = by_name_.find(base); it != by_name_.end()) {
      return it->second->name;  // IMG_1.CR2.xmp -> IMG_1.CR2
    }
    if (auto it = by_stem_.find(base); it != by_stem_.end()) {
      return it->second->name;  // IMG_1.xmp -> IMG_1.CR2
    }
    return {};
  }

 private:
  std::unordered_map<std::string, const WalkEntry*> by_name_;
  std::unordered_map<std::string, const WalkEntry*> by_stem_;
};

}  // namespace

bool ChangeDetector::Unchanged(const catalog::KnownFile& known,
                               const FileStat& stat, const Wants& wants) {
  return SameAndProcessed(known, stat, wants);
}

std::string ChangeDetector::SidecarTarget(std::string_view sidecar_name,
                                          const std::vector<WalkEntry>& files) {
  return SidecarIndex(files).Target(sidecar_name);
}

DirChanges ChangeDetector::Detect(std::string_view rel_dir,
                                  std::vector<WalkEntry>&& files) {
  DirChanges out;
  out.rel_dir = std::string(rel_dir);
  std::vector<Known>* known = nullptr;
  if (auto it = by_dir_.find(out.rel_dir); it != by_dir_.end()) {
    known = &it->second;
  }
  std::optional<SidecarIndex> sidecars;
  for (const WalkEntry& f : files) {
    if (f.kind == MediaKind::kSidecar) {
      sidecars.emplace(files);
      break;
    }
  }
  std::vector<StatKey> new_files;
  for (WalkEntry& f : files) {
    Known* k = nullptr;
    if (known) {
      auto it = std::lower_bound(
          known->begin(), known->end(), f.name,
          [](const Known& a, const std::string& n) { return a.name < n; });
      if (it != known->end() && it->name == f.name) k = &*it;
    }
    bool changed = true;
    if (k) {
      k->seen = true;
      changed = !SameAndProcessed(*k, f.stat, wants_);
    }
    if (f.kind == MediaKind::kSidecar) {
      std::string target = sidecars->Target(f.name);
      const std::string& old = k ? k->sidecar_target : std::string();
      if (target != old || (changed && !target.empty())) {
        catalog::SidecarLink link;
        link.sidecar_rel = os::JoinPath(rel_dir, f.name);
        if (!target.empty()) link.target_rel = os::JoinPath(rel_dir, target);
        out.links.push_back(std::move(link));
      }
    }
    if (!changed) {
      ++out.unchanged;
      continue;
    }
    if (k == nullptr && known_count_ > 0) {
      new_files.emplace_back(f.stat.ino, f.stat.size, f.stat.mtime);
    }
    FileChange c;
    c.is_new = k == nullptr;
    c.upsert.rel = os::JoinPath(rel_dir, f.name);
    c.upsert.stat = f.stat;
    c.upsert.kind = f.kind;
    out.changes.push_back(std::move(c));
  }
  if (!new_files.empty()) {
    util::MutexLock lock(new_mu_);
    new_files_.insert(new_files_.end(), new_files.begin(), new_files.end());
  }
  return out;
}

void ChangeDetector::Protect(std::string_view rel) {
  util::MutexLock lock(protect_mu_);
  protected_.emplace_back(rel);
}

bool ChangeDetector::IsProtected(std::string_view rel) const {
  for (const std::string& p : protected_) {
    if (p.empty()) return true;
    if (rel.starts_with(p) && (rel.size() == p.size() || rel[p.size()] == '/')) {
      return true;
    }
  }
  return false;
}

void ChangeDetector::ForEachUnseen(
    const std::function<void(const Known&)>& fn) const {
  util::MutexLock lock(protect_mu_);
  for (const auto& [dir, entries] : by_dir_) {
    for (const Known& k : entries) {
      if (k.seen) continue;
      if (!protected_.empty() && IsProtected(os::JoinPath(dir, k.name))) continue;
      fn(k);
    }
  }
}

std::vector<FileId> ChangeDetector::Unseen() const {
  std::vector<FileId> out;
  ForEachUnseen([&](const Known& k) { out.push_back(k.id); });
  return out;
}

int64_t ChangeDetector::SeenCount() const {
  int64_t n = 0;
  for (const auto& [_, entries] : by_dir_) {
    for (const Known& k : entries) n += k.seen ? 1 : 0;
  }
  return n;
}

std::vector<FileId> ChangeDetector::UnseenNotFoundElsewhere() const {
  std::vector<StatKey> found;
  {
    util::MutexLock lock(new_mu_);
    found = new_files_;
  }
  std::sort(found.begin(), found.end());
  std::vector<FileId> out;
  ForEachUnseen([&](const Known& k) {
    if (!std::binary_search(found.begin(), found.end(),
                            StatKey{k.ino, k.size, k.mtime})) {
      out.push_back(k.id);
    }
  });
  return out;
}

}  // namespace phodex::scan
