#!/usr/bin/env python3
"""phodex benchmarks: each phase runs phodex and the tools a user would
otherwise reach for on the same files, in the same run, and reports the
ratio. Nothing here is typed in by hand: every figure is measured.

usage: bench/run.py [--phases all|discovery,hashing,dupes,metadata,thumbs,raw,queue,serve]
                    [--sizes 10k,100k,1m] [--jpegs 1k,10k]
                    [--photos tiny,small,medium] [--metadata-on jpegs,photos]
                    [--thumb-jpegs 100] [--big-jpegs 10]
                    [--raws 10] [--big-raws 3] [--queue-jobs 100k]
                    [--serve-photos 1000] [--serve-rate 20]
                    [--serve-ingest 10000] [--serve-folders 30000]
                    [--serve-files 500k] [--serve-jpeg-size 2048x1536]
                    [--runs 3] [--phodex build/release/src/phodex]
                    [--corpus-dir bench/corpus] [--no-save]

Every phase that runs on more than one corpus size (--sizes, --jpegs,
--photos) ends with a growth table: the cost per 1,000 files at each size
and how it grows from the size before (1.00 = linear in the file count).

Results: bench/results/<date>-<commit>.json and a table on stdout.
"""
import math
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def parse_size(s):
    s = s.lower()
    mult = {"k": 1000, "m": 1000000}.get(s[-1], 1)
    return int(float(s.rstrip("km")) * mult)


class TreeRss:
    """Peak of the summed RSS of a process's descendants, sampled from
    /proc every 50 ms. GNU time's %M is the peak of one process (the
    largest of the command and the children it waited for); phodex's
    decoder workers run at the same time, so the machine needs their sum.
    Summed RSS counts pages shared between processes (libraries) once per
    process: an upper bound. Also keeps the largest single descendant."""

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, root_pid, interval=0.05):
        self.root = root_pid
        self.tree = {root_pid}
        self.others = set()  # pids seen that are not ours
        self.peak = 0
        self.per_pid = {}
        self.interval = interval
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _scan(self):
        """Adds new descendants; reads only pids it has not seen before."""
        try:
            new = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        except OSError:
            return
        for pid in new:
            if pid in self.tree or pid in self.others:
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                continue
            (self.tree if ppid in self.tree else self.others).add(pid)

    def _sample(self):
        self._scan()
        total = 0
        for pid in self.tree:
            if pid == self.root:  # GNU time itself
                continue
            try:
                with open(f"/proc/{pid}/statm") as f:
                    rss = int(f.read().split()[1]) * self.PAGE
            except (OSError, ValueError, IndexError):
                continue
            total += rss
            self.per_pid[pid] = max(self.per_pid.get(pid, 0), rss)
        self.peak = max(self.peak, total)

    def _run(self):
        self._sample()
        while not self.done.wait(self.interval):
            self._sample()

    def finish(self):
        self.done.set()
        self.thread.join()
        return self.peak / 1048576.0


def measure(cmd, env=None, tree_rss=False):
    """Runs cmd under GNU time; returns wall s, cpu s, peak RSS MiB (of
    one process: the command or the largest child it waited for); with
    tree_rss also the peak of the sum over the command and all its
    descendants at one time (tree_rss_mib) and of the largest of them
    (max_proc_rss_mib)."""
    fmt = "%U %S %M"
    full = ["/usr/bin/time", "-f", fmt, "-o", "/dev/stderr"] + cmd
    start = time.perf_counter()  # GNU time's %e has 10 ms resolution
    p = subprocess.Popen(full, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env, text=True)
    sampler = TreeRss(p.pid) if tree_rss else None
    _, stderr = p.communicate()
    wall = time.perf_counter() - start
    tree = sampler.finish() if sampler else None
    last = stderr.strip().splitlines()[-1]
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {stderr[-2000:]}")
    user, sys_, rss_kb = last.split()
    fig = {"wall_s": wall, "cpu_s": float(user) + float(sys_),
           "rss_mib": int(rss_kb) / 1024.0}
    if sampler:
        fig["tree_rss_mib"] = tree
        fig["max_proc_rss_mib"] = max(sampler.per_pid.values(),
                                      default=0) / 1048576.0
    return fig


def median_of(runs):
    """Medians of wall, CPU and RSS; the peaks (tree RSS) are maxima."""
    return {k: (max if k in ("tree_rss_mib", "max_proc_rss_mib")
                else statistics.median)(r[k] for r in runs)
            for k in runs[0]}


