#!/usr/bin/python3
"""build_states.py - rebuild data/states.tsv, the state outlines geo/ embeds.

    python3 tools/build_states.py                    # fetch with npm, write data/states.tsv
    python3 tools/build_states.py --us-atlas us-atlas-3.0.1.tgz

Input (pinned version, fetched with `npm pack` unless given as a .tgz or an
unpacked package directory):
  us-atlas   states-10m.json: the Census Bureau's cartographic state
             boundaries (2017, 1:10,000,000) as TopoJSON, quantized and
             simplified, in longitude/latitude.  states-albers-10m.json,
             the same projected by d3.geoAlbersUsa for a 975x610 view, is
             used only to check our projection (it has no Puerto Rico).

Output: after one '#' comment line naming the source, one line per state
(the 50 states, DC and Puerto Rico), sorted by FIPS code, tab-separated:
    fips usps name path
path is SVG path data in the 975x610 view of geo/usmap.c: "M" with
absolute coordinates, then relative "l" steps, "z" closing each ring,
numbers in tenths of a pixel.  geo/usmap.c copies it into its <path>.

How (docs/data.md, "State outlines"):
  - The TopoJSON arcs are decoded here (delta-decoded, then the quantization
    transform) - no TopoJSON package needed.
  - Each state is projected with the Albers USA projection of geo/usmap.c
    (the same formulas, written twice: here and in C); Alaska, Hawaii and
    Puerto Rico with their inset projections.
  - Each arc is simplified once (Douglas-Peucker, TOLERANCE pixels), so
    two states that share a border share the same simplified line.
  - Rings smaller than MIN_RING_AREA square pixels are dropped (islets).
  - The projection is checked against us-atlas's own projected file: every
    state's bounding box must agree within CHECK_PX pixels.

Standard library only, so it runs with Debian's /usr/bin/python3.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = ("us-atlas", "3.0.1")
TOLERANCE = 0.35        # pixels, Douglas-Peucker
MIN_RING_AREA = 0.8     # square pixels
CHECK_PX = 1.0          # bounding boxes against states-albers-10m.json

# FIPS code -> USPS code for what we draw.  American Samoa (60), Guam (66),
# the Northern Marianas (69) and the Virgin Islands (78) are in the file
# but have no place on an Albers USA map; they are left out.
USPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO",
    "09": "CT", "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI",
    "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
    "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH",
    "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
    "54": "WV", "55": "WI", "56": "WY", "72": "PR",
}
SKIP = {"60", "66", "69", "78"}

# ==== Albers USA, as geo/usmap.c computes it ==============================
#
# d3-geo's geoAlbersUsa with scale 1300 and translate [487.5, 305] (the
# 975x610 view of us-atlas), plus Puerto Rico placed as the common
# "albersUsaPr" variant of it does.  A sub-projection is a conic
# equal-area projection given by its standard parallels, its rotation
# (added to the longitude), its centre (which lands on its translate) and
# its scale.

SCALE = 1300.0
TX, TY = 487.5, 305.0


def conic(phi0, phi1, rot, clon, clat, k, tx, ty):
    r = math.pi / 180
    s0 = math.sin(phi0 * r)
    n = (s0 + math.sin(phi1 * r)) / 2
    c = 1 + s0 * (2 * n - s0)
    r0 = math.sqrt(c) / n

    def raw(lam, phi):
        rho = math.sqrt(c - 2 * n * math.sin(phi)) / n
        return rho * math.sin(lam * n), r0 - rho * math.cos(lam * n)

    cx, cy = raw(clon * r, clat * r)

    def project(lon, lat):
        lam = (lon + rot) * r
        if abs(lam) > math.pi:
            lam -= round(lam / (2 * math.pi)) * 2 * math.pi
        x, y = raw(lam, lat * r)
        return tx + k * (x - cx), ty - k * (y - cy)
    return project


K = SCALE
REGIONS = {
    "lower48": conic(29.5, 45.5, 96, -0.6, 38.7, K, TX, TY),
    "alaska": conic(55, 65, 154, -2, 58.5, K * 0.35,
                    TX - 0.307 * K, TY + 0.201 * K),
    "hawaii": conic(8, 18, 157, -3, 19.9, K,
                    TX - 0.205 * K, TY + 0.212 * K),
    "puerto_rico": conic(8, 18, 66, 0, 18, K,
                         TX + 0.350 * K, TY + 0.224 * K),
}


def region_of(fips):
    return {"02": "alaska", "15": "hawaii", "72": "puerto_rico"}.get(
        fips, "lower48")

# ==== TopoJSON ============================================================


def decode_arcs(topo):
    """The arcs as lists of (lon, lat), delta-decoded and untransformed."""
    sx, sy = topo["transform"]["scale"]
    dx, dy = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for p in arc:
            x += p[0]
            y += p[1]
            pts.append((x * sx + dx, y * sy + dy))
        out.append(pts)
    return out


def polygons(geom):
    if geom["type"] == "Polygon":
        return [geom["arcs"]]
    if geom["type"] == "MultiPolygon":
        return geom["arcs"]
    sys.exit(f"build_states: unexpected geometry {geom['type']}")


def ring_points(ring, arcs):
    """Concatenates a ring's arcs (~i is arc i reversed), dropping the
    repeated first point of each arc after the first."""
    pts = []
    for i in ring:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts

# ==== simplification and output ===========================================


def douglas_peucker(pts, tol):
    if len(pts) < 3:
        return list(pts)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = pts[a], pts[b]
        vx, vy = bx - ax, by - ay
        vv = vx * vx + vy * vy
        best, bi = -1.0, -1
        for i in range(a + 1, b):
            px, py = pts[i][0] - ax, pts[i][1] - ay
            if vv == 0:
                d = px * px + py * py
            else:
                t = max(0.0, min(1.0, (px * vx + py * vy) / vv))
                ex, ey = px - t * vx, py - t * vy
                d = ex * ex + ey * ey
            if d > best:
                best, bi = d, i
        if bi >= 0 and best > tol * tol:
            keep[bi] = True
            stack.append((a, bi))
            stack.append((bi, b))
    return [p for p, k in zip(pts, keep) if k]


def area(pts):
    s = 0.0
    for i in range(len(pts)):
        x0, y0 = pts[i - 1]
        x1, y1 = pts[i]
        s += x0 * y1 - x1 * y0
    return abs(s) / 2


def num(t):
    """Tenths of a pixel as the shortest SVG number: 12 -> "1.2",
    -5 -> "-.5", 30 -> "3"."""
    sign = "-" if t < 0 else ""
    t = abs(t)
    if t % 10 == 0:
        return sign + str(t // 10)
    s = f"{t // 10}.{t % 10}"
    return sign + (s[1:] if s.startswith("0.") else s)


def join_nums(nums):
    """Joins SVG numbers with the fewest spaces: none before a '-', none
    before a '.' when the previous number already holds one."""
    out, prev = "", ""
    for s in nums:
        if prev and not (s[0] == "-" or (s[0] == "." and "." in prev)):
            out += " "
        out += s
        prev = s
    return out


def ring_path(pts):
    q = [(round(x * 10), round(y * 10)) for x, y in pts]
    dedup = []
    for p in q:
        if not dedup or dedup[-1] != p:
            dedup.append(p)
    if len(dedup) > 1 and dedup[0] == dedup[-1]:
        dedup.pop()
    if len(dedup) < 3:
        return ""
    s = "M" + join_nums([num(dedup[0][0]), num(dedup[0][1])]) + "l"
    steps = []
    for (x0, y0), (x1, y1) in zip(dedup, dedup[1:]):
        steps += [num(x1 - x0), num(y1 - y0)]
    return s + join_nums(steps) + "z"


def bbox(rings):
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    return min(xs), min(ys), max(xs), max(ys)

# ==== main ================================================================


def fetch(pkg, version, workdir):
    out = subprocess.run(["npm", "pack", "--silent", f"{pkg}@{version}"],
                         cwd=workdir, check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()
    if not out:
        sys.exit(f"build_states: npm pack {pkg}@{version} printed nothing")
    return os.path.join(workdir, out[-1])


def read_member(src, name):
    if os.path.isdir(src):
        with open(os.path.join(src, name), "rb") as f:
            return f.read()
    with tarfile.open(src, "r:gz") as tf:
        return tf.extractfile("package/" + name).read()


def check_against_albers(topo_albers, projected):
    """Every state's bounding box in us-atlas's projected file must match
    ours: the proof that our formulas are d3's."""
    arcs = decode_arcs(topo_albers)
    worst = 0.0
    for g in topo_albers["objects"]["states"]["geometries"]:
        rings = [ring_points(r, arcs) for poly in polygons(g) for r in poly]
        theirs = bbox(rings)
        ours = bbox(projected[g["id"]])
        d = max(abs(a - b) for a, b in zip(theirs, ours))
        if d > CHECK_PX:
            sys.exit(f"build_states: state {g['id']} is {d:.2f} px from "
                     "us-atlas's own projection")
        worst = max(worst, d)
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--us-atlas", help="us-atlas .tgz or unpacked directory")
    ap.add_argument("-o", "--output", default="data/states.tsv")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        src = args.us_atlas or fetch(*PACKAGE, tmp)
        topo = json.loads(read_member(src, "states-10m.json"))
        albers = json.loads(read_member(src, "states-albers-10m.json"))
        pkg = json.loads(read_member(src, "package.json"))
    if pkg.get("version") != PACKAGE[1]:
        sys.exit(f"build_states: us-atlas is {pkg.get('version')}, "
                 f"expected {PACKAGE[1]}")

    arcs = decode_arcs(topo)
    geoms = {g["id"]: g for g in topo["objects"]["states"]["geometries"]}
    unknown = set(geoms) - set(USPS) - SKIP
    if unknown or set(USPS) - set(geoms):
        sys.exit(f"build_states: unexpected states: {sorted(unknown)} / "
                 f"{sorted(set(USPS) - set(geoms))}")

    # Project every arc once per region that uses it, simplify it once.
    cache = {}

    def arc_px(i, region):
        key = (i, region)
        if key not in cache:
            proj = REGIONS[region]
            full = [proj(lon, lat) for lon, lat in arcs[i]]
            cache[key] = (full, douglas_peucker(full, TOLERANCE))
        return cache[key]

    projected = {}
    lines = []
    rings_kept = rings_dropped = points = 0
    for fips in sorted(USPS):
        region = region_of(fips)
        full_rings, paths = [], []
        for poly in polygons(geoms[fips]):
            for ring in poly:
                full, simple = [], []
                for i in ring:
                    f, s = arc_px(i if i >= 0 else ~i, region)
                    if i < 0:
                        f, s = f[::-1], s[::-1]
                    full.extend(f if not full else f[1:])
                    simple.extend(s if not simple else s[1:])
                full_rings.append(full)
                p = ring_path(simple) if area(full) >= MIN_RING_AREA else ""
                if p:
                    paths.append(p)
                    rings_kept += 1
                    points += len(simple)
                else:
                    rings_dropped += 1
        projected[fips] = full_rings
        name = geoms[fips]["properties"]["name"]
        lines.append(f"{fips}\t{USPS[fips]}\t{name}\t{''.join(paths)}\n")

    worst = check_against_albers(albers, projected)
    text = ("# US state outlines for geo/usmap.c, from us-atlas "
            f"{PACKAGE[1]} states-10m.json (US Census Bureau cartographic "
            "boundaries 2017, public domain; us-atlas ISC), projected Albers "
            "USA 975x610 by tools/build_states.py\n" + "".join(lines))
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"build_states: wrote {len(lines)} states to {args.output} "
          f"({len(text.encode())} bytes); {rings_kept} rings "
          f"({points} points), {rings_dropped} islets dropped; "
          f"projection within {worst:.3f} px of us-atlas's albers file")


if __name__ == "__main__":
    main()
