"""t0130_backup.py - `clubmatch backup FILE` (docs/operations.md,
"Backups"): a consistent copy while `serve` is writing (members posted
through the API), which sqlite3 opens and finds intact, holding every
member committed before the backup started; a failed backup leaves no
half file; bad usage exits 2.
"""
import os
import tempfile
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403


def copy_state(path):
    """(integrity_check, set of member e-mails) of a backup file."""
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
    try:
        ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        emails = {r[0] for r in c.execute("SELECT email FROM members")}
        return ok, emails
    finally:
        c.close()


class Writer(threading.Thread):
    """Posts members through the API until stopped; `done` holds the
    e-mails whose 201 came back, with the time it came."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.s = s
        self.stop = False
        self.done = []
        self.statuses = set()

    def run(self):
        i = 0
        while not self.stop:
            email = "w%d@example.org" % i
            st, _ = self.s.call("POST", "/api/v1/members", body={
                "name": "Writer %d" % i, "email": email, "zip": "60601"})
            self.statuses.add(st)
            if st == 201:
                self.done.append((time.monotonic(), email))
            i += 1


def backups_while_writing():
    with Server() as s:
        st, _ = s.call("POST", "/api/v1/clubs", body={
            "name": "Loop", "zip": "60601",
            "secretary_email": "loop@example.org"})
        check(st == 201, "a club to match the members to")
        w = Writer(s)
        w.start()
        wait_for(lambda: len(w.done) >= 50, timeout=60)
        results = []
        for k in range(4):
            path = os.path.join(s.dir, "backup-%d.db" % k)
            started = time.monotonic()
            committed = {e for t, e in list(w.done) if t < started}
            rc, out, err = s.cli(["backup", path])
            results.append((path, rc, err, committed))
            wait_for(lambda: len(w.done) >= 50 * (k + 2), timeout=60)
        w.stop = True
        w.join(60)
        check(w.statuses == {201}, "the API kept answering 201 during the "
              "backups", w.statuses)
        for k, (path, rc, err, committed) in enumerate(results):
            check(rc == 0 and os.path.exists(path),
                  "backup %d while serve writes: exit 0, FILE written" % k,
                  err)
            if not os.path.exists(path):
                continue
            ok, emails = copy_state(path)
            eq(ok, "ok", "backup %d passes PRAGMA integrity_check" % k)
            missing = committed - emails
            check(not missing and len(committed) >= 50,
                  "backup %d holds all %d members committed before it "
                  "started" % (k, len(committed)), sorted(missing)[:5])
            check(not os.path.exists(path + "-wal") and
                  not os.path.exists(path + "-journal"),
                  "backup %d is one self-contained file" % k)
        leftovers = [n for n in os.listdir(s.dir) if ".tmp-" in n]
        eq(leftovers, [], "no temporary files are left beside the backups")

        # The copy is a working database: serve starts on it.
        if results and os.path.exists(results[-1][0]):
            other = Server()
            other.db = results[-1][0]
            with other:
                st, page = other.call("GET", "/api/v1/members?limit=1000")
                check(st == 200 and len(page.get("items", [])) >=
                      len(results[-1][3]),
                      "serve runs on the backup and lists its members")

        # Failures: no half file, and an old backup stays as it was.
        target = os.path.join(s.dir, "adir")
        os.mkdir(target)
        with open(os.path.join(target, "keep"), "w") as f:
            f.write("x")
        rc, out, err = s.cli(["backup", target])
        check(rc == 1 and err.strip() and len(err.strip().splitlines()) == 1,
              "a backup that cannot be renamed into place: exit 1, one line",
              err)
        eq((sorted(os.listdir(target)),
            [n for n in os.listdir(s.dir) if ".tmp-" in n]),
           (["keep"], []), "the failed backup leaves nothing behind")
        rc, out, err = s.cli(["backup", os.path.join(s.dir, "no", "x.db")])
        check(rc == 1, "a backup into a missing directory: exit 1", err)
        rc, out, err = s.cli(["backup", s.db])
        check(rc == 2 and "database itself" in err,
              "backup onto the database itself is bad usage (exit 2)", err)


def usage():
    rc, out, err = run_cli(["backup", "--help"])
    check(rc == 0 and out.startswith("usage: clubmatch backup FILE") and
          "--db" in out, "backup --help: usage on stdout", out + err)
    rc, out, err = run_cli(["--help"])
    check("backup" in out, "clubmatch --help lists backup", out)
    for args, why in ((["backup"], "no FILE"),
                      (["backup", "a.db", "b.db"], "two files")):
        rc, out, err = run_cli(args)
        check(rc == 2 and len(err.strip().splitlines()) == 1,
              "backup with %s: exit 2, one line" % why, err)
    scratch = tempfile.mkdtemp(prefix="clubmatch-nodb-")
    missing = os.path.join(scratch, "missing")
    rc, out, err = run_cli(["backup", os.path.join(scratch, "x-backup.db"),
                            "--db", os.path.join(missing, "clubmatch.db")])
    check(rc == 1 and "no database" in err and
          not os.path.exists(missing) and
          not os.path.exists(os.path.join(scratch, "x-backup.db")),
          "backup of a database that does not exist: exit 1, creates "
          "nothing", err)


def main():
    usage()
    backups_while_writing()
    done()


if __name__ == "__main__":
    main()
