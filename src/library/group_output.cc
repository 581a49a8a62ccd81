#include "library/group_output.h"

#include "util/text.h"

namespace phodex::library {

using Json = nlohmann::ordered_json;

Json DuplicateGroupToJson(const dedup::DuplicateGroup& g) {
  Json j;
  j["size"] = g.size;
  j["hash"] = g.hash.ToHex();
  j["paths"] = Json::array();
  for (const auto& f : g.files) j["paths"].push_back(util::EscapeBytes(f.path));
  j["wasted"] = g.wasted;
  auto sets = dedup::HardLinkSets(g);
  for (auto& set : sets) {
    for (std::string& p : set) p = util::EscapeBytes(p);
  }
  j["hardlinks"] = sets;
  return j;
}

Json PlannedPathToJson(const dedup::PlannedGroup& g,
                       const dedup::PathStatus& p) {
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? Json() : Json(util::EscapeBytes(s));
  };
  const dedup::PlannedAction* a = p.action;
  Json j;
  j["group"] = p.group + 1;
  j["action"] = a ? dedup::ActionKindName(a->kind) : "keep";
  j["path"] = util::EscapeBytes(p.file->path);
  j["keeper"] = text_or_null(a ? a->keeper.path : "");
  j["target"] = text_or_null(a ? a->target : "");
  j["size"] = g.size;
  j["hash"] = g.hash.ToHex();
  j["frees"] = a ? a->frees : 0;
  j["status"] = p.status;
  j["reason"] = text_or_null(p.reason);
  return j;
}

Json SimilarGroupToJson(const SimilarPhotoGroup& g) {
  Json j;
  j["paths"] = Json::array();
  for (const std::string& p : g.paths) j["paths"].push_back(util::EscapeBytes(p));
  j["max_distance"] = g.max_distance;
  return j;
}

}  // namespace phodex::library
