#include "watch/change_aggregator.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace phodex::watch {
namespace {

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (name.empty()) return dir;
  return dir + "/" + name;
}

std::string Parent(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

// Whether `rel` is `top` or a path below it.
bool AtOrBelow(const std::string& rel, const std::string& top) {
  if (top.empty()) return true;
  if (rel.size() < top.size() || rel.compare(0, top.size(), top) != 0) {
    return false;
  }
  return rel.size() == top.size() || rel[top.size()] == '/';
}

// `rel` relative to `top`. REQUIRES: AtOrBelow(rel, top).
std::string RelativeTo(const std::string& rel, const std::string& top) {
  if (top.empty()) return rel;
  if (rel.size() == top.size()) return std::string();
  return rel.substr(top.size() + 1);
}

// The reason of merged work: anything but kWatch (the first such) wins, so
// an overflow's rescan is recorded as one.
SyncReason MergeReason(SyncReason kept, SyncReason added) {
  return kept != SyncReason::kWatch ? kept : added;
}

// Everything of `from` but its names into `into`.
template <typename P>
void MergeFields(P& into, const P& from) {
  if (from.has_event) {
    into.first_event_ns =
        into.has_event ? std::min(into.first_event_ns, from.first_event_ns)
                       : from.first_event_ns;
    into.last_event_ns = into.has_event
                             ? std::max(into.last_event_ns, from.last_event_ns)
                             : from.last_event_ns;
    into.has_event = true;
  }
  if (from.at_once_ns) {
    into.at_once_ns = into.at_once_ns
                          ? std::min(*into.at_once_ns, *from.at_once_ns)
                          : *from.at_once_ns;
  }
  into.not_before_ns = std::max(into.not_before_ns, from.not_before_ns);
  into.other_news = into.other_news || from.other_news;
  into.whole = into.whole || from.whole;
  into.reason = MergeReason(into.reason, from.reason);
}

}  // namespace

ChangeAggregator::ChangeAggregator(AggregatorOptions options)
    : options_(options) {}

void ChangeAggregator::Add(const std::vector<WatchEvent>& events,
                           int64_t now_ns) {
  for (const WatchEvent& event : events) AddEvent(event, now_ns);
}

void ChangeAggregator::AddEvent(const WatchEvent& event, int64_t now_ns) {
  RootState& state = roots_[event.root];
  Pending pending = Seen(now_ns, SyncKind::kFolder, News::kOther);
  switch (event.kind) {
    case WatchEvent::Kind::kOverflow:
    case WatchEvent::Kind::kWatchLost:
      // Anything at or below `dir` may have been missed: walk it all.
      // Due at once (the service's schedule backs repeated overflows
      // off): waiting `delay` for quiet would only delay the rescan.
      pending.tree = true;
      pending.reason = SyncReason::kOverflow;
      pending.at_once_ns = now_ns;
      Merge(state, event.dir, std::move(pending));
      return;
    case WatchEvent::Kind::kRootGone:
      pending.reason = SyncReason::kOverflow;
      MakeReconcile(state, std::move(pending));
      return;
    default:
      AddEntryEvent(state, event, now_ns);
  }
}

void ChangeAggregator::AddEntryEvent(RootState& state, const WatchEvent& event,
                                     int64_t now_ns) {
  if (state.reconcile) {
    // The reconciliation covers it; it waits for the storm to pass.
    MergeFields(*state.reconcile, Seen(now_ns, SyncKind::kTree, News::kOther));
    return;
  }
  const bool folder = event.entry == WatchEvent::Entry::kFolder;
  const std::string rel = Join(event.dir, event.name);
  // A folder that left: a kTree of where it was, held like any delete;
  // then what was known below it is gone.
  Pending tree = Seen(now_ns, SyncKind::kTree, News::kLeaving);
  switch (event.kind) {
    case WatchEvent::Kind::kMovedTo:
      if (auto move = event.cookie != 0 ? state.moves.find(event.cookie)
                                        : state.moves.end();
          move != state.moves.end()) {
        Move from = std::move(move->second);
        state.moves.erase(move);
        PairMove(state, from, event, now_ns);
        return;
      }
      [[fallthrough]];
    case WatchEvent::Kind::kCreated:
      AddName(state, event.dir, event.name, News::kOther, now_ns);
      if (folder && !event.name.empty()) {
        // A new folder: walk it.
        Merge(state, rel, Seen(now_ns, SyncKind::kTree, News::kOther));
      }
      return;
    case WatchEvent::Kind::kModified:
      AddName(state, event.dir, event.name, News::kOther, now_ns);
      return;
    case WatchEvent::Kind::kRemoved:
      AddName(state, event.dir, event.name, News::kLeaving, now_ns);
      if (folder && !event.name.empty()) Merge(state, rel, std::move(tree));
      return;
    case WatchEvent::Kind::kMovedFrom:
      break;
    default:
      return;  // handled by AddEvent
  }
  AddName(state, event.dir, event.name, News::kLeaving, now_ns);
  if (state.reconcile || event.name.empty()) return;
  if (event.cookie == 0) {
    if (folder) Merge(state, rel, std::move(tree));
    return;
  }
  // Remember the move for its partner while that can still matter: a
  // folder's until it pairs (a kRename) or the hold ends (a kTree of the
  // place it left); a file's only while its folder is held (pairing makes
  // that folder ordinary change), not when it is listed at the normal
  // delay or walked by a kTree anyway.
  const Pending* pending = PendingAt(state, event.dir);
  const bool covered_by_tree = pending != nullptr && pending->tree;
  const bool held = pending != nullptr && !pending->other_news;
  if (covered_by_tree || (!folder && !held)) return;
  state.moves[event.cookie] = Move{event.dir, event.name, event.entry, now_ns};
  if (std::ssize(state.moves) > options_.root_storm) {
    MakeReconcile(state, Seen(now_ns, SyncKind::kTree, News::kOther));
  }
}

