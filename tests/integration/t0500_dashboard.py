"""t0500_dashboard.py - the secretary dashboard (docs/dashboard.md) in
Debian's headless Chromium, driven by Selenium, against the real binary.

Sign-in (form and #token=), a wrong token, a stored token that no longer
works, the admin's club picker, meetings in the club's zone with their
recurrence in words, the remote attendees and their RSVP (one answered
through the link in its invitation e-mail), scheduling through the form,
the server's validation errors shown at the fields, editing, cancelling
with a confirmation dialog, the CSV download, sign-out, the token never in
a URL the browser sends, a 320 px wide screen, labels and focus.

Chromium, chromedriver and python3-selenium come from tools/setup.sh
(`make test` runs it).  When they are missing this test FAILS.
"""
import csv
import datetime
import email
import email.policy
import io
import os
import re
import shutil
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F403
from browser_lib import *  # noqa: E402,F403

TZ = "America/Chicago"

if not browser_ready():
    done()


def visible(d, css):
    el = q(d, css)
    return el is not None and el.is_displayed()


def set_value(d, css, value):
    """Date and time inputs: what send_keys types depends on the locale's
    format, so set the value the way the picker does and fire its events."""
    d.execute_script(
        "var e = document.querySelector(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input', {bubbles: true}));"
        "e.dispatchEvent(new Event('change', {bubbles: true}));", css, value)


def typed(d, css, value):
    el = q(d, css)
    el.clear()
    el.send_keys(value)


def submit_for_error(d, field, what):
    """Submits the meeting form and waits for the server's error at the
    field (#err-<field>); returns its text."""
    q(d, "#f-submit").click()
    return wait(d, lambda d: text(d, "#err-" + field) or None, what)


def card(d, title, where="#meeting-list"):
    """The meeting card whose title is title (found in one script, so a
    re-render cannot leave a stale half-answer)."""
    return d.execute_script("""
        var lis = document.querySelectorAll(arguments[1] + ' > li');
        for (var i = 0; i < lis.length; i++) {
            var h = lis[i].querySelector('.meeting-title');
            if (h && h.firstChild && h.firstChild.textContent.trim() === arguments[0])
                return lis[i];
        }
        return null;""", title, where)


def has_card(title, where="#meeting-list"):
    return lambda d: card(d, title, where)


def rsvp_links(maildir, to_addr):
    """The RSVP links of the text part of the invitations sent to to_addr."""
    links = []
    for raw in maildir_messages(maildir):
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if to_addr not in str(m.get("To", "")):
            continue
        part = m.get_body(("plain",))
        if part is None:
            continue
        links += re.findall(r"https?://[^/\s]+(/rsvp/[^\s?]+)\?answer=(\w+)",
                            part.get_content())
    return links


def second_sunday_of_march(year):
    d = datetime.date(year, 3, 1)
    d += datetime.timedelta(days=(6 - d.weekday()) % 7)
    return d + datetime.timedelta(days=7)


