#include "scan/content_stage.h"

#include "util/metrics.h"

namespace phodex::scan {

Status ContentStage::Process(const std::string& abs_path,
                             catalog::FileUpsert& upsert) {
  PHODEX_METRIC_RECORD("stage.content");
  const bool full = options_.full_hash || options_.sha256;
  PHODEX_ASSIGN_OR_RETURN(
      std::unique_ptr<os::RandomAccessFile> file,
      fs_.OpenForRead(abs_path, full ? os::AccessPattern::kSequential
                                     : os::AccessPattern::kRandom));
  PHODEX_ASSIGN_OR_RETURN(media::QuickRead quick, media::ReadQuick(*file));

  SniffResult sniff = SniffKind(os::BaseName(upsert.rel), quick.head);
  upsert.kind = sniff.actual;
  if (sniff.verdict == SniffVerdict::kMismatch ||
      sniff.verdict == SniffVerdict::kOtherMedia) {
    upsert.error = std::move(sniff.detail);
  }
  upsert.quick_hash = media::QuickHash(quick);
  if (full) {
    PHODEX_ASSIGN_OR_RETURN(
        media::FullHashes h,
        media::HashWholeFile(*file, options_.sha256 ? media::WithSha256::kYes
                                                    : media::WithSha256::kNo));
    upsert.hash = h.xxh128;
    upsert.sha256 = std::move(h.sha256);
  }
  return {};
}

}  // namespace phodex::scan
