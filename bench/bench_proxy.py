"""bench_proxy.py - clubmatch behind nginx with --trusted-proxy, under load
with valid tokens while an attacker sends bad ones (CONTRACT §9;
docs/operations.md, "Behind a reverse proxy").

Starts `clubmatch serve --trusted-proxy 127.0.0.1` on a free port with a
fresh database (10 clubs with a secretary token each, 20 members with
their feed tokens, a weekly meeting a club), and nginx (Debian
nginx-light, its own configuration, logs and pid in a temporary
directory) on another free loopback port, proxying to it with
`X-Forwarded-For $proxy_add_x_forwarded_for` as docs/operations.md says.
Then two phases of BENCH_SECONDS (default 10) each:

  direct  wrk -c200 straight at clubmatch (the baseline)
  nginx   wrk -c200 through nginx

In each, every wrk request carries a valid token (GET /api/v1/me and
GET /api/v1/clubs/{id}/meetings with a secretary token, GET
/feeds/{token}.ics with a member's feed token), while an attacker loop
sends bad tokens from its own loopback address (127.0.0.2 direct,
127.0.0.3 through nginx) with a forged X-Forwarded-For that changes
every request, and now and then a valid token from that same address.

Prints requests/s and latency p50/p99 of each phase and the ratio, the
429s to valid-token requests (wrk's and the attacker's own: CONTRACT §9
says never) and the 429s to the attacker's bad tokens (must be some: a
forged X-Forwarded-For does not escape the limit), and what one
mistyped token from a third client behind nginx gets afterwards (401:
the attacker's failures are not counted against the proxy's other
clients).  Exits 1 when a valid-token request got a 429, the attacker
never did, or the bystander was limited.

    CLUBMATCH_BIN=build/clubmatch /usr/bin/python3 bench/bench_proxy.py
    BENCH_SECONDS=5 BENCH_CONNECTIONS=200 ...
"""
import http.client
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import lib                                             # noqa: E402
from lib import Server, free_port, stop_process        # noqa: E402
import nginx_lib                                       # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "200"))
WRK_THREADS = 2
CLUBS = (("60601", "Chicago"), ("10001", "New York"), ("80202", "Denver"),
         ("94103", "San Francisco"), ("98101", "Seattle"),
         ("30303", "Atlanta"), ("02108", "Boston"), ("75201", "Dallas"),
         ("85004", "Phoenix"), ("55401", "Minneapolis"))
MEMBERS_PER_CLUB = 2
ATTACK_SOURCES = {"direct": "127.0.0.2", "nginx": "127.0.0.3"}
BYSTANDER = "127.0.0.4"   # one mistyped token through nginx after the attack
ATTACK_PAUSE = 0.01     # ~100 bad tokens a second: a steady, cheap attacker
VALID_EVERY = 5         # one valid-token request in 5 from the attacker


def must(st_body, want, what):
    st, body = st_body
    if st != want:
        raise SystemExit("bench_proxy: %s -> %s %r" % (what, st, body))
    return body


# ==== the data: valid tokens =================================================
def populate(s):
    """Clubs, secretary tokens, members and meetings; returns the valid
    (path, bearer token or None) pairs the load cycles through."""
    start = time.strftime("%Y-%m-%dT19:00",
                          time.gmtime(time.time() + 7 * 86400))
    routes = []
    for i, (zipc, city) in enumerate(CLUBS):
        club = must(s.call("POST", "/api/v1/clubs",
                           {"name": "%s Bench Club" % city, "zip": zipc,
                            "secretary_email": "sec%d@bench.test" % i}),
                    201, "POST club")
        cid = club["id"]
        tok = must(s.call("POST", "/api/v1/clubs/%d/tokens" % cid, {}),
                   201, "POST token")["token"]
        must(s.call("POST", "/api/v1/clubs/%d/meetings" % cid,
                    {"title": "Weekly", "start": start,
                     "duration_minutes": 60,
                     "rrule": "FREQ=WEEKLY;COUNT=20"}), 201, "POST meeting")
        routes.append(("/api/v1/me", tok))
        routes.append(("/api/v1/clubs/%d/meetings" % cid, tok))
        for j in range(MEMBERS_PER_CLUB):
            m = must(s.call("POST", "/api/v1/members",
                            {"name": "Member %d-%d" % (i, j),
                             "email": "m%d.%d@bench.test" % (i, j),
                             "zip": zipc}), 201, "POST member")
            if m["assignment"]["club_id"] != cid:
                raise SystemExit("bench_proxy: member %d-%d not in club %d"
                                 % (i, j, cid))
            m = must(s.call("GET", "/api/v1/members/%d" % m["id"]), 200,
                     "GET member")
            routes.append((urllib.parse.urlparse(m["feed_url"]).path, None))
    # Every route answers 200 to its token before the load starts.
    for path, tok in routes:
        must(s.call("GET", path, token=tok), 200, "GET " + path)
    return routes


