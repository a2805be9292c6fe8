"""browser_lib.py - what the browser tests share: Debian's headless
Chromium driven by Selenium (chromedriver), the small page helpers, and
what every browser test checks at its end: the URLs the browser asked for
(none leaves the origin, none holds the token) and the errors in its
console.

    from browser_lib import *
    if not browser_ready():
        done()
    d = new_driver()
    try:
        d.get(s.base() + "/secretary")
        wait(d, lambda d: q(d, "#signin"), "the sign-in form")
        eq(leaving_origin(requested_urls(d), s.base()), [], "...")
        eq(console_errors(d), [], "...")
    finally:
        quit_driver(d)

Chromium, chromedriver and python3-selenium come from tools/setup.sh
(`make test` runs it).  When they are missing the test FAILS (a failed
check names what is missing); it never skips.
"""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import SANITIZED, check  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SLOW = 3 if SANITIZED else 1
WAIT = 30 * SLOW

try:
    from selenium import webdriver
    from selenium.common.exceptions import (  # noqa: F401
        StaleElementReferenceException, TimeoutException, WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys  # noqa: F401
    from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: F401
    _selenium_error = None
except ImportError as e:
    _selenium_error = e


def browser_ready():
    """True when Selenium, Chromium and chromedriver are installed; when
    not, a failed check says which is missing and the answer is False."""
    if _selenium_error is not None:
        check(False, "python3-selenium is installed (tools/setup.sh test)",
              _selenium_error)
        return False
    missing = [p for p in (CHROMIUM, CHROMEDRIVER)
               if not os.access(p, os.X_OK)]
    if missing:
        check(False, "chromium and chromium-driver are installed "
              "(tools/setup.sh test)", "missing: %s" % " ".join(missing))
        return False
    return True


def new_driver(width=1280, height=900, downloads=None, js=True):
    """A headless Chromium in English with a fresh profile, logging the
    console and the network (for console_errors() and requested_urls()).
    downloads: the folder downloads go to, without asking; js=False turns
    JavaScript off.  Close it with quit_driver()."""
    profile = tempfile.mkdtemp(prefix="browser-profile-")
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-extensions", "--lang=en-US",
              "--window-size=%d,%d" % (width, height),
              "--user-data-dir=" + profile):
        o.add_argument(a)
    prefs = {"intl.accept_languages": "en-US"}
    if downloads:
        prefs["download.default_directory"] = downloads
        prefs["download.prompt_for_download"] = False
    if not js:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    o.add_experimental_option("prefs", prefs)
    o.set_capability("goog:loggingPrefs",
                     {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    d.profile_dir = profile
    d.set_page_load_timeout(WAIT)
    d.set_script_timeout(WAIT)
    if downloads:
        # Headless Chromium drops downloads unless told where they go.
        d.execute_cdp_cmd("Browser.setDownloadBehavior",
                          {"behavior": "allow", "downloadPath": downloads})
    return d


def quit_driver(d):
    """Ends the browser and removes its profile."""
    try:
        d.quit()
    finally:
        shutil.rmtree(d.profile_dir, ignore_errors=True)


# ---- the page ---------------------------------------------------------------
def q(d, css):
    found = d.find_elements(By.CSS_SELECTOR, css)
    return found[0] if found else None


def qa(d, css):
    return d.find_elements(By.CSS_SELECTOR, css)


def text(d, css):
    el = q(d, css)
    return el.text if el is not None else None


def page_state(d):
    """Where the browser is, for a failed check: the URL, the page's
    messages (#msg, #alert) when it has them, and the start of its text."""
    try:
        out = "url %s\n" % d.current_url
        for css in ("#msg", "#alert"):
            if q(d, css) is not None:
                out += "%s %r\n" % (css[1:], text(d, css))
        return out + "body %s" % d.find_element(By.TAG_NAME, "body").text[:1500]
    except WebDriverException as e:
        return str(e)


def wait(d, cond, what, timeout=None):
    """Waits until cond(d) is truthy and returns it; a time-out is a
    failed check (with page_state()), not a crash, so the rest of the test
    still runs."""
    try:
        return WebDriverWait(d, timeout or WAIT, poll_frequency=0.05,
                             ignored_exceptions=(
                                 StaleElementReferenceException,)).until(
            lambda drv: cond(drv))
    except TimeoutException:
        check(False, "in time: " + what, page_state(d))
        return None


# ---- what every browser test checks at its end ----------------------------
def requested_urls(d):
    """Every URL the browser asked for since the last call."""
    urls = []
    for entry in d.get_log("performance"):
        try:
            m = json.loads(entry["message"])["message"]
        except (ValueError, KeyError):
            continue
        if m.get("method") == "Network.requestWillBeSent":
            urls.append(m["params"]["request"]["url"])
    return urls


def leaving_origin(urls, base):
    """The URLs that go somewhere else than base (the server's
    http://host:port).  data: and blob: are the page's own; chrome:// and
    about: are the browser's start page before the first d.get()."""
    return [u for u in urls if not (
        u.startswith(base + "/") or
        u.startswith(("data:", "blob:", "chrome://", "about:")))]


def console_errors(d, statuses=()):
    """The SEVERE lines of the browser console since the last call (CSP
    reports included), but the network lines of an HTTP status in
    statuses: the answers the test made the server refuse on purpose."""
    pat = re.compile(r"status of (%s)\b" % "|".join(str(x) for x in statuses)) \
        if statuses else None
    return [e for e in d.get_log("browser") if e.get("level") == "SEVERE"
            and not (pat and e.get("source") == "network"
                     and pat.search(e["message"]))]
