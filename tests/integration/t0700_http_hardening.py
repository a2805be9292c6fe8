#!/usr/bin/python3
"""t0700 - the HTTP connection layer under an attacker (CONTRACT §9,
docs/operations.md "Behind a reverse proxy" and "Failed tokens").

The client is the peer, or behind a --trusted-proxy the last
X-Forwarded-For address that is not a trusted proxy; only failed tokens
count, more than 20 in a minute from one client get 429, a valid token is
never 429, and the limiter does not forget a client whose address shares
a hash bucket with another's.  Loopback addresses 127.0.0.x stand for
outside hosts (the kernel routes all of 127.0.0.0/8).
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import Server, check, eq, done, run_cli, wait_for  # noqa: E402
from meetlib import feed_path, mk_club, mk_member, mk_token  # noqa: E402


def bad(s, source=None, xff=None, n=1):
    """n requests with a wrong token; returns their statuses."""
    h = {"X-Forwarded-For": xff} if xff else None
    return [s.call("GET", "/api/v1/clubs", token="wrong-token-%d" % i,
                   headers=h, source=source)[0] for i in range(n)]


def raw_answer(port, req, timeout=10):
    """(status, {lowercase header name: value}) of the answer to the raw
    bytes req; status None when the connection gives no answer within
    timeout."""
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        c.sendall(req)
        while b"\r\n\r\n" not in out:
            d = c.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    finally:
        c.close()
    lines = out.split(b"\r\n\r\n")[0].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode("latin-1")] = \
            v.strip().decode("latin-1")
    st = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
    return st, headers


def raw_status(port, req, timeout=10):
    """The status of the answer to the raw bytes req, or None."""
    return raw_answer(port, req, timeout)[0]


def timed_status(port, req, timeout=10):
    """(status as raw_status gives it, seconds until the answer)."""
    t0 = time.monotonic()
    st = raw_status(port, req, timeout)
    return st, round(time.monotonic() - t0, 3)


def request_lines(s, rid):
    """The log's request lines with id rid."""
    return [e for e in s.events("request") if e.get("id") == rid]


