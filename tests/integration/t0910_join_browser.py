#!/usr/bin/env python3
"""t0910_join_browser.py - joining by oneself and the member's own page
(CONTRACT §12, docs/joining.md) in Debian's headless Chromium at a 320 px
phone screen, driven by Selenium against the real binary, the mail
through the real SMTP sink; once with JavaScript off, once with it on.

For each run: /join; a bad e-mail gives the form back with the error
next to the field (aria-describedby, right after it) and stores nothing;
the right one gives the "Check your e-mail" page; the link of the
confirmation mail shows a button; pressing it shows the club, the reason,
the next meeting and the three calendar buttons (webcal://, Google
Calendar, .ics); the member is in the API once; the member page (linked
from the result page) changes an answer with one POST button, which the
attendees API shows.  On every page: no sideways scroll at 320 px, a
label for every input, a visible focus ring; no request leaves the
origin, no console error.  The whole flow is timed (the goal: a stranger
joins in under a minute).

JOIN_SCREENSHOTS=docs writes docs/join.png (the form) and
docs/join-done.png (the result page), both at 320 px.

Chromium, chromedriver and python3-selenium come from tools/setup.sh
(`make test` runs it).  When they are missing this test FAILS.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import TOP, check, done, eq  # noqa: E402
from browser_lib import *  # noqa: E402,F403
from invite_lib import (Mail, all_items, new_club, new_meeting,  # noqa: E402
                        path_of, with_mail_server)

WIDTH = 320
CLUB = "Lakeshore Go Club"
FAR_ZIP = "99501"           # Anchorage: no club near, so a remote member
SHOTS = os.environ.get("JOIN_SCREENSHOTS")

if not browser_ready():
    done()


def new_driver_phone(js):
    """A browser the size of a phone, JavaScript on or off."""
    d = new_driver(WIDTH, 700, js=js)
    phone(d)
    return d


def phone(d, height=640):
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": height, "deviceScaleFactor": 1,
        "mobile": True})


def h1(d):
    el = q(d, "h1")
    return el.text if el is not None else None


def submit(d, button):
    """Presses a submit button and waits for the next page to load."""
    old, label = q(d, "html"), button.text
    button.click()
    wait(d, lambda d: q(d, "html") != old and
         d.execute_script("return document.readyState") == "complete",
         "the page after pressing %r" % label)


def screenshot(d, name):
    """The whole page at 320 px into $JOIN_SCREENSHOTS/name."""
    if not SHOTS:
        return
    h = d.execute_script("return document.documentElement.scrollHeight")
    phone(d, max(640, h))
    out = os.path.join(TOP, SHOTS, name)
    d.save_screenshot(out)
    print("# screenshot", out)
    phone(d)


AUDIT = """
var out = {scroll: document.documentElement.scrollWidth, unlabelled: [],
           focus: []};
document.querySelectorAll('input:not([type=hidden]), select, textarea')
  .forEach(function (e) {
    var hidden = e.closest('[aria-hidden=true]') && e.tabIndex < 0;
    var lab = e.id && document.querySelector('label[for="' + e.id + '"]');
    if (!hidden && !(lab && lab.textContent.trim()) &&
        !e.getAttribute('aria-label'))
      out.unlabelled.push(e.name || e.outerHTML);
  });
document.querySelectorAll('button, a[href], input:not([type=hidden])')
  .forEach(function (e) {
    if (e.closest('[aria-hidden=true]')) return;
    e.focus();
    var s = getComputedStyle(e);
    if (document.activeElement !== e || s.outlineStyle === 'none' ||
        parseFloat(s.outlineWidth) < 2)
      out.focus.push(e.textContent.trim() || e.name || e.tagName);
    e.blur();
  });
