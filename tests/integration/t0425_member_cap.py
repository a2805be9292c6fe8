#!/usr/bin/python3
"""t0425_member_cap.py - at most --member-daily-cap messages reach one
member in 24 hours; the rest wait, pending, and go when the day has
passed (docs/email.md, "A daily cap per member"; the issue "60 title
edits in 30 s sent 60 updates to each member").

A bad value (the flag, or CLUBMATCH_MEMBER_DAILY_CAP) is bad usage, exit 2.
With `--member-daily-cap 3` and the real SMTP sink:
-> Ed, a remote member of a club with five meetings, has six messages
   queued (a welcome, five invitations): he receives exactly 3; the other
   3 stay pending with last_error "member daily cap (3 in 24 h)", no
   attempt counted, due when his oldest send is 24 h old; /metrics counts
   them.
-> Flo (another club, a welcome and two invitations) gets her 3, and the
   secretary of four clubs her 4 digests: the cap is per member, and
   mail to a secretary is not capped.
-> while Ed waits, an edit of a meeting whose invitation is held back
   replaces it (still one message for that meeting), and a member-link
   mail (his /join, valid 48 h) is held back too.
-> serve again under libfaketime 49 hours on (FAKETIME="+49h", LD_PRELOAD
   as in t1000_reminders.py): the 3 held-back messages go, the renamed
   meeting with its new title; the member link, past its deadline, is
   dropped ("too late"), not sent; nobody else gets anything new.
"""
import datetime
import os
import re
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, done, eq, run_cli, wait_for  # noqa: E402
from invite_lib import (Mail, Sink, mail_server, message_id,  # noqa: E402
                        must, new_club, new_meeting, new_member, outbox,
                        plus_days, upcoming)

FT_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
ENV = {"CLUBMATCH_RETRY_SCALE": "0.05", "CLUBMATCH_SMTP_TIMEOUT": "2"}
ARGS = ["--member-daily-cap", "3"]
WORK = tempfile.mkdtemp(prefix="clubmatch-t0425-")
ED, FLO, GUS, HAL = ("ed@remote.test", "flo@remote.test", "gus@local.test",
                     "hal@local.test")
SEC = "sec@clubs.test"
REASON = "member daily cap (3 in 24 h)"


def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def stop(s):
    rc = s.stop()
    check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())
    check("event=outbox_failed" not in s.logtext() and
          "event=outreach_failed" not in s.logtext(),
          "the mail worker logged no error", s.logtext())


def to(sink, addr):
    return sink.for_rcpt(addr)


def rows_of(s, addr, status=None):
    return [r for r in outbox(s, status=status, kind=None)
            if r["to"] == addr]


def metric(s, name):
    st, text = s.call("GET", "/metrics")
    m = re.search(r"^%s (\d+)$" % re.escape(name), text if st == 200
                  else "", re.M)
    return int(m.group(1)) if m else None


# ==== the setting ==========================================================
scratch = os.path.join(WORK, "scratch.db")
for args, env in ((["--member-daily-cap", "-1"], {}),
                  (["--member-daily-cap", "1001"], {}),
                  ([], {"CLUBMATCH_MEMBER_DAILY_CAP": "many"})):
    rc, _, err = run_cli(["serve", "--db", scratch, "--listen",
                          "127.0.0.1:0"] + args, env=env, timeout=20)
    check(rc == 2 and "--member-daily-cap" in err and "0 (no cap) to 1000"
          in err, "a bad cap %s is bad usage (exit 2) saying the range"
          % (args or env), (rc, err))
rc, out, _ = run_cli(["serve", "--help"])
check(rc == 0 and "--member-daily-cap N" in out, "serve --help names it")

sink = Sink()
sink.calendar_only = False      # welcomes and digests count too
sink.start()

# ==== today: the clubs, meetings and members ==============================
s = mail_server(sink, extra=ARGS, env=ENV, workdir=WORK).start()
start, _ = upcoming(weeks=2)
chi = new_club(s, "Lakeshore Chess", "60601", secretary=SEC)
den = new_club(s, "Front Range Chess", "80202", secretary=SEC)
sea = new_club(s, "Sound Chess", "98101", secretary=SEC,
               accepts_remote=False)
bos = new_club(s, "Harbor Chess", "02108", secretary=SEC,
               accepts_remote=False)
chi_meetings = [new_meeting(s, chi["id"], "Lakeshore game %d" % i,
                            start=plus_days(start, i)) for i in range(5)]
for i in range(2):
    new_meeting(s, den["id"], "Front Range game %d" % i,
                start=plus_days(start, i))
for name, addr, zipc, club in (("Ed Remote", ED, "46204", chi),
                               ("Flo Remote", FLO, "80903", den),
                               ("Gus Local", GUS, "98104", sea),
                               ("Hal Local", HAL, "02110", bos)):
    _, m = new_member(s, name, addr, zipc)
    eq(m["assignment"]["club_id"], club["id"],
       "%s is assigned to %s" % (name, club["name"]))

