"""bench_http.py - requests per second of `clubmatch serve` against nginx
serving the same bytes from a static file.

Starts `clubmatch serve` on a free port with a temporary database, saves
its GET /api/v1/zip/60601 answer to a file, starts nginx (Debian
nginx-light) on another free port serving that file at the same path,
and runs `wrk -t2 -c64 -d5s` against each, one after the other.  nginx
gets as many worker processes as clubmatch has HTTP threads (the number
of online CPUs, at most 8: 2 on a 2-core machine), so both use the same
cores.  Prints both rates and the ratio (target: clubmatch >= 1.0x
nginx).  Not a pass/fail test.

    CLUBMATCH_BIN=build/clubmatch /usr/bin/python3 bench/bench_http.py
    BENCH_DURATION=10s BENCH_CONNECTIONS=128 ...
"""
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from lib import free_port, stop_process              # noqa: E402
import nginx_lib                                     # noqa: E402
BIN = os.environ.get("CLUBMATCH_BIN") or os.path.join(TOP, "build",
                                                       "clubmatch")
PATH = "/api/v1/zip/60601"
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "64")
WRK_THREADS = "2"


def server_threads():
    """What clubmatch's config uses: online CPUs, at most 8."""
    n = os.cpu_count() or 2
    return min(n, 8)


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        c.close()


def wait_up(port, proc, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench_http: %s exited with status %s"
                             % (what, proc.returncode))
        try:
            st, _, _ = get(port, PATH)
            if st == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("bench_http: %s did not answer on port %d" % (what, port))


def stop(proc):
    if proc:
        stop_process(proc, timeout=20)


def wrk(wrk_bin, port):
    """Runs wrk; returns (requests/s, wrk's output)."""
    p = subprocess.run([wrk_bin, "-t" + WRK_THREADS, "-c" + CONNECTIONS,
                        "-d" + DURATION, "http://127.0.0.1:%d%s" % (port,
                                                                   PATH)],
                       capture_output=True, text=True, timeout=300)
    m = re.search(r"Requests/sec:\s*([\d.]+)", p.stdout)
    if p.returncode != 0 or m is None:
        raise SystemExit("bench_http: wrk failed: %s%s" % (p.stdout,
                                                           p.stderr))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", p.stdout)
    errs = re.search(r"Socket errors:.*", p.stdout)
    note = ""
    if bad:
        note += " (%s non-2xx answers!)" % bad.group(1)
    if errs:
        note += " (%s)" % errs.group(0)
    return float(m.group(1)), note


# The file server, at the same path as the API's answer.
NGINX_SERVER = """\
    server {{
        listen 127.0.0.1:{port};
        location = {path} {{
            default_type application/json;
            alias {dir}/zip.json;
        }}
    }}"""


def main():
    nginx = nginx_lib.find("nginx")
    wrk_bin = nginx_lib.find("wrk")
    if nginx is None or wrk_bin is None:
        sys.exit("bench_http: %s missing; run tools/setup.sh bench"
                 % " and ".join(x for x, p in (("nginx", nginx),
                                               ("wrk", wrk_bin)) if p is None))
    if not os.access(BIN, os.X_OK):
        sys.exit("bench_http: no binary at %s (run make)" % BIN)
    tmp = tempfile.mkdtemp(prefix="clubmatch-bench-http-")
    # nginx started as root runs its workers as nobody: let them read.
    os.chmod(tmp, 0o755)
    cm = ng = None
    try:
        workers = server_threads()
        port = free_port()
        with open(os.path.join(tmp, "admin.token"), "w") as f:
            f.write("bench-admin-token-0123456789abcdef\n")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLUBMATCH_")}
        cm = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:%d" % port,
             "--db", os.path.join(tmp, "clubmatch.db"),
             "--maildir", os.path.join(tmp, "mail"),
             "--admin-token-file", os.path.join(tmp, "admin.token")],
            cwd=tmp, env=env, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "serve.log"), "wb"))
        wait_up(port, cm, "clubmatch serve")
        st, ctype, body = get(port, PATH)
        with open(os.path.join(tmp, "zip.json"), "wb") as f:
            f.write(body)
        os.chmod(os.path.join(tmp, "zip.json"), 0o644)
        cm_rate, cm_note = wrk(wrk_bin, port)
        stop(cm)
        cm = None

        nport = free_port()
        ng = nginx_lib.start(nginx, tmp, NGINX_SERVER.format(
            port=nport, path=PATH, dir=tmp), workers)
        wait_up(nport, ng, "nginx")
        st, nctype, nbody = get(nport, PATH)
        if nbody != body:
            raise SystemExit("bench_http: nginx serves different bytes")
        ng_rate, ng_note = wrk(wrk_bin, nport)
        stop(ng)
        ng = None

        print("http: GET %s, wrk -t%s -c%s -d%s, %d server threads / nginx "
              "workers on %d CPUs (wrk shares them)"
              % (PATH, WRK_THREADS, CONNECTIONS, DURATION, workers,
                 os.cpu_count() or 0))
        print("http: clubmatch %.0f req/s%s" % (cm_rate, cm_note))
        print("http: nginx     %.0f req/s%s (static file, same %d bytes)"
              % (ng_rate, ng_note, len(body)))
        print("http: clubmatch / nginx = %.2fx (target >= 1.0x)"
              % (cm_rate / ng_rate if ng_rate else 0))
    finally:
        stop(cm)
        stop(ng)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
