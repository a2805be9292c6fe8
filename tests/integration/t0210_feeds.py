"""t0210_feeds.py - the .ics download and the personal feed over HTTP
(docs/calendar.md, "Feed and download"): VCALENDAR headers, a VTIMEZONE
per TZID with the bare IANA name and the same bytes everywhere and after
changes, PUBLISH without ATTENDEE, VALARM, NAME/X-WR-CALNAME, refresh hints, texts
that round-trip exactly through python3-icalendar, CRLF and 75-octet
lines, libical's verdict (tests/tools/ics_check), ETag/304/Last-Modified;
and the feed tokens: one member's club only, tampered tokens 404, 429
after many bad attempts.
"""
import datetime as dt
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403
from meetlib import *                    # noqa: E402,F401,F403
from icalendar import Calendar           # noqa: E402

TITLE = "Board: budget, bylaws; C:\\dir \U0001F389 party \u00e9t\u00e9"
DESCRIPTION = ("Agenda \u00e9t\u00e9 \U0001F600, items; back\\slash\n"
               "second line " * 20)[:300]
CLUB_NAME = "Chess, Go; Checkers Club"


def calendar_basics(name, data, events=True):
    """The checks every served calendar passes; events=False for a
    calendar that may hold no VEVENT.  Returns the parsed calendar."""
    raw_lines_ok(name, data)
    ok, msg = ics_check(data, "PUBLISH")
    check(ok, "%s passes libical's check (ics_check)" % name, msg)
    try:
        cal = parse(data)
    except Exception as exc:  # noqa: BLE001 - any parse error is a failure
        check(False, "%s parses with python3-icalendar" % name, exc)
        return None
    check(isinstance(cal, Calendar) and cal.name == "VCALENDAR" and
          (not events or len(cal.walk("VEVENT")) >= 1),
          "%s parses with python3-icalendar: a VCALENDAR%s" % (
              name, " with at least one VEVENT" if events else ""),
          data[:800])
    check(data.startswith(b"BEGIN:VCALENDAR\r\n"), "%s starts with "
          "BEGIN:VCALENDAR (no BOM)" % name)
    check(str(cal.get("PRODID", "")).startswith("-//"),
          "%s has a PRODID" % name, cal.get("PRODID"))
    eq(str(cal.get("VERSION")), "2.0", "%s VERSION:2.0" % name)
    eq(str(cal.get("METHOD")), "PUBLISH", "%s METHOD:PUBLISH" % name)
    used = tzids_used(cal)
    check(used <= vtimezones(cal) and (used or not cal.walk("VEVENT")),
          "%s: a VTIMEZONE for every TZID used" % name,
          "used %s, defined %s" % (used, vtimezones(cal)))
    check(all(re.match(r"^[A-Z][A-Za-z_]+/[A-Za-z_/]+$", t) for t in used),
          "%s: bare IANA TZIDs" % name, used)
    eq(len(cal.walk("VTIMEZONE")), len(vtimezones(cal)),
       "%s: one VTIMEZONE per zone" % name)
    check(all("ATTENDEE" not in e for e in cal.walk("VEVENT")),
          "%s has no ATTENDEE" % name)
    return cal


def texts_round_trip(name, cal, uid):
    ev = events_of(cal, uid)
    if not check(len(ev) == 1, "%s holds the meeting with odd texts" % name):
        return
    ev = ev[0]
    eq(str(ev["SUMMARY"]), TITLE,
       "%s: title with , ; \\ : emoji and accents round-trips exactly" % name)
    desc = str(ev["DESCRIPTION"])
    check("\n\n" + DESCRIPTION + "\n\n" in desc,
          "%s: 300-character description with a newline round-trips "
          "exactly" % name, desc)


