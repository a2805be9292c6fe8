"""t0110_cli.py - the command line (docs/operations.md, "Commands",
"Flags" and "Importing"): help and version, bad usage, `zip`,
`import clubs|members` with good and bad rows and their physical line
numbers, `--no-match` then `match`, flags and environment variables, the
default admin token, and a CLI import while `serve` runs on the same
database.
"""
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403

ENV_CLEAN = {k: "" for k in ()}


def clean_env():
    """The environment without any CLUBMATCH_* variable but the binary."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("CLUBMATCH_")}
    return e


def cli(args, env=None, cwd=None, input=None, timeout=300):
    e = clean_env()
    e.update(env or {})
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True,
                       env=e, cwd=cwd, input=input, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def one_line(err):
    """True when err is exactly one non-empty line (sanitizer output
    aside)."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    return len(lines) == 1


def db_count(path, sql):
    c = sqlite3.connect(path, timeout=30)
    try:
        return c.execute(sql).fetchone()[0]
    finally:
        c.close()


def write(path, text, newline="\n"):
    with open(path, "w", newline="") as f:
        f.write(text.replace("\n", newline))
    return path


def reports(err, path):
    """{line: text} of every "path:LINE: ..." report on stderr."""
    out = {}
    for ln in err.splitlines():
        m = re.match(re.escape(path) + r":(\d+): (.*)$", ln)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


CLUBS_CSV = (
    "name,zip,secretary_email,secretary_name,accepts_remote,remote_capacity\n"
    "Loop Readers,60601,loop@example.org,Sam Secretary,true,5\n"     # 2 ok
    "Bad Zip Club,00000,b@example.org,,yes,\n"                      # 3 zip
    "Bool Club,60201,c@example.org,,maybe,\n"                       # 4 bool
    "\"Multi\nLine\",60601,m@example.org,,,\n"                      # 5-6 name
    "\"Smith, Jones & Co\",62701,d@example.org,\"Doe, Jane\",no,\n"  # 7 ok
    "Cap Club,61602,e@example.org,,1,ten\n"                         # 8 cap
    "NoMail Club,61602,,,,\n"                                       # 9 mail
    "\n"                                                            # 10 blank
    "Short Zip,606,f@example.org,,,\n"                              # 11 zip
    "\"Quote \"\"Q\"\" Club\",05401,g@example.org,,0,\n"             # 12 ok
    "Yes Club,46204,h@example.org,,YES,0\n"                         # 13 ok
)
CLUBS_BAD = {3: "zip", 4: "accepts_remote", 5: "name", 8: "remote_capacity",
             9: "secretary_email", 11: "zip"}
CLUBS_GOOD = ["Loop Readers", "Smith, Jones & Co", 'Quote "Q" Club',
              "Yes Club"]

MEMBERS_CSV = (
    "name,email,zip,phone,preferred_channel,state\n"
    "Ann,ann@example.org,60602,,,\n"                                # 2 ok
    "Bob,bob@example.org,00000,,,\n"                                # 3 zip
    "Cy,,60601,,,\n"                                                # 4 email
    "Ann Two,ANN@example.org,60601,,,\n"                            # 5 dup
    "\"Eve, the Elder\",eve@example.org,60601,\"+1 (312) 555-0100\",sms,\n"
    "Fay,fay@example.org,,,,ZZ\n"                                   # 7 state
    "\"Gil\",\"gil@example.org\",,,,il\n"                           # 8 ok
    "\"Hal\nHalvorsen\",hal@example.org,60601,,,\n"                 # 9-10 name
    "Ida,ida@example.org,62901,,,\n"                                # 11 ok
    "Ida Again,ida@example.org,62901,,,\n"                          # 12 dup
    "Jo,jo@example.org,60601,,fax,\n"                               # 13 chan
    "Kai,kai@example.org,6060,,,\n"                                 # 14 zip
)
MEMBERS_BAD = {3: "zip", 4: "email", 5: "email", 7: "state", 9: "name",
               12: "email", 13: "preferred_channel", 14: "zip"}
MEMBERS_GOOD = ["Ann", "Eve, the Elder", "Gil", "Ida"]


