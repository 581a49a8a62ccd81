#!/usr/bin/env bash
# Builds the sample library the README's first command scans: real
# photographs from Debian's plasma-workspace-wallpapers, laid out like a
# photographer's drive (year/event folders), with a raw+sidecar pair, a
# copy on a second "drive", a resized and recompressed export of one photo
# (what `phodex similar` finds), a non-media file and a hidden folder that
# the scan excludes. Idempotent: rebuilds only when missing.
#
# usage: scripts/make_sample_library.sh DEST
set -euo pipefail
# Absolute: vipsthumbnail resolves a relative -o against the input's folder.
dest=$(realpath -m "${1:?usage: make_sample_library.sh DEST}")
src=/usr/share/wallpapers
marker="$dest/.complete-v2"  # bump when the layout changes
if [ -f "$marker" ]; then exit 0; fi
if [ ! -d "$src" ]; then
  echo "make_sample_library: $src missing; run scripts/setup.sh" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"

# The largest rendition of each photograph, newest first by name.
mapfile -t photos < <(find "$src" -path '*/contents/images/*' -name '*.jpg' \
  -size +100k | sort | awk -F/ '{print $(NF-3) "\t" $0}' | sort -k1,1 -u | cut -f2)
if [ ${#photos[@]} -lt 4 ]; then
  echo "make_sample_library: too few photos under $src" >&2
  exit 1
fi

events=("2019/2019-07 Lofoten" "2021/2021-05 Alps" "2023/2023-10 Autumn walk"
        "2024/2024-08 Coast")
i=0
for p in "${photos[@]}"; do
  ev=${events[$((i % ${#events[@]}))]}
  name=$(basename "$(dirname "$(dirname "$(dirname "$p")")")")
  mkdir -p "$dest/drive-a/$ev"
  cp "$p" "$dest/drive-a/$ev/IMG_$(printf '%04d' $((i + 1)))_$name.jpg"
  i=$((i + 1))
done
# A photo with a Lightroom-style XMP sidecar (rating 4), linked by the scan.
first=${photos[0]}
cp "$first" "$dest/drive-a/2024/2024-08 Coast/IMG_9001.jpg"
cat > "$dest/drive-a/2024/2024-08 Coast/IMG_9001.xmp" <<'XMP'
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/></rdf:RDF></x:xmpmeta>
XMP
# An export of the first photo: 1600 pixels, JPEG quality 70, no metadata.
mkdir -p "$dest/drive-a/Exports"
vipsthumbnail "$first" -s 1600 \
  -o "$dest/drive-a/Exports/IMG_0001_export.jpg[Q=70,strip]"
echo "shopping list" > "$dest/drive-a/2024/notes.txt"
mkdir -p "$dest/drive-a/.thumbnails" "$dest/drive-a/@eaDir"
cp "$first" "$dest/drive-a/.thumbnails/cached.jpg"
cp "$first" "$dest/drive-a/@eaDir/SYNOPHOTO_THUMB.jpg"
# A second drive holding a backup copy of one event.
mkdir -p "$dest/drive-b/Backup"
cp -r "$dest/drive-a/2021" "$dest/drive-b/Backup/"
touch "$marker"
echo "sample library: $(find "$dest" -name '*.jpg' | wc -l) photos in $dest"
