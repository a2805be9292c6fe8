#!/usr/bin/python3
"""t0415_update_coalesce.py - a run of quick edits to one meeting reaches
each member as one update, carrying the last edit (docs/email.md,
"Updates"; issue 14, item 10).

Before: 60 title edits in 30 s sent 60 updates to each member.  The
update window is 120 s, scaled by CLUBMATCH_RETRY_SCALE (the setting the
outbox tests use for their delays): 0.05 here, so 6 s.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, wait_for  # noqa: E402
from invite_lib import (Mail, new_club, new_meeting, new_member,  # noqa: E402
                        with_mail_server)

ENV = {"CLUBMATCH_RETRY_SCALE": "0.05", "CLUBMATCH_SMTP_TIMEOUT": "2"}


def run(s, sink):
    club = new_club(s, "Edit Club", "60601")
    new_member(s, "Ed Remote", "ed@remote.test", "46204")
    m = new_meeting(s, club["id"], "Edit me")
    first = sink.wait_for(1, timeout=20)
    eq(len(first), 1, "the invitation arrives")
    t0 = time.time()
    for i in range(20):
        st, _ = s.call("PATCH", "/api/v1/meetings/%d" % m["id"],
                       {"title": "Edit me, take %d" % i})
        if st != 200:
            check(False, "PATCH %d -> 200" % i, st)
            return
    dt = time.time() - t0
    check(dt < 5, "20 edits within the window (%.1f s)" % dt)
    got = wait_for(lambda: len(sink.snapshot()) >= 2 and sink.snapshot(),
                   timeout=30) or sink.snapshot()
    sink.settle(quiet=8.0, timeout=40)
    msgs = sink.snapshot()
    eq(len(msgs), 2, "the member got the invitation and ONE update")
    if len(got) >= 2:
        last = Mail(msgs[-1])
        eq(last.value("SUMMARY").replace("\\,", ","), "Edit me, take 19",
           "the update carries the last edit")
        seqs = [int(Mail(x).value("SEQUENCE") or 0) for x in msgs]
        check(seqs[1] > seqs[0], "with a higher SEQUENCE", seqs)


with_mail_server(run, env=ENV)
