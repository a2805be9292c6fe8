"""invite_lib.py - helpers for the invitation tests (t0410..t0450) and
bench/bench_invites.py: a sink that indexes what it received, parsing of
one invitation e-mail (MIME parts, calendar, links), the libical checker
(build/tests/tools/ics_check), ZIP codes far from every club, and small
API shortcuts.

Nothing here changes lib.py or smtpsink.py; it only builds on them.
"""
import base64
import collections
import datetime
import email
import email.policy
import math
import os
import re
import time

from lib import (BIN, check, done, eq, Server, wait_for,   # noqa: F401
                 libical_check, TOP)
from smtpsink import SmtpSink

MAIL_FROM = "invites@clubmatch.test"
BASE_URL = "http://clubs.test:8080"
SANITIZED = bool(os.environ.get("CLUBMATCH_SANITIZED"))

# Fast retries and short SMTP time-outs (scheduler/outbox.c reads both).
FAST_ENV = {"CLUBMATCH_RETRY_SCALE": "0.01", "CLUBMATCH_SMTP_TIMEOUT": "2"}


# ==== the sink ==============================================================
def is_calendar(data):
    """Whether a message carries a calendar (an invitation or a CANCEL),
    as opposed to a welcome or a digest (docs/email.md)."""
    return b"text/calendar" in data


class Sink(SmtpSink):
    """SmtpSink plus views of what arrived: per recipient, per Message-ID.

    The views show the calendar messages only (calendar_only), since the
    welcomes and digests of docs/outreach.md arrive beside the
    invitations these tests are about; everything() shows all."""

    calendar_only = True

    def everything(self):
        with self._lock:
            return list(self.messages)

    def snapshot(self):
        return [m for m in self.everything()
                if not self.calendar_only or is_calendar(m.data)]

    def wait_for(self, count, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.snapshot()
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.snapshot()

    def rcpt_counts(self):
        c = collections.Counter()
        for m in self.snapshot():
            for r in m.rcpt_tos:
                c[r.lower()] += 1
        return c

    def msgid_counts(self):
        c = collections.Counter()
        for m in self.snapshot():
            c[message_id(m.data)] += 1
        return c

    def for_rcpt(self, addr):
        return [m for m in self.snapshot()
                if addr.lower() in [r.lower() for r in m.rcpt_tos]]

    def wait_count(self, n, timeout=20.0):
        return self.wait_for(n, timeout)

    def settle(self, quiet=1.0, timeout=30.0):
        """Waits until nothing new arrived for `quiet` seconds."""
        deadline = time.time() + timeout
        last, since = len(self.snapshot()), time.time()
        while time.time() < deadline:
            time.sleep(0.05)
            n = len(self.snapshot())
            if n != last:
                last, since = n, time.time()
            elif time.time() - since >= quiet:
                break
        return self.snapshot()


_MSGID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.I | re.M)


def message_id(raw):
    m = _MSGID.search(raw.split(b"\r\n\r\n", 1)[0])
    return m.group(1).decode() if m else None


# ==== one message ===========================================================
def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def tree(msg):
    if msg.is_multipart():
        return (msg.get_content_type(), [tree(p) for p in msg.get_payload()])
    return msg.get_content_type()


