#!/usr/bin/env python3
"""Deterministic DNG files made from real photographs, for the RAW
thumbnail benchmark (bench/run.py --phases raw).

usage: bench/make_raw.py --out DIR [--count 10] [--size 6000x4000]
                         [--small-preview 160] [--jobs 2] [--force]

Every picture is written twice, with the same raw pixel data:

  DIR/preview-full/IMG_nnnn.dng   embedded JPEG preview at full size (as
                                  Canon, Nikon and Leica cameras write)
  DIR/preview-160/IMG_nnnn.dng    embedded JPEG preview of 160 pixels (a
                                  camera's thumbnail IFD): too small for
                                  a thumbnail's needs, so a reader has to
                                  demosaic the raw data
  DIR/manifest.json               every file: source, size, orientation
  DIR/.raw-complete.json          completion marker (reused when the
                                  arguments and GENERATOR_VERSION match)

How a file is made: the largest JPEG rendition of a photographic Plasma
wallpaper (plasma-workspace-wallpapers, as bench/make_corpus.py picks
them) is cropped, maybe mirrored and scaled to the camera size with the
vips CLI; that sRGB picture is the embedded preview. The raw data is the
same picture made linear (vips colourspace scrgb), scaled per channel by a
camera's daylight response (red 0.5, green 1, blue 0.7: AsShotNeutral),
put between BlackLevel 256 and WhiteLevel 16383 (14 bits in 16) and
sampled through an RGGB Bayer pattern (vips case on a tiled 2x2 index),
saved with vips rawsave as uncompressed 16-bit little-endian samples.
ColorMatrix1 (XYZ to camera) is the XYZ-to-linear-sRGB matrix with its rows
scaled by the same response, so a raw converter renders sRGB colours again.

DNG layout (little-endian TIFF, DNGVersion 1.4):

  IFD0     NewSubFileType 1: the JPEG preview (Compression 7, YCbCr,
           3 x 8 bits, one strip), Make, Model, Orientation, DNGVersion,
           UniqueCameraModel, ColorMatrix1, CalibrationIlluminant1 (D65),
           AsShotNeutral, SubIFDs -> the raw IFD
  SubIFD   NewSubFileType 0: the CFA image, PhotometricInterpretation
           32803, 16 bits, Compression 1, one strip, CFARepeatPatternDim
           2 2, CFAPattern 0 1 1 2 (RGGB), BlackLevel, WhiteLevel

LibRaw (0.20) takes the raw IFD as the image and IFD0's JPEG as the
thumbnail (LIBRAW_THUMBNAIL_JPEG); raw-identify -v shows both.

The raw bytes are streamed from the file vips wrote into the DNG, never
held in memory. Standard library only; needs vips (libvips-tools) and the
wallpapers: bench/setup.sh installs both.

Deterministic: the same arguments give the same files, byte for byte, with
the same vips version (the manifest records it).
"""
import argparse
import concurrent.futures
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in bench/
import make_corpus  # noqa: E402  (find_sources: the same photographs)

GENERATOR_VERSION = 1
SEED = 20241121
MARKER = ".raw-complete.json"
BLACK = 256
WHITE = 16383
# A camera's response to daylight white, relative to green: what
# AsShotNeutral records and what the white balance divides out again.
NEUTRAL = (0.5, 1.0, 0.7)
# CIE XYZ (D65) to linear sRGB (IEC 61966-2-1).
XYZ_TO_SRGB = ((3.2404542, -1.5371385, -0.4985314),
               (-0.9692660, 1.8760108, 0.0415560),
               (0.0556434, -0.2040259, 1.0572252))
CAMERA = dict(make="Phodex", model="Bench DNG", unique="Phodex Bench DNG")

# TIFF field types
BYTE, ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 1, 2, 3, 4, 5, 10
TYPE_SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, SRATIONAL: 8}


def log(msg):
    print(msg, flush=True)


VIPS_ENV = dict(os.environ, VIPS_CONCURRENCY="1")  # one thread per job


def vips(*args):
    cmd = ["vips"] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=VIPS_ENV)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                           f"{p.stderr[-3000:]}")
    return p.stdout


