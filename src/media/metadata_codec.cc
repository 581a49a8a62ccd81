#include "media/metadata_codec.h"

#include <nlohmann/json.hpp>

namespace phodex::media {
namespace {

using nlohmann::json;

template <typename T>
void Put(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <typename T>
void Get(const json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

}  // namespace

std::string FieldsToJson(const MediaMetadata& m) {
  json j = json::object();
  if (!m.mime.empty()) j["mime"] = m.mime;
  Put(j, "width", m.width);
  Put(j, "height", m.height);
  Put(j, "orientation", m.orientation);
  Put(j, "taken", m.taken);
  Put(j, "make", m.make);
  Put(j, "model", m.model);
  Put(j, "lens", m.lens);
  Put(j, "exposure_time", m.exposure_time);
  Put(j, "f_number", m.f_number);
  Put(j, "iso", m.iso);
  Put(j, "focal_length", m.focal_length);
  if (m.gps) {
    json g = {{"lat", m.gps->lat}, {"lon", m.gps->lon}};
    if (m.gps->alt) g["alt"] = *m.gps->alt;
    j["gps"] = std::move(g);
  }
  Put(j, "rating", m.rating);
  Put(j, "label", m.label);
  if (!m.keywords.empty()) j["keywords"] = m.keywords;
  Put(j, "title", m.title);
  Put(j, "description", m.description);
  Put(j, "duration", m.duration);
  Put(j, "codec", m.codec);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status FieldsFromJson(std::string_view text, MediaMetadata& m) {
  try {
    const json j = json::parse(text);
    if (!j.is_object()) {
      return MakeError(ErrorCode::kCorrupt, "not a JSON object",
                       "decode metadata");
    }
    m.mime = j.value("mime", std::string());
    Get(j, "width", m.width);
    Get(j, "height", m.height);
    Get(j, "orientation", m.orientation);
    Get(j, "taken", m.taken);
    Get(j, "make", m.make);
    Get(j, "model", m.model);
    Get(j, "lens", m.lens);
    Get(j, "exposure_time", m.exposure_time);
    Get(j, "f_number", m.f_number);
    Get(j, "iso", m.iso);
    Get(j, "focal_length", m.focal_length);
    if (auto g = j.find("gps"); g != j.end() && g->is_object()) {
      GpsPosition pos;
      pos.lat = g->at("lat").get<double>();
      pos.lon = g->at("lon").get<double>();
      Get(*g, "alt", pos.alt);
      m.gps = pos;
    }
    Get(j, "rating", m.rating);
    Get(j, "label", m.label);
    if (auto k = j.find("keywords"); k != j.end() && k->is_array()) {
      m.keywords = k->get<std::vector<std::string>>();
    }
    Get(j, "title", m.title);
    Get(j, "description", m.description);
    Get(j, "duration", m.duration);
    Get(j, "codec", m.codec);
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kCorrupt, e.what(), "decode metadata");
  }
  return {};
}

}  // namespace phodex::media
