#!/usr/bin/python3
"""t0530_digest_hourly.py - a secretary hears of one-by-one members at
most once an hour, and an import's digest is not held back by that
(docs/outreach.md, "The secretary's digest"), with the clock set from
outside: every run of the real `clubmatch serve` is under libfaketime
(LD_PRELOAD, FAKETIME="@<UTC time>", at real speed from there, as in
t1000_reminders.py); the runs share one database, so each restart moves
the clock; the mails go to the real SMTP sink.

The first digest waits 20 s x CLUBMATCH_RETRY_SCALE (0.05 here: 1 s);
the hour between one-by-one digests is not scaled.

 T        Mia is added: digest 1 (Mia) within seconds.
 T+20min  an import of Ivo and Ida: its digest 2 (the two of them) goes
          at once, inside the hour; its row carries the batch as ref_id.
          Then Max and Meg one by one: no digest; the one waiting is due
          at digest 1 + 1 h (digest 2 does not count toward the gap).
 T+1h-90s still nothing.
 T+1h+5s  exactly one digest 3, listing Max and Meg (and nobody told
          before); Nia, added then, waits for digest 3 + 1 h.
          An import now (Zoe) is not held back by Nia's waiting digest:
          its digest 4 goes at once and lists Zoe and Nia.
"""
import datetime
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, done, eq, wait_for              # noqa: E402
from invite_lib import (Mail, Sink, mail_server, must, new_club,  # noqa: E402
                        new_member, outbox)

FT_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
WORK = tempfile.mkdtemp(prefix="clubmatch-t0530-")
SEC = "sec@maple.test"
HOUR = datetime.timedelta(hours=1)
SINK = Sink()
SINK.calendar_only = False      # digests carry no calendar
SINK.start()


def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def at(when):
    """A server whose clock starts at `when` (a UTC datetime)."""
    env = {"CLUBMATCH_RETRY_SCALE": "0.05", "CLUBMATCH_SMTP_TIMEOUT": "2",
           "LD_PRELOAD": FT_LIB,
           "FAKETIME": "@" + when.strftime("%Y-%m-%d %H:%M:%S"),
           "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
           "FAKETIME_FORCE_MONOTONIC_FIX": "1", "TZ": "UTC",
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
           ":verify_asan_link_order=0"}
    return mail_server(SINK, env=env, workdir=WORK).start()


def stop(s):
    rc = s.stop()
    check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())
    check("event=outreach_failed" not in s.logtext() and
          "event=outbox_failed" not in s.logtext(),
          "the mail worker logged no error", s.logtext())


def digests():
    return [Mail(m) for m in SINK.for_rcpt(SEC)]


def rows(s, status=None):
    return outbox(s, status=status, kind="secretary_digest")


def names_in(mail, names):
    return [n for n in names if n in mail.text]


def add(s, name, email, zipc="60602"):
    st, m = new_member(s, name, email, zipc)
    eq(m["assignment"]["mode"], "local", "%s is a local member" % name)
    return m


def import_members(s, csv):
    job = must(s.call("POST", "/api/v1/imports", {"kind": "members"}), 201,
               "POST import")["id"]
    must(s.call("POST", "/api/v1/imports/%d/chunks?offset=0" % job,
                raw=csv.encode(), headers={"Content-Type": "text/csv"}),
         200, "POST import chunk")
    return must(s.call("POST", "/api/v1/imports/%d/finish" % job, {}), 200,
                "POST import finish")


def ref_ids():
    """ref_id of the secretary digests, in id order (read from the file)."""
    c = sqlite3.connect("file:%s?mode=ro" % os.path.join(WORK, "clubmatch.db"),
                        uri=True)
    try:
        return [r[0] for r in c.execute(
            "SELECT ref_id FROM outbox WHERE kind = 'secretary_digest'"
            " ORDER BY id")]
    finally:
        c.close()


ALL = ["Mia One", "Ivo Import", "Ida Import", "Max Two", "Meg Three",
       "Nia Four", "Zoe Import"]
T = datetime.datetime.utcnow().replace(microsecond=0)