def help_and_usage():
    rc, out, err = cli(["--help"])
    check(rc == 0 and "usage" in out.lower() and
          all(c in out for c in ("serve", "import", "match", "zip")),
          "clubmatch --help: exit 0, usage on stdout naming every command",
          "%d\n%s\n%s" % (rc, out, err))
    rc, out, err = cli(["--version"])
    check(rc == 0 and re.match(r"^clubmatch \d+\.\d+(\.\d+)?", out)
          is not None and out.count("\n") == 1,
          "clubmatch --version prints one line 'clubmatch X.Y.Z'", out)
    for cmd, words in (
            ("serve", ["--listen", "--db", "--base-url", "--smtp",
                       "--smtp-user", "--smtp-password-file", "--mail-from",
                       "--maildir", "--admin-token-file",
                       "--video-url-template"]),
            ("import", ["clubs", "members", "--db", "--no-match"]),
            ("match", ["--db"]),
            ("zip", ["ZIP"])):
        rc, out, err = cli([cmd, "--help"])
        missing = [w for w in words if w not in out]
        check(rc == 0 and out.startswith("usage: clubmatch " + cmd) and
              not missing and err == "",
              "clubmatch %s --help: exit 0, usage on stdout with %s"
              % (cmd, " ".join(words)),
              "rc %d missing %r\n%s%s" % (rc, missing, out, err))
    rc, out, err = cli(["import", "clubs", "x.csv", "--help"])
    check(rc == 0 and out.startswith("usage:"),
          "--help after arguments still shows help", out + err)

    with tempfile.TemporaryDirectory() as d:
        for args, why in (
                (["frobnicate"], "unknown command"),
                ([], "no command"),
                (["import"], "import without arguments"),
                (["import", "widgets", "x.csv"], "import of an unknown kind"),
                (["import", "clubs"], "import without a file"),
                (["import", "clubs", "a.csv", "b.csv"], "import with two "
                 "files"),
                (["match", "extra"], "match with an argument"),
                (["match", "--bogus"], "an unknown flag"),
                (["match", "--db"], "a flag without its value"),
                (["serve", "--listen", "nonsense"], "--listen without a "
                 "port"),
                (["serve", "--listen", "127.0.0.1:99999"], "--listen with "
                 "a bad port"),
                (["zip"], "zip without a ZIP"),
                (["zip", "1234"], "zip with a malformed ZIP"),
                (["zip", "60601", "60602"], "zip with two ZIPs")):
            rc, out, err = cli(args, cwd=d)
            check(rc == 2 and one_line(err) and
                  err.startswith("clubmatch") and out == "",
                  "bad usage (%s): exit 2, one line on stderr" % why,
                  "rc %d\nstdout %r\nstderr %r" % (rc, out, err))
        check(not os.path.exists(os.path.join(d, "var")),
              "bad usage creates no var/ directory or database",
              os.listdir(d))


def zip_command():
    rc, out, err = cli(["zip", "60601"])
    try:
        z = json.loads(out)
    except ValueError:
        z = None
    check(rc == 0 and isinstance(z, dict), "zip 60601: exit 0, JSON on "
          "stdout", "%d %r %r" % (rc, out, err))
    if isinstance(z, dict):
        eq(sorted(z), ["city", "county", "lat", "lon", "state", "timezone",
                       "zip"], "zip JSON has the fields of §4")
        eq((z.get("zip"), z.get("city"), z.get("state"), z.get("county"),
            z.get("timezone")),
           ("60601", "Chicago", "IL", "Cook", "America/Chicago"),
           "zip 60601 is Chicago, IL")
        check(abs(z["lat"] - 41.8858) < 0.01 and
              abs(z["lon"] + 87.6181) < 0.01, "zip 60601 centroid", z)
    rc, out, err = cli(["zip", "00501"])
    check(rc == 0 and '"zip":"00501"' in out.replace(" ", ""),
          "zip 00501 keeps its leading zeros", out)
    with tempfile.TemporaryDirectory() as d:
        rc, out, err = cli(["zip", "60601"], cwd=d)
        check(rc == 0 and not os.listdir(d),
              "zip works from any directory and writes nothing", os.listdir(d))
    rc, out, err = cli(["zip", "00000"])
    check(rc == 1 and one_line(err) and "00000" in err and out == "",
          "unknown ZIP: exit 1, one line naming it", "%d %r %r"
          % (rc, out, err))


