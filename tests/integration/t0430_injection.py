"""t0430_injection.py - hostile names and titles never become headers,
recipients or attendees (docs/email.md, "No header injection";
docs/calendar.md, "What is cleaned or refused"; docs/api.md, "Limits").

1. The API refuses control characters (CR, LF, TAB, DEL, NUL) in member,
   club and secretary names, meeting titles and one-line fields, and
   injected e-mail addresses and links, with 422 naming the field, and
   changes nothing.  `clubmatch import members` rejects such a row by
   its line number and takes the others.
2. Whatever is accepted - quotes, commas, semicolons, colons, angle
   brackets, RFC 2047 look-alikes, 200-character and non-ASCII names
   (RFC 2047 in To), U+2028, bidi marks, emoji, a title with non-ASCII and
   a description with CR/LF and "Bcc:" / "ATTENDEE:" lines - yields mail
   that Python's email package parses with policy.strict and
   policy.default without a defect, with exactly the expected headers
   (no Bcc), exactly one envelope recipient, From/To that decode to the
   exact names, and a calendar with exactly one ATTENDEE (the recipient)
   that libical and Python's icalendar accept.
"""
import email
import email.header
import email.policy
import email.utils
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done, error_code      # noqa: E402
from invite_lib import (Sink, Mail, mail_server, new_club, new_member,  # noqa: E402
                        new_meeting, upcoming, libical_check,
                        python_vevents, outbox, all_items, MAIL_FROM,
                        FAST_ENV)

EVIL = "mallory@evil.example"
HEADERS = {"date", "message-id", "from", "to", "subject", "mime-version",
           "auto-submitted", "list-unsubscribe", "list-unsubscribe-post",
           "reply-to",
           "content-type"}

HOSTILE_CLUB = "Chess \"Kings\", Inc; O'Hara: <the> club"
UNICODE_CLUB = "\u00c9checs \u00abUnion\u00bb \u56fd\u9645\u8c61\u68cb"
# Accepted names: (name, ZIP).  IL ZIPs go to the Chicago club, WA ones
# to the Seattle club (each is the only club in its state).
NAMES = [
    ("Zo\u00eb \"Z\" O'Brien, Jr.; =?utf-8?q?x?=", "61701"),
    ("Mallory <%s>" % EVIL, "62701"),
    ("A" * 200, "61820"),
    ("\u674e\u96f7 \u041b\u0438 \u041b\u0435\u0439 \u0395\u03bb\u03ad\u03bd\u03b7",
     "62901"),
    # U+2028 and bidi overrides are refused (CONTRACT §9): t0490.
    ("\U0001f389 Party \U0001f389", "99201"),
    ("Comma, Semi; Colon: Back\\slash", "98901"),
    ("=?UTF-8?B?QmNjOiBtYWxsb3J5QGV2aWwuZXhhbXBsZQ==?=", "99301"),
    ("\u00e9" * 100, "98801"),                       # 200 bytes
]
TITLE = "R\u00e9union \U0001f389 \"x\"; a,b: =?utf-8?b?QmNjOg==?= <b>"
DESCRIPTION = ("line1\r\nBcc: %s\r\nATTENDEE:mailto:%s\nEND:VEVENT\n"
               "a,b;c\\d" % (EVIL, EVIL))


def refused(s, method, path, body, field, what):
    st, b = s.call(method, path, body)
    check(st == 422 and error_code(b) is not None and
          b["error"].get("field") == field,
          "%s -> 422 naming %r" % (what, field), "%s %r" % (st, b))


