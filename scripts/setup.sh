#!/usr/bin/env bash
# Installs everything phodex needs to build, test and run its sample job on
# Debian 12. Idempotent: packages already present are left alone.
# Uses sudo when not root.
set -euo pipefail

# Build toolchain and libraries (each -dev package is named in
# cmake/Dependencies.cmake next to the find_package that needs it).
PACKAGES=(
  g++ cmake ninja-build pkg-config git
  # The tsan preset: Clang checks the thread-safety annotations
  # (-Wthread-safety) and builds with ThreadSanitizer. Clang 19: Debian's
  # default Clang 14 cannot use libstdc++ 12's std::expected.
  clang-19 libclang-rt-19-dev
  libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libtbb-dev
  libxxhash-dev libssl-dev
  libexiv2-dev libheif-dev libavformat-dev libavcodec-dev libavutil-dev
  libvips-dev libraw-dev libswscale-dev
  # The HTTP API's server (Boost.Beast and Asio, header-only).
  libboost1.81-dev
  # The API's tests check GET /metrics with promtool (package prometheus).
  prometheus
  # Tests make image variants (resized, recompressed) with the vips tool.
  libvips-tools
  # Tests compare metadata with exiftool's, the reference.
  libimage-exiftool-perl
  libgtest-dev libgmock-dev
  # The test suite runs the benchmark harness once on a tiny tree.
  python3 time
  # Real photographs for the sample library (scripts/make_sample_library.sh).
  plasma-workspace-wallpapers
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
