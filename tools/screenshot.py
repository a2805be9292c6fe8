#!/usr/bin/python3
"""screenshot.py - docs/dashboard.png: the secretary dashboard with sample
data, as headless Chromium shows it at 1280x900 scrolled to the meetings
(the New members section is above them); with --new-members,
docs/dashboard-new-members.png: its New members section on a 320 px phone;
with --pages, the pages a member sees behind the links of the mails.

    tools/screenshot.py [OUTPUT.png]      (default docs/dashboard.png)
    tools/screenshot.py --new-members [OUTPUT.png]
    tools/screenshot.py --pages [DIR]     (default docs/): join.png (the
        filled /join form), join-confirmed.png (the page after pressing
        the confirmation button), member.png (/m/{token}) and rsvp.png
        (GET /rsvp/{token}?answer=yes), each 800 px wide, full height

Starts the real binary (CLUBMATCH_BIN or build/clubmatch) on a free port
with a temporary database, makes sample clubs, members and meetings through
the API, answers some invitations through the RSVP links in the Maildir,
signs in with a secretary token and takes the picture.  Needs what `make
test` installs (tools/setup.sh test): chromium, chromium-driver,
python3-selenium.
"""
import datetime
import email
import email.policy
import os
import re
import shutil
import sys
import tempfile
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import lib  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARGS = sys.argv[1:]
PAGES = "--pages" in ARGS
PHONE = "--new-members" in ARGS
ARGS = [a for a in ARGS if a not in ("--new-members", "--pages")]
OUT = ARGS[0] if ARGS else (os.path.join(HERE, "..", "docs") if PAGES else
                            os.path.join(HERE, "..", "docs",
                                         "dashboard-new-members.png" if PHONE
                                         else "dashboard.png"))
TZ = "America/Chicago"


def must(st, body, want, what):
    if st != want:
        sys.exit("screenshot: %s: HTTP %s %s" % (what, st, body))
    return body


def rsvp_link(maildir, to_addr, title):
    for raw in lib.maildir_messages(maildir):
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if to_addr in str(m.get("To", "")) and title in str(m.get("Subject", "")):
            part = m.get_body(("plain",))
            found = re.search(r"https?://[^/\s]+(/rsvp/[^\s?]+)\?answer=",
                              part.get_content() if part else "")
            if found:
                return found.group(1)
    return None


def mail_link(maildir, to_addr, subject_part, path_re):
    """The path of the first link matching path_re in the plain text of a
    mail to to_addr whose subject contains subject_part, or None."""
    for raw in lib.maildir_messages(maildir):
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if to_addr in str(m.get("To", "")) and \
                subject_part in str(m.get("Subject", "")):
            part = m.get_body(("plain",))
            found = re.search(r"https?://[^/\s]+(%s)" % path_re,
                              part.get_content() if part else "")
            if found:
                return found.group(1)
    return None


def browser(workdir):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              "--hide-scrollbars", "--lang=en-US",
              "--user-data-dir=" + os.path.join(workdir, "chrome")):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                            options=o)


def shoot(d, out, width=800):
    """The whole page as it is now, width px wide."""
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 600, "deviceScaleFactor": 1,
        "mobile": False})
    h = d.execute_script("return Math.max(document.body.scrollHeight,"
                         " document.documentElement.scrollHeight)")
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": int(h), "deviceScaleFactor": 1,
        "mobile": False})
    d.execute_script("document.activeElement && document.activeElement.blur()")
    d.save_screenshot(out)
    print("screenshot: wrote %s" % out)


