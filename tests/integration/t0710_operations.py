#!/usr/bin/python3
"""t0710 - operations and the last hardening items of issue 14 (CONTRACT
§6, §9, §14; docs/operations.md): concurrent club PATCHes lose nothing,
secretary tokens are listed, revoked and expire, other clubs' objects are
404, the public pages' CSP, /metrics, --listen on IPv6, the systemd unit.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import (BIN, TOP, Server, check, eq, done, free_port,  # noqa: E402
                 skip)
from meetlib import mk_club, mk_token  # noqa: E402


def patch_rounds(s, club_id, rounds):
    """4 threads PATCH one field each of one club, `rounds` times; returns
    (the last value each thread wrote, the statuses that were not 200)."""
    fields = {
        "name": lambda i: "Patched Club %d" % i,
        "secretary_name": lambda i: "Secretary %d" % i,
        "secretary_email": lambda i: "sec%d@example.org" % i,
        "remote_capacity": lambda i: 100 + i,
    }
    last, bad = {}, []
    lock = threading.Lock()

    def run(field, val):
        for i in range(rounds):
            st, b = s.call("PATCH", "/api/v1/clubs/%d" % club_id,
                           {field: val(i)})
            with lock:
                if st != 200:
                    bad.append((field, st, b))
        last[field] = val(rounds - 1)

    ts = [threading.Thread(target=run, args=kv) for kv in fields.items()]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return last, bad


# Item 15: a PATCH reads the club inside its transaction.
with Server() as s:
    lost = 0
    bad_all = []
    for r in range(60):
        club = mk_club(s, "Race Club %d" % r, "60601")
        last, bad = patch_rounds(s, club["id"], 5)
        bad_all += bad
        st, got = s.call("GET", "/api/v1/clubs/%d" % club["id"])
        if any(got.get(k) != v for k, v in last.items()):
            lost += 1
    eq(bad_all, [], "every concurrent club PATCH answers 200")
    eq(lost, 0, "60 rounds of 4 concurrent PATCHes of different fields of "
       "one club: every field keeps its last value")

# Item 11: secretary tokens are listed, revoked and may expire.
with Server() as s:
    club = mk_club(s, "Token Club", "60601")
    other = mk_club(s, "Other Club", "10001")
    cid = club["id"]
    st, t1 = s.call("POST", "/api/v1/clubs/%d/tokens" % cid,
                    {"label": "Ann's laptop",
                     "expires_at": "2099-01-01T00:00:00Z"})
    eq(st, 201, "a token with a label and an expiry: 201")
    eq(sorted(t1.keys()), ["club_id", "role", "token"],
       "the new token's body is CONTRACT §6's {token, role, club_id}")
    tok1 = t1["token"]
    tok2 = mk_token(s, cid)
    mk_token(s, other["id"])
    st, lst = s.call("GET", "/api/v1/clubs/%d/tokens" % cid)
    eq(st, 200, "the admin lists a club's tokens")
    items = lst.get("items", []) if isinstance(lst, dict) else []
    eq(len(items), 2, "the list holds the club's 2 tokens, not the other "
       "club's")
    eq(sorted(items[0].keys()) if items else None,
       ["club_id", "created_at", "expires_at", "id", "label", "revoked"],
       "an entry has id, created_at, expires_at, revoked, label (no token)")
    check(tok1 not in s.last_raw.decode() and
          tok2 not in s.last_raw.decode(), "the list never shows a token")
    eq([(i["revoked"], i["label"], i["expires_at"]) for i in items],
       [(False, "Ann's laptop", "2099-01-01T00:00:00Z"), (False, "", None)],
       "both tokens are live, with their label and expiry")
    eq(s.call("GET", "/api/v1/clubs/%d/tokens" % cid, token=tok2)[0], 403,
       "a secretary cannot list tokens")
    eq(s.call("DELETE", "/api/v1/tokens/%d" % items[0]["id"],
              token=tok2)[0], 403, "a secretary cannot revoke a token")
    eq(s.call("GET", "/api/v1/me", token=tok1)[0], 200,
       "the token works before it is revoked")
    st, b = s.call("DELETE", "/api/v1/tokens/%d" % items[0]["id"])
    eq(st, 200, "the admin revokes a token")
    eq(s.call("GET", "/api/v1/me", token=tok1)[0], 401,
       "the revoked token's next request is 401")
    eq(s.call("GET", "/api/v1/me", token=tok2)[0], 200,
       "the club's other token still works")
    st, lst = s.call("GET", "/api/v1/clubs/%d/tokens" % cid)
    eq([i["revoked"] for i in lst["items"]], [True, False],
       "the list shows which token is revoked")
    eq(s.call("DELETE", "/api/v1/tokens/999999")[0], 404,
       "revoking an unknown token: 404")
    for body, field in (({"expires_at": "2020-01-01T00:00:00Z"},
                         "expires_at"),
                        ({"expires_at": "tomorrow"}, "expires_at"),
                        ({"expires_at": "2099-02-30T00:00:00Z"},
                         "expires_at"),
                        ({"label": "a\u202eb"}, "label"),
                        ({"colour": "red"}, None)):
        st, b = s.call("POST", "/api/v1/clubs/%d/tokens" % cid, body)
        ok = st == 422 and (field is None or
                            b["error"].get("field") == field)
        check(ok, "POST tokens %r: 422 naming %s" % (body, field),
              "%s %r" % (st, b))
    st, lst = s.call("GET", "/api/v1/clubs/%d/tokens" % cid)
    eq(len(lst["items"]), 2, "refused token requests minted nothing")
    # An expiry two seconds ahead: the token works, then is refused.
    import datetime
    import time
    soon = (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    st, t3 = s.call("POST", "/api/v1/clubs/%d/tokens" % cid,
                    {"expires_at": soon})
    eq(st, 201, "a token that expires in 3 seconds")
    eq(s.call("GET", "/api/v1/me", token=t3["token"])[0], 200,
       "it works before its expiry")
    time.sleep(4.2)
    eq(s.call("GET", "/api/v1/me", token=t3["token"])[0], 401,
       "after its expiry it is 401")
    with open(os.path.join(TOP, "web", "app.js")) as f:
        js = f.read()
    check("e.status === 401" in js and "signOut(true)" in js,
          "the dashboard signs out on a 401 (web/app.js)")

# Item 14: other clubs' objects are 404; the link pages' CSP; --base-url.
with Server() as s:
    from meetlib import mk_meeting
    import base64
    import hashlib
    import re
    a = mk_club(s, "Alpha Club", "60601")
    b = mk_club(s, "Beta Club", "80202")
    ta = mk_token(s, a["id"])
    mb = mk_meeting(s, b["id"], title="Beta monthly")
    mpath = "/api/v1/meetings/%d" % mb["id"]
    unknown = "/api/v1/meetings/999999"
    for name, method, suffix, body in (
            ("get meeting", "GET", "", None),
            (".ics", "GET", ".ics", None),
            ("attendees", "GET", "/attendees", None),
            ("patch meeting", "PATCH", "", {"title": "Hijack"}),
            ("move occurrence", "PATCH", "/occurrences/2027-03-09",
             {"start": "2027-03-10T18:00"}),
            ("cancel occurrence", "DELETE", "/occurrences/2027-02-09", None),
            ("cancel meeting", "DELETE", "", None)):
        st, r = s.call(method, mpath + suffix, body, token=ta)
        st2, r2 = s.call(method, unknown + suffix, body, token=ta)
        check(st == 404 and st2 == 404,
              "another club's meeting, %s: 404 as for an unknown id" % name,
              "%s %r / %s %r" % (st, r, st2, r2))
    st, r = s.call("GET", mpath)
    eq((st, r.get("title"), r.get("cancelled", False)),
       (200, "Beta monthly", False), "the other club's meeting is unchanged")
    eq(s.call("GET", "/api/v1/clubs/%d/meetings" % b["id"], token=ta)[0],
       403, "another club's meeting list (by club id) stays 403")

    for path in ("/rsvp/1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?answer=yes",
                 "/unsubscribe/1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"):
        st, page = s.call("GET", path, token=None)
        csp = s.last_headers.get("content-security-policy", "")
        parts = {p.strip().split(" ")[0]: p.strip().split(" ", 1)[-1]
                 for p in csp.split(";") if p.strip()}
        check(parts.get("default-src") == "'none'" and
              parts.get("frame-ancestors") == "'none'",
              "%s sends CSP default-src 'none' and frame-ancestors 'none'"
              % path.split("/")[1], csp)
        m = re.search(r"<style>(.*?)</style>", page, re.S)
        want = "'sha256-%s'" % base64.b64encode(hashlib.sha256(
            m.group(1).encode()).digest()).decode() if m else None
        eq(parts.get("style-src"), want, "%s: style-src allows exactly the "
           "page's style sheet" % path.split("/")[1])
        check("<script" not in page and " style=" not in page,
              "%s: no script, no style attribute" % path.split("/")[1])

tmp = tempfile.mkdtemp(prefix="clubmatch-t0710-")
try:
    p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % free_port(),
                        "--db", os.path.join(tmp, "x.db"),
                        "--maildir", os.path.join(tmp, "mail"),
                        "--base-url", "https://example.org/" + "x" * 300],
                       capture_output=True, text=True, timeout=10, cwd=tmp)
    rc, err = p.returncode, p.stderr
except subprocess.TimeoutExpired:
    rc, err = None, "it started serving"
check(rc == 2 and "--base-url" in err, "a 320-byte --base-url is refused at "
      "start: exit 2 naming --base-url", "%s %r" % (rc, err))

# /metrics (CONTRACT §14): Prometheus text that agrees with the API.
def parse_metrics(text):
    """{(name, frozenset of label pairs): value}; None if a line is bad."""
    import re
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            return None
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


with Server() as s:
    from meetlib import mk_member
    c = mk_club(s, "Metrics Club", "60601")
    tok = mk_token(s, c["id"])
    mk_member(s, "Near One", "near1@example.org", "60602")
    mk_member(s, "Near Two", "near2@example.org", "60603")
    mk_member(s, "Far One", "far1@example.org", "99501")
    for _ in range(3):
        s.call("GET", "/api/v1/clubs/%d" % c["id"])
    s.call("GET", "/api/v1/clubs/999999")
    st, text = s.call("GET", "/metrics")
    eq(st, 200, "GET /metrics with the admin token: 200")
    check(s.last_headers.get("content-type", "").startswith("text/plain"),
          "it is text/plain", s.last_headers.get("content-type"))
    m = parse_metrics(text)
    check(m is not None, "every line is `name{labels} value` or a comment",
          text[:2000])
    m = m or {}

    def val(name, **labels):
        return m.get((name, frozenset(labels.items())))
    eq(val("clubmatch_http_requests_total", route="/api/v1/clubs/{}",
           method="GET", status="200"), 3.0,
       "3 club GETs counted by route pattern and status 200")
    eq(val("clubmatch_http_requests_total", route="/api/v1/clubs/{}",
           method="GET", status="404"), 1.0, "the 404 counted apart")
    st, members = s.call("GET", "/api/v1/members")
    modes = {}
    for it in members["items"]:
        mode = (it.get("assignment") or {}).get("mode") or "unassigned"
        modes[mode] = modes.get(mode, 0) + 1
    eq({k: val("clubmatch_members", mode=k) for k in
        ("local", "remote", "unassigned")},
       {k: float(modes.get(k, 0)) for k in ("local", "remote", "unassigned")},
       "members by mode agree with GET /api/v1/members")
    st, ob = s.call("GET", "/api/v1/outbox?status=pending&limit=1000")
    pend = sum(v for (n, l), v in m.items() if n == "clubmatch_outbox_rows"
               and ("status", "pending") in l)
    check(st == 200 and pend >= len(ob["items"]) - 0 and pend >= 0,
          "outbox pending rows are counted", "%s %s" % (pend, len(ob["items"])))
    cnt = val("clubmatch_http_request_duration_seconds_count")
    inf = val("clubmatch_http_request_duration_seconds_bucket", le="+Inf")
    check(cnt is not None and cnt == inf and cnt >= 4,
          "the latency histogram counts every request", "%s %s" % (cnt, inf))
    eq(s.call("GET", "/metrics", token=tok)[0], 403,
       "a secretary token gets 403")
    eq(s.call("GET", "/metrics", token="wrong-token")[0], 401,
       "a wrong token gets 401")
    eq(s.call("GET", "/metrics", token=None)[0], 200,
       "a loopback peer without a token gets the metrics")

# --listen [::1]:PORT (CONTRACT §14).
def has_ipv6_loopback():
    try:
        t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        t.bind(("::1", 0))
        t.close()
        return True
    except OSError:
        return False


if not has_ipv6_loopback():
    skip("--listen [::1]:PORT answers over IPv6",
         "no IPv6 loopback (::1) on this machine")
else:
    import http.client
    import json as _json
    tmp = tempfile.mkdtemp(prefix="clubmatch-t0710-v6-")
    with open(os.path.join(tmp, "admin.token"), "w") as f:
        f.write("admintoken-0123456789abcdef\n")
    t = socket.socket(socket.AF_INET6)
    t.bind(("::1", 0))
    port = t.getsockname()[1]
    t.close()
    log = open(os.path.join(tmp, "serve.log"), "wb")
    proc = subprocess.Popen(
        [BIN, "serve", "--listen", "[::1]:%d" % port, "--db",
         os.path.join(tmp, "x.db"), "--maildir", os.path.join(tmp, "mail"),
         "--admin-token-file", os.path.join(tmp, "admin.token")],
        stdout=log, stderr=log, cwd=tmp)

    def get6(path, token=None):
        c = http.client.HTTPConnection("::1", port, timeout=10)
        c.request("GET", path, headers={"Authorization": "Bearer " + token}
                  if token else {})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    got = None
    for _ in range(200):
        try:
            got = get6("/healthz")
            break
        except OSError:
            time.sleep(0.05)
    eq(got and (got[0], _json.loads(got[1])), (200, {"status": "ok"}),
       "--listen [::1]:PORT: /healthz answers over IPv6")
    st, body = get6("/api/v1/clubs", token="admintoken-0123456789abcdef")
    eq(st, 200, "the admin API answers over IPv6")
    st, body = get6("/metrics")
    eq(st, 200, "/metrics from the IPv6 loopback peer without a token: 200")
    proc.terminate()
    eq(proc.wait(timeout=30), 0, "the IPv6 server exits cleanly")
    log.close()

p = subprocess.run([BIN, "serve", "--listen", "::1:8080", "--db",
                    "/dev/null/x.db"], capture_output=True, text=True,
                   timeout=10)
check(p.returncode == 2 and "brackets" in p.stderr,
      "--listen ::1:8080 (no brackets) is refused: exit 2 saying so",
      "%s %r" % (p.returncode, p.stderr))

# docs/clubmatch.service and the backup timer (CONTRACT §14).
units = ("clubmatch.service", "clubmatch-backup.service",
         "clubmatch-backup.timer")
with open(os.path.join(TOP, "docs", "clubmatch.service")) as f:
    unit = f.read()
for want in ("DynamicUser=yes", "ProtectSystem=strict",
             "StateDirectory=clubmatch", "NoNewPrivileges=yes",
             "PrivateTmp=yes", "ProtectHome=yes", "RestrictAddressFamilies=",
             "ExecStart=/usr/local/bin/clubmatch serve --db "
             "/var/lib/clubmatch/clubmatch.db"):
    check(want in unit, "docs/clubmatch.service has %s" % want)
with open(os.path.join(TOP, "docs", "clubmatch-backup.service")) as f:
    check("clubmatch backup" in f.read(),
          "docs/clubmatch-backup.service runs clubmatch backup")
analyze = shutil.which("systemd-analyze")
if analyze is None:
    # tools/setup.sh test installs systemd, so this is only for a
    # machine where the set-up did not run.
    skip("systemd-analyze verify passes on the service, the backup "
         "service and the timer",
         "no systemd-analyze here (Debian package systemd; tools/setup.sh "
         "test installs it)")
else:
    # The units name /usr/local/bin/clubmatch, which verify wants to
    # exist: verify copies that name the binary under test instead.
    d = tempfile.mkdtemp(prefix="clubmatch-t0710-units-")
    for u in units:
        with open(os.path.join(TOP, "docs", u)) as f:
            text = f.read().replace("/usr/local/bin/clubmatch",
                                    os.path.abspath(BIN))
        with open(os.path.join(d, u), "w") as f:
            f.write(text)
    p = subprocess.run([analyze, "verify"] +
                       [os.path.join(d, u) for u in units],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and not p.stderr.strip(),
          "systemd-analyze verify passes on the service, the backup "
          "service and the timer", p.stdout + p.stderr)

done()
