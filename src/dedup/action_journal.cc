#include "dedup/action_journal.h"

#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>

#include "util/text.h"

namespace phodex::dedup {
namespace {

using Json = nlohmann::ordered_json;

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// Paths are bytes: valid UTF-8 as a string, anything else as its hex.
Json PathJson(const std::string& path) {
  if (util::IsValidUtf8(path)) return path;
  return Json{{"hex", HexOf(path)}};
}

std::string PathFrom(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  auto bytes = FromHex(j.at("hex").get<std::string>());
  if (!bytes) throw std::invalid_argument("bad hex path");
  return *bytes;
}

std::optional<JournalState> ParseState(const std::string& s) {
  for (JournalState st :
       {JournalState::kIntent, JournalState::kDone, JournalState::kRolledBack,
        JournalState::kFailed, JournalState::kCopying, JournalState::kCopied}) {
    if (s == JournalStateName(st)) return st;
  }
  return std::nullopt;
}

// The fields of an intent; throws nlohmann's exceptions on a bad record.
void DecodeIntent(const Json& j, JournalRecord& r) {
  auto action = ParseActionKind(j.at("action").get<std::string>());
  if (!action) throw std::invalid_argument("bad action");
  r.action = *action;
  r.victim = PathFrom(j.at("victim"));
  r.keeper = PathFrom(j.at("keeper"));
  r.target = PathFrom(j.at("target"));
  r.temp = PathFrom(j.at("temp"));
  if (j.contains("aside")) r.aside = PathFrom(j.at("aside"));
  r.size = j.at("size").get<int64_t>();
  auto hash = FromHex(j.at("hash").get<std::string>());
  auto parsed = hash ? ContentHash::FromBytes(*hash) : std::nullopt;
  if (!parsed) throw std::invalid_argument("bad hash");
  r.hash = *parsed;
  r.victim_dev = j.at("victim_dev").get<uint64_t>();
  r.victim_ino = j.at("victim_ino").get<uint64_t>();
  r.keeper_dev = j.at("keeper_dev").get<uint64_t>();
  r.keeper_ino = j.at("keeper_ino").get<uint64_t>();
  r.file_id = FileId{j.at("file_id").get<int64_t>()};
  r.root = RootId{j.at("root_id").get<int64_t>()};
  r.rel = PathFrom(j.at("rel"));
}

}  // namespace

const char* JournalStateName(JournalState state) {
  switch (state) {
    case JournalState::kIntent:
      return "intent";
    case JournalState::kDone:
      return "done";
    case JournalState::kRolledBack:
      return "rolled_back";
    case JournalState::kFailed:
      return "failed";
    case JournalState::kCopying:
      return "copying";
    case JournalState::kCopied:
      return "copied";
  }
  return "intent";
}

std::string ActionJournal::Encode(const JournalRecord& r) {
  Json j;
  j["seq"] = r.seq;
  j["state"] = JournalStateName(r.state);
  if (r.state != JournalState::kIntent) {
    // Messages may quote paths: keep the line valid UTF-8.
    j["detail"] = util::EscapeBytes(r.detail);
    return j.dump();
  }
  j["action"] = ActionKindName(r.action);
  j["victim"] = PathJson(r.victim);
  j["keeper"] = PathJson(r.keeper);
  j["target"] = PathJson(r.target);
  j["temp"] = PathJson(r.temp);
  j["aside"] = PathJson(r.aside);
  j["size"] = r.size;
  j["hash"] = r.hash.ToHex();
  j["victim_dev"] = r.victim_dev;
  j["victim_ino"] = r.victim_ino;
  j["keeper_dev"] = r.keeper_dev;
  j["keeper_ino"] = r.keeper_ino;
  j["file_id"] = r.file_id.value;
  j["root_id"] = r.root.value;
  j["rel"] = PathJson(r.rel);
  return j.dump();
}

Result<JournalRecord> ActionJournal::Decode(const std::string& line) {
  // nlohmann throws; this is the one place its exceptions are caught.
  try {
    const Json j = Json::parse(line);
    JournalRecord r;
    r.seq = j.at("seq").get<int64_t>();
    auto state = ParseState(j.at("state").get<std::string>());
    if (!state) throw std::invalid_argument("bad state");
    r.state = *state;
    if (r.state == JournalState::kIntent) {
      DecodeIntent(j, r);
    } else if (j.contains("detail")) {
      r.detail = j.at("detail").get<std::string>();
    }
    return r;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kCorrupt,
                     std::string("unreadable journal record: ") + e.what());
  }
}

Result<std::unique_ptr<ActionJournal>> ActionJournal::Open(os::FileSystem& fs,
                                                           std::string path) {
  std::unique_ptr<ActionJournal> j(new ActionJournal(fs, std::move(path)));
  auto file = fs.OpenForRead(j->path_, os::AccessPattern::kSequential);
  if (!file) {
    if (file.error().code() == ErrorCode::kNotFound) return j;
    return std::unexpected(file.error());
  }
  std::string text(static_cast<size_t>((*file)->size()), '\0');
  PHODEX_ASSIGN_OR_RETURN(size_t n,
                          (*file)->ReadAt(0, text.data(), text.size()));
  text.resize(n);
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    auto r = Decode(line);
    if (!r) {
      return MakeError(
          ErrorCode::kCorrupt,
          "line " + std::to_string(line_no) + ": " + r.error().message(),
          "read journal", j->path_);
    }
    j->records_.push_back(std::move(*r));
  }
  return j;
}

std::vector<JournalEntry> ActionJournal::Entries() const {
  std::vector<JournalEntry> out;
  std::map<int64_t, size_t> by_seq;
  for (const JournalRecord& r : records_) {
    if (r.state == JournalState::kIntent) {
      by_seq[r.seq] = out.size();
      out.push_back({r, std::nullopt, std::nullopt});
    } else if (auto it = by_seq.find(r.seq); it == by_seq.end()) {
      continue;
    } else if (r.state == JournalState::kCopying ||
               r.state == JournalState::kCopied) {
      out[it->second].progress = r.state;  // the last progress counts
    } else {
      out[it->second].outcome = r;  // the last outcome counts
    }
  }
  return out;
}

Status ActionJournal::Append(const JournalRecord& record) {
  records_.push_back(record);
  return Write();
}

Status ActionJournal::Clear() {
  records_.clear();
  return Write();
}

Status ActionJournal::Write() {
  std::string text;
  for (const JournalRecord& r : records_) text += Encode(r) + "\n";
  return fs_.AtomicWrite(path_, text);
}

}  // namespace phodex::dedup
