#!/usr/bin/env python3
"""Builds a catalog of N files (default 1,000,000) for bench/search_bench.cc:
one root, realistic capture dates (2008-2025), cameras, exposure, ratings,
labels, keywords, GPS, RAW+JPEG pairs and rated XMP sidecars. The schema
comes from src/catalog/sqlite/migrations.cc, so it is the build's own.

  bench/make_search_catalog.py OUT.db [N]
"""
import random
import re
import sqlite3
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
src = open(__file__.rsplit('/bench/', 1)[0] + '/src/catalog/sqlite/migrations.cc').read()
db = sqlite3.connect(out)
db.execute('PRAGMA journal_mode=WAL')
db.execute('PRAGMA synchronous=OFF')
version = 0
for m in re.finditer(r'Migration\{(\d+),.*?R"sql\((.*?)\)sql"\}', src, re.S):
    db.executescript(m.group(2))
    version = int(m.group(1))
db.execute(f'PRAGMA user_version={version}')
db.execute("INSERT INTO roots(id, path, name, added_at) VALUES (1, '/photos', 'photos', 0)")
rnd = random.Random(14)
cameras = [('Canon', 'EOS R5', 'RF24-105mm F4 L IS USM', 30), ('NIKON CORPORATION', 'NIKON Z 6', 'NIKKOR Z 24-70mm f/4 S', 20),
           ('SONY', 'ILCE-7M3', 'FE 24-105mm F4 G OSS', 20), ('Apple', 'iPhone 13', 'iPhone 13 back camera', 15),
           ('FUJIFILM', 'X-T4', 'XF16-55mmF2.8 R LM WR', 8), ('OLYMPUS', 'E-M1', 'M.12-40mm F2.8', 4),
           ('Panasonic', 'DC-GH5', 'LUMIX G 12-35', 2), ('Leica', 'Q2', 'Summilux 28', 1)]
weights = [c[3] for c in cameras]
words = [w.strip() for w in open('/usr/share/dict/words')][:2000] if False else \
    ['beach', 'mountain', 'paris', 'family', 'birthday', 'sunset', 'snow', 'forest', 'city', 'night',
     'portrait', 'dog', 'cat', 'wedding', 'concert', 'river', 'lake', 'garden', 'market', 'museum'] + \
    [f'tag{i}' for i in range(180)]
labels = ['Red', 'Yellow', 'Green', 'Blue', 'Purple']
files, meta = [], []
fid = 0
def flush():
    db.executemany('INSERT INTO files(id, root_id, rel, size, mtime_s, dev, ino, kind, scan_gen, first_seen,'
                   ' last_seen, present, sidecar_of, content_version) VALUES (?,1,?,?,0,1,?,?,1,0,0,1,?,3)', files)
    db.executemany('INSERT INTO metadata(file_id, mime, taken, make, model, lens, f_number, iso, focal_length,'
                   ' gps_lat, gps_lon, rating, label, keywords, title) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)', meta)
    files.clear(); meta.clear()
while fid < n:
    y = rnd.randint(2008, 2025); mo = rnd.randint(1, 12); d = rnd.randint(1, 28)
    taken = f'{y}-{mo:02d}-{d:02d}T{rnd.randint(0,23):02d}:{rnd.randint(0,59):02d}:{rnd.randint(0,59):02d}'
    if rnd.random() < 0.02:
        taken = None
    make, model, lens, _ = rnd.choices(cameras, weights)[0]
    r = rnd.random()
    rating = None if r < 0.7 else (rnd.randint(1, 3) if r < 0.85 else 4 if r < 0.93 else 5 if r < 0.98 else -1)
    kw = None
    if rnd.random() < 0.3:
        kw = '[' + ','.join(f'"{w}"' for w in rnd.sample(words, rnd.randint(1, 4))) + ']'
    gps = rnd.random() < 0.4
    stem = f'{y}/{mo:02d}-{d:02d}/IMG_{fid:07d}'
    kind_roll = rnd.random()
    row = (taken, make, model, lens, rnd.choice([1.8, 2.8, 4, 5.6, 8, 11]), rnd.choice([100, 200, 400, 800, 1600, 3200, 6400]),
           rnd.choice([16, 24, 35, 50, 70, 85, 105, 200]), 48.8 if gps else None, 2.3 if gps else None,
           rating, rnd.choice(labels) if rnd.random() < 0.05 else None, kw,
           'Holiday ' + rnd.choice(words) if rnd.random() < 0.05 else None)
    def add(rel, kind, mime, sidecar_of=None, m=row):
        global fid
        fid += 1
        files.append((fid, rel.encode(), rnd.randint(10**5, 10**7), fid, kind, sidecar_of))
        meta.append((fid, mime) + m)
        return fid
    if kind_roll < 0.05:
        add(stem + '.MOV', 'video', 'video/quicktime')
    else:
        jpg = add(stem + '.JPG', 'photo', 'image/jpeg')
        if kind_roll < 0.25:
            add(stem + '.ARW', 'raw', 'image/x-sony-arw')
        if kind_roll > 0.9:  # a darktable/Lightroom sidecar with a rating
            add(stem + '.JPG.xmp', 'sidecar', 'application/rdf+xml', jpg,
                (None,) * 9 + (rnd.randint(1, 5), None, None, None))
    if len(files) >= 50000:
        flush()
flush()
db.commit()  # no ANALYZE: phodex never runs it, plans must not need it
print(f'{fid} files in {out}')
