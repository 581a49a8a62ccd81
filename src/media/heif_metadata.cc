// The libheif adapter for metadata: lists the primary image's metadata
// items and copies out the Exif and XMP ones (media/heif_metadata.h).
// Every libheif error stops here and becomes an Error or a left-out item.

#include "media/heif_metadata.h"

#include <libheif/heif.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "util/text.h"

namespace phodex::media::internal {
namespace {

using namespace std::string_view_literals;

constexpr const char* kOp = "read HEIF metadata";
// A file may attach any number of items; real ones attach one Exif and
// one XMP item. Both bounds keep what a hostile file makes us copy small.
constexpr int kMaxItems = 64;
constexpr size_t kMaxTotalBytes = 2 * kMaxHeifMetadataItemBytes;

struct ContextFree {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleRelease {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};

std::unexpected<Error> HeifError(const heif_error& e, const std::string& path) {
  const char* message = e.message != nullptr ? e.message : "unknown error";
  return MakeError(ErrorCode::kContentFault,
                   "libheif: " + util::EscapeBytes(message), kOp, path);
}

// HEIF Exif items (ISO 23008-12 A.2.1) start with a 32-bit big-endian
// offset from the end of that field to the TIFF header, usually 6: past
// "Exif\0\0". Some writers put 0 and then "Exif\0\0", others no offset at
// all; all come out as the bare TIFF stream Exiv2 decodes.
std::optional<std::string> TiffStream(std::string_view item) {
  std::string_view after_offset;
  if (item.size() >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(item.data());
    const uint32_t offset = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                            (uint32_t{p[2]} << 8) | p[3];
    if (offset <= item.size() - 4) after_offset = item.substr(4 + offset);
  }
  for (std::string_view s : {after_offset, item}) {
    if (s.starts_with("Exif\0\0"sv)) s.remove_prefix(6);
    if (s.starts_with("II*\0"sv) || s.starts_with("MM\0*"sv))
      return std::string(s);
  }
  return std::nullopt;
}

enum class ItemKind { kExif, kXmp, kOther };

ItemKind KindOf(const heif_image_handle* handle, heif_item_id id) {
  const char* type = heif_image_handle_get_metadata_type(handle, id);
  if (type == nullptr) return ItemKind::kOther;
  if (type == "Exif"sv) return ItemKind::kExif;
  const char* content = heif_image_handle_get_metadata_content_type(handle, id);
  if (type == "mime"sv && content != nullptr &&
      std::string_view(content).starts_with("application/rdf+xml"))
    return ItemKind::kXmp;
  return ItemKind::kOther;
}

// The item's bytes, or nullopt when it is empty, too large for what is
// left of `budget`, or libheif cannot read it.
std::optional<std::string> ItemBytes(const heif_image_handle* handle,
                                     heif_item_id id, size_t& budget) {
  const size_t size = heif_image_handle_get_metadata_size(handle, id);
  if (size == 0 || size > kMaxHeifMetadataItemBytes || size > budget)
    return std::nullopt;
  std::string bytes(size, '\0');
  if (heif_image_handle_get_metadata(handle, id, bytes.data()).code !=
      heif_error_Ok)
    return std::nullopt;
  budget -= size;
  return bytes;
}

void CopyItems(const heif_image_handle* handle, HeifMetadata& out) {
  int count = heif_image_handle_get_number_of_metadata_blocks(handle, nullptr);
  count = std::clamp(count, 0, kMaxItems);
  std::vector<heif_item_id> ids(static_cast<size_t>(count));
  count = heif_image_handle_get_list_of_metadata_block_IDs(handle, nullptr,
                                                           ids.data(), count);
  ids.resize(static_cast<size_t>(std::clamp(count, 0, kMaxItems)));
  size_t budget = kMaxTotalBytes;
  for (heif_item_id id : ids) {
    const ItemKind kind = KindOf(handle, id);
    if (kind == ItemKind::kOther) continue;
    std::optional<std::string> bytes = ItemBytes(handle, id, budget);
    if (!bytes) continue;
    if (kind == ItemKind::kXmp) {
      out.xmp.push_back(std::move(*bytes));
    } else if (auto tiff = TiffStream(*bytes)) {
      out.exif.push_back(std::move(*tiff));
    }
  }
}

}  // namespace

Result<HeifMetadata> ReadHeifMetadata(const std::string& path) {
  std::unique_ptr<heif_context, ContextFree> context(heif_context_alloc());
  if (!context) {
    return MakeError(ErrorCode::kInternal, "libheif: out of memory", kOp, path);
  }
  // Reads the boxes and the metadata items, never the coded pixels.
  heif_error e =
      heif_context_read_from_file(context.get(), path.c_str(), nullptr);
  if (e.code != heif_error_Ok) return HeifError(e, path);
  heif_image_handle* raw_handle = nullptr;
  e = heif_context_get_primary_image_handle(context.get(), &raw_handle);
  if (e.code != heif_error_Ok) return HeifError(e, path);
  std::unique_ptr<heif_image_handle, HandleRelease> handle(raw_handle);

  HeifMetadata out;
  out.width = std::max(0, heif_image_handle_get_ispe_width(handle.get()));
  out.height = std::max(0, heif_image_handle_get_ispe_height(handle.get()));
  CopyItems(handle.get(), out);
  return out;
}

}  // namespace phodex::media::internal