# ==== T: the first one-by-one member =======================================
s = at(T)
club = new_club(s, "Maple Readers", "60601", secretary=SEC)
add(s, "Mia One", "mia@maple.test")
check(wait_for(lambda: len(digests()) >= 1, 20),
      "the first digest arrives within seconds")
SINK.settle(quiet=2.0, timeout=20)
eq(len(digests()), 1, "one digest")
if digests():
    eq(names_in(digests()[0], ALL), ["Mia One"], "it lists Mia")
sent = wait_for(lambda: rows(s, "sent"), 10)
check(len(sent) == 1, "its row is sent", rows(s))
d1 = utc(sent[0]["sent_at"])
stop(s)

# ==== T + 20 min: an import, then two more one by one ======================
s = at(d1 + datetime.timedelta(minutes=20))
fin = import_members(s, "name,email,zip\n"
                        "Ivo Import,ivo@maple.test,60603\n"
                        "Ida Import,ida@maple.test,60604\n")
eq(fin.get("imported"), 2, "the import takes both rows")
check(wait_for(lambda: len(digests()) >= 2, 20),
      "the import's digest goes at once, inside the hour of the first")
if len(digests()) >= 2:
    eq(names_in(digests()[1], ALL), ["Ivo Import", "Ida Import"],
       "it lists the two imported members")
# The sink has it a moment before the outbox records it.
sent = wait_for(lambda: len(rows(s, "sent")) == 2 and rows(s, "sent"), 10)
d2 = utc(sent[-1]["sent_at"]) if sent else None
refs = ref_ids()
check(len(refs) == 2 and refs[0] is None and refs[1] is not None,
      "the import's digest carries its batch as ref_id, the first none",
      refs)
add(s, "Max Two", "max@maple.test", "60605")
time.sleep(1)
add(s, "Meg Three", "meg@maple.test", "60606")
time.sleep(8)           # 8 times the scaled 20 s wait
eq(len(digests()), 2, "within the hour no second one-by-one digest")
waiting = rows(s, "pending")
check(len(waiting) == 1, "one digest waits for the two of them", waiting)
if len(waiting) == 1:
    eq(utc(waiting[0]["next_attempt_at"]), d1 + HOUR,
       "it is due an hour after the first one-by-one digest (the import's "
       "does not count)")
stop(s)

# ==== 90 s before the hour: still waiting ==================================
s = at(d1 + HOUR - datetime.timedelta(seconds=90))
time.sleep(6)
eq(len(digests()), 2, "90 s before the hour: still no digest")
eq(len(rows(s, "pending")), 1, "still one waiting")
stop(s)

# ==== just past the hour: one digest with both =============================
s = at(d1 + HOUR + datetime.timedelta(seconds=5))
check(wait_for(lambda: len(digests()) >= 3, 20),
      "past the hour the waiting digest goes")
SINK.settle(quiet=3.0, timeout=20)
eq(len(digests()), 3, "exactly one more digest")
if len(digests()) >= 3:
    eq(names_in(digests()[2], ALL), ["Max Two", "Meg Three"],
       "it lists Max and Meg, and nobody told before")
sent = wait_for(lambda: len(rows(s, "sent")) == 3 and rows(s, "sent"), 10)
d3 = utc(sent[-1]["sent_at"]) if sent else None
check(d3 is not None and d2 is not None and d1 + HOUR <= d3 < d2 + HOUR,
      "it went at the first digest's hour, before the import's would be",
      (d1, d2, d3))
add(s, "Nia Four", "nia@maple.test", "60607")
time.sleep(4)
eq(len(digests()), 3, "a member right after it waits")
waiting = rows(s, "pending")
check(len(waiting) == 1 and d3 is not None and
      utc(waiting[0]["next_attempt_at"]) == d3 + HOUR,
      "until an hour after that digest", waiting)
fin = import_members(s, "name,email,zip\nZoe Import,zoe@maple.test,60608\n")
eq(fin.get("imported"), 1, "an import while a one-by-one digest waits")
check(wait_for(lambda: len(digests()) >= 4, 20),
      "the import's digest goes at once, not held back by the waiting one")
if len(digests()) >= 4:
    eq(names_in(digests()[3], ALL), ["Nia Four", "Zoe Import"],
       "it lists the imported member and the one who was waiting")
stop(s)
SINK.stop()
done()
