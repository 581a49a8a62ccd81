#pragma once
// Which sanitizer this translation unit is built with, the same on GCC
// (which defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__) and Clang
// (which answers __has_feature instead).
//   PHODEX_ASAN_BUILD: 1 with AddressSanitizer, else 0.
//   PHODEX_TSAN_BUILD: 1 with ThreadSanitizer, else 0.

#if defined(__SANITIZE_ADDRESS__)
#define PHODEX_ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PHODEX_ASAN_BUILD 1
#endif
#endif
#ifndef PHODEX_ASAN_BUILD
#define PHODEX_ASAN_BUILD 0
#endif

#if defined(__SANITIZE_THREAD__)
#define PHODEX_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PHODEX_TSAN_BUILD 1
#endif
#endif
#ifndef PHODEX_TSAN_BUILD
#define PHODEX_TSAN_BUILD 0
#endif