void ChangeAggregator::AddName(RootState& state, const std::string& dir,
                               const std::string& name, News news,
                               int64_t now_ns) {
  Pending pending = Seen(now_ns, SyncKind::kFolder, news);
  pending.names.insert(name);
  pending.whole = name.empty();  // the folder itself (a polled folder)
  Merge(state, dir, std::move(pending));
}

void ChangeAggregator::Merge(RootState& state, const std::string& rel,
                             Pending pending) {
  if (state.reconcile) {
    MergeFields(*state.reconcile, pending);
    return;
  }
  if (rel.empty() && pending.tree) {
    MakeReconcile(state, std::move(pending));
    return;
  }
  auto into = CoveringTree(state, rel);
  if (into == state.folders.end()) {
    auto [it, inserted] = state.folders.try_emplace(rel);
    if (inserted) it->second.seq = next_seq_++;
    into = it;
  }
  const std::string key = into->first;
  const std::string prefix = RelativeTo(rel, key);
  Pending& dst = into->second;
  MergeFields(dst, pending);
  if (pending.tree && !dst.tree) {
    MakeTree(state, key);
  } else if (!dst.tree) {
    const size_t cap = static_cast<size_t>(options_.folder_storm) + 1;
    for (const std::string& name : pending.names) {
      if (dst.names.size() >= cap) {
        dst.whole = true;
        break;
      }
      if (dst.names.insert(Join(prefix, name)).second) ++state.names;
    }
  }
  CheckStorms(state, key);
}

void ChangeAggregator::MakeTree(RootState& state, const std::string& rel) {
  // The walk covers every name below it: none of them counts any more.
  Pending& tree = state.folders.at(rel);
  state.names -= std::ssize(tree.names);
  tree.names.clear();
  tree.tree = true;
  Absorb(state, rel);
}

void ChangeAggregator::Absorb(RootState& state, const std::string& rel) {
  const std::string below = rel + "/";
  std::vector<std::pair<std::string, Pending>> absorbed;
  for (auto it = state.folders.lower_bound(below);
       it != state.folders.end() && it->first.starts_with(below);) {
    state.names -= std::ssize(it->second.names);
    absorbed.emplace_back(it->first, std::move(it->second));
    it = state.folders.erase(it);
  }
  Pending& tree = state.folders.at(rel);
  for (auto& [child, pending] : absorbed) MergeFields(tree, pending);
}

void ChangeAggregator::CheckStorms(RootState& state, const std::string& rel) {
  auto it = state.folders.find(rel);
  if (it != state.folders.end() && !it->second.tree &&
      std::ssize(it->second.names) > options_.folder_storm) {
    if (rel.empty()) {
      // A storm in the top folder: a walk of it all is a reconciliation.
      MakeReconcile(state, Pending{});
      return;
    }
    MakeTree(state, rel);
  }
  if (state.names > options_.root_storm) MakeReconcile(state, Pending{});
}

void ChangeAggregator::MakeReconcile(RootState& state, Pending pending) {
  Pending merged;
  if (state.reconcile) merged = std::move(*state.reconcile);
  MergeFields(merged, pending);
  for (const auto& [rel, folder] : state.folders) MergeFields(merged, folder);
  merged.tree = true;
  merged.other_news = true;
  merged.names.clear();
  state.folders.clear();
  state.renames.clear();
  state.moves.clear();
  state.names = 0;
  state.reconcile = std::move(merged);
}

