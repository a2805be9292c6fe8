"""t1000_reminders.py - reminders the day before and "did you make it?"
after (docs/email.md, "Reminders"; CONTRACT §15), with the clock set from
outside: every run of the real `clubmatch serve` is under libfaketime
(Debian `faketime`, LD_PRELOAD, FAKETIME="@<UTC time>") and delivers to
the real SMTP sink; the runs share one database, so each restart jumps
the clock (at real speed from there: no acceleration, so the outbox's
timed waits behave), which is also the restart around the due time.
The sink keeps every message (calendar_only off): reminders and
follow-ups carry no calendar.

A club in New York (America/New_York), members in Los Angeles and
Buffalo; they are invited on Saturday 2026-03-07, before the US DST
change of Sunday 03-08, to a weekly Monday 19:00 meeting:
-> Bob (New York time) gets his one reminder at 10:00 EDT = 14:00 UTC on
   03-08, across a kill before and a restart after the due time;
   Alice (Los Angeles) hers at 10:00 PDT = 17:00 UTC, showing both
   zones; Carol, who declined that date, none.
-> a cancelled occurrence has no reminder, a moved one's reminder moves
   to the day before its new date.
-> Alice accepted: an hour after the end she gets "Did you make it?";
   Bob (no answer) does not; the link's GET changes nothing, its POST
   shows attended=true in the attendees list of that date.
"""
import email.utils
import os
import re
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done, wait_for              # noqa: E402
from invite_lib import (Sink, Mail, mail_server, new_club, new_member,  # noqa: E402
                        new_meeting, outbox, path_of, must, FAST_ENV)

FT_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
WORK = tempfile.mkdtemp(prefix="clubmatch-t1000-")
SINK = Sink()
SINK.calendar_only = False      # reminders carry no calendar
SINK.start()
ALICE, BOB, CAROL = ("alice@remote.test", "bob@remote.test",
                     "carol@remote.test")


def at(when):
    """A server whose clock starts at `when` (UTC) and runs at real speed."""
    env = dict(FAST_ENV)
    env.update({"LD_PRELOAD": FT_LIB, "FAKETIME": "@" + when,
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "FAKETIME_FORCE_MONOTONIC_FIX": "1",
                "TZ": "UTC",
                "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
                ":verify_asan_link_order=0"})
    return mail_server(SINK, env=env, workdir=WORK).start()


def stop(s):
    rc = s.stop()
    check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())
    eq([e for e in s.events() if e.get("event") in
        ("outreach_failed", "outbox_failed")], [],
       "the mail worker logged no error")


def mails(rcpt, subject_re):
    return [Mail(m) for m in SINK.for_rcpt(rcpt)
            if re.search(subject_re, str(Mail(m).msg["Subject"]))]


def sent_at(m):
    return email.utils.parsedate_to_datetime(str(m.msg["Date"]))


def rows(s, kind, to=None, meeting=None, occ=None):
    return [r for r in outbox(s, kind=None) if r["kind"] == kind and
            (to is None or r["to"] == to) and
            (meeting is None or r["meeting_id"] == meeting) and
            (occ is None or r["occurrence"] == occ)]


def form_post(s, path, fields):
    return s.call("POST", path, raw=urllib.parse.urlencode(fields).encode(),
                  token=None, headers={"Content-Type":
                                       "application/x-www-form-urlencoded"})


# ==== Saturday 2026-03-07, 12:00 UTC: the club, members and meetings ======
s = at("2026-03-07 12:00:00")
club = new_club(s, "Hudson Chess", "10001")["id"]
for name, addr, zipc in (("Alice Angeles", ALICE, "90012"),
                         ("Bob Buffalo", BOB, "14201"),
                         ("Carol Buffalo", CAROL, "14202")):
    new_member(s, name, addr, zipc)
mon = new_meeting(s, club, "Monday game", start="2026-03-09T19:00",
                  rrule="FREQ=WEEKLY;BYDAY=MO", timezone="America/New_York")
tue = new_meeting(s, club, "Tuesday lunch", start="2026-03-10T12:00",
                  rrule="FREQ=WEEKLY;BYDAY=TU", timezone="America/New_York")
