#!/usr/bin/env python3
"""Deterministic photo corpus for the metadata, hashing, duplicate and
thumbnail benchmarks (the discovery benchmark has its own small-file trees,
made by bench/run.py).

usage: bench/make_corpus.py --size tiny|small|medium [--out DIR]
                            [--jobs 2] [--verify] [--force] [--plan]
                            [--samples DIR]

  tiny       30 files of 1-3 MP: every code path, in about 10 s
  small   1,000 files of 12-47 MP: about 5 GB, about 4 minutes on 2 cores
  medium 100,000 files of 12-47 MP: about 570 GB (checked before starting)

The output folder (default bench/corpus/photos-SIZE) holds:

  root-a/YYYY/YYYY-MM <event>/IMG_nnnn.jpg   the library
  root-b/Backup/...  root-b/Exports/...      a second root: backups, exports
  manifest.json                              every file and its planted facts
  .corpus-complete.json                      completion marker

A second run with the same size and GENERATOR_VERSION finds the marker and
exits at once; --force regenerates.

The pictures are real photographs: the JPEG wallpapers of the Debian
package plasma-workspace-wallpapers (the largest rendition of each, the
illustrations left out), cropped, mirrored and upscaled with libvips to the
sensor size of each camera, with a little film grain so that they compress
like camera files (3-15 MB). EXIF and XMP are written with exiftool in batch
mode. RAW and HEIC samples are copied from shared/corpus/metadata/files.

Trade-off: encoding a 24 MP JPEG takes about 3 s of one core (upscale, grain,
encode), so 1,000 distinct pictures would take about half an hour on two
cores and 100,000 about two days. Instead a pool of base pictures is encoded
once (8 per camera for small, 10 for medium: about 100), and every corpus
file is a copy of a base picture with its own EXIF written by exiftool, which
rewrites the metadata segments but not the compressed pixels. Every file
therefore has different bytes (exact-duplicate detection sees only the
planted duplicates), but files made from the same base have identical
pixels: a perceptual near-duplicate finder will (rightly) group them. The
manifest names the base of every file, so a benchmark can tell planted near
duplicates from same-base files. Bases cut from the same wallpaper are
different crops of one scene and are not planted duplicates.

Standard library only; needs vips (libvips-tools) and exiftool
(libimage-exiftool-perl): bench/setup.sh installs both.
"""
import argparse
import calendar
import concurrent.futures
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

GENERATOR_VERSION = 1
SEED = 20240917
HERE = os.path.dirname(os.path.abspath(__file__))
WALLPAPERS = "/usr/share/wallpapers"
GNOME_BACKGROUNDS = "/usr/share/backgrounds/gnome"
SAMPLES = os.path.join(os.path.dirname(HERE), "shared", "corpus", "metadata")
if not os.path.isdir(SAMPLES):
    # A developer's checkout has shared/ beside the repository, not inside.
    SAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared",
                           "corpus", "metadata")
MARKER = ".corpus-complete.json"
IN_PROGRESS = ".corpus-generating"

# files: total files in the corpus (originals, planted copies and samples).
# scale: applied to each camera's sensor size. bases_per_camera: distinct
# pictures encoded per camera. event: originals per event folder.
SIZES = {
    "tiny": dict(files=30, scale=0.25, bases_per_camera=1, event=(4, 8),
                 exact_dups=4, near_dups_per_kind=1, samples=4),
    "small": dict(files=1000, scale=1.0, bases_per_camera=8, event=(20, 200),
                  exact_dups=40, near_dups_per_kind=10, samples=None),
    "medium": dict(files=100000, scale=1.0, bases_per_camera=10,
                   event=(20, 200), exact_dups=4000, near_dups_per_kind=1000,
                   samples=None),
}