def import_bad_rows(s, kind, path, bad, what, note=""):
    """`import kind path` of a file with the bad rows {line: field}: exit
    1, and each bad row reported with its line and field.  Returns (stderr,
    {line: reason})."""
    rc, out, err = s.cli(["import", kind, path])
    eq(rc, 1, "import %s with bad rows: exit 1" % kind)
    got = reports(err, path)
    eq(sorted(got), sorted(bad), "each bad %s row is reported with its "
       "physical line number%s" % (what, note))
    for line, field in bad.items():
        check(field in got.get(line, ""), "%s line %d: the reason names "
              "%s" % (what, line, field), got.get(line))
    return err, got


def imports(s):
    d = s.dir
    clubs = write(os.path.join(d, "clubs.csv"), CLUBS_CSV)
    err, got = import_bad_rows(s, "clubs", clubs, CLUBS_BAD, "club")
    check("\r" not in err, "no progress bar when stderr is not a terminal")
    st, items = s.call("GET", "/api/v1/clubs?limit=1000")
    names = [c["name"] for c in items.get("items", [])]
    eq(names, CLUBS_GOOD, "the good club rows are kept, the bad ones not")
    byname = {c["name"]: c for c in items.get("items", [])}
    loop = byname.get("Loop Readers", {})
    eq((loop.get("remote_capacity"), loop.get("accepts_remote"),
        loop.get("secretary_name"), loop.get("state")),
       (5, True, "Sam Secretary", "IL"), "club row fields are read")
    sj = byname.get("Smith, Jones & Co", {})
    eq((sj.get("accepts_remote"), sj.get("secretary_name")),
       (False, "Doe, Jane"), "quoted fields with commas; 'no' is false")
    eq((byname.get("Yes Club", {}).get("accepts_remote"),
        byname.get("Yes Club", {}).get("remote_capacity")),
       (True, 0), "'YES' is true; remote_capacity 0 is kept as 0")
    eq(byname.get('Quote "Q" Club', {}).get("accepts_remote"), False,
       "'0' is false")

    good = write(os.path.join(d, "clubs2.csv"),
                 "zip,secretary_email,name\n"        # other column order
                 "61602,peoria@example.org,Peoria Players\n", "\r\n")
    rc, out, err = s.cli(["import", "clubs", good])
    check(rc == 0, "import clubs, every row good (CRLF, other column "
          "order): exit 0", err)
    check("1 " in err and "imported" in err, "import prints a summary", err)

    members = write(os.path.join(d, "members.csv"), MEMBERS_CSV, "\r\n")
    err, got = import_bad_rows(s, "members", members, MEMBERS_BAD, "member",
                               " (CRLF file)")
    check("already" in got.get(5, "") or "exists" in got.get(5, ""),
          "the duplicate e-mail reason says it exists", got.get(5))
    st, items = s.call("GET", "/api/v1/members?limit=1000")
    ms = items.get("items", [])
    eq([m["name"] for m in ms], MEMBERS_GOOD,
       "the good member rows are kept, the bad ones not")
    by = {m["name"]: m for m in ms}
    eq((by.get("Ann", {}).get("assignment", {}).get("mode"),
        by.get("Ann", {}).get("assignment", {}).get("club_name")),
       ("local", "Loop Readers"), "imported members are matched (Ann local)")
    eve = by.get("Eve, the Elder", {})
    eq((eve.get("phone"), eve.get("preferred_channel")),
       ("+13125550100", "sms"), "quoted phone with spaces and parens is stored as E.164")
    gil = by.get("Gil", {})
    eq((gil.get("state"), gil.get("zip"), gil["assignment"]["mode"] if gil
        else None, gil["assignment"]["distance_miles"] if gil else 0),
       ("IL", None, "remote", None), "state-only row: remote in IL, "
       "distance null")

    # Not a CSV at all, or no header: one line, exit 1.
    rc, out, err = s.cli(["import", "members", os.path.join(d, "nope.csv")])
    check(rc == 1 and one_line(err) and "nope.csv" in err,
          "import of a missing file: exit 1, one line naming it", err)
    empty = write(os.path.join(d, "empty.csv"), "")
    rc, out, err = s.cli(["import", "members", empty])
    check(rc == 1 and one_line(err), "import of an empty file: exit 1, one "
          "line", err)
    nohdr = write(os.path.join(d, "nohdr.csv"), "name,zip\nX,60601\n")
    rc, out, err = s.cli(["import", "members", nohdr])
    check(rc == 1 and one_line(err) and "email" in err,
          "members CSV without an email column: exit 1 naming the column",
          err)
    unterminated = write(os.path.join(d, "unterm.csv"),
                         "name,email,zip\nLen,len@example.org,60601\n"
                         "\"Open,open@example.org,60601\n")
    rc, out, err = s.cli(["import", "members", unterminated])
    got = reports(err, unterminated)
    check(rc == 1 and list(got) == [3], "an unclosed quote is reported at "
          "the line it starts on; earlier rows kept", err)
    st, m = s.call("GET", "/api/v1/members?limit=1000")
    check(any(x["name"] == "Len" for x in m.get("items", [])),
          "the row before the unclosed quote was imported")