wed = new_meeting(s, club, "Wednesday game", start="2026-03-11T19:00",
                  rrule="FREQ=WEEKLY;BYDAY=WE", timezone="America/New_York")
check(wait_for(lambda: len(mails(CAROL, "Monday game")) >= 1, 20),
      "Carol's invitation arrived")
carol_inv = mails(CAROL, "Monday game")[0].links()["no"]
st, _ = form_post(s, path_of(carol_inv).split("?")[0],
                  {"answer": "no", "date": "2026-03-09"})
eq(st, 200, "Carol declines the Monday of 03-09")
check(wait_for(lambda: all(len(rows(s, "reminder", meeting=m["id"],
                                    occ=d)) == 3
                           for m, d in ((mon, "2026-03-09"),
                                        (tue, "2026-03-10"),
                                        (wed, "2026-03-11"))), 20),
      "the reminders are queued within a tick", rows(s, "reminder"))


def due(to, meeting, occ):
    r = rows(s, "reminder", to, meeting, occ)
    return r[0].get("next_attempt_at") if len(r) == 1 else r


eq(due(BOB, mon["id"], "2026-03-09"), "2026-03-08T14:00:00Z",
   "Bob's reminder: 10:00 EDT the day before (after the DST change)")
eq(due(ALICE, mon["id"], "2026-03-09"), "2026-03-08T17:00:00Z",
   "Alice's reminder: 10:00 PDT in her own zone")
eq(due(BOB, wed["id"], "2026-03-11"), "2026-03-10T14:00:00Z",
   "the Wednesday's reminder: the day before 03-11")
# Now the changes, after the rows were queued.
eq(s.call("DELETE", "/api/v1/meetings/%d/occurrences/2026-03-10" %
          tue["id"])[0], 200, "the Tuesday of 03-10 is cancelled")
eq(s.call("PATCH", "/api/v1/meetings/%d/occurrences/2026-03-11" % wed["id"],
          {"start": "2026-03-12T19:00"})[0], 200,
   "the Wednesday of 03-11 moves to Thursday 03-12")
check(wait_for(lambda: rows(s, "reminder", meeting=tue["id"],
                            occ="2026-03-10") == [], 20),
      "the cancelled occurrence's reminders are dropped",
      rows(s, "reminder", meeting=tue["id"]))
check(wait_for(lambda: due(BOB, wed["id"], "2026-03-11") ==
               "2026-03-11T14:00:00Z", 20),
      "the moved occurrence's reminder moved to the day before 03-12",
      rows(s, "reminder", meeting=wed["id"]))
eq(len(rows(s, "reminder", meeting=wed["id"], occ="2026-03-11")), 3,
   "still one reminder per member for the moved occurrence")
eq(len(rows(s, "followup", meeting=mon["id"], occ="2026-03-09")), 3,
   "one follow-up row per invitation for the Monday")
stop(s)

# ==== Sunday 03-08: Bob's reminder, across a kill and restarts ==========
s = at("2026-03-08 13:59:56")
time.sleep(1.5)
s.kill9()
eq(len(mails(BOB, "Reminder")), 0, "nothing before the due time")
s = at("2026-03-08 14:00:03")
check(wait_for(lambda: len(mails(BOB, "Reminder")) >= 1, 20),
      "Bob's reminder arrives after the restart")
stop(s)
s = at("2026-03-08 14:00:40")
# A change made after Bob's reminder went out: the pending rows are
# queued again, the sent one stays sent and is not repeated.
eq(s.call("PATCH", "/api/v1/meetings/%d" % mon["id"],
          {"location": "Back room, 5 Main St"})[0], 200,
   "the Monday series gets a place after Bob's reminder")
time.sleep(6)
bob = mails(BOB, "Reminder")
eq(len(bob), 1, "exactly one reminder for Bob")
eq([r["status"] for r in rows(s, "reminder", BOB, mon["id"], "2026-03-09")],
   ["sent"], "his reminder's row is sent, not queued again")
eq(due(ALICE, mon["id"], "2026-03-09"), "2026-03-08T17:00:00Z",
   "Alice's pending reminder is still due at 10:00 PDT after the change")
d = sent_at(bob[0])
check("2026-03-08 14:00" <= d.strftime("%Y-%m-%d %H:%M") <= "2026-03-08 14:15",
      "sent at 10:00-10:15 New York time (%s)" % d)
