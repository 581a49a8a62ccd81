#!/usr/bin/env python3
"""phodex benchmarks: each phase runs phodex and the tools a user would
otherwise reach for on the same files, in the same run, and reports the
ratio. Nothing here is typed in by hand: every figure is measured.

usage: bench/run.py [--phases discovery,hashing,dupes,metadata]
                    [--sizes 10k,100k,1m] [--jpegs 1000]
                    [--photos tiny|small|medium]
                    [--runs 3] [--phodex build/release/src/phodex]
                    [--corpus-dir bench/corpus] [--no-save]

Results: bench/results/<date>-<commit>.json and a table on stdout.
"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def parse_size(s):
    s = s.lower()
    mult = {"k": 1000, "m": 1000000}.get(s[-1], 1)
    return int(float(s.rstrip("km")) * mult)


def measure(cmd, env=None):
    """Runs cmd under GNU time; returns wall s, cpu s, peak RSS MiB."""
    fmt = "%U %S %M"
    full = ["/usr/bin/time", "-f", fmt, "-o", "/dev/stderr"] + cmd
    start = time.perf_counter()  # GNU time's %e has 10 ms resolution
    p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=env, text=True)
    wall = time.perf_counter() - start
    last = p.stderr.strip().splitlines()[-1]
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    user, sys_, rss_kb = last.split()
    return {"wall_s": wall, "cpu_s": float(user) + float(sys_),
            "rss_mib": int(rss_kb) / 1024.0}


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


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
    """Full content hashing of every file: phodex scan --full-hash (which
    also discovers, checks kinds, quick-hashes and catalogs every file)
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
            runs.append(measure([args.phodex, "--catalog", cat, "scan",
                                 "--progress=none", "--full-hash",
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


def phodex_groups(args, cat, tree):
    out = subprocess.run([args.phodex, "--catalog", cat, "dupes", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return set(frozenset(json.loads(l)["paths"]) for l in out.splitlines() if l)


def phase_dupes(args, size, tree):
    """Exact duplicates on a freshly scanned tree: phodex dupes (reads only
    the candidates the scan's quick hashes left) against jdupes, rmlint and
    rdfind; then phodex dupes again with the full hashes in the catalog.
    Also checks that phodex and jdupes find the same groups."""
    roots = [os.path.join(tree, "root-a"), os.path.join(tree, "root-b")]
    results = {}
    peers = {
        "jdupes -r": ["jdupes", "-r", "-q"] + roots,
        "rmlint": ["rmlint", "-o", "json:/dev/null", "-T", "df"] + roots,
        "rdfind": ["rdfind", "-dryrun", "true", "-outputname", "/dev/null"]
                  + roots,
    }
    for name, cmd in peers.items():
        if not shutil.which(cmd[0]):
            print(f"  {cmd[0]}: not installed (bench/setup.sh installs it)")
            continue
        measure(cmd)
        results[name] = median_of([measure(cmd) for _ in range(args.runs)])
    work = tempfile.mkdtemp(prefix="phodex-bench-")
    try:
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
        same = None
        if shutil.which("jdupes"):
            same = phodex_groups(args, cat, tree) == jdupes_groups(tree)
    finally:
        shutil.rmtree(work)
    ratios = {}
    for peer in ("jdupes -r", "rmlint", "rdfind"):
        if peer in results:
            ratios[f"phodex_vs_{peer.split()[0]}"] = (
                results["phodex dupes"]["wall_s"] / results[peer]["wall_s"])
    return {"figures": results, "ratios": ratios,
            "same_groups_as_jdupes": same}


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


def phase_metadata(args, size, tree):
    """Metadata of every JPEG: one exiftool process in batch mode
    (exiftool -fast -j -r, what a user would script) and exiv2 -pa (many
    files per process), against a full phodex
    scan (discovery, kind check, quick hash, metadata through the isolated
    worker pool, catalog writes), with both cores busy. Also the scan with
    the parsers in-process (no isolation: what the isolation costs) and
    without metadata (what metadata costs)."""
    results = {}
    measure(sh(f"cat '{tree}'/* > /dev/null"))  # warm the cache
    if shutil.which("exiftool"):
        cmd = ["exiftool", "-fast", "-j", "-r", "-q", "-q", tree]
        results["exiftool -fast -j"] = median_of(
            [measure(cmd) for _ in range(args.runs)])
    else:
        print("  exiftool: not installed (bench/setup.sh installs it)")
    if shutil.which("exiv2"):
        # exiv2 -pa prints every tag; it takes many files per process.
        # Its exit status is non-zero when any file has no metadata.
        script = (f"find '{tree}' -type f -name '*.jpg' -print0 | "
                  f"xargs -0 exiv2 -pa > /dev/null 2>&1; true")
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
                                     "--progress=none"] + flags + [tree],
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


PHASES = {"discovery": phase_discovery, "hashing": phase_hashing,
          "dupes": phase_dupes, "metadata": phase_metadata}
# Phases that run on the photo corpus (bench/make_corpus.py) rather than
# on the small-file trees.
PHOTO_PHASES = {"hashing", "dupes"}


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
    ap.add_argument("--phases", default="discovery")
    ap.add_argument("--sizes", default="10k,100k,1m")
    ap.add_argument("--photos", default="small",
                    help="photo corpus for the hashing and dupes phases")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--phodex",
                    default=os.path.join(REPO, "build/release/src/phodex"))
    ap.add_argument("--corpus-dir", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--jpegs", type=int, default=1000,
                    help="JPEGs for the metadata phase")
    ap.add_argument("--shared-corpus",
                    default=os.path.join(os.path.dirname(REPO), "shared",
                                         "corpus"),
                    help="the shared test corpus (JPEGs for the metadata "
                         "phase)")
    args = ap.parse_args()
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
    for phase in args.phases.split(","):
        fn = PHASES[phase]
        report["phases"][phase] = {}
        print(f"== {phase}")
        if phase == "metadata":
            tree = os.path.join(args.corpus_dir, f"jpegs-{args.jpegs}")
            make_jpeg_set(tree, args.jpegs,
                          os.path.join(args.shared_corpus, "metadata"))
            sizes = [(args.jpegs, tree)]
        elif phase in PHOTO_PHASES:
            tree = os.path.join(args.corpus_dir, f"photos-{args.photos}")
            subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"),
                            "--size", args.photos, "--out", tree], check=True)
            sizes = [(args.photos, tree)]
        else:
            sizes = []
            for size_s in args.sizes.split(","):
                n = parse_size(size_s)
                tree = os.path.join(args.corpus_dir, f"tree-{n}")
                make_tree(tree, n)
                sizes.append((n, tree))
        for n, tree in sizes:
            r = fn(args, n, tree)
            report["phases"][phase][str(n)] = r
            print(f"  {n:>9,} files" if isinstance(n, int) else f"  photos-{n}")
            for name, fig in r["figures"].items():
                print(f"    {name:<24} {fig['wall_s']:8.2f} s wall "
                      f"{fig['cpu_s']:8.2f} s cpu {fig['rss_mib']:8.1f} MiB")
            for name, ratio in r["ratios"].items():
                print(f"    {name:<24} {ratio:8.2f} x")
            if "same_groups_as_jdupes" in r:
                print(f"    same groups as jdupes: {r['same_groups_as_jdupes']}")
    if not args.no_save:
        os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
        day = datetime.date.today().isoformat()
        out = os.path.join(HERE, "results", f"{day}-{commit}.json")
        with open(out, "w") as f:
            json.dump(report, f, indent=2)
        print(f"saved {out}")


if __name__ == "__main__":
    sys.exit(main())
