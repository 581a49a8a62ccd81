#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds with
# warnings as errors and runs every test, then builds with AddressSanitizer
# and UBSan and runs every test again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=${PHODEX_JOBS:-2}

for preset in ci asan-ubsan; do
  echo "== build and test: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$jobs"
  ctest --preset "$preset" -j"$jobs"
done