def etag_cycle(s, name, path, token, change):
    st, d1 = get_raw(s, path, token=token)
    h1 = dict(s.last_headers)
    etag = h1.get("etag")
    check(st == 200 and etag, "%s has an ETag" % name, h1)
    check(h1.get("content-type", "").startswith("text/calendar")
          and "utf-8" in h1.get("content-type", "").lower(),
          "%s is text/calendar; charset=utf-8" % name, h1)
    lm = h1.get("last-modified")
    check(parse_date(lm) is not None,
          "%s has a Last-Modified date" % name, lm)
    st, body = s.call("GET", path, token=token,
                      headers={"If-None-Match": etag})
    check(st == 304 and s.last_raw == b"",
          "%s with If-None-Match: its ETag -> 304, empty" % name,
          "status %s" % st)
    st, body = s.call("GET", path, token=token,
                      headers={"If-Modified-Since": lm})
    check(st == 304 and s.last_raw == b"",
          "%s with If-Modified-Since: its Last-Modified -> 304" % name,
          "status %s" % st)
    st, body = s.call("GET", path, token=token,
                      headers={"If-Modified-Since":
                               "Mon, 01 Jan 2001 00:00:00 GMT"})
    check(st == 200, "%s with an older If-Modified-Since -> 200" % name,
          "status %s" % st)
    st, d2 = get_raw(s, path, token=token)
    eq(d2, d1, "%s is the same bytes when nothing changed" % name)
    change()
    st, d3 = get_raw(s, path, token=token,
                     headers={"If-None-Match": etag})
    h3 = dict(s.last_headers)
    check(st == 200 and h3.get("etag") and h3["etag"] != etag,
          "%s after a change: 200 with a new ETag" % name,
          "status %s etag %s -> %s" % (st, etag, h3.get("etag")))
    lm3 = parse_date(h3.get("last-modified"))
    check(lm3 is not None and parse_date(lm) is not None and
          lm3 >= parse_date(lm),
          "%s Last-Modified does not go back" % name,
          "%s -> %s" % (lm, h3.get("last-modified")))
    return d1, d3


