#include "catalog/catalog.h"

#include <algorithm>
#include <utility>

namespace phodex::catalog {

bool TimelineBefore(const TimelinePos& a, const TimelinePos& b) {
  if (a.undated != b.undated) return b.undated;
  if (a.undated) {
    if (a.mtime != b.mtime) return a.mtime > b.mtime;
  } else if (a.taken != b.taken) {
    return a.taken > b.taken;
  }
  return a.id > b.id;
}

const char* OperationStatusName(OperationStatus s) {
  switch (s) {
    case OperationStatus::kRunning: return "running";
    case OperationStatus::kCompleted: return "completed";
    case OperationStatus::kFailed: return "failed";
    case OperationStatus::kInterrupted: return "interrupted";
  }
  return "running";
}

namespace {
constexpr std::pair<JobState, std::string_view> kJobStateNames[] = {
    {JobState::kAvailable, "available"}, {JobState::kRunning, "running"},
    {JobState::kRetryable, "retryable"}, {JobState::kCompleted, "completed"},
    {JobState::kFailed, "failed"},       {JobState::kCancelled, "cancelled"},
};
}  // namespace

std::string_view JobStateName(JobState state) {
  for (const auto& [s, name] : kJobStateNames) {
    if (s == state) return name;
  }
  return "available";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (const auto& [s, n] : kJobStateNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

// The helpers below read a page, which ends its read, and only then call
// `fn` for its rows.

Status ScanStore::ForEachKnownFile(RootId root, std::string_view rel_prefix,
                                   const std::function<void(KnownFile&&)>& fn,
                                   Depth depth) {
  std::optional<std::string> after;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<KnownFile> page,
        depth == Depth::kFolderOnly
            ? ListFolderFiles(root, rel_prefix, after, kKnownFilePage)
            : ListKnownFiles(root, rel_prefix, after, kKnownFilePage));
    const bool last = page.size() < kKnownFilePage;
    if (!page.empty()) after = page.back().rel;
    for (KnownFile& k : page) fn(std::move(k));
    if (last) return {};
  }
}

Status FileQueries::ForEachFile(const FileQuery& query,
                                const std::function<void(const FileRow&)>& fn) {
  int64_t left = query.limit.value_or(-1);
  FileCursor after;
  while (left != 0) {
    const size_t n =
        left < 0 ? kFilePage : std::min(kFilePage, static_cast<size_t>(left));
    PHODEX_ASSIGN_OR_RETURN(FilePage page, ListFiles(query, after, n));
    if (left > 0) left -= static_cast<int64_t>(page.rows.size());
    for (const FileRow& r : page.rows) fn(r);
    if (!page.next) break;
    after = std::move(*page.next);
  }
  return {};
}

Status FileQueries::ForEachSizeTwin(
    const std::function<void(SizeTwin&&)>& fn) {
  int64_t after = 0;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(std::vector<SizeTwin> page,
                            ListSizeTwins(after, kSizeTwinPage));
    if (page.empty()) return {};
    after = page.back().size;
    for (SizeTwin& t : page) fn(std::move(t));
  }
}

Status PixelStore::ForEachPresentHash(
    const std::function<void(const ContentHash&)>& fn) {
  std::optional<ContentHash> after;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(std::vector<ContentHash> page,
                            ListPresentHashes(after, kHashPage));
    for (const ContentHash& h : page) fn(h);
    if (page.size() < kHashPage) return {};
    after = page.back();
  }
}

}  // namespace phodex::catalog
