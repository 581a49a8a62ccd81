#include "library/search.h"

#include <algorithm>
#include <charconv>

#include "core/content_hash.h"
#include "library/file_output.h"
#include "library/library.h"

namespace phodex::library {
namespace {

constexpr std::string_view kCursorVersion = "s1|";

// Words at ASCII white space.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
  };
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !space(text[j])) ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

nlohmann::ordered_json SearchQueryToJson(const SearchQuery& q) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  auto put = [&](const char* key, const auto& v) {
    if (v) j[key] = *v;
  };
  put("from", q.from);
  put("to", q.to);
  put("make", q.make);
  put("model", q.model);
  put("lens", q.lens);
  put("focal_min", q.focal_min);
  put("focal_max", q.focal_max);
  put("iso_min", q.iso_min);
  put("iso_max", q.iso_max);
  put("aperture_min", q.aperture_min);
  put("aperture_max", q.aperture_max);
  put("rating_min", q.rating_min);
  put("rejected", q.rejected);
  put("label", q.label);
  put("favorite", q.favorite);
  if (q.kind) j["kind"] = MediaKindName(*q.kind);
  put("pair", q.pair);
  put("gps", q.gps);
  if (q.root) j["root"] = q.root->value;
  if (!q.folder.empty()) j["folder"] = q.folder;
  if (!q.text.empty()) j["q"] = q.text;
  return j;
}

Result<catalog::SearchFilter> ToSearchFilter(const SearchQuery& q,
                                             const Config& config) {
  if (!q.folder.empty() && !q.root) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "folder needs root: a folder is inside one root", "");
  }
  catalog::SearchFilter f;
  f.taken_from = q.from;
  // Inclusive at the precision given: '~' sorts after every character a
  // capture time holds after that precision ('T', ':', '.', '+', digits).
  if (q.to) f.taken_before = *q.to + "~";
  f.make = q.make;
  f.model = q.model;
  f.lens = q.lens;
  f.label = q.label;
  f.focal_min = q.focal_min;
  f.focal_max = q.focal_max;
  f.f_number_min = q.aperture_min;
  f.f_number_max = q.aperture_max;
  f.iso_min = q.iso_min;
  f.iso_max = q.iso_max;
  // Rating, reject and favorite are one range over the merged rating.
  auto at_least = [&](int v) {
    f.rating_min = std::max(f.rating_min.value_or(v), v);
  };
  auto at_most = [&](int v) {
    f.rating_max = std::min(f.rating_max.value_or(v), v);
  };
  if (q.rating_min) at_least(*q.rating_min);
  if (q.rejected) {
    if (*q.rejected) {
      at_most(-1);
    } else {
      at_least(0);
    }
  }
  if (q.favorite) {
    if (*q.favorite) {
      at_least(config.favorite_rating);
    } else {
      at_most(config.favorite_rating - 1);
    }
  }
  f.kind = q.kind;
  f.pair = q.pair;
  f.gps = q.gps;
  f.root = q.root;
  f.folder = q.folder;
  f.words = Words(q.text);
  return f;
}

std::string EncodeSearchCursor(const catalog::SearchCursor& c) {
  const std::string raw = std::string(kCursorVersion) +
                          (c.unread ? "u" : "r") +
                          std::to_string(c.id.value) + "|" + c.taken;
  return HexOf(raw);
}

Result<catalog::SearchCursor> DecodeSearchCursor(std::string_view text) {
  auto bad = [] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cursor: not one this API gave (take it from \"next\")",
                     "");
  };
  // 3 + 1 + 20 digits + 1 + a capture time (at most 35 bytes today).
  if (text.size() % 2 != 0 || text.size() > 2 * 300) return bad();
  std::string raw;
  for (size_t i = 0; i < text.size(); i += 2) {
    int v = 0;
    const auto [p, ec] = std::from_chars(text.data() + i,
                                         text.data() + i + 2, v, 16);
    if (ec != std::errc() || p != text.data() + i + 2 ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
      return bad();
    }
    raw += static_cast<char>(v);
  }
  if (!raw.starts_with(kCursorVersion)) return bad();
  std::string_view rest = std::string_view(raw).substr(kCursorVersion.size());
  if (rest.empty() || (rest[0] != 'u' && rest[0] != 'r')) return bad();
  const bool unread = rest[0] == 'u';
  rest.remove_prefix(1);
  const size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return bad();
  int64_t id = 0;
  const auto [p, ec] = std::from_chars(rest.data(), rest.data() + bar, id);
  if (ec != std::errc() || p != rest.data() + bar || id <= 0) return bad();
  const std::string_view taken = rest.substr(bar + 1);
  if (std::any_of(taken.begin(), taken.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20;
      })) {
    return bad();
  }
  if (unread && !taken.empty()) return bad();
  return catalog::SearchCursor{false, std::string(taken), FileId{id}, unread};
}

Result<SearchResult> Search(Library& lib, const SearchQuery& query,
                            std::string_view cursor, size_t limit) {
  PHODEX_CHECK(limit > 0 && limit <= kSearchMaxLimit);
  PHODEX_ASSIGN_OR_RETURN(catalog::SearchFilter filter,
                          ToSearchFilter(query, lib.config()));
  catalog::SearchCursor after;
  if (!cursor.empty()) {
    PHODEX_ASSIGN_OR_RETURN(after, DecodeSearchCursor(cursor));
  }
  PHODEX_ASSIGN_OR_RETURN(catalog::SearchPage page,
                          lib.catalog().SearchFiles(filter, after, limit));
  SearchResult out;
  out.rows = std::move(page.rows);
  if (page.next) out.next = EncodeSearchCursor(*page.next);
  return out;
}

nlohmann::ordered_json SearchResultToJson(const SearchResult& result,
                                          const std::string& thumbs_key) {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const catalog::FileRow& row : result.rows) {
    files.push_back(FileToJson(row, thumbs_key));
  }
  nlohmann::ordered_json j;
  j["files"] = std::move(files);
  j["next"] = result.next.empty() ? nlohmann::ordered_json(nullptr)
                                  : nlohmann::ordered_json(result.next);
  return j;
}

Result<int64_t> CountMatches(Library& lib, const SearchQuery& query) {
  PHODEX_ASSIGN_OR_RETURN(catalog::SearchFilter filter,
                          ToSearchFilter(query, lib.config()));
  return lib.catalog().CountSearch(filter);
}

Status ForEachMatch(
    Library& lib, const SearchQuery& query,
    const std::function<Status(const std::vector<FileId>&)>& fn) {
  PHODEX_ASSIGN_OR_RETURN(catalog::SearchFilter filter,
                          ToSearchFilter(query, lib.config()));
  catalog::SearchCursor at;
  std::vector<FileId> ids;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(
        catalog::SearchIdPage page,
        lib.catalog().SearchFileIds(filter, at,
                                    catalog::FileQueries::kFilePage));
    ids.clear();
    for (const catalog::SearchHit& hit : page.hits) ids.push_back(hit.id);
    if (!ids.empty()) PHODEX_TRY(fn(ids));
    if (!page.next) return {};
    at = *page.next;
  }
}

}  // namespace phodex::library
