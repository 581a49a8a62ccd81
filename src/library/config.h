#pragma once
// The user's settings, as the use cases read them. Parsed from the config
// file (TOML, docs/cli.md "Config file") by app/config.cc, the only place
// that knows the file format; a server and the CLI build the same struct.
// Thread-compatible value type.

#include <string>
#include <vector>

namespace phodex::library {

struct Config {
  std::vector<std::string> scan_exclude;  // [scan] exclude
  bool follow_symlinks = false;           // [scan] follow_symlinks
  bool cross_filesystems = false;         // [scan] cross_filesystems
  bool include_hidden = false;            // [scan] include_hidden
  int threads = 0;                        // [scan] threads (0 = auto)
  std::string hash = "quick";             // [scan] hash: "quick" | "full"
  // [scan] max_removed_fraction: a scan that would mark more than this
  // fraction of a root's present files removed marks none unless
  // --accept-removals (scan/pipeline.h). 0 < x <= 1; 1 never trips.
  double max_removed_fraction = 0.5;
  bool metadata = true;                   // [metadata] enabled
  int metadata_workers = 0;               // [metadata] workers (0 = cores)
  double metadata_timeout_s = 10;         // [metadata] timeout (seconds)
  // [ratings] favorite / unfavorite: the rating `fav` and `fav --off` set.
  int favorite_rating = 5;
  int unfavorite_rating = 0;
  // [ratings] sidecar_naming for new sidecars: "full" (IMG_1.CR2.xmp) or
  // "base" (IMG_1.xmp).
  std::string sidecar_naming = "full";
  // [thumbnails]: sizes (longest edge, pixels), format ("webp" | "jpeg"),
  // quality (1..100), decoder workers (0 = cores), time limit per file,
  // and the largest source decoded (megapixels; bigger is refused as a
  // likely decompression bomb).
  int thumb_size = 256;
  int preview_size = 1600;
  std::string thumb_format = "webp";
  int thumb_quality = 80;
  int pixel_workers = 0;
  double pixel_timeout_s = 60;
  double max_megapixels = 300;
  // [thumbnails] memory_mb: what the decodes in flight may use together
  // (estimated per file; scan/pixel_pass.h).
  int pixel_memory_mb = 1024;
  // [similar] threshold: bits two perceptual hashes may differ by.
  int similar_threshold = 12;
  // [quality] blurry: `ls --blurry` lists images whose sharpness is below.
  double blurry_sharpness = 30;
  // [serve] (`phodex serve`, docs/serve.md "Settings"); durations in
  // seconds, library::ServiceOptionsFor turns them into ServiceOptions.
  // [serve] delay: how long a folder's events are gathered.
  double serve_delay_s = 2;
  double serve_delete_hold_s = 10;          // [serve] delete_hold
  double serve_settle_s = 2;                // [serve] settle
  int serve_folder_storm = 128;             // [serve] folder_storm
  int serve_root_storm = 512;               // [serve] root_storm
  double serve_reconcile_interval_s = 3600;  // [serve] reconcile_interval
  double serve_polled_interval_s = 86400;    // [serve] polled_interval
  double serve_poll_interval_s = 300;        // [serve] poll_interval
  double serve_offline_check_s = 10;         // [serve] offline_check
  bool serve_thumbs = true;                 // [serve] thumbs
  // [serve] job_retention: days completed and cancelled jobs are kept.
  double serve_job_retention_days = 7;
  // What the file holds that phodex does not know (a misspelt key): one
  // message per key, "config 'FILE': unknown key scan.exlude (ignored)",
  // for the caller to print. Not an error, so that a config written for a
  // newer phodex still works.
  std::vector<std::string> warnings;
};

}  // namespace phodex::library
