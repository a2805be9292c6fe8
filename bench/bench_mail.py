"""bench_mail.py - SMTP delivery rate into a local aiosmtpd sink.

Three figures from the same run, against the same sink
(tests/integration/smtpsink.py) and the same ~5.7 KB invitation:

  ceiling    a separate process that writes N whole transactions into
             one connection without waiting for replies (pipelined)
             and then counts the 250s: what the sink itself can take
  kept       build/tests/tools/mailsend: mail_send() over one kept
             connection (the outbox worker's case)
  new-conn   mailsend --reconnect: a new transport, so a new connection
             with greeting, EHLO and QUIT, per message

and the ratio kept / new-conn.  Each figure is the median of 3 rounds.
The sink is Python, so it is usually the bottleneck: "kept" close to
"ceiling" means the transport adds little.  Not a pass/fail test.

    make benches && /usr/bin/python3 bench/bench_mail.py [N]
"""
import os
import statistics
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from smtpsink import SmtpSink   # noqa: E402

BUILD = os.environ.get("CLUBMATCH_BUILD") or os.path.join(TOP, "build")
MAILSEND = os.path.join(BUILD, "tests", "tools", "mailsend")
ROUNDS = 3

CEILING = r"""
import socket, sys, threading, time
host, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = open(path, "rb").read()
if not data.endswith(b"\r\n"):
    data += b"\r\n"
data = data.replace(b"\r\n.", b"\r\n..")
txn = (b"MAIL FROM:<clubmatch@clubmatch.test>\r\nRCPT TO:<zoe@example.com>\r\n"
       b"DATA\r\n" + data + b".\r\n")
s = socket.create_connection((host, port))
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO bench\r\n")
while not f.readline().startswith(b"250 "):
    pass
t0 = time.monotonic()
w = threading.Thread(target=lambda: s.sendall(txn * n))
w.start()
done = 0
while done < n:
    line = f.readline()
    if not line:
        sys.exit("connection closed after %d" % done)
    if line.startswith(b"250 2.0.0"):
        done += 1
    elif line[:1] in (b"4", b"5"):
        sys.exit("refused: %r" % line)
dt = time.monotonic() - t0
w.join()
s.sendall(b"QUIT\r\n")
print("%.1f" % (n / dt))
"""


def mailsend_rate(sink, n, *extra):
    p = subprocess.run([MAILSEND, "--smtp", sink.url, "--count", str(n)] +
                       list(extra), capture_output=True, text=True,
                       timeout=600)
    summary = [l for l in p.stdout.splitlines() if l.startswith("summary")]
    if p.returncode != 0 or not summary:
        sys.exit("bench_mail: mailsend failed: %s" % p.stderr[-500:])
    kv = dict(w.split("=") for w in summary[0].split()[1:])
    return float(kv["rate"]), int(kv["connects"])


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    if not os.access(MAILSEND, os.X_OK):
        sys.exit("bench_mail: build %s first (make benches)" % MAILSEND)
    dump = tempfile.mkdtemp(prefix="bench-mail-")
    subprocess.run([MAILSEND, "--maildir", os.path.join(dump, "md"),
                    "--dump", dump], check=True, capture_output=True)
    eml = os.path.join(dump, "0.eml")
    size = os.path.getsize(eml)

    sink = SmtpSink().start()
    ceiling, kept, fresh = [], [], []
    conns_kept = conns_new = 0
    try:
        for _ in range(ROUNDS):
            p = subprocess.run([sys.executable, "-c", CEILING, sink.host,
                                str(sink.port), str(n), eml],
                               capture_output=True, text=True, check=True)
            ceiling.append(float(p.stdout))
            r, conns_kept = mailsend_rate(sink, n)
            kept.append(r)
            r, conns_new = mailsend_rate(sink, n // 2, "--reconnect")
            fresh.append(r)
        received = len(sink.messages)
    finally:
        sink.stop()

    c, k, f = (statistics.median(x) for x in (ceiling, kept, fresh))
    print("message: %d bytes; %d messages per kept round, %d per new-conn "
          "round; median of %d rounds" % (size, n, n // 2, ROUNDS))
    print("sink ceiling (pipelined, 1 conn.):    %8.0f msg/s" % c)
    print("mail_send, 1 kept connection:         %8.0f msg/s  "
          "(%d connection(s) per round, %.0f%% of ceiling)"
          % (k, conns_kept, 100.0 * k / c))
    print("mail_send, new connection each:       %8.0f msg/s  "
          "(%d connections per round)" % (f, conns_new))
    print("ratio kept / new connection:          %8.2fx" % (k / f))
    print("sink received %d messages in all" % received)


if __name__ == "__main__":
    main()
