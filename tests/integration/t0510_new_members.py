"""t0510_new_members.py - the dashboard's New members section and the next
date's answers (CONTRACT §8, docs/dashboard.md "New members"), in Debian's
headless Chromium driven by Selenium, against the real binary.

A club, three members with phones (one prefers texts, one is local), all
first-contact tasks overdue at once (`--contact-due-days 0`); the section
lists them with working tel:/sms:/mailto: links, town, distance or
"remote", preferred channel, due date and attempts, overdue first; an
outcome logged with two clicks shows in the API (attempts 1, a new due
date) and moves the task behind the overdue ones; the API's error is
shown at the form; the same at a 320 px wide phone screen (no sideways
scroll, big tap targets).  Each meeting's attendees show the answers for
the next date: one by the RSVP page's form (date=...), one by a calendar
reply with a COMMENT (`clubmatch intake`).  No console errors, no request
leaving the origin.

Chromium, chromedriver and python3-selenium come from tools/setup.sh
(`make test` runs it).  When they are missing this test FAILS.
"""
import datetime
import email
import email.policy
import os
import re
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F403
from browser_lib import *  # noqa: E402,F403
from invite_lib import MAIL_FROM, Mail  # noqa: E402

TZ = "America/Chicago"

if not browser_ready():
    done()

PEOPLE = [
    # name, email, zip, phone, preferred channel
    ("Ann Archer", "ann@example.org", "59001", "+14065550101", "sms"),
    ("Bo Brandt", "bo@example.org", "97201", "+15035550102", "phone"),
    ("Lou Local", "lou@example.org", "62702", "+12175550103", "email"),
]


def cards(d):
    """The open tasks as shown: [(member name, status, card element)]."""
    out = []
    for li in qa(d, "#contact-list > li"):
        name = d.execute_script("return arguments[0].querySelector('h3')"
                                ".firstChild.textContent.trim()", li)
        out.append((name, li.get_attribute("data-status"), li))
    return out


def card_of(d, name):
    for n, _, li in cards(d):
        if n == name:
            return li
    return None


def tasks(s, cid):
    st, body = s.call("GET", "/api/v1/clubs/%d/contacts" % cid)
    return {t["name"]: t for t in body.get("items", [])} if st == 200 else {}


def invitation(maildir, to_addr):
    for raw in maildir_messages(maildir):
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if to_addr in str(m.get("To", "")) and "text/calendar" in raw.decode(
                "utf-8", "replace"):
            mail = Mail(raw)
            if mail.cal_method() == "REQUEST" and mail.text:
                return mail
    return None


def calendar_reply(inv, to_addr, partstat, recurrence_id, comment):
    """What a calendar program sends back for one occurrence."""
    org = inv.prop("ORGANIZER")[0].split("mailto:", 1)[1]
    cal = "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Test//t0510//EN", "VERSION:2.0",
        "METHOD:REPLY", "BEGIN:VEVENT", "UID:" + inv.value("UID"),
        "SEQUENCE:" + (inv.value("SEQUENCE") or "0"),
        "DTSTAMP:" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        "ORGANIZER:mailto:" + org, recurrence_id,
        "ATTENDEE;PARTSTAT=%s;CN=Member:mailto:%s" % (partstat, to_addr),
        "COMMENT:" + comment, "END:VEVENT", "END:VCALENDAR", ""])
    return ("From: %s\r\nTo: %s\r\nSubject: Declined\r\nMessage-ID: "
            "<t0510.%d@client.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/calendar; charset=UTF-8; method=REPLY\r\n\r\n"
            % (to_addr, org, os.getpid(), email.utils.formatdate()) +
            cal).encode()


