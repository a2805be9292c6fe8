"""t0200_meetings.py - meetings over HTTP against the real binary
(docs/api.md, "Meetings"): creating a series and its next occurrences
(checked against dateutil.rrule + zoneinfo, across the 2027 DST changes),
the defaults (club's zone, generated video room, --video-url-template),
validation (422 naming the field, nothing stored), changes (SEQUENCE, same
UID), cancelling the series, and cancelling or moving one occurrence as
seen in the .ics download and the member's feed (docs/calendar.md, "Moved
and cancelled occurrences").
"""
import datetime as dt
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403
from meetlib import *                    # noqa: E402,F401,F403

ROOM = r"[A-Za-z2-7]{16,}"


def is_error(body, field=None):
    try:
        e = body["error"]
    except (TypeError, KeyError):
        return False
    if not (isinstance(e.get("code"), str) and e.get("message")):
        return False
    return field is None or e.get("field") == field


def refused(s, club_id, body, field, name, token="admin"):
    """POST a bad meeting: 422 naming field, and the list unchanged."""
    before = list_meetings(s, club_id)
    st, r = s.call("POST", "/api/v1/clubs/%d/meetings" % club_id, body,
                   token=token)
    check(st == 422 and is_error(r, field),
          "%s -> 422 naming field %r" % (name, field),
          "status %s body %r" % (st, r))
    after = list_meetings(s, club_id)
    check(before == after, "%s: nothing stored" % name,
          "before %d meetings, after %d" % (len(before), len(after)))


def next5(start, tz, rule, now):
    return [iso(d) for d in series_utc(start, tz, rule)
            if d >= now][:5]


def seq_and_uid(data):
    cal = parse(data)
    evs = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
    return [(int(e["SEQUENCE"]), str(e["UID"])) for e in evs]


def create_and_next(s, club):
    now = dt.datetime.now(UTC)
    st, m = s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"],
                   meeting_body())
    check(st == 201, "create '2nd Tuesday monthly, 7 pm Central, 90 min' "
          "-> 201", "%s %r" % (st, m))
    if st != 201:
        return None
    check(isinstance(m.get("id"), int) and m.get("uid")
          and m.get("video_url"), "the answer has id, uid and video_url", m)
    eq(m.get("next_occurrences"),
       next5("2027-01-12T19:00", "America/Chicago",
             "FREQ=MONTHLY;BYDAY=2TU", now),
       "next_occurrences = the next 5 in UTC, as dateutil computes them")
    eq(m["next_occurrences"][:4], ["2027-01-13T01:00:00Z",
                                   "2027-02-10T01:00:00Z",
                                   "2027-03-10T01:00:00Z",
                                   "2027-04-14T00:00:00Z"],
       "7 pm Central is 01:00Z in winter, 00:00Z after the March change")

    # Weekly across the DST changes: local 19:00 stays, UTC shifts.
    for start, want, name in (
            ("2027-03-02T19:00",
             ["2027-03-03T01:00:00Z", "2027-03-10T01:00:00Z",
              "2027-03-17T00:00:00Z", "2027-03-24T00:00:00Z",
              "2027-03-31T00:00:00Z"], "March"),
            ("2027-10-26T19:00",
             ["2027-10-27T00:00:00Z", "2027-11-03T00:00:00Z",
              "2027-11-10T01:00:00Z", "2027-11-17T01:00:00Z",
              "2027-11-24T01:00:00Z"], "November")):
        st, w = s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"],
                       meeting_body(title="Weekly " + name, start=start,
                                    rrule="FREQ=WEEKLY;BYDAY=TU"))
        if check(st == 201, "weekly meeting from %s -> 201" % start, w):
            eq(w["next_occurrences"], want,
               "weekly across the %s 2027 DST change: UTC hour shifts, "
               "19:00 local stays" % name)
            eq(w["next_occurrences"],
               next5(start, "America/Chicago", "FREQ=WEEKLY;BYDAY=TU", now),
               "weekly %s equals dateutil + zoneinfo" % name)
            locs = {from_iso(x).astimezone(CHI).strftime("%H:%M")
                    for x in w["next_occurrences"]}
            eq(locs, {"19:00"}, "weekly %s: every occurrence 19:00 in "
               "Chicago" % name)

    # A series whose wall-clock time falls into the gap or the overlap on
    # one day: RFC 5545 §3.3.5 reads a gap time with the offset before
    # the gap and an ambiguous time as the first one, as zoneinfo's
    # fold=0 does.
    for start, day, want, name in (
            ("2027-03-07T02:30", 1, "2027-03-14T08:30:00Z", "gap"),
            ("2027-10-31T01:30", 1, "2027-11-07T06:30:00Z", "overlap")):
        st, w = s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"],
                       meeting_body(title="Sunday " + name, start=start,
                                    rrule="FREQ=WEEKLY"))
        if check(st == 201, "weekly Sunday from %s -> 201" % start, w):
            eq(w["next_occurrences"][day], want, "the occurrence in the "
               "DST %s is read as RFC 5545 says" % name)
            eq(w["next_occurrences"],
               next5(start, "America/Chicago", "FREQ=WEEKLY", now),
               "weekly Sunday across the %s equals dateutil + zoneinfo"
               % name)

    # Another zone, a rule with COUNT, a single meeting.
    st, c3 = s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"],
                    meeting_body(title="Three times",
                                 rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=3"))
    if check(st == 201, "a series with COUNT=3 -> 201", c3):
        eq(len(c3["next_occurrences"]), 3, "COUNT=3 lists 3 occurrences")
    st, ny = s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"],
                    meeting_body(title="New York", timezone="America/New_York",
                                 start="2027-01-31T10:00",
                                 rrule="FREQ=MONTHLY;BYDAY=-1SU"))
    if check(st == 201, "a meeting in America/New_York -> 201", ny):
        eq(ny["next_occurrences"],
           next5("2027-01-31T10:00", "America/New_York",
                 "FREQ=MONTHLY;BYDAY=-1SU", now),
           "last Sunday monthly in New York equals dateutil")
    st, one = s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"],
                     meeting_body(title="Once", rrule=None,
                                  start="2027-07-04T12:30"))
    if check(st == 201, "a single meeting (no rrule) -> 201", one):
        eq(one["next_occurrences"], ["2027-07-04T17:30:00Z"],
           "a single meeting lists its one occurrence")
    return m