# ==== wrk ====================================================================
WRK_LUA = """\
-- generated by bench/bench_proxy.py: cycles through valid-token requests
-- and counts the answers by status in every thread.
routes = { %(routes)s }
reqs = {}
n = 0
c2xx, c429, cother = 0, 0, 0
threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, r in ipairs(routes) do
    local h = {}
    if r[2] ~= "" then h["Authorization"] = "Bearer " .. r[2] end
    reqs[i] = wrk.format("GET", r[1], h)
  end
  n = math.random(#reqs)
end

function request()
  n = n %% #reqs + 1
  return reqs[n]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    c2xx = c2xx + 1
  elseif status == 429 then
    c429 = c429 + 1
  else
    cother = cother + 1
  end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c2xx")
    b = b + t:get("c429")
    c = c + t:get("cother")
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d p50_us=%%d "
    .. "p99_us=%%d max_us=%%d c2xx=%%d c429=%%d cother=%%d connect=%%d "
    .. "read=%%d write=%%d timeout=%%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, a, b, c, e.connect, e.read, e.write, e.timeout))
end
"""


def lua_string(s):
    if not re.fullmatch(r"[A-Za-z0-9/._{}-]*", s):
        raise SystemExit("bench_proxy: unexpected characters in %r" % s)
    return '"%s"' % s


def write_lua(path, routes):
    body = ", ".join("{%s, %s}" % (lua_string(p), lua_string(t or ""))
                     for p, t in routes)
    with open(path, "w") as f:
        f.write(WRK_LUA % {"routes": body})