return out;
"""


def audit(d, what):
    """No sideways scroll, labels, a focus ring on every control."""
    a = d.execute_script(AUDIT)
    check(a["scroll"] <= WIDTH, "%s: no horizontal scroll at %d px"
          % (what, WIDTH), a["scroll"])
    eq(a["unlabelled"], [], "%s: every input has a label" % what)
    eq(a["focus"], [], "%s: focus is visible on every control" % what)


def members_with(s, email):
    return [m for m in all_items(s, "/api/v1/members")
            if m["email"] == email]


def wait_mail(sink, rcpt, pattern, timeout=WAIT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for m in sink.for_rcpt(rcpt):
            hit = re.search(r"(https?://\S+%s[^\s<>\"]+)" % pattern,
                            Mail(m).text)
            if hit:
                return path_of(hit.group(1))
        time.sleep(0.05)
    return None


def fill(d, fields):
    for name, value in fields.items():
        el = q(d, "#" + name)
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def flow(s, sink, d, mode, who, email, mid):
    base = s.base()
    tag = "[JS %s] " % mode
    t0 = time.time()

    # ---- the form --------------------------------------------------------
    d.get(base + "/join")
    eq(h1(d), "Join", tag + "GET /join shows the form")
    audit(d, tag + "the form")
    if mode == "off":
        screenshot(d, "join.png")

    # ---- a bad e-mail: the form again, the error at the field ----------
    # "@example" without a dot passes the browser's own check of
    # type=email and is refused by the service (docs/joining.md).
    n_before = len(all_items(s, "/api/v1/members"))
    fill(d, {"name": who, "email": email.split("@")[0] + "@example",
             "zip": FAR_ZIP, "phone": "907-555-0142",
             "preferred_channel": "sms"})
    submit(d, q(d, "#join-form button[type=submit]"))
    err = q(d, "#email-error")
    check(err is not None and "e-mail" in err.text.lower(),
          tag + "the form comes back with the e-mail error",
          page_state(d))
    box = q(d, "#email")
    eq(box.get_attribute("aria-invalid") if box else None, "true",
       tag + "the e-mail field is marked invalid")
    check(box is not None and "email-error" in
          (box.get_attribute("aria-describedby") or "").split(),
          tag + "the error is tied to the field (aria-describedby)")
    check(box is not None and d.execute_script(
        "return arguments[0].nextElementSibling === "
        "document.getElementById('email-error')", box),
        tag + "the error sits right after the field")
    eq(q(d, "#name").get_attribute("value") if q(d, "#name") else None,
       who, tag + "what was typed is kept")
    audit(d, tag + "the form with an error")
    eq(len(all_items(s, "/api/v1/members")), n_before,
       tag + "nothing is stored")
    eq(sink.for_rcpt(email), [], tag + "nothing is sent")

    # ---- the right address: "Check your e-mail" -------------------------
    fill(d, {"email": email})
    submit(d, q(d, "#join-form button[type=submit]"))
    eq(h1(d), "Check your e-mail", tag + "the page says a mail is sent")
    audit(d, tag + "the check-your-e-mail page")
    eq(len(all_items(s, "/api/v1/members")), n_before,
       tag + "no member before the confirmation")

    # ---- the mail's link: a button --------------------------------------
    confirm = wait_mail(sink, email, "/join/confirm/")
    check(confirm, tag + "the confirmation mail arrives with its link")
    if not confirm:
        return
    d.get(base + confirm)
    eq(h1(d), "Confirm your sign-up", tag + "the link shows a page")
    audit(d, tag + "the confirmation page")
    eq(len(all_items(s, "/api/v1/members")), n_before,
       tag + "opening the link stores nothing")
    button = q(d, "form[method=post] button[type=submit]")
    check(button is not None and "Confirm" in button.text,
          tag + "the page has the button")
    if button is None:
        return
    submit(d, button)
    took = time.time() - t0

    # ---- the result page -----------------------------------------------
    eq(h1(d), "Welcome, %s!" % who, tag + "the result page")
    eq(q(d, "#club").text if q(d, "#club") else None, CLUB,
       tag + "it shows the club")
    reason = q(d, "#reason").text if q(d, "#reason") else ""
    check(len(reason) > len("Why this club: ."), tag + "and the reason",
          reason)
    li = q(d, "#meetings li.meeting")
    check(li is not None and "Weekly game" in li.text and
          re.search(r"\d", li.text), tag + "and the next meeting with "
          "its date", li.text if li else page_state(d))
    hrefs = [a.get_attribute("href") for a in
             d.find_elements(By.CSS_SELECTOR, "#calendar a.button")]
    eq(len(hrefs), 3, tag + "three calendar buttons")
    if len(hrefs) == 3:
        check(re.match(r"^webcal://[^/]+/feeds/\S+\.ics$", hrefs[0]),
              tag + "a webcal:// button", hrefs[0])
        check(hrefs[1].startswith(
            "https://calendar.google.com/calendar/render?cid=webcal"),
            tag + "a Google Calendar subscribe button", hrefs[1])
        check(re.match(r"^https?://[^/]+/feeds/\S+\.ics$", hrefs[2]),
              tag + "an .ics button", hrefs[2])
        check(hrefs[0][len("webcal"):] == hrefs[2][hrefs[2].index(":"):],
              tag + "webcal:// and .ics are the same feed", hrefs)
    audit(d, tag + "the result page")
    if mode == "off":
        screenshot(d, "join-done.png")
    mine = members_with(s, email)
    eq(len(mine), 1, tag + "the member exists once in the API")
    print("# JS %s: from /join to the result page in %.1f s "
          "(wrong e-mail and mail delivery included)" % (mode, took))
    check(took < 60, tag + "the whole flow takes under a minute", took)

    # ---- the member page: change an answer --------------------------------
    link = q(d, "#member-page")
    check(link is not None, tag + "the result page links the member page")
    if link is None or not mine:
        return
    d.get(base + path_of(link.get_attribute("href")))
    eq(h1(d), "Hello, %s" % who, tag + "the member page")
    audit(d, tag + "the member page")
    yes = d.find_elements(By.XPATH, "//li[contains(@class,'meeting')]"
                          "//button[normalize-space()='Yes, I will attend']")
    check(yes, tag + "the member page has an answer button", page_state(d))
    if not yes:
        return
    submit(d, yes[0])
    notice = q(d, "#notice")
    check(notice is not None and "recorded your answer" in notice.text,
          tag + "the page says the answer is recorded", page_state(d))
    pressed = d.find_elements(By.CSS_SELECTOR,
                              "li.meeting button[aria-pressed=true]")
    check(pressed and pressed[0].text == "Yes, I will attend",
          tag + "the Yes button shows as chosen")
    att = [a for a in all_items(s, "/api/v1/meetings/%d/attendees" % mid)
           if a["email"] == email]
    eq([a["rsvp"] for a in att], ["accepted"],
       tag + "the attendees API has the answer")
    audit(d, tag + "the member page after the answer")


def run(s, sink):
    sink.calendar_only = False      # the confirmation mails have none
    club = new_club(s, CLUB, "60601", secretary="sec@lake.test",
                    sec_name="Lee Secretary")
    mid = new_meeting(s, club["id"], title="Weekly game",
                      video_url="https://meet.example.test/lakeshore")["id"]
    base = s.base()
    for mode, who, email in (("off", "Nora Nojs", "nora@join.test"),
                             ("on", "Jo Script", "jo@join.test")):
        d = new_driver_phone(js=(mode == "on"))
        try:
            # The browser really runs scripts, or really does not.
            d.get("data:text/html,<title>a</title>"
                  "<script>document.title='b'</script>")
            eq(d.title, "b" if mode == "on" else "a",
               "JavaScript is %s in the browser" % mode)
            flow(s, sink, d, mode, who, email, mid)
            urls = requested_urls(d)
            away = leaving_origin(urls, base)
            check(len([u for u in urls if u.startswith(base)]) >= 6,
                  "[JS %s] the network log holds the page loads" % mode,
                  len(urls))
            eq(away, [], "[JS %s] no request leaves the origin" % mode)
            # The refused e-mail is the one 4xx the browser logs.
            eq(console_errors(d, (422,)), [],
               "[JS %s] no errors in the browser console" % mode)
        except Exception:
            import traceback
            check(False, "[JS %s] the browser session ran to its end" % mode,
                  traceback.format_exc() + "\n" + page_state(d))
        finally:
            quit_driver(d)


with_mail_server(run)
