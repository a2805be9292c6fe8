"""t0450_organizer_day.py - the organizer's real day (docs/operations.md,
"Importing" and "CLI and service together"; docs/email.md): 60 clubs
across the country, each with a secretary token and a weekly meeting,
the service running against a real SMTP sink; then a CSV of 5,000
members (most of them far from every club) is imported with the CLI on
the same database while serve runs.

-> every remote member's invitation is accepted by the sink, each exactly
   once (per recipient and per Message-ID), local members get nothing,
   the outbox ends with everything sent, every secretary's attendee list
   holds exactly the club's remote members, and the union of the lists
   is the set of remote members.  A sample of the mails passes libical
   and Python's icalendar.

In the ASan build (CLUBMATCH_SANITIZED) it imports 500 members.
The scenario is shared with bench/bench_invites.py (organizer_day()).
"""
import collections
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done                   # noqa: E402
from invite_lib import (Sink, Mail, mail_server, new_club, new_meeting,  # noqa: E402
                        secretary_token, upcoming, all_items, outbox,
                        zip_table, far_zips, libical_check, python_vevents,
                        SANITIZED, MAIL_FROM)

N_CLUBS = 60


def club_zips(table, n):
    """n ZIPs spread over the country: every k-th ZIP in order (ZIP codes
    run roughly east to west), at least 60 miles apart."""
    from invite_lib import miles
    keys = sorted(table)
    step = len(keys) // n
    out = []
    for i in range(n):
        for z in keys[i * step:(i + 1) * step]:
            if all(miles(table[z], table[o]) > 60 for o in out):
                out.append(z)
                break
    return out


def write_members(path, table, clubs, n, local_share=0.05, seed=7):
    """The CSV: n members, local_share of them at a club's ZIP, the rest
    more than 40 miles from every club.  Returns {email: local?}."""
    rnd = random.Random(seed)
    n_local = int(n * local_share)
    far = far_zips(table, clubs, n - n_local, seed=seed)
    rows, kind = [], {}
    for i in range(n):
        if i < n_local:
            z, local = rnd.choice(clubs), True
        else:
            z, local = far[i - n_local], False
        addr = "member%05d@day.test" % i
        rows.append("Member %05d,%s,%s" % (i, addr, z))
        kind[addr] = local
    rnd.shuffle(rows)
    with open(path, "w") as f:
        f.write("name,email,zip\n" + "\n".join(rows) + "\n")
    return kind


def prepare(s, table, n_members, workdir):
    """60 clubs with tokens and weekly meetings; the members' CSV.
    Returns (clubs [(club, token, meeting)], csv path, {email: local?})."""
    zips = club_zips(table, N_CLUBS)
    clubs = []
    start, day = upcoming(1, weeks=2)
    for i, z in enumerate(zips):
        c = new_club(s, "Club %02d" % i, z, secretary="sec%02d@day.test" % i,
                     sec_name="Secretary %02d" % i)
        tok = secretary_token(s, c["id"])
        m = new_meeting(s, c["id"], "Club %02d weekly" % i, start=start,
                        rrule="FREQ=WEEKLY;BYDAY=" + day, token=tok)
        clubs.append((c, tok, m))
    path = os.path.join(workdir, "members.csv")
    kind = write_members(path, table, zips, n_members)
    return clubs, path, kind


def organizer_day(s, sink, n_members, table=None):
    """Runs the day; returns a dict of what happened (for the test and
    the bench)."""
    table = table or zip_table()
    clubs, path, kind = prepare(s, table, n_members, s.dir)
    sink.clear()
    t0 = time.time()
    rc, out, err = s.cli(["import", "members", path], timeout=600)
    t_import = time.time() - t0
    remote = sorted(m["email"] for m in
                    all_items(s, "/api/v1/members?mode=remote"))
    got = sink.wait_for(len(remote), timeout=300)
    t_last = max((m.time for m in got), default=t0) - t0
    return dict(clubs=clubs, kind=kind, rc=rc, err=err, remote=remote,
                t_import=t_import, t_last=t_last, t0=t0)


