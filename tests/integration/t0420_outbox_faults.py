"""t0420_outbox_faults.py - the durable outbox against a misbehaving SMTP
server (docs/email.md, "Retries (the outbox worker)"; docs/operations.md,
"The outbox"): nothing lost, nothing sent twice.

Every server runs with CLUBMATCH_RETRY_SCALE=0.01 (the backoff 5 s, 15 s,
... is multiplied by 0.01 and rounded to whole seconds, so the first
retries are due at once) and CLUBMATCH_SMTP_TIMEOUT=2 (docs/operations.md,
"Settings for tests").

  down      the SMTP server is down while invitations are queued; the
            service is killed with SIGKILL and restarted on the same
            database; the SMTP server comes back -> every invitation
            arrives exactly once (per recipient and per Message-ID)
  kill      SIGKILL while a few hundred messages are flowing, restart ->
            none lost; a resend of the one in flight at the kill is the
            only duplicate allowed (at-least-once across a crash)
  tempfail  451 for the next N transactions -> retried, delivered once,
            attempts counted, last_error cleared
  permfail  550 at RCPT / 554 after DATA -> failed with last_error, never
            retried, the others delivered
  hang      the server takes the data and never answers -> the send times
            out, the worker is not stuck (later messages flow while the
            session still hangs), the message is delivered once
  dedup     re-running match (API and CLI) and re-importing the same CSV
            queue nothing new; no (member, meeting, SEQUENCE, METHOD,
            occurrence) is ever queued twice
"""
import collections
import errno
import datetime
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done, wait_for          # noqa: E402
from invite_lib import (Sink, Mail, mail_server, new_club, new_meeting,  # noqa: E402
                        outbox, zip_table, far_zips, FAST_ENV, SANITIZED,
                        message_id)

TABLE = zip_table()
CLUB_ZIP = "60601"


def members_csv(path, n, tag, seed=1):
    zips = far_zips(TABLE, [CLUB_ZIP], n, seed=seed)
    addrs = ["%s%d@remote.test" % (tag, i) for i in range(n)]
    with open(path, "w") as f:
        f.write("name,email,zip\n")
        for i, (a, z) in enumerate(zip(addrs, zips)):
            f.write("Member %s %d,%s,%s\n" % (tag, i, a, z))
    return addrs


def setup(s, n, tag, seed=1):
    """A club, n remote members imported by the CLI; returns their
    addresses (no meeting yet, so nothing is queued)."""
    # Full once these members are in: the next scenario's members (same
    # server) cannot land in this club.
    club = new_club(s, "Faulty Club %s" % tag, CLUB_ZIP, remote_capacity=n)
    path = os.path.join(s.dir, "%s.csv" % tag)
    addrs = members_csv(path, n, tag, seed)
    rc, out, err = s.cli(["import", "members", path])
    eq(rc, 0, "%s: %d members imported" % (tag, n))
    eq(club_remote(s, club["id"]), n, "%s: all %d are the club's remote "
       "members" % (tag, n))
    # Their welcomes and the secretary's digest go out first, so that the
    # faults below meet the invitations only.
    check(wait_for(lambda: not due_soon(s), timeout=30), "%s: the welcomes "
          "and the digest are sent before the faults" % tag, due_soon(s))
    return club, addrs, path


def due_soon(s):
    """Pending rows of any kind due within 10 s."""
    soon = time.time() + 10
    return [r for r in outbox(s, "pending", kind=None)
            if datetime.datetime.fromisoformat(r["next_attempt_at"].replace(
                "Z", "+00:00")).timestamp() <= soon]


def club_remote(s, cid):
    st, body = s.call("GET", "/api/v1/clubs/%d" % cid)
    return body.get("remote_members") if st == 200 else (st, body)


def exactly_once(sink, addrs, what):
    """Every address got exactly one message and no Message-ID twice."""
    rc = sink.rcpt_counts()
    mc = sink.msgid_counts()
    missing = [a for a in addrs if rc.get(a, 0) == 0]
    twice = sorted(a for a in addrs if rc.get(a, 0) > 1)
    extra = sorted(set(rc) - set(addrs))
    eq((missing, twice, extra), ([], [], []),
       "%s: each of the %d recipients got exactly one message "
       "(missing, twice, unexpected)" % (what, len(addrs)))
    eq(sorted(m for m, n in mc.items() if n > 1), [],
       "%s: no Message-ID arrived twice" % what)


def unique_keys(s, what):
    keys = collections.Counter(
        (r["member_id"], r["meeting_id"], r["sequence"], r["method"],
         r["occurrence"]) for r in outbox(s))
    eq([k for k, n in keys.items() if n > 1], [],
       "%s: no (member, meeting, SEQUENCE, METHOD, occurrence) queued "
       "twice" % what)
    return sum(keys.values())


def pid_gone(pid):
    """True when no process has pid any more (killed and reaped)."""
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.ESRCH
    return False


