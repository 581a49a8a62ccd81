#pragma once
// The Watcher `phodex serve` uses (watch/watcher.h; docs/serve.md,
// "Watching: the backends"): picks, per root, how it is watched, and
// merges the backends' events into one stream.
//
//   - A missing root folder (or one that cannot be stat'ed): kOffline,
//     nothing watched; the service adds it again when its drive returns.
//   - WatchOptions::force kPolling, or a network, cluster, VM-share or
//     FUSE file system (PolledFileSystemReason, by the type
//     FileSystem::IdentifyFileSystem reads from /proc/self/mountinfo):
//     polled (watch/poll_watcher.h), every poll_interval.
//   - Anything else (ext4, btrfs, xfs, tmpfs, vfat, exfat, fuseblk, ...):
//     inotify (watch/inotify_watcher.h). A root inotify cannot fully
//     watch falls back to polling: out of watches (ENOSPC; the state's
//     reason names fs.inotify.max_user_watches and the value that would
//     let it be watched), inotify unavailable (out of instances), or its
//     top folder not watchable. When the watches run out later (a new
//     folder), the kWatchLost (dir "") that says so is passed on (the
//     consumer rescans the root) and the root moves to polling while
//     Poll() hands it out.
//   - kRootGone from either backend: the root is kOffline in States()
//     until AddRoot again.
//
// Thread-safety: thread-safe (watch/watcher.h). The inotify reader and
// the poller run on threads of their own; a fall-back to polling walks
// the root on the thread that calls Poll().

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "watch/event_queue.h"
#include "watch/inotify_watcher.h"
#include "watch/poll_watcher.h"
#include "watch/watcher.h"

namespace phodex::watch {

struct SystemWatcherOptions {
  // Events held for Poll, both backends together (watch/event_queue.h).
  size_t queue_capacity = EventQueue::kDefaultCapacity;
  // InotifyOptions::max_watches_for_testing.
  int64_t max_inotify_watches_for_testing = 0;
  // kNone: polled roots are polled only by
  // poll_watcher_for_testing().Step() (tests on a FakeClock).
  PollOptions::Thread poll_thread = PollOptions::Thread::kRun;
};

// Why a file system of type `type` (as /proc/self/mountinfo names it:
// "nfs4", "fuse.sshfs") is polled rather than watched by inotify, or
// nullopt for a local one. inotify only sees changes made through this
// kernel: a share another machine (or the VM host) writes to never tells.
// Polled:
//   network:  nfs, nfs4, cifs, smb3, smbfs, ncpfs, afs, ceph, glusterfs,
//             lustre, gpfs, beegfs, orangefs, davfs (WebDAV);
//   cluster:  ocfs2, gfs2 (other nodes write to the same disk);
//   VM host shares: 9p (also WSL2's drives), virtiofs, vboxsf, vmhgfs,
//             drvfs;
//   FUSE:     "fuse" and every "fuse.*" (sshfs, rclone, s3fs, mergerfs,
//             gvfsd-fuse, ...): the daemon behind it may change files
//             without the kernel seeing it;
// except local FUSE drivers of a local disk, whose every change goes
// through this kernel: "fuseblk" (NTFS-3G, exfat-fuse), "fuse.ntfs-3g",
// "fuse.exfat".
std::optional<std::string> PolledFileSystemReason(std::string_view type);

class SystemWatcher final : public Watcher {
 public:
  // `fs` and `clock` are borrowed and outlive the watcher. Never fails:
  // when inotify cannot start (out of instances), every root is polled
  // and the reason says why.
  static std::unique_ptr<SystemWatcher> Create(
      os::FileSystem& fs, os::Clock& clock, SystemWatcherOptions options = {});
  ~SystemWatcher() override;
  SystemWatcher(const SystemWatcher&) = delete;
  SystemWatcher& operator=(const SystemWatcher&) = delete;

  // Picks the method (above) and starts watching. Error (kInvalidArgument)
  // only when `path` is not a folder.
  Result<RootWatchState> AddRoot(RootId root, const std::string& path,
                                 const WatchOptions& options) override;
  void RemoveRoot(RootId root) override;
  // Also moves roots whose watches ran out to polling (see above).
  std::vector<WatchEvent> Poll(size_t max,
                               std::chrono::milliseconds timeout) override;
  void Wake() override;
  std::vector<RootWatchState> States() override;

  PollWatcher& poll_watcher_for_testing() { return *poll_; }

 private:
  struct Root {
    std::string path;
    WatchOptions options;
    WatchMethod method = WatchMethod::kOffline;
    std::string reason;
  };

  SystemWatcher(os::FileSystem& fs, os::Clock& clock,
                SystemWatcherOptions options);

  // Why `path` is polled ("" = watch it with inotify).
  std::string PollReason(const std::string& path, const WatchOptions& options);
  // Polls `root`, for `reason`; the state as it is recorded.
  Result<RootWatchState> StartPolling(RootId root, const std::string& path,
                                      const WatchOptions& options,
                                      const std::string& reason);
  RootWatchState Record(RootId root, const std::string& path,
                        const WatchOptions& options, RootWatchState state);
  // A kWatchLost (dir "") or kRootGone seen by Poll.
  void OnRootEvent(const WatchEvent& event);

  os::FileSystem& fs_;
  std::shared_ptr<EventQueue> queue_;
  std::unique_ptr<InotifyWatcher> inotify_;  // null: inotify unavailable
  std::string inotify_error_;                // why it is
  std::unique_ptr<PollWatcher> poll_;
  util::Mutex mu_;
  std::map<RootId, Root> roots_ GUARDED_BY(mu_);
};

// The Watcher `serve` uses: SystemWatcher::Create.
std::unique_ptr<SystemWatcher> NewSystemWatcher(
    os::FileSystem& fs, os::Clock& clock, SystemWatcherOptions options = {});

}  // namespace phodex::watch
