"""bench_activity.py - what meetings cost `clubmatch match`: the activity
term (docs/matching.md, "Activity": occurrences in [now-90d, now+30d),
recurrences expanded) must be computed once per run, not per member or
per candidate.

Same data as bench_match.py (2,000 clubs, 100,000 members at random ZIPs
of data/zips.tsv, seeded), imported once with --no-match and copied (the
SQLite backup API) into one database per case:
  * none:    no meetings at all;
  * weekly:  a weekly meeting for every club, started 20 weeks ago and
             still running (created over HTTP with `serve`), so `match`
             also queues one invitation per remote member;
  * ended:   a weekly series of 12 for every club that ended 2 weeks ago:
             the same activity work, but nothing upcoming to invite to,
             so this isolates the cost of the activity term.
Each case's `match` is timed BENCH_REPEAT times (default 3) on a fresh
copy; the median counts.

    CLUBMATCH_BIN=build/clubmatch /usr/bin/python3 bench/bench_activity.py
    BENCH_CLUBS=500 BENCH_MEMBERS=20000 BENCH_REPEAT=1 ...  (smaller runs)

Not a pass/fail test: it prints figures and ratios.
"""
import datetime as dt
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("CLUBMATCH_BIN") or os.path.join(TOP, "build",
                                                       "clubmatch")
N_CLUBS = int(os.environ.get("BENCH_CLUBS", "2000"))
N_MEMBERS = int(os.environ.get("BENCH_MEMBERS", "100000"))
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "3")))
ADMIN = "bench-admin-token-0123456789abcdef"

# The generated CSV files, the timed child run and the check of its
# counts are bench_match's.
from bench_match import on_generated_data, run, check_total  # noqa: E402


def copy_db(src, dst):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dst + suffix):
            os.unlink(dst + suffix)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    b.close()
    a.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tuesday_weeks_ago(weeks):
    d = dt.date.today() - dt.timedelta(weeks=weeks)
    return d + dt.timedelta(days=(1 - d.weekday()) % 7)


def add_meetings(db, tmp, rule, start):
    """Starts `serve` on db and creates one meeting per club over HTTP
    (one keep-alive connection); returns the seconds it took."""
    port = free_port()
    tok = os.path.join(tmp, "admin.token")
    with open(tok, "w") as f:
        f.write(ADMIN + "\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLUBMATCH_")}
    log = open(os.path.join(tmp, "serve.log"), "ab")
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:%d" % port,
                          "--db", db, "--maildir", os.path.join(tmp, "mail"),
                          "--admin-token-file", tok],
                         stdout=log, stderr=log, env=env, cwd=tmp)
    try:
        c = None
        deadline = time.time() + 30
        while c is None and time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("GET", "/healthz")
                c.getresponse().read()
            except OSError:
                c = None
                time.sleep(0.05)
        if c is None:
            raise SystemExit("bench_activity: serve did not start")
        hdr = {"Authorization": "Bearer " + ADMIN,
               "Content-Type": "application/json"}
        ids, after = [], None
        while True:
            c.request("GET", "/api/v1/clubs?limit=1000" +
                      ("&after=" + after if after else ""), headers=hdr)
            body = json.loads(c.getresponse().read())
            ids += [x["id"] for x in body["items"]]
            after = body["next"]
            if not after:
                break
        t0 = time.perf_counter()
        for cid in ids:
            c.request("POST", "/api/v1/clubs/%d/meetings" % cid,
                      body=json.dumps({"title": "Weekly meeting",
                                       "start": start + "T19:00",
                                       "duration_minutes": 60,
                                       "rrule": rule}),
                      headers=hdr)
            r = c.getresponse()
            data = r.read()
            if r.status != 201:
                raise SystemExit("bench_activity: meeting for club %d: %d %s"
                                 % (cid, r.status, data[:300]))
        secs = time.perf_counter() - t0
        c.close()
        return len(ids), secs
    finally:
        p.terminate()
        p.wait(30)
        log.close()


def rate(r):
    return "%.0fk/s" % (r / 1000) if r >= 10000 else "%.0f/s" % r


def time_match(base, db, env):
    """Median seconds of `match` over REPEAT fresh copies of base."""
    times, counts = [], None
    for _ in range(REPEAT):
        copy_db(base, db)
        e = dict(env, CLUBMATCH_DB=db)
        secs, out, _, _ = run(["match"], e)
        counts = json.loads(out)
        check_total(counts, out, "bench_activity")
        times.append(secs)
    return statistics.median(times), counts


def measure(tmp, env, clubs, members):
    """Times `match` without meetings, with weekly ones and with ended
    series, each on a copy of one imported database in tmp."""
    base = os.path.join(tmp, "base.db")
    e = dict(env, CLUBMATCH_DB=base)
    run(["import", "clubs", clubs], e)
    run(["import", "members", members, "--no-match"], e)

    weekly = os.path.join(tmp, "weekly.db")
    copy_db(base, weekly)
    n, secs = add_meetings(weekly, tmp, "FREQ=WEEKLY",
                           tuesday_weeks_ago(20).isoformat())
    print("activity: created %d weekly meetings over HTTP in %.1f s "
          "(%s)" % (n, secs, rate(n / secs)))
    ended = os.path.join(tmp, "ended.db")
    copy_db(base, ended)
    add_meetings(ended, tmp, "FREQ=WEEKLY;COUNT=12",
                 tuesday_weeks_ago(13).isoformat())

    run_db = os.path.join(tmp, "run.db")
    t0, c0 = time_match(base, run_db, env)
    t1, c1 = time_match(weekly, run_db, env)
    t2, c2 = time_match(ended, run_db, env)
    r0, r1, r2 = N_MEMBERS / t0, N_MEMBERS / t1, N_MEMBERS / t2
    print("activity: match %d members vs %d clubs: %s without meetings, "
          "%s with %d weekly meetings (%.2fx)"
          % (N_MEMBERS, N_CLUBS, rate(r0), rate(r1), n, r1 / r0))
    print("activity: match with %d ended weekly series (activity only, "
          "nothing to invite): %s (%.2fx)" % (n, rate(r2), r2 / r0))
    print("activity: remote members %d without meetings, %d with weekly "
          "(each one invitation queued), %d with ended series"
          % (c0["remote"], c1["remote"], c2["remote"]))
    print("activity: medians of %d runs: %.2f s, %.2f s, %.2f s"
          % (REPEAT, t0, t1, t2))


def main():
    on_generated_data("bench_activity", "clubmatch-bench-act-", measure)


if __name__ == "__main__":
    main()