def refusals(s, club_id):
    before = (len(all_items(s, "/api/v1/clubs")),
              len(all_items(s, "/api/v1/members")))
    ok_member = {"email": "ok@x.test", "zip": "61701"}
    for i, name in enumerate(["Eve\r\nBcc: " + EVIL, "Eve\nBcc: " + EVIL,
                              "Eve\rBcc: " + EVIL, "Eve\tTab", "Eve\x7f",
                              "Eve\x1b[31m", "A" * 300, ""]):
        body = dict(ok_member, name=name, email="r%d@x.test" % i)
        refused(s, "POST", "/api/v1/members", body, "name",
                "member name %r" % name[:24])
    st, b = s.call("POST", "/api/v1/members",
                   dict(ok_member, name="Eve\x00Nul"))
    check(st in (400, 422), "member name with NUL -> 400/422", st)
    for addr in ["eve@x.test\r\nBcc: " + EVIL, "eve@x.test, " + EVIL,
                 "eve@x.test>\r\nRCPT TO:<%s" % EVIL, "<eve@x.test>",
                 "eve@x.test " + EVIL, "\"a\r\nb\"@x.test"]:
        refused(s, "POST", "/api/v1/members",
                dict(ok_member, name="Eve", email=addr), "email",
                "member e-mail %r" % addr[:30])
    club = {"zip": "60601", "secretary_email": "s@x.test"}
    refused(s, "POST", "/api/v1/clubs",
            dict(club, name="Chess \"Kings\"\r\nBcc: " + EVIL), "name",
            "club name with CR/LF and quotes")
    refused(s, "POST", "/api/v1/clubs", dict(club, name="K" * 300), "name",
            "club name of 300 characters")
    refused(s, "POST", "/api/v1/clubs",
            dict(club, name="Ok", secretary_name="Sam\r\nBcc: " + EVIL),
            "secretary_name", "secretary name with CR/LF")
    refused(s, "POST", "/api/v1/clubs",
            dict(club, name="Ok", secretary_email="s@x.test\r\nBcc: " + EVIL),
            "secretary_email", "secretary e-mail with CR/LF")
    refused(s, "PATCH", "/api/v1/clubs/%d" % club_id,
            {"name": "Renamed\r\nBcc: " + EVIL}, "name",
            "PATCH club name with CR/LF")
    start = upcoming()[0]
    mt = {"start": start, "duration_minutes": 60}
    path = "/api/v1/clubs/%d/meetings" % club_id
    refused(s, "POST", path, dict(mt, title="Meet\r\nBcc: " + EVIL),
            "title", "meeting title with CR/LF")
    refused(s, "POST", path, dict(mt, title="Meet\nDTSTART:19700101"),
            "title", "meeting title with LF")
    refused(s, "POST", path, dict(mt, title="Ok", location="Room\r\nBcc: x"),
            "location", "meeting location with CR/LF")
    refused(s, "POST", path,
            dict(mt, title="Ok", video_url="https://v.example/a\r\nBcc: x"),
            "video_url", "video link with CR/LF")
    refused(s, "POST", path,
            dict(mt, title="Ok", video_url="https://v.example/a\"b"),
            "video_url", "video link with a quote")
    refused(s, "POST", path,
            dict(mt, title="Ok", video_url="javascript:alert(1)"),
            "video_url", "javascript: video link")
    after = (len(all_items(s, "/api/v1/clubs")),
             len(all_items(s, "/api/v1/members")))
    eq(after, before, "refused requests changed nothing")
    eq(all_items(s, path), [], "no meeting was created by a refused request")


def c1_controls(s):
    """C1 controls (U+0080..U+009F) are control characters too: the API
    refuses them in member, club and secretary names with 422 (taken, they
    would make every invitation of such a member, or of every member of
    such a club, fail for good in the mailer)."""
    for i, ch in enumerate(("\u0085", "\u009b")):
        refused(s, "POST", "/api/v1/members",
                {"name": "Eve%sNel" % ch, "email": "c1-%d@x.test" % i,
                 "zip": "61701"}, "name", "member name with U+%04X"
                % ord(ch))
        refused(s, "POST", "/api/v1/clubs",
                {"name": "Club%sC1" % ch, "zip": "60601",
                 "secretary_email": "s@x.test"}, "name",
                "club name with U+%04X" % ord(ch))
        refused(s, "POST", "/api/v1/clubs",
                {"name": "Club C1 %d" % i, "zip": "60601",
                 "secretary_email": "s@x.test",
                 "secretary_name": "Sam%s" % ch}, "secretary_name",
                "secretary name with U+%04X" % ord(ch))


def csv_import(s):
    path = os.path.join(s.dir, "evil.csv")
    with open(path, "w", newline="") as f:
        f.write("name,email,zip\r\n"
                "\"Eve\r\nBcc: %s\",eve@csv.test,61701\r\n"    # line 2-3
                "Tab\tName,tab@csv.test,61701\r\n"            # line 4
                "Good Csv,good@csv.test,61701\r\n" % EVIL)    # line 5
    rc, out, err = s.cli(["import", "members", path])
    check(rc != 0, "import with hostile rows exits non-zero", rc)
    check(re.search(r":2:.*name", err) is not None,
          "the CR/LF name is rejected at line 2, naming the field", err)
    check(re.search(r":4:.*name", err) is not None,
          "the TAB name is rejected at line 4", err)
    mem = [m for m in all_items(s, "/api/v1/members")
           if m["email"].endswith("@csv.test")]
    eq(sorted(m["email"] for m in mem), ["good@csv.test"],
       "only the clean row was imported")
    return "good@csv.test", "Good Csv"