# Make and Model as the cameras write them, sensor size, lenses as
# (LensModel, shortest and longest focal length in mm, widest f-number),
# lowest ISO.
CAMERAS = [
    dict(make="Canon", model="Canon EOS 5D Mark IV", size=(6720, 4480),
         lenses=[("EF24-70mm f/2.8L II USM", 24, 70, 2.8),
                 ("EF50mm f/1.8 STM", 50, 50, 1.8)], iso=100),
    dict(make="Canon", model="Canon EOS R5", size=(8192, 5464),
         lenses=[("RF24-105mm F4 L IS USM", 24, 105, 4.0),
                 ("RF85mm F1.2 L USM", 85, 85, 1.2)], iso=100),
    dict(make="NIKON CORPORATION", model="NIKON D850", size=(8256, 5504),
         lenses=[("AF-S NIKKOR 24-70mm f/2.8E ED VR", 24, 70, 2.8),
                 ("AF-S NIKKOR 70-200mm f/2.8E FL ED VR", 70, 200, 2.8)],
         iso=64),
    dict(make="SONY", model="ILCE-7M3", size=(6000, 4000),
         lenses=[("FE 24-105mm F4 G OSS", 24, 105, 4.0),
                 ("FE 35mm F1.8", 35, 35, 1.8)], iso=100),
    dict(make="FUJIFILM", model="X-T3", size=(6240, 4160),
         lenses=[("XF16-55mmF2.8 R LM WR", 16, 55, 2.8),
                 ("XF23mmF1.4 R", 23, 23, 1.4)], iso=160),
    dict(make="OLYMPUS CORPORATION", model="E-M1MarkII", size=(5184, 3888),
         lenses=[("OLYMPUS M.12-40mm F2.8", 12, 40, 2.8)], iso=200),
    dict(make="Panasonic", model="DC-GH5", size=(5184, 3888),
         lenses=[("LUMIX G VARIO 12-35/F2.8II", 12, 35, 2.8)], iso=200),
    dict(make="PENTAX Corporation", model="PENTAX K-5", size=(4928, 3264),
         lenses=[("smc PENTAX-DA 18-55mm F3.5-5.6 AL WR", 18, 55, 3.5)],
         iso=100),
    dict(make="LEICA CAMERA AG", model="LEICA Q2", size=(8368, 5584),
         lenses=[("SUMMILUX 1:1.7/28 ASPH.", 28, 28, 1.7)], iso=50),
    dict(make="Apple", model="iPhone 13 Pro", size=(4032, 3024),
         lenses=[("iPhone 13 Pro back triple camera 5.7mm f/1.5",
                  5.7, 5.7, 1.5)], iso=50),
    dict(make="Google", model="Pixel 7", size=(4080, 3072),
         lenses=[("Pixel 7 back camera 6.81mm f/1.85", 6.81, 6.81, 1.85)],
         iso=50),
    dict(make="samsung", model="SM-S911B", size=(4000, 3000),
         lenses=[("Galaxy S23 back camera 6.3mm f/1.8", 6.3, 6.3, 1.8)],
         iso=50),
    dict(make="RICOH IMAGING COMPANY, LTD.", model="RICOH GR III",
         size=(6000, 4000), lenses=[("GR LENS 18.3mm F2.8", 18.3, 18.3, 2.8)],
         iso=100),
]
PHONES = [c for c in CAMERAS if c["make"] in ("Apple", "Google", "samsung")]
F_STOPS = [1.2, 1.4, 1.7, 1.8, 2, 2.8, 4, 5.6, 8, 11, 16]
EXPOSURES = ["1/4000", "1/2000", "1/1000", "1/500", "1/250", "1/125",
             "1/60", "1/30", "1/15", "1/4", "1/2", "1", "2"]
ISOS = [50, 64, 100, 160, 200, 400, 800, 1600, 3200, 6400, 12800]

# Name, latitude, longitude, altitude (m), UTC offset: both hemispheres,
# both sides of Greenwich, half-hour and 45-minute offsets, below sea level.
HOME = ("Amsterdam", 52.3676, 4.9041, 2, "+01:00")
PLACES = [
    ("Paris", 48.8566, 2.3522, 35, "+01:00"),
    ("Zürich", 47.3769, 8.5417, 408, "+01:00"),
    ("Kraków", 50.0647, 19.9450, 219, "+01:00"),
    ("Reykjavík", 64.1466, -21.9426, 20, "+00:00"),
    ("Lisbon", 38.7223, -9.1393, 50, "+00:00"),
    ("New York", 40.7128, -74.0060, 10, "-05:00"),
    ("Rocky Mountains", 40.3428, -105.6836, 2900, "-07:00"),
    ("São Paulo", -23.5505, -46.6333, 760, "-03:00"),
    ("Cape Town", -33.9249, 18.4241, 15, "+02:00"),
    ("Dead Sea", 31.5590, 35.4732, -420, "+02:00"),
    ("Mumbai", 19.0760, 72.8777, 14, "+05:30"),
    ("Kathmandu", 27.7172, 85.3240, 1400, "+05:45"),
    ("Kyoto", 35.0116, 135.7681, 50, "+09:00"),
    ("Adelaide", -34.9285, 138.6007, 50, "+09:30"),
    ("Sydney", -33.8688, 151.2093, 20, "+10:00"),
    ("Auckland", -36.8485, 174.7633, 30, "+12:00"),
    ("Honolulu", 21.3069, -157.8583, 5, "-10:00"),
]
HOME_EVENTS = ["Birthday", "Garden", "Christmas", "New Year's Eve",
               "Family visit", "Zoo", "Football match", "School concert",
               "Autumn walk", "Snow day", "Barbecue", "Tom & Anna wedding",
               "Graduation", "Museum", "Renovation", "Bike ride"]

# Plasma wallpapers that are drawings or renders, not photographs.
ILLUSTRATIONS = {"Autumn", "Flow", "Honeywave", "PastelHills", "SafeLanding",
                 "Shell"}
RAW_EXTS = {".cr2", ".cr3", ".crw", ".nef", ".nrw", ".dng", ".raf", ".rw2",
            ".orf", ".arw", ".srw", ".pef", ".x3f", ".mrw", ".iiq", ".raw",
            ".3fr", ".erf", ".kdc", ".dcr", ".rwl", ".sr2", ".srf"}
HEIF_EXTS = {".heic", ".heif", ".hif"}
NEAR_KINDS = [  # kind, file name suffix
    ("resize-50", "-web"), ("recompress-q60", "-shared"), ("crop-5", "-edit")]
GRAIN_SIGMA = 4  # film grain, in 8-bit levels


def log(msg):
    print(msg, flush=True)


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                           f"{p.stderr[-3000:]}")
    return p.stdout


VIPS_ENV = dict(os.environ, VIPS_CONCURRENCY="1")  # one thread per worker


def vips(*args):
    run(["vips"] + [str(a) for a in args], env=VIPS_ENV)