def formats(s):
    club = mk_club(s, CLUB_NAME, "60601")
    mem = mk_member(s, "Feed Reader", "reader@example.org", "60602")
    eq(mem["assignment"]["club_id"], club["id"], "member assigned locally")
    fp = feed_path(s, mem["id"])
    odd = mk_meeting(s, club["id"], title=TITLE, description=DESCRIPTION,
                     location="Room 5, Library; 2nd floor")
    ny = mk_meeting(s, club["id"], title="New York session",
                    timezone="America/New_York", start="2027-01-31T10:00",
                    rrule="FREQ=MONTHLY;BYDAY=-1SU")
    single = mk_meeting(s, club["id"], title="Picnic", rrule=None,
                        start="2027-07-04T12:30", duration_minutes=240)

    st, ics = get_raw(s, "/api/v1/meetings/%d.ics" % odd["id"])
    check(st == 200, "GET the .ics download -> 200")
    st, feed = get_raw(s, fp, token=None)
    check(st == 200, "GET the feed without a token -> 200")
    ci = calendar_basics(".ics", ics)
    cf = calendar_basics("feed", feed)
    if ci is None or cf is None:
        return
    texts_round_trip(".ics", ci, odd["uid"])
    texts_round_trip("feed", cf, odd["uid"])
    eq(str(events_of(cf, odd["uid"])[0]["LOCATION"]), odd["video_url"],
       "feed: LOCATION is the video link")
    check("Room 5, Library; 2nd floor" in
          str(events_of(cf, odd["uid"])[0]["DESCRIPTION"]),
          "feed: the physical place is in DESCRIPTION")

    eq(vtimezones(cf), {"America/Chicago", "America/New_York"},
       "feed: VTIMEZONEs for Chicago and New York")
    eq(vtimezones(ci), {"America/Chicago"}, ".ics: VTIMEZONE for Chicago")
    eq(sorted(str(e["UID"]) for e in cf.walk("VEVENT")),
       sorted([odd["uid"], ny["uid"], single["uid"]]),
       "feed: every meeting of the club, once")
    evs = cf.walk("VEVENT")
    check(all(e.walk("VALARM") for e in evs),
          "feed: a VALARM in every VEVENT")
    check(all(str(a.get("ACTION")) == "DISPLAY" and
              str(a.get("TRIGGER").to_ical().decode()).startswith("-")
              for e in evs for a in e.walk("VALARM")),
          "feed: the reminders are DISPLAY alarms before the meeting")
    eq(str(cf.get("NAME")), CLUB_NAME, "feed NAME is the club's name")
    check(str(cf.get("X-WR-CALNAME", "")).startswith("Chess"),
          "feed has X-WR-CALNAME", cf.get("X-WR-CALNAME"))
    check(b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in feed,
          "feed: REFRESH-INTERVAL;VALUE=DURATION:PT1H")
    check(b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in feed, "feed: X-PUBLISHED-TTL")
    check(all("ORGANIZER" in e for e in evs), "feed keeps ORGANIZER")
    m = events_of(cf, single["uid"])[0]
    check(m["DTSTART"].to_ical() == b"20270704T123000" and
          str(m["DTSTART"].params.get("TZID")) == "America/Chicago"
          and "RRULE" not in m,
          "feed: a single meeting has a TZID DTSTART and no RRULE")
    check(b"DTSTART;TZID=America/New_York:20270131T100000\r\n" in feed,
          "feed: the New York meeting in New York wall-clock time")

    zi, zf = vtimezone_blocks(ics), vtimezone_blocks(feed)
    eq(zi["America/Chicago"], zf["America/Chicago"],
       "the Chicago VTIMEZONE is byte-identical in .ics and feed")

    # Changes: ETag, 304, new ETag; VTIMEZONE bytes stay.
    def patch_title():
        st, _ = s.call("PATCH", "/api/v1/meetings/%d" % odd["id"],
                       {"duration_minutes": 120})
        check(st == 200, "PATCH duration -> 200")

    def patch_start():
        st, _ = s.call("PATCH", "/api/v1/meetings/%d" % odd["id"],
                       {"start": "2027-02-09T18:00"})
        check(st == 200, "PATCH start -> 200")

    _, ics2 = etag_cycle(s, ".ics download", "/api/v1/meetings/%d.ics"
                         % odd["id"], "admin", patch_title)
    _, feed2 = etag_cycle(s, "feed", fp, None, patch_start)
    eq(vtimezone_blocks(ics2).get("America/Chicago"), zi["America/Chicago"],
       ".ics VTIMEZONE byte-identical after a change")
    eq(vtimezone_blocks(feed2), zf,
       "feed VTIMEZONEs byte-identical after a change")
    st, _ = s.call("DELETE", "/api/v1/meetings/%d/occurrences/2027-03-09"
                   % odd["id"])
    st, feed3 = get_raw(s, fp, token=None)
    eq(vtimezone_blocks(feed3), zf,
       "feed VTIMEZONEs byte-identical after cancelling an occurrence")
    c3 = calendar_basics("feed after changes", feed3)
    if c3 is not None:
        ev = [e for e in events_of(c3, odd["uid"])
              if "RECURRENCE-ID" not in e][0]
        eq(int(ev["SEQUENCE"]), 3, "feed: SEQUENCE 3 after three changes")
        eq(str(ev["UID"]), odd["uid"], "feed: the same UID after changes")
    # An occurrence moved: the override passes libical too.
    st, _ = s.call("PATCH", "/api/v1/meetings/%d/occurrences/2027-04-13"
                   % odd["id"], {"start": "2027-04-14T18:00",
                                 "duration_minutes": 45})
    check(st == 200, "move one occurrence -> 200")
    st, feed4 = get_raw(s, fp, token=None)
    calendar_basics("feed with an override", feed4)
    st, ics4 = get_raw(s, "/api/v1/meetings/%d.ics" % odd["id"])
    calendar_basics(".ics with an override", ics4)

    # An unassigned member still gets a valid, empty calendar.
    st, lone = s.call("POST", "/api/v1/members", {
        "name": "Nobody Near", "email": "lone@example.org", "state": "VT"})
    if check(st == 201 and lone["assignment"]["club_id"] is None,
             "a member given only a state without clubs is unassigned",
             lone):
        st, empty = get_raw(s, feed_path(s, lone["id"]), token=None)
        check(st == 200, "an unassigned member's feed -> 200")
        ce = calendar_basics("empty feed", empty, events=False)
        if ce is not None:
            eq(len(ce.walk("VEVENT")), 0, "the empty feed has no VEVENT")
    return club, mem


