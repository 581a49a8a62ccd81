#include "catalog/sqlite/pixel_rows.h"

namespace phodex::catalog::sqlite {
namespace {

// Perceptual hashes are unsigned 64-bit; SQLite integers are signed: the
// bits are stored as they are.
int64_t AsSigned(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t AsUnsigned(int64_t v) { return static_cast<uint64_t>(v); }

// "2021-02-13T19:29:01" of "2021-02-13T19:29:01.25+01:00": capture time to
// the second, as both members of a pair record it.
std::string_view ToSecond(std::string_view taken) {
  return taken.substr(0, 19);
}

}  // namespace

std::string PixelColumns(const char* alias) {
  return PrefixColumns(kPixelColumns, alias);
}

std::string UpsertPixelsSql() {
  return UpsertSql("pixels", "hash", kPixelColumns, kPixelColumnCount);
}

void BindPixels(Stmt& s, const ContentHash& hash, const PixelFacts& f) {
  s.BindBlob(1, hash.ToBytes())
      .Bind(2, f.version)
      .BindText(3, f.thumbs_key)
      .Bind(4, f.thumb_bytes)
      .BindOptText(5, f.error);
  if (f.error) {
    for (int i = 6; i <= 17; ++i) s.BindNull(i);
  } else {
    s.Bind(6, f.width).Bind(7, f.height).BindText(8, f.decoded_by);
    s.Bind(9, AsSigned(f.phash));
    for (int i = 0; i < 3; ++i) s.Bind(10 + i, AsSigned(f.phash_rotated[i]));
    s.BindDouble(13, f.sharpness)
        .BindDouble(14, f.exposure)
        .BindDouble(15, f.clipped_highlights)
        .BindDouble(16, f.clipped_shadows)
        .BindDouble(17, f.noise);
  }
  s.Bind(18, f.at_ns);
}

std::optional<PixelFacts> ReadPixels(const Stmt& s, int first) {
  if (s.IsNull(first)) return std::nullopt;
  PixelFacts f;
  f.version = static_cast<int>(s.Int(first));
  f.thumbs_key = s.Blob(first + 1);
  f.thumb_bytes = s.Int(first + 2);
  if (!s.IsNull(first + 3)) f.error = s.Blob(first + 3);
  f.width = static_cast<int>(s.Int(first + 4));
  f.height = static_cast<int>(s.Int(first + 5));
  f.decoded_by = s.Blob(first + 6);
  f.phash = AsUnsigned(s.Int(first + 7));
  for (int i = 0; i < 3; ++i) f.phash_rotated[i] = AsUnsigned(s.Int(first + 8 + i));
  f.sharpness = s.Double(first + 11);
  f.exposure = s.Double(first + 12);
  f.clipped_highlights = s.Double(first + 13);
  f.clipped_shadows = s.Double(first + 14);
  f.noise = s.Double(first + 15);
  f.at_ns = s.Int(first + 16);
  return f;
}

Result<std::optional<FileId>> FindCapturePartner(Stmt& stmt,
                                                 const FileRow& row) {
  if (row.kind != MediaKind::kPhoto && row.kind != MediaKind::kRaw &&
      row.kind != MediaKind::kVideo) {
    return std::nullopt;
  }
  const size_t slash = row.rel.rfind('/');
  const size_t dot = row.rel.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return std::nullopt;  // no extension: no "same name but the extension"
  }
  const std::string stem_dot = row.rel.substr(0, dot + 1);  // "dir/IMG_1."
  std::string stem_end = stem_dot;
  stem_end.back() = '/';  // the byte after '.': the end of the range
  stmt.Reset();
  stmt.Bind(1, row.root.value)
      .BindBlob(2, stem_dot)
      .BindBlob(3, stem_end)
      .Bind(4, row.id.value);
  const std::optional<std::string>& taken =
      row.metadata ? row.metadata->taken : std::nullopt;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) break;
    const std::string rel = stmt.Blob(1);
    const std::string_view ext = std::string_view(rel).substr(stem_dot.size());
    if (ext.empty() || ext.find_first_of("./") != std::string_view::npos) {
      continue;  // IMG_1.edit.jpg: another name
    }
    const bool other_has_taken = !stmt.IsNull(2);
    if (taken.has_value() != other_has_taken) continue;
    if (taken && ToSecond(*taken) != ToSecond(stmt.Blob(2))) continue;
    const FileId id{stmt.Int(0)};
    stmt.Reset();
    return id;
  }
  stmt.Reset();
  return std::nullopt;
}

}  // namespace phodex::catalog::sqlite