def mailbox(raw, name):
    """(display name, address) of header `name`, decoded per RFC 2047.
    Python's headerregistry keeps the folding space between adjacent
    encoded-words of a display name (RFC 2047 6.2 says to drop it), so
    the phrase is decoded with email.header instead."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    value = re.sub(r"\r?\n[ \t]", " ", msg[name])
    phrase, addr = email.utils.parseaddr(value)
    words = email.header.decode_header(phrase)
    return str(email.header.make_header(words)), addr


def check_one(sm, want_name, want_addr, club_name, what):
    raw = sm.data
    eq(sm.rcpt_tos, [want_addr], what + ": exactly one envelope recipient")
    eq(sm.mail_from, MAIL_FROM, what + ": envelope sender")
    head = raw.split(b"\r\n\r\n", 1)[0]
    check(all(b < 0x80 for b in head), what + ": headers are 7-bit")
    check(b"\r" not in head.replace(b"\r\n", b"") and
          b"\n" not in head.replace(b"\r\n", b""),
          what + ": no bare CR or LF in the headers")
    lines = head.split(b"\r\n")
    check(max(len(x) for x in lines) <= 998, what + ": header lines at "
          "most 998 characters")
    # 78 is a SHOULD (RFC 5322 2.1.1); List-Unsubscribe is left unfolded.
    long_lines = [x for x in lines if len(x) > 78 and
                  not x.startswith(b"List-Unsubscribe: <")]
    check(not long_lines, what + ": header lines at most 78 characters "
          "(but List-Unsubscribe)", long_lines)
    names = [x.split(b":", 1)[0].decode().lower() for x in lines
             if x[:1] not in (b" ", b"\t")]
    eq(sorted(names), sorted(HEADERS), what + ": exactly the expected "
       "headers, each once (no Bcc, nothing injected)")
    try:
        strict = email.message_from_bytes(raw, policy=email.policy.strict)
        strict_names = set()
        for h in strict.keys():
            strict[h]           # parses every header with raise_on_defect
            strict_names.add(h.lower())
        strict_err = None
    except Exception as e:      # noqa: BLE001
        strict_names, strict_err = set(), repr(e)
    check(strict_err is None and strict_names == HEADERS and
          strict.get_content_type() == "multipart/mixed",
          what + ": parses with email.policy.strict (multipart/mixed, "
          "the expected headers)",
          strict_err or (sorted(strict_names ^ HEADERS),
                         strict.get_content_type()))
    mail = Mail(sm)
    msg = mail.msg
    defects = [(p.get_content_type(), [str(d) for d in p.defects])
               for p in msg.walk() if p.defects]
    hdefects = [(h, [str(d) for d in msg[h].defects]) for h in msg.keys()
                if getattr(msg[h], "defects", None)]
    eq((defects, hdefects), ([], []), what + ": no defects in parts or "
       "headers")
    for h in ("Bcc", "Cc", "Sender"):
        check(msg.get_all(h) is None, what + ": no %s header" % h)
    # Reply-To: exactly one address, the tagged --mail-from (docs/email.md).
    rt = [a.addr_spec for a in msg["Reply-To"].addresses] \
        if msg.get_all("Reply-To") else []
    local, domain = MAIL_FROM.split("@")
    check(len(rt) == 1 and rt[0].startswith(local + "+") and
          rt[0].endswith("@" + domain) and len(msg.get_all("Reply-To")) == 1,
          what + ": one Reply-To, the tagged --mail-from", rt)
    eq([a.addr_spec for a in msg["To"].addresses], [want_addr],
       what + ": To holds exactly the member's address")
    eq([a.addr_spec for a in msg["From"].addresses], [MAIL_FROM],
       what + ": From holds exactly --mail-from")
    eq(mailbox(raw, "To"), (want_name, want_addr), what + ": To decodes "
       "to exactly the member's name and address")
    eq(mailbox(raw, "From"), (club_name, MAIL_FROM), what + ": From "
       "decodes to exactly the club's name and --mail-from")
    subj = str(msg["Subject"])
    check("\n" not in subj and "\r" not in subj and
          "R\u00e9union \U0001f389" in subj,
          what + ": Subject is one line with the non-ASCII title", subj)
    atts = [l for l in mail.unfolded if re.match(r"ATTENDEE[;:]", l)]
    check(len(atts) == 1, what + ": exactly one ATTENDEE line", atts)
    check(atts and atts[0].lower().endswith(":mailto:" + want_addr),
          what + ": the ATTENDEE is the recipient", atts)
    eq(len([l for l in mail.unfolded if re.match(r"ORGANIZER[;:]", l)]), 1,
       what + ": exactly one ORGANIZER")
    eq(len([l for l in mail.unfolded if l == "END:VEVENT"]), 1,
       what + ": exactly one VEVENT")
    check(all(not l.lower().startswith(("attendee", "organizer")) or
              EVIL not in l.split(":mailto:")[-1] for l in mail.unfolded),
          what + ": the attacker's address is no calendar user")
    check(mail.ics == mail.ics_att, what + ": inline calendar == invite.ics")
    ok, out = libical_check(mail.ics, "REQUEST")
    check(ok, what + ": libical accepts the calendar", out)
    try:
        cal, evs = python_vevents(mail.ics)
        att = evs[0].get("ATTENDEE")
        check(not isinstance(att, list) and
              str(att).lower() == "mailto:" + want_addr,
              what + ": Python icalendar sees one ATTENDEE, the recipient",
              att)
        cn = att.params.get("CN", "")
        check("\r" not in cn and "\n" not in cn and '"' not in cn,
              what + ": ATTENDEE CN has no CR, LF or DQUOTE", cn)
        eq(str(evs[0].get("SUMMARY")), TITLE, what + ": SUMMARY round-trips "
           "the title")
        desc = str(evs[0].get("DESCRIPTION"))
        check("ATTENDEE:mailto:" + EVIL in desc,
              what + ": the description's fake ATTENDEE stays text inside "
              "DESCRIPTION")
    except Exception as e:      # noqa: BLE001
        check(False, what + ": Python icalendar parses it", repr(e))


def main():
    sink = Sink().start()
    s = mail_server(sink, env=FAST_ENV).start()
    try:
        chi = new_club(s, HOSTILE_CLUB, "60601", secretary="sam@chi.test",
                       sec_name="Sam \"The\" Secretary, Esq.")
        sea = new_club(s, UNICODE_CLUB, "98101", secretary="s\u00e9@sea.test"
                       .replace("\u00e9", "e"), sec_name="S\u00e9bastien")
        eq(chi["name"], HOSTILE_CLUB, "a club name with quotes, comma, "
           "semicolon, colon and <> is kept as given")
        refusals(s, chi["id"])
        c1_controls(s)
        members = {}
        for i, (name, zipc) in enumerate(NAMES):
            addr = "m%d@names.test" % i
            st, body = new_member(s, name, addr, zipc, want=None)
            eq(st, 201, "member name %r accepted" % name[:30])
            if st == 201:
                eq(body["name"], name, "member name %r kept exactly"
                   % name[:30])
                eq(body["assignment"]["mode"], "remote",
                   "member %r is remote" % name[:30])
                members[addr] = (name, body["assignment"]["club_name"])
        addr, name = csv_import(s)
        members[addr] = (name, HOSTILE_CLUB)
        start, day = upcoming()
        for c in (chi, sea):
            new_meeting(s, c["id"], TITLE, start=start,
                        rrule="FREQ=WEEKLY;BYDAY=" + day,
                        description=DESCRIPTION)
        got = sink.wait_for(len(members), timeout=30)
        got = sink.settle(quiet=1.5)
        eq(len(got), len(members), "one invitation per accepted member")
        eq(outbox(s, "failed"), [], "no invitation failed to build")
        eq(sorted(r for m in got for r in m.rcpt_tos), sorted(members),
           "each accepted member got exactly one message")
        check(all(EVIL not in [r.lower() for r in m.rcpt_tos] for m in got),
              "the attacker's address is never an envelope recipient")
        for sm in got:
            a = sm.rcpt_tos[0] if len(sm.rcpt_tos) == 1 else None
            if a not in members:
                check(False, "message to an unknown recipient", sm.rcpt_tos)
                continue
            name, club_name = members[a]
            check_one(sm, name, a, club_name, "mail to %r" % name[:24])
    finally:
        rc = s.stop()
        check(rc == 0, "server exits cleanly (status %s)" % rc, s.logtext())
        sink.stop()
    done()


main()
