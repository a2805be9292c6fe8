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
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lib import Server, check, eq, done, run_cli  # noqa: E402
from meetlib import mk_club, mk_token  # noqa: E402


def bad(s, source=None, xff=None, n=1):
    """n requests with a wrong token; returns their statuses."""
    h = {"X-Forwarded-For": xff} if xff else None
    return [s.call("GET", "/api/v1/clubs", token="wrong-token-%d" % i,
                   headers=h, source=source)[0] for i in range(n)]


def raw_status(port, req, timeout=10):
    """The status of the answer to the raw bytes req, or None when the
    connection gives no answer within timeout."""
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        c.sendall(req)
        while b"\r\n" not in out:
            d = c.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    finally:
        c.close()
    parts = out.split(b" ", 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


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
