"""t0120_import_csv.py - what a broken or re-run CSV file does to `clubmatch
import` (docs/operations.md, "Importing"): a row wider than the header, a
NUL byte, a quote that never closes (bounded memory, the line it opened
on, the rows after it still taken), classic Mac line endings, a bad
header row (line 1), and a file run again after a crash ("already
imported", counted apart, exit 0).  Rows commit in batches (docs/
operations.md, "Importing"): a bad row in a batch is refused alone, and
an import killed mid-batch then run again leaves every member once with
one welcome.
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403


def write(path, data):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path


def names(db, table="members"):
    c = sqlite3.connect(db, timeout=30)
    try:
        return sorted(r[0] for r in c.execute("SELECT name FROM " + table))
    finally:
        c.close()


def reports(err, path):
    out = {}
    for ln in err.splitlines():
        m = re.match(re.escape(path) + r":(\d+): (.*)$", ln)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def summary(err):
    """(rows, imported, already, rejected) of the summary line, or None."""
    m = re.search(r"(\d+) rows, (\d+) imported, (\d+) already imported, "
                  r"(\d+) rejected", err)
    return tuple(int(x) for x in m.groups()) if m else None


class Db:
    def __init__(self, d):
        self.dir = d
        self.db = os.path.join(d, "c.db")

    def imp(self, kind, path, extra=()):
        return run_cli(["import", kind, path, "--db", self.db] + list(extra),
                       timeout=300)


def wide_rows(t):
    p = write(os.path.join(t.dir, "wide.csv"),
              "name,email,zip\n"
              "Ann,ann@example.org,60601\n"                 # 2 ok
              "Al,al@example.org,60601,Springfield\n"       # 3 too wide
              "Bo,bo@example.org,60601,,\n")                # 4 empty extras
    rc, out, err = t.imp("members", p, ["--no-match"])
    got = reports(err, p)
    eq(sorted(got), [3], "a row with more fields than the header is "
       "rejected with its line")
    check("4 fields" in got.get(3, "") and "header 3" in got.get(3, ""),
          "the reason counts the fields of the row and of the header",
          got.get(3))
    eq(names(t.db), ["Ann", "Bo"], "the wide row is not stored cut short; "
       "empty fields past the header (trailing commas) are fine")
    eq(rc, 1, "a rejected wide row makes the exit status 1")


def nul_bytes(t):
    p = write(os.path.join(t.dir, "nul.csv"),
              b"name,email,zip\n"
              b"Ca\x00rl,carl@example.org,60601\n"           # 2 NUL
              b"\"Di\x00\nna\",dina@example.org,60601\n"     # 3-4 NUL quoted
              b"Ed,ed@example.org,60601\n")                 # 5 ok
    rc, out, err = t.imp("members", p, ["--no-match"])
    got = reports(err, p)
    eq(sorted(got), [2, 3], "a NUL byte in a field is rejected with the "
       "line of its record (quoted or not)")
    check(got and all("NUL" in v for v in got.values()), "the reason says NUL",
          got)
    eq([n for n in names(t.db) if n in ("Ca", "Carl", "Di", "Dina", "Ed")],
       ["Ed"], "no field is stored cut at the NUL; the next row is kept")


def child_maxrss_kb(args):
    """Peak resident set of one run of the binary, in KiB."""
    code = ("import resource, subprocess, sys\n"
            "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
            " stderr=subprocess.DEVNULL)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    p = subprocess.run(["/usr/bin/python3", "-c", code, BIN] + args,
                       capture_output=True, text=True, timeout=600)
    return int(p.stdout.strip() or 0)


def unclosed_quote(t):
    rows = ["name,email,zip",
            "Len,len@example.org,60601",                    # 2
            '"Open,open@example.org,60601']                 # 3: never closed
    for i in range(3000):                                   # 4 .. 3003
        rows.append("After%d,after%d@example.org,60601" % (i, i))
    p = write(os.path.join(t.dir, "unclosed.csv"), "\n".join(rows) + "\n")
    rc, out, err = t.imp("members", p, ["--no-match"])
    got = reports(err, p)
    eq(sorted(got), [3], "an unclosed quote is reported once, at its "
       "record's line")
    check("opened on line 3" in got.get(3, ""), "the reason names the line "
          "the quote opened on", got.get(3))
    n = names(t.db)
    check("Len" in n and "After0" in n and "After2999" in n,
          "the rows before and after the stray quote are imported (the "
          "rest of the file is not swallowed into one field)",
          "%d names, e.g. %r" % (len(n), n[:3]))
    eq(summary(err), (3002, 3001, 0, 1), "summary: 3002 rows, 3001 "
       "imported, 1 rejected")

    # Memory stays bounded: 40 MB behind an unclosed quote on one line.
    big = os.path.join(t.dir, "big.csv")
    with open(big, "wb") as f:
        f.write(b"name,email,zip\n\"Huge,")
        chunk = b"x" * (1 << 20)
        for _ in range(40):
            f.write(chunk)
    small = write(os.path.join(t.dir, "small.csv"),
                  "name,email,zip\n\"Huge,x\n")
    db2 = os.path.join(t.dir, "mem.db")
    base = child_maxrss_kb(["import", "members", small, "--db", db2])
    peak = child_maxrss_kb(["import", "members", big, "--db", db2])
    check(0 < peak and peak - base < 16 * 1024,
          "40 MB behind an unclosed quote do not go into memory",
          "peak %d KiB, small file %d KiB" % (peak, base))
    rc, out, err = run_cli(["import", "members", big, "--db", db2],
                           timeout=300)
    got = reports(err, big)
    check(rc == 1 and "opened on line 2" in got.get(2, "") and
          "65536" in got.get(2, ""),
          "a quoted field over 64 KiB is refused, naming the line its quote "
          "opened on and the limit", err[-400:])


def mac_line_endings(t):
    p = write(os.path.join(t.dir, "mac.csv"),
              "name,email,zip\rAnn,ann@example.org,60601\r")
    rc, out, err = t.imp("members", p)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 1 and len(lines) == 1 and
          lines[0].startswith("clubmatch: %s:1: " % p) and "CR" in lines[0]
          and "LF" in lines[0],
          "a file with CR-only line endings: one line at line 1 saying CR "
          "and how to fix it", err)


def bad_headers(t):
    for text, want, why in (
            ("name,zip\nX,60601\n", "'email'", "a missing column"),
            ("name,email,zip,EMAIL\nX,x@example.org,60601,y@example.org\n",
             "twice", "a column named twice"),
            ("name,\"email\"zip\n", "closing quote", "an unreadable header")):
        p = write(os.path.join(t.dir, "hdr.csv"), text)
        rc, out, err = t.imp("members", p)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        check(rc == 1 and len(lines) == 1 and
              lines[0].startswith("clubmatch: %s:1: " % p) and
              want in lines[0],
              "a bad header row (%s) is reported at line 1" % why, err)


CLUBS = ("name,zip,secretary_email,secretary_name,accepts_remote,"
         "remote_capacity\n"
         "Loop Readers,60601,loop@example.org,Sam,true,5\n"
         "\"Smith, Jones\",62701,sj@example.org,,no,\n"
         "Peoria Players,61602,pp@example.org,,,\n")
MEMBERS = ("name,email,zip,phone,preferred_channel,state\n"
           "Ann,ann@example.org,60602,,,\n"
           "Bea,bea@example.org,60601,+1 312 555 0100,sms,\n"
           "Cy,cy@example.org,,,,IL\n"
           "Dee,dee@example.org,62701,,,\n")


def rerun(t):
    d = os.path.join(t.dir, "rerun")
    os.mkdir(d)
    r = Db(d)
    clubs = write(os.path.join(d, "clubs.csv"), CLUBS)
    rc, _, err = r.imp("clubs", clubs)
    check(rc == 0 and summary(err) == (3, 3, 0, 0), "first run of the clubs",
          err)
    rc, _, err = r.imp("clubs", clubs)
    eq((rc, summary(err)), (0, (3, 0, 3, 0)), "the clubs file run again: "
       "every row 'already imported', counted apart, exit 0")
    eq(names(r.db, "clubs"), ["Loop Readers", "Peoria Players",
                              "Smith, Jones"], "no club is stored twice")

    # The crash came half-way: the first two members are in.
    half = write(os.path.join(d, "half.csv"),
                 "\n".join(MEMBERS.splitlines()[:3]) + "\n")
    rc, _, err = r.imp("members", half)
    check(rc == 0, "the first half of the members", err)
    full = write(os.path.join(d, "members.csv"), MEMBERS)
    rc, _, err = r.imp("members", full)
    eq((rc, summary(err)), (0, (4, 2, 2, 0)), "the whole members file after "
       "a crash: 2 imported, 2 already imported, exit 0")
    check(not reports(err, full), "rows already imported are not reported "
          "as errors", err)
    eq(names(r.db), ["Ann", "Bea", "Cy", "Dee"], "each member once")

    # Same key, other data: a conflict, not "already imported".
    changed = write(os.path.join(d, "changed.csv"),
                    "name,email,zip,phone,preferred_channel,state\n"
                    "Ann,ann@example.org,60602,,,\n"            # 2 same
                    "Bea B.,BEA@example.org,60601,,sms,\n"      # 3 other
                    "Eve,eve@example.org,60601,,,\n")           # 4 new
    rc, _, err = r.imp("members", changed)
    got = reports(err, changed)
    eq((rc, summary(err), sorted(got)), (1, (3, 1, 1, 1), [3]),
       "a member with a taken e-mail and other data is a rejected "
       "conflict; the same data is already imported")
    check("email" in got.get(3, "") and "other data" in got.get(3, ""),
          "the conflict names the e-mail field and says the data differ",
          got.get(3))
    clubs2 = write(os.path.join(d, "clubs2.csv"),
                   "name,zip,secretary_email\n"
                   "Loop Readers,60601,someone@example.org\n")
    rc, _, err = r.imp("clubs", clubs2)
    got = reports(err, clubs2)
    check(rc == 1 and sorted(got) == [2] and "PATCH" in got.get(2, ""),
          "a club with the name and zip of another but other data is "
          "rejected, saying how to change the stored one", err)
    eq(len(names(r.db, "clubs")), 3, "and is not stored a second time")


ZIPS = ["60601", "60602", "62701", "61602", "60614"]


def many_members(n, bad_every=0, taken_every=0):
    """A members file of n rows; every bad_every-th row has no ZIP or
    state, every taken_every-th reuses row 1's address with other data.
    Returns (text, the rows that must be refused)."""
    rows, bad = ["name,email,zip"], set()
    for i in range(1, n + 1):
        line = i + 1
        if bad_every and i % bad_every == 0:
            rows.append("Bad %d,bad%d@example.org," % (i, i))
            bad.add(line)
        elif taken_every and i % taken_every == 0:
            rows.append("Other %d,m1@example.org,%s" % (i, ZIPS[i % 5]))
            bad.add(line)
        else:
            rows.append("M %d,m%d@example.org,%s" % (i, i, ZIPS[i % 5]))
    return "\n".join(rows) + "\n", bad


def welcomes_per_member(db):
    """{member id: welcome rows queued for it} over every member."""
    c = sqlite3.connect(db, timeout=30)
    try:
        return dict(c.execute(
            "SELECT m.id, (SELECT count(*) FROM outbox o WHERE"
            " o.member_id = m.id AND o.kind = 'welcome') FROM members m"))
    finally:
        c.close()


def batched_rows(t):
    d = os.path.join(t.dir, "batches")
    os.mkdir(d)
    r = Db(d)
    rc, _, err = r.imp("clubs", write(os.path.join(d, "c.csv"), CLUBS))
    check(rc == 0, "clubs for the batches", err)
    # 2,600 rows: several batches, refused rows inside each of them,
    # some refused only at the insert (an address taken by other data).
    text, bad = many_members(2600, bad_every=97, taken_every=131)
    path = write(os.path.join(d, "m.csv"), text)
    rc, _, err = r.imp("members", path)
    got = reports(err, path)
    eq((rc, summary(err)), (1, (2600, 2600 - len(bad), 0, len(bad))),
       "2,600 rows in batches: each bad row refused, every other taken")
    eq(sorted(got), sorted(bad), "each refused row reported with its line")
    w = welcomes_per_member(r.db)
    eq((len(w), set(w.values())), (2600 - len(bad), {1}),
       "every member taken is stored once with one welcome, and a refused "
       "row left no member and no mail behind")

    # Killed in the middle of a large file, then run again.
    d2 = os.path.join(t.dir, "killed")
    os.mkdir(d2)
    r2 = Db(d2)
    rc, _, err = r2.imp("clubs", write(os.path.join(d2, "c.csv"), CLUBS))
    text, _ = many_members(30000)
    path = write(os.path.join(d2, "m.csv"), text)
    p = subprocess.Popen([BIN, "import", "members", path, "--db", r2.db],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: len(welcomes_per_member(r2.db)) >= 1500, timeout=120)
    p.kill()
    p.wait()
    before = len(welcomes_per_member(r2.db))
    check(0 < before < 30000, "the import was killed half-way (%d members "
          "in)" % before)
    rc, _, err = r2.imp("members", path)
    s = summary(err)
    check(rc == 0 and s is not None and s[0] == 30000 and s[1] + s[2] ==
          30000 and s[2] == before, "run again: the rows kept before the "
          "kill are 'already imported', the rest imported", err)
    w = welcomes_per_member(r2.db)
    eq((len(w), set(w.values())), (30000, {1}),
       "after the kill and the second run every member is there once, "
       "with one welcome")


def main():
    with tempfile.TemporaryDirectory() as d:
        t = Db(d)
        wide_rows(t)
        nul_bytes(t)
        unclosed_quote(t)
        mac_line_endings(t)
        bad_headers(t)
        rerun(t)
        batched_rows(t)
    done()


if __name__ == "__main__":
    main()
