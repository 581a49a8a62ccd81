#include "library/folders.h"

#include <algorithm>

#include "util/text.h"

namespace phodex::library {
namespace {

// (taken, id) of a candidate cover beats the current one.
bool Newer(const std::string& taken, FileId id, const std::string& cur_taken,
           const std::optional<FileId>& cur) {
  return !cur || taken > cur_taken ||
         (taken == cur_taken && id.value > cur->value);
}

std::string_view Parent(std::string_view rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string_view()
                                         : rel.substr(0, slash);
}

}  // namespace

std::shared_ptr<const FolderTree> FolderTree::Build(
    std::vector<catalog::FolderTally> tallies) {
  auto tree = std::make_shared<FolderTree>();
  std::vector<Node>& nodes = tree->nodes_;
  auto& by_rel = tree->by_rel_;
  nodes.emplace_back();
  by_rel.emplace("", 0);
  // The node at `rel`, made with its missing ancestors.
  auto node_at = [&](std::string_view rel) {
    std::vector<std::string_view> missing;
    size_t at = 0;
    for (std::string_view r = rel;; r = Parent(r)) {
      auto it = by_rel.find(std::string(r));
      if (it != by_rel.end()) {
        at = it->second;
        break;
      }
      missing.push_back(r);
    }
    for (auto m = missing.rbegin(); m != missing.rend(); ++m) {
      Node n;
      n.entry.rel = std::string(*m);
      const size_t slash = m->rfind('/');
      n.entry.name = std::string(
          slash == std::string_view::npos ? *m : m->substr(slash + 1));
      nodes.push_back(std::move(n));
      const size_t child = nodes.size() - 1;
      nodes[at].children.push_back(child);
      by_rel.emplace(nodes[child].entry.rel, child);
      at = child;
    }
    return at;
  };
  for (catalog::FolderTally& t : tallies) {
    const size_t i = node_at(t.rel);
    nodes[i].entry.direct_media += t.media;
    // The tally's files count in the folder and in each of its ancestors,
    // and may be their cover.
    for (std::string_view r = t.rel;; r = Parent(r)) {
      Node& n = nodes[by_rel.find(std::string(r))->second];
      n.entry.media += t.media;
      if (t.cover && Newer(t.cover_taken, *t.cover, n.cover_taken,
                           n.entry.cover)) {
        n.entry.cover = t.cover;
        n.cover_taken = t.cover_taken;
      }
      if (r.empty()) break;
    }
  }
  for (Node& n : nodes) {
    std::sort(n.children.begin(), n.children.end(),
              [&nodes](size_t a, size_t b) {
                return nodes[a].entry.name < nodes[b].entry.name;
              });
    n.entry.subfolders = static_cast<int64_t>(n.children.size());
  }
  return tree;
}

const FolderEntry* FolderTree::Find(std::string_view rel) const {
  auto it = by_rel_.find(std::string(rel));
  return it == by_rel_.end() ? nullptr : &nodes_[it->second].entry;
}

FolderTree::Children FolderTree::ChildrenOf(std::string_view rel,
                                            std::string_view after,
                                            size_t limit) const {
  const Node& parent = nodes_[by_rel_.at(std::string(rel))];
  auto first = std::upper_bound(
      parent.children.begin(), parent.children.end(), after,
      [this](std::string_view a, size_t b) { return a < nodes_[b].entry.name; });
  Children out;
  for (auto it = first; it != parent.children.end(); ++it) {
    if (out.folders.size() == limit) {
      out.more = true;
      break;
    }
    out.folders.push_back(&nodes_[*it].entry);
  }
  return out;
}

Result<std::shared_ptr<const FolderTree>> FolderCache::Tree(
    catalog::FolderIndex& cat, RootId root) {
  // The version first: rows written after it make the tree newer than
  // its key, which the next call finds changed; never the reverse.
  PHODEX_ASSIGN_OR_RETURN(int64_t version, cat.ContentVersion());
  auto cached = [&]() -> std::shared_ptr<const FolderTree> {
    util::MutexLock l(mu_);
    auto it = trees_.find(root.value);
    if (it == trees_.end() || it->second.version != version) return nullptr;
    return it->second.tree;
  };
  if (auto tree = cached()) return tree;
  util::MutexLock building(build_mu_);
  if (auto tree = cached()) return tree;  // built while this one waited
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::FolderTally> tallies,
                          cat.TallyFolders(root));
  std::shared_ptr<const FolderTree> tree = FolderTree::Build(std::move(tallies));
  util::MutexLock l(mu_);
  // Trees of older versions are of no more use: dropped with this one.
  std::erase_if(trees_, [&](const auto& e) { return e.second.version != version; });
  trees_[root.value] = Entry{version, tree};
  return tree;
}

