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
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lib import Server, check, eq, done, run_cli  # noqa: E402
from meetlib import mk_club, mk_token  # noqa: E402


def bad(s, source=None, xff=None, n=1):
    """n requests with a wrong token; returns their statuses."""
    h = {"X-Forwarded-For": xff} if xff else None
    return [s.call("GET", "/api/v1/clubs", token="wrong-token-%d" % i,
                   headers=h, source=source)[0] for i in range(n)]


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

rc, out, err = run_cli(["serve", "--trusted-proxy", "10.0.0.300"])
eq(rc, 2, "a bad --trusted-proxy stops serve with status 2")
check("--trusted-proxy '10.0.0.300'" in err, "the message names the value",
      err)
done()