def defaults(s):
    club = mk_club(s, "Chess Club Chicago", "60601")
    eq(club["timezone"], "America/Chicago", "club in 60601 is in Chicago")
    den = mk_club(s, "Denver Readers", "80202")
    eq(den["timezone"], "America/Denver", "club in 80202 is in Denver")
    st, m = s.call("POST", "/api/v1/clubs/%d/meetings" % den["id"],
                   meeting_body(timezone=None, start="2027-01-12T19:00"))
    if check(st == 201, "a meeting without timezone -> 201", m):
        eq(m.get("timezone"), "America/Denver",
           "timezone defaults to the club's (from its ZIP)")
        eq(m["next_occurrences"][0], "2027-01-13T02:00:00Z",
           "19:00 in Denver is 02:00Z")
        check(re.match(r"^https://meet\.jit\.si/denver-readers-" + ROOM + "$",
                       m["video_url"]),
              "video_url from the default template: "
              "https://meet.jit.si/<club slug>-<16+ base32>", m["video_url"])
    m2 = mk_meeting(s, den["id"], title="Second")
    check(m2["video_url"] != m.get("video_url"),
          "two meetings get different rooms",
          (m2["video_url"], m.get("video_url")))
    check(m2["uid"] != m.get("uid"), "two meetings get different UIDs")
    own = "https://zoom.example.com/j/123456?pwd=abc"
    m3 = mk_meeting(s, den["id"], title="Own link", video_url=own)
    eq(m3["video_url"], own, "a secretary-supplied https link is kept")
    for bad in ("javascript:alert(1)", "ftp://example.com/room",
                "https://exa mple.com/x"):
        refused(s, den["id"], meeting_body(video_url=bad), "video_url",
                "video_url %r" % bad)
    return club


def templates():
    tpl = "https://video.example.org/rooms/{room}?lang=en"
    for how, kw in (("--video-url-template", {"args": [
            "--video-url-template", tpl]}),
            ("CLUBMATCH_VIDEO_URL_TEMPLATE", {"env": {
                "CLUBMATCH_VIDEO_URL_TEMPLATE": tpl}})):
        s = Server(**kw).start()
        try:
            c = mk_club(s, "Book Club", "60601")
            m = mk_meeting(s, c["id"])
            check(re.match(r"^https://video\.example\.org/rooms/book-club-"
                           + ROOM + r"\?lang=en$", m["video_url"]),
                  "%s respected" % how, m["video_url"])
        finally:
            rc = s.stop()
            check(rc == 0, "server with %s exits cleanly" % how)


