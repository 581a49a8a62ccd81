#!/usr/bin/env bash
# Installs the peers the benchmarks compare phodex with (Debian packages),
# and what bench/make_corpus.py needs to make the photo corpus: libvips-tools
# (vips), libimage-exiftool-perl (exiftool) and the photographs it starts
# from (plasma-workspace-wallpapers). The thumbs phase compares with
# vipsthumbnail (libvips-tools) and ImageMagick's convert (imagemagick: the
# harness calls /usr/bin/convert, Debian's, by its full path); the raw phase
# with LibRaw's dcraw_emu (libraw-bin). Idempotent; uses sudo when not root.
set -euo pipefail
PACKAGES=(time findutils fd-find python3
          xxhash b3sum coreutils jdupes rmlint rdfind
          libvips-tools libimage-exiftool-perl exiv2 plasma-workspace-wallpapers
          imagemagick libraw-bin)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