def main():
    today = datetime.datetime.now(ZoneInfo(TZ)).date()
    downloads = tempfile.mkdtemp(prefix="t0500-dl-")
    with Server() as s:
        # ---- sample data through the API -----------------------------
        st, club = s.call("POST", "/api/v1/clubs", {
            "name": "Springfield Readers", "zip": "62701",
            "secretary_email": "sec@example.org"})
        eq(st, 201, "club created")
        cid = club["id"]
        st, other = s.call("POST", "/api/v1/clubs", {
            "name": "Peoria Chess", "zip": "61602",
            "secretary_email": "chess@example.org", "accepts_remote": False})
        eq(st, 201, "second club created (for the admin's picker)")
        st, tok = s.call("POST", "/api/v1/clubs/%d/tokens" % cid)
        eq(st, 201, "secretary token issued")
        token = tok["token"]
        people = [("Ann Archer", "ann@example.org", "59001"),
                  ("Bo Brandt", "bo@example.org", "97201"),
                  ("Cleo Cruz", "cleo@example.org", "04101")]
        for name, mail, z in people:
            st, mem = s.call("POST", "/api/v1/members",
                             {"name": name, "email": mail, "zip": z})
            eq((st, mem["assignment"]["mode"], mem["assignment"]["club_id"]),
               (201, "remote", cid), "%s is a remote member of the club" % name)
        st, loc = s.call("POST", "/api/v1/members", {
            "name": "Lou Local", "email": "lou@example.org", "zip": "62702"})
        eq(loc["assignment"]["mode"], "local", "a local member too")
        # The 2nd Tuesday of a month ahead.
        first = (today.replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
        tue = first + datetime.timedelta(days=(1 - first.weekday()) % 7 + 7)
        st, mtg = s.call("POST", "/api/v1/clubs/%d/meetings" % cid, {
            "title": "Monthly book club", "start": tue.isoformat() + "T19:00",
            "duration_minutes": 90, "rrule": "FREQ=MONTHLY;BYDAY=2TU",
            "location": "Lincoln Library, room 2"})
        eq(st, 201, "meeting created")
        mid = mtg["id"]

        def answered():
            ann = rsvp_links(s.maildir, "ann@example.org")
            bo = rsvp_links(s.maildir, "bo@example.org")
            cleo = rsvp_links(s.maildir, "cleo@example.org")
            return (ann, bo) if ann and bo and cleo else None
        got = wait_for(answered, timeout=WAIT)
        check(got, "the invitations with RSVP links are in the Maildir")
        if got:
            ann, bo = got
            yes = [p for p, a in ann if a == "yes"][0]
            no = [p for p, a in bo if a == "no"][0]
            # The link shows a page; its button (a form POST) records.
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            st, _ = s.call("GET", yes + "?answer=yes", token=None)
            eq(st, 200, "Ann opens her RSVP link")
            st, _ = s.call("POST", yes, token=None, raw=b"answer=yes",
                           headers=form)
            eq(st, 200, "Ann answers yes with the page's button")
            st, _ = s.call("POST", no, token=None, raw=b"answer=no",
                           headers=form)
            eq(st, 200, "Bo answers no with the page's button")

        d = new_driver(downloads=downloads)
        try:
            browse(s, d, cid, mid, mtg, token, today, downloads)
        except Exception:
            import traceback
            check(False, "the browser session ran to its end",
                  traceback.format_exc() + "\n" + page_state(d))
        finally:
            quit_driver(d)
            shutil.rmtree(downloads, ignore_errors=True)


def browse(s, d, cid, mid, mtg, token, today, downloads):
    base = s.base()

    # ---- a wrong token: a clear message, no data -------------------------
    d.get(base + "/secretary")
    check(wait(d, lambda d: visible(d, "#signin-form"), "sign-in form"),
          "the page shows the sign-in form")
    check(not visible(d, "#dash"), "no dashboard before signing in")
    typed(d, "#token", "not-a-real-token-0000000000000000")
    q(d, "#token").send_keys(Keys.ENTER)
    msg = wait(d, lambda d: text(d, "#alert"), "the 401 message")
    check(msg and "not accepted" in msg and "revoked" in msg,
          "a wrong token is told plainly (wrong or revoked)", msg)
    check(visible(d, "#token-err"), "the message is also at the token field")
    eq(q(d, "#token").get_attribute("aria-invalid"), "true",
       "the token field is marked invalid")
    check(not visible(d, "#dash") and not qa(d, "#meeting-list li")
          and "Monthly book club" not in d.page_source,
          "a wrong token shows no data")
    eq(d.execute_script("return sessionStorage.getItem('clubmatch.token')"),
       None, "a wrong token is not kept")

    # ---- the sign-in form -----------------------------------------------
    typed(d, "#token", token)
    q(d, "#signin button[type=submit]").click()
    c = wait(d, has_card("Monthly book club"), "the meeting card after sign-in")
    check(c is not None, "signed in with the form: the meeting is listed")
    eq(text(d, "#who"), "Springfield Readers", "the header names the club")
    check(not visible(d, "#signin"), "the sign-in form is gone")
    check(not visible(d, "#picker"), "a secretary sees no club picker")
    eq(d.execute_script("return sessionStorage.getItem('clubmatch.token')"),
       token, "the token is kept in sessionStorage")
    check(token not in d.current_url, "the token is not in the address bar")

    # ---- the meeting: time in the club's zone, recurrence in words ------
    if c is not None:
        nxt = datetime.datetime.fromisoformat(
            mtg["next_occurrences"][0].replace("Z", "+00:00")).astimezone(
            ZoneInfo(TZ))
        when = c.find_element(By.CSS_SELECTOR, ".next-when").text
        want_day = nxt.strftime("%b ") + str(nxt.day) + nxt.strftime(", %Y")
        check(want_day in when and "7:00" in when and "PM" in when
              and re.search(r"C[SD]T", when),
              "the next date is shown in the club's zone", when)
        eq(c.find_element(By.CSS_SELECTOR, ".rrule-words").text,
           "2nd Tuesday monthly", "the recurrence in words")
        a = c.find_element(By.CSS_SELECTOR, "a.video-url")
        eq(a.get_attribute("href"), mtg["video_url"], "the video link")
        check("Lincoln Library, room 2" in c.text, "the place is shown")
        check("1 h 30 min" in c.text, "the duration is shown")

    # ---- the remote attendees and their RSVP ----------------------------
    def rows(d):
        r = qa(d, "#att-%d tbody tr" % mid)
        return r if len(r) == 3 else None
    r = wait(d, rows, "three attendee rows")
    if r:
        byname = {}
        for tr in r:
            cells = [x.get_attribute("textContent").strip() for x in
                     tr.find_elements(By.CSS_SELECTOR, "th, td")]
            byname[cells[0]] = cells
        ann = byname.get("Ann Archer", [])
        check(ann[1:4] == ["Absarokee, MT", "1078.1 mi", "Yes"]
              or (ann[1:2] == ["Absarokee, MT"] and ann[3:4] == ["Yes"]
                  and re.match(r"^\d+\.\d mi$", ann[2])),
              "Ann: town, distance and her yes", ann)
        check(ann and ann[4] != "—" and ann[5] != "—",
              "Ann: when invited and when answered", ann)
        eq(byname.get("Bo Brandt", [None] * 4)[3], "No", "Bo said no")
        cleo = byname.get("Cleo Cruz", [None] * 6)
        eq((cleo[1], cleo[3], cleo[5]), ("Portland, ME", "No answer", "—"),
           "Cleo has not answered")
        check("Lou Local" not in (text(d, "#meeting-list") or ""),
              "a local member is not among the remote attendees")
    counts = {e.get_attribute("data-rsvp"): e.text for e in
              qa(d, "#counts-%d .count" % mid)}
    eq(counts, {"accepted": "Yes: 1", "declined": "No: 1",
                "tentative": "Maybe: 0", "needs-action": "No answer: 1"},
       "the counts of yes/no/maybe/no answer")

    # ---- copy the video link ---------------------------------------------
    q(d, "#meeting-%d .btn-copy" % mid).click()
    m = wait(d, lambda d: text(d, "#msg") if re.search(
        "copied|Ctrl", text(d, "#msg") or "") else None, "the copy message")
    check(m, "the copy button copies the link (or selects it)", m)

    # ---- the token never goes into a URL ----------------------------------
    urls = requested_urls(d)
    check(urls and all(token not in u for u in urls),
          "no URL the browser requested holds the token", "\n".join(urls))
    check(any("/api/v1/me" in u for u in urls), "the page asked /api/v1/me")

    # ---- schedule a meeting through the form ----------------------------
    day = today + datetime.timedelta(days=21)
    wd = day.strftime("%A")
    typed(d, "#f-title", "Poetry evening")
    set_value(d, "#f-date", day.isoformat())
    set_value(d, "#f-time", "18:30")
    eq(q(d, "#f-timezone").get_attribute("value"), TZ,
       "the zone defaults to the club's")
    typed(d, "#f-duration", "45")
    opt = q(d, "#f-repeat option[value=weekly]")
    eq(opt.text, "Weekly on " + wd, "the repeat choice names the weekday")
    d.execute_script("var s = document.getElementById('f-repeat');"
                     "s.value = 'weekly';"
                     "s.dispatchEvent(new Event('change'));")
    q(d, "#f-submit").click()
    c = wait(d, has_card("Poetry evening"), "the new meeting in the list")
    check(c is not None, "a meeting scheduled with the form is listed")
    if c is not None:
        eq(c.find_element(By.CSS_SELECTOR, ".rrule-words").text,
           "Weekly on " + wd, "its recurrence in words")
    st, lst = s.call("GET", "/api/v1/clubs/%d/meetings" % cid, token=token)
    new = [x for x in lst["items"] if x["title"] == "Poetry evening"]
    check(new and new[0]["start"] == day.isoformat() + "T18:30"
          and new[0]["timezone"] == TZ and new[0]["duration_minutes"] == 45
          and new[0]["rrule"] == "FREQ=WEEKLY;BYDAY=" + wd[:2].upper(),
          "the server has it as entered", new)
    new_id = new[0]["id"] if new else None
    check(q(d, "#f-title").get_attribute("value") == "",
          "the form is cleared after scheduling")

    # ---- the server's validation errors at the fields ---------------------
    n_before = len(lst["items"])
    gap = second_sunday_of_march(today.year + 1)
    typed(d, "#f-title", "Gap night")
    set_value(d, "#f-date", gap.isoformat())
    set_value(d, "#f-time", "02:30")
    e = submit_for_error(d, "start", "the DST-gap error at the date/time")
    check(e and "does not exist" in e, "a time in the DST gap: the server's "
          "message is shown at the date and time", e)
    eq((q(d, "#f-date").get_attribute("aria-invalid"),
        q(d, "#f-time").get_attribute("aria-invalid")), ("true", "true"),
       "date and time are marked invalid")
    eq(d.execute_script("return document.activeElement.id"), "f-date",
       "focus goes to the field in error")
    check("not saved" in (text(d, "#alert") or ""),
          "the error is also announced", text(d, "#alert"))
    set_value(d, "#f-time", "03:30")
    typed(d, "#f-timezone", "Mars/Olympus_Mons")
    e = submit_for_error(d, "timezone", "the unknown-zone error at the zone")
    check(e and "unknown time zone" in e, "an unknown zone is shown at the "
          "zone field", e)
    check(not visible(d, "#err-start"), "the earlier error is cleared")
    typed(d, "#f-timezone", TZ)
    typed(d, "#f-duration", "0")
    e = submit_for_error(d, "duration_minutes", "the duration error")
    check(e and "duration" in e, "a bad duration is shown at its field", e)
    st, lst = s.call("GET", "/api/v1/clubs/%d/meetings" % cid, token=token)
    eq(len(lst["items"]), n_before, "refused meetings were not stored")

    # ---- edit a meeting (with a confirmation) -----------------------------
    if new_id:
        q(d, "#meeting-%d .btn-edit" % new_id).click()
        eq(q(d, "#f-title").get_attribute("value"), "Poetry evening",
           "Edit fills the form")
        eq(q(d, "#f-repeat").get_attribute("value"), "weekly",
           "Edit keeps the repeat choice")
        typed(d, "#f-title", "Poetry and tea")
        q(d, "#f-submit").click()
        check(wait(d, lambda d: q(d, "#confirm").get_attribute("open")
                   is not None, "the confirmation dialog"),
              "saving changes asks first")
        q(d, "#confirm-yes").click()
        check(wait(d, has_card("Poetry and tea"), "the edited meeting"),
              "the edited meeting is listed with its new title")
        st, m2 = s.call("GET", "/api/v1/meetings/%d" % new_id, token=token)
        eq((m2["title"], m2["sequence"] > 0), ("Poetry and tea", True),
           "the server has the change")

    # ---- cancel a meeting with a confirmation ------------------------------
    if new_id:
        q(d, "#meeting-%d .btn-cancel" % new_id).click()
        check(wait(d, lambda d: q(d, "#confirm").get_attribute("open")
                   is not None, "the cancel dialog"), "cancelling asks first")
        eq(d.execute_script("return document.activeElement.id"), "confirm-no",
           "the dialog's focus starts on the safe choice")
        q(d, "#confirm-no").click()
        wait(d, lambda d: q(d, "#confirm").get_attribute("open") is None,
             "the dialog closes")
        st, m2 = s.call("GET", "/api/v1/meetings/%d" % new_id, token=token)
        eq(m2["status"], "confirmed", "'Go back' leaves the meeting alone")
        q(d, "#meeting-%d .btn-cancel" % new_id).click()
        wait(d, lambda d: q(d, "#confirm").get_attribute("open") is not None,
             "the cancel dialog again")
        q(d, "#confirm-yes").click()
        check(wait(d, lambda d: card(d, "Poetry and tea") is None and
                   card(d, "Poetry and tea", "#past-list"),
                   "the cancelled meeting leaves the upcoming list"),
              "a cancelled meeting leaves the upcoming list")
        st, m2 = s.call("GET", "/api/v1/meetings/%d" % new_id, token=token)
        eq(m2["status"], "cancelled", "the server has it cancelled")

    # ---- the CSV download ---------------------------------------------------
    q(d, "#meeting-%d .btn-csv" % mid).click()
    path = os.path.join(downloads, "attendees-%d.csv" % mid)
    got = wait(d, lambda d: os.path.exists(path) and not [
        f for f in os.listdir(downloads) if f.endswith(".crdownload")],
        "the CSV file in the download directory")
    check(got, "the CSV is downloaded as attendees-%d.csv" % mid,
          os.listdir(downloads))
    if got:
        with open(path, newline="", encoding="utf-8") as f:
            rows_ = list(csv.DictReader(f))
        eq(sorted((x["name"], x["rsvp"], x["city"]) for x in rows_),
           [("Ann Archer", "accepted", "Absarokee"),
            ("Bo Brandt", "declined", "Portland"),
            ("Cleo Cruz", "needs-action", "Portland")],
           "the CSV rows: names, answers, towns")
        check(all(x["responded_at"] for x in rows_ if x["rsvp"] != "needs-action"),
              "the CSV has when they answered")
    urls = requested_urls(d)
    check(any("/attendees" in u for u in urls) and
          all(token not in u for u in urls), "the CSV fetch keeps the token "
          "out of the URL too", "\n".join(urls))

    # ---- keyboard and focus, labels ----------------------------------------
    q(d, "#reload").click()
    wait(d, lambda d: "refreshed" in (text(d, "#msg") or ""), "refresh message")
    d.execute_script("document.getElementById('f-title').focus()")
    d.switch_to.active_element.send_keys(Keys.TAB)
    eq(d.execute_script("return document.activeElement.id"), "f-date",
       "Tab moves from the title to the date")
    outline = d.execute_script(
        "var s = getComputedStyle(document.activeElement);"
        "return [s.outlineStyle, s.outlineWidth];")
    check(outline[0] != "none" and outline[1] != "0px",
          "the focused field shows a visible outline", outline)
    unlabelled = d.execute_script("""
        return Array.from(document.querySelectorAll('input, select, textarea, button'))
          .filter(function (e) { return e.offsetParent !== null; })
          .filter(function (e) {
            return !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
              && !(e.tagName === 'BUTTON' && e.textContent.trim());
          }).map(function (e) { return e.outerHTML; });""")
    eq(unlabelled, [], "every visible control has a label")
    eq([x.get_attribute("aria-live") for x in (q(d, "#msg"), q(d, "#alert"))],
       ["polite", "assertive"], "messages are in aria-live regions")

    # ---- 320 px wide --------------------------------------------------------
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": True})
    d.refresh()
    wait(d, lambda d: qa(d, "#att-%d tbody tr" % mid), "the narrow page")
    over = d.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    check(over <= 0, "readable at 320 px: nothing wider than the screen",
          "overflow %s px" % over)
    label = d.execute_script(
        "var td = document.querySelector('#att-%d tbody td');"
        "return getComputedStyle(td, '::before').content;" % mid)
    check("Town" in (label or ""), "narrow attendee rows carry their labels",
          label)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # ---- sign out -----------------------------------------------------------
    q(d, "#signout").click()
    wait(d, lambda d: visible(d, "#signin-form"), "the sign-in form again")
    check(not visible(d, "#dash") and not qa(d, "#meeting-list li")
          and "Monthly book club" not in d.page_source,
          "signing out removes every piece of data")
    eq(d.execute_script("return sessionStorage.getItem('clubmatch.token')"),
       None, "signing out forgets the token")
    check("Signed out" in (text(d, "#msg") or ""), "signing out is confirmed")

    # ---- #token= in the URL fragment ---------------------------------------
    d.get(base + "/secretary#token=" + token)
    check(wait(d, has_card("Monthly book club"), "sign-in by fragment"),
          "signed in with #token= in the URL fragment")
    check(token not in d.current_url,
          "the fragment is removed from the address bar", d.current_url)
    urls = requested_urls(d)
    check(urls and all(token not in u for u in urls),
          "the fragment's token is never sent in a URL")

    # ---- a stored token that stopped working -------------------------------
    d.execute_script("sessionStorage.setItem('clubmatch.token', 'revoked-0000')")
    d.refresh()
    msg = wait(d, lambda d: text(d, "#alert"), "the 401 message on reload")
    check(msg and "not accepted" in msg, "a token that stopped working is "
          "told plainly", msg)
    check(not visible(d, "#dash") and "Monthly book club" not in d.page_source,
          "and no data is shown")

    # ---- the admin's club picker --------------------------------------------
    d.get(base + "/secretary")
    wait(d, lambda d: visible(d, "#signin-form"), "sign-in form")
    typed(d, "#token", s.admin)
    q(d, "#token").send_keys(Keys.ENTER)
    opts = wait(d, lambda d: [o.text for o in qa(d, "#club option")
                              if o.get_attribute("value")] or None,
                "the club picker")
    check(opts and len(opts) == 2 and any("Springfield Readers" in o
                                          for o in opts),
          "an admin token gets a club picker with every club", opts)
    d.execute_script("var s = document.getElementById('club');"
                     "s.value = arguments[0];"
                     "s.dispatchEvent(new Event('change'));", str(cid))
    check(wait(d, has_card("Monthly book club"), "the admin's view"),
          "the admin picks the club and sees its meetings")
    q(d, "#signout").click()

    # ---- nothing went wrong in the page ------------------------------------
    # The refused token (401) and meetings (422) above are expected.
    eq(console_errors(d, (401, 422)), [],
       "no errors in the browser console (CSP included)")


main()
done()
