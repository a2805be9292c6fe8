"""t0300_ics_python.py - our calendars, read by Python's icalendar.

Runs build/tests/tools/ics_gen (CLUBMATCH_BUILD, default build/) and checks
what it wrote with python3-icalendar and an independent expansion by
dateutil.rrule + zoneinfo:
  * occurrences across the March and November 2027 DST changes equal
    ics_occurrences(), both from the meeting definitions below and from
    the feed itself (RRULE + EXDATE + RECURRENCE-ID overrides);
  * a title with , ; \\ an emoji and a newline, and a 300-character
    description, come back exactly; lines are CRLF and <= 75 octets;
  * a VTIMEZONE for every TZID, SEQUENCE growing, CANCEL/CANCELLED,
    RECURRENCE-ID and EXDATE with the TZID, one ATTENDEE per invitation.
"""
import datetime as dt
import os
import subprocess
import sys
import tempfile
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from lib import check, eq, done, BUILD  # noqa: E402
from meetlib import (raw_lines_ok, tzids_used, vtimezones,  # noqa: E402
                     expand_calendar, aware as meetlib_aware, UTC)

from dateutil import rrule  # noqa: E402
from icalendar import Calendar  # noqa: E402

GEN = os.path.join(BUILD, "tests", "tools", "ics_gen")
FROM = dt.datetime(2027, 1, 1, tzinfo=UTC)
TO = dt.datetime(2028, 1, 1, tzinfo=UTC)

TITLE = "Board: budget, bylaws; C:\\dir \U0001F389 party\nsecond line"
DESCRIPTION = ("Agenda \u00e9t\u00e9 \U0001F600, items; " * 20)[:300]
assert len(DESCRIPTION) == 300          # the fixture, not a test


def epoch(d):
    return int(d.timestamp())


def independent():
    """The meetings ics_gen defines, expanded here without our code."""
    chi = ZoneInfo("America/Chicago")
    lon = ZoneInfo("Europe/London")
    den = ZoneInfo("America/Denver")
    la = ZoneInfo("America/Los_Angeles")
    out = {}
    weekly = [d for d in rrule.rrule(
        rrule.WEEKLY, byweekday=rrule.TU,
        dtstart=dt.datetime(2027, 2, 2, 19, 0, tzinfo=chi), until=TO)]
    weekly = [d for d in weekly if d.date() != dt.date(2027, 3, 16)]
    weekly = [d for d in weekly if d.date() != dt.date(2027, 11, 9)]
    weekly.append(dt.datetime(2027, 11, 10, 18, 0, tzinfo=chi))
    out["weekly-chicago@clubmatch.test"] = weekly
    out["monthly-london@clubmatch.test"] = list(rrule.rrule(
        rrule.MONTHLY, byweekday=rrule.SU(-1), count=12,
        dtstart=dt.datetime(2027, 1, 31, 10, 0, tzinfo=lon)))
    out["odd-texts@clubmatch.test"] = [
        dt.datetime(2027, 6, 1, 9, 0, tzinfo=la)]
    out["daily-denver@clubmatch.test"] = list(rrule.rrule(
        rrule.DAILY, dtstart=dt.datetime(2027, 11, 1, 8, 0, tzinfo=den),
        until=dt.datetime(2027, 11, 10, 23, 59, 59, tzinfo=den)))
    return {uid: sorted(epoch(d) for d in ds if FROM <= d < TO)
            for uid, ds in out.items()}


def aware(prop):
    """meetlib.aware(), where a DATE-TIME without a TZID fails a check."""
    return meetlib_aware(prop, strict=True)


def expand_feed(cal):
    """Occurrences per UID from the feed text (meetlib.expand_calendar:
    RRULE from DTSTART, minus EXDATEs, overridden instances moved), as
    epochs in [FROM, TO)."""
    return {uid: sorted(e for e in map(epoch, starts)
                        if epoch(FROM) <= e < epoch(TO))
            for uid, starts in expand_calendar(cal, TO, strict=True).items()}


