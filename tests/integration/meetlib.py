"""meetlib.py - helpers shared by the meeting and feed tests (t0200-t0230):
clubs and meetings over HTTP, requests from another loopback address (the
token rate limit counts per address), the libical checker tool, an
independent expansion of series with dateutil + zoneinfo, and the
expansion of a served calendar (RRULE, EXDATE, RECURRENCE-ID overrides)
with python3-icalendar.
"""
import datetime as dt
import urllib.parse
from zoneinfo import ZoneInfo

from dateutil import rrule
from icalendar import Calendar

from lib import check, libical_check as ics_check   # noqa: F401

UTC = dt.timezone.utc
CHI = ZoneInfo("America/Chicago")


def must(st, body, want, what):
    """Set-up steps that must work: raise with the answer if not."""
    if st != want:
        raise RuntimeError("%s -> %s %r (wanted %s)" % (what, st, body, want))
    return body


def mk_club(s, name, zip_code, **kw):
    body = {"name": name, "zip": zip_code,
            "secretary_email": kw.pop("secretary_email",
                                      "secretary@example.org")}
    body.update(kw)
    st, c = s.call("POST", "/api/v1/clubs", body)
    return must(st, c, 201, "create club %s" % name)


def mk_token(s, club_id):
    st, t = s.call("POST", "/api/v1/clubs/%d/tokens" % club_id)
    return must(st, t, 201, "token for club %d" % club_id)["token"]


def mk_member(s, name, email, zip_code=None, **kw):
    body = {"name": name, "email": email}
    if zip_code:
        body["zip"] = zip_code
    body.update(kw)
    st, m = s.call("POST", "/api/v1/members", body)
    return must(st, m, 201, "create member %s" % name)


def meeting_body(**kw):
    b = {"title": "Monthly meeting", "start": "2027-01-12T19:00",
         "rrule": "FREQ=MONTHLY;BYDAY=2TU", "timezone": "America/Chicago",
         "duration_minutes": 90}
    for k, v in kw.items():
        if v is None:
            b.pop(k, None)
        else:
            b[k] = v
    return b


def mk_meeting(s, club_id, token="admin", **kw):
    st, m = s.call("POST", "/api/v1/clubs/%d/meetings" % club_id,
                   meeting_body(**kw), token=token)
    return must(st, m, 201, "create meeting in club %d" % club_id)


def list_meetings(s, club_id):
    st, body = s.call("GET", "/api/v1/clubs/%d/meetings?limit=1000" % club_id)
    return must(st, body, 200, "list meetings of club %d" % club_id)["items"]


def feed_path(s, member_id):
    st, m = s.call("GET", "/api/v1/members/%d" % member_id)
    must(st, m, 200, "member %d" % member_id)
    return urllib.parse.urlparse(m["feed_url"]).path


def get_raw(s, path, token="admin", headers=None):
    """GET returning (status, bytes)."""
    st, _ = s.call("GET", path, token=token, headers=headers)
    return st, s.last_raw


def call_from(s, ip, method, path, body=None, token="admin", headers=None):
    """As Server.call, but from source address ip (127.0.0.x), so that
    deliberately failed token attempts are counted for that address only.
    Returns (status, JSON or text, headers)."""
    st, got = s.call(method, path, body, token=token, headers=headers,
                     source=ip)
    return st, got, s.last_headers


# ==== calendar text =======================================================
def raw_lines_ok(name, data):
    """CRLF only, lines <= 75 octets, no split UTF-8, one final CRLF."""
    lines = data.split(b"\r\n")
    check(data.endswith(b"END:VCALENDAR\r\n") and lines[-1] == b"",
          "%s ends with one CRLF after END:VCALENDAR" % name)
    rest = data.replace(b"\r\n", b"")
    check(b"\n" not in rest and b"\r" not in rest,
          "%s: every line ends in CRLF (no bare CR or LF)" % name)
    long = [ln for ln in lines if len(ln) > 75]
    check(not long, "%s: every line <= 75 octets" % name, long[:3])
    bad = []
    for ln in lines:
        try:
            ln.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(ln)
    check(not bad, "%s: no folded line splits a UTF-8 character" % name,
          bad[:3])


