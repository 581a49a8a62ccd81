#include "util/text.h"

#include <fnmatch.h>

#include <cstdio>

namespace phodex::util {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t min;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void AppendHex(std::string& out, std::string_view bytes) {
  for (const char c : bytes) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
    out += buf;
  }
}

// A control character: C0, DEL, or C1 (U+0080..U+009F: 0xC2 0x80..0x9F).
bool IsControl(std::string_view seq) {
  const auto c = static_cast<unsigned char>(seq[0]);
  if (seq.size() == 1) return c < 0x20 || c == 0x7F;
  return seq.size() == 2 && c == 0xC2 &&
         static_cast<unsigned char>(seq[1]) <= 0x9F;
}

struct EscapeRules {
  bool backslash = false;  // a literal backslash becomes two
  bool newline = false;    // escape '\n' too
};

std::string Escape(std::string_view s, EscapeRules rules) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    const std::string_view seq = s.substr(i, len == 0 ? 1 : len);
    i += seq.size();
    if (len == 0 || (IsControl(seq) && (rules.newline || seq[0] != '\n'))) {
      AppendHex(out, seq);
    } else if (seq[0] == '\\' && rules.backslash) {
      out += "\\\\";
    } else {
      out.append(seq);
    }
  }
  return out;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string EscapeBytes(std::string_view s) {
  bool needs = false;
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0 || s[i] == '\\') {
      needs = true;
      break;
    }
    i += len;
  }
  if (!needs) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X",
                    static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
    } else if (s[i] == '\\') {
      out += "\\\\";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string EscapeForTerminal(std::string_view s) {
  return Escape(s, {.backslash = true, .newline = true});
}

std::string EscapeControls(std::string_view s, Newline newline) {
  return Escape(s,
                {.backslash = false, .newline = newline == Newline::kEscape});
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string LowerExtension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) {
    return {};
  }
  return AsciiLower(name.substr(dot + 1));
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // fnmatch needs NUL-terminated strings.
  const std::string p(pattern);
  const std::string t(text);
  return fnmatch(p.c_str(), t.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

std::string GlobEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string GroupThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const size_t first = digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i >= first && (i - first) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024.0 && unit < 5) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B",
                  static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

}  // namespace phodex::util