def main():
    n = 500 if SANITIZED else 5000
    table = zip_table()
    sink = Sink().start()
    s = mail_server(sink).start()
    try:
        r = organizer_day(s, sink, n, table)
        eq(r["rc"], 0, "clubmatch import members: %d rows, exit 0" % n)
        remote, kind = r["remote"], r["kind"]
        want_remote = sorted(a for a, local in kind.items() if not local)
        eq(remote, want_remote, "every far member is remote, every member "
           "at a club's ZIP local (%d remote)" % len(want_remote))
        print("# import %.1f s; last invitation accepted %.1f s after the "
              "import began (%d messages)" % (r["t_import"], r["t_last"],
                                              len(remote)))
        msgs = sink.settle(quiet=2.0)
        rc = sink.rcpt_counts()
        eq(sorted(a for a in remote if rc.get(a, 0) == 0), [],
           "every remote member's invitation was accepted by the sink")
        eq(sorted(a for a, k in rc.items() if k > 1), [],
           "no member got two messages")
        eq(sorted(a for a in rc if kind.get(a) is not False), [],
           "nobody else (no local member) got mail")
        eq(sorted(m for m, k in sink.msgid_counts().items() if k > 1), [],
           "every Message-ID arrived once")
        eq(len(msgs), len(remote), "exactly %d messages" % len(remote))
        check(all(m.mail_from == MAIL_FROM and len(m.rcpt_tos) == 1
                  for m in msgs), "each with --mail-from and one recipient")
        eq(len(outbox(s, "sent")), len(remote), "the outbox: all sent")
        eq((outbox(s, "pending"), outbox(s, "failed")), ([], []),
           "the outbox: nothing pending or failed")

        # Attendee lists, each read with its own secretary's token.
        seen = collections.Counter()
        per_club = {}
        members = {m["email"]: m for m in all_items(s, "/api/v1/members")}
        bad = []
        for c, tok, m in r["clubs"]:
            st, body = s.call("GET", "/api/v1/meetings/%d/attendees"
                              % m["id"], token=tok)
            if st != 200:
                bad.append((c["id"], st))
                continue
            emails = [a["email"] for a in body["items"]]
            per_club[c["id"]] = emails
            seen.update(emails)
            want = sorted(a for a, mm in members.items()
                          if mm["assignment"]["club_id"] == c["id"] and
                          mm["assignment"]["mode"] == "remote")
            if sorted(emails) != want:
                bad.append((c["id"], len(emails), len(want)))
        eq(bad, [], "every secretary's attendee list is exactly the club's "
           "remote members")
        eq(sorted(seen), remote, "the union of the attendee lists is the "
           "set of remote members")
        eq([a for a, k in seen.items() if k > 1], [],
           "no member is on two lists")
        check(sum(1 for v in per_club.values() if v) >= 10,
              "the members spread over many clubs (%d with attendees)"
              % sum(1 for v in per_club.values() if v))

        # A sample of the mails, in full.
        rnd = random.Random(3)
        sample = rnd.sample(msgs, min(15, len(msgs)))
        fails = []
        for sm in sample:
            mail = Mail(sm)
            ok, out = libical_check(mail.ics, "REQUEST")
            try:
                _, evs = python_vevents(mail.ics)
                py = len(evs) == 1 and str(evs[0].get("ATTENDEE")).lower() \
                    == "mailto:" + sm.rcpt_tos[0]
            except Exception as e:      # noqa: BLE001
                py = repr(e)
            if not ok or py is not True or mail.ics != mail.ics_att:
                fails.append((sm.rcpt_tos, out, py))
        eq(fails, [], "a sample of %d mails passes libical and Python's "
           "icalendar, with the recipient as the one ATTENDEE" % len(sample))
    finally:
        rc = s.stop()
        check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())
        sink.stop()
    done()


if __name__ == "__main__":
    main()