def vtimezone_blocks(data):
    """{TZID: the raw bytes of its VTIMEZONE block}."""
    out = {}
    start = 0
    while True:
        i = data.find(b"BEGIN:VTIMEZONE\r\n", start)
        if i < 0:
            return out
        j = data.find(b"END:VTIMEZONE\r\n", i)
        block = data[i:j + len(b"END:VTIMEZONE\r\n")]
        for ln in block.split(b"\r\n"):
            if ln.startswith(b"TZID:"):
                out[ln[5:].decode()] = block
        start = j + 1


def parse(data):
    return Calendar.from_ical(data)


def tzids_used(cal):
    used = set()
    for comp in cal.walk():
        if comp.name == "VTIMEZONE":
            continue
        for _key, val in comp.property_items(recursive=False):
            params = getattr(val, "params", None)
            if params and "TZID" in params:
                used.add(str(params["TZID"]))
    return used


def vtimezones(cal):
    return {str(c["TZID"]) for c in cal.walk("VTIMEZONE")}


def events_of(cal, uid=None):
    return [e for e in cal.walk("VEVENT")
            if uid is None or str(e["UID"]) == uid]


def aware(prop, strict=False):
    """A DATE-TIME property as an aware datetime in its TZID's zone, via
    zoneinfo (pytz's fixed offsets would break wall-clock expansion).
    strict: a DATE-TIME without a TZID is a failed check."""
    value = prop.dt
    tzid = prop.params.get("TZID")
    if tzid is None:
        if strict:
            check(False, "DATE-TIME %s carries a TZID" % value)
        return value
    return value.replace(tzinfo=None).replace(tzinfo=ZoneInfo(str(tzid)))


def expand_calendar(cal, until, uid=None, strict=False):
    """Occurrence starts (UTC datetimes) per UID up to until: RRULE from
    DTSTART minus EXDATEs, overridden instances moved to their new start.
    strict: as for aware()."""
    masters, overrides = {}, {}
    for ev in cal.walk("VEVENT"):
        u = str(ev["UID"])
        if uid is not None and u != uid:
            continue
        if "RECURRENCE-ID" in ev:
            overrides.setdefault(u, []).append(ev)
        else:
            masters[u] = ev
    out = {}
    for u, ev in masters.items():
        start = aware(ev["DTSTART"], strict)
        dates = []
        if "RRULE" in ev:
            text = ev["RRULE"].to_ical().decode()
            for d in rrule.rrulestr(text, dtstart=start):
                if d >= until:
                    break
                dates.append(d)
        else:
            dates = [start]
        exdates = set()
        ex = ev.get("EXDATE")
        for group in (ex if isinstance(ex, list) else [ex] if ex else []):
            tzid = str(group.params["TZID"])
            for d in group.dts:
                exdates.add(d.dt.replace(tzinfo=None).replace(
                    tzinfo=ZoneInfo(tzid)).astimezone(UTC))
        moved = {}
        for o in overrides.get(u, []):
            moved[aware(o["RECURRENCE-ID"], strict).astimezone(UTC)] = \
                aware(o["DTSTART"], strict).astimezone(UTC)
        result = []
        for d in dates:
            e = d.astimezone(UTC)
            if e in exdates:
                continue
            result.append(moved.pop(e, e))
        result.extend(moved.values())
        out[u] = sorted(result)
    return out


# ==== independent expansion ==============================================
def local(s):
    """"YYYY-MM-DDTHH:MM" -> naive datetime."""
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M")


def series_utc(start, tz, rule=None, until=None, limit=2000):
    """The occurrences of a series (wall clock in tz), in UTC, computed by
    dateutil.rrule + zoneinfo only."""
    z = ZoneInfo(tz)
    d0 = local(start)
    if not rule:
        return [d0.replace(tzinfo=z).astimezone(UTC)]
    out = []
    for d in rrule.rrulestr(rule, dtstart=d0):
        u = d.replace(tzinfo=z).astimezone(UTC)
        if until is not None and u >= until:
            break
        out.append(u)
        if len(out) >= limit:
            break
    return out


def iso(d):
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
