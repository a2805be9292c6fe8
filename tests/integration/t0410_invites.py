"""t0410_invites.py - e-mail invitations (iMIP; docs/email.md, "Anatomy
of a message"; docs/calendar.md, "Invitation") from the real service to
a real SMTP server (aiosmtpd, smtpsink.py).

One club in Chicago, a local member (who must get nothing) and three
remote members in three time zones.  A weekly meeting -> exactly one
invitation per remote member; each one is taken apart: envelope, headers,
MIME tree, the calendar (inline part == invite.ics attachment, parsed by
Python's icalendar and by libical through build/tests/tools/ics_check),
ORGANIZER, the one ATTENDEE, CONTACT, UID, SEQUENCE, the texts (times in
the meeting's and the member's zone, video, RSVP, feed and unsubscribe
links).  Then: an update (SEQUENCE 1), one occurrence cancelled and one
moved (RECURRENCE-ID;TZID), the series cancelled (METHOD:CANCEL in MIME
and body, STATUS:CANCELLED), members who arrive later by the API and by
`clubmatch import members` while serve runs, an unsubscribed member, and
GET /api/v1/outbox.
"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, parse_date, wait_for  # noqa: E402

# ORGANIZER addresses seen per (UID, member): the tag is stable.
TAGS = {}
from invite_lib import (with_mail_server, Mail, new_club, new_member,  # noqa: E402
                        new_meeting, upcoming, plus_days, path_of,
                        libical_check, python_vevents, outbox, tree,
                        MAIL_FROM, BASE_URL)

CLUB = "Prairie Chess Club"
SEC = ("Sam Secretary", "sam@prairie.test")
# name, e-mail, ZIP, zone; the first is 0.7 mi from the club.
LOCAL = ("Lou Local", "lou@local.test", "60602", "America/Chicago")
REMOTE = [
    ("Ann Arbor", "ann@remote.test", "61701", "America/Chicago"),   # IL
    ("Ben Brook", "ben@remote.test", "46204",
     "America/Indiana/Indianapolis"),                                # IN
    ("Cy Canyon", "cy@remote.test", "80202", "America/Denver"),     # CO
]
LATE_API = ("Dee Delta", "dee@remote.test", "62701", "America/Chicago")
LATE_CLI = ("Eli Erie", "eli@remote.test", "62901", "America/Chicago")
LATE_CLI_LOCAL = ("Fay Field", "fay@local.test", "60603", "America/Chicago")
ALL_ADDRS = [LOCAL[1]] + [r[1] for r in REMOTE] + [LATE_API[1], LATE_CLI[1],
                                                   LATE_CLI_LOCAL[1]]
# "7:00 PM" at the club is this in each member's zone (in winter).
HOUR_IN = {"America/Chicago": "7:00 PM", "America/Indiana/Indianapolis":
           "8:00 PM", "America/Denver": "6:00 PM"}


class State:
    seen = 0            # messages of the sink already looked at
    msgids = collections.Counter()


def new_messages(sink, want, what, quiet=1.0):
    """Waits for `want` new messages, then for quiet; returns exactly the
    new ones (and checks there are no more than `want`)."""
    sink.wait_for(State.seen + want, timeout=30)
    msgs = sink.settle(quiet=quiet)
    new = msgs[State.seen:]
    State.seen = len(msgs)
    eq(len(new), want, "%s: exactly %d message(s)" % (what, want))
    for m in new:
        State.msgids[Mail(m).msgid] += 1
    return new


def by_rcpt(msgs):
    out = collections.defaultdict(list)
    for m in msgs:
        for r in m.rcpt_tos:
            out[r].append(m)
    return out


def one_per(msgs, addrs, what):
    got = sorted(r for m in msgs for r in m.rcpt_tos)
    eq(got, sorted(addrs), "%s: one message to each of %s" % (what,
                                                            ", ".join(addrs)))
    return {r: Mail(ms[0]) for r, ms in by_rcpt(msgs).items()}


def check_mail(mail, member, *, method, seq, uid, what, recurrence=None,
               full=True, feed_url=None):
    """Everything about one invitation `mail` to `member` (name, e-mail,
    zip, zone)."""
    name, addr, _, zone = member
    w = "%s to %s" % (what, addr)
    sm = mail.sinkmsg
    # Envelope.
    eq(sm.mail_from, MAIL_FROM, w + ": envelope sender is --mail-from")
    eq(sm.rcpt_tos, [addr], w + ": exactly one envelope recipient")
    msg = mail.msg
    # MIME tree and the calendar parts.
    eq(tree(msg), ("multipart/mixed", [
        ("multipart/alternative", ["text/plain", "text/html",
                                   "text/calendar"]),
        "application/ics"]), w + ": MIME tree")
    eq([(p.get_content_type(), [str(d) for d in p.defects])
        for p in msg.walk() if p.defects], [],
       w + ": no MIME defects")
    eq(mail.method_param, method, w + ": text/calendar method=" + method)
    eq((mail.cal_part.get_param("charset") or "").upper(), "UTF-8",
       w + ": text/calendar charset=UTF-8")
    check(mail.ics == mail.ics_att and len(mail.ics) > 0,
          w + ": invite.ics attachment has the inline calendar's bytes")
    eq((mail.att_part.get_content_disposition(), mail.att_part.get_filename()),
       ("attachment", "invite.ics"), w + ": attachment invite.ics")
    # Headers.
    for h in ("Date", "Message-ID", "From", "To", "Subject",
              "List-Unsubscribe", "List-Unsubscribe-Post"):
        eq(len(msg.get_all(h) or []), 1, w + ": one %s header" % h)
    for h in ("Cc", "Bcc"):
        check(msg.get_all(h) is None, w + ": no %s header" % h)
    check(parse_date(msg["Date"]) is not None,
          w + ": Date parses", str(msg["Date"]))
    check(re.match(r"^<[^<>@\s]+@[^<>@\s]+>$", mail.msgid) is not None,
          w + ": Message-ID is <id@domain>", mail.msgid)
    eq([(a.display_name, a.addr_spec) for a in msg["From"].addresses],
       [(CLUB, MAIL_FROM)], w + ": From is the club's name <--mail-from>")
    eq([(a.display_name, a.addr_spec) for a in msg["To"].addresses],
       [(name, addr)], w + ": To is the member")
    # Folded after the colon when long: the leading white space is
    # folding, not value (RFC 5322 §2.2.3).
    unsub = str(msg["List-Unsubscribe"]).strip()
    check(re.match(r"^<%s/unsubscribe/\S+>$" % re.escape(BASE_URL), unsub),
          w + ": List-Unsubscribe is <BASE/unsubscribe/TOKEN>", unsub)
    eq(str(msg["List-Unsubscribe-Post"]), "List-Unsubscribe=One-Click",
       w + ": List-Unsubscribe-Post")
    # No other member's address anywhere.
    text_all = (mail.raw + mail.ics + mail.text.encode() +
                mail.html.encode()).lower()
    others = [a for a in ALL_ADDRS if a != addr and a.encode() in text_all]
    eq(others, [], w + ": no other member's address in the message")
    # The calendar, by libical and by Python.
    ok, out = libical_check(mail.ics, method)
    check(ok, w + ": libical (ics_check) accepts the calendar", out)
    try:
        cal, evs = python_vevents(mail.ics)
    except Exception as e:          # noqa: BLE001
        check(False, w + ": Python icalendar parses it", repr(e))
        return
    if not check(cal.name == "VCALENDAR" and evs,
                 w + ": Python icalendar parses it (a VCALENDAR with a "
                 "VEVENT)", mail.ics[:800]):
        return
    eq(str(cal.get("METHOD")), method, w + ": METHOD:" + method)
    eq(mail.cal_method(), method, w + ": METHOD line in the body")
    eq(len(evs), 1, w + ": one VEVENT")
    ev = evs[0]
    eq(str(ev.get("UID")), uid, w + ": UID is the meeting's")
    eq(int(ev.get("SEQUENCE", -1)), seq, w + ": SEQUENCE %d" % seq)
    org = ev.get("ORGANIZER")
    local, domain = MAIL_FROM.split("@")
    tagged = re.fullmatch(re.escape("mailto:" + local) + r"\+([a-z0-9]{16,})@"
                          + re.escape(domain), str(org))
    check(tagged is not None and org.params.get("CN") == CLUB,
          w + ": ORGANIZER is mailto:LOCAL+TAG@DOMAIN of --mail-from (a tag "
          "of 16+ [a-z0-9]) with CN the club's name", str(org))
    reply_to = [a.addr_spec for a in mail.msg["Reply-To"].addresses] \
        if mail.msg["Reply-To"] else []
    eq(reply_to, [str(org)[len("mailto:"):]],
       w + ": Reply-To is the ORGANIZER's tagged address")
    TAGS.setdefault(str(ev.get("UID")) + " " + ",".join(
        a.addr_spec for a in mail.msg["To"].addresses), set()).add(str(org))
    atts = ev.get("ATTENDEE")
    atts = atts if isinstance(atts, list) else [atts] if atts else []
    eq([str(a).lower() for a in atts], ["mailto:" + addr],
       w + ": exactly one ATTENDEE, the recipient")
    if atts:
        p = atts[0].params
        eq((p.get("RSVP"), p.get("PARTSTAT"), p.get("ROLE"), p.get("CN")),
           ("TRUE", "NEEDS-ACTION", "REQ-PARTICIPANT", name),
           w + ": ATTENDEE RSVP=TRUE PARTSTAT=NEEDS-ACTION "
           "ROLE=REQ-PARTICIPANT CN")
    check(SEC[1] in str(ev.get("CONTACT", "")),
          w + ": CONTACT names the secretary", ev.get("CONTACT"))
    eq(str(ev.get("STATUS")), "CANCELLED" if method == "CANCEL" else
       "CONFIRMED", w + ": STATUS")
    rid = mail.prop("RECURRENCE-ID")
    if recurrence is None:
        eq(rid, [], w + ": no RECURRENCE-ID (the whole series)")
    else:
        eq(rid, ["RECURRENCE-ID;TZID=America/Chicago:" + recurrence],
           w + ": RECURRENCE-ID;TZID=America/Chicago:" + recurrence)
        eq(mail.prop("RRULE"), [], w + ": no RRULE in an occurrence")
    if not full:
        return
    # Texts: both zones, links.
    video = str(ev.get("LOCATION"))
    for part, body in (("text", mail.text), ("html", mail.html)):
        check("America/Chicago" in body and HOUR_IN["America/Chicago"] in
              body, w + ": %s gives the time in the meeting's zone" % part)
        check(zone in body and HOUR_IN[zone] in body,
              w + ": %s gives the time in the member's zone (%s %s)"
              % (part, HOUR_IN[zone], zone))
        check(video.startswith("https://") and video in body,
              w + ": %s has the video link" % part, video)
    # Newlines of the text must not become <br> in the HTML part between
    # table rows or after </html>.
    check(re.search(r"(<table>|</tr>|</html>|</p>)<br>", mail.html)
          is None, w + ": html has no <br> between table rows or "
          "after </html>", mail.html[:800])
    links = mail.links()
    if method == "REQUEST":
        check(all(links[k] for k in ("yes", "no", "maybe")) and
              len({links[k].split("?")[0] for k in
                   ("yes", "no", "maybe")}) == 1,
              w + ": text has the three RSVP links of one token", links)
        check(all(links[k] and links[k] in mail.html.replace("&amp;", "&")
                  for k in ("yes", "no", "maybe")),
              w + ": html has the RSVP links too")
    if feed_url:
        eq(links["feed"], feed_url, w + ": text has the member's feed link")
    eq("<%s>" % links["unsubscribe"], unsub,
       w + ": text has the unsubscribe link of List-Unsubscribe")


def main():
    with_mail_server(run)


def run(s, sink):
    club = new_club(s, CLUB, "60601", secretary=SEC[1], sec_name=SEC[0])
    members = {}
    for mem in [LOCAL] + REMOTE:
        _, body = new_member(s, mem[0], mem[1], mem[2])
        members[mem[1]] = body
    eq([members[m[1]]["assignment"]["mode"] for m in [LOCAL] + REMOTE],
       ["local", "remote", "remote", "remote"],
       "one local and three remote members of the club")
    eq([members[m[1]]["assignment"]["club_id"] for m in REMOTE],
       [club["id"]] * 3, "the remote members are assigned to the club")
    feed = {a: members[a]["feed_url"] for a in members}
    remote_addrs = [m[1] for m in REMOTE]
    mem_of = {m[1]: m for m in REMOTE + [LATE_API, LATE_CLI]}

    # ---- a weekly meeting: one invitation per remote member -------------
    start, day = upcoming(0, weeks=2)
    mt = new_meeting(s, club["id"], "Monday game", start=start,
                     rrule="FREQ=WEEKLY;BYDAY=" + day)
    uid = mt["uid"]
    new = new_messages(sink, 3, "new weekly meeting")
    got = one_per(new, remote_addrs, "new weekly meeting")
    eq(sink.for_rcpt(LOCAL[1]), [], "the local member gets nothing")
    for a, mail in got.items():
        check_mail(mail, mem_of[a], method="REQUEST", seq=0, uid=uid,
                   what="invitation", feed_url=feed[a])
        eq(mail.prop("DTSTART"),
           ["DTSTART;TZID=America/Chicago:%s" % start.replace("-", "")
            .replace(":", "") + "00"], "invitation to %s: DTSTART;TZID "
           "in the club's zone" % a)
        eq(mail.prop("RRULE"), ["RRULE:FREQ=WEEKLY;BYDAY=" + day],
           "invitation to %s: RRULE" % a)
    unsub_url = {a: path_of(got[a].links()["unsubscribe"]) for a in got}

    sent = outbox(s, "sent")
    eq(len(sent), 3, "GET /api/v1/outbox?status=sent lists the 3 messages")
    check(all({"to", "subject", "status", "attempts", "last_error"} <=
              set(r) for r in sent), "outbox rows carry to, subject, "
          "status, attempts, last_error", sent[:1])
    eq(sorted((r["to"], r["status"], r["attempts"], r["last_error"])
              for r in sent),
       sorted((a, "sent", 1, "") for a in remote_addrs),
       "outbox: sent once each, no error")
    check(all(r["subject"] == str(got[r["to"]].msg["Subject"]) for r in sent),
          "outbox subject is the mail's subject")

    # ---- the time changes: one update each, same UID, SEQUENCE 1 --------
    st, body = s.call("PATCH", "/api/v1/meetings/%d" % mt["id"],
                      {"start": start[:11] + "20:00"})
    eq(st, 200, "PATCH the meeting's time")
    new = new_messages(sink, 3, "time changed")
    got = one_per(new, remote_addrs, "time changed")
    HOUR_IN.update({"America/Chicago": "8:00 PM",
                    "America/Indiana/Indianapolis": "9:00 PM",
                    "America/Denver": "7:00 PM"})
    for a, mail in got.items():
        check_mail(mail, mem_of[a], method="REQUEST", seq=1, uid=uid,
                   what="update", feed_url=feed[a])
        check(mail.prop("DTSTART")[0].endswith("T200000"),
              "update to %s: the new DTSTART 20:00" % a, mail.prop("DTSTART"))
    HOUR_IN.update({"America/Chicago": "7:00 PM",
                    "America/Indiana/Indianapolis": "8:00 PM",
                    "America/Denver": "6:00 PM"})

    # ---- a second series: one occurrence cancelled, one moved -----------
    start2, day2 = upcoming(2, weeks=2)
    mt2 = new_meeting(s, club["id"], "Wednesday blitz", start=start2,
                      rrule="FREQ=WEEKLY;BYDAY=" + day2)
    uid2 = mt2["uid"]
    new = new_messages(sink, 3, "second meeting")
    for a, mail in one_per(new, remote_addrs, "second meeting").items():
        check_mail(mail, mem_of[a], method="REQUEST", seq=0, uid=uid2,
                   what="second invitation", full=False)
    eq(len({uid, uid2}), 2, "two meetings, two UIDs")

    holiday = plus_days(start2, 7)
    st, _ = s.call("DELETE", "/api/v1/meetings/%d/occurrences/%s"
                   % (mt2["id"], holiday[:10]))
    check(st in (200, 204), "DELETE one occurrence", st)
    new = new_messages(sink, 3, "one occurrence cancelled")
    rid = holiday.replace("-", "").replace(":", "") + "00"
    for a, mail in one_per(new, remote_addrs, "occurrence cancelled").items():
        check_mail(mail, mem_of[a], method="CANCEL", seq=1, uid=uid2,
                   what="occurrence cancel", recurrence=rid, full=False)

    moved_from = plus_days(start2, 14)
    moved_to = plus_days(start2, 15)[:11] + "18:00"
    st, _ = s.call("PATCH", "/api/v1/meetings/%d/occurrences/%s"
                   % (mt2["id"], moved_from[:10]), {"start": moved_to})
    eq(st, 200, "PATCH one occurrence (move it a day and an hour)")
    new = new_messages(sink, 3, "one occurrence moved")
    rid = moved_from.replace("-", "").replace(":", "") + "00"
    for a, mail in one_per(new, remote_addrs, "occurrence moved").items():
        check_mail(mail, mem_of[a], method="REQUEST", seq=2, uid=uid2,
                   what="occurrence move", recurrence=rid, full=False)
        eq(mail.prop("DTSTART"), ["DTSTART;TZID=America/Chicago:" +
                                  moved_to.replace("-", "").replace(":", "")
                                  + "00"],
           "occurrence move to %s: the new DTSTART;TZID" % a)

    # ---- the first series is cancelled -----------------------------------
    st, _ = s.call("DELETE", "/api/v1/meetings/%d" % mt["id"])
    check(st in (200, 204), "DELETE the first meeting", st)
    new = new_messages(sink, 3, "series cancelled")
    for a, mail in one_per(new, remote_addrs, "series cancelled").items():
        check_mail(mail, mem_of[a], method="CANCEL", seq=2, uid=uid,
                   what="series cancel", full=False)

    # ---- a member assigned later (API) gets the live meeting ------------
    _, dee = new_member(s, *LATE_API[:3])
    eq(dee["assignment"]["mode"], "remote", "a late member is remote")
    new = new_messages(sink, 2, "late member (API)")
    eq(sorted(r for m in new for r in m.rcpt_tos), [LATE_API[1]] * 2,
       "the late member, only they, gets the series and the moved "
       "occurrence")
    mails = [Mail(m) for m in new]
    master = [m for m in mails if not m.prop("RECURRENCE-ID")]
    over = [m for m in mails if m.prop("RECURRENCE-ID")]
    eq((len(master), len(over)), (1, 1),
       "late member: one series invitation and one moved occurrence")
    if master:
        check_mail(master[0], LATE_API, method="REQUEST", seq=2, uid=uid2,
                   what="late invitation", feed_url=dee["feed_url"])
        eq(master[0].prop("EXDATE"), ["EXDATE;TZID=America/Chicago:" +
                                      holiday.replace("-", "")
                                      .replace(":", "") + "00"],
           "late invitation: the cancelled occurrence as EXDATE;TZID")
    check(all(m.value("UID") == uid2 for m in mails),
          "late member: nothing about the cancelled series")

    # ---- members imported by the CLI while serve runs -------------------
    csv = os.path.join(s.dir, "late.csv")
    with open(csv, "w") as f:
        f.write("name,email,zip\n%s,%s,%s\n%s,%s,%s\n" % (
            LATE_CLI[:3] + LATE_CLI_LOCAL[:3]))
    rc, out, err = s.cli(["import", "members", csv])
    eq(rc, 0, "clubmatch import members (CLI) on the live database")
    new = new_messages(sink, 2, "late member (CLI import)", quiet=1.5)
    eq(sorted(r for m in new for r in m.rcpt_tos), [LATE_CLI[1]] * 2,
       "the CLI-imported remote member gets the invitations without a "
       "restart; the local one nothing")
    eq(sink.for_rcpt(LATE_CLI_LOCAL[1]), [],
       "the CLI-imported local member gets nothing")
    for m in new:
        mail = Mail(m)
        if not mail.prop("RECURRENCE-ID"):
            check_mail(mail, LATE_CLI, method="REQUEST", seq=2, uid=uid2,
                       what="CLI invitation")

    # ---- unsubscribe -------------------------------------------------------
    ann, ben = REMOTE[0][1], REMOTE[1][1]
    st, page = s.call("GET", unsub_url[ben], token=None)
    check(st == 200 and "<form" in page,
          "GET on the unsubscribe link shows a form (changes nothing)", st)
    st, page = s.call("POST", unsub_url[ann], token=None,
                      raw=b"List-Unsubscribe=One-Click", headers={
                          "Content-Type":
                          "application/x-www-form-urlencoded"})
    eq(st, 200, "one-click POST to Ann's List-Unsubscribe URL")
    st, _ = s.call("PATCH", "/api/v1/meetings/%d" % mt2["id"],
                   {"title": "Wednesday blitz (new room)",
                    "video_url": "https://video.example/new-room-123"})
    eq(st, 200, "PATCH the second meeting's link")
    everyone = [ben, REMOTE[2][1], LATE_API[1], LATE_CLI[1]]
    new = new_messages(sink, 4, "update after Ann unsubscribed")
    eq(sorted(r for m in new for r in m.rcpt_tos), sorted(everyone),
       "everyone but the unsubscribed member gets the update (Ben, "
       "who only looked at the page, too)")
    for m in new:
        mail = Mail(m)
        check("https://video.example/new-room-123" in
              (mail.value("LOCATION") or ""),
              "update to %s: the new video link in LOCATION"
              % m.rcpt_tos[0], mail.prop("LOCATION"))
    # and nothing for Ann from a new meeting either
    mt3 = new_meeting(s, club["id"], "Friday study", *upcoming(4, weeks=3)[:1],
                      rrule=None)
    new = new_messages(sink, 4, "a third meeting after Ann unsubscribed")
    eq(sorted(r for m in new for r in m.rcpt_tos), sorted(everyone),
       "the unsubscribed member is not invited to a new meeting")
    check(all(Mail(m).value("UID") == mt3["uid"] for m in new),
          "a one-off meeting's invitations carry its UID")

    # ---- the outbox, from the API's side ----------------------------------
    sent = outbox(s, "sent")
    eq(len(sent), State.seen, "every message the sink took is listed as "
       "sent once")
    eq(outbox(s, "pending"), [], "nothing left pending")
    failed = outbox(s, "failed")
    check(all(r["to"] == ann and r["last_error"] for r in failed),
          "failed rows, if any, are Ann's with a reason", failed)
    eq(sorted(r for r, n in State.msgids.items() if n > 1), [],
       "every Message-ID arrived once")
    eq(sorted(set(sink.rcpt_counts()) - set(remote_addrs + [LATE_API[1],
                                                         LATE_CLI[1]])),
       [], "no mail to anybody but the remote members")
    eq(sorted(k for k, orgs in TAGS.items() if len(orgs) != 1), [],
       "each member's invitation to a meeting keeps one ORGANIZER tag "
       "across updates and cancellations")
    eq(len(set().union(*TAGS.values())) if TAGS else 0, len(TAGS),
       "no two invitations share a tag")


main()