void ChangeAggregator::PairMove(RootState& state, const Move& from,
                                const WatchEvent& to, int64_t now_ns) {
  // The folder it left changed as any other (it is no delete).
  if (Pending* left = PendingAt(state, from.dir)) left->other_news = true;
  AddName(state, to.dir, to.name, News::kOther, now_ns);
  if (state.reconcile) return;
  const std::string new_rel = Join(to.dir, to.name);
  if (from.entry != WatchEvent::Entry::kFolder ||
      to.entry != WatchEvent::Entry::kFolder) {
    if (to.entry == WatchEvent::Entry::kFolder) {
      Merge(state, new_rel, Seen(now_ns, SyncKind::kTree, News::kOther));
    }
    return;
  }
  // A folder renamed within the root: what is pending under its old name
  // is now under the new one (events queued before the rename carry the
  // old paths), and the kRename goes out first.
  const std::string old_rel = Join(from.dir, from.name);
  std::vector<std::pair<std::string, Pending>> moved;
  for (auto it = state.folders.lower_bound(old_rel);
       it != state.folders.end() && it->first.starts_with(old_rel);) {
    if (!AtOrBelow(it->first, old_rel)) {
      ++it;
      continue;
    }
    state.names -= std::ssize(it->second.names);
    moved.emplace_back(new_rel + it->first.substr(old_rel.size()),
                       std::move(it->second));
    it = state.folders.erase(it);
  }
  for (auto& [rel, pending] : moved) Merge(state, rel, std::move(pending));
  if (state.reconcile) return;
  for (auto& [cookie, move] : state.moves) {
    if (AtOrBelow(move.dir, old_rel)) {
      move.dir = new_rel + move.dir.substr(old_rel.size());
    }
  }
  state.renames.push_back(Rename{old_rel, new_rel, now_ns, SyncReason::kWatch});
}

void ChangeAggregator::ExpireMoves(RootState& state, int64_t now_ns) {
  std::vector<Move> expired;
  for (auto it = state.moves.begin(); it != state.moves.end();) {
    if (it->second.at_ns + options_.delete_hold.count() <= now_ns) {
      expired.push_back(std::move(it->second));
      it = state.moves.erase(it);
    } else {
      ++it;
    }
  }
  for (const Move& move : expired) {
    if (move.entry != WatchEvent::Entry::kFolder) continue;
    // A folder moved out of the root: what was known below it is gone.
    Merge(state, Join(move.dir, move.name),
          Seen(move.at_ns, SyncKind::kTree, News::kLeaving));
  }
}

ChangeAggregator::Pending ChangeAggregator::Seen(int64_t at_ns, SyncKind kind,
                                                 News news) {
  Pending pending;
  pending.has_event = true;
  pending.first_event_ns = at_ns;
  pending.last_event_ns = at_ns;
  pending.tree = kind == SyncKind::kTree;
  pending.other_news = news == News::kOther;
  return pending;
}

ChangeAggregator::FolderMap::iterator ChangeAggregator::CoveringTree(
    RootState& state, const std::string& rel) {
  for (std::string dir = rel;; dir = Parent(dir)) {
    auto it = state.folders.find(dir);
    if (it != state.folders.end() && it->second.tree) return it;
    if (dir.empty()) return state.folders.end();
  }
}

ChangeAggregator::Pending* ChangeAggregator::PendingAt(RootState& state,
                                                       const std::string& dir) {
  auto it = CoveringTree(state, dir);
  if (it == state.folders.end()) it = state.folders.find(dir);
  return it == state.folders.end() ? nullptr : &it->second;
}

int64_t ChangeAggregator::DueNs(const Pending& pending) const {
  if (!pending.has_event) {
    return std::max(pending.at_once_ns.value_or(0), pending.not_before_ns);
  }
  // News of files that arrived or changed: `delay` after the folder's
  // first event (a window, not a debounce: a folder copied into for a
  // minute is looked at every `delay`, and what is still being written is
  // held by the settle check, so a finished photo waits its settle time,
  // not the end of the copy). Entries that only left: `delete_hold` after
  // the last, so saves and moves pair up, but never past `max_wait`.
  int64_t due = pending.other_news
                    ? pending.first_event_ns + options_.delay.count()
                    : std::min(pending.last_event_ns +
                                   options_.delete_hold.count(),
                               pending.first_event_ns +
                                   options_.max_wait.count());
  if (pending.at_once_ns) due = std::min(due, *pending.at_once_ns);
  return std::max(due, pending.not_before_ns);
}

std::optional<int64_t> ChangeAggregator::BlockedUntil(
    const RootState& state, const std::string& rel) const {
  std::optional<int64_t> until;
  auto block = [&until](int64_t ns) {
    if (!until || ns > *until) until = ns;
  };
  for (const Rename& rename : state.renames) {
    if (AtOrBelow(rel, rename.from) || AtOrBelow(rel, rename.to)) {
      block(rename.due_ns);
    }
  }
  for (const auto& [cookie, move] : state.moves) {
    if (move.entry == WatchEvent::Entry::kFolder &&
        AtOrBelow(rel, Join(move.dir, move.name))) {
      block(move.at_ns + options_.delete_hold.count());
    }
  }
  return until;
}

