#include "core/media_metadata.h"

namespace phodex {
namespace {

template <typename T>
void Prefer(std::optional<T>& into, const std::optional<T>& from) {
  if (from) into = from;
}

template <typename T>
void Fill(std::optional<T>& into, const std::optional<T>& from) {
  if (!into) into = from;
}

}  // namespace

void MergeSidecar(MediaMetadata& media, const MediaMetadata& sidecar) {
  Prefer(media.rating, sidecar.rating);
  Prefer(media.label, sidecar.label);
  if (!sidecar.keywords.empty()) media.keywords = sidecar.keywords;
  Prefer(media.title, sidecar.title);
  Prefer(media.description, sidecar.description);
  Fill(media.taken, sidecar.taken);
  Fill(media.gps, sidecar.gps);
  Fill(media.make, sidecar.make);
  Fill(media.model, sidecar.model);
  Fill(media.lens, sidecar.lens);
}

}  // namespace phodex