check("Monday game" in bob[0].text and "EDT" in bob[0].text and
      "meet.jit.si" in bob[0].text, "the reminder says what, when, where",
      bob[0].text)
stop(s)

s = at("2026-03-08 16:59:57")
check(wait_for(lambda: len(mails(ALICE, "Reminder")) >= 1, 20),
      "Alice's reminder arrives")
time.sleep(1)
alice = mails(ALICE, "Reminder")
eq(len(alice), 1, "exactly one reminder for Alice")
d = sent_at(alice[0])
check("2026-03-08 17:00" <= d.strftime("%Y-%m-%d %H:%M") <= "2026-03-08 17:15",
      "sent at 10:00-10:15 Los Angeles time (%s)" % d)
check("PDT" in alice[0].text and "EDT" in alice[0].text,
      "the time in both zones", alice[0].text)
check("Back room, 5 Main St" in alice[0].text,
      "it gives the place as it is now", alice[0].text)
yes = re.search(r"(https?://\S+/rsvp/\S+answer=yes&date=2026-03-09)",
                alice[0].text)
check(yes is not None, "the reminder's answer buttons name the date")
st, _ = form_post(s, path_of(yes.group(1)).split("?")[0],
                  {"answer": "yes", "date": "2026-03-09"})
eq(st, 200, "Alice accepts the Monday from her reminder")
eq(len(mails(CAROL, "Reminder")), 0, "Carol, who declined, gets none")
stop(s)

# ==== Tuesday 03-10 01:30 UTC: an hour after the Monday ended ===========
s = at("2026-03-10 01:29:57")
check(wait_for(lambda: len(mails(ALICE, "Did you make it")) >= 1, 20),
      "Alice gets \"Did you make it?\"")
time.sleep(2)
eq(len(mails(BOB, "Did you make it")), 0, "Bob (no answer) gets none")
eq(len(mails(CAROL, "Did you make it")), 0, "Carol (declined) gets none")
eq(mails(BOB, "Reminder: Tuesday lunch"), [],
   "no reminder for the cancelled Tuesday (it would be late, not lost)")
f = mails(ALICE, "Did you make it")
eq(len(f), 1, "one follow-up")
link = re.search(r"(https?://\S+/attended/\S+answer=yes&date=2026-03-09)",
                 f[0].text)
check(link is not None, "the follow-up's yes link", f[0].text)
path = path_of(link.group(1))


def attended(who):
    body = must(s.call("GET", "/api/v1/meetings/%d/attendees?date=2026-03-09"
                       % mon["id"]), 200, "attendees")
    items = body["items"] if isinstance(body, dict) else body
    return [a.get("attended") for a in items if a["email"] == who]


st, page = s.call("GET", path, token=None)
eq(st, 200, "GET of the link shows the page")
check("<form method=\"post\"" in page, "with one button")
eq(attended(ALICE), [None], "GET changes nothing")
st, page = form_post(s, path.split("?")[0], {"answer": "yes",
                                              "date": "2026-03-09"})
eq(st, 200, "POST records")
eq(attended(ALICE), [True], "attended shows in the attendees list")
eq(s.call("GET", path.split("?")[0] + "?date=2026-03-09&answer=perhaps",
          token=None)[0], 400, "a bad answer is a 400")
eq(s.call("GET", "/attended/1-AAAA?date=2026-03-09&answer=yes",
          token=None)[0], 404, "a forged token is a 404")
stop(s)

# ==== Wednesday 03-11 10:00 EDT: the reminder of the moved occurrence ====
s = at("2026-03-11 13:59:57")
check(wait_for(lambda: len(mails(BOB, "Reminder: Wednesday game")) >= 1, 20),
      "Bob's reminder of the moved occurrence arrives")
time.sleep(1)
w = mails(BOB, "Reminder: Wednesday game")
eq(len(w), 1, "one reminder of the moved occurrence")
check("Thursday, March 12, 2026, 7:00 PM" in w[0].text,
      "it gives the new day and time", w[0].text)
check(sent_at(w[0]).strftime("%Y-%m-%d %H:%M") >= "2026-03-11 14:00",
      "not before 10:00 EDT of the day before the new date")
stop(s)
SINK.stop()
done()