def main():
    today = datetime.datetime.now(ZoneInfo(TZ)).date()
    with Server(args=["--contact-due-days", "0", "--mail-from", MAIL_FROM]) as s:
        st, club = s.call("POST", "/api/v1/clubs", {
            "name": "Springfield Readers", "zip": "62701",
            "secretary_email": "sec@example.org"})
        eq(st, 201, "club created")
        cid = club["id"]
        st, tok = s.call("POST", "/api/v1/clubs/%d/tokens" % cid)
        eq(st, 201, "secretary token issued")
        token = tok["token"]
        # A weekly meeting on a Thursday at least a week ahead.
        thu = today + datetime.timedelta(days=(3 - today.weekday()) % 7 + 7)
        st, mtg = s.call("POST", "/api/v1/clubs/%d/meetings" % cid, {
            "title": "Thursday readers", "start": thu.isoformat() + "T19:00",
            "duration_minutes": 60, "rrule": "FREQ=WEEKLY;BYDAY=TH"})
        eq(st, 201, "weekly meeting created")
        mid = mtg["id"]
        for name, mail, z, phone, chan in PEOPLE:
            st, mem = s.call("POST", "/api/v1/members", {
                "name": name, "email": mail, "zip": z, "phone": phone,
                "preferred_channel": chan})
            eq(st, 201, "member %s created" % name)
        before = wait_for(lambda: (lambda t: t if len(t) == 3 and all(
            x["status"] == "overdue" for x in t.values()) else None)(
            tasks(s, cid)), timeout=WAIT)
        check(before, "three first-contact tasks, overdue at once", tasks(s, cid))
        before = before or {}

        # ---- answers for the next date ------------------------------
        date = thu.isoformat()
        got = wait_for(lambda: (invitation(s.maildir, "ann@example.org"),
                                invitation(s.maildir, "bo@example.org"))
                       if invitation(s.maildir, "ann@example.org") and
                       invitation(s.maildir, "bo@example.org") else None,
                       timeout=WAIT)
        check(got, "the invitations are in the Maildir")
        if got:
            ann_inv, bo_inv = got
            link = re.search(r"https?://[^/\s]+(/rsvp/[^\s?]+)\?answer=yes",
                             ann_inv.text)
            check(link, "Ann's invitation has an RSVP link")
            st, _ = s.call("POST", link.group(1), token=None,
                           raw=("answer=yes&date=" + date).encode(),
                           headers={"Content-Type":
                                    "application/x-www-form-urlencoded"})
            eq(st, 200, "Ann answers yes for %s with the RSVP form" % date)
            raw = calendar_reply(bo_inv, "bo@example.org", "DECLINED",
                                 "RECURRENCE-ID;TZID=%s:%sT190000"
                                 % (TZ, thu.strftime("%Y%m%d")),
                                 "Away that week")
            path = os.path.join(s.dir, "reply.eml")
            with open(path, "wb") as f:
                f.write(raw)
            rc, out, err = s.cli(["intake", path, "--mail-from", MAIL_FROM])
            eq(rc, 0, "Bo's calendar reply is taken by intake")
            st, att = s.call("GET", "/api/v1/meetings/%d/attendees?date=%s"
                             % (mid, date))
            byname = {a["name"]: a for a in att.get("items", [])} if st == 200 else {}
            eq((byname.get("Bo Brandt", {}).get("rsvp"),
                byname.get("Bo Brandt", {}).get("comment")),
               ("declined", "Away that week"),
               "the API has Bo's answer and comment for the date")

        d = new_driver()
        try:
            browse(s, d, cid, mid, token, before, date)
        except Exception:
            import traceback
            check(False, "the browser session ran to its end",
                  traceback.format_exc() + "\n" + page_state(d))
        finally:
            quit_driver(d)


def log_outcome(d, name, outcome):
    """The two taps: the outcome, then Log."""
    li = card_of(d, name)
    Select(li.find_element(By.CSS_SELECTOR, "select.ct-outcome")).select_by_value(outcome)
    li.find_element(By.CSS_SELECTOR, "button.ct-log").click()