# Refused meetings: (meeting_body changes, the field named, the check's
# name).
BAD_MEETINGS = [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "unknown time zone"),
    ({"rrule": "FREQ=SECONDLY"}, "rrule", "FREQ=SECONDLY"),
    ({"rrule": "FREQ=MONTHLY;BYDAY=2XX;"}, "rrule", "malformed rrule"),
    ({"rrule": "every tuesday"}, "rrule", "rrule in words"),
    ({"rrule": "FREQ=MONTHLY;BYDAY=2TU;COUNT=5000"}, "rrule", "COUNT=5000"),
    ({"start": "2027-01-13T19:00"}, "rrule",
     "start (a Wednesday) not an occurrence of BYDAY=2TU"),
    ({"start": "2027-03-14T02:30", "rrule": None}, "start",
     "start in the DST gap 2027-03-14T02:30 Chicago"),
    ({"start": "2027-11-07T01:30", "rrule": None}, "start",
     "start in the DST overlap 2027-11-07T01:30 Chicago"),
    ({"duration_minutes": 0}, "duration_minutes", "duration_minutes 0"),
    ({"duration_minutes": -5}, "duration_minutes", "duration_minutes -5"),
    ({"duration_minutes": 10080}, "duration_minutes",
     "duration_minutes 10080"),
    ({"title": None}, "title", "missing title"),
    ({"title": "   "}, "title", "blank title"),
    ({"title": "two\nlines"}, "title", "title with a newline"),
    ({"start": "2027-13-01T19:00"}, "start",
     "malformed start 2027-13-01T19:00"),
    ({"start": "next tuesday"}, "start", "start in words"),
    ({"start": None}, "start", "missing start"),
    ({"duration_minutes": None}, "duration_minutes",
     "missing duration_minutes"),
]


def validation(s, club):
    for change, field, name in BAD_MEETINGS:
        refused(s, club["id"], meeting_body(**change), field, name)


def changes(s, club, member_feed):
    m = mk_meeting(s, club["id"], title="Changing")
    mid = m["id"]
    st, d0 = get_raw(s, "/api/v1/meetings/%d.ics" % mid)
    check(st == 200, "GET .ics -> 200")
    eq(seq_and_uid(d0), [(0, m["uid"])], ".ics: SEQUENCE:0 and the UID")

    st, p = s.call("PATCH", "/api/v1/meetings/%d" % mid,
                   {"start": "2027-01-12T18:30"})
    check(st == 200, "PATCH start -> 200", p)
    for field in ("title", "start", "timezone", "duration_minutes"):
        st, body = s.call("PATCH", "/api/v1/meetings/%d" % mid,
                          body={field: None})
        check(st == 422 and is_error(body, field),
              "PATCH %s: null -> 422 naming the field" % field, body)
    st, d1 = get_raw(s, "/api/v1/meetings/%d.ics" % mid)
    eq(seq_and_uid(d1), [(1, m["uid"])],
       ".ics after PATCH: SEQUENCE 1, same UID")
    check(b"DTSTART;TZID=America/Chicago:20270112T183000\r\n" in d1,
          ".ics after PATCH shows the new start")
    st, p = s.call("PATCH", "/api/v1/meetings/%d" % mid,
                   {"title": "Changing again", "duration_minutes": 60})
    check(st == 200 and p.get("sequence") == 2,
          "a second PATCH -> sequence 2", p)
    st, f = get_raw(s, member_feed, token=None)
    eq([x for x in seq_and_uid(f) if x[1] == m["uid"]], [(2, m["uid"])],
       "feed: SEQUENCE 2, same UID")

    st, p = s.call("PATCH", "/api/v1/meetings/%d" % mid,
                   {"rrule": "FREQ=MONTHLY;BYDAY=3TU"})
    check(st == 422 and is_error(p, "rrule"),
          "PATCH rrule the start is no occurrence of -> 422 rrule", p)
    st, g = s.call("GET", "/api/v1/meetings/%d" % mid)
    check(st == 200 and g["sequence"] == 2
          and g["rrule"] == "FREQ=MONTHLY;BYDAY=2TU",
          "a refused PATCH changes nothing", g)

    st, p = s.call("DELETE", "/api/v1/meetings/%d" % mid)
    check(st == 200, "DELETE meeting -> 200", p)
    st, g = s.call("GET", "/api/v1/meetings/%d" % mid)
    check(st == 200 and g.get("status") == "cancelled",
          "the cancelled meeting is kept, status cancelled", g)
    check(g.get("next_occurrences") == [],
          "a cancelled meeting has no next occurrences", g)
    check(any(x["id"] == mid and x["status"] == "cancelled"
              for x in list_meetings(s, club["id"])),
          "the list still shows it, cancelled")
    st, d3 = get_raw(s, "/api/v1/meetings/%d.ics" % mid)
    check(st == 200, "GET .ics of a cancelled meeting -> 200")
    ev = events_of(parse(d3), m["uid"]) if st == 200 else []
    check(len(ev) == 1 and str(ev[0].get("STATUS")) == "CANCELLED",
          ".ics of a cancelled meeting shows STATUS:CANCELLED",
          d3.decode(errors="replace"))
    check(len(ev) == 1 and int(ev[0]["SEQUENCE"]) == 3,
          ".ics of the cancelled meeting has SEQUENCE 3",
          d3.decode(errors="replace"))
    st, f = get_raw(s, member_feed, token=None)
    check(m["uid"].encode() not in f, "the feed drops the cancelled meeting")
    st, p = s.call("PATCH", "/api/v1/meetings/%d" % mid, {"title": "x"})
    check(st == 409, "PATCH a cancelled meeting -> 409", p)


