"""bench_import.py - `clubmatch import members` of 100,000 rows, matched
and welcomed (every member: validation, a match, a welcome and a
first-contact task queued), against `sqlite3 .import` of the same file
into a bare table, measured in the same run (docs/operations.md,
"Importing").

    CLUBMATCH_BIN=build/clubmatch /usr/bin/python3 bench/bench_import.py
    BENCH_CLUBS=500 BENCH_MEMBERS=20000 ...     (smaller runs)

Not a pass/fail test: it prints figures and the ratio to the baseline.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import bench_match as bm                 # noqa: E402
import lib                               # noqa: E402

GOAL = 0.3      # of sqlite3 .import's rows/s (issue 14)


def sqlite_import(tmp, members):
    """Seconds `sqlite3 .import` takes for the file into a new table."""
    if shutil.which("sqlite3") is None:
        return None
    db = os.path.join(tmp, "plain.db")
    t0 = time.perf_counter()
    subprocess.run(["sqlite3", db, ".import --csv %s m" % members],
                   check=True)
    return time.perf_counter() - t0


def schema_floor(db, tmp):
    """Seconds to insert, in one transaction through prepared statements,
    the very rows the import stored (members, their welcomes and tasks)
    into a copy of its database emptied of them: what the schema's
    indexes, triggers and foreign keys cost without any of the import's
    own work.  Returns (seconds, members)."""
    copy = os.path.join(tmp, "floor.db")
    shutil.copy(db, copy)
    c = sqlite3.connect(copy, isolation_level=None)
    try:
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA cache_size = -65536")
        tables = [("members", ""), ("outbox", " WHERE kind = 'welcome'"),
                  ("contacts", "")]
        rows = {}
        for t, where in tables:
            cols = [r[1] for r in c.execute("PRAGMA table_info(%s)" % t)]
            rows[t] = (cols, c.execute("SELECT * FROM %s%s" % (t, where))
                       .fetchall())
        for t in ("contacts", "outbox", "members"):
            c.execute("DELETE FROM %s" % t)
        c.execute("UPDATE clubs SET remote_members = 0")
        t0 = time.perf_counter()
        c.execute("BEGIN")
        for t, _ in tables:
            cols, data = rows[t]
            c.executemany("INSERT INTO %s (%s) VALUES (%s)" %
                          (t, ",".join(cols), ",".join("?" * len(cols))),
                          data)
        c.execute("COMMIT")
        return time.perf_counter() - t0, len(rows["members"][1])
    finally:
        c.close()


def beside_server(clubs, members):
    """The import while `clubmatch serve` shares the database and a client
    stores a member every 50 ms: how long its writes wait for the lock
    the import's batches hold (docs/operations.md, "Importing").
    Returns (import seconds, [write seconds], failed writes)."""
    s = lib.Server().start()
    try:
        rc, _, err = s.cli(["import", "clubs", clubs])
        if rc != 0:
            raise SystemExit("bench_import: clubs: " + err[-300:])
        p = subprocess.Popen([lib.BIN, "import", "members", members,
                              "--db", s.db], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        t0, waits, failed, i = time.time(), [], 0, 0
        while p.poll() is None:
            i += 1
            a = time.time()
            st, _ = s.call("POST", "/api/v1/members", body={
                "name": "Writer %d" % i, "email": "w%d@writer.test" % i,
                "zip": "60602"})
            waits.append(time.time() - a)
            failed += st != 201
            time.sleep(0.05)
        return time.time() - t0, waits, failed
    finally:
        s.stop()


def measure(tmp, env, clubs, members):
    env["CLUBMATCH_DB"] = os.path.join(tmp, "bench.db")
    bm.run(["import", "clubs", clubs], env)
    base = sqlite_import(tmp, members)
    secs, _, err, rss = bm.run(["import", "members", members], env)
    n = bm.N_MEMBERS
    print("import members (matched, welcomed): %d rows in %.2f s = %s "
          "rows/s, peak RSS %.0f MB" % (n, secs, bm.rate(n, secs),
                                        rss / 1024))
    print("  %s" % err.strip().splitlines()[-1])
    if base is None:
        print("sqlite3 .import: skipped (no sqlite3; make bench installs "
              "it)")
        return
    ratio = base / secs
    print("sqlite3 .import of the same file: %.2f s = %s rows/s" %
          (base, bm.rate(n, base)))
    print("import members vs sqlite3 .import: %.3fx (goal >= %.1fx)"
          % (ratio, GOAL))
    floor, m = schema_floor(env["CLUBMATCH_DB"], tmp)
    print("the schema's floor: the same %d members, welcomes and tasks "
          "inserted by SQL alone in one transaction: %.2f s = %s members/s "
          "(%.3fx of sqlite3 .import; the import is %.2fx of this floor)"
          % (m, floor, bm.rate(m, floor), base / floor, floor / secs))
    env["CLUBMATCH_DB"] = os.path.join(tmp, "bench2.db")
    bm.run(["import", "clubs", clubs], env)
    secs, _, _, _ = bm.run(["import", "members", members, "--no-match"],
                           env)
    print("import members --no-match: %d rows in %.2f s = %s rows/s "
          "(%.3fx of sqlite3 .import)" % (n, secs, bm.rate(n, secs),
                                          base / secs))
    took, waits, failed = beside_server(clubs, members)
    waits.sort()
    print("import members beside serve: %.1f s; a client's %d writes "
          "meanwhile: p50 %.0f ms, slowest %.0f ms, %d failed"
          % (took, len(waits), 1000 * waits[len(waits) // 2] if waits else 0,
             1000 * waits[-1] if waits else 0, failed))


def main():
    bm.on_generated_data("bench_import", "clubmatch-bench-import-", measure)


if __name__ == "__main__":
    main()