def main():
    check(os.access(GEN, os.X_OK), "ics_gen is built at %s" % GEN)
    outdir = tempfile.mkdtemp(prefix="clubmatch-ics-")
    p = subprocess.run([GEN, outdir, TITLE, DESCRIPTION],
                       capture_output=True, text=True)
    if not check(p.returncode == 0, "ics_gen runs", p.stderr):
        done()

    raw, cals = {}, {}
    for name in ("feed", "download", "request", "update", "cancel",
                 "occ_cancel", "occ_move", "odd_request"):
        with open(os.path.join(outdir, name + ".ics"), "rb") as f:
            raw[name] = f.read()
        raw_lines_ok(name, raw[name])
        check(not raw[name].startswith(b"\xef\xbb\xbf"),
              "%s has no BOM" % name)
        try:
            cal = Calendar.from_ical(raw[name])
        except Exception as exc:  # noqa: BLE001 - report any parse error
            check(False, "%s parses with icalendar" % name, exc)
            continue
        if check(isinstance(cal, Calendar) and cal.name == "VCALENDAR" and
                 len(cal.walk("VEVENT")) >= 1,
                 "%s parses with icalendar: a VCALENDAR with at least one "
                 "VEVENT" % name, raw[name][:800]):
            cals[name] = cal
    if len(cals) != len(raw):
        done()

    # Every TZID used has its VTIMEZONE, with the bare IANA name.
    for name, cal in cals.items():
        used = tzids_used(cal)
        check(used and used <= vtimezones(cal),
              "%s: a VTIMEZONE for every TZID" % name,
              "used %s, defined %s" % (used, vtimezones(cal)))
        check(all(not t.startswith("/") for t in used),
              "%s: bare IANA TZIDs" % name, used)

    # Methods and people.
    feed = cals["feed"]
    eq(str(feed["METHOD"]), "PUBLISH", "feed is METHOD:PUBLISH")
    eq(str(feed["X-WR-CALNAME"]), "Sample Club remote",
       "feed X-WR-CALNAME (without , and ;)")
    eq(str(feed["NAME"]), "Sample Club, remote", "feed NAME is exact")
    check(b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in raw["feed"]
          and b"X-PUBLISHED-TTL:PT1H\r\n" in raw["feed"],
          "feed has REFRESH-INTERVAL and X-PUBLISHED-TTL")
    events = feed.walk("VEVENT")
    check(all("ATTENDEE" not in e for e in events), "feed has no ATTENDEE")
    check(all("ORGANIZER" in e for e in events), "feed keeps ORGANIZER")
    check(all(e.walk("VALARM") for e in events),
          "every feed VEVENT has a VALARM")
    check("cancelled@clubmatch.test" not in {str(e["UID"]) for e in events},
          "a cancelled series is left out of the feed")
    eq(vtimezones(feed), {"America/Chicago", "Europe/London",
                          "America/Los_Angeles", "America/Denver"},
       "feed: one VTIMEZONE per zone used, none for the cancelled one")
    for name in ("request", "update", "cancel", "occ_cancel", "occ_move",
                 "odd_request"):
        evs = cals[name].walk("VEVENT")
        eq(len(evs), 1, "%s has one VEVENT" % name)
        att = evs[0].get("ATTENDEE")
        check(att is not None and not isinstance(att, list),
              "%s has exactly one ATTENDEE" % name)
        if att is not None and not isinstance(att, list):
            eq(str(att.params.get("RSVP")), "TRUE", "%s RSVP=TRUE" % name)
            eq(str(att.params.get("PARTSTAT")), "NEEDS-ACTION",
               "%s PARTSTAT=NEEDS-ACTION" % name)
    att = cals["odd_request"].walk("VEVENT")[0]["ATTENDEE"]
    eq(str(att), "mailto:zoe@example.com", "odd name: address intact")
    cn = str(att.params.get("CN"))
    check('"' not in cn and "\n" not in cn and "\r" not in cn
          and cn.startswith("Zo\u00eb 'Z' O'Brien, Jr.;"),
          "odd name: CN without quotes or line breaks", cn)

    # Texts come back exactly.
    odd = [e for e in events if str(e["UID"]) == "odd-texts@clubmatch.test"]
    check(len(odd) == 1, "odd-texts meeting is in the feed")
    for name, ev in (("feed", odd[0] if odd else None),
                     ("odd_request", cals["odd_request"].walk("VEVENT")[0]),
                     ("download", cals["download"].walk("VEVENT")[0])):
        if ev is None:
            continue
        eq(str(ev["SUMMARY"]), TITLE, "%s: title round-trips exactly" % name)
        desc = str(ev["DESCRIPTION"])
        check(DESCRIPTION in desc,
              "%s: 300-character description round-trips" % name, desc)
        check(desc.split("\n")[1] ==
              "https://meet.jit.si/sample-club-abcdefghijklmnop",
              "%s: video link alone on a DESCRIPTION line" % name, desc)
        eq(str(ev["LOCATION"]),
           "https://meet.jit.si/sample-club-abcdefghijklmnop",
           "%s: LOCATION is the video link" % name)

    # A series' life: SEQUENCE grows, same UID, CANCEL is CANCELLED.
    seqs = [int(cals[n].walk("VEVENT")[0]["SEQUENCE"])
            for n in ("request", "update", "cancel")]
    check(seqs[0] < seqs[1] < seqs[2], "SEQUENCE grows on change", seqs)
    uids = {str(cals[n].walk("VEVENT")[0]["UID"])
            for n in ("request", "update", "cancel", "occ_cancel",
                      "occ_move")}
    eq(uids, {"weekly-chicago@clubmatch.test"}, "one UID for the series")
    for n in ("request", "update"):
        eq(str(cals[n]["METHOD"]), "REQUEST", "%s is METHOD:REQUEST" % n)
        eq(str(cals[n].walk("VEVENT")[0]["STATUS"]), "CONFIRMED",
           "%s is CONFIRMED" % n)
    eq(str(cals["cancel"]["METHOD"]), "CANCEL", "cancel is METHOD:CANCEL")
    eq(str(cals["cancel"].walk("VEVENT")[0]["STATUS"]), "CANCELLED",
       "cancel is STATUS:CANCELLED")
    upd = aware(cals["update"].walk("VEVENT")[0]["DTSTART"])
    eq((upd.hour, upd.minute), (18, 30), "update moves the start to 18:30")

    def vtz_bytes(data):
        a = data.index(b"BEGIN:VTIMEZONE")
        b = data.index(b"END:VTIMEZONE\r\n") + 15
        return data[a:b]
    check(vtz_bytes(raw["request"]) == vtz_bytes(raw["update"])
          == vtz_bytes(raw["cancel"]) == vtz_bytes(raw["occ_move"]),
          "VTIMEZONE byte-identical across REQUEST, update and CANCEL")

    # One occurrence cancelled, one moved: RECURRENCE-ID with the TZID.
    chi = ZoneInfo("America/Chicago")
    oc = cals["occ_cancel"].walk("VEVENT")[0]
    eq(str(cals["occ_cancel"]["METHOD"]), "CANCEL", "occ_cancel is CANCEL")
    eq(str(oc["STATUS"]), "CANCELLED", "occ_cancel is CANCELLED")
    eq(str(oc["RECURRENCE-ID"].params.get("TZID")), "America/Chicago",
       "occ_cancel RECURRENCE-ID has TZID")
    eq(aware(oc["RECURRENCE-ID"]), dt.datetime(2027, 3, 16, 19, 0,
                                                 tzinfo=chi),
       "occ_cancel RECURRENCE-ID is the original start")
    check("RRULE" not in oc, "occ_cancel has no RRULE")
    om = cals["occ_move"].walk("VEVENT")[0]
    eq(str(om["RECURRENCE-ID"].params.get("TZID")), "America/Chicago",
       "occ_move RECURRENCE-ID has TZID")
    eq(aware(om["RECURRENCE-ID"]), dt.datetime(2027, 11, 9, 19, 0,
                                                 tzinfo=chi),
       "occ_move RECURRENCE-ID is the original start")
    eq(aware(om["DTSTART"]), dt.datetime(2027, 11, 10, 18, 0, tzinfo=chi),
       "occ_move DTSTART is the new start")
    check(int(om["SEQUENCE"]) > seqs[0], "occ_move SEQUENCE above the "
          "first REQUEST's")
    weekly = [e for e in events
              if str(e["UID"]) == "weekly-chicago@clubmatch.test"]
    master = [e for e in weekly if "RECURRENCE-ID" not in e]
    moved = [e for e in weekly if "RECURRENCE-ID" in e]
    check(len(master) == 1 and len(moved) == 1,
          "feed: the series has a master and one override VEVENT")
    if master:
        ex = master[0].get("EXDATE")
        check(ex is not None and not isinstance(ex, list)
              and str(ex.params.get("TZID")) == "America/Chicago"
              and ex.dts[0].dt.replace(tzinfo=None) ==
              dt.datetime(2027, 3, 16, 19, 0),
              "feed: EXDATE;TZID=America/Chicago for 16 March 19:00",
              ex and ex.to_ical())
    if moved:
        eq(str(moved[0]["RECURRENCE-ID"].params.get("TZID")),
           "America/Chicago", "feed: override RECURRENCE-ID has TZID")

    # Occurrences: ours = independent = the feed expanded by dateutil.
    ours = {}
    with open(os.path.join(outdir, "occurrences.txt")) as f:
        for line in f:
            uid, when = line.split()
            ours.setdefault(uid, []).append(int(when))
    mine = independent()
    from_feed = expand_feed(feed)
    for uid in sorted(mine):
        got = ours.get(uid, [])
        eq(got, mine[uid], "%s: ics_occurrences = dateutil+zoneinfo" % uid)
        eq(from_feed.get(uid), got,
           "%s: feed expanded by icalendar+dateutil = ics_occurrences" % uid)
    # The weekly series really crosses both US changes: 19:00 CST is
    # 01:00Z, 19:00 CDT is 00:00Z.
    hours = {dt.datetime.fromtimestamp(e, UTC).hour
             for e in ours.get("weekly-chicago@clubmatch.test", [])}
    check({0, 1} <= hours, "weekly occurrences on both sides of DST", hours)
    march = [e for e in ours.get("weekly-chicago@clubmatch.test", [])
             if dt.datetime(2027, 3, 8, tzinfo=UTC).timestamp() <= e <
             dt.datetime(2027, 3, 25, tzinfo=UTC).timestamp()]
    eq([dt.datetime.fromtimestamp(e, UTC).strftime("%m-%dT%H:%M")
        for e in march], ["03-10T01:00", "03-24T00:00"],
       "March 2027: 9th in CST, 16th cancelled, 23rd in CDT")
    done()


if __name__ == "__main__":
    main()