def browse(s, d, cid, mid, token, before, date):
    base = s.base()
    d.get(base + "/secretary")
    wait(d, lambda d: q(d, "#token") is not None and q(d, "#token").is_displayed(),
         "the sign-in form")
    q(d, "#token").send_keys(token)
    q(d, "#signin button[type=submit]").click()
    got = wait(d, lambda d: len(cards(d)) == 3 and cards(d), "three new members")
    check(got, "the New members section lists the three members")
    if not got:
        return
    eq(text(d, "#contacts-h"), "New members", "the section's heading")
    eq([st for _, st, _ in got], ["overdue"] * 3, "all three are overdue")
    check(all("Overdue" in li.text for _, _, li in got),
          "each says Overdue in words")
    for name, mail, z, phone, chan in PEOPLE:
        li = card_of(d, name)
        tel = li.find_element(By.CSS_SELECTOR, "a.btn-call")
        eq(tel.get_attribute("href"), "tel:" + phone, "%s: a tel: link" % name)
        sms = li.find_elements(By.CSS_SELECTOR, "a.btn-sms")
        eq([a.get_attribute("href") for a in sms],
           ["sms:" + phone] if chan == "sms" else [],
           "%s: an sms: link only when texts are preferred" % name)
        eq(li.find_element(By.CSS_SELECTOR, "a.ct-email").get_attribute("href"),
           "mailto:" + mail, "%s: a mailto: link" % name)
        t = before.get(name, {})
        eq(li.find_element(By.CSS_SELECTOR, ".ct-town").text,
           "%s, %s" % (t.get("city"), t.get("state")), "%s: the town" % name)
        dist = li.find_element(By.CSS_SELECTOR, ".ct-distance").text
        if t.get("mode") == "remote":
            eq(dist, "remote", "%s: a remote member says remote" % name)
        else:
            check(re.match(r"^\d+\.\d mi$", dist), "%s: the distance in miles" % name,
                  dist)
        eq(li.find_element(By.CSS_SELECTOR, ".ct-prefers").text,
           {"sms": "Text message", "phone": "Phone call", "email": "E-mail"}[chan],
           "%s: the preferred channel" % name)
        eq(li.find_element(By.CSS_SELECTOR, ".ct-attempts").text, "0",
           "%s: no attempts yet" % name)
        check(li.find_element(By.CSS_SELECTOR, ".ct-due time").get_attribute("datetime")
              == t.get("due_at"), "%s: the due date" % name)
        eq(li.find_element(By.CSS_SELECTOR, "select.ct-channel").get_attribute("value"),
           chan, "%s: the form starts with the preferred channel" % name)

    # ---- an outcome in two clicks ----------------------------------------
    log_outcome(d, "Bo Brandt", "no_answer")
    msg = wait(d, lambda d: "Logged for Bo" in (text(d, "#msg") or "") and text(d, "#msg"),
               "the logged message")
    check(msg and "next try due" in msg.lower(), "the page says it is logged", msg)
    t = tasks(s, cid).get("Bo Brandt", {})
    eq((t.get("attempts"), t.get("last_outcome"), t.get("status")),
       (1, "no_answer", "open"), "the API has Bo's attempt (no answer, still open)")
    check(t.get("due_at", "") > before.get("Bo Brandt", {}).get("due_at", "~"),
          "Bo's task has a new, later due date", (t.get("due_at"), before.get("Bo Brandt")))
    order = wait(d, lambda d: (lambda c: c if len(c) == 3 and c[-1][0] == "Bo Brandt"
                               else None)(cards(d)), "Bo moves behind the overdue ones")
    if order:
        eq([(n, st) for n, st, _ in order][-1], ("Bo Brandt", "open"),
           "overdue first: Bo, now open, is last")
        li = card_of(d, "Bo Brandt")
        eq(li.find_element(By.CSS_SELECTOR, ".ct-attempts").text,
           "1 (last: no answer)", "Bo's card shows the attempt")
        eq(li.find_element(By.CSS_SELECTOR, ".ct-due time").get_attribute("datetime"),
           t.get("due_at"), "Bo's card shows the new due date")

    # ---- errors at the form ----------------------------------------------
    li = card_of(d, "Lou Local")
    li.find_element(By.CSS_SELECTOR, "button.ct-log").click()
    e = wait(d, lambda d: card_of(d, "Lou Local").find_element(
        By.CSS_SELECTOR, ".ct-err").text, "the no-outcome message")
    check(e and "outcome" in e.lower(), "Log without an outcome asks for one", e)
    li = card_of(d, "Lou Local")
    check(not li.find_element(By.CSS_SELECTOR, ".ct-zip-field").is_displayed(),
          "no ZIP field before 'moved' is chosen")
    Select(li.find_element(By.CSS_SELECTOR, "select.ct-outcome")).select_by_value("moved")
    check(li.find_element(By.CSS_SELECTOR, ".ct-zip-field").is_displayed(),
          "choosing 'moved' shows the ZIP field")
    li.find_element(By.CSS_SELECTOR, "input.ct-zip").send_keys("00000")
    li.find_element(By.CSS_SELECTOR, "button.ct-log").click()
    e = wait(d, lambda d: (lambda x: x if x and "outcome" not in x.lower() else None)(
        card_of(d, "Lou Local").find_element(By.CSS_SELECTOR, ".ct-err").text),
        "the API's error at the form")
    check(e and "zip" in e.lower(), "the API's error (field zip) is shown at the form", e)
    eq(card_of(d, "Lou Local").find_element(By.CSS_SELECTOR, "input.ct-zip")
       .get_attribute("aria-invalid"), "true", "the ZIP field is marked invalid")
    eq(tasks(s, cid).get("Lou Local", {}).get("attempts"), 0,
       "a refused attempt changes nothing")

    # ---- the next date's answers in the meeting's attendees --------------
    def rows(d):
        r = qa(d, "#att-%d tbody tr" % mid)
        return r if len(r) == 2 else None
    r = wait(d, rows, "two attendee rows")
    eq(q(d, "#att-%d .att-date-h" % mid).get_attribute("data-date")
       if q(d, "#att-%d .att-date-h" % mid) else None, date,
       "the column is for the next date in the meeting's zone")
    byname = {}
    for tr in r or []:
        cells = [x.get_attribute("textContent").strip() for x in
                 tr.find_elements(By.CSS_SELECTOR, "th, td")]
        cells += [x.get_attribute("textContent").strip() for x in
                  tr.find_elements(By.CSS_SELECTOR, ".att-date .rsvp, .att-via")]
        byname[cells[0]] = cells
    eq(byname.get("Bo Brandt", [None] * 10)[7:10], ["Away that week", "No", "by calendar"],
       "Bo: no for the next date, by calendar, with his comment")
    eq(byname.get("Ann Archer", [None] * 10)[8:10], ["Yes", "by link"],
       "Ann: yes for the next date, by link")
    eq(byname.get("Bo Brandt", [None] * 4)[3], "No answer",
       "Bo's series answer is still no answer")

    # ---- a phone: 320 px wide --------------------------------------------
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 320, "height": 640, "deviceScaleFactor": 2, "mobile": True})
    d.get(base + "/secretary")
    got = wait(d, lambda d: len(cards(d)) == 3 and cards(d), "the list at 320 px")
    sw = d.execute_script("return document.documentElement.scrollWidth")
    check(sw <= 320, "no horizontal scroll at 320 px", sw)
    sizes = d.execute_script("""
        return Array.prototype.map.call(document.querySelectorAll(
            '#contact-list a.btn-call, #contact-list a.btn-sms, #contact-list button.ct-log,'
            + ' #contact-list select'), function (e) {
            var r = e.getBoundingClientRect();
            return [e.className, Math.round(r.height), Math.round(r.right)]; });""")
    check(sizes and all(hgt >= 44 for _, hgt, _ in sizes),
          "tap targets at least 44 px high", sizes)
    check(sizes and all(right <= 320 for _, _, right in sizes),
          "every control inside the screen", sizes)
    log_outcome(d, "Ann Archer", "left_message")
    wait(d, lambda d: "Logged for Ann" in (text(d, "#msg") or ""),
         "the logged message at 320 px")
    t = tasks(s, cid).get("Ann Archer", {})
    eq((t.get("attempts"), t.get("last_outcome"), t.get("status")),
       (1, "left_message", "open"), "at 320 px: the API has Ann's attempt")
    check(t.get("due_at", "") > before.get("Ann Archer", {}).get("due_at", "~"),
          "at 320 px: a new due date for Ann")
    wait(d, lambda d: [n for n, _, _ in cards(d)][:1] == ["Lou Local"],
         "Lou, the one still overdue, comes first")
    sw = d.execute_script("return document.documentElement.scrollWidth")
    check(sw <= 320, "still no horizontal scroll after logging", sw)

    # ---- nothing from elsewhere, no console errors -----------------------
    urls = requested_urls(d)
    away = leaving_origin(urls, base)
    check(len([u for u in urls if u.startswith(base + "/api/")]) >= 8,
          "the network log holds the page's API calls", len(urls))
    eq(away, [], "no request leaves the origin")
    check(not [u for u in urls if token in u], "the token is in no URL")
    # The refused ZIP is the one 4xx answer the browser logs, as network.
    eq(console_errors(d, (400, 422)), [],
       "no errors in the browser console (CSP included)")


main()
done()