def tokens(s, club_a, mem_a):
    club_b = mk_club(s, "Denver Readers", "80202")
    mem_b = mk_member(s, "Denver Member", "denver@example.org", "80203")
    eq(mem_b["assignment"]["club_id"], club_b["id"], "member B in Denver")
    mb = mk_meeting(s, club_b["id"], title="Denver only",
                    timezone="America/Denver")
    st, g = s.call("GET", "/api/v1/members/%d" % mem_a["id"])
    url = g.get("feed_url", "")
    check(url.startswith(s.base() + "/feeds/") and url.endswith(".ics"),
          "feed_url from GET /api/v1/members/{id} is base-url/feeds/…ics",
          url)
    fa = feed_path(s, mem_a["id"])
    fb = feed_path(s, mem_b["id"])
    st, da = get_raw(s, fa, token=None)
    st, db = get_raw(s, fb, token=None)
    check(mb["uid"].encode() in db and mb["uid"].encode() not in da,
          "a member's feed shows their club's meetings only")
    ua = {str(e["UID"]) for e in parse(da).walk("VEVENT")}
    ub = {str(e["UID"]) for e in parse(db).walk("VEVENT")}
    check(ua and not (ua & ub), "the two clubs' feeds share no meeting",
          (ua, ub))
    eq(str(parse(db).get("NAME")), "Denver Readers",
       "feed B is named after club B")

    tok_a = fa[len("/feeds/"):-len(".ics")]
    tok_b = fb[len("/feeds/"):-len(".ics")]
    id_a, mac_a = tok_a.split("-", 1)
    id_b, _ = tok_b.split("-", 1)
    last = mac_a[-1]
    flip = "a" if last != "a" else "b"
    bad = {
        "one character changed": "/feeds/%s-%s%s.ics" % (id_a, mac_a[:-1],
                                                         flip),
        "first character changed": "/feeds/%s-%s%s.ics" % (
            id_a, "a" if mac_a[0] != "a" else "b", mac_a[1:]),
        "another member's id with this member's mac":
            "/feeds/%s-%s.ics" % (id_b, mac_a),
        "the mac cut short": "/feeds/%s-%s.ics" % (id_a, mac_a[:-4]),
        "no mac": "/feeds/%s.ics" % id_a,
        "garbage": "/feeds/%s.ics" % urllib.parse.quote("x' OR 1=1 --"),
        "an unknown member": "/feeds/999999-%s.ics" % mac_a,
    }
    for what, path in bad.items():
        st, body, _ = call_from(s, "127.0.0.2", "GET", path, token=None)
        check(st == 404, "feed token tampered (%s) -> 404" % what,
              "%s %s" % (st, body))
    st, body, _ = call_from(s, "127.0.0.2", "GET", fa, token=None)
    check(st == 200, "the genuine token still works from that address", st)

    # Many bad attempts from one address -> 429, for that address only.
    statuses = []
    for i in range(30):
        st, body, hdrs = call_from(s, "127.0.0.3", "GET",
                                   "/feeds/%s-%s%02d.ics"
                                   % (id_a, mac_a[:-2], i), token=None)
        statuses.append(st)
    check(statuses[0] == 404 and statuses[-1] == 429,
          "many bad feed tokens from one address: 404s, then 429",
          statuses)
    check(set(statuses) <= {404, 429} and
          statuses.index(429) <= 25 and
          all(x == 429 for x in statuses[statuses.index(429):]),
          "once limited, every further attempt is 429", statuses)
    st, body, hdrs = call_from(s, "127.0.0.3", "GET", fa, token=None)
    check(st == 200,
          "while limited, a genuine feed token is still served "
          "(CONTRACT §9: a valid token is never 429)", "%s %r" % (st, hdrs))
    st, _ = get_raw(s, fa, token=None)
    check(st == 200, "another address is not limited")


def main():
    with Server() as s:
        r = formats(s)
        if r:
            tokens(s, *r)
    done()


main()