def pages():
    """A club with a weekly meeting; a member in Montana joins through
    /join (remote), confirms, and opens the member page and an RSVP link."""
    today = datetime.datetime.now(ZoneInfo(TZ)).date()
    thursday = today + datetime.timedelta(days=(3 - today.weekday()) % 7 + 7)
    workdir = tempfile.mkdtemp(prefix="clubmatch-shot-")
    s = lib.Server(workdir=workdir,
                   args=["--base-url", "http://clubmatch.lan:8080",
                         "--mail-from", "clubs@clubmatch.lan"])
    s.start()
    os.makedirs(OUT, exist_ok=True)
    try:
        club = must(*s.call("POST", "/api/v1/clubs", {
            "name": "Springfield Readers", "zip": "62701",
            "secretary_email": "secretary@springfield-readers.example",
            "secretary_name": "Dana Lee"}), 201, "club")
        must(*s.call("POST", "/api/v1/clubs/%d/meetings" % club["id"], {
            "title": "Thursday reading hour",
            "start": thursday.isoformat() + "T18:30",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY;BYDAY=" + thursday.strftime("%a")[:2].upper(),
            "description": "We read aloud and talk about the book of the "
                           "month."}), 201, "meeting")
        addr = "ana@example.org"
        d = browser(workdir)
        try:
            d.get(s.base() + "/join")
            for name, value in (("name", "Ana Ortiz"), ("email", addr),
                                ("zip", "59001"), ("phone", "406 555 0142")):
                d.find_element(By.NAME, name).send_keys(value)
            shoot(d, os.path.join(OUT, "join.png"))
            d.find_element(By.CSS_SELECTOR, "form button[type=submit],"
                           " form button").click()
            WebDriverWait(d, 30).until(
                lambda d: "/join" in d.current_url and
                "e-mail" in d.find_element(By.TAG_NAME, "body").text)
            confirm = lib.wait_for(lambda: mail_link(
                s.maildir, addr, "confirm", r"/join/confirm/[^\s]+"), 60)
            if not confirm:
                sys.exit("screenshot: no confirmation mail in %s" % s.maildir)
            d.get(s.base() + confirm)
            d.find_element(By.CSS_SELECTOR, "form button").click()
            WebDriverWait(d, 30).until(lambda d: "Springfield Readers" in
                                       d.find_element(By.TAG_NAME,
                                                      "body").text)
            shoot(d, os.path.join(OUT, "join-confirmed.png"))
            page = lib.wait_for(lambda: mail_link(
                s.maildir, addr, "Welcome", r"/m/[^\s]+"), 60)
            if not page:
                sys.exit("screenshot: no welcome mail in %s" % s.maildir)
            d.get(s.base() + page)
            shoot(d, os.path.join(OUT, "member.png"))
            rsvp = lib.wait_for(lambda: mail_link(
                s.maildir, addr, "Thursday reading hour",
                r"/rsvp/[^\s?]+\?answer=yes[^\s]*"), 60)
            if not rsvp:
                sys.exit("screenshot: no invitation in %s" % s.maildir)
            d.get(s.base() + rsvp)
            shoot(d, os.path.join(OUT, "rsvp.png"))
        finally:
            d.quit()
    finally:
        s.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    today = datetime.datetime.now(ZoneInfo(TZ)).date()
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    second_tue = first + datetime.timedelta(days=(1 - first.weekday()) % 7 + 7)
    thursday = today + datetime.timedelta(days=(3 - today.weekday()) % 7 + 7)
    workdir = tempfile.mkdtemp(prefix="clubmatch-shot-")
    # For the phone picture the tasks are due at once, so some are overdue.
    s = lib.Server(workdir=workdir,
                   args=["--base-url", "http://clubmatch.lan:8080"] +
                   (["--contact-due-days", "0"] if PHONE else []))
    # RSVP links then name clubmatch.lan; we call their paths directly.
    s.start()
    try:
        club = must(*s.call("POST", "/api/v1/clubs", {
            "name": "Springfield Readers", "zip": "62701",
            "secretary_email": "secretary@springfield-readers.example",
            "secretary_name": "Dana Lee"}), 201, "club")
        must(*s.call("POST", "/api/v1/clubs", {
            "name": "Peoria Chess Circle", "zip": "61602",
            "secretary_email": "chess@example.org", "accepts_remote": False}),
             201, "second club")
        cid = club["id"]
        tok = must(*s.call("POST", "/api/v1/clubs/%d/tokens" % cid), 201,
                   "token")["token"]
        meetings = [
            ("Monthly book discussion", second_tue.isoformat() + "T19:00", 90,
             "FREQ=MONTHLY;BYDAY=2TU", "Lincoln Library, Room 2"),
            ("Thursday reading hour", thursday.isoformat() + "T18:30", 60,
             "FREQ=WEEKLY;BYDAY=" + thursday.strftime("%a")[:2].upper(), ""),
        ]
        for title, start, dur, rule, place in meetings:
            must(*s.call("POST", "/api/v1/clubs/%d/meetings" % cid, {
                "title": title, "start": start, "duration_minutes": dur,
                "rrule": rule, "location": place}), 201, "meeting")
        people = [
            ("Ana Ortiz", "ana@example.org", "59001", ("yes", "yes"),
             "+14065550101", "sms"),
            ("Ben Whitaker", "ben@example.org", "97201", ("maybe", None),
             "+15035550102", "phone"),
            ("Chloe Martin", "chloe@example.org", "04101", (None, "no"),
             "+12075550103", "email"),
            ("Dev Patel", "dev@example.org", "80202", ("yes", "maybe"),
             "+13035550104", "phone"),
            ("Elena Novak", "elena@example.org", "33101", ("no", None),
             "+13055550105", "sms"),
        ]
        ids = {}
        for name, addr, z, _, phone, chan in people:
            ids[name] = must(*s.call("POST", "/api/v1/members", {
                "name": name, "email": addr, "zip": z, "phone": phone,
                "preferred_channel": chan}), 201, name)["id"]
        # Some calls made already: one reached (done), one no answer.
        for name, outcome in (("Ben Whitaker", "no_answer"),
                              ("Dev Patel", "reached")):
            must(*s.call("POST", "/api/v1/members/%d/contacts" % ids[name],
                         {"channel": "phone", "outcome": outcome}), 201,
                 "contact")
        for name, addr, _, answers, _, _ in people:
            for (title, *_), answer in zip(meetings, answers):
                if not answer:
                    continue
                link = lib.wait_for(
                    lambda: rsvp_link(s.maildir, addr, title), 60)
                if not link:
                    sys.exit("screenshot: no invitation for %s in %s" %
                             (addr, s.maildir))
                # The link shows a page; its button (a form POST) records.
                must(*s.call("POST", link, token=None, raw=(
                    "answer=" + answer).encode(), headers={"Content-Type":
                    "application/x-www-form-urlencoded"}), 200, "rsvp")

        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--lang=en-US",
                  "--user-data-dir=" + os.path.join(workdir, "chrome")):
            o.add_argument(a)
        d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                             options=o)
        try:
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 320 if PHONE else 1280, "height": 2400 if PHONE
                else 900, "deviceScaleFactor": 1, "mobile": PHONE})
            d.get(s.base() + "/secretary#token=" + tok)
            WebDriverWait(d, 60).until(lambda d: len(d.find_elements(
                By.CSS_SELECTOR, "#meeting-list .att tbody tr")) >= 2 * len(people))
            # The greeting fades by itself later; the picture needs no wait.
            d.execute_script("document.activeElement.blur()")
            os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
            if PHONE:
                WebDriverWait(d, 60).until(lambda d: len(d.find_elements(
                    By.CSS_SELECTOR, "#contact-list > li")) >= 4)
                d.find_element(By.ID, "contacts").screenshot(OUT)
            else:
                d.execute_script(
                    "document.getElementById('meetings').scrollIntoView()")
                d.save_screenshot(OUT)
        finally:
            d.quit()
    finally:
        s.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print("screenshot: wrote %s" % OUT)


if PAGES:
    pages()
else:
    main()