def port_refuses(port):
    """True when nothing listens on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def unsent(s):
    """Invitations pending or being tried, from one read of the outbox."""
    return sum(r["status"] in ("pending", "sending") for r in outbox(s))


# ==== SMTP down, SIGKILL, restart, SMTP back ================================
def down_kill_restart():
    sink = Sink().start()
    s = mail_server(sink, env=FAST_ENV).start()
    try:
        club, addrs, _ = setup(s, 12, "down")
        sink.down()
        new_meeting(s, club["id"], "Queued while down")
        tried = wait_for(lambda: [r for r in outbox(s, "pending")
                                  if r["attempts"] >= 1 and r["last_error"]],
                         timeout=15)
        check(tried, "down: the worker tried, and the rows stay pending with "
              "last_error", outbox(s)[:2])
        # Read at one moment: a lane trying a row again holds it
        # 'sending' meanwhile (four lanes retry while the server is down).
        eq(unsent(s), len(addrs), "down: all %d invitations unsent, waiting "
           "to be tried again" % len(addrs))
        eq(outbox(s, "failed"), [], "down: nothing failed (an outage is "
           "transient)")
        pid = s.proc.pid
        rc = s.kill9()
        check(rc == -signal.SIGKILL and pid_gone(pid) and
              port_refuses(s.port),
              "down: service killed with SIGKILL (exit status %s), its pid "
              "gone and its port closed" % rc,
              "pid %d gone %s, port %d refuses %s" % (
                  pid, pid_gone(pid), s.port, port_refuses(s.port)))
        s.start()
        # A lane may already hold one again ('sending', trying the
        # server that is still down): not sent is what counts.
        eq(unsent(s), len(addrs),
           "down: after the restart all invitations are still unsent")
        time.sleep(1.0)          # the restarted worker meets the outage too
        sink.up()
        t0 = time.time()
        got = sink.wait_for(len(addrs), timeout=40)
        dt = time.time() - t0
        check(len(got) >= len(addrs), "down: every invitation arrives once "
              "the SMTP server is back (%.1f s)" % dt, len(got))
        sink.settle(quiet=2.0)
        exactly_once(sink, addrs, "down")
        sent = outbox(s, "sent")
        eq(len(sent), len(addrs), "down: the outbox lists them all as sent")
        check(all(r["last_error"] == "" for r in sent),
              "down: a sent row keeps no last_error")
        check(any(r["attempts"] > 1 for r in sent),
              "down: attempts count the failed tries",
              [r["attempts"] for r in sent])
        unique_keys(s, "down")
    finally:
        eq(s.stop(), 0, "down: server exits cleanly")
        sink.stop()


# ==== SIGKILL while messages flow ===========================================
def kill_mid_flow():
    n = 60 if SANITIZED else 300
    sink = Sink().start()
    s = mail_server(sink, env=FAST_ENV).start()
    try:
        club, addrs, _ = setup(s, n, "kill", seed=2)
        new_meeting(s, club["id"], "Killed mid-flow")
        sink.wait_for(n // 4, timeout=60)
        s.kill9()
        at_kill = len(sink.snapshot())
        check(0 < at_kill < n, "kill: SIGKILL after %d of %d messages"
              % (at_kill, n))
        s.start()
        got = sink.wait_for(n, timeout=90)
        check(len(got) >= n, "kill: the rest arrives after the restart",
              len(got))
        sink.settle(quiet=2.0)
        rc = sink.rcpt_counts()
        missing = [a for a in addrs if rc.get(a, 0) == 0]
        dups = sorted(a for a in addrs if rc.get(a, 0) > 1)
        eq(missing, [], "kill: no invitation lost")
        # The rows being sent at the kill (one per sender lane, four lanes)
        # may have been accepted by SMTP but not yet marked sent: they go
        # again, with the same Message-ID.
        check(len(dups) <= 4 and all(rc[a] == 2 for a in dups),
              "kill: at most the messages in flight (one per lane) arrive twice "
              "(%d duplicate(s))" % len(dups), dups)
        if dups:
            ids = {message_id(m.data) for m in sink.for_rcpt(dups[0])}
            eq(len(ids), 1, "kill: a resend carries the same Message-ID")
        print("# kill -9 after %d of %d messages: %d duplicate(s) after the "
              "restart" % (at_kill, n, len(dups)))
        eq(len(outbox(s, "sent")), n, "kill: all rows sent")
        unique_keys(s, "kill")
    finally:
        eq(s.stop(), 0, "kill: server exits cleanly")
        sink.stop()


# ==== 4xx: retried ==========================================================
def tempfail(sink, s):
    club, addrs, path = setup(s, 5, "temp")
    sink.clear()
    sink.set_mode("tempfail", n=4)
    new_meeting(s, club["id"], "Tempfail")
    got = sink.wait_for(len(addrs), timeout=30)
    check(len(got) == len(addrs), "tempfail: every message arrives after "
          "four 451 answers", len(got))
    sink.settle(quiet=1.5)
    eq(sink.refused, 4, "tempfail: the server refused 4 transactions")
    exactly_once(sink, addrs, "tempfail")
    sent = [r for r in outbox(s, "sent") if r["to"] in addrs]
    eq(len(sent), len(addrs), "tempfail: all rows sent")
    eq(sum(r["attempts"] for r in sent), len(addrs) + 4,
       "tempfail: attempts = one per message + one per 451")
    check(all(r["last_error"] == "" for r in sent),
          "tempfail: last_error cleared once sent")
    sink.set_mode("accept")
    return club, addrs, path


# ==== 5xx: failed, not retried ==============================================
def permfail(sink, s, at):
    tag = "perm" + at
    club, addrs, _ = setup(s, 4, tag)
    sink.clear()
    sink.set_mode("permfail", n=1, at=at)
    new_meeting(s, club["id"], "Permfail " + at)
    failed = wait_for(lambda: [r for r in outbox(s, "failed")
                               if r["to"] in addrs], timeout=20)
    eq(len(failed), 1, "permfail at %s: one row failed" % at)
    got = sink.wait_for(len(addrs) - 1, timeout=20)
    eq(len(got), len(addrs) - 1, "permfail at %s: the others delivered" % at)
    time.sleep(2.0)      # many backoff periods at scale 0.01
    sink.settle(quiet=0.5)
    code = "550" if at == "rcpt" else "554"
    failed = [r for r in outbox(s, "failed") if r["to"] in addrs]
    check(len(failed) == 1 and code in failed[0]["last_error"] and
          failed[0]["attempts"] == 1,
          "permfail at %s: status failed, attempts 1, last_error has the "
          "%s reply" % (at, code), failed)
    eq(sink.refused, 1, "permfail at %s: never retried" % at)
    eq(len(sink.snapshot()), len(addrs) - 1,
       "permfail at %s: the refused message never arrives" % at)
    if failed:
        eq(sink.for_rcpt(failed[0]["to"]), [],
           "permfail at %s: nothing for the refused address" % at)
    eq([r for r in outbox(s, "pending") if r["to"] in addrs], [],
       "permfail at %s: nothing pending" % at)
    sink.set_mode("accept")


# ==== a hang after DATA =====================================================
def hang(sink, s):
    club, addrs, _ = setup(s, 6, "hang")
    sink.clear()
    sink.set_mode("hang", n=1)            # the next transaction only
    t0 = time.time()
    new_meeting(s, club["id"], "Hang")
    got = sink.wait_for(len(addrs), timeout=30)
    dt = time.time() - t0
    # Still in "hang" mode: the first session is hung right now.
    check(len(got) == len(addrs), "hang: all %d messages arrive while the "
          "hung session is still open (%.1f s; SMTP time-out 2 s)"
          % (len(addrs), dt), len(got))
    check(dt < 15, "hang: the worker is not stuck behind the hung session",
          dt)
    sink.set_mode("accept")               # releases the hung session
    sink.settle(quiet=2.0)
    exactly_once(sink, addrs, "hang")
    rows = [r for r in outbox(s) if r["to"] in addrs]
    retried = [r for r in rows if r["attempts"] > 1]
    check(all(r["status"] == "sent" for r in rows) and len(retried) == 1,
          "hang: the hung message was retried once and sent",
          [(r["to"], r["status"], r["attempts"]) for r in rows])
    # What a real server might do: it had the whole message when it hung;
    # had it delivered it, the retry would be a duplicate with the same
    # Message-ID.  The sink drops a hung transaction, so here it is once.
    print("# hang mid-DATA: %d message(s) retried; the sink recorded %d "
          "message(s) for %d recipients (no duplicate)"
          % (len(retried), len(sink.snapshot()), len(addrs)))


# ==== re-running match / import queues nothing ==============================
def dedup(sink, s, club, addrs, path):
    before = unique_keys(s, "dedup")
    seen = len(sink.snapshot())
    st, body = s.call("POST", "/api/v1/match", {})
    eq((st, body.get("assigned") if isinstance(body, dict) else body),
       (200, 0), "dedup: POST /api/v1/match assigns nobody new")
    rc, out, err = s.cli(["match"])
    eq(rc, 0, "dedup: clubmatch match (CLI) runs")
    rc, out, err = s.cli(["import", "members", path])
    # Rows stored before with the same data are "already imported"
    # (docs/operations.md, "Importing"): taken, not stored twice.
    check(rc == 0 and "0 imported" in err and "already imported" in err,
          "dedup: re-importing the same CSV stores none of the known "
          "e-mails again (already imported)", err)
    rc, out, err = s.cli(["import", "members", "--no-match", path])
    time.sleep(1.5)
    eq(unique_keys(s, "dedup after re-runs"), before,
       "dedup: the outbox has no new rows")
    eq(len(sink.settle(quiet=1.0)), seen, "dedup: no new mail")


def main():
    down_kill_restart()
    kill_mid_flow()
    sink = Sink().start()
    s = mail_server(sink, env=FAST_ENV).start()
    try:
        club, addrs, path = tempfail(sink, s)
        permfail(sink, s, "rcpt")
        permfail(sink, s, "data")
        hang(sink, s)
        dedup(sink, s, club, addrs, path)
    finally:
        sink.set_mode("accept")
        eq(s.stop(), 0, "server exits cleanly")
        sink.stop()
    done()


main()
