"""bench_stats.py - the organizer's console at full size (issue 12):
GET /api/v1/stats and GET /api/v1/map.svg with 100,000 members and 2,000
clubs, against GET /healthz of the same server in the same run.

The database is filled directly with SQLite after the binary created the
schema (`clubmatch match` on an empty file), so the bench measures the
reads, not an import: members at random ZIPs of the real table, a fifth
remote, a tenth unassigned, some removed and bouncing, a first-contact
task and an invitation answer for many.  Goals: stats under 100 ms, the
map under 100 ms and under 2 MB, measured once the mail worker has sent
the digests the filled tasks call for (the stats are also timed while it
sends them).

    make && /usr/bin/python3 bench/bench_stats.py [--members N] [--clubs N]
"""
import argparse
import os
import random
import sqlite3
import statistics
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import lib                                           # noqa: E402
from invite_lib import zip_table                     # noqa: E402


def place(table, zipc):
    lat, lon, state, tz = table[zipc]
    return {"zip": zipc, "city": "", "state": state, "lat": lat, "lon": lon}


def fill(db, table, n_members, n_clubs, seed=7):
    rnd = random.Random(seed)
    zips = sorted(table)
    now = int(time.time())
    con = sqlite3.connect(db)
    cur = con.cursor()
    clubs = []
    for i in range(n_clubs):
        z = place(table, rnd.choice(zips))
        cur.execute("INSERT INTO clubs (name, slug, zip, city, state, county,"
                    " timezone, lat, lon, secretary_email, secretary_name,"
                    " created_at) VALUES (?,?,?,?,?,'','America/Chicago',"
                    "?,?,?,?,?)", ("Club %d" % i, "club-%d" % i, z["zip"],
                                   z["city"], z["state"], z["lat"], z["lon"],
                                   "sec%d@bench.test" % i, "Sec %d" % i,
                                   now))
        clubs.append(cur.lastrowid)
    rows = []
    for i in range(n_members):
        z = place(table, rnd.choice(zips))
        r = rnd.random()
        mode, club = ("unassigned", None) if r < 0.1 else \
            ("remote", rnd.choice(clubs)) if r < 0.3 else \
            ("local", rnd.choice(clubs))
        status = "removed" if rnd.random() < 0.02 else "active"
        rows.append(("Member %d" % i, "m%d@bench.test" % i, z["zip"],
                     z["city"], z["state"], z["lat"], z["lon"], club, mode,
                     status, "bouncing" if rnd.random() < 0.01 else "ok", now))
    cur.executemany("INSERT INTO members (name, email, zip, city, state,"
                    " timezone, lat, lon, phone, preferred_channel, club_id,"
                    " mode, reason, status, email_status, created_at)"
                    " VALUES (?,?,?,?,?,'America/Chicago',?,?,'','',?,?,"
                    "'bench',?,?,?)", rows)
    cur.execute("INSERT INTO contacts (member_id, club_id, due_at,"
                " created_at) SELECT id, club_id, ? + (id % 20 - 10) * 86400,"
                " ? FROM members WHERE club_id IS NOT NULL AND id % 2 = 0",
                (now, now))
    con.commit()
    con.close()


def pending(s):
    """Rows of the outbox still to send (the first page is enough)."""
    st, body = s.call("GET", "/api/v1/outbox?status=pending&limit=1")
    return st != 200 or bool(body.get("items"))


def timed(s, path, n):
    times, size = [], 0
    for _ in range(n):
        t = time.perf_counter()
        st, body = s.call("GET", path)
        times.append(time.perf_counter() - t)
        if st != 200:
            sys.exit("bench_stats: %s -> %s" % (path, st))
        size = len(s.last_raw)
    return statistics.median(times), size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=100000)
    ap.add_argument("--clubs", type=int, default=2000)
    a = ap.parse_args()
    if not os.access(lib.BIN, os.X_OK):
        sys.exit("bench_stats: build %s first (make)" % lib.BIN)
    s = lib.Server()
    rc, out, err = lib.run_cli(["match", "--db", s.db])
    if rc != 0:
        sys.exit("bench_stats: cannot create the schema: " + err)
    t = time.time()
    fill(s.db, zip_table(), a.members, a.clubs)
    print("# filled %d members, %d clubs in %.1f s" % (a.members, a.clubs,
                                                      time.time() - t))
    s.start()
    try:
        # The filled tasks make the mail worker send a digest to each
        # secretary at once: the console while that goes on, then idle.
        busy_t, _ = timed(s, "/api/v1/stats", 5)
        idle = lib.wait_for(lambda: not pending(s), timeout=300)
        base, _ = timed(s, "/healthz", 50)
        st_t, st_b = timed(s, "/api/v1/stats", 20)
        mp_t, mp_b = timed(s, "/api/v1/map.svg", 10)
        ln_t, ln_b = timed(s, "/api/v1/map.svg?lines=1", 5)
    finally:
        s.stop()
    print("GET /api/v1/stats while the worker sends %d clubs' digests: "
          "%.1f ms" % (a.clubs, busy_t * 1000))
    if not idle:
        print("bench_stats: the outbox did not empty; the figures below "
              "are with the worker busy")
    print("baseline GET /healthz: %.2f ms" % (base * 1000))
    print("GET /api/v1/stats, %d members, %d clubs: %.1f ms, %d bytes "
          "(%.0fx /healthz; goal < 100 ms: %s)" % (
              a.members, a.clubs, st_t * 1000, st_b, st_t / base,
              "met" if st_t < 0.1 else "MISSED"))
    print("GET /api/v1/map.svg: %.1f ms, %.2f MB (%.0fx /healthz; goal < "
          "100 ms and < 2 MB: %s)" % (
              mp_t * 1000, mp_b / 1e6, mp_t / base,
              "met" if mp_t < 0.1 and mp_b < 2e6 else "MISSED"))
    print("GET /api/v1/map.svg?lines=1: %.1f ms, %.2f MB" % (
        ln_t * 1000, ln_b / 1e6))


if __name__ == "__main__":
    main()
