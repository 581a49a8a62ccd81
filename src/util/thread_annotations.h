#pragma once
// Clang's thread-safety annotations as macros (the names abseil and the
// Clang manual use). A Clang build with -Wthread-safety (the tsan preset,
// with -Werror) checks them: reading a GUARDED_BY member without its mutex,
// calling a REQUIRES function without the lock, or returning with a lock
// still held fails the build. On GCC they expand to nothing.
//
// libstdc++'s std::mutex carries no annotations, so guarded members use
// util::Mutex and util::MutexLock (util/mutex.h), which do.
// Reference: https://clang.llvm.org/docs/ThreadSafetyAnalysis.html

#if defined(__clang__)
#define PHODEX_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define PHODEX_THREAD_ANNOTATION_(x)
#endif

// On a class: it is a lock ("mutex").
#define CAPABILITY(x) PHODEX_THREAD_ANNOTATION_(capability(x))
// On a class: an RAII object that holds a lock for its lifetime.
#define SCOPED_CAPABILITY PHODEX_THREAD_ANNOTATION_(scoped_lockable)
// On a member: read and written only with `x` held.
#define GUARDED_BY(x) PHODEX_THREAD_ANNOTATION_(guarded_by(x))
// On a pointer member: what it points to is guarded by `x`.
#define PT_GUARDED_BY(x) PHODEX_THREAD_ANNOTATION_(pt_guarded_by(x))
// On a mutex member: the order in which locks are taken.
#define ACQUIRED_BEFORE(...) \
  PHODEX_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) \
  PHODEX_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))
// On a function: the caller must hold (REQUIRES) or must not hold
// (EXCLUDES) the locks.
#define REQUIRES(...) \
  PHODEX_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) \
  PHODEX_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) PHODEX_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
// On a function: it takes (ACQUIRE) or lets go of (RELEASE) the locks.
#define ACQUIRE(...) \
  PHODEX_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define RELEASE(...) \
  PHODEX_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) \
  PHODEX_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))
// On a function: tells the analysis the lock is held (checked at run time
// or known by construction).
#define ASSERT_CAPABILITY(x) PHODEX_THREAD_ANNOTATION_(assert_capability(x))
// On a function: returns a reference to the lock `x`.
#define RETURN_CAPABILITY(x) PHODEX_THREAD_ANNOTATION_(lock_returned(x))
// On a function: not checked. Each use says why in a comment.
#define NO_THREAD_SAFETY_ANALYSIS \
  PHODEX_THREAD_ANNOTATION_(no_thread_safety_analysis)