def no_match_then_match():
    with Server() as s:
        clubs = write(os.path.join(s.dir, "c.csv"),
                      "name,zip,secretary_email,remote_capacity\n"
                      "Loop,60601,l@example.org,\n"
                      "Springfield,62701,s@example.org,2\n")
        rc, _, err = s.cli(["import", "clubs", clubs])
        check(rc == 0, "clubs for the match test", err)
        rows = ["name,email,zip,state"]
        # 4 local (Chicago), 6 remote-bound (Carbondale; Springfield takes
        # 2, the Loop the rest), 2 in a state with no club.
        for i in range(4):
            rows.append("L%d,l%d@example.org,60602," % (i, i))
        for i in range(6):
            rows.append("R%d,r%d@example.org,62901," % (i, i))
        for i in range(2):
            rows.append("U%d,u%d@example.org,,AK" % (i, i))
        mem = write(os.path.join(s.dir, "m.csv"), "\n".join(rows) + "\n")
        rc, out, err = s.cli(["import", "members", mem, "--no-match"])
        check(rc == 0, "import members --no-match: exit 0", err)
        st, page = s.call("GET", "/api/v1/members?limit=1000")
        ms = page.get("items", [])
        check(len(ms) == 12 and all(
            m["assignment"]["club_id"] is None for m in ms),
            "--no-match leaves all 12 unassigned", ms[:2])
        rc, out, err = s.cli(["match"])
        try:
            counts = json.loads(out)
        except ValueError:
            counts = None
        eq((rc, counts), (0, {"assigned": 10, "local": 4, "remote": 6,
                              "unassigned": 2}),
           "match prints the counts as JSON")
        st, page = s.call("GET", "/api/v1/members?limit=1000")
        ms = page.get("items", [])
        modes = sorted(m["assignment"]["mode"] for m in ms)
        eq(modes, ["local"] * 4 + ["remote"] * 6 + ["unassigned"] * 2,
           "after match everyone has an assignment")
        check(all("match" not in m["assignment"]["reason"] or
                  m["assignment"]["mode"] != "unassigned" or
                  "not matched yet" not in m["assignment"]["reason"]
                  for m in ms), "nobody is left 'not matched yet'")
        st, c = s.call("GET", "/api/v1/clubs?limit=1000")
        rm = {x["name"]: x["remote_members"] for x in c.get("items", [])}
        eq(rm, {"Loop": 4, "Springfield": 2}, "match respects remote "
           "capacity 2 (Springfield) and counts remote members")
        rc, out, err = s.cli(["match"])
        try:
            counts = json.loads(out)
        except ValueError:
            counts = {}
        eq((rc, counts.get("assigned"), counts.get("local"),
            counts.get("remote")), (0, 0, 0, 0),
           "a second match assigns nobody new")
        # A club opens in Alaska: `match` assigns the two left unassigned
        # (every member without a club: docs/matching.md, "Batch
        # matching").
        ak = write(os.path.join(s.dir, "ak.csv"),
                   "name,zip,secretary_email\n"
                   "Anchorage,99501,a@example.org\n")
        rc, _, err = s.cli(["import", "clubs", ak])
        rc2, out, err2 = s.cli(["match"])
        try:
            counts = json.loads(out)
        except ValueError:
            counts = None
        eq((rc, rc2, counts), (0, 0, {"assigned": 2, "local": 0,
                                      "remote": 2, "unassigned": 0}),
           "after a club opens in AK, match assigns the members left "
           "unassigned there")
        # CLUBMATCH_NO_MATCH is the environment form of --no-match.
        more = write(os.path.join(s.dir, "m2.csv"),
                     "name,email,zip\nNew,new@example.org,60602\n")
        rc, out, err = s.cli(["import", "members", more],
                             env={"CLUBMATCH_NO_MATCH": "1"})
        st, page = s.call("GET", "/api/v1/members?mode=local&limit=1000")
        check(rc == 0 and "New" not in [m["name"] for m in
                                        page.get("items", [])],
              "CLUBMATCH_NO_MATCH=1 works as --no-match", err)


