"""lib.py - what every integration test needs: the real binary on a free
port with a temporary database, an HTTP client, a real SMTP server
(aiosmtpd) and TAP output that tests/run.sh counts (check, eq; skip for a check this
machine cannot run).

    from lib import *
    with Server() as s:
        st, body = s.call("GET", "/healthz")
        check(st == 200, "healthz answers 200")
    done()
"""
import email.utils
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.client

BIN = os.environ.get("CLUBMATCH_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "clubmatch")
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("CLUBMATCH_BUILD") or os.path.join(TOP, "build")
ICS_CHECK = os.path.join(BUILD, "tests", "tools", "ics_check")
SANITIZED = bool(os.environ.get("CLUBMATCH_SANITIZED"))
_failures = 0
_count = 0


def check(cond, name, detail=None):
    """Print one TAP line; on failure also print the detail."""
    global _failures, _count
    _count += 1
    if cond:
        print("ok - %s" % name)
    else:
        _failures += 1
        print("not ok - %s" % name)
        if detail is not None:
            for line in str(detail).splitlines()[:40]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(name, reason):
    """A check that cannot run on this machine (a tool or a facility is
    missing): one "skip - NAME: REASON" line, which tests/run.sh reports
    as skipped and counts neither as passed nor as failed.  Only for what
    the machine lacks, never for a result the test did not like."""
    print("skip - %s: %s" % (name, reason))
    sys.stdout.flush()


def eq(got, want, name):
    return check(got == want, name, "got  %r\nwant %r" % (got, want))


def done():
    sys.exit(1 if _failures else 0)


def parse_date(value):
    """The datetime of an RFC 5322 (e-mail, HTTP) date, or None when value
    is missing or no such date (email.utils raises instead)."""
    if value is None:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc, sig=signal.SIGTERM, timeout=30):
    """Sends sig to proc if it still runs and waits for it (killing it
    after timeout seconds); returns its exit status."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def libical_check(ics_bytes, method="PUBLISH"):
    """libical's verdict (ics_calendar_check via build/tests/tools/
    ics_check): (True, "OK") or (False, the problem)."""
    with tempfile.NamedTemporaryFile(suffix=".ics", delete=False) as f:
        f.write(ics_bytes)
        path = f.name
    try:
        p = subprocess.run([ICS_CHECK, path, method], capture_output=True,
                           text=True, timeout=60)
        return p.returncode == 0, (p.stdout + p.stderr).strip()
    finally:
        os.unlink(path)


def run_cli(args, env=None, input=None, timeout=120):
    """Run the binary with args; returns (exit status, stdout, stderr)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True,
                       env=e, input=input, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class Server:
    """The real `clubmatch serve` on 127.0.0.1:<free port>, in a temporary
    directory that holds its database, Maildir and admin token."""

    def __init__(self, args=(), env=None, workdir=None, admin_token="admintoken-0123456789abcdef"):
        self.dir = workdir or tempfile.mkdtemp(prefix="clubmatch-test-")
        self.port = free_port()
        self.db = os.path.join(self.dir, "clubmatch.db")
        self.maildir = os.path.join(self.dir, "mail")
        self.admin = admin_token
        with open(os.path.join(self.dir, "admin.token"), "w") as f:
            f.write(admin_token + "\n")
        self.args = list(args)
        self.env = env or {}
        self.proc = None

    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=20):
        e = dict(os.environ)
        e.update(self.env)
        cmd = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port,
               "--db", self.db, "--maildir", self.maildir,
               "--admin-token-file", os.path.join(self.dir, "admin.token")]
        cmd += self.args
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     env=e, cwd=self.dir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: %s" % self.logtext())
            try:
                st, _ = self.call("GET", "/healthz", token=None)
                if st == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start: %s" % self.logtext())

    def logtext(self, tail=4000):
        """The server's stderr: its last tail characters, or all of it
        when tail is None (one line per request makes it long)."""
        try:
            with open(os.path.join(self.dir, "serve.log"), "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return text if tail is None else text[-tail:]

    def events(self, event=None):
        """The server's log lines (docs/operations.md, "Logs") as dicts of
        their keys, in order; only those of event when given.  A line
        that is not key=value is {"unparsed": line}."""
        out = []
        for line in self.logtext(tail=None).splitlines():
            ev = parse_log_line(line)
            if event is None or ev.get("event") == event:
                out.append(ev)
        return out

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; returns its exit status (0 after SIGTERM)."""
        if self.proc is None:
            return None
        rc = stop_process(self.proc, sig)
        self.proc = None
        self.log.close()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        rc = self.stop()
        check(rc == 0, "server exits cleanly (status %s)" % rc,
              self.logtext())

    def call(self, method, path, body=None, token="admin", headers=None,
             raw=None, timeout=30, source=None):
        """One HTTP request.  token="admin" uses the admin token, None sends
        none; source is the loopback address to send from (127.0.0.x),
        None the default.  Returns (status, parsed JSON or text);
        self.last_headers keeps the response headers."""
        c = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout,
            source_address=(source, 0) if source else None)
        h = dict(headers or {})
        if token == "admin":
            token = self.admin
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        self.last_headers = {k.lower(): v for k, v in r.getheaders()}
        self.last_raw = payload
        c.close()
        ctype = self.last_headers.get("content-type", "")
        if ctype.startswith("application/json"):
            try:
                return r.status, json.loads(payload)
            except ValueError:
                return r.status, payload.decode("utf-8", "replace")
        return r.status, payload.decode("utf-8", "replace")

    def cli(self, args, **kw):
        env = {"CLUBMATCH_DB": self.db, "CLUBMATCH_MAILDIR": self.maildir}
        env.update(kw.pop("env", {}))
        return run_cli(args, env=env, **kw)


# One key=value pair of a log line: a bare value or a quoted one.
_LOG_PAIR = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ "=\\]+)(?: |$)')


def parse_log_line(line):
    """The keys of one key=value log line (values unquoted, escapes kept
    as written), or {"unparsed": line} when it is not one."""
    out, pos = {}, 0
    while pos < len(line):
        m = _LOG_PAIR.match(line, pos)
        if m is None:
            return {"unparsed": line}
        v = m.group(2)
        out[m.group(1)] = v[1:-1] if v.startswith('"') else v
        pos = m.end()
    return out if out.get("ts") and out.get("event") else {"unparsed": line}


def error_code(body):
    """The error code of an error body, or None."""
    try:
        return body["error"]["code"]
    except (TypeError, KeyError):
        return None


def maildir_messages(maildir):
    """Every message in maildir/new as bytes, sorted by file name."""
    d = os.path.join(maildir, "new")
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out.append(f.read())
    return out


def wait_for(pred, timeout=20.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()