def header(path, field):
    return int(subprocess.run(["vipsheader", "-f", field, path],
                              capture_output=True, text=True,
                              check=True).stdout.split()[0])


# ------------------------------------------------------------- TIFF writing


def pack_values(ftype, values):
    if ftype == ASCII:
        return values.encode("ascii") + b"\0"
    if ftype == BYTE:
        return bytes(values)
    if ftype == SHORT:
        return struct.pack(f"<{len(values)}H", *values)
    if ftype == LONG:
        return struct.pack(f"<{len(values)}I", *values)
    if ftype in (RATIONAL, SRATIONAL):
        code = "I" if ftype == RATIONAL else "i"
        out = b""
        for num, den in values:
            out += struct.pack(f"<{code}{code}", num, den)
        return out
    raise ValueError(ftype)


def ifd_bytes(entries, offset, next_ifd=0):
    """One IFD at file offset `offset`, followed by the values that do not
    fit in their entry. entries: {tag: (type, values)}; returns bytes."""
    tags = sorted(entries)
    size = 2 + 12 * len(tags) + 4
    data = b""
    out = struct.pack("<H", len(tags))
    for tag in tags:
        ftype, values = entries[tag]
        raw = pack_values(ftype, values)
        count = len(raw) // TYPE_SIZE[ftype]
        if len(raw) <= 4:
            field = raw.ljust(4, b"\0")
        else:
            field = struct.pack("<I", offset + size + len(data))
            data += raw
            if len(data) % 2:
                data += b"\0"  # values start on a word boundary
        out += struct.pack("<HHI", tag, ftype, count) + field
    return out + struct.pack("<I", next_ifd) + data


def rational(x, den=10000):
    return (int(round(x * den)), den)


def write_dng(path, width, height, orientation, preview, raw):
    """A DNG with IFD0 = the JPEG `preview` file and one SubIFD = the CFA
    image whose 16-bit samples are in the file `raw` (width * height * 2
    bytes, little-endian, row by row)."""
    pw, ph = header(preview, "width"), header(preview, "height")
    preview_len = os.path.getsize(preview)
    raw_len = os.path.getsize(raw)
    if raw_len != width * height * 2:
        raise RuntimeError(f"{raw}: {raw_len} bytes, expected {width * height * 2}")
    color_matrix = [rational(NEUTRAL[r] * XYZ_TO_SRGB[r][c])
                    for r in range(3) for c in range(3)]

    def ifd0(sub_ifd, preview_at):
        return {
            254: (LONG, [1]),  # NewSubFileType: reduced-resolution image
            256: (LONG, [pw]), 257: (LONG, [ph]),
            258: (SHORT, [8, 8, 8]),
            259: (SHORT, [7]),  # JPEG
            262: (SHORT, [6]),  # YCbCr
            271: (ASCII, CAMERA["make"]), 272: (ASCII, CAMERA["model"]),
            273: (LONG, [preview_at]),
            274: (SHORT, [orientation]),
            277: (SHORT, [3]), 278: (LONG, [ph]), 279: (LONG, [preview_len]),
            284: (SHORT, [1]),
            305: (ASCII, "phodex bench/make_raw.py"),
            330: (LONG, [sub_ifd]),
            50706: (BYTE, [1, 4, 0, 0]),  # DNGVersion
            50707: (BYTE, [1, 1, 0, 0]),  # DNGBackwardVersion
            50708: (ASCII, CAMERA["unique"]),
            50721: (SRATIONAL, color_matrix),  # ColorMatrix1
            50728: (RATIONAL, [rational(v) for v in NEUTRAL]),  # AsShotNeutral
            50778: (SHORT, [21]),  # CalibrationIlluminant1: D65
        }

    def raw_ifd(raw_at):
        return {
            254: (LONG, [0]),  # NewSubFileType: the main image
            256: (LONG, [width]), 257: (LONG, [height]),
            258: (SHORT, [16]),
            259: (SHORT, [1]),  # uncompressed
            262: (SHORT, [32803]),  # CFA
            273: (LONG, [raw_at]),
            277: (SHORT, [1]), 278: (LONG, [height]), 279: (LONG, [raw_len]),
            284: (SHORT, [1]),
            33421: (SHORT, [2, 2]),  # CFARepeatPatternDim
            33422: (BYTE, [0, 1, 1, 2]),  # CFAPattern: R G / G B
            50710: (BYTE, [0, 1, 2]),  # CFAPlaneColor
            50711: (SHORT, [1]),  # CFALayout: rectangular
            50714: (LONG, [BLACK]),  # BlackLevel
            50717: (LONG, [WHITE]),  # WhiteLevel
        }

    # Sizes do not depend on the offsets: lay out with zeros, then for real.
    ifd0_len = len(ifd_bytes(ifd0(0, 0), 8))
    sub_at = 8 + ifd0_len
    sub_len = len(ifd_bytes(raw_ifd(0), sub_at))
    preview_at = sub_at + sub_len
    raw_at = preview_at + preview_len + (preview_len % 2)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"II" + struct.pack("<HI", 42, 8))
        f.write(ifd_bytes(ifd0(sub_at, preview_at), 8))
        f.write(ifd_bytes(raw_ifd(raw_at), sub_at))
        with open(preview, "rb") as src:
            shutil.copyfileobj(src, f, 1 << 20)
        if preview_len % 2:
            f.write(b"\0")
        assert f.tell() == raw_at
        with open(raw, "rb") as src:
            shutil.copyfileobj(src, f, 8 << 20)
    os.replace(tmp, path)