std::vector<SyncWork> ChangeAggregator::TakeDue(int64_t now_ns) {
  std::vector<SyncWork> due_work;
  for (auto root_it = roots_.begin(); root_it != roots_.end();) {
    const RootId root = root_it->first;
    RootState& state = root_it->second;
    ExpireMoves(state, now_ns);
    if (state.reconcile && DueNs(*state.reconcile) <= now_ns) {
      due_work.push_back(SyncWork{.kind = SyncWork::Kind::kReconcile,
                                  .root = root,
                                  .reason = state.reconcile->reason});
      state.reconcile.reset();
    }
    // Renames in the order seen, up to the first that is not due.
    size_t renamed = 0;
    while (renamed < state.renames.size() &&
           state.renames[renamed].due_ns <= now_ns) {
      const Rename& rename = state.renames[renamed++];
      due_work.push_back(SyncWork{.kind = SyncWork::Kind::kRename,
                                  .root = root,
                                  .rel = rename.to,
                                  .from = rename.from,
                                  .reason = rename.reason});
    }
    state.renames.erase(
        state.renames.begin(),
        state.renames.begin() + static_cast<std::ptrdiff_t>(renamed));
    // Folder work in the order it became due.
    std::vector<std::tuple<int64_t, int64_t, std::string>> ready;
    for (const auto& [rel, pending] : state.folders) {
      const int64_t due = DueNs(pending);
      if (due <= now_ns && !BlockedUntil(state, rel)) {
        ready.emplace_back(due, pending.seq, rel);
      }
    }
    std::sort(ready.begin(), ready.end());
    for (const auto& [due, seq, rel] : ready) {
      auto it = state.folders.find(rel);
      const Pending& pending = it->second;
      SyncWork work{.kind = pending.tree ? SyncWork::Kind::kTree
                                         : SyncWork::Kind::kFolder,
                    .root = root,
                    .rel = rel,
                    .reason = pending.reason};
      if (!pending.tree && !pending.whole) {
        work.names.assign(pending.names.begin(), pending.names.end());
      }
      due_work.push_back(std::move(work));
      state.names -= std::ssize(it->second.names);
      state.folders.erase(it);
    }
    const bool idle = !state.reconcile && state.folders.empty() &&
                      state.renames.empty() && state.moves.empty();
    root_it = idle ? roots_.erase(root_it) : std::next(root_it);
  }
  return due_work;
}

void ChangeAggregator::Defer(const SyncWork& work, int64_t at_ns,
                             When when) {
  RootState& state = roots_[work.root];
  Pending pending;
  if (when == When::kAt) {
    pending.at_once_ns = at_ns;
  } else {
    pending.not_before_ns = at_ns;
  }
  pending.reason = work.reason;
  switch (work.kind) {
    case SyncWork::Kind::kFolder:
      pending.names.insert(work.names.begin(), work.names.end());
      pending.whole = work.names.empty();
      Merge(state, work.rel, std::move(pending));
      return;
    case SyncWork::Kind::kTree:
      pending.tree = true;
      Merge(state, work.rel, std::move(pending));
      return;
    case SyncWork::Kind::kReconcile:
      MakeReconcile(state, std::move(pending));
      return;
    case SyncWork::Kind::kRename:
      if (state.reconcile) {
        MergeFields(*state.reconcile, pending);
      } else {
        state.renames.push_back(
            Rename{work.from, work.rel, at_ns, work.reason});
      }
      return;
  }
}

void ChangeAggregator::Forget(RootId root) { roots_.erase(root); }

std::optional<int64_t> ChangeAggregator::NextDueNs() const {
  std::optional<int64_t> next;
  auto consider = [&next](int64_t due) {
    if (!next || due < *next) next = due;
  };
  for (const auto& [root, state] : roots_) {
    if (state.reconcile) consider(DueNs(*state.reconcile));
    for (const Rename& rename : state.renames) consider(rename.due_ns);
    for (const auto& [cookie, move] : state.moves) {
      // A file's move only ends its wait, it is no work of its own.
      if (move.entry == WatchEvent::Entry::kFolder) {
        consider(move.at_ns + options_.delete_hold.count());
      }
    }
    for (const auto& [rel, pending] : state.folders) {
      int64_t due = DueNs(pending);
      if (std::optional<int64_t> until = BlockedUntil(state, rel)) {
        due = std::max(due, *until);
      }
      consider(due);
    }
  }
  return next;
}

int64_t ChangeAggregator::pending_folders() const {
  int64_t count = 0;
  for (const auto& [root, state] : roots_) {
    count += std::ssize(state.folders) + std::ssize(state.renames) +
             (state.reconcile ? 1 : 0);
  }
  return count;
}

}  // namespace phodex::watch
