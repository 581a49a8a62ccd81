#include "library/file_output.h"

#include <cstdio>

#include "os/file_system.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::library {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

using Json = nlohmann::ordered_json;

template <typename T>
Json Opt(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// The normalised metadata fields, always all present (null when unknown),
// in the order docs/cli.md lists them.
void AddMetadata(Json& j, const std::optional<MediaMetadata>& meta) {
  static const MediaMetadata kNone;
  const MediaMetadata& m = meta ? *meta : kNone;
  j["mime"] = m.mime.empty() ? Json(nullptr) : Json(m.mime);
  j["width"] = Opt(m.width);
  j["height"] = Opt(m.height);
  j["orientation"] = Opt(m.orientation);
  j["taken"] = Opt(m.taken);
  j["make"] = Opt(m.make);
  j["model"] = Opt(m.model);
  j["lens"] = Opt(m.lens);
  j["exposure_time"] = Opt(m.exposure_time);
  j["f_number"] = Opt(m.f_number);
  j["iso"] = Opt(m.iso);
  j["focal_length"] = Opt(m.focal_length);
  if (m.gps) {
    j["gps"] = {{"lat", m.gps->lat}, {"lon", m.gps->lon},
                {"alt", Opt(m.gps->alt)}};
  } else {
    j["gps"] = nullptr;
  }
  j["rating"] = Opt(m.rating);
  j["label"] = Opt(m.label);
  j["keywords"] = m.keywords;
  j["title"] = Opt(m.title);
  j["description"] = Opt(m.description);
  j["duration"] = Opt(m.duration);
  j["codec"] = Opt(m.codec);
}

// Perceptual hash, thumbnails and quality (docs/cli.md, "Pixels").
void AddPixels(Json& j, const catalog::FileRow& row,
               const std::string& thumbs_key) {
  const auto& p = row.pixels;
  const bool ok = p && !p->error;
  char hex[17];
  if (ok) std::snprintf(hex, sizeof hex, "%016llx",
                        static_cast<unsigned long long>(p->phash));
  j["phash"] = ok ? Json(hex) : Json(nullptr);
  j["thumb"] = ok && !p->thumbs_key.empty() && p->thumbs_key == thumbs_key;
  if (ok) {
    j["quality"] = {{"sharpness", p->sharpness},
                    {"exposure", p->exposure},
                    {"clipped_highlights", p->clipped_highlights},
                    {"clipped_shadows", p->clipped_shadows},
                    {"noise", p->noise}};
  } else {
    j["quality"] = nullptr;
  }
  j["decode_error"] = p && p->error ? Json(*p->error) : Json(nullptr);
  j["pair"] = row.pair ? Json(row.pair->value) : Json(nullptr);
}

}  // namespace

std::string DumpJson(const nlohmann::ordered_json& j) {
  // Tags may hold bytes that are not UTF-8: never let that abort output.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string AbsolutePath(const catalog::FileRow& row) {
  return os::JoinPath(row.root_path, row.rel);
}

nlohmann::ordered_json FileToJson(const catalog::FileRow& row,
                                  const std::string& thumbs_key) {
  nlohmann::ordered_json j = {
      {"id", row.id.value},
      {"path", util::EscapeBytes(AbsolutePath(row))},
      {"root", row.root_name},
      {"rel", util::EscapeBytes(row.rel)},
      {"kind", MediaKindName(row.kind)},
      {"size", row.size},
      {"mtime", util::Rfc3339Utc(row.mtime.sec, row.mtime.nsec)},
      {"status", row.present ? "present" : "removed"},
      {"first_seen", util::Rfc3339Utc(row.first_seen_ns)},
      {"removed_at", row.removed_ns
                         ? nlohmann::ordered_json(util::Rfc3339Utc(*row.removed_ns))
                         : nlohmann::ordered_json(nullptr)},
      {"sidecar_of", row.sidecar_of ? nlohmann::ordered_json(row.sidecar_of->value)
                                    : nlohmann::ordered_json(nullptr)},
      {"error", row.last_error.empty() ? nlohmann::ordered_json(nullptr)
                                       : nlohmann::ordered_json(row.last_error)},
      {"quick_hash", row.quick_hash
                         ? nlohmann::ordered_json(row.quick_hash->ToHex())
                         : nlohmann::ordered_json(nullptr)},
      {"hash", row.hash ? nlohmann::ordered_json(row.hash->ToHex())
                        : nlohmann::ordered_json(nullptr)},
  };
  if (row.sha256) j["sha256"] = HexOf(*row.sha256);
  AddMetadata(j, row.metadata);
  AddPixels(j, row, thumbs_key);
  return j;
}

std::string CsvHeader() { return "id,path,root,rel,kind,size,mtime,status"; }

std::string FileToCsv(const catalog::FileRow& row) {
  return std::to_string(row.id.value) + "," +
         CsvField(util::EscapeBytes(AbsolutePath(row))) + "," +
         CsvField(row.root_name) + "," + CsvField(util::EscapeBytes(row.rel)) +
         "," + MediaKindName(row.kind) + "," + std::to_string(row.size) + "," +
         util::Rfc3339Utc(row.mtime.sec, row.mtime.nsec) + "," +
         (row.present ? "present" : "removed");
}

std::string FileToText(const catalog::FileRow& row) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-7s %10s  ", MediaKindName(row.kind),
                util::HumanBytes(static_cast<uint64_t>(row.size)).c_str());
  std::string out = buf;
  out += util::Rfc3339Local(row.mtime.sec, row.mtime.nsec);
  out += "  ";
  out += util::EscapeForTerminal(AbsolutePath(row));
  if (!row.present) out += "  [removed]";
  return out;
}

namespace {

using Json = nlohmann::ordered_json;

Json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

}  // namespace

Json FileDetailsToJson(const catalog::FileRow& row,
                       const imaging::ThumbnailCache& cache) {
  Json j = FileToJson(row, cache.settings_key());
  if (row.hash && j["thumb"].get<bool>()) {
    j["thumbnails"] = Json::object();
    for (size_t i = 0; i < cache.specs().size(); ++i) {
      j["thumbnails"][cache.specs()[i].name] =
          util::EscapeBytes(cache.PathFor(*row.hash, i));
    }
  } else {
    j["thumbnails"] = nullptr;
  }
  j["decoded_by"] = row.pixels && !row.pixels->error
                        ? Json(row.pixels->decoded_by)
                        : Json(nullptr);
  j["tags"] = row.metadata ? ParsedOrNull(row.metadata->tags_json) : Json(nullptr);
  if (row.sidecar_rel) {
    j["sidecar"] = {
        {"path", util::EscapeBytes(os::JoinPath(row.root_path, *row.sidecar_rel))},
        {"tags", ParsedOrNull(row.sidecar_tags_json)}};
  } else {
    j["sidecar"] = nullptr;
  }
  return j;
}


}  // namespace phodex::library