def find_sources():
    """The largest JPEG rendition of each photographic Plasma wallpaper."""
    sources = []
    for name in sorted(os.listdir(WALLPAPERS)) if os.path.isdir(WALLPAPERS) else []:
        if name in ILLUSTRATIONS:
            continue
        images = os.path.join(WALLPAPERS, name, "contents", "images")
        best = None
        for f in sorted(os.listdir(images)) if os.path.isdir(images) else []:
            m = re.fullmatch(r"(\d+)x(\d+)\.jpe?g", f, re.IGNORECASE)
            if m:
                w, h = int(m.group(1)), int(m.group(2))
                if best is None or w * h > best[1] * best[2]:
                    best = (os.path.join(images, f), w, h)
        if best and best[1] > best[2]:  # landscape renditions only
            path, w, h = best
            sources.append(dict(name=name, path=path, width=w, height=h,
                                bytes=os.path.getsize(path)))
    # gnome-backgrounds 43 ships only SVG and WebP drawings, no photographs;
    # a later version with JPEG photos would need adding here by name.
    if not sources:
        sys.exit(f"make_corpus: no JPEG wallpapers under {WALLPAPERS}: "
                 "run bench/setup.sh (plasma-workspace-wallpapers)")
    return sources


def find_samples():
    """RAW and HEIC sample files of the shared metadata corpus, with what
    exiftool says about them (its expected.json), when that folder exists."""
    files = os.path.join(SAMPLES, "files")
    if not os.path.isdir(files):
        return None, []
    expected = {}
    oracle = os.path.join(SAMPLES, "expected.json")
    if os.path.exists(oracle):
        with open(oracle, encoding="utf-8") as f:
            expected = {e["SourceFile"]: e for e in json.load(f)}
    samples = []
    for folder, _, names in sorted(os.walk(files)):
        for name in sorted(names):
            ext = os.path.splitext(name)[1].lower()
            if ext in RAW_EXTS or ext in HEIF_EXTS:
                rel = os.path.relpath(os.path.join(folder, name), files)
                samples.append(dict(path=os.path.join(folder, name), rel=rel,
                                    format="heif" if ext in HEIF_EXTS else "raw",
                                    facts=oracle_facts(expected.get(rel))))
    return files, samples


def oracle_facts(e):
    if e is None:
        return None

    def tag(name, groups=("EXIF", "XMP", "QuickTime", "MakerNotes")):
        for g in groups:
            if f"{g}:{name}" in e:
                return e[f"{g}:{name}"]
        return next((v for k, v in e.items() if k.endswith(":" + name)), None)

    lat = e.get("Composite:GPSLatitude")
    lon = e.get("Composite:GPSLongitude")
    gps = None
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        gps = dict(lat=lat, lon=lon, alt=e.get("Composite:GPSAltitude"))
    model = tag("Model")
    return dict(make=tag("Make"), model=None if model is None else str(model),
                taken=tag("DateTimeOriginal"),
                offset=tag("OffsetTimeOriginal"), gps=gps,
                rating=tag("Rating", ("XMP", "EXIF")),
                orientation=tag("Orientation", ("EXIF",)))


# ---------------------------------------------------------------- planning
# Everything random is decided here, from one seeded generator, before any
# file is written: the same size always gives the same plan.


def plan_bases(rnd, cfg, sources):
    bases = []
    order = []
    for cam_index, cam in enumerate(CAMERAS):
        w = int(cam["size"][0] * cfg["scale"]) // 16 * 16
        h = int(cam["size"][1] * cfg["scale"]) // 16 * 16
        for _ in range(cfg["bases_per_camera"]):
            if not order:  # every wallpaper once before any twice
                order = list(sources)
                rnd.shuffle(order)
            src = order.pop()
            # The largest crop of the wallpaper with the camera's aspect
            # ratio, zoomed in and moved at random.
            if src["width"] * h > src["height"] * w:
                cw, ch = src["height"] * w // h, src["height"]
            else:
                cw, ch = src["width"], src["width"] * h // w
            zoom = rnd.uniform(0.55, 1.0)
            cw, ch = int(cw * zoom), int(ch * zoom)
            # Phones save at high quality; keep 45 MP files under 15 MB.
            if w * h < 15e6 * cfg["scale"] ** 2:
                q = rnd.choice([92, 94, 95, 96])
            elif w * h < 30e6 * cfg["scale"] ** 2:
                q = rnd.choice([88, 90, 92, 94, 95])
            else:
                q = rnd.choice([86, 88, 90, 92])
            bases.append(dict(
                id=f"base-{len(bases):03d}", camera=cam_index, source=src["name"],
                width=w, height=h,
                crop=[rnd.randint(0, src["width"] - cw),
                      rnd.randint(0, src["height"] - ch), cw, ch],
                mirror=rnd.random() < 0.5, quality=q,
                subsample=rnd.random() < 0.8,
                grain_at=[rnd.randint(0, 63), rnd.randint(0, 63)]))
    return bases