check(wait_for(lambda: len(to(sink, ED)) >= 3 and len(to(sink, FLO)) >= 3
               and len(to(sink, SEC)) >= 4, 30),
      "the first mails arrive", {a: len(to(sink, a)) for a in (ED, FLO, SEC)})
sink.settle(quiet=3.0, timeout=30)
eq(len(to(sink, ED)), 3, "Ed receives exactly 3 of his 6 messages")
eq(len(to(sink, FLO)), 3, "Flo, another member, gets all her 3")
eq((len(to(sink, GUS)), len(to(sink, HAL))), (1, 1),
   "the local members get their welcome")
eq(len(to(sink, SEC)), 4, "the secretary gets all 4 digests: a secretary "
   "is not capped")
held = rows_of(s, ED, "pending")
check(len(held) == 3, "Ed's other 3 messages are pending", rows_of(s, ED))
eq(sorted(set(r["last_error"] for r in held)), [REASON],
   "with the cap as the reason")
eq([r["attempts"] for r in held], [0, 0, 0], "not counted as attempts")
sent = sorted(utc(r["sent_at"]) for r in rows_of(s, ED, "sent"))
eq(len(sent), 3, "Ed's 3 sent rows")
if len(sent) == 3:
    eq(sorted(set(utc(r["next_attempt_at"]) for r in held)),
       [sent[0] + datetime.timedelta(hours=24)],
       "they are due when the oldest of his 3 sends is 24 h old")
eq(metric(s, "clubmatch_outbox_capped"), 3, "/metrics counts them")
eq(rows_of(s, FLO, "pending") + rows_of(s, SEC, "pending"), [],
   "nothing else waits")

# ---- while Ed waits: an edit, and a /join of his ---------------------------
waiting = [r for r in held if r["kind"] == "invitation"]
check(len(waiting) >= 2, "at least two held-back invitations", held)
renamed = waiting[0]["meeting_id"]
eq(s.call("PATCH", "/api/v1/meetings/%d" % renamed,
          {"title": "Lakeshore game, renamed"})[0], 200,
   "a meeting whose invitation to Ed waits is renamed")
st, _ = s.call("POST", "/join", token=None, raw=urllib.parse.urlencode({
    "name": "Ed Remote", "email": ED, "zip": "46204", "state": "",
    "phone": "", "preferred_channel": "", "website": ""}).encode(),
    headers={"Content-Type": "application/x-www-form-urlencoded"})
eq(st, 200, "Ed tries /join again: a member-link mail is queued")


def settled_again():
    rows = rows_of(s, ED, "pending")
    mine = [r for r in rows if r["meeting_id"] == renamed]
    return len(rows) == 4 and all(r["last_error"] == REASON for r in rows) \
        and len(mine) == 1 and mine[0]["sequence"] >= 1 and rows


got = wait_for(settled_again, 30)
check(got, "after the update window: 4 pending for Ed, all held by the cap, "
      "the renamed meeting's one row now the update", rows_of(s, ED))
if got:
    eq(sorted(r["kind"] for r in got),
       sorted(["member_link"] + [r["kind"] for r in held]),
       "the update replaced the held invitation; the member link waits")
time.sleep(2)
eq(len(to(sink, ED)), 3, "Ed still has only 3 messages")
eq(metric(s, "clubmatch_outbox_capped"), 4, "/metrics counts 4 now")
stop(s)
before = {a: len(to(sink, a)) for a in (FLO, GUS, HAL, SEC)}

# ==== 49 hours on: the day has passed, the member link's 48 h too ==========
env = dict(ENV)
env.update({"LD_PRELOAD": FT_LIB, "FAKETIME": "+49h",
            "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_FORCE_MONOTONIC_FIX": "1",
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
            ":verify_asan_link_order=0"})
s = mail_server(sink, extra=ARGS, env=env, workdir=WORK).start()
check(wait_for(lambda: len(to(sink, ED)) >= 6, 30),
      "the held-back messages go out after the day", len(to(sink, ED)))
sink.settle(quiet=3.0, timeout=30)
eq(len(to(sink, ED)), 6, "Ed now has 6: the welcome and one message per "
   "meeting")
ids = [message_id(m.data) for m in to(sink, ED)]
check(len(set(ids)) == 6, "none of them twice", ids)
names = sorted(str(Mail(m).msg["Subject"]) for m in to(sink, ED))
check(any("renamed" in n for n in names) and
      sum("Lakeshore game" in n for n in names) == 5,
      "one message per meeting, the renamed one with its new title", names)
eq(rows_of(s, ED, "pending"), [], "nothing of Ed's waits any more")
link = [r for r in rows_of(s, ED) if r["kind"] == "member_link"]
check(len(link) == 1 and link[0]["status"] == "dropped" and
      "too late" in link[0]["last_error"],
      "the member link, past its deadline, is dropped, not sent", link)
eq(metric(s, "clubmatch_outbox_capped"), 0, "/metrics: nothing held back")
eq({a: len(to(sink, a)) for a in before}, before,
   "nobody else got anything new")
stop(s)
sink.stop()
done()
