#include "os/mount_info.h"

#include <charconv>

namespace phodex::os {
namespace {

// Splits on spaces (mountinfo escapes spaces inside fields).
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// The kernel writes ' ', '\t', '\n' and '\\' in paths as "\ooo".
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && IsOctal(s[i + 1]) &&
        IsOctal(s[i + 2]) && IsOctal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                               (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool ParseDevice(std::string_view s, uint32_t* major, uint32_t* minor) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  const char* end = s.data() + s.size();
  auto a = std::from_chars(s.data(), s.data() + colon, *major);
  auto b = std::from_chars(s.data() + colon + 1, end, *minor);
  return a.ec == std::errc() && a.ptr == s.data() + colon &&
         b.ec == std::errc() && b.ptr == end;
}

bool Contains(std::string_view mount_point, std::string_view path) {
  if (mount_point == "/") return path.starts_with('/');
  return path.starts_with(mount_point) &&
         (path.size() == mount_point.size() || path[mount_point.size()] == '/');
}

}  // namespace

std::vector<MountEntry> ParseMountInfo(std::string_view text) {
  std::vector<MountEntry> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? "" : text.substr(nl + 1);
    // id parent major:minor root mount-point options [optional...] -
    // type source super-options
    const std::vector<std::string_view> f = Fields(line);
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (f.size() < 6 || sep + 2 >= f.size()) continue;
    MountEntry e;
    if (!ParseDevice(f[2], &e.major, &e.minor)) continue;
    e.mount_point = Unescape(f[4]);
    e.type = Unescape(f[sep + 1]);
    e.source = Unescape(f[sep + 2]);
    out.push_back(std::move(e));
  }
  return out;
}

const MountEntry* FindMount(const std::vector<MountEntry>& mounts,
                            uint32_t major, uint32_t minor,
                            std::string_view path) {
  const MountEntry* by_device = nullptr;
  const MountEntry* by_path = nullptr;
  for (const MountEntry& m : mounts) {
    if (!Contains(m.mount_point, path)) continue;
    if (!by_path || m.mount_point.size() >= by_path->mount_point.size()) {
      by_path = &m;
    }
    if (m.major == major && m.minor == minor &&
        (!by_device || m.mount_point.size() >= by_device->mount_point.size())) {
      by_device = &m;
    }
  }
  return by_device ? by_device : by_path;
}

}  // namespace phodex::os
