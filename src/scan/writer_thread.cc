#include "scan/writer_thread.h"

namespace phodex::scan {

WriteLoop::Step WriteLoop::RunOnce(std::chrono::milliseconds wait) {
  if (done_) return Step::kDone;
  DirChanges item;
  const auto s = queue_.PopFor(wait, &item);
  if (s == ChangesQueue::PopStatus::kClosed) {
    if (!failed()) Fail(writer_.Flush());
    done_ = true;
    return Step::kDone;
  }
  // After a failure the queue is still drained: the walkers never block.
  if (!failed()) {
    Fail(s == ChangesQueue::PopStatus::kItem ? writer_.Add(std::move(item))
                                             : writer_.MaybeFlush());
  }
  return s == ChangesQueue::PopStatus::kItem ? Step::kWrote : Step::kIdle;
}

void WriteLoop::Fail(const Status& st) {
  if (st) return;
  error_ = st.error();
  failed_.store(true, std::memory_order_release);
}

WriterThread::WriterThread(ChangesQueue& queue, BatchWriter& writer)
    : queue_(queue), loop_(queue, writer), thread_([this] {
        while (loop_.RunOnce(kTick) != WriteLoop::Step::kDone) {
        }
      }) {}

void WriterThread::Finish() {
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

}  // namespace phodex::scan