def wrk(wrk_bin, port, script, seconds):
    p = subprocess.run([wrk_bin, "-t%d" % WRK_THREADS, "-c%d" % CONNECTIONS,
                        "-d%ds" % seconds, "--timeout", "10s", "-s", script,
                        "http://127.0.0.1:%d/" % port],
                       capture_output=True, text=True, timeout=seconds + 120)
    m = re.search(r"^RESULT (.*)$", p.stdout, re.M)
    if p.returncode != 0 or m is None:
        raise SystemExit("bench_proxy: wrk failed: %s%s" % (p.stdout,
                                                            p.stderr))
    r = {k: int(v) for k, v in (w.split("=") for w in m.group(1).split())}
    r["rate"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


# ==== the attacker ===========================================================
class Attacker(threading.Thread):
    """Bad bearer tokens from one loopback source address, each with a
    different forged X-Forwarded-For (a random address, or the trusted
    proxy's own); every VALID_EVERY-th request a valid token instead.
    Counts the answers."""

    def __init__(self, port, source, valid):
        threading.Thread.__init__(self, daemon=True)
        self.port, self.source, self.valid = port, source, valid
        self.stopping = threading.Event()
        self.bad = {}        # status -> count, bad-token requests
        self.good = {}       # status -> count, valid-token requests
        self.errors = 0
        self.rnd = random.Random(source)

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                          source_address=(self.source, 0))

    def forged(self):
        if self.rnd.random() < 0.25:
            return "127.0.0.1"
        return "203.0.113.%d, 198.51.100.%d" % (self.rnd.randrange(1, 255),
                                                self.rnd.randrange(1, 255))

    def run(self):
        c = self.connect()
        i = 0
        while not self.stopping.is_set():
            i += 1
            h = {"X-Forwarded-For": self.forged()}
            if i % VALID_EVERY == 0:
                path, tok = self.valid[i // VALID_EVERY % len(self.valid)]
                into = self.good
            else:
                path, tok = ("/api/v1/me", "bad-%016x" %
                             self.rnd.getrandbits(64)) if i % 2 else \
                    ("/feeds/bad%016x.ics" % self.rnd.getrandbits(64), None)
                into = self.bad
            if tok:
                h["Authorization"] = "Bearer " + tok
            try:
                c.request("GET", path, headers=h)
                r = c.getresponse()
                r.read()
                into[r.status] = into.get(r.status, 0) + 1
                if r.will_close:
                    c.close()
                    c = self.connect()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                c.close()
                c = self.connect()
            self.stopping.wait(ATTACK_PAUSE)
        c.close()

    def stop(self):
        self.stopping.set()
        self.join(30)


# ==== nginx ==================================================================
# In front of clubmatch, as docs/operations.md "Behind a reverse proxy".
NGINX_SERVER = """\
    upstream clubmatch {{
        server 127.0.0.1:{upstream};
        keepalive 256;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://clubmatch;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_max_temp_file_size 0;
        }}
    }}"""


def start_nginx(nginx, tmp, upstream):
    port = free_port()
    proc = nginx_lib.start(nginx, tmp, NGINX_SERVER.format(
        upstream=upstream, port=port), min(os.cpu_count() or 2, 8), 4096)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            with open(os.path.join(tmp, "stderr.log"), "rb") as f:
                raise SystemExit("bench_proxy: nginx exited (%s): %s" %
                                 (proc.returncode, f.read().decode()[-800:]))
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                c.close()
                return proc, port
            c.close()
        except OSError:
            pass
        time.sleep(0.05)
    stop_process(proc)
    raise SystemExit("bench_proxy: nginx did not answer on port %d" % port)


# ==== one phase ==============================================================
def phase(name, wrk_bin, port, script, routes):
    att = Attacker(port, ATTACK_SOURCES[name], routes)
    att.start()
    try:
        r = wrk(wrk_bin, port, script, SECONDS)
    finally:
        att.stop()
    r["attacker"] = att
    return r


def bystander(port):
    """The status of one bad token from another client behind nginx,
    after the attacker there is limited: 401 when the proxy's clients are
    told apart by X-Forwarded-For, 429 when they all count as nginx."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(BYSTANDER, 0))
    try:
        c.request("GET", "/api/v1/me",
                  headers={"Authorization": "Bearer mistyped-token"})
        return c.getresponse().status
    finally:
        c.close()


def ms(us):
    return us / 1000.0


def report(name, r):
    a = r["attacker"]
    print("proxy: %-6s %7.0f req/s  p50 %6.2f ms  p99 %7.2f ms  (%d valid-"
          "token requests: %d 2xx, %d 429, %d other; socket errors %d)"
          % (name, r["rate"], ms(r["p50_us"]), ms(r["p99_us"]),
             r["requests"], r["c2xx"], r["c429"], r["cother"],
             r["connect"] + r["read"] + r["write"] + r["timeout"]))
    print("proxy: %-6s attacker %s: bad tokens %s; its valid tokens %s%s"
          % (name, ATTACK_SOURCES[name], statuses(a.bad), statuses(a.good),
             "; %d connection errors" % a.errors if a.errors else ""))


def statuses(d):
    return ", ".join("%d x %d" % (d[k], k) for k in sorted(d)) or "none"


def main():
    nginx, wrk_bin = nginx_lib.find("nginx"), nginx_lib.find("wrk")
    if nginx is None or wrk_bin is None:
        sys.exit("bench_proxy: %s missing: run tools/setup.sh bench"
                 % " and ".join(x for x, p in (("nginx", nginx),
                                               ("wrk", wrk_bin)) if p is None))
    if not os.access(lib.BIN, os.X_OK):
        sys.exit("bench_proxy: build %s first (make)" % lib.BIN)
    ntmp = tempfile.mkdtemp(prefix="clubmatch-bench-proxy-")
    # nginx started as root runs its workers as nobody: let them in.
    os.chmod(ntmp, 0o755)
    s = Server(args=["--trusted-proxy", "127.0.0.1"])
    ng = None
    failed = []
    try:
        s.start()
        routes = populate(s)
        script = os.path.join(ntmp, "valid.lua")
        write_lua(script, routes)
        ng, nport = start_nginx(nginx, ntmp, s.port)
        wrk(wrk_bin, s.port, script, 2)     # warm-up: caches, pages
        direct = phase("direct", wrk_bin, s.port, script, routes)
        proxied = phase("nginx", wrk_bin, nport, script, routes)
        other = bystander(nport)

        print("proxy: wrk -t%d -c%d -d%ds, each request a valid token "
              "(%d routes: /api/v1/me, /api/v1/clubs/{id}/meetings, "
              "/feeds/{token}.ics); serve --trusted-proxy 127.0.0.1; "
              "%d CPUs shared by all"
              % (WRK_THREADS, CONNECTIONS, SECONDS, len(routes),
                 os.cpu_count() or 0))
        report("direct", direct)
        report("nginx", proxied)
        print("proxy: nginx / direct = %.2fx req/s, p99 %.2fx"
              % (proxied["rate"] / direct["rate"] if direct["rate"] else 0,
                 proxied["p99_us"] / direct["p99_us"]
                 if direct["p99_us"] else 0))
        for name, r in (("direct", direct), ("nginx", proxied)):
            a = r["attacker"]
            valid429 = r["c429"] + a.good.get(429, 0)
            print("proxy: %-6s 429 to valid-token requests: %d (must be 0);"
                  " 429 to the attacker's bad tokens: %d (must be > 0)"
                  % (name, valid429, a.bad.get(429, 0)))
            if valid429:
                failed.append("%s: %d valid-token requests got 429"
                              % (name, valid429))
            if not a.bad.get(429):
                failed.append("%s: the attacker's bad tokens never got 429"
                              % name)
            if not a.good:
                failed.append("%s: the attacker sent no valid token" % name)
        print("proxy: nginx  one mistyped token from another client (%s) "
              "after the attack: %d (must be 401: not limited for the "
              "attacker's failures)" % (BYSTANDER, other))
        if other != 401:
            failed.append("a bystander behind nginx got %d, not 401" % other)
    finally:
        if ng is not None:
            stop_process(ng, timeout=20)
        rc = s.stop()
        shutil.rmtree(ntmp, ignore_errors=True)
    if rc != 0:
        failed.append("serve exited with status %s: %s"
                      % (rc, s.logtext()[-800:]))
    shutil.rmtree(s.dir, ignore_errors=True)
    if failed:
        for f in failed:
            print("proxy: FAILED: " + f)
        sys.exit(1)


if __name__ == "__main__":
    main()