Result<std::shared_ptr<const catalog::CatalogStats>> FolderCache::Stats(
    catalog::Catalog& cat) {
  PHODEX_ASSIGN_OR_RETURN(int64_t version, cat.ContentVersion());
  auto cached = [&]() -> std::shared_ptr<const catalog::CatalogStats> {
    util::MutexLock l(mu_);
    return stats_ && stats_version_ == version ? stats_ : nullptr;
  };
  if (auto stats = cached()) return stats;
  util::MutexLock building(build_mu_);
  if (auto stats = cached()) return stats;
  PHODEX_ASSIGN_OR_RETURN(catalog::CatalogStats fresh, cat.Stats());
  auto stats = std::make_shared<const catalog::CatalogStats>(std::move(fresh));
  util::MutexLock l(mu_);
  stats_version_ = version;
  stats_ = stats;
  return stats;
}

Status ValidateFolderRel(std::string_view rel) {
  auto bad = [](std::string why) {
    return MakeError(ErrorCode::kInvalidArgument, "parent: " + why);
  };
  if (rel.empty()) return {};
  if (rel.size() > 4096) return bad("longer than 4096 bytes");
  if (rel.find('\0') != std::string_view::npos) return bad("holds a NUL");
  if (rel.front() == '/') {
    return bad("must be a folder's rel in the root, not an absolute path");
  }
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(rel.find('/', start), rel.size());
    const std::string_view seg = rel.substr(start, end - start);
    if (seg.empty()) return bad("has an empty segment or a trailing '/'");
    if (seg == "." || seg == "..") return bad("has a '.' or '..' segment");
    if (end == rel.size()) return {};
    start = end + 1;
  }
}

Result<FolderPage> ListFolders(Library& lib, FolderCache& cache,
                               const ListFoldersRequest& req) {
  PHODEX_TRY(ValidateFolderRel(req.parent));
  if (req.limit < 1 || req.limit > kMaxFolderPage) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "limit must be 1.." + std::to_string(kMaxFolderPage));
  }
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  if (std::none_of(roots.begin(), roots.end(), [&](const catalog::Root& r) {
        return r.id.value == req.root;
      })) {
    return MakeError(ErrorCode::kNotFound,
                     "no root with id " + std::to_string(req.root));
  }
  PHODEX_ASSIGN_OR_RETURN(std::shared_ptr<const FolderTree> tree,
                          cache.Tree(lib.catalog(), RootId{req.root}));
  const FolderEntry* parent = tree->Find(req.parent);
  if (parent == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "no folder '" + util::EscapeBytes(req.parent) +
                         "' with media files in root " +
                         std::to_string(req.root));
  }
  FolderPage page;
  page.parent = *parent;
  FolderTree::Children c = tree->ChildrenOf(req.parent, req.after, req.limit);
  for (const FolderEntry* f : c.folders) page.folders.push_back(*f);
  if (c.more) page.next_after = page.folders.back().name;
  return page;
}

nlohmann::ordered_json FolderToJson(const FolderEntry& f) {
  return nlohmann::ordered_json{
      {"rel", util::EscapeBytes(f.rel)},
      {"name", util::EscapeBytes(f.name)},
      {"media", f.media},
      {"direct_media", f.direct_media},
      {"subfolders", f.subfolders},
      {"cover", f.cover ? nlohmann::ordered_json(f.cover->value)
                        : nlohmann::ordered_json(nullptr)},
  };
}

}  // namespace phodex::library
