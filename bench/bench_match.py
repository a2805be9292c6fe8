"""bench_match.py - how fast `clubmatch match` assigns members, DB writes
included, and how much memory it takes; also the CSV import rates.

Generates 2,000 clubs and 100,000 members at random real ZIP codes (from
data/zips.tsv, seeded, so every run sees the same data), imports the
clubs, imports the members with --no-match, then times `clubmatch match`
alone and reads its peak RSS from wait4() on just that child.

    CLUBMATCH_BIN=build/clubmatch /usr/bin/python3 bench/bench_match.py
    BENCH_CLUBS=500 BENCH_MEMBERS=20000 ...     (smaller runs)

Not a pass/fail test: it prints figures and the ratio to the target.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("CLUBMATCH_BIN") or os.path.join(TOP, "build",
                                                       "clubmatch")
N_CLUBS = int(os.environ.get("BENCH_CLUBS", "2000"))
N_MEMBERS = int(os.environ.get("BENCH_MEMBERS", "100000"))
TARGET = 100000         # members per second, DB writes included


def read_zips():
    """Every ZIP of data/zips.tsv that has a state: tab-separated
    zip, lat, lon, city, state, county, timezone; '#' lines are comments."""
    zips = []
    with open(os.path.join(TOP, "data", "zips.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 5 and len(cols[0]) == 5 and cols[4]:
                zips.append(cols[0])
    return zips


def run(args, env):
    """Runs BIN args; returns (seconds, stdout, stderr, peak RSS in KiB)
    of that child alone."""
    t0 = time.perf_counter()
    p = subprocess.Popen([BIN] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    # Read the pipes in full before reaping, so the child never blocks.
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
        raise SystemExit("bench: %s %s failed with status %d"
                         % (BIN, " ".join(args), p.returncode))
    return secs, out.decode(), err.decode(), ru.ru_maxrss


def write_csvs(tmp, rnd, zips):
    """N_CLUBS clubs and N_MEMBERS members at ZIPs drawn from zips with
    rnd, as tmp/clubs.csv and tmp/members.csv; returns the two paths."""
    clubs = os.path.join(tmp, "clubs.csv")
    with open(clubs, "w") as f:
        f.write("name,zip,secretary_email,accepts_remote,remote_capacity\n")
        for i in range(N_CLUBS):
            remote = rnd.random() < 0.8
            cap = rnd.choice(["", "", "", "5", "20", "100"])
            f.write("Club %d,%s,sec%d@example.org,%s,%s\n"
                    % (i, rnd.choice(zips), i, "yes" if remote else "no",
                       cap))
    members = os.path.join(tmp, "members.csv")
    with open(members, "w") as f:
        f.write("name,email,zip\n")
        for i in range(N_MEMBERS):
            f.write("Member %d,m%d@example.org,%s\n"
                    % (i, i, rnd.choice(zips)))
    return clubs, members


def on_generated_data(name, prefix, bench):
    """Runs bench(tmp, env, clubs, members) on generated data: a new
    temporary directory (prefix) holding the seeded CSV files of
    write_csvs(), and the environment without CLUBMATCH_*; then removes
    the directory.  Exits non-zero when BIN is not built (bench/run.sh
    then fails)."""
    if not os.access(BIN, os.X_OK):
        sys.exit("%s: no binary at %s (run make)" % (name, BIN))
    rnd = random.Random(20240601)
    zips = read_zips()
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        clubs, members = write_csvs(tmp, rnd, zips)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLUBMATCH_")}
        bench(tmp, env, clubs, members)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_total(counts, out, what):
    """Stops the bench unless match assigned or left unassigned every
    member."""
    total = counts["assigned"] + counts["unassigned"]
    if total != N_MEMBERS:
        raise SystemExit("%s: match assigned %d of %d members: %s"
                         % (what, total, N_MEMBERS, out.strip()))


def rate(n, secs):
    r = n / secs if secs > 0 else float("inf")
    return "%.0fk" % (r / 1000) if r >= 10000 else "%.0f" % r


def measure(tmp, env, clubs, members):
    """Times the imports and `match` in tmp."""
    env["CLUBMATCH_DB"] = os.path.join(tmp, "bench.db")
    secs, _, _, _ = run(["import", "clubs", clubs], env)
    print("import clubs: %d rows in %.2f s = %s rows/s"
          % (N_CLUBS, secs, rate(N_CLUBS, secs)))
    secs, _, _, rss = run(["import", "members", members, "--no-match"], env)
    print("import members --no-match: %d rows in %.2f s = %s rows/s, "
          "peak RSS %.0f MB" % (N_MEMBERS, secs, rate(N_MEMBERS, secs),
                                rss / 1024))

    secs, out, _, rss = run(["match"], env)
    counts = json.loads(out)
    check_total(counts, out, "bench_match")
    r = N_MEMBERS / secs
    print("match: %d members vs %d clubs in %.2f s = %s members/s, "
          "peak RSS %.0f MB (target >= %dk/s: %.2fx)"
          % (N_MEMBERS, N_CLUBS, secs, rate(N_MEMBERS, secs), rss / 1024,
             TARGET // 1000, r / TARGET))
    print("match: local %d, remote %d, unassigned %d"
          % (counts["local"], counts["remote"], counts["unassigned"]))


def main():
    on_generated_data("bench_match", "clubmatch-bench-", measure)


if __name__ == "__main__":
    main()
