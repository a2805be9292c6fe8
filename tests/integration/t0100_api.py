"""t0100_api.py - the foundation of the HTTP API (docs/api.md; the
matching rules of docs/matching.md, "The policy") against the real
binary: health, ZIP codes, clubs, tokens, members, /me, /match, every
error status with its body, keep-alive, body limits, remote capacity,
and that a refused request changes nothing.
"""
import http.client
import json
import os
import re
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def is_error(body, field=None):
    """True when body is {"error": {"code", "message", "field"?}}."""
    try:
        e = body["error"]
    except (TypeError, KeyError):
        return False
    if set(body) != {"error"} or not isinstance(e, dict):
        return False
    if not (isinstance(e.get("code"), str) and SNAKE.match(e["code"])):
        return False
    if not (isinstance(e.get("message"), str) and e["message"]):
        return False
    if not set(e) <= {"code", "message", "field"}:
        return False
    if field is not None and e.get("field") != field:
        return False
    return True


def expect_error(s, status, method, path, name, field=None, **kw):
    """One request that must be refused with status and the error body;
    returns the body."""
    st, body = s.call(method, path, **kw)
    check(st == status and is_error(body, field),
          "%s -> %d%s" % (name, status,
                          " naming field %r" % field if field else ""),
          "status %s body %r" % (st, body))
    return body


def all_items(s, path, token="admin"):
    """Every item of a list, following the next cursors."""
    items, after, pages = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = path + (sep + "limit=1000" if after is None else
                      sep + "limit=1000&after=" + after)
        st, body = s.call("GET", url, token=token)
        if st != 200:
            raise RuntimeError("GET %s -> %s %r" % (url, st, body))
        items += body["items"]
        after = body["next"]
        pages += 1
        if after is None or pages > 100:
            return items


def state_of(s):
    """Everything the API shows, to compare before and after a refusal."""
    return (all_items(s, "/api/v1/clubs"), all_items(s, "/api/v1/members"))


