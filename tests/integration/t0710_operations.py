#!/usr/bin/python3
"""t0710 - operations and the last hardening items of issue 14 (CONTRACT
§6, §9, §14; docs/operations.md): concurrent club PATCHes lose nothing,
secretary tokens are listed, revoked and expire, other clubs' objects are
404, the public pages' CSP, /metrics, --listen on IPv6, the systemd unit.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from lib import Server, check, eq, done, run_cli, TOP  # noqa: E402
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

done()
