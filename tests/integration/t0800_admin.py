"""t0800_admin.py - the organizer's console (docs/admin.md, CONTRACT §13)
against the real binary: GET /api/v1/stats agrees with the lists behind
each count, the members CSV export is formula-safe, and /admin in Debian's
headless Chromium signs in, shows the same counts, sends nothing to
another origin and is usable 320 px wide.

With ADMIN_SCREENSHOT=path set, the console's picture is saved there
(docs/admin.png).
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F403
from browser_lib import *  # noqa: E402,F403
from invite_lib import (all_items, new_club, new_meeting, new_member,  # noqa: E402
                        outbox, with_mail_server)


KEYS = {"members": ["local", "remote", "unassigned", "removed",
                    "do_not_contact", "bouncing"],
        "clubs": ["active", "accepts_remote"],
        "contacts": ["open", "overdue", "done"],
        "invitations": ["sent", "failed", "pending"],
        "answers": ["accepted", "declined", "tentative", "needs_action"]}


def stats(s):
    st, body = s.call("GET", "/api/v1/stats")
    eq(st, 200, "GET /api/v1/stats is 200")
    return body


def check_shape(body):
    eq(sorted(body), sorted(list(KEYS) + ["attended"]), "stats: the keys of §13")
    for group, keys in KEYS.items():
        eq(sorted(body.get(group, {})), sorted(keys), "stats.%s: its keys" % group)
        for k in keys:
            check(type(body[group][k]) is int, "stats.%s.%s is an integer" % (group, k))
    check(type(body["attended"]) is int, "stats.attended is an integer")


def check_lists(s, body):
    """Each count equals the length of the list behind it."""
    for mode in ("local", "remote", "unassigned"):
        eq(body["members"][mode], len(all_items(s, "/api/v1/members?mode=" + mode)),
           "members.%s = GET /members?mode=%s" % (mode, mode))
    eq(body["members"]["removed"], len(all_items(s, "/api/v1/members?status=removed")),
       "members.removed = GET /members?status=removed")
    eq(body["members"]["do_not_contact"],
       len(all_items(s, "/api/v1/members?status=do_not_contact")),
       "members.do_not_contact = GET /members?status=do_not_contact")
    eq(body["members"]["bouncing"],
       len(all_items(s, "/api/v1/members?email_status=bouncing")),
       "members.bouncing = GET /members?email_status=bouncing")
    clubs = all_items(s, "/api/v1/clubs")
    eq(body["clubs"]["active"], len([c for c in clubs if c["active"]]),
       "clubs.active = the active clubs listed")
    eq(body["clubs"]["accepts_remote"],
       len([c for c in clubs if c["active"] and c["accepts_remote"]]),
       "clubs.accepts_remote = the listed clubs that take remote members")
    inv = [o for o in outbox(s) if o["kind"] == "invitation"]
    for k, sts in (("sent", ("sent",)), ("failed", ("failed",)),
                   ("pending", ("pending", "sending"))):
        eq(body["invitations"][k], len([o for o in inv if o["status"] in sts]),
           "invitations.%s = the outbox's invitation rows %s" % (k, "/".join(sts)))


def scenario(s, sink):
    st, body = s.call("GET", "/api/v1/stats", token=None)
    eq(st, 401, "stats without a token: 401")
    st, body = s.call("GET", "/api/v1/stats", token="not-the-token")
    check(st in (401, 403), "stats with a wrong token is refused (%s)" % st)
    st, body = s.call("GET", "/api/v1/members?status=gone")
    eq(st, 400, "members?status=gone: 400")
    check("status" in json.dumps(body), "the 400 names the status parameter", body)

    zero = stats(s)
    check_shape(zero)
    eq(zero["members"]["local"] + zero["clubs"]["active"], 0, "an empty service counts 0")

    # Before any club: unassigned, with a reason.
    new_member(s, "Una Early", "una@x.test", "59001")
    new_member(s, "=HYPERLINK(\"http://evil.test\")", "formula@x.test", "59101")
    chi = new_club(s, "Chicago Chess", "60601", secretary="sec@chi.test")
    new_club(s, "Denver Draughts", "80202", secretary="sec@den.test",
             accepts_remote=False)
    new_member(s, "Lou Local", "lou@x.test", "60602")
    new_member(s, "Lia Local", "lia@x.test", "60603")
    new_member(s, "Rita Remote", "rita@x.test", "61701")
    new_member(s, "Ray Remote", "ray@x.test", "46204")
    def settled():
        return not [o for o in outbox(s) if o["status"] in ("pending", "sending")]
    wait_for(settled, timeout=30)        # the welcomes and the digest
    sink.set_mode("permfail")            # the invitations are refused
    new_meeting(s, chi["id"])
    wait_for(settled, timeout=30)
    sink.set_mode("accept")

    body = stats(s)
    check_shape(body)
    eq(body["members"]["local"], 2, "two local members")
    eq(body["members"]["remote"], 2, "two remote members")
    eq(body["members"]["unassigned"], 2, "two unassigned members")
    eq(body["clubs"], {"active": 2, "accepts_remote": 1}, "two clubs, one takes remote members")
    eq(body["invitations"], {"sent": 0, "failed": 2, "pending": 0},
       "the invitations of the two remote members failed")
    eq(body["answers"]["needs_action"], 2, "two invitations wait for an answer")
    eq(body["contacts"]["open"] + body["contacts"]["overdue"], 4,
       "a first contact is open for each assigned member")
    check_lists(s, body)

    # The export: every member, one row each, formula-safe.
    st, text = s.call("GET", "/api/v1/members.csv")
    eq(st, 200, "GET /api/v1/members.csv is 200")
    check(s.last_headers.get("content-type", "").startswith("text/csv"),
          "the export is text/csv", s.last_headers)
    rows = list(csv.DictReader(io.StringIO(text)))
    eq(len(rows), 6, "the export has the six members")
    names = {r["name"] for r in rows}
    check("'=HYPERLINK(\"http://evil.test\")" in names,
          "a name that starts with = is exported with a leading '", names)
    una = [r for r in rows if r["email"] == "una@x.test"]
    check(una and una[0]["mode"] == "unassigned" and una[0]["reason"],
          "the export says why a member is unassigned", una)
    st, text = s.call("GET", "/api/v1/members.csv?mode=local")
    eq(len(list(csv.DictReader(io.StringIO(text)))), 2, "the export honours ?mode=local")
    st, text = s.call("GET", "/api/v1/members.csv", token=None)
    eq(st, 401, "the export needs the admin token")

    check_map(s)
    browser(s, body)


def check_map(s):
    """The map: one mark per club, the members as dots at their ZIP."""
    import xml.etree.ElementTree as ET
    st, svg = s.call("GET", "/api/v1/map.svg")
    eq(st, 200, "GET /api/v1/map.svg is 200")
    check(s.last_headers.get("content-type", "").startswith("image/svg+xml"),
          "the map is image/svg+xml", s.last_headers)
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as e:
        check(False, "the map is well-formed XML", repr(e))
        return
    ns = "{http://www.w3.org/2000/svg}"
    circles = list(root.iter(ns + "circle"))
    marks = [c for c in circles if "club" in c.get("class", "").split()]
    dots = [c for c in circles if "dot" in c.get("class", "").split()]
    _, clubs = s.call("GET", "/api/v1/clubs")
    eq(sorted(int(c.get("data-club-id")) for c in marks),
       sorted(c["id"] for c in clubs["items"] if c.get("active", True)),
       "the map has one mark per active club")
    _, ms = s.call("GET", "/api/v1/members?limit=1000")
    located = [m for m in ms["items"] if m["zip"]]
    eq(sum(int(c.get("data-count")) for c in dots), len(located),
       "the map's dots count every member with a ZIP")
    check(not list(root.iter(ns + "script")) and "href=\"http" not in svg,
          "the map has no script and no external reference")
    st, _ = s.call("GET", "/api/v1/map.svg", token=None)
    eq(st, 401, "the map needs the admin token")
    st, lined = s.call("GET", "/api/v1/map.svg?lines=1")
    check(st == 200 and 'class="link"' in lined,
          "?lines=1 draws lines from remote members to their club")


def browser(s, want):
    if not browser_ready():
        return
    d = new_driver(1280, 1400)

    try:
        d.get(s.base() + "/admin")
        wait(d, lambda _: d.find_element(By.ID, "signin").is_displayed(), "the sign-in form shows")
        d.find_element(By.ID, "token").send_keys("wrong-token")
        d.find_element(By.CSS_SELECTOR, "#signin-form button").click()
        wait(d, lambda _: d.find_element(By.ID, "token-err").is_displayed(),
             "a wrong token is refused at the field")
        d.get_log("browser")             # the refused token's 401s
        d.find_element(By.ID, "token").clear()
        d.find_element(By.ID, "token").send_keys(s.admin)
        d.find_element(By.CSS_SELECTOR, "#signin-form button").click()
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, "#stats [data-key]"),
             "the counts show after sign-in")
        shown = d.execute_script("""
            var out = {};
            document.querySelectorAll('#stats [data-key]').forEach(function (li) {
                out[li.getAttribute('data-key')] = li.querySelector('.stat-n').textContent;
            });
            return out;""")
        for group, keys in KEYS.items():
            for k in keys:
                key = group + "." + k
                if key in shown:
                    eq(shown[key], str(want[group][k]), "the page shows %s = /stats" % key)
        eq(shown.get("attended"), str(want["attended"]), "the page shows attended = /stats")
        eq(len(shown), 1 + sum(len(v) for v in KEYS.values()), "every count of §13 is shown")
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, "#map svg circle.club"),
             "the console shows the map with the clubs")

        # A count opens the list behind it.
        d.find_element(By.CSS_SELECTOR, "[data-key='members.unassigned'] a").click()
        wait(d, lambda _: len(d.find_elements(By.CSS_SELECTOR, "#list-table tbody tr")) == 2,
             "the unassigned count opens its two members")
        clubs = d.find_elements(By.CSS_SELECTOR, "#clubs-table tbody tr")
        eq(len(clubs), 2, "the clubs table lists both clubs")
        first = lambda: d.find_element(By.CSS_SELECTOR, "#clubs-table tbody tr td").text
        eq(first(), "Chicago Chess", "clubs sorted by name")
        d.find_element(By.XPATH, "//table[@id='clubs-table']//button[contains(., 'Club')]").click()
        wait(d, lambda _: first() == "Denver Draughts", "a second click sorts by name descending")
        cell = d.execute_script("""
            var t = document.getElementById('clubs-table'), i, col = -1;
            var th = t.querySelectorAll('thead th');
            for (i = 0; i < th.length; i++)
                if (th[i].textContent.indexOf('Open tasks') === 0) col = i;
            var rows = t.querySelectorAll('tbody tr');
            for (i = 0; i < rows.length; i++)
                if (rows[i].cells[0].textContent === arguments[0])
                    return rows[i].cells[col].textContent;
            return null;""", "Chicago Chess")
        eq(cell, "4", "the clubs table shows Chicago's four open first contacts")
        d.find_element(By.CSS_SELECTOR, "[data-key='contacts.open'] a").click()
        wait(d, lambda _: len(d.find_elements(By.CSS_SELECTOR, "#list-table tbody tr")) ==
             want["contacts"]["open"], "the open first contacts count opens its tasks")
        unassigned = d.find_element(By.ID, "unassigned-table").text
        check("Una Early" in unassigned, "the unassigned members are listed", unassigned)
        check("Lou Local" not in unassigned, "an assigned member is not among them")
        removed = d.find_element(By.ID, "removed-table").text
        check("None." in removed, "no member is removed yet", removed)
        check(d.find_elements(By.ID, "map"), "the map placeholder is on the page")

        if os.environ.get("ADMIN_SCREENSHOT"):
            d.find_element(By.ID, "list-close").click()
            d.set_window_size(1280, 1500)
            d.save_screenshot(os.environ["ADMIN_SCREENSHOT"])

        d.set_window_size(320, 800)
        width = d.execute_script("return document.documentElement.scrollWidth")
        check(width <= 320, "no sideways scrolling at 320 px (page is %s px)" % width)
        btn = d.find_element(By.ID, "export")
        check(btn.is_displayed() and btn.size["width"] <= 320,
              "the export button fits at 320 px")

        urls = requested_urls(d)
        away = leaving_origin(urls, s.base())
        check(urls and not away, "no request leaves the origin", away)
        check(not [u for u in urls if s.admin in u], "the token is in no URL")
        severe = console_errors(d)
        check(not severe, "no errors in the console", severe)
    finally:
        quit_driver(d)


with_mail_server(scenario)
