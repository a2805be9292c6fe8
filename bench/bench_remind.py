"""bench_remind.py - what reminders (docs/email.md, "Reminders") cost the
real `clubmatch serve`:

  queue     the time from the start of serve to its log event
            "event=reminders_queued rows=N" for 2,000 clubs, 100,000
            remote members (50 a club) and one weekly series a club: the
            first top-up of the 8-day horizon (about 2,300 occurrences).
  idle      then the CPU serve uses over IDLE seconds (default 60) with
            nothing due: utime + stime of /proc/PID/stat, as a share of
            one core.  Goal: under 1%.
  queue10k  serve stopped, 1,250 of the series made daily and the other
            750 cancelled, the reminder rows and state deleted: the time
            to queue the reminders of 10,000 occurrences (1,250 series
            from today, x 8 days, 50 members each: 500,000 reminders and
            500,000 follow-ups; today's reminders are not queued since
            their 10:00 has passed: 437,500 + 500,000 rows).

The data are made once through the API (one club, one member, one
meeting) and copied in SQL to full size, so that building them takes
seconds; the member and meeting zone is one where it is now between
01:00 and 07:00, so that no reminder (10:00) or follow-up (21:30) falls
due while the idle CPU is measured.  Not a pass/fail test.

    make && /usr/bin/python3 bench/bench_remind.py [--idle SECONDS]
"""
import argparse
import datetime
import os
import re
import sqlite3
import sys
import time
import zoneinfo

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import lib                                           # noqa: E402
from invite_lib import new_club, new_member, new_meeting  # noqa: E402

CLUBS, PER_CLUB, DAILY = 2000, 50, 1250
ZONES = ("Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
         "America/Denver", "America/Chicago", "America/New_York",
         "America/Sao_Paulo", "Atlantic/Azores", "Europe/London",
         "Europe/Paris", "Europe/Athens", "Europe/Moscow", "Asia/Dubai",
         "Asia/Karachi", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai",
         "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea",
         "Pacific/Auckland")
TICKS = os.sysconf("SC_CLK_TCK")


def quiet_zone():
    """A zone where it is now 01:00-07:00 (nothing due for hours)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for z in ZONES:
        if 1 <= now.astimezone(zoneinfo.ZoneInfo(z)).hour < 7:
            return z
    sys.exit("bench_remind: no quiet zone")


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])     # utime + stime


def seed(s, zone):
    """One club, member and meeting by the API, then copies in SQL."""
    club = new_club(s, "Club 1", "10001")["id"]
    new_member(s, "Member 1", "m1@bench.test", "90012")
    local = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    start = "%sT19:00" % (local + datetime.timedelta(days=1)).isoformat()
    new_meeting(s, club, "Weekly game", start=start, rrule="FREQ=WEEKLY")
    s.stop()
    db = sqlite3.connect(s.db)
    now = int(time.time())
    db.executescript("""
    INSERT INTO clubs (name, slug, zip, city, state, county, timezone, lat,
      lon, secretary_email, secretary_name, accepts_remote, created_at)
      WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n
                              WHERE i < %(clubs)d)
      SELECT 'Club ' || i, 'club-' || i, zip, city, state, county, timezone,
        lat, lon, 'sec' || i || '@bench.test', secretary_name, 1, created_at
      FROM n, clubs WHERE clubs.id = 1;
    UPDATE clubs SET timezone = '%(zone)s';
    INSERT INTO meetings (club_id, uid, title, description, location,
      video_url, timezone, start_local, duration_minutes, rrule, created_at,
      updated_at)
      SELECT c.id, 'bench-' || c.id || '@clubmatch.test', m.title,
        m.description, m.location, m.video_url || '-' || c.id, m.timezone,
        date(substr(m.start_local, 1, 10), '+' || (c.id %% 7) || ' days')
          || substr(m.start_local, 11), m.duration_minutes, m.rrule,
        m.created_at, m.updated_at
      FROM clubs c, meetings m WHERE m.id = 1 AND c.id > 1;
    UPDATE meetings SET timezone = '%(zone)s';
    INSERT INTO members (name, email, zip, city, state, timezone, lat, lon,
      phone, preferred_channel, club_id, mode, distance_miles, reason,
      created_at)
      WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n
                              WHERE i < %(members)d)
      SELECT 'Member ' || i, 'm' || i || '@bench.test', zip, city, state,
        timezone, lat, lon, phone, preferred_channel,
        (i - 1) %% %(clubs)d + 1, 'remote', distance_miles, reason,
        created_at
      FROM n, members WHERE members.id = 1;
    UPDATE members SET timezone = '%(zone)s', mode = 'remote',
      club_id = (id - 1) %% %(clubs)d + 1;
    DELETE FROM outbox; DELETE FROM contacts;
    DELETE FROM invitations;
    INSERT INTO invitations (meeting_id, member_id, invited_at, tag)
      SELECT g.id, m.id, %(now)d, lower(hex(randomblob(13)))
      FROM members m JOIN meetings g ON g.club_id = m.club_id;
    DELETE FROM meta WHERE key LIKE 'remind%%';
    """ % {"clubs": CLUBS, "members": CLUBS * PER_CLUB, "zone": zone,
           "now": now})
    db.commit()
    db.execute("VACUUM")
    db.close()


def queued(s, since, timeout=900):
    """Waits for the top-up's event (docs/operations.md, "Logs"):
    (seconds, rows)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(os.path.join(s.dir, "serve.log"), "rb") as f:
            f.seek(since)
            m = re.search(rb"event=reminders_queued rows=(\d+)", f.read())
        if m:
            return time.time(), int(m.group(1))
        if s.proc.poll() is not None:
            sys.exit("bench_remind: serve died: " + s.logtext())
        time.sleep(0.05)
    sys.exit("bench_remind: no event=reminders_queued in %d s: %s"
             % (timeout, s.logtext()[-800:]))