def plan_events(rnd, cfg, n_originals):
    lo, hi = cfg["event"]
    counts = []
    remaining = n_originals
    big_budget = 0.3 * n_originals  # at most 30% of the files in big events
    while remaining > 0:
        if remaining <= hi:
            count = remaining
        else:
            # Mostly small events (a birthday), some big ones (a trip).
            if rnd.random() < 0.15 and big_budget >= hi:
                count = rnd.randint(lo + (hi - lo) // 3, hi)
                big_budget -= count
            else:
                count = min(hi, lo + int(rnd.expovariate(18 / (hi - lo))))
            if remaining - count < lo:
                count = remaining - lo
        counts.append(count)
        remaining -= count
    # Stratified start dates: event k falls in the k-th slice of
    # 2005-01-01 .. 2024-12-31, so even a few events span the 20 years.
    first = datetime.datetime(2005, 1, 1)
    span = (datetime.datetime(2024, 12, 31) - first).total_seconds()
    events = []
    names = set()
    for k, count in enumerate(counts):
        day = first + datetime.timedelta(
            seconds=span * (k + rnd.random()) / len(counts))
        start = day.replace(hour=rnd.randint(7, 17), minute=rnd.randint(0, 59),
                            second=rnd.randint(0, 59))
        if rnd.random() < 0.4:
            place = rnd.choice(PLACES)
            title = rnd.choice([place[0], f"{place[0]} trip",
                                f"Holiday {place[0]}"])
            days = rnd.randint(2, 10)
        else:
            place = HOME
            title = rnd.choice(HOME_EVENTS)
            days = 1
        folder = f"{start:%Y-%m} {title}"
        n = 2
        while (start.year, folder) in names:
            folder = f"{start:%Y-%m} {title} {n}"
            n += 1
        names.add((start.year, folder))
        events.append(dict(dir=f"root-a/{start.year}/{folder}", start=start,
                           seconds=days * 36000, place=place, count=count,
                           camera=rnd.randrange(len(CAMERAS)),
                           phone=rnd.choice(PHONES)))
    return events


def plan_originals(rnd, events, bases):
    by_camera = {}
    for b in bases:
        by_camera.setdefault(b["camera"], []).append(b)
    originals = []
    number = rnd.randint(1, 3000)
    for ev in events:
        offsets = sorted(rnd.randint(0, ev["seconds"]) for _ in range(ev["count"]))
        for i, off in enumerate(offsets):
            if i and rnd.random() < 0.1:  # a burst: same second as before
                off = offsets[i - 1]
                offsets[i] = off
            if rnd.random() < 0.75:
                cam_index = ev["camera"]
            elif rnd.random() < 0.5:
                cam_index = CAMERAS.index(ev["phone"])
            else:
                cam_index = rnd.randrange(len(CAMERAS))
            cam = CAMERAS[cam_index]
            base = rnd.choice(by_camera[cam_index])
            lens, f_min, f_max, widest = rnd.choice(cam["lenses"])
            # Ten hours of shooting a day, from the event's start hour.
            taken = ev["start"] + datetime.timedelta(days=off // 36000,
                                                     seconds=off % 36000)
            name, lat, lon, alt, tz = ev["place"]
            gps = None
            if rnd.random() < 0.5:
                gps = dict(lat=round(lat + rnd.uniform(-0.03, 0.03), 6),
                           lon=round(lon + rnd.uniform(-0.03, 0.03), 6),
                           alt=round(alt + rnd.uniform(0, 40), 1))
            originals.append(dict(
                path=f"{ev['dir']}/IMG_{number:04d}.jpg",
                kind="original", event=ev["dir"], place=name,
                base=base["id"], width=base["width"], height=base["height"],
                make=cam["make"], model=cam["model"], lens=lens,
                taken=f"{taken:%Y:%m:%d %H:%M:%S}",
                offset=tz if rnd.random() < 0.5 else None,
                utc_offset=tz,  # the place's offset, also used for mtime
                gps=gps,
                rating=rnd.randint(1, 5) if rnd.random() < 0.25 else None,
                orientation=rnd.choices([1, 3, 6, 8], [70, 7, 15, 8])[0],
                fnumber=widest if cam in PHONES  # fixed aperture
                else rnd.choice([f for f in F_STOPS if f >= widest]),
                exposure_time=rnd.choice(EXPOSURES),
                iso=rnd.choice([i for i in ISOS if i >= cam["iso"]][:8]),
                focal_length=round(rnd.uniform(f_min, f_max))
                if f_max > f_min else f_min))
            number = number % 9999 + 1
    # Every orientation at least once, even in the tiny corpus.
    for k, value in enumerate([1, 3, 6, 8]):
        if value not in {o["orientation"] for o in originals}:
            originals[k]["orientation"] = value
    return originals


def unique_path(path, taken):
    stem, ext = os.path.splitext(path)
    n = 1
    while path in taken:
        path = f"{stem} ({n}){ext}"
        n += 1
    taken.add(path)
    return path


def plan_copies(rnd, cfg, originals, events, used):
    """Exact duplicates (byte copies) and near duplicates (vips)."""
    pool = list(originals)
    rnd.shuffle(pool)  # distinct originals for every planted derivative
    originals_by_path = {o["path"]: o for o in originals}
    exact = []
    for i in range(cfg["exact_dups"]):
        # The first original gets two copies: one group of three.
        orig = originals_by_path[exact[0]["duplicate_of"]] if i == 1 else pool.pop()
        name = orig["path"].rsplit("/", 1)[1]
        if i % 2 == 1:  # a backup in the second root, same relative path
            path = "root-b/Backup/" + orig["path"][len("root-a/"):]
        elif i % 4 == 0:  # imported twice into the same folder
            path = orig["path"]
        else:  # imported again into another event's folder
            path = rnd.choice(events)["dir"] + "/" + name
        exact.append(dict(orig, path=unique_path(path, used), kind="exact_duplicate",
                          duplicate_of=orig["path"]))
    near = []
    for kind, suffix in NEAR_KINDS:
        for i in range(cfg["near_dups_per_kind"]):
            orig = pool.pop()
            stem = orig["path"][:-len(".jpg")]
            if i % 2 == 0:
                path = f"{stem}{suffix}.jpg"
            else:
                path = f"root-b/Exports/{stem[len('root-a/'):]}{suffix}.jpg"
            d = dict(orig, path=unique_path(path, used), kind="near_duplicate",
                     near_duplicate_of=orig["path"], near_kind=kind)
            w, h = orig["width"], orig["height"]
            if kind == "resize-50":
                d["width"], d["height"] = round(w / 2), round(h / 2)
            elif kind == "crop-5":  # 5% off each dimension, split at random
                cw, ch = round(w * 0.95), round(h * 0.95)
                d["crop"] = [rnd.randint(0, w - cw), rnd.randint(0, h - ch), cw, ch]
                d["width"], d["height"] = cw, ch
            near.append(d)
    return exact, near


def plan_samples(rnd, cfg, samples, events, used):
    if cfg["samples"] is not None and len(samples) > cfg["samples"]:
        step = len(samples) / cfg["samples"]
        samples = [samples[int(i * step)] for i in range(cfg["samples"])]
    placed = []
    for i, s in enumerate(samples):
        ev = events[i % len(events)]
        name = os.path.basename(s["rel"])
        facts = s["facts"] or {}
        placed.append(dict(
            path=unique_path(f"{ev['dir']}/{name}", used), kind="sample",
            format=s["format"], sample_of=s["rel"], src=s["path"],
            make=facts.get("make"), model=facts.get("model"),
            taken=facts.get("taken"), offset=facts.get("offset"),
            gps=facts.get("gps"), rating=facts.get("rating"),
            orientation=facts.get("orientation"),
            facts_from="shared/corpus/metadata/expected.json" if s["facts"] else None))
    return placed


def plan(size, sources, samples):
    cfg = SIZES[size]
    rnd = random.Random(f"{SEED}:{size}")
    bases = plan_bases(rnd, cfg, sources)
    n_samples = len(samples) if cfg["samples"] is None else min(cfg["samples"], len(samples))
    n_originals = (cfg["files"] - cfg["exact_dups"]
                   - 3 * cfg["near_dups_per_kind"] - n_samples)
    events = plan_events(rnd, cfg, n_originals)
    originals = plan_originals(rnd, events, bases)
    used = {o["path"] for o in originals}
    exact, near = plan_copies(rnd, cfg, originals, events, used)
    placed = plan_samples(rnd, cfg, samples, events, used)
    return cfg, bases, originals, exact, near, placed


# ---------------------------------------------------------------- writing


def encode_base(base, src, grain, work):
    """Crop, mirror, upscale, add grain, encode: the only full encodes."""
    p = os.path.join(work, base["id"])
    left, top, cw, ch = base["crop"]
    vips("crop", src["path"], p + "-c.v", left, top, cw, ch)
    img = p + "-c.v"
    if base["mirror"]:
        vips("flip", img, p + "-f.v", "horizontal")
        img = p + "-f.v"
    w, h = base["width"], base["height"]
    # One pixel more than needed, then cut to the exact size: resize rounds.
    vips("resize", img, p + "-r.v", max((w + 1) / cw, (h + 1) / ch))
    vips("crop", p + "-r.v", p + "-rc.v", 0, 0, w, h)
    gx, gy = base["grain_at"]
    vips("crop", grain, p + "-g.v", gx, gy, w, h)
    vips("add", p + "-rc.v", p + "-g.v", p + "-a.v")  # uchar + char: short
    vips("jpegsave", p + "-a.v", p + ".jpg", "--Q", base["quality"], "--strip",
         "--subsample-mode", "on" if base["subsample"] else "off")
    for suffix in ("-c.v", "-f.v", "-r.v", "-rc.v", "-g.v", "-a.v"):
        if os.path.exists(p + suffix):
            os.remove(p + suffix)
    return p + ".jpg"


def exif_args(o):
    """exiftool arguments that plant the manifest's facts in one file."""
    args = [f"-EXIF:Make={o['make']}", f"-EXIF:Model={o['model']}",
            f"-EXIF:LensModel={o['lens']}",
            f"-EXIF:DateTimeOriginal={o['taken']}",
            f"-EXIF:CreateDate={o['taken']}",
            f"-EXIF:FNumber={o['fnumber']}",
            f"-EXIF:ExposureTime={o['exposure_time']}",
            f"-EXIF:ISO={o['iso']}", f"-EXIF:FocalLength={o['focal_length']}",
            f"-EXIF:Orientation#={o['orientation']}",
            f"-EXIF:ExifImageWidth={o['width']}",
            f"-EXIF:ExifImageHeight={o['height']}", "-EXIF:ColorSpace#=1"]
    if o["offset"]:
        args += [f"-EXIF:OffsetTimeOriginal={o['offset']}",
                 f"-EXIF:OffsetTime={o['offset']}"]
    if o["gps"]:
        g = o["gps"]
        args += [f"-EXIF:GPSLatitude={abs(g['lat'])}",
                 f"-EXIF:GPSLatitudeRef={'N' if g['lat'] >= 0 else 'S'}",
                 f"-EXIF:GPSLongitude={abs(g['lon'])}",
                 f"-EXIF:GPSLongitudeRef={'E' if g['lon'] >= 0 else 'W'}",
                 f"-EXIF:GPSAltitude={abs(g['alt'])}",
                 f"-EXIF:GPSAltitudeRef#={0 if g['alt'] >= 0 else 1}"]
    if o["rating"] is not None:
        args.append(f"-XMP:Rating={o['rating']}")
    return args


def write_originals(originals, base_files, out, work, jobs):
    """exiftool copies each base picture to its corpus path with the file's
    own EXIF (-o), a few processes with one argument file each."""
    chunks = [originals[i::jobs] for i in range(jobs)]
    procs = []
    for i, chunk in enumerate(chunks):
        argfile = os.path.join(work, f"exiftool-{i}.args")
        with open(argfile, "w", encoding="utf-8") as f:
            for o in chunk:
                lines = ["-o", os.path.join(out, o["path"])] + exif_args(o)
                lines += [base_files[o["base"]], "-execute"]
                f.write("\n".join(lines) + "\n")
        procs.append(subprocess.Popen(
            ["exiftool", "-charset", "filename=utf8", "-@", argfile,
             "-common_args", "-q", "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        stdout, stderr = p.communicate()
        if p.returncode != 0 or stderr.strip():
            raise RuntimeError(f"exiftool failed ({p.returncode}): {stderr[-3000:]}")
    missing = [o["path"] for o in originals
               if not os.path.exists(os.path.join(out, o["path"]))]
    if missing:
        raise RuntimeError(f"exiftool did not write {len(missing)} files, "
                           f"e.g. {missing[0]}")


def make_near(d, out):
    src = os.path.join(out, d["near_duplicate_of"])
    dst = os.path.join(out, d["path"])
    # vips keeps EXIF and XMP and does not rotate: the facts stay.
    if d["near_kind"] == "resize-50":
        vips("resize", src, dst + "[Q=90,subsample-mode=on]", 0.5)
    elif d["near_kind"] == "recompress-q60":
        vips("jpegsave", src, dst, "--Q", 60)
    else:
        left, top, w, h = d["crop"]
        vips("crop", src, dst + "[Q=92,subsample-mode=on]", left, top, w, h)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def epoch(taken, offset):
    """EXIF local time and its UTC offset to seconds since 1970."""
    t = datetime.datetime.strptime(taken, "%Y:%m:%d %H:%M:%S")
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return calendar.timegm(t.timetuple()) - sign * (int(hours) * 3600 + int(minutes) * 60)


def file_mtime(d):
    """Deterministic mtimes: when the picture was taken, a near duplicate
    a few days later (when it was edited), a sample at its own date."""
    if d["kind"] == "sample":
        try:
            return epoch(d["taken"], d["offset"] or "+00:00")
        except (TypeError, ValueError):
            return calendar.timegm((2020, 1, 1, 12, 0, 0))
    t = epoch(d["taken"], d["utc_offset"])
    return t + 3 * 86400 if d["kind"] == "near_duplicate" else t


def tool_version(cmd):
    try:
        return run(cmd).strip().splitlines()[0]
    except (OSError, RuntimeError):
        return None


def is_complete(out):
    """True when a finished corpus of this size and version is already there."""
    try:
        with open(os.path.join(out, MARKER)) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    return m.get("size") == SIZE and m.get("generator_version") == GENERATOR_VERSION


def check_out(out):
    """Only ever delete a folder this script made."""
    if os.path.isdir(out) and os.listdir(out) and not (
            os.path.exists(os.path.join(out, MARKER)) or
            os.path.exists(os.path.join(out, IN_PROGRESS))):
        sys.exit(f"make_corpus: {out} is not empty and was not made by "
                 "this script: choose another --out")


def start_out(out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with open(os.path.join(out, IN_PROGRESS), "w") as f:
        f.write(f"{SIZE} {GENERATOR_VERSION}\n")


def space_needed(bases, originals, exact, near):
    """Bytes of disk the corpus needs while it is made, with a margin."""
    px = {b["id"]: b["width"] * b["height"] for b in bases}
    # The small corpus averages 0.24 bytes per pixel; 0.32 leaves a margin.
    need = sum(0.32 * px[d["base"]] for d in originals + exact + near)
    return need + 0.32 * sum(px.values()) + 2e9  # the base pool, headroom


def check_space(out, bases, originals, exact, near):
    need = space_needed(bases, originals, exact, near)
    existing = out
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    free = shutil.disk_usage(existing).free
    if os.path.isdir(out):  # about to be replaced
        free += sum(os.path.getsize(os.path.join(d, f))
                    for d, _, names in os.walk(out) for f in names)
    if free < need:
        sys.exit(f"make_corpus: needs about {need / 1e9:.0f} GB, "
                 f"{free / 1e9:.0f} GB free under {out}")


def pick_workdir(bases):
    """Intermediate .v files (up to 300 MB each) in RAM when there is room."""
    px = max(b["width"] * b["height"] for b in bases)
    need = 0.32 * px * len(bases) + 12 * px * 2 + 1e9
    if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > need:
        return tempfile.mkdtemp(prefix="phodex-corpus-", dir="/dev/shm")
    return tempfile.mkdtemp(prefix="phodex-corpus-")


def describe_plan(out):
    """--plan: what the corpus would hold and need, without writing it."""
    sources = find_sources()
    _, samples = find_samples()
    cfg, bases, originals, exact, near, placed = plan(SIZE, sources, samples)
    files = len(originals) + len(exact) + len(near) + len(placed)
    mp = sorted(b["width"] * b["height"] / 1e6 for b in bases)
    folders = {os.path.dirname(d["path"]) for d in originals + exact + near}
    need = space_needed(bases, originals, exact, near)
    existing = out
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    free = shutil.disk_usage(existing).free
    print(f"{SIZE}: {files:,} files (the size asks {cfg['files']:,}) in "
          f"{len(folders):,} folders: {len(originals):,} originals from "
          f"{len(bases)} base pictures of {mp[0]:.0f}-{mp[-1]:.0f} MP, "
          f"{len(exact):,} exact and {len(near):,} near duplicates, "
          f"{len(placed)} RAW/HEIC samples")
    print(f"disk: needs about {need / 1e9:,.0f} GB, {free / 1e9:,.0f} GB free "
          f"under {existing}: {'fits' if free >= need else 'does not fit'}")
    return files == cfg["files"]


def generate(out, jobs):
    started = time.perf_counter()
    sources = find_sources()
    samples_dir, samples = find_samples()
    cfg, bases, originals, exact, near, placed = plan(SIZE, sources, samples)
    check_space(out, bases, originals, exact, near)
    start_out(out)
    log(f"{SIZE}: {len(originals)} originals from {len(bases)} base pictures "
        f"({len(sources)} wallpapers), {len(exact)} exact and {len(near)} "
        f"near duplicates, {len(placed)} RAW/HEIC samples -> {out}")
    work = pick_workdir(bases)
    try:
        t = time.perf_counter()
        mw = max(b["width"] for b in bases) + 64
        mh = max(b["height"] for b in bases) + 64
        grain = os.path.join(work, "grain.v")
        vips("gaussnoise", grain + "f.v", mw, mh, "--sigma", GRAIN_SIGMA,
             "--mean", 0, "--seed", SEED % 100000)
        vips("cast", grain + "f.v", grain, "char")
        os.remove(grain + "f.v")
        by_name = {s["name"]: s for s in sources}
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            files = list(pool.map(
                lambda b: encode_base(b, by_name[b["source"]], grain, work), bases))
        base_files = {b["id"]: f for b, f in zip(bases, files)}
        for b in bases:
            b["bytes"] = os.path.getsize(base_files[b["id"]])
        log(f"  base pictures encoded: {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        for d in originals + exact + near + placed:
            os.makedirs(os.path.join(out, os.path.dirname(d["path"])), exist_ok=True)
        write_originals(originals, base_files, out, work, jobs)
        log(f"  EXIF written (exiftool): {time.perf_counter() - t:.1f} s")
    finally:
        shutil.rmtree(work)

    t = time.perf_counter()
    for d in exact:
        shutil.copyfile(os.path.join(out, d["duplicate_of"]), os.path.join(out, d["path"]))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda d: make_near(d, out), near))
    for d in placed:
        shutil.copyfile(d.pop("src"), os.path.join(out, d["path"]))
    log(f"  duplicates and samples: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    everything = originals + exact + near + placed
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        hashes = list(pool.map(lambda d: sha256(os.path.join(out, d["path"])),
                               originals + near + placed))
    digest = {d["path"]: h for d, h in zip(originals + near + placed, hashes)}
    for d in everything:
        p = os.path.join(out, d["path"])
        d["bytes"] = os.path.getsize(p)
        d["sha256"] = digest[d.get("duplicate_of", d["path"])]
        d["mtime"] = file_mtime(d)
        os.utime(p, (d["mtime"], d["mtime"]))
    log(f"  hashed: {time.perf_counter() - t:.1f} s")

    groups = {}
    for d in exact:
        groups.setdefault(d["duplicate_of"], [d["duplicate_of"]]).append(d["path"])
    manifest = dict(
        generator="bench/make_corpus.py", generator_version=GENERATOR_VERSION,
        seed=SEED, size=SIZE, files=len(everything),
        bytes=sum(d["bytes"] for d in everything),
        roots=["root-a", "root-b"],
        tools=dict(vips=tool_version(["vips", "--version"]),
                   exiftool=tool_version(["exiftool", "-ver"])),
        notes=[
            "Paths are relative to this folder. taken is EXIF DateTimeOriginal "
            "(local time); offset is OffsetTimeOriginal or null when the file "
            "has none; utc_offset is the place's offset, used for mtime.",
            "gps: signed decimal degrees and metres as written; EXIF stores "
            "degrees/minutes/seconds rationals, compare with a tolerance "
            "of 1e-5 degrees and 0.1 m.",
            "Files with the same base have identical pixels (different "
            "EXIF, different bytes); only exact_duplicate files share bytes.",
            "near duplicates keep the original's EXIF and XMP (vips copies "
            "them): resize-50 is half size at Q90, recompress-q60 is the "
            "same size at Q60, crop-5 drops 5% of each dimension (crop is "
            "left, top, width, height).",
            "samples are copied from shared/corpus/metadata/files; their "
            "facts are exiftool's, from its expected.json.",
        ],
        samples=dict(source="shared/corpus/metadata/files",
                     found=samples_dir is not None,
                     copied=len(placed),
                     note=None if samples_dir else
                     "the shared metadata corpus was not found: no RAW/HEIC samples"),
        sources=[dict(name=s["name"], path=s["path"], width=s["width"],
                      height=s["height"], bytes=s["bytes"]) for s in sources],
        bases=bases,
        exact_duplicate_groups=sorted(groups.values()),
        near_duplicates=[dict(original=d["near_duplicate_of"], path=d["path"],
                              kind=d["near_kind"]) for d in near],
        entries=sorted(everything, key=lambda d: d["path"]),
    )
    for b in bases:
        b["camera"] = CAMERAS[b["camera"]]["model"]
    write_manifest(os.path.join(out, "manifest.json"), manifest)
    with open(os.path.join(out, MARKER), "w") as f:
        json.dump(dict(size=SIZE, generator_version=GENERATOR_VERSION), f)
        f.write("\n")
    os.remove(os.path.join(out, IN_PROGRESS))
    log(f"done: {len(everything)} files, {manifest['bytes'] / 1e9:.2f} GB, "
        f"{time.perf_counter() - started:.1f} s")
    return manifest


def write_manifest(path, manifest):
    """Readable and diffable: one line per file and per base."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        items = list(manifest.items())
        for i, (key, value) in enumerate(items):
            sep = ",\n" if i < len(items) - 1 else "\n"
            if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
                rows = ",\n".join("  " + json.dumps(v, ensure_ascii=False, sort_keys=True)
                                  for v in value)
                f.write(f"{json.dumps(key)}: [\n{rows}\n]{sep}")
            else:
                f.write(f"{json.dumps(key)}: "
                        f"{json.dumps(value, ensure_ascii=False, sort_keys=True)}{sep}")
        f.write("}\n")


# ---------------------------------------------------------------- checking


def verify(out, manifest, jobs):
    """Reads every file back (exiftool, sha256) and compares with the
    manifest; also checks that the roots hold no file it does not list."""
    t = time.perf_counter()
    entries = manifest["entries"]
    listed = {d["path"] for d in entries}
    on_disk = set()
    for root in manifest["roots"]:
        for folder, _, names in os.walk(os.path.join(out, root)):
            for name in names:
                on_disk.add(os.path.relpath(os.path.join(folder, name), out))
    problems = [f"not in manifest: {p}" for p in sorted(on_disk - listed)]
    problems += [f"missing: {p}" for p in sorted(listed - on_disk)]

    jpegs = [d for d in entries if d["kind"] != "sample"]
    argfile = os.path.join(out, ".verify.args")
    with open(argfile, "w", encoding="utf-8") as f:
        f.write("\n".join(os.path.join(out, d["path"]) for d in jpegs) + "\n")
    tags = ["-EXIF:Make", "-EXIF:Model", "-EXIF:DateTimeOriginal",
            "-EXIF:OffsetTimeOriginal", "-EXIF:Orientation", "-XMP:Rating",
            "-Composite:GPSLatitude", "-Composite:GPSLongitude",
            "-Composite:GPSAltitude", "-File:ImageWidth", "-File:ImageHeight"]
    try:
        found = json.loads(run(["exiftool", "-charset", "filename=utf8", "-j",
                                "-n", "-G", "-q", "-q"] + tags + ["-@", argfile]))
    finally:
        os.remove(argfile)
    by_path = {os.path.relpath(e["SourceFile"], out): e for e in found}
    for d in jpegs:
        e = by_path.get(d["path"], {})
        gps = d["gps"] or {}
        want = {"EXIF:Make": d["make"], "EXIF:Model": d["model"],
                "EXIF:DateTimeOriginal": d["taken"],
                "EXIF:OffsetTimeOriginal": d["offset"],
                "EXIF:Orientation": d["orientation"], "XMP:Rating": d["rating"],
                "Composite:GPSLatitude": gps.get("lat"),
                "Composite:GPSLongitude": gps.get("lon"),
                "Composite:GPSAltitude": gps.get("alt"),
                "File:ImageWidth": d["width"], "File:ImageHeight": d["height"]}
        for key, value in want.items():
            got = e.get(key)
            if isinstance(value, float) and isinstance(got, (int, float)):
                ok = abs(got - value) < (0.11 if "Altitude" in key else 1e-5)
            else:
                ok = (str(got) if got is not None else None) == \
                     (str(value) if value is not None else None)
            if not ok:
                problems.append(f"{d['path']}: {key} is {got!r}, manifest says {value!r}")

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        hashes = list(pool.map(lambda d: sha256(os.path.join(out, d["path"])), entries))
    for d, h in zip(entries, hashes):
        if h != d["sha256"]:
            problems.append(f"{d['path']}: sha256 differs from the manifest")
    distinct = {}
    for d in entries:
        distinct.setdefault(d["sha256"], []).append(d["path"])
    planted = {tuple(sorted(g)) for g in manifest["exact_duplicate_groups"]}
    found_groups = {tuple(sorted(g)) for g in distinct.values() if len(g) > 1}
    if planted != found_groups:
        problems.append(f"duplicate groups on disk {sorted(found_groups)} "
                        f"differ from the planted {sorted(planted)}")
    for p in problems[:50]:
        log("  " + p)
    if problems:
        sys.exit(f"verify: {len(problems)} problems")
    log(f"verified {len(entries)} files against the manifest: "
        f"{time.perf_counter() - t:.1f} s")


def main():
    global SIZE, SAMPLES
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--out", help="default: bench/corpus/photos-SIZE")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="parallel vips/exiftool workers (default 2)")
    ap.add_argument("--force", action="store_true",
                    help="regenerate even when the marker says it is done")
    ap.add_argument("--verify", action="store_true",
                    help="read every file back and compare with the manifest")
    ap.add_argument("--plan", action="store_true",
                    help="print what the corpus would hold and the disk it "
                         "needs; write nothing")
    ap.add_argument("--samples", default=SAMPLES,
                    help="the shared metadata corpus (default %(default)s)")
    args = ap.parse_args()
    SIZE = args.size
    SAMPLES = args.samples
    out = os.path.abspath(args.out or os.path.join(HERE, "corpus", f"photos-{SIZE}"))
    for tool in ("vips", "exiftool"):
        if not shutil.which(tool):
            sys.exit(f"make_corpus: {tool} not found: run bench/setup.sh")
    if args.plan:
        sys.exit(0 if describe_plan(out) else 1)
    if not args.force and is_complete(out):
        log(f"{out}: {SIZE} corpus (generator version {GENERATOR_VERSION}) "
            "already complete")
        if args.verify:
            with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
                verify(out, json.load(f), args.jobs)
        return
    check_out(out)
    manifest = generate(out, max(1, args.jobs))
    if args.verify:
        verify(out, manifest, max(1, args.jobs))


SIZE = None

if __name__ == "__main__":
    main()