def flags_and_env():
    with tempfile.TemporaryDirectory() as d:
        a = os.path.join(d, "a.db")
        b = os.path.join(d, "b.db")
        clubs = write(os.path.join(d, "c.csv"),
                      "name,zip,secretary_email\nOne,60601,o@example.org\n")
        rc, _, err = cli(["import", "clubs", clubs],
                         env={"CLUBMATCH_DB": a}, cwd=d)
        check(rc == 0 and os.path.exists(a) and
              db_count(a, "SELECT count(*) FROM clubs") == 1,
              "CLUBMATCH_DB chooses the database", err)
        rc, _, err = cli(["import", "clubs", clubs, "--db", b],
                         env={"CLUBMATCH_DB": a}, cwd=d)
        check(rc == 0 and db_count(b, "SELECT count(*) FROM clubs") == 1 and
              db_count(a, "SELECT count(*) FROM clubs") == 1,
              "--db wins over CLUBMATCH_DB", err)
        rc, _, err = cli(["import", "clubs", clubs, "--db=" + b], cwd=d)
        check(rc == 0 and db_count(b, "SELECT count(*) FROM clubs") == 1 and
              "1 already imported" in err,
              "--db=PATH works too (the club is there already)", err)
        rc, _, err = cli(["import", "clubs", clubs], cwd=d)
        dflt = os.path.join(d, "var", "clubmatch.db")
        check(rc == 0 and os.path.exists(dflt),
              "the default database is var/clubmatch.db (created)", err)
        deep = os.path.join(d, "x", "y", "z.db")
        rc, _, err = cli(["match", "--db", deep], cwd=d)
        check(rc == 0 and os.path.exists(deep),
              "--db in a missing directory creates it", err)
        rc, out, err = cli(["match", "--db", "/proc/nonexistent/x.db"],
                           cwd=d)
        check(rc == 1 and one_line(err), "a database that cannot be opened: "
              "exit 1, one line", "%d %r" % (rc, err))

    # serve configured by the environment only, and its default token.
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        env = {"CLUBMATCH_LISTEN": "127.0.0.1:%d" % port,
               "CLUBMATCH_BASE_URL": "https://clubs.example.org/",
               "CLUBMATCH_MAILDIR": os.path.join(d, "mail")}
        e = clean_env()
        e.update(env)
        log = open(os.path.join(d, "log"), "w+")
        p = subprocess.Popen([BIN, "serve"], cwd=d, env=e, stdout=log,
                             stderr=log)
        try:
            tok_path = os.path.join(d, "var", "admin.token")
            ok = wait_for(lambda: os.path.exists(tok_path) and
                          open(tok_path).read().strip(), timeout=20)
            check(ok, "serve with no --admin-token-file creates "
                  "var/admin.token")
            token = open(tok_path).read().strip() if ok else ""
            mode = stat.S_IMODE(os.stat(tok_path).st_mode) if ok else 0
            eq(oct(mode), oct(0o600), "var/admin.token has mode 0600")
            check(len(token) >= 22, "the created token is long (>= 128 "
                  "bits)", token)

            class Fake:
                pass
            srv = Server.__new__(Server)
            srv.port = port
            srv.admin = token
            up = wait_for(lambda: _healthy(srv), timeout=20)
            check(up, "serve listens on CLUBMATCH_LISTEN")
            log.seek(0)
            text = log.read()
            check("var/admin.token" in text, "serve prints where the admin "
                  "token is", text)
            check(token not in text, "serve does not print the token itself")
            st, c = srv.call("POST", "/api/v1/clubs", body={
                "name": "Env Club", "zip": "60601",
                "secretary_email": "e@example.org"})
            eq(st, 201, "the created admin token works")
            st, m = srv.call("POST", "/api/v1/members", body={
                "name": "Env Member", "email": "em@example.org",
                "zip": "60601"})
            check(st == 201 and m.get("feed_url", "").startswith(
                "https://clubs.example.org/feeds/"),
                "CLUBMATCH_BASE_URL (trailing slash dropped) is used in "
                "feed_url", m)
            check(os.path.exists(os.path.join(d, "var", "clubmatch.db")),
                  "serve uses var/clubmatch.db by default")
        finally:
            rc = stop_process(p)
            log.close()
        eq(rc, 0, "serve exits 0 on SIGTERM")
        # A second start keeps the same token.
        e2 = clean_env()
        e2.update(env)
        p = subprocess.Popen([BIN, "serve"], cwd=d, env=e2,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            srv.admin = token
            up = wait_for(lambda: _healthy(srv), timeout=20)
            st, _ = srv.call("GET", "/api/v1/me") if up else (None, None)
            eq(st, 200, "after a restart the same admin token still works")
        finally:
            stop_process(p)

    # A bad admin token file: exit 1, one line.
    with tempfile.TemporaryDirectory() as d:
        short = write(os.path.join(d, "t"), "short\n")
        rc, out, err = cli(["serve", "--listen", "127.0.0.1:%d" % free_port(),
                            "--admin-token-file", short], cwd=d, timeout=30)
        check(rc == 1 and one_line(err), "a too-short admin token: exit 1, "
              "one line", "%d %r" % (rc, err))
        rc, out, err = cli(["serve", "--listen", "127.0.0.1:%d" % free_port(),
                            "--admin-token-file", os.path.join(d, "none")],
                           cwd=d, timeout=30)
        check(rc == 1 and one_line(err), "a missing admin token file: exit "
              "1, one line", "%d %r" % (rc, err))


def _healthy(srv):
    try:
        return srv.call("GET", "/healthz", token=None)[0] == 200
    except OSError:
        return False


def import_while_serving():
    with Server() as s:
        # Clubs imported by the CLI are used by the running server's
        # matching at once (its cached club snapshot must notice).
        st, m = s.call("POST", "/api/v1/members", body={
            "name": "Early", "email": "early@example.org", "zip": "60602"})
        eq((st, m.get("assignment", {}).get("mode")), (201, "unassigned"),
           "with no club a member is unassigned")
        clubs = write(os.path.join(s.dir, "c.csv"),
                      "name,zip,secretary_email\n"
                      "Loop,60601,l@example.org\n")
        rc, _, err = s.cli(["import", "clubs", clubs])
        check(rc == 0, "CLI imports a club while serve runs", err)
        st, m = s.call("POST", "/api/v1/members", body={
            "name": "Late", "email": "late@example.org", "zip": "60602"})
        eq((st, m.get("assignment", {}).get("club_name")), (201, "Loop"),
           "the server matches to a club the CLI added a moment ago")

        rows = ["name,email,zip"] + ["P%d,p%d@example.org,60602" % (i, i)
                                     for i in range(50)]
        mem = write(os.path.join(s.dir, "m.csv"), "\n".join(rows) + "\n")
        rc, _, err = s.cli(["import", "members", mem])
        check(rc == 0, "CLI imports 50 members while serve runs", err)
        st, page = s.call("GET", "/api/v1/members?limit=1000")
        ms = page.get("items", [])
        eq(len(ms), 52, "the server lists the CLI's members at once")
        check(all(m["assignment"]["club_name"] == "Loop"
                  for m in ms if m["name"].startswith("P")),
              "the CLI matched them as the API would")
        # And the other way round while requests keep coming.
        rows = ["name,email,zip"] + ["Q%d,q%d@example.org,60602" % (i, i)
                                     for i in range(200)]
        mem = write(os.path.join(s.dir, "m2.csv"), "\n".join(rows) + "\n")
        p = subprocess.Popen([BIN, "import", "members", mem, "--db", s.db],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=clean_env())
        statuses = set()
        for i in range(40):
            st, _ = s.call("POST", "/api/v1/members", body={
                "name": "W%d" % i, "email": "w%d@example.org" % i,
                "zip": "60601"})
            statuses.add(st)
        out, err = p.communicate(timeout=300)
        check(p.returncode == 0 and statuses == {201},
              "API writes and a CLI import at the same time both succeed",
              "cli %d %s; api %r" % (p.returncode, err[-500:], statuses))
        st, page = s.call("GET", "/api/v1/members?limit=1000")
        eq(len(page.get("items", [])), 52 + 200 + 40,
           "every member of both writers is there")


def main():
    help_and_usage()
    zip_command()
    with Server() as s:
        imports(s)
    no_match_then_match()
    flags_and_env()
    import_while_serving()
    done()


if __name__ == "__main__":
    main()