def occurrences(s, club, member_feed):
    now = dt.datetime.now(UTC)
    m = mk_meeting(s, club["id"], title="Occurrences")
    mid = m["id"]
    single = mk_meeting(s, club["id"], title="Single", rrule=None)

    st, p = s.call("DELETE", "/api/v1/meetings/%d/occurrences/2027-02-09"
                   % mid)
    check(st == 200, "DELETE occurrence 2027-02-09 -> 200", p)
    st, f = get_raw(s, member_feed, token=None)
    check(b"EXDATE;TZID=America/Chicago:20270209T190000\r\n" in f,
          "feed has EXDATE;TZID=America/Chicago:20270209T190000")
    st, p = s.call("PATCH", "/api/v1/meetings/%d/occurrences/2027-03-09"
                   % mid, {"start": "2027-03-10T18:00"})
    check(st == 200, "PATCH occurrence 2027-03-09 to 03-10 18:00 -> 200", p)
    want = p.get("next_occurrences") if st == 200 else None
    st, f = get_raw(s, member_feed, token=None)
    cal = parse(f)
    ovs = [e for e in events_of(cal, m["uid"]) if "RECURRENCE-ID" in e]
    check(b"RECURRENCE-ID;TZID=America/Chicago:20270309T190000\r\n" in f,
          "feed has RECURRENCE-ID;TZID=America/Chicago:20270309T190000")
    check(len(ovs) == 1 and ovs[0]["DTSTART"].to_ical() ==
          b"20270310T180000" and str(ovs[0]["DTSTART"].params.get("TZID"))
          == "America/Chicago",
          "the override VEVENT starts 2027-03-10 18:00 Chicago",
          [o.to_ical() for o in ovs])
    check(b"EXDATE;TZID=America/Chicago:20270209T190000\r\n" in f,
          "the EXDATE is still there after the move")
    exp = expand_calendar(cal, dt.datetime(2029, 1, 1, tzinfo=UTC),
                          m["uid"]).get(m["uid"], [])
    got = [iso(d) for d in exp if d >= now][:5]
    eq(got, want, "the feed expanded by icalendar + dateutil (EXDATE, "
       "RECURRENCE-ID) = the API's next_occurrences")
    eq(want, ["2027-01-13T01:00:00Z", "2027-03-11T00:00:00Z",
              "2027-04-14T00:00:00Z", "2027-05-12T00:00:00Z",
              "2027-06-09T00:00:00Z"],
       "next_occurrences skip 2027-02-09 and show 03-10 18:00 CDT")
    st, d = get_raw(s, "/api/v1/meetings/%d.ics" % mid)
    check(b"EXDATE;TZID=America/Chicago:20270209T190000\r\n" in d
          and b"RECURRENCE-ID;TZID=America/Chicago:20270309T190000\r\n" in d,
          "the .ics download shows the EXDATE and the override too")
    eq(expand_calendar(parse(d), dt.datetime(2029, 1, 1, tzinfo=UTC),
                       m["uid"]).get(m["uid"]), exp,
       "the .ics download expands as the feed does")

    st, p = s.call("DELETE", "/api/v1/meetings/%d/occurrences/2027-02-10"
                   % mid)
    check(st == 404, "DELETE occurrence on a day without one -> 404", p)
    st, p = s.call("PATCH", "/api/v1/meetings/%d/occurrences/2027-02-16"
                   % mid, {"start": "2027-02-17T19:00"})
    check(st == 404, "PATCH occurrence on a day without one -> 404", p)
    st, p = s.call("DELETE", "/api/v1/meetings/%d/occurrences/2027-02-31"
                   % mid)
    check(st in (400, 404, 422), "DELETE occurrence 2027-02-31 -> 4xx", p)
    st, p = s.call("DELETE", "/api/v1/meetings/%d/occurrences/2027-07-04"
                   % single["id"])
    check(st == 422 and is_error(p), "DELETE occurrence of a single "
          "meeting -> 422", p)
    st, p = s.call("PATCH", "/api/v1/meetings/%d/occurrences/2027-01-12"
                   % single["id"], {"start": "2027-01-13T19:00"})
    check(st == 422 and is_error(p), "PATCH occurrence of a single "
          "meeting -> 422", p)
    st, p = s.call("PATCH", "/api/v1/meetings/%d/occurrences/2027-04-13"
                   % mid, {"start": "2027-13-01T19:00"})
    check(st == 422 and is_error(p, "start"),
          "PATCH occurrence with a malformed start -> 422 start", p)
    st, p = s.call("PATCH", "/api/v1/meetings/%d/occurrences/2027-04-13"
                   % mid, {"duration_minutes": 30})
    check(st == 422 and is_error(p, "start"),
          "PATCH occurrence without start -> 422 start", p)
    st, g = s.call("GET", "/api/v1/meetings/%d" % mid)
    eq(g.get("next_occurrences"), want,
       "refused occurrence changes leave the series as it was")