# ------------------------------------------------------------- pictures


def plan(count, width, height, sources):
    """Everything random, from one seeded generator, before any file."""
    rnd = random.Random(SEED)
    order = []
    pictures = []
    for i in range(count):
        if not order:  # every wallpaper once before any twice
            order = list(sources)
            rnd.shuffle(order)
        src = order.pop()
        if src["width"] * height > src["height"] * width:
            cw, ch = src["height"] * width // height, src["height"]
        else:
            cw, ch = src["width"], src["width"] * height // width
        zoom = rnd.uniform(0.6, 1.0)
        cw, ch = int(cw * zoom), int(ch * zoom)
        pictures.append(dict(
            name=f"IMG_{i + 1:04d}.dng", source=src["name"],
            source_path=src["path"], width=width, height=height,
            crop=[rnd.randint(0, src["width"] - cw),
                  rnd.randint(0, src["height"] - ch), cw, ch],
            mirror=rnd.random() < 0.5,
            # Mostly landscape; every fourth picture shot in portrait
            # (stored landscape, Orientation 6 = rotate 90 CW to display).
            orientation=6 if i % 4 == 3 else 1))
    return pictures


def make_picture(pic, out, variants, work):
    p = os.path.join(work, pic["name"][:-4])
    w, h = pic["width"], pic["height"]
    left, top, cw, ch = pic["crop"]
    vips("crop", pic["source_path"], p + "-c.v", left, top, cw, ch)
    img = p + "-c.v"
    if pic["mirror"]:
        vips("flip", img, p + "-f.v", "horizontal")
        img = p + "-f.v"
    vips("resize", img, p + "-r.v", max((w + 1) / cw, (h + 1) / ch))
    vips("crop", p + "-r.v", p + "-rgb.v", 0, 0, w, h)
    for f in (p + "-c.v", p + "-f.v", p + "-r.v"):
        if os.path.exists(f):
            os.remove(f)
    rgb = p + "-rgb.v"

    # The embedded previews: full size and small, from the same picture.
    previews = {}
    for folder, long_edge in variants:
        jpg = f"{p}-{folder}.jpg"
        if long_edge is None:
            vips("jpegsave", rgb, jpg, "--Q", 90, "--strip")
        else:
            vips("thumbnail", rgb, jpg + "[Q=90,strip]", long_edge,
                 "--height", long_edge)
        previews[folder] = jpg

    # Linear light, the camera's response, black and white levels.
    vips("colourspace", rgb, p + "-lin.v", "scrgb")
    os.remove(rgb)
    span = WHITE - BLACK
    vips("linear", p + "-lin.v", p + "-cam.v",
         " ".join(str(n * span) for n in NEUTRAL), f"{BLACK} {BLACK} {BLACK}")
    os.remove(p + "-lin.v")
    vips("cast", p + "-cam.v", p + "-cam16.v", "ushort")
    os.remove(p + "-cam.v")
    bands = []
    for band in range(3):
        bands.append(f"{p}-b{band}.v")
        vips("extract_band", p + "-cam16.v", bands[-1], band)
    os.remove(p + "-cam16.v")

    # RGGB: at (x, y) the colour index is (x % 2) + (y % 2): 0 R, 1 G, 2 B.
    vips("xyz", p + "-xy.v", 2, 2)
    vips("extract_band", p + "-xy.v", p + "-x.v", 0)
    vips("extract_band", p + "-xy.v", p + "-y.v", 1)
    vips("add", p + "-x.v", p + "-y.v", p + "-sum.v")
    vips("cast", p + "-sum.v", p + "-tile.v", "uchar")
    vips("replicate", p + "-tile.v", p + "-rep.v", (w + 1) // 2, (h + 1) // 2)
    vips("crop", p + "-rep.v", p + "-idx.v", 0, 0, w, h)
    vips("case", p + "-idx.v", " ".join(bands), p + "-mosaic.raw")
    for f in bands + [p + s for s in ("-xy.v", "-x.v", "-y.v", "-sum.v",
                                      "-tile.v", "-rep.v", "-idx.v")]:
        os.remove(f)

    for folder, _ in variants:
        write_dng(os.path.join(out, folder, pic["name"]), w, h,
                  pic["orientation"], previews[folder], p + "-mosaic.raw")
        os.remove(previews[folder])
    os.remove(p + "-mosaic.raw")


def parse_size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--size", default="6000x4000", help="WIDTHxHEIGHT")
    ap.add_argument("--small-preview", type=int, default=160,
                    help="long edge of the small embedded preview")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    width, height = parse_size(args.size)
    out = os.path.abspath(args.out)
    variants = [("preview-full", None),
                (f"preview-{args.small_preview}", args.small_preview)]
    params = dict(generator_version=GENERATOR_VERSION, count=args.count,
                  width=width, height=height,
                  small_preview=args.small_preview)
    marker = os.path.join(out, MARKER)
    if not args.force and os.path.exists(marker):
        with open(marker) as f:
            if json.load(f) == params:
                log(f"{out}: {args.count} DNGs of {width}x{height} already made")
                return
    if not shutil.which("vips"):
        sys.exit("make_raw: vips not found: run bench/setup.sh")
    sources = make_corpus.find_sources()
    pictures = plan(args.count, width, height, sources)
    need = 2.3 * width * height * args.count + 12 * width * height * args.jobs
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    if shutil.disk_usage(parent).free < need:
        sys.exit(f"make_raw: needs about {need / 1e9:.1f} GB under {parent}")
    if os.path.exists(out):
        if os.listdir(out) and not any(
                os.path.isdir(os.path.join(out, v)) for v, _ in variants):
            sys.exit(f"make_raw: {out} was not made by this script")
        shutil.rmtree(out)
    for folder, _ in variants:
        os.makedirs(os.path.join(out, folder))
    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="phodex-raw-", dir=parent)
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            list(pool.map(lambda pic: make_picture(pic, out, variants, work),
                          pictures))
    finally:
        shutil.rmtree(work)
    manifest = dict(
        generator="bench/make_raw.py", seed=SEED, **params,
        black_level=BLACK, white_level=WHITE, as_shot_neutral=NEUTRAL,
        cfa="RGGB", vips=vips("--version").strip(),
        variants={v: ("full size" if e is None else f"long edge {e}")
                  for v, e in variants},
        pictures=[{k: v for k, v in pic.items() if k != "source_path"}
                  for pic in pictures])
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    with open(marker, "w") as f:
        json.dump(params, f)
    log(f"made {args.count} x {len(variants)} DNGs of {width}x{height} in "
        f"{out}: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
