#pragma once
// Writes a star rating back to the user's files: into an XMP sidecar (the
// default: the photo is never touched) or embedded into a JPEG, TIFF or DNG.
// What is written, and the guarantees, are in docs/rating-write-back.md.
//
// Ratings are -1..5: 1..5 stars, 0 unrated, -1 rejected (Lightroom's and
// darktable's convention). Every write is atomic through os::FileSystem
// (AtomicWrite, ReplaceFile): a crash leaves the old file or the new one.
// Nothing is written when the existing metadata cannot be read back
// faithfully: an XMP packet Exiv2 cannot parse, a damaged Exif block, a
// rewritten file that does not read back equal. User data is never traded
// for a rating.
//
// Thread-safe: calls into Exiv2's XMP toolkit are serialised here. (Other
// code that uses Exiv2's XMP in the same process at the same time must not,
// since the toolkit is initialised without a lock function.)

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "os/file_system.h"

namespace phodex::media {

inline constexpr int kRejected = -1;
inline constexpr int kMaxRating = 5;

// How a new sidecar is named when the media file has none yet.
enum class SidecarNaming {
  // IMG_1.CR2.xmp (darktable, digiKam, RawTherapee). The default: a RAW+JPEG
  // pair IMG_1.CR2 + IMG_1.JPG gets two sidecars, so rating one never
  // changes the other.
  kFullName,
  // IMG_1.xmp (Lightroom, Capture One, Bridge): shared by every file with
  // the stem IMG_1.
  kBaseName,
};

struct SidecarOptions {
  // Only for new sidecars: an existing one is always used (see below).
  SidecarNaming naming = SidecarNaming::kFullName;
};

// The sidecar to write for `media_path`: an existing IMG_1.CR2.xmp, else an
// existing IMG_1.xmp (also with an upper-case .XMP), else the name
// `options.naming` gives (which does not exist yet). Where both naming
// conventions exist, the full name wins, as in the catalog's sidecar merge.
// An existing IMG_1.xmp is taken even when it belongs to the RAW of a
// RAW+JPEG pair; callers that know the catalog's sidecar link should prefer
// it. Names are looked at without following links: the first candidate
// that exists decides, and one that is a symlink (IMG_1.xmp ->
// ../outside/x.conf), a FIFO, a device or a folder fails with
// kInvalidArgument naming it ("is a symbolic link; phodex does not write
// through links"), so the rating never lands outside the photo's folder
// nor silently in another sidecar. Fails too when the folder cannot be
// read (stat errors other than "not found").
Result<std::string> SidecarPathFor(os::FileSystem& fs,
                                   const std::string& media_path,
                                   const SidecarOptions& options = {});

// Digikam's pick label (Xmp.digiKam.PickLabel), the only pick flag in XMP
// that other programs read: 0 none, 1 rejected, 3 accepted (2, "pending",
// phodex never writes). See docs/rating-write-back.md.
enum class Pick { kNone = 0, kRejected = 1, kAccepted = 3 };

// What one write changes; what is unset is left as the file has it.
struct RatingChange {
  // Xmp.xmp.Rating, -1 (rejected) to 5, as WriteSidecarRating and
  // EmbedRating write it (with the EXIF rating when embedded).
  std::optional<int> rating;
  // Xmp.xmp.Label, Lightroom's color label: one of IsColorLabel's names;
  // "" removes it.
  std::optional<std::string> label;
  // Xmp.digiKam.PickLabel; kNone removes it.
  std::optional<Pick> pick;
};

// The color labels phodex writes, as Lightroom names them and darktable and
// digiKam read them: Red, Yellow, Green, Blue, Purple (case-sensitive).
bool IsColorLabel(std::string_view label);

// Sets the rating in the sidecar `sidecar_path`, creating it if missing:
// Xmp.xmp.Rating (-1 for rejected, as Lightroom writes it), and
// Xmp.MicrosoftPhoto.Rating (percent, see RatingPercent) only where the
// sidecar already has one. Every other property is kept (Exiv2 decodes and
// re-encodes the packet: structures, language alternatives and unknown
// namespaces survive; formatting, rdf:about and x:xmptk do not). The packet
// is written with the usual xpacket wrapper, atomically (AtomicWrite).
// Errors: kInvalidArgument for a rating outside -1..5, and for a
// `sidecar_path` that is a symlink or not a regular file (refused as in
// SidecarPathFor; never followed, never blocked on); kCorrupt when the
// existing file is not XMP Exiv2 can read (the file is left untouched);
// kPermissionDenied for a read-only folder; I/O errors as they come.
Status WriteSidecarRating(os::FileSystem& fs, const std::string& sidecar_path,
                          int rating);
// The same for any change: the rating as above, the label and the pick
// label set or removed, every other property kept; kInvalidArgument too for
// a label that is not a color name and for a change that sets nothing.
// WriteSidecarRating(fs, p, r) is WriteSidecarChange(fs, p, {.rating = r}).
Status WriteSidecarChange(os::FileSystem& fs, const std::string& sidecar_path,
                          const RatingChange& change);

// Embeds the rating into a JPEG, TIFF or DNG, atomically (ReplaceFile):
//   - Exif.Image.Rating (0..5) and Exif.Image.RatingPercent (0, 1, 25, 50,
//     75, 99, as Windows writes them) in IFD0. EXIF has no "rejected"
//     (exiftool refuses a negative Rating), so -1 writes 0 there: unrated
//     for readers that know only EXIF.
//   - Xmp.xmp.Rating (-1..5) in the XMP packet (and MicrosoftPhoto:Rating
//     where present), added when the file has none.
// The edit is surgical: nothing already in the file moves. Existing tags
// are changed in place; a missing tag makes a new copy of IFD0 (appended
// to the Exif block of a JPEG, to the end of a TIFF), so the maker notes,
// thumbnails and strips keep their offsets; the XMP packet is rewritten in
// its padding when it fits. Other JPEG segments, the pixel data and IPTC
// stay byte for byte. Before the rename, the new file is read back with
// Exiv2 and must hold the rating and all other Exif, IPTC and XMP values
// unchanged; otherwise nothing is replaced (kInternal). A file that
// already holds the rating everywhere is not rewritten.
//
// The file keeps its permission bits and, where allowed, its owner; it
// becomes a new inode with a new mtime (the content changed: a preserved
// mtime would hide the change from backups that compare size and mtime,
// and an in-place update keeps the size). Callers that record the file's
// stat (the catalog) must stat it again afterwards.
//
// Errors: kInvalidArgument when `path` is a symlink or not a regular file
// (a FIFO: refused at once); kUnsupported for other formats (RAW files,
// PNG, HEIC, BigTIFF: write a sidecar instead) and for an Exif or XMP
// block with no room left (64 KiB JPEG segments); kCorrupt when the file's
// metadata cannot be parsed; kPermissionDenied for a read-only file or folder;
// kBusy when another program changed the file meanwhile. On every error the
// file is byte-identical and no temp file remains.
Status EmbedRating(os::FileSystem& fs, const std::string& path, int rating);
// The same for any change. The label and the pick label go into the XMP
// packet only (EXIF has neither); a change without a rating leaves the
// Exif block as it is (and adds none). EmbedRating(fs, p, r) is
// EmbedChange(fs, p, {.rating = r}).
Status EmbedChange(os::FileSystem& fs, const std::string& path,
                   const RatingChange& change);

// Windows' RatingPercent for a rating: 1->1, 2->25, 3->50, 4->75, 5->99,
// 0 and -1 -> 0.
int RatingPercent(int rating);

}  // namespace phodex::media