class Mail:
    """One received invitation, taken apart."""

    def __init__(self, sinkmsg_or_raw):
        raw = getattr(sinkmsg_or_raw, "data", sinkmsg_or_raw)
        self.sinkmsg = sinkmsg_or_raw if hasattr(sinkmsg_or_raw, "data") \
            else None
        self.raw = raw
        self.msg = parse(raw)
        self.cal_part = self.att_part = self.text_part = self.html_part = None
        for p in self.msg.walk():
            ct = p.get_content_type()
            if ct == "text/calendar" and self.cal_part is None:
                self.cal_part = p
            elif ct == "application/ics" and self.att_part is None:
                self.att_part = p
            elif ct == "text/plain" and self.text_part is None:
                self.text_part = p
            elif ct == "text/html" and self.html_part is None:
                self.html_part = p
        self.ics = self.cal_part.get_payload(decode=True) \
            if self.cal_part is not None else b""
        self.ics_att = self.att_part.get_payload(decode=True) \
            if self.att_part is not None else b""
        self.text = self.text_part.get_content() \
            if self.text_part is not None else ""
        self.html = self.html_part.get_content() \
            if self.html_part is not None else ""
        self.method_param = self.cal_part.get_param("method") \
            if self.cal_part is not None else None
        self.unfolded = unfold(self.ics.decode("utf-8", "replace"))

    @property
    def msgid(self):
        return str(self.msg["Message-ID"])

    def prop(self, name):
        """Every unfolded content line of the calendar for property name
        (matching "NAME:" or "NAME;"), inside VEVENT only."""
        out, inside = [], False
        for line in self.unfolded:
            if line == "BEGIN:VEVENT":
                inside = True
            elif line == "END:VEVENT":
                inside = False
            elif inside and re.match(re.escape(name) + r"[;:]", line):
                out.append(line)
        return out

    def value(self, name):
        v = self.prop(name)
        return v[0].split(":", 1)[1] if len(v) == 1 else None

    def cal_method(self):
        for line in self.unfolded:
            if line.startswith("METHOD:"):
                return line[7:]
        return None

    def links(self):
        """The links of the text part, by kind."""
        t = self.text
        found = {}
        for kind, pat in (
                ("yes", r"(https?://\S+/rsvp/[^\s?]+\?answer=yes)"),
                ("no", r"(https?://\S+/rsvp/[^\s?]+\?answer=no)"),
                ("maybe", r"(https?://\S+/rsvp/[^\s?]+\?answer=maybe)"),
                ("feed", r"(https?://\S+/feeds/\S+\.ics)"),
                ("unsubscribe", r"(https?://\S+/unsubscribe/[^\s>]+)")):
            m = re.search(pat, t)
            found[kind] = m.group(1) if m else None
        return found


def unfold(text):
    """RFC 5545 content lines, unfolded."""
    out = []
    for line in text.split("\r\n"):
        if line.startswith((" ", "\t")) and out:
            out[-1] += line[1:]
        elif line:
            out.append(line)
    return out


def path_of(url):
    """The path and query of an absolute URL of the service."""
    m = re.match(r"https?://[^/]+(/.*)$", url)
    return m.group(1) if m else url


# ==== calendars =============================================================
def python_vevents(ics_bytes):
    """Parses with Python's icalendar; returns (calendar, [VEVENT])."""
    import icalendar
    cal = icalendar.Calendar.from_ical(ics_bytes)
    return cal, [c for c in cal.walk() if c.name == "VEVENT"]


# ==== dates =================================================================
def upcoming(weekday=0, weeks=2, hour=19):
    """A local "YYYY-MM-DDTHH:00" start on `weekday` (0 = Monday) at least
    `weeks` weeks from today, and its BYDAY code."""
    d = datetime.date.today() + datetime.timedelta(weeks=weeks)
    while d.weekday() != weekday:
        d += datetime.timedelta(days=1)
    return "%sT%02d:00" % (d.isoformat(), hour), \
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][weekday]


