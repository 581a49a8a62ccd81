#include "catalog/sqlite/metadata_rows.h"

#include <nlohmann/json.hpp>

namespace phodex::catalog::sqlite {
namespace {

void BindOpt(Stmt& s, int i, const std::optional<std::string>& v) {
  s.BindOptText(i, v);
}
void BindOpt(Stmt& s, int i, const std::optional<double>& v) {
  if (v) {
    s.BindDouble(i, *v);
  } else {
    s.BindNull(i);
  }
}
template <typename Int>
void BindOptInt(Stmt& s, int i, const std::optional<Int>& v) {
  if (v) {
    s.Bind(i, static_cast<int64_t>(*v));
  } else {
    s.BindNull(i);
  }
}

std::optional<std::string> OptText(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Blob(col);
}
std::optional<double> OptDouble(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Double(col);
}
template <typename Int>
std::optional<Int> OptInt(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return static_cast<Int>(s.Int(col));
}

// Keywords are stored as a JSON array (they may contain commas).
std::string KeywordsToText(const std::vector<std::string>& k) {
  return nlohmann::json(k).dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace);
}
std::vector<std::string> KeywordsFromText(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string MetadataColumns(const char* alias) {
  return PrefixColumns(kMetadataColumns, alias);
}

std::string UpsertMetadataSql() {
  return UpsertSql("metadata", "file_id", kMetadataColumns, kMetadataColumnCount);
}

void BindMetadata(Stmt& s, int64_t file_id, const MediaMetadata& m) {
  s.Bind(1, file_id);
  s.BindOptText(2, m.mime.empty() ? std::nullopt
                                  : std::optional<std::string>(m.mime));
  BindOptInt(s, 3, m.width);
  BindOptInt(s, 4, m.height);
  BindOptInt(s, 5, m.orientation);
  BindOpt(s, 6, m.taken);
  BindOpt(s, 7, m.make);
  BindOpt(s, 8, m.model);
  BindOpt(s, 9, m.lens);
  BindOpt(s, 10, m.exposure_time);
  BindOpt(s, 11, m.f_number);
  BindOptInt(s, 12, m.iso);
  BindOpt(s, 13, m.focal_length);
  if (m.gps) {
    s.BindDouble(14, m.gps->lat).BindDouble(15, m.gps->lon);
    BindOpt(s, 16, m.gps->alt);
  } else {
    s.BindNull(14).BindNull(15).BindNull(16);
  }
  BindOptInt(s, 17, m.rating);
  BindOpt(s, 18, m.label);
  if (m.keywords.empty()) {
    s.BindNull(19);
  } else {
    s.BindText(19, KeywordsToText(m.keywords));
  }
  BindOpt(s, 20, m.title);
  BindOpt(s, 21, m.description);
  BindOpt(s, 22, m.duration);
  BindOpt(s, 23, m.codec);
  if (m.tags_json.empty()) {
    s.BindNull(24);
  } else {
    s.BindText(24, m.tags_json);
  }
}

std::optional<MediaMetadata> ReadMetadata(const Stmt& s, int first,
                                          bool with_tags) {
  if (s.IsNull(first - 1)) return std::nullopt;
  MediaMetadata m;
  int c = first;
  m.mime = s.IsNull(c) ? "" : s.Blob(c);
  m.width = OptInt<int64_t>(s, ++c);
  m.height = OptInt<int64_t>(s, ++c);
  m.orientation = OptInt<int>(s, ++c);
  m.taken = OptText(s, ++c);
  m.make = OptText(s, ++c);
  m.model = OptText(s, ++c);
  m.lens = OptText(s, ++c);
  m.exposure_time = OptDouble(s, ++c);
  m.f_number = OptDouble(s, ++c);
  m.iso = OptInt<int64_t>(s, ++c);
  m.focal_length = OptDouble(s, ++c);
  const auto lat = OptDouble(s, ++c);
  const auto lon = OptDouble(s, ++c);
  const auto alt = OptDouble(s, ++c);
  if (lat && lon) m.gps = GpsPosition{*lat, *lon, alt};
  m.rating = OptInt<int>(s, ++c);
  m.label = OptText(s, ++c);
  if (auto k = OptText(s, ++c)) m.keywords = KeywordsFromText(*k);
  m.title = OptText(s, ++c);
  m.description = OptText(s, ++c);
  m.duration = OptDouble(s, ++c);
  m.codec = OptText(s, ++c);
  if (with_tags && !s.IsNull(++c)) m.tags_json = s.Blob(c);
  return m;
}

}  // namespace phodex::catalog::sqlite