def logsize(s):
    return os.path.getsize(os.path.join(s.dir, "serve.log"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=float, default=60.0)
    a = ap.parse_args()
    zone = quiet_zone()
    s = lib.Server().start()
    seed(s, zone)
    db = sqlite3.connect(s.db)
    print("data: %d clubs, %d members, %d invitations, %d weekly series; "
          "zone %s" % (db.execute("SELECT count(*) FROM clubs").fetchone()[0],
                       db.execute("SELECT count(*) FROM members")
                       .fetchone()[0],
                       db.execute("SELECT count(*) FROM invitations")
                       .fetchone()[0],
                       db.execute("SELECT count(*) FROM meetings")
                       .fetchone()[0], zone))
    db.close()

    size = logsize(s)
    t0 = time.time()
    s.start(timeout=60)
    t1, rows = queued(s, size)
    db = sqlite3.connect(s.db)
    occ = db.execute("SELECT count(DISTINCT substr(dedup, 5)) FROM outbox"
                     " WHERE kind = 'followup'").fetchone()[0]
    db.close()
    print("queue: %d rows for %d invitation-occurrences in %.2f s "
          "(from the start of serve)" % (rows, occ, t1 - t0))

    time.sleep(6)               # one more tick: everything settled
    pid = s.proc.pid
    c0, w0 = cpu_ticks(pid), time.time()
    time.sleep(a.idle)
    c1, w1 = cpu_ticks(pid), time.time()
    db = sqlite3.connect(s.db)
    sent = db.execute("SELECT count(*) FROM outbox WHERE status != 'pending'"
                      ).fetchone()[0]
    db.close()
    share = 100.0 * (c1 - c0) / TICKS / (w1 - w0)
    print("idle: %.2f s CPU over %.0f s = %.2f%% of a core (goal < 1%%); "
          "%d rows sent or dropped meanwhile"
          % ((c1 - c0) / TICKS, w1 - w0, share, sent))
    s.stop()

    db = sqlite3.connect(s.db)
    db.executescript("""
    DELETE FROM outbox WHERE kind IN ('reminder', 'followup');
    DELETE FROM meta WHERE key LIKE 'remind%%';
    UPDATE meetings SET rrule = 'FREQ=DAILY',
      start_local = '%s' || substr(start_local, 11) WHERE id <= %d;
    UPDATE meetings SET cancelled = 1 WHERE id > %d;
    """ % (datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date().isoformat(),
           DAILY, DAILY))
    db.commit()
    db.close()
    size = logsize(s)
    t0 = time.time()
    s.start(timeout=60)
    t1, rows = queued(s, size)
    db = sqlite3.connect(s.db)
    occ = db.execute("SELECT count(DISTINCT m.id || ':' || substr(o.dedup, -10))"
                     " FROM outbox o JOIN invitations i"
                     " ON i.id = o.invitation_id JOIN meetings m"
                     " ON m.id = i.meeting_id WHERE o.kind = 'followup'"
                     ).fetchone()[0]
    db.close()
    print("queue10k: %d rows (reminders and follow-ups) for %d occurrences "
          "in %.2f s = %.0f rows/s" % (rows, occ, t1 - t0,
                                       rows / (t1 - t0)))
    s.stop()


if __name__ == "__main__":
    main()