def plus_days(start, days):
    d = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M")
    return (d + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


# ==== ZIP codes =============================================================
def zip_table():
    """{zip: (lat, lon, state, tz)} from the shipped GeoNames table."""
    out = {}
    with open(os.path.join(TOP, "data", "zips.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            w = line.rstrip("\n").split("\t")
            if len(w) >= 7:
                out[w[0]] = (float(w[1]), float(w[2]), w[4], w[6])
    return out


def miles(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((la2 - la1) / 2) ** 2 +
         math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 3958.8 * math.asin(min(1.0, math.sqrt(h)))


def far_zips(table, club_zips, n, min_miles=40.0, seed=1):
    """n distinct ZIPs more than min_miles from every club ZIP."""
    import random
    rnd = random.Random(seed)
    clubs = [table[z] for z in club_zips]
    keys = sorted(table)
    rnd.shuffle(keys)
    out = []
    for z in keys:
        p = table[z]
        if all(miles(p, c) > min_miles for c in clubs):
            out.append(z)
            if len(out) == n:
                break
    return out


# ==== API shortcuts =========================================================
def must(st_body, want, what):
    st, body = st_body
    if st != want:
        raise RuntimeError("%s -> %s %r" % (what, st, body))
    return body


def new_club(s, name, zipc, secretary="sec@club.test", sec_name="Sam Secretary",
             **extra):
    body = {"name": name, "zip": zipc, "secretary_email": secretary,
            "secretary_name": sec_name}
    body.update(extra)
    return must(s.call("POST", "/api/v1/clubs", body), 201,
                "POST club %s" % name)


def new_member(s, name, mail, zipc, want=201):
    st, body = s.call("POST", "/api/v1/members",
                      {"name": name, "email": mail, "zip": zipc})
    if want is not None and st != want:
        raise RuntimeError("POST member %r -> %s %r" % (name, st, body))
    return st, body


def new_meeting(s, club_id, title="Weekly game", start=None, rrule=None,
                duration=90, token="admin", **extra):
    if start is None:
        start, day = upcoming()
        rrule = rrule or "FREQ=WEEKLY;BYDAY=" + day
    body = {"title": title, "start": start, "duration_minutes": duration}
    if rrule:
        body["rrule"] = rrule
    body.update(extra)
    return must(s.call("POST", "/api/v1/clubs/%d/meetings" % club_id, body,
                       token=token), 201, "POST meeting")


def secretary_token(s, club_id):
    return must(s.call("POST", "/api/v1/clubs/%d/tokens" % club_id, {}),
                201, "POST token")["token"]


def all_items(s, path, token="admin"):
    items, after = [], None
    while True:
        sep = "&" if "?" in path else "?"
        url = path + sep + "limit=1000" + ("&after=" + str(after)
                                           if after is not None else "")
        body = must(s.call("GET", url, token=token), 200, "GET " + url)
        items += body["items"]
        after = body.get("next")
        if after is None:
            return items


def outbox(s, status=None, kind="invitation"):
    """The outbox rows of one kind (None: every kind)."""
    rows = all_items(s, "/api/v1/outbox" + ("?status=" + status
                                            if status else ""))
    return [r for r in rows if kind is None or r.get("kind") == kind]


def mail_server(sink, extra=(), env=None, workdir=None):
    """A Server delivering to sink with our --mail-from and --base-url."""
    e = dict(env or {})
    return Server(args=["--smtp", sink.url, "--mail-from", MAIL_FROM,
                        "--base-url", BASE_URL] + list(extra), env=e,
                  workdir=workdir)


def with_mail_server(run, env=FAST_ENV):
    """Starts a sink and a server delivering to it, calls run(s, sink),
    checks the server exits cleanly, and prints the tally."""
    sink = Sink().start()
    s = mail_server(sink, env=env).start()
    try:
        run(s, sink)
    finally:
        rc = s.stop()
        check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())
        sink.stop()
    done()


def b64(s):
    return base64.b64encode(s).decode()


# ==== replies coming back (docs/email.md, "Replies") =======================
def deliver(maildir, raw):
    """Puts raw into maildir as an MTA does (tmp/, then new/)."""
    name = "%f.%d.test" % (time.time(), os.getpid())
    with open(os.path.join(maildir, "tmp", name), "wb") as f:
        f.write(raw)
    os.rename(os.path.join(maildir, "tmp", name),
              os.path.join(maildir, "new", name))
    return name


def intake(s, raw, extra=()):
    """`clubmatch intake FILE` of raw against s's database."""
    path = os.path.join(s.dir, "in-%f.eml" % time.time())
    with open(path, "wb") as f:
        f.write(raw)
    return s.cli(["intake", path, "--mail-from", MAIL_FROM] + list(extra))


def attendee(s, mid, addr, date=None):
    """addr's row of meeting mid's attendees (of date), or None."""
    st, body = s.call("GET", "/api/v1/meetings/%d/attendees%s"
                      % (mid, "?date=" + date if date else ""))
    for a in body.get("items", []) if st == 200 else []:
        if a["email"] == addr:
            return a
    return None