def make_tree(root, n_files, seed=1):
    """A photographer's layout: year/month/event folders of about 200
    files, JPEG-headed small files (discovery does not read content)."""
    marker = os.path.join(root, ".complete")
    if os.path.exists(marker):
        return
    if os.path.exists(root):
        shutil.rmtree(root)
    rnd = random.Random(seed)
    made = 0
    event = 0
    while made < n_files:
        year = 2005 + event % 20
        month = 1 + (event // 20) % 12
        d = os.path.join(root, str(year), f"{year}-{month:02d}",
                         f"event-{event:05d}")
        os.makedirs(d, exist_ok=True)
        count = min(n_files - made, rnd.randint(100, 300))
        for i in range(count):
            ext = "jpg" if i % 10 else "CR2"
            fd = os.open(os.path.join(d, f"IMG_{i:05d}.{ext}"),
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, JPEG_HEAD)
            os.close(fd)
        made += count
        event += 1
    open(marker, "w").close()


def phase_discovery(args, size, tree):
    """First scan (discovery only: one stat per file, as find does) and
    no-change rescan against find -printf and fdfind."""
    results = {}
    find_cmd = ["find", tree, "-type", "f", "-printf", "%s %T@ %i\n"]
    peers = {"find -printf": find_cmd}
    if shutil.which("fdfind"):
        peers["fdfind"] = ["fdfind", "-u", "-t", "f", ".", tree]
    else:
        print("  fdfind: not installed (bench/setup.sh installs fd-find)")
    for name, cmd in peers.items():
        measure(cmd)  # warm the page cache
        results[name] = median_of([measure(cmd) for _ in range(args.runs)])
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    cat = os.path.join(work, "catalog.db")

    def fresh_catalog():
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(cat + suffix):
                os.remove(cat + suffix)

    base = [args.phodex, "--catalog", cat, "scan", "--progress=none"]
    try:
        first, rescan, full = [], [], []
        for _ in range(args.runs):
            fresh_catalog()
            first.append(measure(base + ["--discover-only", tree]))
            measure(base)  # the content stages, so nothing is left to do
            rescan.append(measure(base))  # no change: one stat per file
            # Discovery plus the content stages of this version (today the
            # kind check, which opens every file once).
            fresh_catalog()
            full.append(measure(base + [tree]))
        results["phodex first scan"] = median_of(first)
        results["phodex rescan"] = median_of(rescan)
        results["phodex full first scan"] = median_of(full)
    finally:
        shutil.rmtree(work)
    find = results["find -printf"]["wall_s"]
    ratios = {
        "first_scan_vs_find": results["phodex first scan"]["wall_s"] / find,
        "rescan_vs_find": results["phodex rescan"]["wall_s"] / find,
        "full_first_scan_vs_find":
            results["phodex full first scan"]["wall_s"] / find,
    }
    return {"figures": results, "ratios": ratios}


def fresh_catalog_path(work):
    cat = os.path.join(work, "catalog.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(cat + suffix):
            os.remove(cat + suffix)
    return cat


def sh(script):
    """A shell pipeline as one measured command (GNU time counts children)."""
    return ["sh", "-c", script]


def phase_hashing(args, size, tree):
    """Full content hashing of every file: phodex scan --full-hash
    --no-metadata (which also discovers, checks kinds, quick-hashes and
    catalogs every file)
    against xxhsum -H2 (the same XXH3-128), b3sum and sha256sum, each fed
    every file in one batch."""
    results = {}
    files = f"find '{tree}' -type f ! -name '*.json' -print0"
    peers = {"xxhsum -H2": f"{files} | xargs -0 xxhsum -H2",
             "b3sum": f"{files} | xargs -0 b3sum",
             "sha256sum": f"{files} | xargs -0 sha256sum"}
    measure(sh(f"{files} | xargs -0 cat > /dev/null"))  # warm the cache
    for name, script in peers.items():
        tool = script.split("xargs -0 ")[1].split()[0]
        if not shutil.which(tool):
            print(f"  {tool}: not installed (bench/setup.sh installs it)")
            continue
        results[name] = median_of([measure(sh(script)) for _ in range(args.runs)])
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    try:
        runs = []
        for _ in range(args.runs):
            cat = fresh_catalog_path(work)
            # --no-metadata: hashing against hashing (the metadata phase
            # measures the parsers).
            runs.append(measure([args.phodex, "--catalog", cat, "scan",
                                 "--progress=none", "--full-hash",
                                 "--no-metadata",
                                 os.path.join(tree, "root-a"),
                                 os.path.join(tree, "root-b")]))
        results["phodex scan --full-hash"] = median_of(runs)
    finally:
        shutil.rmtree(work)
    ratios = {}
    if "xxhsum -H2" in results:
        # Throughput relative to xxhsum: above 1 is faster.
        ratios["phodex_throughput_vs_xxhsum"] = (
            results["xxhsum -H2"]["wall_s"] /
            results["phodex scan --full-hash"]["wall_s"])
    return {"figures": results, "ratios": ratios}


def jdupes_groups(tree):
    out = subprocess.run(["jdupes", "-r", "-q", os.path.join(tree, "root-a"),
                          os.path.join(tree, "root-b")],
                         capture_output=True, text=True).stdout
    groups, cur = [], []
    for line in out.splitlines():
        if line.strip():
            cur.append(os.path.realpath(line))
        elif cur:
            groups.append(frozenset(cur))
            cur = []
    if cur:
        groups.append(frozenset(cur))
    return set(groups)


def rmlint_groups(out):
    """rmlint's duplicate groups from its JSON report (one object per file,
    grouped by checksum)."""
    with open(out, encoding="utf-8") as f:
        entries = json.load(f)
    by_sum = {}
    for e in entries:
        if e.get("type") == "duplicate_file":
            by_sum.setdefault(e["checksum"], set()).add(
                os.path.realpath(e["path"]))
    return set(frozenset(g) for g in by_sum.values() if len(g) > 1)


def rdfind_groups(out):
    """rdfind's duplicate groups from its results file (the first
    occurrence has id N, its duplicates -N; the name is the rest of the
    line)."""
    by_id = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split(" ", 7)
            by_id.setdefault(abs(int(fields[1])), set()).add(
                os.path.realpath(fields[7]))
    return set(frozenset(g) for g in by_id.values() if len(g) > 1)


def phodex_groups(args, cat, tree):
    out = subprocess.run([args.phodex, "--catalog", cat, "dupes", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return set(frozenset(json.loads(l)["paths"]) for l in out.splitlines() if l)


def phase_dupes(args, size, tree):
    """Exact duplicates on a freshly scanned tree: phodex dupes (reads only
    the candidates the scan's quick hashes left) against jdupes, rmlint and
    rdfind; then phodex dupes again with the full hashes in the catalog.
    Also checks that phodex finds the same groups as each peer."""
    roots = [os.path.join(tree, "root-a"), os.path.join(tree, "root-b")]
    results = {}
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    # Reports go to files in `work`, never to /dev/null: rmlint renames an
    # existing output file out of the way and creates a regular file in its
    # place, which once turned this machine's /dev/null into a 5 GB file.
    # The last timed run's report is the one the group check reads.
    rmlint_report = os.path.join(work, "rmlint.json")
    rdfind_report = os.path.join(work, "rdfind.txt")
    peers = {
        "jdupes -r": ["jdupes", "-r", "-q"] + roots,
        "rmlint": ["rmlint", "-o", f"json:{rmlint_report}", "-T", "df"]
                  + roots,
        "rdfind": ["rdfind", "-dryrun", "true", "-outputname", rdfind_report]
                  + roots,
    }
    try:
        for name, cmd in peers.items():
            if not shutil.which(cmd[0]):
                print(f"  {cmd[0]}: not installed (bench/setup.sh installs it)")
                continue
            measure(cmd)
            results[name] = median_of([measure(cmd) for _ in range(args.runs)])
        fresh, cached = [], []
        for _ in range(args.runs):
            cat = fresh_catalog_path(work)
            subprocess.run([args.phodex, "--catalog", cat, "scan",
                            "--progress=none"] + roots, check=True,
                           stdout=subprocess.DEVNULL)
            fresh.append(measure([args.phodex, "--catalog", cat, "dupes"]))
            cached.append(measure([args.phodex, "--catalog", cat, "dupes"]))
        results["phodex dupes"] = median_of(fresh)
        results["phodex dupes (cached)"] = median_of(cached)
        # The groups each tool found, against phodex's (None: the peer is
        # not installed).
        mine = phodex_groups(args, cat, tree)
        same = {}
        for peer, name, groups in (
                ("jdupes", "jdupes -r", lambda: jdupes_groups(tree)),
                ("rmlint", "rmlint", lambda: rmlint_groups(rmlint_report)),
                ("rdfind", "rdfind", lambda: rdfind_groups(rdfind_report))):
            same[peer] = (groups() == mine) if name in results else None
    finally:
        shutil.rmtree(work)
    ratios = {}
    for peer in ("jdupes -r", "rmlint", "rdfind"):
        if peer in results:
            ratios[f"phodex_vs_{peer.split()[0]}"] = (
                results["phodex dupes"]["wall_s"] / results[peer]["wall_s"])
    return {"figures": results, "ratios": ratios, "groups": len(mine),
            "same_groups_as": same}


def make_jpeg_set(root, n_files, source):
    """n_files JPEGs with real camera metadata: the JPEGs of the shared
    metadata corpus (exiftool's and Exiv2's test images: maker notes,
    IPTC, XMP, GPS), copied round-robin under unique names."""
    marker = os.path.join(root, ".complete")
    if os.path.exists(marker):
        return
    if os.path.exists(root):
        shutil.rmtree(root)
    jpegs = sorted(os.path.join(d, f) for d, _, fs in os.walk(source)
                   for f in fs if f.lower().endswith((".jpg", ".jpeg")))
    if not jpegs:
        raise RuntimeError(f"no JPEGs under {source} (the shared corpus)")
    os.makedirs(root)
    for i in range(n_files):
        src = jpegs[i % len(jpegs)]
        shutil.copyfile(src, os.path.join(root, f"{i:05d}_{os.path.basename(src)}"))
    open(marker, "w").close()


def photo_roots(tree):
    """The two roots of a bench/make_corpus.py corpus (None for a flat
    folder of files)."""
    roots = [os.path.join(tree, r) for r in ("root-a", "root-b")]
    return roots if all(os.path.isdir(r) for r in roots) else None


def count_files(tree):
    """Files a phase runs on: all files under the roots (a corpus's
    manifest and markers lie beside the roots and are not counted)."""
    return sum(len(names) for root in (photo_roots(tree) or [tree])
               for _, _, names in os.walk(root))


def make_photo_corpus(args, size):
    tree = os.path.join(args.corpus_dir, f"photos-{size}")
    subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"),
                    "--size", size, "--out", tree], check=True)
    return tree


def growth(sized):
    """How each figure's wall time grows with the file count: per size,
    seconds per 1,000 files and the exponent k in time ~ files^k against
    the size before (1.00: linear; above: worse than linear)."""
    sized = sorted(sized, key=lambda r: r["files"])
    names = [n for n in sized[0]["figures"]
             if all(n in r["figures"] for r in sized)]
    rows = []
    for i, r in enumerate(sized):
        row = {"files": r["files"], "per_1k_files_s": {}, "exponent": {}}
        for n in names:
            wall = r["figures"][n]["wall_s"]
            row["per_1k_files_s"][n] = wall * 1000.0 / r["files"]
            if i:
                prev = sized[i - 1]
                if prev["files"] != r["files"] and prev["figures"][n]["wall_s"] > 0:
                    row["exponent"][n] = (
                        math.log(wall / prev["figures"][n]["wall_s"])
                        / math.log(r["files"] / prev["files"]))
        rows.append(row)
    return rows


def print_growth(rows):
    print("  growth: wall seconds per 1,000 files (exponent against the "
          "size before: 1.00 = linear)")
    for row in rows:
        cells = []
        for n, per in row["per_1k_files_s"].items():
            e = row["exponent"].get(n)
            cells.append(f"{n} {per:.3f}" + (f" ({e:.2f})" if e is not None
                                             else ""))
        print(f"    {row['files']:>9,} files: " + "; ".join(cells))


def phase_metadata(args, size, tree):
    """Metadata of every JPEG: one exiftool process in batch mode
    (exiftool -fast -j -r, what a user would script) and exiv2 -pa (many
    files per process), against a full phodex
    scan (discovery, kind check, quick hash, metadata through the isolated
    worker pool, catalog writes), with both cores busy. Also the scan with
    the parsers in-process (no isolation: what the isolation costs) and
    without metadata (what metadata costs)."""
    results = {}
    roots = photo_roots(tree) or [tree]
    quoted = " ".join(f"'{r}'" for r in roots)
    files = f"find {quoted} -type f -print0"
    measure(sh(f"{files} | xargs -0 cat > /dev/null"))  # warm the cache
    if shutil.which("exiftool"):
        cmd = ["exiftool", "-fast", "-j", "-r", "-q", "-q"] + roots
        results["exiftool -fast -j"] = median_of(
            [measure(cmd) for _ in range(args.runs)])
    else:
        print("  exiftool: not installed (bench/setup.sh installs it)")
    if shutil.which("exiv2"):
        # exiv2 -pa prints every tag; it takes many files per process.
        # Its exit status is non-zero when any file has no metadata.
        script = f"{files} | xargs -0 exiv2 -pa > /dev/null 2>&1; true"
        results["exiv2 -pa"] = median_of(
            [measure(sh(script)) for _ in range(args.runs)])
    else:
        print("  exiv2: not installed (bench/setup.sh installs it)")
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    variants = {
        "phodex scan": ([], None),
        "phodex scan (in-process)": (
            [], dict(os.environ, PHODEX_METADATA_IN_PROCESS_FOR_BENCH="1")),
        "phodex scan --no-metadata": (["--no-metadata"], None),
    }
    try:
        for name, (flags, env) in variants.items():
            runs = []
            for _ in range(args.runs):
                cat = fresh_catalog_path(work)
                runs.append(measure([args.phodex, "--catalog", cat, "scan",
                                     "--progress=none"] + flags + roots,
                                    env=env))
            results[name] = median_of(runs)
    finally:
        shutil.rmtree(work)
    ratios = {}
    scan = results["phodex scan"]["wall_s"]
    if "exiftool -fast -j" in results:
        # Throughput relative to exiftool: above 1 is faster.
        ratios["phodex_throughput_vs_exiftool"] = (
            results["exiftool -fast -j"]["wall_s"] / scan)
    if "exiv2 -pa" in results:
        ratios["phodex_throughput_vs_exiv2"] = (
            results["exiv2 -pa"]["wall_s"] / scan)
    ratios["isolated_vs_in_process"] = (
        scan / results["phodex scan (in-process)"]["wall_s"])
    return {"figures": results, "ratios": ratios}


# ------------------------------------------------------------ thumbnails

THUMB_SIZE = 256
THUMB_QUALITY = 80
PREVIEW_SIZE = 1600  # phodex's default preview
WEBP_EFFORT = 2      # phodex's WebP encoder effort (imaging/encoder.cc)
RSS_LIMIT_MIB = 1536  # "peak RSS stays under 1.5 GB" (the issue)
CONVERT = "/usr/bin/convert"  # Debian's ImageMagick, not a stand-in on PATH


def make_camera_jpegs(root, n_files, size=None, n_bases=None, seed=7):
    """n_files camera JPEGs: real photographs (the wallpapers
    bench/make_corpus.py starts from) cropped, upscaled and grained to the
    sensor size of each of make_corpus's cameras (12-47 MP, 3-15 MB), or
    to `size` (width, height) for all of them, encoded once each by
    make_corpus.encode_base. Every file is a base picture written by
    exiftool with its own Make, Model, Orientation (mostly 1, some 3, 6,
    8, as make_corpus) and ImageUniqueID: different bytes for every file
    (the thumbnail cache is keyed by content), same pixels as its base."""
    marker = os.path.join(root, ".complete")
    if os.path.exists(marker):
        return
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ in bench/
    import make_corpus as mc
    if os.path.exists(root):
        shutil.rmtree(root)
    started = time.perf_counter()
    rnd = random.Random(seed)
    sources = mc.find_sources()
    bases = mc.plan_bases(rnd, dict(scale=1.0, bases_per_camera=1), sources)
    if n_bases:
        bases = bases[:n_bases]
    if size:
        for b in bases:
            b["width"], b["height"] = size
            b["quality"] = 90
    os.makedirs(root)
    work = tempfile.mkdtemp(prefix="phodex-jpegs-", dir=os.path.dirname(root))
    try:
        grain = os.path.join(work, "grain.v")
        mc.vips("gaussnoise", grain + "f.v",
                max(b["width"] for b in bases) + 64,
                max(b["height"] for b in bases) + 64,
                "--sigma", mc.GRAIN_SIGMA, "--mean", 0, "--seed", seed)
        mc.vips("cast", grain + "f.v", grain, "char")
        os.remove(grain + "f.v")
        by_name = {s["name"]: s for s in sources}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            files = list(pool.map(
                lambda b: mc.encode_base(b, by_name[b["source"]], grain, work),
                bases))
        argfile = os.path.join(work, "exiftool.args")
        with open(argfile, "w", encoding="utf-8") as f:
            for i in range(n_files):
                k = i % len(bases)
                cam = mc.CAMERAS[bases[k]["camera"]]
                orientation = rnd.choices([1, 3, 6, 8], [70, 7, 15, 8])[0]
                f.write("\n".join([
                    "-o", os.path.join(root, f"IMG_{i + 1:04d}.jpg"),
                    f"-EXIF:Make={cam['make']}", f"-EXIF:Model={cam['model']}",
                    f"-EXIF:Orientation#={orientation}",
                    f"-EXIF:ImageUniqueID={rnd.getrandbits(128):032x}",
                    files[k], "-execute"]) + "\n")
        p = subprocess.run(["exiftool", "-@", argfile, "-common_args", "-q",
                            "-q"], capture_output=True, text=True)
        if p.returncode != 0 or p.stderr.strip():
            raise RuntimeError(f"exiftool failed: {p.stderr[-2000:]}")
    finally:
        shutil.rmtree(work)
    made = len([f for f in os.listdir(root) if f.endswith(".jpg")])
    if made != n_files:
        raise RuntimeError(f"{root}: {made} JPEGs, wanted {n_files}")
    with open(marker, "w") as f:
        json.dump({"files": n_files, "bases": len(bases),
                   "size": list(size) if size else None}, f)
    print(f"  made {n_files} JPEGs ({len(bases)} pictures) in {root}: "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def files_under(tree, suffix):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(tree)
                  for f in fs if f.lower().endswith(suffix))


def write_list(path, files):
    """A NUL-separated file list for xargs -0 -a."""
    with open(path, "wb") as f:
        f.write(b"".join(os.fsencode(p) + b"\0" for p in files))
    return path


def image_sizes(files):
    """(width, height) of each file, from vipsheader, 100 files a call."""
    sizes = []
    for i in range(0, len(files), 100):
        chunk = files[i:i + 100]
        dims = []
        for field in ("width", "height"):
            out = subprocess.run(["vipsheader", "-f", field] + chunk,
                                 capture_output=True, text=True).stdout.split()
            dims.append([int(v) for v in out])
        if len(dims[0]) != len(chunk) or len(dims[1]) != len(chunk):
            raise RuntimeError(f"vipsheader read {len(dims[0])} of "
                               f"{len(chunk)} files, e.g. {chunk[0]}")
        sizes += list(zip(*dims))
    return sizes


def check_outputs(files, n_inputs, long_edge):
    """One output per input, each with the given longest edge."""
    sizes = image_sizes(files) if files else []
    wrong = [os.path.basename(f) for f, (w, h) in zip(files, sizes)
             if max(w, h) != long_edge]
    return {"outputs": len(files), "inputs": n_inputs,
            "long_edge": long_edge, "wrong_size": len(wrong),
            "wrong_examples": wrong[:3],
            "ok": len(files) == n_inputs and not wrong}


def cache_files(catalog_dir, name):
    """phodex's cache files of one output ("thumb", "preview")."""
    return [f for f in files_under(os.path.join(catalog_dir, "thumbs"), ".webp")
            if f"-{name}-" in os.path.basename(f)]


def thumbs_config(path, preview_size):
    with open(path, "w") as f:
        f.write(f"[thumbnails]\nthumb_size = {THUMB_SIZE}\n"
                f"preview_size = {preview_size}\nformat = \"webp\"\n"
                f"quality = {THUMB_QUALITY}\nworkers = 0\n")
    return path


def scanned_catalog(args, work, tree, name="template"):
    """A catalog of `tree` with every file fully hashed and no metadata,
    so that thumbs has nothing to do but decode and encode. Returns its
    folder and the scan's figures (measured once, not part of thumbs)."""
    folder = os.path.join(work, name)
    os.makedirs(folder)
    fig = measure([args.phodex, "--catalog", os.path.join(folder, "catalog.db"),
                   "scan", "--progress=none", "--no-metadata", "--full-hash",
                   tree])
    return folder, fig


def phodex_thumbs(args, work, template, preview_size, env=None, check=None):
    """`phodex thumbs` on a fresh copy of the scanned catalog each run (no
    thumbs folder, no pixel facts), --runs times, with the process tree's
    RSS. Returns the median figures and, when `check` holds the number of
    inputs, the check of the last run's outputs (and that run's catalog
    folder, for callers that look further; removed by the caller)."""
    runs = []
    run_dir = os.path.join(work, "run")
    for _ in range(args.runs):
        if os.path.exists(run_dir):
            shutil.rmtree(run_dir)
        shutil.copytree(template, run_dir)
        cfg = thumbs_config(os.path.join(work, "phodex.toml"), preview_size)
        runs.append(measure([args.phodex, "--catalog",
                             os.path.join(run_dir, "catalog.db"),
                             "--config", cfg, "thumbs"],
                            env=env, tree_rss=True))
    checks = {}
    if check is not None:
        checks["thumb"] = check_outputs(cache_files(run_dir, "thumb"), check,
                                        THUMB_SIZE)
        if preview_size:
            checks["preview"] = check_outputs(cache_files(run_dir, "preview"),
                                              check, preview_size)
    return median_of(runs), checks


def convert_version():
    """Debian's ImageMagick at /usr/bin/convert, or None (a stand-in script
    on PATH, or nothing, does not count)."""
    if not os.path.exists(CONVERT):
        return None
    out = subprocess.run([CONVERT, "-version"], capture_output=True,
                         text=True).stdout
    return out.splitlines()[0] if out.startswith("Version: ImageMagick") else None


def peer_runs(args, script, out_dir):
    """A peer's shell pipeline, --runs times, into an emptied out_dir."""
    runs = []
    for _ in range(args.runs):
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.makedirs(out_dir)
        runs.append(measure(sh(script)))
    return median_of(runs)


def phase_thumbs(args, size, tree):
    """256-pixel WebP thumbnails (quality 80) of camera JPEGs: phodex
    thumbs on a catalog scanned beforehand (the scan is timed apart), with
    preview_size = 0 (the same output as the peers), with the preview too
    (the default), and with the decoders in-process (what the isolation
    costs); vipsthumbnail in one process and in one process per core
    (xargs -P), ImageMagick's convert -thumbnail one file per process
    across the cores, as documented and with -define jpeg:size (libjpeg's
    shrink-on-load). Then phodex's peak RSS over its process tree with the
    default workers on 50-megapixel JPEGs."""
    cores = os.cpu_count()
    files = files_under(tree, ".jpg")
    results, checks, missing = {}, {}, []
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    try:
        listing = write_list(os.path.join(work, "files.list"), files)
        out = os.path.join(work, "out")
        measure(sh(f"xargs -0 -a '{listing}' cat > /dev/null"))  # warm
        batch = max(1, -(-len(files) // (4 * cores)))  # 4 batches a core
        vt = (f"vipsthumbnail -s {THUMB_SIZE} "
              f"-o '{out}/%s.webp[Q={THUMB_QUALITY}]'")
        peers = {}
        if shutil.which("vipsthumbnail"):
            # xargs runs one process when the list fits (checked below).
            peers["vipsthumbnail (1 process)"] = f"xargs -0 -a '{listing}' {vt}"
            peers[f"vipsthumbnail (xargs -P {cores})"] = (
                f"xargs -0 -a '{listing}' -P {cores} -n {batch} {vt}")
            # phodex encodes WebP at libwebp effort 2 (libvips' default is
            # 4): vipsthumbnail with the same setting, so the ratio is not
            # just the encoder's effort.
            peers[f"vipsthumbnail effort={WEBP_EFFORT} (xargs -P {cores})"] = (
                f"xargs -0 -a '{listing}' -P {cores} -n {batch} "
                f"vipsthumbnail -s {THUMB_SIZE} -o '{out}/%s.webp"
                f"[Q={THUMB_QUALITY},effort={WEBP_EFFORT}]'")
        else:
            missing.append("vipsthumbnail (libvips-tools)")
        im = convert_version()
        if im:
            for label, define in (("convert -thumbnail", ""),
                                  ("convert -define jpeg:size", 
                                   f"-define jpeg:size={2 * THUMB_SIZE}x"
                                   f"{2 * THUMB_SIZE} ")):
                peers[f"{label} (xargs -P {cores})"] = (
                    f"xargs -0 -a '{listing}' -P {cores} -n 1 sh -c "
                    f"'exec {CONVERT} {define}\"$1\" -thumbnail "
                    f"{THUMB_SIZE}x{THUMB_SIZE} -quality {THUMB_QUALITY} "
                    f"\"$0/$(basename \"$1\" .jpg).webp\"' '{out}'")
        else:
            missing.append(f"ImageMagick ({CONVERT}: bench/setup.sh installs "
                           "imagemagick)")
        for name, script in peers.items():
            results[name] = peer_runs(args, script, out)
            checks[name] = check_outputs(files_under(out, ".webp"), len(files),
                                         THUMB_SIZE)
        if shutil.which("vipsthumbnail"):
            # For the default row (thumbnail and preview from one decode):
            # the preview alone, made by vipsthumbnail.
            name = f"vipsthumbnail -s {PREVIEW_SIZE} (xargs -P {cores})"
            results[name] = peer_runs(
                args, f"xargs -0 -a '{listing}' -P {cores} -n {batch} "
                f"vipsthumbnail -s {PREVIEW_SIZE} "
                f"-o '{out}/%s.webp[Q={THUMB_QUALITY}]'", out)
            checks[name] = check_outputs(files_under(out, ".webp"), len(files),
                                         PREVIEW_SIZE)

        template, scan = scanned_catalog(args, work, tree)
        results["phodex scan --full-hash (before, 1 run)"] = scan
        in_process = dict(os.environ, PHODEX_PIXELS_IN_PROCESS_FOR_BENCH="1")
        for name, preview, env in (
                (f"phodex thumbs {THUMB_SIZE}", 0, None),
                (f"phodex thumbs {THUMB_SIZE} in-process", 0, in_process),
                (f"phodex thumbs {THUMB_SIZE}+{PREVIEW_SIZE}", PREVIEW_SIZE,
                 None)):
            results[name], c = phodex_thumbs(args, work, template, preview,
                                             env, check=len(files))
            checks[name] = c
        shutil.rmtree(os.path.join(work, "run"))

        # 50 MP: the RSS the issue bounds, with the default workers.
        big_tree = os.path.join(args.corpus_dir, f"jpegs-50mp-{args.big_jpegs}")
        make_camera_jpegs(big_tree, args.big_jpegs, size=(8660, 5773),
                          n_bases=3)
        big = files_under(big_tree, ".jpg")
        big_list = write_list(os.path.join(work, "big.list"), big)
        measure(sh(f"xargs -0 -a '{big_list}' cat > /dev/null"))  # warm
        big_template, scan = scanned_catalog(args, work, big_tree, "big")
        name = f"50 MP x{len(big)}: phodex {THUMB_SIZE}+{PREVIEW_SIZE}"
        results[name], checks[name] = phodex_thumbs(
            args, work, big_template, PREVIEW_SIZE, check=len(big))
        if shutil.which("vipsthumbnail"):
            name = f"50 MP x{len(big)}: vipsthumbnail (xargs -P {cores})"
            results[name] = peer_runs(
                args, f"xargs -0 -a '{big_list}' -P {cores} -n 1 {vt}", out)
            checks[name] = check_outputs(files_under(out, ".webp"), len(big),
                                         THUMB_SIZE)
    finally:
        shutil.rmtree(work)
    ratios = {}
    mine = results[f"phodex thumbs {THUMB_SIZE}"]["wall_s"]
    vips_rows = [r for n, r in results.items()
                 if n.startswith("vipsthumbnail (")]
    if vips_rows:
        # Throughput relative to the faster way to run vipsthumbnail.
        ratios["phodex_throughput_vs_vipsthumbnail"] = (
            min(r["wall_s"] for r in vips_rows) / mine)
    same_effort = f"vipsthumbnail effort={WEBP_EFFORT} (xargs -P {cores})"
    if same_effort in results:
        ratios["phodex_throughput_vs_vipsthumbnail_same_webp_effort"] = (
            results[same_effort]["wall_s"] / mine)
    im_rows = [r for n, r in results.items() if n.startswith("convert")]
    if im_rows:
        ratios["phodex_throughput_vs_convert"] = (
            min(r["wall_s"] for r in im_rows) / mine)
    ratios["isolated_vs_in_process"] = (
        mine / results[f"phodex thumbs {THUMB_SIZE} in-process"]["wall_s"])
    default = results[f"phodex thumbs {THUMB_SIZE}+{PREVIEW_SIZE}"]["wall_s"]
    ratios["with_preview_vs_thumb_only"] = default / mine
    preview_peer = f"vipsthumbnail -s {PREVIEW_SIZE} (xargs -P {cores})"
    if preview_peer in results:
        # Above 1: phodex makes both outputs faster than vipsthumbnail
        # makes the preview alone.
        ratios["default_throughput_vs_vipsthumbnail_preview_only"] = (
            results[preview_peer]["wall_s"] / default)
    peak = max(r["tree_rss_mib"] for n, r in results.items()
               if "tree_rss_mib" in r)
    return {"figures": results, "ratios": ratios, "checks": checks,
            "missing_peers": missing, "imagemagick": im,
            "files": len(files), "bytes": sum(map(os.path.getsize, files)),
            "default_workers": cores,
            "peak_tree_rss_mib": peak,
            "peak_tree_rss_under_1_5_gb": peak < RSS_LIMIT_MIB}


# ------------------------------------------------------------ RAW


# The small embedded preview: 160 pixels, as many cameras' thumbnail IFD
# (a Fuji RAF's 160 x 120), below both phodex's 1600-pixel preview and the
# 512 pixels the hash and quality metrics want, so phodex must demosaic.
SMALL_RAW_PREVIEW = 160


def make_raws(root, count, size):
    subprocess.run([sys.executable, os.path.join(HERE, "make_raw.py"),
                    "--out", root, "--count", str(count), "--size", size,
                    "--small-preview", str(SMALL_RAW_PREVIEW)], check=True)
    return (os.path.join(root, "preview-full"),
            os.path.join(root, f"preview-{SMALL_RAW_PREVIEW}"))


def decoded_by(args, catalog_dir, files):
    """How many files `phodex show --json` says each decoder made."""
    counts = {}
    for f in files:
        out = subprocess.run([args.phodex, "--catalog",
                              os.path.join(catalog_dir, "catalog.db"), "show",
                              "--json", f], capture_output=True, text=True)
        try:
            way = json.loads(out.stdout).get("decoded_by", "none")
        except ValueError:
            way = f"show failed: {out.stderr.strip()[:200]}"
        counts[way] = counts.get(way, 0) + 1
    return counts


def thumb_shapes(catalog_dir):
    """Orientations of the thumbnails: landscape or portrait counts."""
    sizes = image_sizes(cache_files(catalog_dir, "thumb"))
    return {"landscape": sum(w > h for w, h in sizes),
            "portrait": sum(w < h for w, h in sizes)}


def phase_raw(args, size, tree):
    """RAW thumbnails (phodex thumbs: the 256-pixel thumbnail alone, which
    is the issue's claim, and the default 256 + 1600 preview) of the same
    DNGs (bench/make_raw.py) with a full-size embedded preview (phodex
    decodes the preview JPEG) and with a 160-pixel one (too small: phodex
    demosaics at half size), in the same run; dcraw_emu -h (LibRaw's
    half-size demosaic to PPM, one file per process across the cores) for
    reference. Checks decoded_by and the thumbnails' orientation. Then the
    same on 50-megapixel DNGs, with phodex's peak RSS over its process
    tree with the default workers."""
    cores = os.cpu_count()
    results, checks, decoded = {}, {}, {}
    missing = []
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    sets = [("", tree, size, args.raw_dims)]
    if args.big_raws:
        sets.append(("50 MP: ", os.path.join(args.corpus_dir,
                                             f"dng-50mp-{args.big_raws}"),
                     args.big_raws, "8660x5773"))
    try:
        for label, root, count, dims in sets:
            full_dir, small_dir = make_raws(root, count, dims)
            for d in (full_dir, small_dir):
                measure(sh(f"cat '{d}'/*.dng > /dev/null"))  # warm
            for kind, d in (("full-size previews", full_dir),
                            (f"{SMALL_RAW_PREVIEW} px previews", small_dir)):
                dngs = files_under(d, ".dng")
                template, _ = scanned_catalog(args, work, d,
                                              f"t{len(results)}")
                for what, preview in (("thumbnail only", 0),
                                      ("thumbnail + preview", PREVIEW_SIZE)):
                    name = f"{label}phodex thumbs ({what}), {kind}"
                    results[name], checks[name] = phodex_thumbs(
                        args, work, template, preview, check=len(dngs))
                    run_dir = os.path.join(work, "run")
                    checks[name]["shapes"] = thumb_shapes(run_dir)
                    decoded[name] = decoded_by(args, run_dir, dngs)
                    shutil.rmtree(run_dir)
            if label:
                continue  # the peer once, on the 24 MP set
            if shutil.which("dcraw_emu"):
                listing = write_list(os.path.join(work, "dngs.list"),
                                     files_under(small_dir, ".dng"))
                results[f"dcraw_emu -h (xargs -P {cores})"] = median_of(
                    [measure(sh(f"xargs -0 -a '{listing}' -P {cores} -n 1 "
                                "dcraw_emu -h -w -Z - > /dev/null"))
                     for _ in range(args.runs)])
            else:
                missing.append("dcraw_emu (libraw-bin)")
    finally:
        shutil.rmtree(work)
    ratios = {}
    small = f"{SMALL_RAW_PREVIEW} px previews"
    for label, *_ in sets:
        for what, key in (("thumbnail only", "preview_speedup_vs_half_size"),
                          ("thumbnail + preview",
                           "preview_speedup_vs_half_size_with_1600_preview")):
            preview = results[f"{label}phodex thumbs ({what}), full-size previews"]
            half = results[f"{label}phodex thumbs ({what}), {small}"]
            ratios[key + ("_50mp" if label else "")] = (half["wall_s"] /
                                                        preview["wall_s"])
    peer = f"dcraw_emu -h (xargs -P {cores})"
    if peer in results:
        ratios["phodex_half_size_vs_dcraw_emu"] = (
            results[f"phodex thumbs (thumbnail only), {small}"]["wall_s"] /
            results[peer]["wall_s"])
    peak = max(r["tree_rss_mib"] for r in results.values()
               if "tree_rss_mib" in r)
    return {"figures": results, "ratios": ratios, "checks": checks,
            "decoded_by": decoded, "missing_peers": missing,
            "default_workers": cores, "peak_tree_rss_mib": peak,
            "peak_tree_rss_under_1_5_gb": peak < RSS_LIMIT_MIB}


QUEUE_TARGET_PER_S = 10000  # issue #13: no-op jobs per second, 2 cores


def phase_queue(args, size, tree):
    """The job queue's overhead on SQLite (bench/queue_bench.cc): `size`
    no-op jobs enqueued, then claimed, run and completed by the job
    supervisor with 2 workers (batched claims and flushes). No peer is
    installed (River is Go + PostgreSQL): the figure is set against the
    issue's target. Median of --runs runs."""
    runs = []
    for _ in range(args.runs):
        p = subprocess.run([args.queue_bench, str(size), "2", "64"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"queue_bench failed ({p.returncode}): "
                               f"{p.stderr[-2000:]}")
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    figures = {
        "enqueue": {"wall_s": med["enqueue_s"], "cpu_s": med["enqueue_cpu_s"],
                    "rss_mib": med["rss_mib"]},
        "claim+run+complete": {"wall_s": med["run_s"],
                               "cpu_s": med["run_cpu_s"],
                               "rss_mib": med["rss_mib"]},
    }
    ratios = {"completed_per_s_vs_target_10000":
              med["run_per_s"] / QUEUE_TARGET_PER_S}
    print(f"    enqueued {med['enqueue_per_s']:,.0f}/s, claimed and "
          f"completed {med['run_per_s']:,.0f}/s (target "
          f"{QUEUE_TARGET_PER_S:,}/s), {med['claims']:.0f} claims, "
          f"{med['flushes']:.0f} flushes")
    return {"figures": figures, "ratios": ratios, "queue": med,
            "runs": runs}

# ------------------------------------------------------------------ serve

SERVE_DELAY_S = 2.0   # [serve] delay: a folder's events gathered this long
SERVE_SETTLE_S = 2.0  # [serve] settle: a file unchanged this long
SERVE_JPEG_SIZE = (2048, 1536)  # 3 MP: a phone's photo, quick to thumbnail
SERVE_IDLE_RSS_TARGET_MIB = 100  # issue #13: 500,000-file catalog, idle
SERVE_OVERHEAD_TARGET = 1.10     # issue #13: ingest through serve <= +10%
INOTIFY_WATCHES = "/proc/sys/fs/inotify/max_user_watches"


def serve_config(path, thumbs=True):
    """The defaults, written out: the figures must not depend on a
    user's config file."""
    with open(path, "w") as f:
        f.write(f"[serve]\ndelay = {SERVE_DELAY_S:g}\n"
                f"settle = {SERVE_SETTLE_S:g}\n"
                f"thumbs = {'true' if thumbs else 'false'}\n")
    return path


def catalog_ro(cat):
    """A read-only connection (the service writes in WAL mode; a reader
    never blocks it)."""
    return sqlite3.connect(f"file:{cat}?mode=ro", uri=True, timeout=5)


def percentile(values, p):
    """The nearest-rank percentile (p95 of 1,000: the 950th smallest)."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def proc_status_mib(pid, field):
    """VmRSS, VmHWM, ... of a process from /proc/PID/status, in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return None


def descendants(pid):
    """The pids of a process's descendants (from /proc/*/stat)."""
    parent = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
            parent[int(p)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
    out, frontier = [], {pid}
    while frontier:
        frontier = {c for c, pp in parent.items() if pp in frontier}
        out += sorted(frontier)
    return out


def catalog_fds(pid, cat):
    """How many descriptors a process holds on the catalog file: one per
    SQLite connection (each with its own page cache)."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}") == os.path.realpath(cat)
        except OSError:
            continue
    return n


def inotify_watches(pid):
    """How many inotify watches a process holds: one `inotify wd:` line
    per watch in the fdinfo of each of its inotify descriptors (exact,
    and read without disturbing the process)."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:inotify":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                n += sum(1 for line in f if line.startswith("inotify wd:"))
        except OSError:
            continue
    return n


class ServeProcess:
    """`phodex serve` on a catalog, its log in a file; stop() sends
    SIGTERM and returns the CPU seconds of the service and the worker
    processes it reaped (wait4's rusage) and its exit status."""

    def __init__(self, args, cat, cfg, log):
        self.cat = cat
        self.startups = self.startups_ended()
        self.log = open(log, "w")
        self.started = time.monotonic()
        self.p = subprocess.Popen([args.phodex, "--catalog", cat, "--config",
                                   cfg, "serve", "--listen", "127.0.0.1:0"],
                                  stdout=self.log,
                                  stderr=subprocess.STDOUT)
        self.pid = self.p.pid

    def status(self):
        """The service's status file (rewritten every 2 s), or None."""
        folder = os.path.dirname(self.cat)
        for name in os.listdir(folder):
            if name.endswith(".serve-status.json"):
                try:
                    with open(os.path.join(folder, name)) as f:
                        return json.load(f)
                except (OSError, ValueError):
                    return None
        return None

    def startups_ended(self):
        """Startup reconciliations the catalog has recorded as ended (its
        `operations` rows; 0 before the catalog exists)."""
        if not os.path.exists(self.cat):
            return 0
        try:
            with catalog_ro(self.cat) as db:
                return db.execute(
                    "SELECT COUNT(*) FROM operations WHERE type = 'startup' "
                    "AND ended_at IS NOT NULL").fetchone()[0]
        except sqlite3.OperationalError:
            return 0  # no schema yet

    def wait_ready(self, timeout):
        """Until every root is watched by inotify (the status file) and
        the startup reconciliation of each has ended (a new ended
        `startup` operation per root in the catalog); returns the
        status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError(f"phodex serve exited ({self.p.returncode})"
                                   f": see {self.log.name}")
            s = self.status()
            roots = (s or {}).get("roots") or []
            if (roots and all(r.get("method") == "inotify" for r in roots)
                    and self.startups_ended() >= self.startups + len(roots)):
                return s
            time.sleep(0.05)
        raise RuntimeError(f"phodex serve not ready in {timeout} s: "
                           f"{self.status()}")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            _, status, ru = os.wait4(self.pid, 0)
        except ChildProcessError:
            return {"cpu_s": None, "exit": self.p.wait()}
        self.p.returncode = os.waitstatus_to_exitcode(status)
        self.log.close()
        return {"cpu_s": ru.ru_utime + ru.ru_stime,
                "rss_mib": ru.ru_maxrss / 1024.0, "exit": self.p.returncode}

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.log.close()


def copy_in(src, dest_dir):
    """One photo copied into a watched folder as a careful copier does:
    to a hidden temporary name beside it (neither the watcher nor the scan
    looks at hidden names), then renamed in (one IN_MOVED_TO). Returns the
    monotonic time the copy ended (after the rename)."""
    name = os.path.basename(src)
    tmp = os.path.join(dest_dir, f".{name}.part")
    shutil.copyfile(src, tmp)
    os.rename(tmp, os.path.join(dest_dir, name))
    return time.monotonic()


def ops_summary(cat):
    """Operations the service ran, per type: count and the median and sum
    of their durations (what a latency is made of)."""
    with catalog_ro(cat) as db:
        rows = db.execute("SELECT type, duration_ms FROM operations "
                          "WHERE duration_ms IS NOT NULL").fetchall()
    by = {}
    for t, ms in rows:
        by.setdefault(t, []).append(ms / 1000.0)
    return {t: {"count": len(v), "median_s": statistics.median(v),
                "max_s": max(v), "sum_s": sum(v)} for t, v in by.items()}


def new_root(args, work, name):
    """A fresh catalog with one empty root (and its `import` folder, made
    before the service starts, as a folder a user copies into)."""
    root = os.path.join(work, name, "photos")
    os.makedirs(os.path.join(root, "import"))
    cat = os.path.join(work, name, "data", "catalog.db")
    os.makedirs(os.path.dirname(cat))
    subprocess.run([args.phodex, "--catalog", cat, "root", "add", root],
                   check=True, stdout=subprocess.DEVNULL)
    return root, cat


def serve_latency(args, work, photos, thumbs=True):
    """Copy-to-catalog latency: the photos copied one by one at a steady
    rate into the root's `import` folder while the service runs; for each,
    the time from the end of its copy (the rename) until its row and its
    metadata row are in the catalog, polled read-only every 50 ms. With
    thumbs = false the service makes no thumbnails (what they cost the
    latency while they run on the service's thread)."""
    name = "latency" if thumbs else "latency-no-thumbs"
    root, cat = new_root(args, work, name)
    cfg = serve_config(os.path.join(work, name, "phodex.toml"), thumbs)
    srv = ServeProcess(args, cat, cfg, os.path.join(work, name, "serve.log"))
    ends, seen, polls = {}, {}, []
    try:
        srv.wait_ready(120)
        dest = os.path.join(root, "import")

        def copier():
            t0 = time.monotonic()
            for i, src in enumerate(photos):
                ends[os.path.basename(src)] = copy_in(src, dest)
                pause = t0 + (i + 1) / args.serve_rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)

        th = threading.Thread(target=copier)
        th.start()
        deadline = time.monotonic() + len(photos) / args.serve_rate + 300
        db = catalog_ro(cat)
        while len(seen) < len(photos) and time.monotonic() < deadline:
            t = time.monotonic()
            try:
                rows = db.execute(
                    "SELECT f.rel FROM files f JOIN metadata m "
                    "ON m.file_id = f.id WHERE f.present = 1").fetchall()
            except sqlite3.OperationalError:
                rows = []  # the schema is being made; next poll
            now = time.monotonic()
            polls.append(now - t)
            for (rel,) in rows:
                name = os.path.basename(os.fsdecode(rel))
                if name not in seen:
                    seen[name] = now
            time.sleep(max(0.0, 0.05 - (time.monotonic() - t)))
        db.close()
        th.join()
        stopped = srv.stop()
    except BaseException:
        srv.kill()
        raise
    lat = [seen[n] - ends[n] for n in ends if n in seen]
    return {
        "photos": len(photos), "rate_per_s": args.serve_rate,
        "thumbs": thumbs,
        "layout": "one folder (import/), made before the service started",
        "copy": "to a hidden temporary name, then renamed in",
        "catalogued": len(lat),
        "median_s": statistics.median(lat) if lat else None,
        "p95_s": percentile(lat, 95) if lat else None,
        "min_s": min(lat) if lat else None,
        "max_s": max(lat) if lat else None,
        "poll_interval_s": 0.05,
        "poll_query_median_ms": statistics.median(polls) * 1000.0,
        "target_p95_s": SERVE_SETTLE_S + 1.0,
        "operations": ops_summary(cat), "serve": stopped,
    }


def make_watch_tree(root, folders, files):
    """`folders` event folders under year/month folders (a
    photographer's layout), `files` small JPEG-headed files spread evenly
    over them (about 17 a folder for 500,000 in 30,000). Returns the
    number of folders, the root and the year/month folders included."""
    marker = os.path.join(root, ".complete")
    if os.path.exists(marker):
        with open(marker) as f:
            return json.load(f)["folders_total"]
    if os.path.exists(root):
        shutil.rmtree(root)
    started = time.perf_counter()
    for e in range(folders):
        year = 2005 + e % 20
        month = 1 + (e // 20) % 12
        d = os.path.join(root, str(year), f"{year}-{month:02d}",
                         f"event-{e:05d}")
        os.makedirs(d)
        count = files // folders + (1 if e < files % folders else 0)
        for i in range(count):
            fd = os.open(os.path.join(d, f"IMG_{i:04d}.jpg"),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, JPEG_HEAD)
            os.close(fd)
    total = sum(1 for _ in os.walk(root))
    with open(marker, "w") as f:
        json.dump({"folders": folders, "files": files,
                   "folders_total": total}, f)
    print(f"  made {files:,} files in {total:,} folders in {root}: "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return total


def serve_watch_tree(args, work, tree, folders_total):
    """`phodex serve` on a catalog of the watch tree (scanned once
    beforehand, timed apart): the time from its start until it holds one inotify watch
    per folder (counted in /proc/PID/fdinfo every 20 ms) and until its
    startup reconciliation has ended (the status file, rewritten every
    2 s), then its RSS idle."""
    with open(INOTIFY_WATCHES) as f:
        limit = int(f.read())
    raised = None
    if limit < folders_total + 1024:
        try:
            with open(INOTIFY_WATCHES, "w") as f:  # root only; restored below
                f.write(str(folders_total + 65536))
            raised = limit
        except OSError as e:
            # Not root: the service polls the root and the figures say so
            # (wait_ready requires inotify, so the phase stops there).
            print(f"  cannot raise {INOTIFY_WATCHES} ({limit}) to "
                  f"{folders_total + 65536}: {e}")
    try:
        folder = os.path.join(work, "tree")
        os.makedirs(folder)
        cat = os.path.join(folder, "catalog.db")
        # A full scan (metadata included, full hashes, thumbnails: the
        # tree's files all have one content, which fails to decode once):
        # every file's per-file work is done, so the service started on it
        # has nothing to queue and is idle. Without it, its startup would
        # queue a job per file (metadata, pixels or full_hash), and the RSS
        # read would be that of a busy service.
        scan = measure([args.phodex, "--catalog", cat, "scan",
                        "--progress=none", "--full-hash", "--thumbs", tree])
        with catalog_ro(cat) as db:
            files = db.execute("SELECT COUNT(*) FROM files WHERE present = 1"
                               ).fetchone()[0]
        cfg = serve_config(os.path.join(folder, "phodex.toml"))
        runs = []
        for _ in range(args.runs):
            srv = ServeProcess(args, cat, cfg, os.path.join(folder,
                                                             "serve.log"))
            try:
                watched = None
                deadline = srv.started + 600
                while time.monotonic() < deadline:
                    if srv.p.poll() is not None:
                        raise RuntimeError("phodex serve exited: see "
                                           + srv.log.name)
                    try:
                        if inotify_watches(srv.pid) >= folders_total:
                            watched = time.monotonic() - srv.started
                            break
                    except OSError:
                        pass
                    time.sleep(0.02)
                status = srv.wait_ready(600)
                ready = time.monotonic() - srv.started
                time.sleep(args.serve_idle)  # idle: nothing changes
                tree_rss = sum(proc_status_mib(p, "VmRSS") or 0
                               for p in [srv.pid] + descendants(srv.pid))
                run = {"watches_s": watched, "ready_s": ready,
                       "watches": inotify_watches(srv.pid),
                       "status_folders": status["roots"][0]["folders"],
                       "idle_rss_mib": proc_status_mib(srv.pid, "VmRSS"),
                       "idle_rss_anon_mib": proc_status_mib(srv.pid,
                                                            "RssAnon"),
                       "idle_rss_file_mib": proc_status_mib(srv.pid,
                                                            "RssFile"),
                       "catalog_fds": catalog_fds(srv.pid, cat),
                       "peak_rss_mib": proc_status_mib(srv.pid, "VmHWM"),
                       "idle_tree_rss_mib": tree_rss,
                       "workers": len(descendants(srv.pid))}
                run["cpu_s"] = srv.stop()["cpu_s"]
            except BaseException:
                srv.kill()
                raise
            runs.append(run)
    finally:
        if raised is not None:
            with open(INOTIFY_WATCHES, "w") as f:
                f.write(str(raised))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {"folders": folders_total, "files": files, "scan": scan,
            "max_user_watches": limit, "raised_from": raised,
            "idle_wait_s": args.serve_idle,
            "target_idle_rss_mib": SERVE_IDLE_RSS_TARGET_MIB,
            "median": med, "runs": runs}


def ingest_state(db):
    """(files with metadata, files whose content has pixel facts, pixel
    jobs not finished) of a catalog: done when the first two are every
    file and the last is 0. Works whether thumbnails are made inline or
    by the job queue (`jobs` rows of kind pixels)."""
    meta = db.execute("SELECT COUNT(*) FROM files f JOIN metadata m "
                      "ON m.file_id = f.id WHERE f.present = 1").fetchone()[0]
    pix = db.execute("SELECT COUNT(*) FROM files f JOIN pixels p "
                     "ON p.hash = f.hash WHERE f.present = 1 "
                     "AND (p.thumbs != '' OR p.error IS NOT NULL)"
                     ).fetchone()[0]
    jobs = db.execute("SELECT COUNT(*) FROM jobs WHERE kind = 'pixels' AND "
                      "state IN ('available', 'running', 'retryable')"
                      ).fetchone()[0]
    return meta, pix, jobs


def serve_ingest(args, work, photos):
    """The photos copied into a watched root as fast as the copier goes
    (tmp + rename, one by one), the service running with the default
    settings: the time from the first copy until every file has its
    metadata and its content its thumbnails (polled read-only every
    250 ms). Against it: the same copy, then `phodex scan --thumbs` of the
    copied files (the scan runs over hard links of the same files: the
    same bytes, and no second copy on the disk)."""
    n = len(photos)
    root, cat = new_root(args, work, "ingest")
    cfg = serve_config(os.path.join(work, "ingest", "phodex.toml"))
    srv = ServeProcess(args, cat, cfg, os.path.join(work, "ingest",
                                                     "serve.log"))
    try:
        srv.wait_ready(120)
        dest = os.path.join(root, "import")
        t0 = time.monotonic()
        c0 = os.times()
        for src in photos:
            copy_in(src, dest)
        copied = time.monotonic() - t0
        c1 = os.times()
        copy_cpu = (c1.user + c1.system) - (c0.user + c0.system)
        db = catalog_ro(cat)
        state, done = (0, 0, 0), None
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            try:
                state = ingest_state(db)
            except sqlite3.OperationalError:
                pass
            if state[0] >= n and state[1] >= n and state[2] == 0:
                done = time.monotonic() - t0
                break
            time.sleep(0.25)
        db.close()
        stopped = srv.stop()
    except BaseException:
        srv.kill()
        raise
    if done is None:
        raise RuntimeError(f"serve ingest not done in an hour: {state}")
    ops = ops_summary(cat)
    shutil.rmtree(root)  # the copies (GBs); the scan runs on hard links
    scan_root = os.path.join(work, "scan", "photos", "import")
    os.makedirs(scan_root)
    for src in photos:
        os.link(src, os.path.join(scan_root, os.path.basename(src)))
    scan_cat = os.path.join(work, "scan", "data", "catalog.db")
    os.makedirs(os.path.dirname(scan_cat))
    scan = measure([args.phodex, "--catalog", scan_cat, "--config", cfg,
                    "scan", "--progress=none", "--thumbs",
                    os.path.dirname(scan_root)], tree_rss=True)
    with catalog_ro(scan_cat) as db:
        scan_state = ingest_state(db)
    copy = {"wall_s": copied, "cpu_s": copy_cpu, "rss_mib": 0.0}
    serve = {"wall_s": done, "cpu_s": stopped["cpu_s"] + copy_cpu,
             "rss_mib": stopped["rss_mib"]}
    both = {"wall_s": copied + scan["wall_s"],
            "cpu_s": copy_cpu + scan["cpu_s"], "rss_mib": scan["rss_mib"]}
    return {
        "figures": {"copy (tmp + rename)": copy,
                    "serve: copy + catalog + thumbs": serve,
                    "scan --thumbs": scan,
                    "copy, then scan --thumbs": both},
        "ratios": {"serve_vs_copy_then_scan": done / both["wall_s"],
                   "serve_cpu_vs_copy_then_scan":
                       serve["cpu_s"] / both["cpu_s"]},
        "after_copy_s": done - copied, "serve_state": list(state),
        "scan_state": list(scan_state), "operations": ops,
        "serve_exit": stopped["exit"],
    }


def serve_jpegs(args, n):
    """A set of at least n distinct camera JPEGs of --serve-jpeg-size
    (make_camera_jpegs; 3 MP by default): an existing larger set of that
    size is used as it is (its first files are those of a smaller one:
    same seed)."""
    size = tuple(args.serve_jpeg_size)
    suffix = "" if size == SERVE_JPEG_SIZE else "-%dx%d" % size
    sets = []
    for name in (os.listdir(args.corpus_dir)
                 if os.path.isdir(args.corpus_dir) else []):
        m = re.fullmatch(r"serve-jpegs-(\d+)" + re.escape(suffix), name)
        if m and os.path.exists(os.path.join(args.corpus_dir, name,
                                             ".complete")):
            sets.append(int(m.group(1)))
    have = [m for m in sets if m >= n]
    tree = os.path.join(args.corpus_dir,
                        f"serve-jpegs-{min(have) if have else n}{suffix}")
    make_camera_jpegs(tree, max(n, 1), size=size)
    return tree


def phase_serve(args, size, tree):
    """`phodex serve` on real inotify (release build): copy-to-catalog
    latency of --serve-photos photos copied at --serve-rate; the watches
    of a tree of --serve-folders folders and --serve-files files and the
    idle RSS; the ingest of `size` photos (the first of `tree`) through
    the service against copy + `scan --thumbs`. No peer: the figures are
    set against the issue's targets and against phodex's own scan."""
    photos = sorted(files_under(tree, ".jpg"))
    work = tempfile.mkdtemp(prefix="phodex-bench-serve-",
                            dir=args.corpus_dir)
    result = {"figures": {}, "ratios": {}}
    try:
        for thumbs in ((True, False) if args.serve_photos else ()):
            lat = serve_latency(args, work, photos[:args.serve_photos],
                                thumbs)
            result["latency" if thumbs else "latency_no_thumbs"] = lat
            print(f"    latency ({lat['catalogued']} of {lat['photos']} "
                  f"photos at {lat['rate_per_s']:g}/s, thumbs = "
                  f"{str(thumbs).lower()}): median "
                  f"{lat['median_s']:.2f} s, p95 {lat['p95_s']:.2f} s, max "
                  f"{lat['max_s']:.2f} s (target p95 < "
                  f"{lat['target_p95_s']:g} s); operations "
                  + ", ".join(f"{t} {o['count']} x median "
                              f"{o['median_s']:.2f} s"
                              for t, o in lat["operations"].items()))
            result["ratios"]["latency_p95_vs_target" if thumbs else
                             "latency_p95_vs_target_no_thumbs"] = (
                lat["p95_s"] / lat["target_p95_s"])
        if args.serve_folders:
            wt = os.path.join(args.corpus_dir, f"serve-tree-"
                              f"{args.serve_folders}-{args.serve_files}")
            total = make_watch_tree(wt, args.serve_folders, args.serve_files)
            w = serve_watch_tree(args, work, wt, total)
            result["watch"] = w
            m = w["median"]
            result["figures"]["scan (watch tree)"] = w["scan"]
            print(f"    watch tree: {w['folders']:,} folders, {w['files']:,} "
                  f"files (max_user_watches {w['max_user_watches']:,}"
                  + (f", raised from {w['raised_from']:,}"
                     if w["raised_from"] else "") +
                  f"): all watches {m['watches_s']:.2f} s after start, "
                  f"startup reconciliation done {m['ready_s']:.2f} s; idle "
                  f"RSS {m['idle_rss_mib']:.1f} MiB ({m['idle_rss_anon_mib']:.1f}"
                  f" anonymous, {m['catalog_fds']:.0f} catalog connections; "
                  f"peak "
                  f"{m['peak_rss_mib']:.1f}, with workers "
                  f"{m['idle_tree_rss_mib']:.1f}; target < "
                  f"{SERVE_IDLE_RSS_TARGET_MIB} MiB)")
            result["ratios"]["idle_rss_vs_target"] = (
                m["idle_rss_mib"] / SERVE_IDLE_RSS_TARGET_MIB)
        if size:
            ing = serve_ingest(args, work, photos[:size])
            result["ingest"] = ing
            result["figures"].update(ing.pop("figures"))
            result["ratios"].update(ing.pop("ratios"))
            print(f"    ingest of {size:,}: done {ing['after_copy_s']:.2f} s "
                  f"after the copy ended; serve state {ing['serve_state']}, "
                  f"scan state {ing['scan_state']} (metadata, pixels, "
                  f"pixel jobs waiting); target ratio <= "
                  f"{SERVE_OVERHEAD_TARGET:g}")
    finally:
        shutil.rmtree(work)
    return result


PHASES = {"discovery": phase_discovery, "hashing": phase_hashing,
          "dupes": phase_dupes, "metadata": phase_metadata,
          "thumbs": phase_thumbs, "raw": phase_raw, "queue": phase_queue,
          "serve": phase_serve}
# Phases that run on the photo corpus (bench/make_corpus.py) rather than
# on the small-file trees.
PHOTO_PHASES = {"hashing", "dupes"}
ALL_PHASES = "discovery,hashing,dupes,metadata,thumbs,raw,queue,serve"


def machine():
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    disk = "unknown"
    try:
        dev = subprocess.run(["findmnt", "-no", "SOURCE", "-T", HERE],
                             capture_output=True, text=True).stdout.strip()
        name = os.path.basename(dev).rstrip("0123456789")
        with open(f"/sys/block/{name}/queue/rotational") as f:
            disk = "rotational" if f.read().strip() == "1" else "ssd/virtual"
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kb / 1048576, 1),
            "disk": disk, "kernel": platform.release()}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--phases", default="all",
                    help=f"comma-separated, or all ({ALL_PHASES})")
    ap.add_argument("--sizes", default="10k,100k,1m",
                    help="small-file trees for the discovery phase")
    ap.add_argument("--photos", default="tiny,small",
                    help="photo corpora (bench/make_corpus.py: tiny, small, "
                         "medium) for the hashing, dupes and metadata phases")
    ap.add_argument("--metadata-on", default="jpegs,photos",
                    help="what the metadata phase runs on: the --jpegs sets "
                         "(real camera metadata from the shared corpus), the "
                         "--photos corpora, or both")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--phodex",
                    default=os.path.join(REPO, "build/release/src/phodex"))
    ap.add_argument("--corpus-dir", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--jpegs", default="1k,10k",
                    help="sizes of the metadata phase's JPEG sets")
    ap.add_argument("--thumb-jpegs", type=int, default=100,
                    help="camera JPEGs (12-47 MP) for the thumbs phase")
    ap.add_argument("--big-jpegs", type=int, default=10,
                    help="50 MP JPEGs for the thumbs phase's RSS figure")
    ap.add_argument("--raws", type=int, default=10,
                    help="24 MP DNGs for the raw phase (each made twice)")
    ap.add_argument("--big-raws", type=int, default=3,
                    help="50 MP DNGs for the raw phase (each made twice; "
                         "0: none)")
    ap.add_argument("--raw-dims", default="6000x4000",
                    help="size of the --raws DNGs (WIDTHxHEIGHT)")
    ap.add_argument("--queue-jobs", default="100k",
                    help="no-op jobs per run of the queue phase (comma-"
                         "separated sizes)")
    ap.add_argument("--queue-bench", default=None,
                    help="the queue_bench binary (default: beside --phodex's "
                         "build, tests/queue_bench)")
    ap.add_argument("--serve-photos", type=int, default=1000,
                    help="photos copied one by one for the serve phase's "
                         "latency (0: skip)")
    ap.add_argument("--serve-rate", type=float, default=20.0,
                    help="photos per second copied for the latency")
    ap.add_argument("--serve-ingest", default="10k",
                    help="photos ingested through serve against scan "
                         "--thumbs (0: skip)")
    ap.add_argument("--serve-folders", type=int, default=30000,
                    help="folders of the serve phase's watch tree (0: skip)")
    ap.add_argument("--serve-files", default="500k",
                    help="files spread over the watch tree's folders")
    ap.add_argument("--serve-jpeg-size", default="2048x1536",
                    type=lambda v: tuple(int(x) for x in v.split("x")),
                    help="WIDTHxHEIGHT of the serve phase's camera JPEGs")
    ap.add_argument("--serve-idle", type=float, default=5.0,
                    help="seconds the service idles before its RSS is read")
    ap.add_argument("--shared-corpus",
                    default=os.path.join(os.path.dirname(REPO), "shared",
                                         "corpus"),
                    help="the shared test corpus (JPEGs for the metadata "
                         "phase)")
    args = ap.parse_args()
    if args.queue_bench is None:
        args.queue_bench = os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(args.phodex))),
            "tests", "queue_bench")
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12",
                             "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    if subprocess.run(["git", "-C", REPO, "diff", "--quiet", "HEAD"]).returncode:
        commit += "-dirty"
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "commit": commit, "machine": machine(),
              "phodex_version": subprocess.run([args.phodex, "--version"],
                                               capture_output=True,
                                               text=True).stdout.strip(),
              "phases": {}}
    phases = (ALL_PHASES if args.phases == "all" else args.phases).split(",")
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        ap.error(f"unknown phase {', '.join(unknown)} (known: {ALL_PHASES})")
    for phase in phases:
        fn = PHASES[phase]
        report["phases"][phase] = {}
        print(f"== {phase}")
        if phase == "thumbs":
            tree = os.path.join(args.corpus_dir,
                                f"camera-jpegs-{args.thumb_jpegs}")
            make_camera_jpegs(tree, args.thumb_jpegs)
            sizes = [(args.thumb_jpegs, tree)]
        elif phase == "raw":
            dims = "" if args.raw_dims == "6000x4000" else f"-{args.raw_dims}"
            tree = os.path.join(args.corpus_dir, f"dng-{args.raws}{dims}")
            sizes = [(args.raws, tree)]  # made by the phase (make_raw.py)
        elif phase == "metadata":
            sizes = []
            on = args.metadata_on.split(",")
            if "jpegs" in on:
                for size_s in args.jpegs.split(","):
                    n = parse_size(size_s)
                    tree = os.path.join(args.corpus_dir, f"jpegs-{n}")
                    make_jpeg_set(tree, n, os.path.join(args.shared_corpus,
                                                        "metadata"))
                    sizes.append((n, tree))
            if "photos" in on:
                sizes += [(f"photos-{p}", make_photo_corpus(args, p))
                          for p in args.photos.split(",")]
        elif phase == "queue":
            sizes = [(parse_size(q), None) for q in args.queue_jobs.split(",")]
        elif phase == "serve":
            args.serve_files = parse_size(str(args.serve_files))
            n = parse_size(args.serve_ingest)
            sizes = [(n, serve_jpegs(args, max(n, args.serve_photos)))]
        elif phase in PHOTO_PHASES:
            sizes = [(f"photos-{p}", make_photo_corpus(args, p))
                     for p in args.photos.split(",")]
        else:
            sizes = []
            for size_s in args.sizes.split(","):
                n = parse_size(size_s)
                tree = os.path.join(args.corpus_dir, f"tree-{n}")
                make_tree(tree, n)
                sizes.append((n, tree))
        for n, tree in sizes:
            load = os.getloadavg()[0]
            if load > os.cpu_count():
                # Other work on the machine: wall times (and ratios between
                # rows measured minutes apart) are noisy; CPU times less so.
                print(f"  note: load average {load:.1f} on "
                      f"{os.cpu_count()} cores before this phase")
            r = fn(args, n, tree)
            r["files"] = n if isinstance(n, int) else count_files(tree)
            r["load_before"] = load
            r["load_after"] = os.getloadavg()[0]
            report["phases"][phase][str(n)] = r
            print(f"  {n:>9,} files" if isinstance(n, int)
                  else f"  {n} ({r['files']:,} files)")
            width = max(24, *(len(n) for n in
                              list(r["figures"]) + list(r["ratios"])))
            for name, fig in r["figures"].items():
                tree_rss = (f" (tree {fig['tree_rss_mib']:7.1f} MiB, largest "
                            f"process {fig['max_proc_rss_mib']:6.1f})"
                            if "tree_rss_mib" in fig else "")
                print(f"    {name:<{width}} {fig['wall_s']:8.2f} s wall "
                      f"{fig['cpu_s']:8.2f} s cpu {fig['rss_mib']:8.1f} MiB"
                      + tree_rss)
            for name, ratio in r["ratios"].items():
                print(f"    {name:<{width}} {ratio:8.2f} x")
            for peer, same in r.get("same_groups_as", {}).items():
                print(f"    same {r['groups']} groups as {peer}: "
                      + ("not installed" if same is None
                         else "yes" if same else "NO"))
            for peer in r.get("missing_peers", []):
                print(f"    MISSING peer: {peer}")
            if r.get("imagemagick"):
                print(f"    ImageMagick: {CONVERT}: {r['imagemagick']}")
            for name, c in r.get("checks", {}).items():
                for output, ok in (c.items() if "ok" not in c else
                                   [("", c)]):
                    if "ok" not in ok:
                        continue
                    print(f"    check {name} {output}: {ok['outputs']} of "
                          f"{ok['inputs']} files, long edge {ok['long_edge']}"
                          f": {'ok' if ok['ok'] else 'WRONG'}"
                          + (f" ({ok['wrong_size']} wrong, e.g. "
                             f"{ok['wrong_examples']})" if ok['wrong_size']
                             else ""))
                if "shapes" in c:
                    print(f"    thumbnails {name}: {c['shapes']}")
            for name, ways in r.get("decoded_by", {}).items():
                print(f"    decoded_by {name}: {ways}")
            if "peak_tree_rss_mib" in r:
                print(f"    peak RSS of phodex's process tree "
                      f"({r['default_workers']} workers): "
                      f"{r['peak_tree_rss_mib']:.0f} MiB, under 1.5 GB: "
                      f"{r['peak_tree_rss_under_1_5_gb']}")
        # Growth within each kind of corpus (the JPEG sets and the photo
        # corpora of the metadata phase are not one series).
        series = {}
        for key, r in report["phases"][phase].items():
            series.setdefault(key.split("-")[0] if "-" in key else "n",
                              []).append(r)
        for rows in series.values():
            if len(rows) > 1:
                g = growth(rows)
                report.setdefault("growth", {}).setdefault(phase, []).append(g)
                print_growth(g)
    if not args.no_save:
        os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
        day = datetime.date.today().isoformat()
        out = os.path.join(HERE, "results", f"{day}-{commit}.json")
        with open(out, "w") as f:
            json.dump(report, f, indent=2)
        print(f"saved {out}")


if __name__ == "__main__":
    sys.exit(main())
