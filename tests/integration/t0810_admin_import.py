"""t0810_admin_import.py - the console's CSV upload (docs/admin.md,
"Import"; CONTRACT §13) against the real binary.

Over plain HTTP: a members file sent in two pieces gets the line numbers
and reasons `clubmatch import` gives for the same file (across the
piece boundary too), a row sent again is "already imported", finishing
queues the secretary's digest as the CLI's end of import does, and the
wrong calls are refused (401, 404, 409, 415, 422).  Then in Debian's
headless Chromium: a small file with bad lines chosen in the page's file
input reaches 100%, shows each rejected line with its number, the
download of the rejected lines is formula-safe, and no request leaves
the origin.
"""
import csv
import io
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F403
from browser_lib import *  # noqa: E402,F403
from invite_lib import new_club, outbox, with_mail_server  # noqa: E402


HEADER = "name,email,zip\n"
PIECE1 = ("Ann Able,ann@x.test,60602\n"             # line 2
          "Bob Bad,not-an-address,60602\n"          # line 3: email
          "\"Cy\nCyrus\",cy@x.test,60603\n")        # line 4-5: name (a line break)
PIECE2 = ("Dee Dale,dee@x.test,99999\n"             # line 6: unknown ZIP
          "Eve Even,eve@x.test,60604\n"             # line 7
          "Fay Far,fay@x.test,60605,extra\n"        # line 8: too wide
          "Gus Good,gus@x.test,60606\n")            # line 9
BAD_LINES = [3, 4, 6, 8]


def cli_reasons(s, text):
    """line -> "field: reason" from `clubmatch import` on a fresh database."""
    d = tempfile.mkdtemp(prefix="t0810-cli-")
    path = os.path.join(d, "members.csv")
    with open(path, "w") as f:
        f.write(text)
    rc, out, err = run_cli(["import", "members", path],
                           env={"CLUBMATCH_DB": os.path.join(d, "db")})
    got = {}
    for line in err.splitlines():
        m = re.match(re.escape(path) + r":(\d+): (.*)$", line)
        if m:
            got[int(m.group(1))] = m.group(2)
    return got


def chunk(s, job, text, offset=None, ctype="text/csv; charset=utf-8"):
    q = "" if offset is None else "?offset=%d" % offset
    return s.call("POST", "/api/v1/imports/%d/chunks%s" % (job, q),
                  raw=text.encode(), headers={"Content-Type": ctype})


def http_part(s):
    club = new_club(s, "Chicago Chess", "60601", secretary="sec@chi.test")
    st, _ = s.call("POST", "/api/v1/imports", {"kind": "members"}, token=None)
    eq(st, 401, "starting an import needs the admin token")
    st, body = s.call("POST", "/api/v1/imports", {"kind": "people"})
    eq((st, error_code(body)), (422, "invalid_value"), "kind must be clubs or members")
    st, job = s.call("POST", "/api/v1/imports", {"kind": "members"})
    eq(st, 201, "POST /api/v1/imports is 201")
    jid = job["id"]
    eq((job["rows"], job["bytes"], job["finished"]), (0, 0, False), "a new import is empty")

    st, body = chunk(s, jid, HEADER + PIECE1, ctype="application/json")
    eq(st, 415, "a piece must be text/csv")
    st, body = chunk(s, 999999, HEADER)
    eq(st, 404, "a piece of an unknown import is 404")
    st, one = chunk(s, jid, HEADER + PIECE1, offset=0)
    eq(st, 200, "the first piece (with the header row) is 200")
    eq((one["rows"], one["imported"], one["rejected"]), (3, 1, 2),
       "the first piece: 3 rows, 1 imported, 2 rejected")
    first = len((HEADER + PIECE1).encode())
    eq(one["bytes"], first, "the server counts the bytes received")
    st, body = chunk(s, jid, PIECE2, offset=0)
    eq((st, error_code(body)), (409, "conflict"),
       "a piece sent again (a retry) is refused by its offset")
    st, two = chunk(s, jid, PIECE2, offset=first)
    eq(st, 200, "the second piece (no header row) is 200")
    eq([l["line"] for l in two["rejected_lines"]], [6, 8],
       "the second piece's rejected lines are numbered in the whole file")
    eq(len(outbox(s, kind="secretary_digest")), 0, "no digest before the end")

    st, fin = s.call("POST", "/api/v1/imports/%d/finish" % jid, {})
    eq(st, 200, "finish is 200")
    check(fin["finished"], "the import says it is finished", fin)
    eq(len(outbox(s, kind="secretary_digest")), 1,
       "finishing queues the secretary's digest, as the CLI's import does")
    st, body = chunk(s, jid, PIECE2, offset=fin["bytes"])
    eq(st, 409, "a piece after finish is 409")

    st, got = s.call("GET", "/api/v1/imports/%d" % jid)
    eq(st, 200, "GET /api/v1/imports/{id} is 200")
    eq((got["rows"], got["imported"], got["already_imported"], got["rejected"]),
       (7, 3, 0, 4), "7 rows: 3 imported, 4 rejected")
    eq([l["line"] for l in got["rejected_lines"]], BAD_LINES,
       "every rejected line, with its physical line number")
    want = cli_reasons(s, HEADER + PIECE1 + PIECE2)
    eq(sorted(want), BAD_LINES, "the CLI rejects the same lines")
    for l in got["rejected_lines"]:
        mine = (l["field"] + ": " if l.get("field") else "") + l["reason"]
        eq(mine, want.get(l["line"]), "line %d: the CLI's reason" % l["line"])
    check(got["rejected_lines"][0]["text"] == "Bob Bad,not-an-address,60602",
          "a rejected line comes with its text", got["rejected_lines"][0])
    _, members = s.call("GET", "/api/v1/members?limit=100")
    eq(sorted(m["email"] for m in members["items"]),
       ["ann@x.test", "eve@x.test", "gus@x.test"], "the good rows are members")
    check(all(m["assignment"]["club_id"] == club["id"] for m in members["items"]),
          "and they are matched to the club")

    # The same file again: already imported, nothing twice.
    st, job = s.call("POST", "/api/v1/imports", {"kind": "members"})
    st, again = chunk(s, job["id"], HEADER + PIECE1 + PIECE2)
    eq((again["imported"], again["already_imported"], again["rejected"]), (0, 3, 4),
       "a file sent again: its good rows are already imported")
    st, job = s.call("POST", "/api/v1/imports", {"kind": "members"})
    st, body = chunk(s, job["id"], "name,zip\nAnn,60601\n")
    eq(st, 422, "a header without the email column is 422")
    check("line 1" in json.dumps(body) and "email" in json.dumps(body),
          "the 422 names line 1 and the missing column", body)


