#!/usr/bin/env bash
# The main job on the embedded catalog: installs what is missing, builds
# phodex (Release), builds a small sample library of real photos on two
# "drives", scans it into a fresh catalog and shows the summary, the status
# and an example query. Then it rescans to show that an unchanged library
# costs one stat per file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
phodex=build/release/src/phodex
lib=build/sample-library
scripts/make_sample_library.sh "$lib"

export PHODEX_CATALOG="$PWD/build/demo/catalog.db"
rm -rf build/demo
mkdir -p build/demo

echo
echo "== $($phodex --version)"
echo "== phodex scan --thumbs $lib/drive-a $lib/drive-b"
$phodex scan --thumbs "$lib/drive-a" "$lib/drive-b"
echo
echo "== phodex status"
$phodex status
echo
echo "== phodex ls --kind photo --json (first 3), $lib/drive-a/2024"
$phodex ls "$lib/drive-a/2024" --kind photo --json --limit 3
echo
echo "== phodex ls --kind sidecar"
$phodex ls --kind sidecar --json
echo
first=$($phodex ls "$lib/drive-a/2024" --kind photo --limit 1 --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')
echo "== phodex show $first"
$phodex show "$first"
echo
echo "== phodex similar (near-duplicates: here a resized, recompressed export)"
$phodex similar
echo
echo "== phodex rate --stars 4 (into an XMP sidecar; the photo is not touched)"
$phodex rate --stars 4 "$first"
echo
echo "== rescan (nothing changed)"
$phodex scan