def concurrent(s, club):
    """Changes at the same moment: each gets its own SEQUENCE, none is
    lost (RFC 5546 §2.1.4: one monotonic counter per UID)."""
    m = mk_meeting(s, club["id"], title="Busy")
    res = []

    def patch(i):
        st, r = s.call("PATCH", "/api/v1/meetings/%d" % m["id"],
                       {"title": "Busy %d" % i})
        res.append((st, r.get("sequence") if isinstance(r, dict) else r))

    def cancel(d):
        st, r = s.call("DELETE", "/api/v1/meetings/%d/occurrences/%s"
                       % (m["id"], d))
        res.append((st, r.get("sequence") if isinstance(r, dict) else r))

    dates = ["2027-02-09", "2027-03-09", "2027-04-13", "2027-05-11",
             "2027-06-08", "2027-07-13", "2027-08-10", "2027-09-14"]
    ths = [threading.Thread(target=patch, args=(i,)) for i in range(16)]
    ths += [threading.Thread(target=cancel, args=(d,)) for d in dates]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    seqs = sorted(x[1] for x in res)
    eq(sorted(set(x[0] for x in res)), [200],
       "24 concurrent changes all succeed")
    st, g = s.call("GET", "/api/v1/meetings/%d" % m["id"])
    eq(sorted(o["date"] for o in g["occurrences"]), dates,
       "8 concurrent occurrence cancellations all stick")
    # Each change reads and writes the meeting in one transaction: no
    # SEQUENCE is handed out twice and no concurrent change is lost.
    eq(seqs, list(range(1, 25)), "24 concurrent changes get SEQUENCE "
       "1..24, each once")
    eq(g["sequence"], 24, "no concurrent change is lost")
    lost = 0
    for i in range(10):
        m = mk_meeting(s, club["id"], title="Race %d" % i)
        a = threading.Thread(target=s.call, args=(
            "PATCH", "/api/v1/meetings/%d" % m["id"], {"title": "New"}))
        b = threading.Thread(target=s.call, args=(
            "PATCH", "/api/v1/meetings/%d" % m["id"],
            {"description": "New"}))
        a.start()
        b.start()
        a.join()
        b.join()
        st, g = s.call("GET", "/api/v1/meetings/%d" % m["id"])
        lost += not (g["title"] == "New" and g["description"] == "New")
    eq(lost, 0, "concurrent PATCHes of title and of description both "
       "stick (10 tries)")


def main():
    with Server() as s:
        club = defaults(s)
        create_and_next(s, club)
        validation(s, club)
        mem = mk_member(s, "Local Member", "local@example.org", "60602")
        eq(mem["assignment"]["club_id"], club["id"],
           "a member in 60602 is assigned to the Chicago club")
        fp = feed_path(s, mem["id"])
        changes(s, club, fp)
        occurrences(s, club, fp)
        concurrent(s, club)
    templates()
    done()


main()
