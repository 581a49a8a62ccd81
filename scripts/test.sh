#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds with
# warnings as errors and runs every test, then builds with AddressSanitizer
# and UBSan and runs every test again, then builds with Clang's
# thread-safety analysis (-Wthread-safety -Werror) and ThreadSanitizer in
# one build (the tsan preset) and runs the tests again under it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=${PHODEX_JOBS:-2}

# Under ThreadSanitizer the end-to-end tests (each runs the phodex binary
# and its worker processes, all instrumented) take 5-40 s each, ~10x their
# ci time: the whole set would push CI past its 40 minutes on 2 cores. So
# the tsan preset runs every unit test (where the threads are: pipeline,
# writer queue, pixel pass, worker pool, mutex wrappers) and these e2e
# tests, one per kind of thread phodex starts: the progress printer, the
# metadata worker pool (crash and hang, retried once), a scan with its
# writer thread, and `serve` (its signal thread, the inotify reader, the
# engine's turns, its job runner's metadata jobs and the status file)
# stopping and ingesting (thumbnails off: the job runner's threads with
# pixels jobs are FileJobsTest's, a unit test). Left out as well:
# whatever decodes pixels (the Decode,
# DecodeBadInput, DecodeRaw and Encode tests, and the decoder workers of
# the thumbnail e2e tests), whose only threads are libvips' own,
# uninstrumented: TSan reports the codecs' allocations there (hundreds,
# inside libjpeg and GLib; a worker then exits 66), never phodex's code.
# And the HTTP load test (50 clients for 20 s): the server's threads are
# HttpServerTest's under tsan; the load is ci's and asan-ubsan's.
tsan_skip='E2eTest\.|^(Decode|DecodeBadInput|DecodeRaw|Encode)\.|^LoadTest\.'
tsan_e2e='^(ScanE2eTest\.ProgressJsonIsOneObjectPerLine'
tsan_e2e+='|MetadataE2eTest\.ACrashingOrHangingParserCostsOneFile'
tsan_e2e+='|ScanE2eTest\.RemovedAddedAndPartialScans'
tsan_e2e+='|ServeE2eTest\.SigtermAndSigintStopItCleanlyWithinTwoSeconds'
tsan_e2e+='|ServeE2eTest\.AStopDuringAnIngestLosesNothing)$'

for preset in ci asan-ubsan tsan; do
  echo "== build and test: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$jobs"
  if [ "$preset" = tsan ]; then
    ctest --preset tsan -j"$jobs" -E "$tsan_skip"
    ctest --preset tsan -j"$jobs" -R "$tsan_e2e"
  else
    ctest --preset "$preset" -j"$jobs"
  fi
done