with Server(args=["--trusted-proxy", "127.0.0.1"]) as s:
    club = mk_club(s, "Alpha Club", "60601")
    sec = mk_token(s, club["id"])

    # Item 1: behind the proxy (127.0.0.1), clients are told apart by
    # X-Forwarded-For; one client's bad tokens lock out no one else.
    got = bad(s, xff="203.0.113.7", n=21)
    eq(got[:20], [401] * 20, "20 bad tokens from one client behind the "
       "proxy: 401 each")
    eq(got[20], 429, "the 21st bad token of that client: 429")
    eq(s.last_headers.get("retry-after"), "60", "429 says Retry-After: 60")
    eq(bad(s, xff="203.0.113.7")[0], 429, "that client stays limited")
    eq(bad(s, xff="198.51.100.9")[0], 401,
       "another client behind the same proxy is not limited")
    st, _ = s.call("GET", "/api/v1/clubs",
                   headers={"X-Forwarded-For": "203.0.113.7"})
    eq(st, 200, "the limited client with the valid admin token: 200")
    st, _ = s.call("GET", "/api/v1/me", token=sec,
                   headers={"X-Forwarded-For": "203.0.113.7"})
    eq(st, 200, "the limited client with a valid secretary token: 200")
    eq(bad(s, xff="203.0.113.7, 127.0.0.1")[0], 429,
       "a trusted proxy in the chain is skipped (the client is the one "
       "before it)")
    eq(bad(s, xff="203.0.113.7, 198.51.100.20")[0], 401,
       "the last untrusted address is the client, not a forged first one")

    # X-Forwarded-For from a peer that is no trusted proxy is ignored.
    got = bad(s, source="127.0.0.2", xff="192.0.2.1", n=21)
    eq(got[20], 429, "an untrusted peer is limited on its own address")
    eq(bad(s, source="127.0.0.2", xff="192.0.2.99")[0], 429,
       "a new X-Forwarded-For from an untrusted peer changes nothing")
    st, _ = s.call("GET", "/api/v1/clubs", source="127.0.0.2")
    eq(st, 200, "the limited peer with a valid token: 200, never 429")

    # Item 2: 127.0.1.10 and 127.0.4.176 shared a slot of the old
    # 256-slot table, and each reset the other's count.
    got_a, got_b = [], []
    for i in range(22):
        got_a += bad(s, source="127.0.1.10")
        got_b += bad(s, source="127.0.4.176")
    eq((got_a[20], got_b[20]), (429, 429),
       "two clients that used to share a limiter slot are both limited "
       "after 20 failures each")
    eq((got_a[:20].count(429), got_b[:20].count(429)), (0, 0),
       "neither is limited before its own 21st failure")

    # Public token URLs count failures the same way, and only failures.
    got = [s.call("GET", "/feeds/nosuchtoken%d.ics" % i, token=None,
                  source="127.0.0.3")[0] for i in range(21)]
    eq(got[:20], [404] * 20, "20 unknown feed tokens: 404 each")
    eq(got[20], 429, "the 21st unknown feed token from that client: 429")
    st, _ = s.call("GET", "/healthz", token=None, source="127.0.0.3")
    eq(st, 200, "requests without a token are not limited")

    # Item 8: an over-long request line or query is a prompt 414, too
    # many or too large headers 431, never a connection left unanswered.
    host = b"Host: a\r\n"
    eq(raw_status(s.port, b"GET /healthz?" + b"x=1&" * 500 +
                  b" HTTP/1.1\r\n" + host + b"\r\n"), 414,
       "500 query parameters: 414 (was no answer)")
    eq(raw_status(s.port, b"GET /healthz?" + b"x" * 9000 +
                  b" HTTP/1.1\r\n" + host + b"\r\n"), 414,
       "a 9 KB query: 414")
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\n" + host +
                  b"X-a: b\r\n" * 300 + b"\r\n"), 431,
       "300 header fields: 431")
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\n" + host +
                  b"X-a: " + b"y" * 300000 + b"\r\n\r\n"), 431,
       "a 300 KB header: 431")
    eq(raw_status(s.port, b"GET /healthz?a=1&b=2 HTTP/1.1\r\n" + host +
                  b"Connection: close\r\n\r\n"), 200,
       "a short query is answered as before")
    # 20,000 parameters used to fill libmicrohttpd's memory pool before
    # our handler ran: no answer until the client gave up.
    got = timed_status(s.port, b"GET /healthz?" + b"x=1&" * 20000 +
                       b" HTTP/1.1\r\n" + host + b"\r\n", timeout=5)
    check(got[0] == 414 and got[1] < 2, "an 80 KB request line of 20,000 "
          "query parameters: 414 within 2 s (was no answer)",
          "status %s after %s s" % got)
    got = timed_status(s.port, b"GET /api/v1/clubs?" + b"&" * 30000 +
                       b"a HTTP/1.1\r\n" + host + b"\r\n", timeout=5)
    check(got[0] == 414 and got[1] < 2, "a query of 30,000 empty "
          "parameters: 414 within 2 s", "status %s after %s s" % got)
    got = timed_status(s.port, b"GET /healthz HTTP/1.1\r\n" + host +
                       b"X-a: " + b"y" * 65536 + b"\r\n\r\n", timeout=5)
    check(got[0] == 431 and got[1] < 2, "one 64 KB header field: 431 "
          "within 2 s (was 200)", "status %s after %s s" % got)
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\n" + host +
                  b"X-a: " + b"y" * 8000 + b"\r\nConnection: close\r\n"
                  b"\r\n"), 200, "an 8,000-byte header field is answered")

    # Item 9: framing as RFC 9112 says; the smuggled request never runs.
    before = s.call("GET", "/api/v1/clubs")[1]
    smuggle = (b"POST /api/v1/clubs HTTP/1.1\r\n" + host +
               b"Authorization: Bearer " + s.admin.encode() + b"\r\n"
               b"Content-Type: application/json\r\n"
               b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\n\r\n")
    eq(raw_status(s.port, smuggle), 400,
       "Content-Length with Transfer-Encoding: chunked: 400")
    eq(raw_status(s.port, b"POST /api/v1/clubs HTTP/1.1\r\n" + host +
                  b"Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}"),
       400, "two different Content-Lengths: 400")
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n"),
       400, "a space before the colon: 400")
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\n\r\n"), 400,
       "HTTP/1.1 without Host: 400")
    eq(raw_status(s.port, b"GET /healthz HTTP/1.0\r\n\r\n"), 200,
       "HTTP/1.0 without Host is still answered")
    # A NUL cuts the value short for C code ("b\0c" reads as "b"): RFC
    # 9112 5.5 forbids it, and libmicrohttpd 0.9.75 passes it on.
    for where, req in [
            ("a header value", b"GET /healthz HTTP/1.1\r\n" + host +
             b"X-a: b\x00c\r\nConnection: close\r\n\r\n"),
            ("the last header value", b"GET /healthz HTTP/1.1\r\n"
             b"Connection: close\r\nHost: a\x00.example\r\n\r\n"),
            ("the Authorization header", b"GET /api/v1/clubs HTTP/1.1\r\n" +
             host + b"Authorization: Bearer " + s.admin.encode() +
             b"\x00junk\r\nConnection: close\r\n\r\n"),
            ("the request target", b"GET /healthz\x00/x HTTP/1.1\r\n" +
             host + b"Connection: close\r\n\r\n")]:
        eq(raw_status(s.port, req), 400, "a NUL byte in %s: 400 (was "
           "answered as if the NUL ended it)" % where)
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\n" + host +
                  b"X-a: b\r\n c\r\nConnection: close\r\n\r\n"), 400,
       "a header folded onto a second line (obs-fold): 400")
    eq(raw_status(s.port, b"GET /healthz HTTP/1.1\r\n" + host +
                  b"X-a:\r\nX-b: v  \r\nX-c:  w\r\nConnection: close\r\n"
                  b"\r\n"), 200, "empty values and spaces around a value "
       "are no NUL (200)")
    eq(s.call("GET", "/api/v1/clubs")[1], before,
       "the refused requests changed nothing")

    # Item 6: a body is read only once its route, token and Content-Type
    # are accepted: 300 half-sent 1 MiB uploads without a token are each
    # refused at once and cost no memory.
    def rss_kb():
        with open("/proc/%d/status" % s.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    rss0 = rss_kb()
    socks, statuses = [], []
    for i in range(300):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(b"POST /api/v1/clubs HTTP/1.1\r\nHost: a\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: 1048576\r\n\r\n" + b"x" * 65536)
        socks.append(c)
    for c in socks:
        try:
            statuses.append(c.recv(100).split(b" ")[1])
        except (OSError, IndexError):
            statuses.append(None)
        c.close()
    eq(set(statuses), {b"401"}, "300 half-sent uploads without a token: "
       "401 each, before their bodies")
    grew = rss_kb() - rss0
    check(grew < 40 * 1024, "they cost the server no memory (RSS grew "
          "%d KiB)" % grew)
    eq(raw_status(s.port, b"POST /api/v1/clubs HTTP/1.1\r\n" + host +
                  b"Authorization: Bearer " + s.admin.encode() + b"\r\n"
                  b"Content-Type: text/plain\r\n"
                  b"Content-Length: 1048576\r\n\r\n"), 415,
       "a body of the wrong type is refused (415) before it is read")
    eq(raw_status(s.port, b"POST /nowhere HTTP/1.1\r\n" + host +
                  b"Content-Length: 1048576\r\n\r\n"), 404,
       "a body for no route is refused (404) before it is read")

    # Logs (CONTRACT §14, docs/operations.md "Logs"): one key=value line
    # per request, with the id its answer carries as X-Request-Id, and the
    # route's pattern, never the path or query, so no token is logged.
    member = mk_member(s, "Dana Feed", "dana@example.org", "60601")
    feed = feed_path(s, member["id"])
    feed_token = feed[len("/feeds/"):-len(".ics")]
    st, _ = s.call("GET", feed + "?secret=hunter2", token=None,
                   source="127.0.0.9")
    rid = s.last_headers.get("x-request-id") or ""
    eq(st, 200, "a member's feed by its token: 200")
    check(re.match(r"^[0-9a-f]{16}$", rid), "the answer carries an "
          "X-Request-Id of 16 hex digits (was none)", rid)
    lines = wait_for(lambda: request_lines(s, rid), timeout=5)
    eq(len(lines), 1, "one log line for that request, with that id")
    ev = lines[0] if lines else {}
    eq((ev.get("method"), ev.get("route"), ev.get("status"),
        ev.get("client"), ev.get("bytes")),
       ("GET", "/feeds/{}.ics", "200", "127.0.0.9", str(len(s.last_raw))),
       "the line has the method, the route's pattern, the status, the "
       "client and the body's size")
    check(re.match(r"^\d+\.\d$", ev.get("ms", "")), "and the time in ms",
          ev)
    log = s.logtext(tail=None)
    check(len(feed_token) >= 20 and feed_token not in log,
          "the feed token in the path is not in the log")
    check("hunter2" not in log and "secret" not in log,
          "nor is the query string")
    s.call("GET", "/healthz", token=None)
    check(s.last_headers.get("x-request-id") not in (None, rid),
          "the next request has an id of its own")

    # A trusted proxy's X-Request-Id joins its log to ours when it is
    # short and plain; any other is ignored.
    st, _ = s.call("GET", "/healthz", token=None,
                   headers={"X-Request-Id": "lb-7f.3_A"})
    eq(s.last_headers.get("x-request-id"), "lb-7f.3_A",
       "a trusted proxy's X-Request-Id is the request's id")
    eq(len(wait_for(lambda: request_lines(s, "lb-7f.3_A"), timeout=5)), 1,
       "and the log line's")
    for bad in ["a b", "x" * 65, 'a"b', "a=b", "id%0aevent=forged"]:
        s.call("GET", "/healthz", token=None, headers={"X-Request-Id": bad})
        got = s.last_headers.get("x-request-id") or ""
        check(re.match(r"^[0-9a-f]{16}$", got), "an X-Request-Id %s from "
              "the trusted proxy is replaced by an id of ours" % (
                  repr(bad) if len(bad) < 20 else "of %d chars" % len(bad)),
              got)
    s.call("GET", "/healthz", token=None, source="127.0.0.2",
           headers={"X-Request-Id": "not-a-proxy"})
    check(s.last_headers.get("x-request-id") != "not-a-proxy",
          "an X-Request-Id from a peer that is no trusted proxy is ignored")

    # A hostile request cannot forge a log line or a key.
    st, h = raw_answer(s.port, b"GET /x%0a%20event=forged%0d%0ats=1%20"
                       b"event=forged?q=%0aevent=forged HTTP/1.1\r\n" + host +
                       b"Connection: close\r\n\r\n")
    lines = wait_for(lambda: request_lines(s, h.get("x-request-id")), 5)
    eq([(e.get("status"), e.get("route")) for e in lines],
       [("404", "unmatched")], "a path with %0a event=forged: one log line, "
       "its own request's")
    st, h = raw_answer(s.port, b'event=forged" /healthz HTTP/1.1\r\n' + host +
                       b"Connection: close\r\n\r\n")
    lines = wait_for(lambda: request_lines(s, h.get("x-request-id")), 5)
    eq([(e.get("event"), e.get("method"), e.get("status")) for e in lines],
       [("request", 'event=forged\\"', "405")],
       "a method 'event=forged\"' is one quoted value of the request's line")
    eq([e for e in s.events() if e.get("event") == "forged"], [],
       "no line of the log is a forged event")

# Every line the server wrote is a key=value event: the start, each
# request, libmicrohttpd's own messages and the stop.
unparsed = [e["unparsed"][:200] for e in s.events() if "unparsed" in e]
eq(unparsed, [], "every line of the server's stderr is a key=value event")
eq([e.get("address") for e in s.events("listening")], ["127.0.0.1:%d" % s.port],
   "the start is event=listening with the address")
eq([e.get("signal") for e in s.events("stopping")], ["15"],
   "the stop is event=stopping signal=15")

# Item 7: 1,000 slow-header connections from one host do not block others
# (per-client cap without --trusted-proxy; idle connections time out).
with Server() as s:
    slow = []
    for i in range(1000):
        try:
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5,
                                         source_address=("127.0.0.5", 0))
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ")
            slow.append(c)
        except OSError:
            break
    st, _ = s.call("GET", "/healthz", token=None, source="127.0.0.6",
                   timeout=5)
    eq(st, 200, "with %d slow-header connections open from one host, "
       "another host is served" % len(slow))
    for c in slow:
        c.close()

rc, out, err = run_cli(["serve", "--trusted-proxy", "10.0.0.300"])
eq(rc, 2, "a bad --trusted-proxy stops serve with status 2")
check("--trusted-proxy '10.0.0.300'" in err, "the message names the value",
      err)
done()