def raw_request(port, data, read_timeout=10.0):
    """Sends raw bytes; returns everything the server answers until it
    closes or read_timeout passes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(data)
        return read_all(sock, read_timeout)
    finally:
        sock.close()


def read_all(sock, timeout):
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([sock], [], [], 0.2)
        if not r:
            if out and b"\r\n\r\n" in out and content_complete(out):
                break
            continue
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, OSError):
            break
        if not chunk:
            break
        out += chunk
    return out


def send_streaming(port, head, chunks, timeout=15.0):
    """Sends head, then the chunks one by one, stopping as soon as the
    server answers or closes (as curl does); returns (response bytes,
    body bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = 0
    try:
        sock.sendall(head)
        for c in chunks:
            r, _, _ = select.select([sock], [], [], 0)
            if r:
                break
            try:
                sock.sendall(c)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(c)
        return read_all(sock, timeout), sent
    finally:
        sock.close()


CHUNKED = b"Transfer-Encoding: chunked\r\n"


def post_club_head(s, framing):
    """The head of an admin's POST /api/v1/clubs of JSON, framed by the
    header line framing (Content-Length or Transfer-Encoding)."""
    return (b"POST /api/v1/clubs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + s.admin.encode() +
            b"\r\nContent-Type: application/json\r\n" + framing + b"\r\n")


def content_complete(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    return m is not None and len(body) >= int(m.group(1))


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


def club_body(name, zip_, **extra):
    b = {"name": name, "zip": zip_,
         "secretary_email": "sec-%s@example.org" % zip_}
    b.update(extra)
    return b


def member_body(name, email, **extra):
    b = {"name": name, "email": email}
    b.update(extra)
    return b


def main():
    s = Server()
    s.start()
    try:
        run(s)
    finally:
        rc = s.stop()
        check(rc == 0, "server exits cleanly after SIGTERM (status %s)" % rc,
              s.logtext())
    capacity_race()
    rate_limit()
    done()


def run(s):
    # ---- health and ZIP codes (public) -------------------------------
    st, body = s.call("GET", "/healthz", token=None)
    eq((st, body), (200, {"status": "ok"}), "GET /healthz")
    check(s.last_headers.get("content-type", "").startswith(
        "application/json"), "healthz is application/json")

    st, z = s.call("GET", "/api/v1/zip/60601", token=None)
    eq(st, 200, "GET /api/v1/zip/60601 is public")
    eq(sorted(z) if isinstance(z, dict) else z,
       ["city", "county", "lat", "lon", "state", "timezone", "zip"],
       "ZIP record has exactly the fields of §4")
    eq((z.get("zip"), z.get("city"), z.get("state"), z.get("county"),
        z.get("timezone")),
       ("60601", "Chicago", "IL", "Cook", "America/Chicago"),
       "60601 is Chicago, Cook county, IL, America/Chicago")
    check(abs(z["lat"] - 41.8858) < 0.01 and abs(z["lon"] + 87.6181) < 0.01,
          "60601 centroid", z)
    st, z = s.call("GET", "/api/v1/zip/00501", token=None)
    eq((st, z.get("zip") if isinstance(z, dict) else z), (200, "00501"),
       "a ZIP with leading zeros keeps them")
    for bad in ("6060", "606011", "6060a", "%2060601", "60601x"):
        expect_error(s, 400, "GET", "/api/v1/zip/" + bad,
                     "malformed ZIP %r" % bad, token=None)
    expect_error(s, 404, "GET", "/api/v1/zip/00000", "unknown ZIP 00000",
                 token=None)
    expect_error(s, 404, "GET", "/api/v1/zip/99999", "unknown ZIP 99999",
                 token=None)

    # ---- auth: 401 ------------------------------------------------------
    b = expect_error(s, 401, "GET", "/api/v1/clubs", "no token", token=None)
    check("bearer" in s.last_headers.get("www-authenticate", "").lower(),
          "401 carries WWW-Authenticate: Bearer", s.last_headers)
    expect_error(s, 401, "GET", "/api/v1/clubs", "wrong token",
                 token="not-the-admin-token-at-all")
    expect_error(s, 401, "GET", "/api/v1/clubs", "admin token with a "
                 "character appended", token=s.admin + "x")
    expect_error(s, 401, "GET", "/api/v1/me", "/me without a token",
                 token=None)
    expect_error(s, 401, "POST", "/api/v1/clubs", "POST without a token",
                 token=None, body=club_body("X", "60601"))
    st, _ = s.call("GET", "/api/v1/clubs", token=None,
                   headers={"Authorization": "Basic " + s.admin})
    eq(st, 401, "a Basic Authorization header is not a bearer token")

    # ---- clubs: create ---------------------------------------------------
    st, loop = s.call("POST", "/api/v1/clubs", body=club_body(
        "Loop Readers", "60601", secretary_name="Sam Secretary"))
    eq(st, 201, "POST /api/v1/clubs -> 201")
    check(isinstance(loop.get("id"), int) and loop["id"] > 0,
          "new club has an id", loop)
    eq((loop.get("state"), loop.get("timezone"), loop.get("zip"),
        loop.get("accepts_remote"), loop.get("remote_capacity"),
        loop.get("secretary_name")),
       ("IL", "America/Chicago", "60601", True, None, "Sam Secretary"),
       "club defaults: accepts_remote true, remote_capacity null")
    check(abs(loop.get("lat", 0) - 41.8858) < 0.01 and
          abs(loop.get("lon", 0) + 87.6181) < 0.01,
          "club lat/lon is the ZIP centroid", loop)

    st, evanston = s.call("POST", "/api/v1/clubs", body=club_body(
        "Evanston Circle", "60201", accepts_remote=False))
    eq((st, evanston.get("accepts_remote")), (201, False),
       "club with accepts_remote false")
    st, spring = s.call("POST", "/api/v1/clubs", body=club_body(
        "Springfield Society", "62701", remote_capacity=1))
    eq((st, spring.get("remote_capacity")), (201, 1),
       "club with remote_capacity 1")
    st, peoria = s.call("POST", "/api/v1/clubs", body=club_body(
        "Peoria Players", "61602"))
    eq(st, 201, "fourth club")
    st, burl = s.call("POST", "/api/v1/clubs", body=club_body(
        "Burlington Bridge", "05401", remote_capacity=None))
    eq((st, burl.get("remote_capacity")), (201, None),
       "remote_capacity null means no limit")

    # A list right after changes (the server's club cache is stale then):
    # each club once.
    st, page = s.call("GET", "/api/v1/clubs?limit=2")
    eq([c["id"] for c in page.get("items", [])], [loop["id"], evanston["id"]],
       "limit=2 right after creating clubs gives the first 2 clubs")
    st, _ = s.call("PATCH", "/api/v1/clubs/%d" % burl["id"],
                   body={"secretary_name": "Bea"})
    eq(st, 200, "PATCH a club")
    for field in ("name", "zip", "secretary_email"):
        st, body = s.call("PATCH", "/api/v1/clubs/%d" % burl["id"],
                          body={field: None})
        eq((st, error_code(body) and body["error"].get("field")),
           (422, field), "PATCH %s: null -> 422 naming the field" % field)
    st, page = s.call("GET", "/api/v1/clubs")
    eq([c["id"] for c in page.get("items", [])],
       [loop["id"], evanston["id"], spring["id"], peoria["id"], burl["id"]],
       "a list right after a change shows each club once")

    # ---- clubs: get, list, pagination -------------------------------------
    st, got = s.call("GET", "/api/v1/clubs/%d" % loop["id"])
    eq(st, 200, "GET /api/v1/clubs/{id}")
    eq({k: got.get(k) for k in loop if k not in ("activity",
                                                 "remote_members")},
       {k: loop[k] for k in loop if k not in ("activity",
                                              "remote_members")},
       "GET returns the club as created")
    check(isinstance(got.get("activity"), int) and
          isinstance(got.get("remote_members"), int),
          "club has activity and remote_members counts", got)
    expect_error(s, 404, "GET", "/api/v1/clubs/999999", "unknown club id")
    expect_error(s, 404, "GET", "/api/v1/clubs/abc", "non-numeric club id")
    expect_error(s, 404, "GET", "/api/v1/clubs/0", "club id 0")
    expect_error(s, 404, "GET", "/api/v1/clubs/-1", "negative club id")

    st, page = s.call("GET", "/api/v1/clubs")
    eq(st, 200, "GET /api/v1/clubs")
    eq(sorted(page), ["items", "next"], "list body is {items, next}")
    eq([c["id"] for c in page["items"]],
       [loop["id"], evanston["id"], spring["id"], peoria["id"], burl["id"]],
       "clubs listed in id order")
    eq(page["next"], None, "short list: next is null")
    check(all("activity" in c and "remote_members" in c
              for c in page["items"]),
          "each listed club has activity and remote_members")

    seen, after, pages = [], None, 0
    while pages < 10:
        url = "/api/v1/clubs?limit=2" + ("&after=" + after if after else "")
        st, page = s.call("GET", url)
        if st != 200:
            break
        pages += 1
        seen += [c["id"] for c in page["items"]]
        check(len(page["items"]) <= 2, "page %d holds at most limit=2 items"
              % pages)
        after = page["next"]
        if after is None:
            break
        check(isinstance(after, str) and after != "",
              "next is a cursor string", after)
    eq(seen, [loop["id"], evanston["id"], spring["id"], peoria["id"],
              burl["id"]], "limit=2 pages with next cursors give every club "
       "once, in order")
    check(pages >= 3, "5 clubs at limit=2 take at least 3 pages", pages)

    for q in ("limit=0", "limit=1001", "limit=abc", "limit=-5", "limit=",
              "after=xyz", "limit=1e3"):
        expect_error(s, 400, "GET", "/api/v1/clubs?" + q, "bad " + q)
    st, page = s.call("GET", "/api/v1/clubs?limit=1000")
    eq(st, 200, "limit=1000 is allowed")

    # ---- clubs: 422 and nothing changed ------------------------------------
    before = state_of(s)
    expect_error(s, 422, "POST", "/api/v1/clubs", "club without name",
                 field="name", body={"zip": "60601",
                                     "secretary_email": "a@example.org"})
    expect_error(s, 422, "POST", "/api/v1/clubs", "club with empty name",
                 field="name", body=club_body("", "60601"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "club with unknown ZIP",
                 field="zip", body=club_body("Nowhere", "00000"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "club with ZIP as a number",
                 field="zip", body=club_body("Numeric", 60601))
    expect_error(s, 422, "POST", "/api/v1/clubs", "club with bad ZIP format",
                 field="zip", body=club_body("Short", "606"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "club without e-mail",
                 field="secretary_email",
                 body={"name": "No Mail", "zip": "60601"})
    expect_error(s, 422, "POST", "/api/v1/clubs", "club with bad e-mail",
                 field="secretary_email",
                 body=club_body("Bad Mail", "60601",
                                secretary_email="not an address"))
    expect_error(s, 422, "POST", "/api/v1/clubs",
                 "remote_capacity as a string", field="remote_capacity",
                 body=club_body("Cap", "60601", remote_capacity="10"))
    expect_error(s, 422, "POST", "/api/v1/clubs",
                 "remote_capacity as a fraction", field="remote_capacity",
                 body=club_body("Cap", "60601", remote_capacity=1.5))
    expect_error(s, 422, "POST", "/api/v1/clubs",
                 "negative remote_capacity", field="remote_capacity",
                 body=club_body("Cap", "60601", remote_capacity=-3))
    expect_error(s, 422, "POST", "/api/v1/clubs", "accepts_remote as a "
                 "string", field="accepts_remote",
                 body=club_body("Rem", "60601", accepts_remote="yes"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "CR/LF in club name",
                 field="name", body=club_body("Evil\r\nBcc: x@y.z", "60601"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "LF in club name",
                 field="name", body=club_body("Two\nLines", "60601"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "control character in "
                 "club name", field="name", body=club_body("Bell\x07", "60601"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "NUL in club name",
                 field="name", body=club_body("Nul\x00Byte", "60601"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "name over 200 bytes",
                 field="name", body=club_body("x" * 201, "60601"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "CR/LF in secretary_name",
                 field="secretary_name",
                 body=club_body("Ok", "60601", secretary_name="A\r\nB"))
    expect_error(s, 422, "POST", "/api/v1/clubs", "unknown field",
                 field="colour", body=club_body("Ok", "60601", colour="red"))
    # Non-UTF-8 bytes are not JSON text (RFC 8259 §8.1): 400, or 422.
    raw = b'{"name":"Caf\xe9","zip":"60601","secretary_email":"a@b.org"}'
    st, body = s.call("POST", "/api/v1/clubs", raw=raw,
                      headers={"Content-Type": "application/json"})
    check(st in (400, 422) and is_error(body),
          "Latin-1 byte in a JSON string -> 400 or 422 with the error body",
          "%s %r" % (st, body))
    raw = b'{"name":"Bad \\ud800 half","zip":"60601",' \
          b'"secretary_email":"a@b.org"}'
    st, body = s.call("POST", "/api/v1/clubs", raw=raw,
                      headers={"Content-Type": "application/json"})
    check(st in (400, 422) and is_error(body),
          "lone surrogate escape -> 400 or 422 with the error body",
          "%s %r" % (st, body))

    # 400 and 415 on the same route.
    for raw, what in ((b'{"name": "x",', "truncated JSON"),
                      (b"", "empty body"),
                      (b"[1, 2]", "a JSON array"),
                      (b'"text"', "a JSON string"),
                      (b'{"name":"a","name":"b","zip":"60601",'
                       b'"secretary_email":"a@b.org"}', "duplicate keys"),
                      (b"\xff\xfe{}", "binary garbage")):
        expect_error(s, 400, "POST", "/api/v1/clubs", "malformed body: "
                     + what, raw=raw,
                     headers={"Content-Type": "application/json"})
    expect_error(s, 415, "POST", "/api/v1/clubs", "text/plain body",
                 raw=json.dumps(club_body("Plain", "60601")).encode(),
                 headers={"Content-Type": "text/plain"})
    expect_error(s, 415, "POST", "/api/v1/clubs", "no Content-Type",
                 raw=json.dumps(club_body("Plain", "60601")).encode())
    expect_error(s, 415, "POST", "/api/v1/clubs", "form-encoded body",
                 raw=b"name=x&zip=60601",
                 headers={"Content-Type":
                          "application/x-www-form-urlencoded"})
    st, c = s.call("POST", "/api/v1/clubs", raw=json.dumps(
        club_body("Charset Club", "46204")).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"})
    eq(st, 201, "application/json; charset=utf-8 is JSON")
    if st == 201:
        # Take it back out of the comparison below.
        before[0].append(s.call("GET", "/api/v1/clubs/%d" % c["id"])[1])
    eq(state_of(s), before, "refused club requests changed nothing")

    # ---- clubs: patch ---------------------------------------------------------
    st, p = s.call("PATCH", "/api/v1/clubs/%d" % peoria["id"],
                   body={"name": "Peoria Players Guild",
                         "remote_capacity": 5})
    eq((st, p.get("name"), p.get("remote_capacity"), p.get("zip")),
       (200, "Peoria Players Guild", 5, "61602"),
       "PATCH changes only the given fields")
    st, p = s.call("GET", "/api/v1/clubs/%d" % peoria["id"])
    eq((p.get("name"), p.get("remote_capacity")),
       ("Peoria Players Guild", 5), "PATCH is stored")
    st, p = s.call("PATCH", "/api/v1/clubs/%d" % peoria["id"],
                   body={"remote_capacity": None})
    eq((st, p.get("remote_capacity")), (200, None),
       "PATCH remote_capacity null removes the limit")
    before = state_of(s)
    expect_error(s, 422, "PATCH", "/api/v1/clubs/%d" % peoria["id"],
                 "PATCH with unknown ZIP", field="zip",
                 body={"zip": "00000"})
    expect_error(s, 422, "PATCH", "/api/v1/clubs/%d" % peoria["id"],
                 "PATCH with CR/LF name", field="name",
                 body={"name": "a\r\nb", "remote_capacity": 3})
    expect_error(s, 404, "PATCH", "/api/v1/clubs/999999",
                 "PATCH unknown club", body={"name": "x"})
    expect_error(s, 400, "PATCH", "/api/v1/clubs/%d" % peoria["id"],
                 "PATCH malformed JSON", raw=b"{",
                 headers={"Content-Type": "application/json"})
    eq(state_of(s), before, "refused PATCHes changed nothing")

    # ---- tokens and roles --------------------------------------------------
    st, tok = s.call("POST", "/api/v1/clubs/%d/tokens" % loop["id"])
    eq(st, 201, "POST /api/v1/clubs/{id}/tokens -> 201")
    eq(sorted(tok) if isinstance(tok, dict) else tok,
       ["club_id", "role", "token"], "token body has token, role, club_id")
    eq((tok.get("role"), tok.get("club_id")), ("secretary", loop["id"]),
       "token is a secretary token of the club")
    sec = tok.get("token", "")
    check(isinstance(sec, str) and len(sec) >= 22 and
          re.match(r"^[A-Za-z0-9_\-]+$", sec) is not None,
          "token is long (>= 128 bits) and URL-safe", sec)
    st, tok2 = s.call("POST", "/api/v1/clubs/%d/tokens" % loop["id"])
    check(st == 201 and tok2.get("token") != sec,
          "a second token differs from the first")
    expect_error(s, 404, "POST", "/api/v1/clubs/999999/tokens",
                 "token for an unknown club")
    check(sec not in s.logtext(tail=None),
          "the token is not written to the log")

    st, me = s.call("GET", "/api/v1/me", token=sec)
    eq((st, me.get("role"), me.get("club_id"), me.get("club_name")),
       (200, "secretary", loop["id"], "Loop Readers"),
       "GET /api/v1/me with a secretary token")
    st, me = s.call("GET", "/api/v1/me")
    eq((st, me.get("role"), me.get("club_id"), me.get("club_name")),
       (200, "admin", None, None), "GET /api/v1/me with the admin token")
    st, me = s.call("GET", "/api/v1/me", token=tok2["token"])
    eq((st, me.get("club_id")), (200, loop["id"]),
       "the second token works too")

    before = state_of(s)
    for method, path, body in (
            ("GET", "/api/v1/clubs", None),
            ("POST", "/api/v1/clubs", club_body("Sneaky", "60601")),
            ("PATCH", "/api/v1/clubs/%d" % loop["id"], {"name": "Mine"}),
            ("DELETE", "/api/v1/clubs/%d" % loop["id"], None),
            ("DELETE", "/api/v1/clubs/%d" % spring["id"], None),
            ("POST", "/api/v1/clubs/%d/tokens" % loop["id"], None),
            ("GET", "/api/v1/members", None),
            ("POST", "/api/v1/members", member_body("Sneaky",
                                                    "s@example.org",
                                                    zip="60601")),
            ("POST", "/api/v1/match", None),
            ("GET", "/api/v1/clubs/%d" % spring["id"], None)):
        expect_error(s, 403, method, path, "secretary token on %s %s"
                     % (method, path), token=sec, body=body)
    eq(state_of(s), before, "refused secretary requests changed nothing")

    # ---- members ------------------------------------------------------------
    # Chicago (60602) is ~0.5 mi from the Loop club: local.
    st, ann = s.call("POST", "/api/v1/members", body=member_body(
        "Ann Local", "ann@example.org", zip="60602", phone="+1 312 555 0100",
        preferred_channel="email"))
    eq(st, 201, "POST /api/v1/members -> 201")
    a = ann.get("assignment", {})
    eq((a.get("club_id"), a.get("club_name"), a.get("mode")),
       (loop["id"], "Loop Readers", "local"),
       "member in 60602 is local to the Loop club")
    check(isinstance(a.get("distance_miles"), (int, float)) and
          0 <= a["distance_miles"] <= 25 and
          round(a["distance_miles"], 1) == a["distance_miles"],
          "local distance in miles with one decimal", a)
    check(isinstance(a.get("reason"), str) and "25 mi" in a["reason"] and
          ("%.1f mi" % a.get("distance_miles", -1)) in a["reason"],
          "reason says within 25 mi and the distance", a)
    eq((ann.get("name"), ann.get("email"), ann.get("zip"), ann.get("state"),
        ann.get("city")), ("Ann Local", "ann@example.org", "60602", "IL",
                           "Chicago"), "member fields")
    feed = ann.get("feed_url", "")
    check(isinstance(feed, str) and feed.startswith(s.base() + "/feeds/")
          and feed.endswith(".ics") and len(feed) > len(s.base()) + 30,
          "member has a feed_url under the base URL", feed)

    st, got = s.call("GET", "/api/v1/members/%d" % ann["id"])
    eq((st, got), (200, ann), "GET /api/v1/members/{id} returns the same")
    expect_error(s, 404, "GET", "/api/v1/members/999999", "unknown member")
    expect_error(s, 404, "GET", "/api/v1/members/x1", "non-numeric member id")

    # Carbondale (62901): no club within 25 mi; IL clubs taking remote
    # members: Loop (no limit) and Springfield (capacity 1), Peoria.  All
    # activity is 0 (no meetings): the nearer wins -> Springfield.
    st, bob = s.call("POST", "/api/v1/members", body=member_body(
        "Bob Remote", "bob@example.org", zip="62901"))
    b = bob.get("assignment", {}) if isinstance(bob, dict) else {}
    eq((st, b.get("club_id"), b.get("mode")), (201, spring["id"], "remote"),
       "62901 goes remote to the nearest IL club with room (Springfield)")
    check(isinstance(b.get("distance_miles"), (int, float)) and
          b["distance_miles"] > 25, "remote distance is over 25 mi", b)
    check("IL" in b.get("reason", ""), "remote reason names the state", b)
    st, sp = s.call("GET", "/api/v1/clubs/%d" % spring["id"])
    eq(sp.get("remote_members"), 1, "Springfield now has 1 remote member")

    # Capacity: Springfield (capacity 1) is full; the next goes elsewhere.
    st, cy = s.call("POST", "/api/v1/members", body=member_body(
        "Cy Remote", "cy@example.org", zip="62901"))
    c = cy.get("assignment", {}) if isinstance(cy, dict) else {}
    check(st == 201 and c.get("mode") == "remote" and
          c.get("club_id") not in (spring["id"], evanston["id"]),
          "with Springfield full the next 62901 member goes to another "
          "IL club", cy)
    st, sp = s.call("GET", "/api/v1/clubs/%d" % spring["id"])
    eq(sp.get("remote_members"), 1, "Springfield still has 1 remote member")

    # State only: VT has Burlington.
    st, dee = s.call("POST", "/api/v1/members", body=member_body(
        "Dee State", "dee@example.org", state="vt"))
    d = dee.get("assignment", {}) if isinstance(dee, dict) else {}
    eq((st, d.get("club_id"), d.get("mode"), d.get("distance_miles")),
       (201, burl["id"], "remote", None),
       "state-only member: remote in the state, distance null")
    eq((dee.get("zip"), dee.get("state")), (None, "VT"),
       "state-only member has zip null and the state upper-cased")
    # State only, no club there: unassigned with a reason.
    st, eve = s.call("POST", "/api/v1/members", body=member_body(
        "Eve Alaska", "eve@example.org", state="AK"))
    e = eve.get("assignment", {}) if isinstance(eve, dict) else {}
    eq((st, e.get("club_id"), e.get("club_name"), e.get("mode"),
        e.get("distance_miles")),
       (201, None, None, "unassigned", None),
       "state-only member with no club in the state is unassigned")
    check(isinstance(e.get("reason"), str) and len(e["reason"]) > 10,
          "unassigned member has a reason", e)

    # ---- members: 409, 422, and nothing changed ----------------------------
    before = state_of(s)
    expect_error(s, 409, "POST", "/api/v1/members", "duplicate e-mail",
                 body=member_body("Ann Again", "ann@example.org",
                                  zip="60602"))
    expect_error(s, 409, "POST", "/api/v1/members", "duplicate e-mail in "
                 "another case", body=member_body("Ann Again",
                                                  "ANN@Example.ORG",
                                                  zip="62901"))
    expect_error(s, 422, "POST", "/api/v1/members", "member without name",
                 field="name", body={"email": "n@example.org",
                                     "zip": "60601"})
    expect_error(s, 422, "POST", "/api/v1/members", "member without e-mail",
                 field="email", body={"name": "No Mail", "zip": "60601"})
    expect_error(s, 422, "POST", "/api/v1/members", "member with bad e-mail",
                 field="email", body=member_body("Bad", "bad@", zip="60601"))
    expect_error(s, 422, "POST", "/api/v1/members", "member with unknown ZIP",
                 field="zip", body=member_body("Z", "z@example.org",
                                               zip="00000"))
    expect_error(s, 422, "POST", "/api/v1/members", "member with bad state",
                 field="state", body=member_body("S", "s@example.org",
                                                 state="XX"))
    expect_error(s, 422, "POST", "/api/v1/members", "member with 3-letter "
                 "state", field="state", body=member_body(
                     "S", "s@example.org", state="ILL"))
    check(is_error(s.call("POST", "/api/v1/members", body=member_body(
        "Nowhere", "nw@example.org"))[1]) and s.call(
        "POST", "/api/v1/members", body=member_body(
            "Nowhere", "nw@example.org"))[0] == 422,
        "member with neither zip nor state -> 422")
    expect_error(s, 422, "POST", "/api/v1/members", "CR/LF in member name",
                 field="name", body=member_body("Mal\r\nBcc: all@x.org",
                                                "mal@example.org",
                                                zip="60601"))
    expect_error(s, 422, "POST", "/api/v1/members", "tab in member name",
                 field="name", body=member_body("Tab\there", "t@example.org",
                                                zip="60601"))
    expect_error(s, 422, "POST", "/api/v1/members", "CR/LF in e-mail",
                 field="email", body=member_body(
                     "M", "m@example.org\r\nBcc: x@y.org", zip="60601"))
    expect_error(s, 422, "POST", "/api/v1/members", "DEL in member name",
                 field="name", body=member_body("Del\x7f", "d@example.org",
                                                zip="60601"))
    expect_error(s, 422, "POST", "/api/v1/members", "bad preferred_channel",
                 field="preferred_channel", body=member_body(
                     "P", "p@example.org", zip="60601",
                     preferred_channel="pigeon"))
    expect_error(s, 422, "POST", "/api/v1/members", "zip as a number",
                 field="zip", body=member_body("N", "n@example.org",
                                               zip=60601))
    expect_error(s, 400, "POST", "/api/v1/members", "member malformed JSON",
                 raw=b'{"name": "x" "email": "y"}',
                 headers={"Content-Type": "application/json"})
    expect_error(s, 415, "POST", "/api/v1/members", "member as text/plain",
                 raw=json.dumps(member_body("T", "tp@example.org",
                                            zip="60601")).encode(),
                 headers={"Content-Type": "text/plain"})
    eq(state_of(s), before, "refused member requests changed nothing")

    # ---- members: list, filters, pagination -------------------------------
    members = all_items(s, "/api/v1/members")
    eq([m["id"] for m in members], sorted(m["id"] for m in members),
       "members listed in id order")
    eq(len(members), 5, "5 members so far")
    check(all("assignment" in m and "feed_url" in m for m in members),
          "each listed member has assignment and feed_url")
    st, page = s.call("GET", "/api/v1/members?club_id=%d" % loop["id"])
    eq([m["id"] for m in page.get("items", [])], [ann["id"]] + (
        [cy["id"]] if c.get("club_id") == loop["id"] else []),
       "?club_id= lists that club's members")
    st, page = s.call("GET", "/api/v1/members?mode=local")
    eq([m["id"] for m in page.get("items", [])], [ann["id"]],
       "?mode=local")
    st, page = s.call("GET", "/api/v1/members?mode=remote")
    eq([m["id"] for m in page.get("items", [])],
       [bob["id"], cy["id"], dee["id"]], "?mode=remote")
    st, page = s.call("GET", "/api/v1/members?mode=unassigned")
    eq([m["id"] for m in page.get("items", [])], [eve["id"]],
       "?mode=unassigned")
    st, page = s.call("GET", "/api/v1/members?mode=remote&club_id=%d"
                      % spring["id"])
    eq([m["id"] for m in page.get("items", [])], [bob["id"]],
       "?mode= and ?club_id= together")
    st, page = s.call("GET", "/api/v1/members?club_id=999999")
    eq((st, page.get("items"), page.get("next")), (200, [], None),
       "?club_id of an unknown club: an empty list")
    seen, after = [], None
    for _ in range(10):
        st, page = s.call("GET", "/api/v1/members?limit=2" +
                          ("&after=" + after if after else ""))
        seen += [m["id"] for m in page.get("items", [])]
        after = page.get("next")
        if not after:
            break
    eq(seen, [m["id"] for m in members], "member pages at limit=2 give "
       "every member once")
    expect_error(s, 400, "GET", "/api/v1/members?mode=nearby", "bad ?mode")
    expect_error(s, 400, "GET", "/api/v1/members?club_id=abc",
                 "bad ?club_id")
    expect_error(s, 400, "GET", "/api/v1/members?limit=5000", "limit 5000")

    # ---- delete = deactivate, members re-matched ---------------------------
    # Ann (60602) is local to Loop; with Loop gone the nearest active club
    # within 25 mi is Evanston (~12 mi), which takes no remote members but
    # local is local.
    before_clubs = len(all_items(s, "/api/v1/clubs"))
    st, body = s.call("DELETE", "/api/v1/clubs/%d" % loop["id"])
    eq(st, 200, "DELETE /api/v1/clubs/{id}")
    st, gone = s.call("GET", "/api/v1/clubs/%d" % loop["id"])
    eq((st, gone.get("active") if isinstance(gone, dict) else None),
       (200, False), "a deleted club is kept, inactive")
    st, ann2 = s.call("GET", "/api/v1/members/%d" % ann["id"])
    a2 = ann2.get("assignment", {})
    eq((a2.get("club_id"), a2.get("mode")), (evanston["id"], "local"),
       "the deleted club's local member is re-matched to Evanston")
    st, page = s.call("GET", "/api/v1/members?club_id=%d" % loop["id"])
    eq(page.get("items"), [], "nobody is left in the deleted club")
    eq(len(all_items(s, "/api/v1/clubs")), before_clubs,
       "the club list still counts the deleted club (inactive)")
    st, me = s.call("GET", "/api/v1/me", token=sec)
    check(st in (401, 403), "the deleted club's secretary token no longer "
          "works", "%s %r" % (st, me))
    expect_error(s, 404, "DELETE", "/api/v1/clubs/%d" % loop["id"],
                 "deleting a deleted club")
    expect_error(s, 404, "PATCH", "/api/v1/clubs/%d" % loop["id"],
                 "patching a deleted club", body={"name": "Back"})
    expect_error(s, 404, "POST", "/api/v1/clubs/%d/tokens" % loop["id"],
                 "token for a deleted club")
    expect_error(s, 404, "DELETE", "/api/v1/clubs/999999",
                 "deleting an unknown club")
    # New members never go to the deleted club.
    st, fay = s.call("POST", "/api/v1/members", body=member_body(
        "Fay", "fay@example.org", zip="60601"))
    check(st == 201 and fay["assignment"]["club_id"] != loop["id"],
          "a new member next to the deleted club is not given it", fay)

    # Delete Springfield: Bob (its remote member) goes elsewhere; the
    # capacity it freed is not given back to anyone by mistake.
    st, _ = s.call("DELETE", "/api/v1/clubs/%d" % spring["id"])
    eq(st, 200, "DELETE Springfield")
    st, bob2 = s.call("GET", "/api/v1/members/%d" % bob["id"])
    b2 = bob2.get("assignment", {})
    check(b2.get("mode") == "remote" and b2.get("club_id") not in (
        spring["id"], loop["id"], evanston["id"]),
        "Springfield's remote member is re-matched to an active IL club "
        "taking remote members", b2)

    # ---- POST /api/v1/match ------------------------------------------------
    # Everyone here has a club except the members no club can take yet:
    # a match run tries those again and leaves them unassigned.
    st, listed = s.call("GET", "/api/v1/members?mode=unassigned&limit=1000")
    still = len(listed["items"]) if st == 200 else -1
    st, n = s.call("POST", "/api/v1/match")
    eq((st, n), (200, {"assigned": 0, "local": 0, "remote": 0,
                       "unassigned": still}),
       "POST /api/v1/match with nobody to match")
    csv_path = os.path.join(s.dir, "later.csv")
    with open(csv_path, "w") as f:
        f.write("name,email,zip,state\n"
                "Gus,gus@example.org,60201,\n"        # local Evanston
                "Hal,hal@example.org,62901,\n"        # remote IL
                "Ida,ida@example.org,,AK\n")          # unassigned
    rc, out, err = s.cli(["import", "members", csv_path, "--no-match"])
    check(rc == 0, "CLI import --no-match into the server's database", err)
    st, page = s.call("GET", "/api/v1/members?mode=unassigned")
    names = sorted(m["name"] for m in page.get("items", []))
    eq(names, ["Eve Alaska", "Gus", "Hal", "Ida"],
       "members imported with --no-match are listed as unassigned")
    gus = [m for m in page.get("items", []) if m["name"] == "Gus"]
    check(gus and gus[0]["assignment"]["club_id"] is None and
          "match" in gus[0]["assignment"]["reason"],
          "a never-matched member's reason says to run match", gus)
    expect_error(s, 415, "POST", "/api/v1/match", "match with a text body",
                 raw=b"go", headers={"Content-Type": "text/plain"})
    # Every member without a club (docs/matching.md, "Batch matching"):
    # the never-matched Gus, Hal and Ida, and Eve, who had no candidate
    # before and still has none.
    st, n = s.call("POST", "/api/v1/match")
    eq((st, n), (200, {"assigned": 2, "local": 1, "remote": 1,
                       "unassigned": 2}),
       "POST /api/v1/match assigns the unassigned members (Eve and Ida "
       "still have no club in AK)")
    st, page = s.call("GET", "/api/v1/members?mode=unassigned")
    eq(sorted(m["name"] for m in page.get("items", [])),
       ["Eve Alaska", "Ida"], "after match only the unplaceable remain")
    st, n = s.call("POST", "/api/v1/match", body={})
    eq((st, n.get("assigned"), n.get("local"), n.get("remote")),
       (200, 0, 0, 0), "a second match assigns nobody new")
    # A club opens in Alaska: the next match reaches Eve and Ida.
    st, ak = s.call("POST", "/api/v1/clubs", body=club_body(
        "Anchorage Aurora", "99501"))
    eq(st, 201, "a club in Anchorage")
    st, n = s.call("POST", "/api/v1/match")
    eq((st, n), (200, {"assigned": 2, "local": 0, "remote": 2,
                       "unassigned": 0}),
       "after a club opens in AK, match assigns the members left "
       "unassigned there")
    st, page = s.call("GET", "/api/v1/members?club_id=%d" % ak.get("id", 0))
    eq(sorted(m["name"] for m in page.get("items", [])),
       ["Eve Alaska", "Ida"], "Eve and Ida are now remote members of the "
       "Anchorage club")

    # ---- routes: 404, 405 ----------------------------------------------------
    expect_error(s, 404, "GET", "/api/v1/nothing", "unknown route")
    expect_error(s, 404, "GET", "/api/v2/clubs", "unknown API version")
    expect_error(s, 404, "GET", "/", "GET /")
    expect_error(s, 404, "GET", "/api/v1/clubs/1/2/3", "too deep a path")
    b = expect_error(s, 405, "DELETE", "/api/v1/members",
                     "DELETE /api/v1/members")
    allow = s.last_headers.get("allow", "")
    eq(sorted(x.strip() for x in allow.split(",")), ["GET", "POST"],
       "405 on /api/v1/members allows GET, POST")
    expect_error(s, 405, "PUT", "/api/v1/clubs/%d" % peoria["id"],
                 "PUT /api/v1/clubs/{id}", body={"name": "x"})
    allow = s.last_headers.get("allow", "")
    eq(sorted(x.strip() for x in allow.split(",")),
       ["DELETE", "GET", "PATCH"], "405 on a club allows GET, PATCH, DELETE")
    expect_error(s, 405, "POST", "/healthz", "POST /healthz", token=None)
    check("GET" in s.last_headers.get("allow", ""), "Allow: GET on healthz")
    st, _ = s.call("HEAD", "/healthz", token=None)
    eq(st, 200, "HEAD /healthz")

    # ---- 413 -----------------------------------------------------------------
    before = state_of(s)
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    resp = raw_request(s.port, post_club_head(
        s, b"Content-Length: %d\r\n" % len(big)))
    eq(status_of(resp), 413, "Content-Length of 2 MiB -> 413 before the "
       "body is sent")
    body = resp.partition(b"\r\n\r\n")[2]
    try:
        check(is_error(json.loads(body)), "413 has the error body", body)
    except ValueError:
        check(False, "413 has the error body", body)
    t0 = time.time()
    resp, sent = send_streaming(
        s.port, post_club_head(s, b"Content-Length: %d\r\n" % len(big)),
        [big[i:i + 65536] for i in range(0, len(big), 65536)])
    eq(status_of(resp), 413, "2 MiB body sent at once (as curl does) -> "
       "413")
    check(time.time() - t0 < 10, "413 comes quickly")
    # Just over 1 MiB: refused; just under: read (and refused as a bad
    # club, 422, not 413).
    name = "y" * (1024 * 1024 - 100)
    under = json.dumps({"name": name, "zip": "60601",
                        "secretary_email": "a@b.org"}).encode()
    assert len(under) <= 1024 * 1024        # the fixture, not a test
    st, body = s.call("POST", "/api/v1/clubs", raw=under,
                      headers={"Content-Type": "application/json"})
    eq((st, error_code(body) != "body_too_large"), (422, True),
       "a body just under 1 MiB is read (422: name too long)")
    over = under + b" " * (1024 * 1024 + 1 - len(under))
    resp, _ = send_streaming(s.port, post_club_head(
        s, b"Content-Length: %d\r\n" % len(over)), [over])
    eq(status_of(resp), 413, "1 MiB + 1 byte -> 413")

    # Chunked: no Content-Length, the body grows past 1 MiB.
    chunk = b"x" * 65536
    chunks = [b'%x\r\n{"name": "\r\n' % len(b'{"name": "')]
    chunks += [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 48
    chunks += [b'2\r\n"}\r\n0\r\n\r\n']
    resp, sent = send_streaming(s.port, post_club_head(s, CHUNKED), chunks)
    eq(status_of(resp), 413, "chunked body of 3 MiB -> 413")
    # An endless chunked body is not read for ever: the server answers or
    # hangs up long before 64 MiB have been sent.
    resp, sent = send_streaming(s.port, post_club_head(s, CHUNKED),
                                chunks[:-1] * 21, timeout=30)
    check(sent < 16 * 1024 * 1024, "an endless chunked body is cut off "
          "(%d bytes sent before the server stopped reading)" % sent)
    st, body = s.call("GET", "/healthz", token=None)
    eq(st, 200, "the server still answers after the oversize bodies")
    eq(state_of(s), before, "oversize bodies changed nothing")

    # ---- keep-alive ----------------------------------------------------------
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("GET", "/healthz")
    r1 = conn.getresponse()
    r1.read()
    sock1 = conn.sock
    conn.request("GET", "/api/v1/zip/60601")
    r2 = conn.getresponse()
    r2.read()
    check(r1.status == 200 and r2.status == 200 and
          (r1.getheader("Connection") or "").lower() != "close" and
          sock1 is not None and conn.sock is sock1,
          "two GETs on one keep-alive connection, no Connection: close",
          "%s %s %r %r" % (r1.status, r2.status, r1.getheaders(),
                           r2.getheaders()))
    hdr = {"Authorization": "Bearer " + s.admin,
           "Content-Type": "application/json"}
    conn.request("POST", "/api/v1/members", body=json.dumps(member_body(
        "Kim Keepalive", "kim@example.org", zip="60601")), headers=hdr)
    r3 = conn.getresponse()
    r3.read()
    conn.request("GET", "/api/v1/members/999999", headers=hdr)
    r4 = conn.getresponse()
    r4.read()
    conn.request("GET", "/healthz")
    r5 = conn.getresponse()
    r5.read()
    check((r3.status, r4.status, r5.status) == (201, 404, 200) and
          conn.sock is sock1 and
          (r3.getheader("Connection") or "").lower() != "close" and
          (r4.getheader("Connection") or "").lower() != "close",
          "a POST with a body and a 404 keep the connection open too",
          "%s %s %s %r" % (r3.status, r4.status, r5.status, r4.getheaders()))
    conn.close()

    # ---- no 500, nothing in the log that says internal error ----------------
    # (libmicrohttpd logs "Application reported internal error" when the
    # server hangs up on an endless body on purpose; that is not a 500.)
    eq(s.events("internal_error"), [],
       "no request ended in a 500 (nothing logged as internal error)")
    eq([e for e in s.events("request") if e.get("status") == "500"], [],
       "no request's log line says 500")


def capacity_race():
    """12 members posted at the same moment compete for 3 remote places:
    exactly 3 get one; deleting a club re-matches within capacity."""
    import threading
    from collections import Counter
    with Server() as s:
        st, a = s.call("POST", "/api/v1/clubs", body=club_body(
            "Cap One", "62701", remote_capacity=1))
        st, b = s.call("POST", "/api/v1/clubs", body=club_body(
            "Cap Two", "60601", remote_capacity=2))
        res = []

        def post(i):
            st, m = s.call("POST", "/api/v1/members", body=member_body(
                "Racer %d" % i, "racer%d@example.org" % i, zip="62901"))
            res.append((st, m["assignment"]["club_id"] if st == 201 else st))

        threads = [threading.Thread(target=post, args=(i,))
                   for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        eq(Counter(res), Counter({(201, a["id"]): 1, (201, b["id"]): 2,
                                  (201, None): 9}),
           "12 concurrent members: capacities 1 and 2 are filled exactly, "
           "the other 9 are unassigned")
        st, c = s.call("GET", "/api/v1/clubs")
        eq([x["remote_members"] for x in c.get("items", [])], [1, 2],
           "remote_members counts match the capacities")
        st, _ = s.call("DELETE", "/api/v1/clubs/%d" % b["id"])
        st, c = s.call("GET", "/api/v1/clubs/%d" % a["id"])
        eq((st, c.get("remote_members")), (200, 1),
           "re-matching a deleted club's members does not overfill a full "
           "club")
        st, p = s.call("GET", "/api/v1/members?mode=unassigned")
        eq(len(p.get("items", [])), 11, "its 2 members are unassigned now")


def rate_limit():
    """429 after many failed token attempts from one address."""
    with Server() as s:
        codes = []
        for i in range(40):
            st, body = s.call("GET", "/api/v1/clubs",
                              token="wrong-token-%02d-xxxxxxxxxxxx" % i)
            codes.append(st)
            if st == 429:
                break
        check(codes[0] == 401 and codes[-1] == 429,
              "repeated wrong tokens: 401s, then 429", codes)
        check(5 <= len(codes) - 1 <= 30,
              "429 starts after a handful of failures (%d)"
              % (len(codes) - 1))
        st, body = s.call("GET", "/api/v1/clubs", token="wrong-again")
        check(st == 429 and is_error(body) and
              s.last_headers.get("retry-after", "").isdigit(),
              "429 has the error body and Retry-After", (st, body,
                                                         s.last_headers))
        # A valid token is never refused with 429, from whatever client
        # (CONTRACT §9): the block slows guessing, it does not lock the
        # organizer out.
        st, body = s.call("GET", "/api/v1/clubs")
        eq(st, 200, "while blocked, the valid admin token still gets 200")
        # Public routes need no token and stay open.
        st, body = s.call("GET", "/healthz", token=None)
        eq(st, 200, "a blocked address still reaches /healthz")
        st, body = s.call("GET", "/api/v1/zip/60601", token=None)
        eq(st, 200, "a blocked address still reaches public ZIP lookups")
        # Ordinary lookups are not rate-limited: many good requests on a
        # fresh server never see 429.
    with Server() as s:
        codes = set()
        for i in range(150):
            st, _ = s.call("GET", "/api/v1/zip/60601", token=None)
            codes.add(st)
            st, _ = s.call("GET", "/api/v1/me")
            codes.add(st)
        eq(codes, {200}, "300 ordinary requests are never rate-limited")


if __name__ == "__main__":
    main()