def browser(s, wantdir):
    if not browser_ready():
        return
    downloads = tempfile.mkdtemp(prefix="t0810-dl-")
    d = new_driver(1280, 1400, downloads=downloads)

    path = os.path.join(wantdir, "small.csv")
    with open(path, "w") as f:
        f.write("name,email,zip\n"
                "Hal Hall,hal@x.test,60607\n"
                "=HYPERLINK(\"http://evil.test\"),no-at-sign,60608\n"   # line 3
                "Ivy Ives,ivy@x.test,60609\n")
    try:
        d.get(s.base() + "/admin")
        wait(d, lambda _: d.find_element(By.ID, "signin").is_displayed(), "the sign-in form shows")
        d.find_element(By.ID, "token").send_keys(s.admin)
        d.find_element(By.CSS_SELECTOR, "#signin-form button").click()
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, "#stats [data-key]"),
             "the console shows after sign-in")
        d.find_element(By.ID, "import-start").click()
        wait(d, lambda _: d.find_element(By.ID, "import-file-err").is_displayed(),
             "Import without a file says to choose one")
        d.find_element(By.ID, "import-file").send_keys(path)
        d.find_element(By.ID, "import-start").click()
        wait(d, lambda _: d.find_element(By.ID, "import-pct").text == "100%",
             "the progress reaches 100%")
        eq(d.find_element(By.ID, "import-bar").get_attribute("value"), "100",
           "the progress bar is full")
        wait(d, lambda _: "done" in d.find_element(By.ID, "msg").text,
             "the page says the import is done")
        status = d.find_element(By.ID, "import-status").text
        check("3 rows read" in status and "2 imported" in status and "1 rejected" in status,
              "the page counts the rows: 2 imported, 1 rejected", status)
        rows = d.find_elements(By.CSS_SELECTOR, "#import-table tbody tr")
        eq(len(rows), 1, "one rejected line is listed")
        cells = [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")] if rows else []
        check(cells and cells[0] == "3" and "email" in " ".join(cells[1:3]),
              "the rejected line shows its number (3) and reason", cells)
        d.find_element(By.ID, "import-download").click()
        got = os.path.join(downloads, "rejected-lines.csv")
        wait(d, lambda _: os.path.exists(got) and os.path.getsize(got) > 0,
             "the rejected lines download as rejected-lines.csv")
        if os.path.exists(got):
            with open(got, newline="") as f:
                table = list(csv.reader(f))
            eq(table[0], ["line", "field", "reason", "row"], "the download's header")
            eq(table[1][0], "3", "the download has the line number")
            check(table[1][3].startswith("'="),
                  "a row starting with = gets a leading ' (formula-safe)", table[1])
        _, ms = s.call("GET", "/api/v1/members?limit=100")
        emails = [m["email"] for m in ms["items"]]
        check("hal@x.test" in emails and "ivy@x.test" in emails,
              "the good rows of the upload are members")

        urls = requested_urls(d)
        away = leaving_origin(urls, s.base())
        check(any("/api/v1/imports/" in u for u in urls) and not away,
              "the upload goes to this server and no request leaves the origin", away)
        severe = console_errors(d)
        check(not severe, "no errors in the console", severe)
    finally:
        quit_driver(d)


def scenario(s, sink):
    http_part(s)
    browser(s, tempfile.mkdtemp(prefix="t0810-"))


with_mail_server(scenario)
