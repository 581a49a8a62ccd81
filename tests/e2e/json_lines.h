#pragma once
// One JSON object per line (`ls --json`), indexed by one of its string
// fields ("path", "rel").

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <string>

namespace phodex::testing {

inline std::map<std::string, nlohmann::json> JsonLinesBy(const std::string& out,
                                                         const char* key) {
  std::map<std::string, nlohmann::json> by;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    std::string k = j[key].get<std::string>();
    by[std::move(k)] = std::move(j);
  }
  return by;
}

}  // namespace phodex::testing
