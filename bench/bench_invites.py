"""bench_invites.py - how fast invitations leave the service, end to end:
the real `clubmatch serve`, its outbox worker and a local aiosmtpd sink
(tests/integration/smtpsink.py).

  day       the organizer's day (tests/integration/t0450_organizer_day.py)
            at full size: 60 clubs with weekly meetings, then 5,000
            members imported by `clubmatch import members` while serve
            runs; timed from the start of the import to the moment the
            sink accepted the last invitation.  Goal: < 10 s.
  rate      one club, 5,000 remote members imported first (no meeting, so
            nothing queued), then POST one meeting: invitations per
            second from the POST to the 5,000th message accepted.
  ceiling   the sink's own ceiling in the same run: a separate process
            writes N whole transactions of the same invitation into one
            connection without waiting for replies (pipelined, as
            bench/bench_mail.py does) and counts the 250s.
  ratio     rate / ceiling.  Target: >= 0.5.

Each figure is the median of ROUNDS rounds (default 3).  Not a pass/fail
test; the exit status is 0 unless something broke.

    make && make units
    /usr/bin/python3 bench/bench_invites.py [--rounds N] [--members N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import lib                                           # noqa: E402
from invite_lib import (Sink, mail_server, new_club, new_meeting,  # noqa: E402
                        all_items, zip_table, far_zips)
from t0450_organizer_day import organizer_day        # noqa: E402
# The sink's ceiling: the pipelined raw client of bench_mail.
from bench_mail import CEILING                       # noqa: E402



def day_round(table, n):
    sink = Sink().start()
    s = mail_server(sink).start()
    try:
        r = organizer_day(s, sink, n, table)
        if r["rc"] != 0:
            sys.exit("bench_invites: import failed: %s" % r["err"][-500:])
        got = len(sink.snapshot())
        if got < len(r["remote"]):
            sys.exit("bench_invites: only %d of %d invitations arrived"
                     % (got, len(r["remote"])))
        # Every mail of the day (docs/outreach.md): welcomes, invitations
        # and one digest per club, until nothing is left to send.
        lib.wait_for(lambda: not all_items(s, "/api/v1/outbox?status=pending")
                     and not all_items(s, "/api/v1/outbox?status=sending"),
                     timeout=300)
        every = sink.everything()
        t_all = max((m.time for m in every), default=r["t0"]) - r["t0"]
        return r["t_last"], r["t_import"], len(r["remote"]), len(every), t_all
    finally:
        s.stop()
        sink.stop()


def proc_cpu(pid):
    """CPU seconds (user + system) used so far by process pid."""
    with open("/proc/%d/stat" % pid) as f:
        w = f.read().rsplit(")", 1)[1].split()
    return (int(w[11]) + int(w[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu():
    t = os.times()
    return t.user + t.system


def rate_round(table, n):
    sink = Sink().start()
    s = mail_server(sink).start()
    try:
        club = new_club(s, "Bench Club", "60601")
        zips = far_zips(table, ["60601"], n, seed=11)
        path = os.path.join(s.dir, "members.csv")
        with open(path, "w") as f:
            f.write("name,email,zip\n")
            for i, z in enumerate(zips):
                f.write("Bench Member %d,bench%05d@rate.test,%s\n" % (i, i, z))
        rc, out, err = s.cli(["import", "members", path], timeout=600)
        if rc != 0:
            sys.exit("bench_invites: import failed: %s" % err[-500:])
        remote = len(all_items(s, "/api/v1/members?mode=remote"))
        if remote != n:
            sys.exit("bench_invites: %d of %d members remote" % (remote, n))
        time.sleep(0.5)
        if sink.snapshot():
            sys.exit("bench_invites: mail before the meeting existed")
        cpu_srv0, cpu_me0 = proc_cpu(s.proc.pid), own_cpu()
        t0 = time.time()
        new_meeting(s, club["id"], "Bench weekly")
        msgs = sink.wait_for(n, timeout=600)
        if len(msgs) < n:
            sys.exit("bench_invites: only %d of %d arrived" % (len(msgs), n))
        dt = msgs[n - 1].time - t0
        busy = ((proc_cpu(s.proc.pid) - cpu_srv0) / dt,
                (own_cpu() - cpu_me0) / dt)
        sample = msgs[n // 2].data
        # The sink's ceiling for the same message, same sink, same run.
        with tempfile.NamedTemporaryFile(suffix=".eml", delete=False) as f:
            f.write(sample)
            eml = f.name
        try:
            p = subprocess.run([sys.executable, "-c", CEILING, sink.host,
                                str(sink.port), str(n), eml],
                               capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                sys.exit("bench_invites: ceiling client: %s" % p.stderr)
            ceiling = float(p.stdout)
        finally:
            os.unlink(eml)
        return n / dt, ceiling, len(sample), busy
    finally:
        s.stop()
        sink.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--members", type=int, default=5000)
    a = ap.parse_args()
    if not os.access(lib.BIN, os.X_OK):
        sys.exit("bench_invites: build %s first (make)" % lib.BIN)
    table = zip_table()
    days, imports, rates, ceilings, busys = [], [], [], [], []
    alls, totals = [], []
    size = count = 0
    for i in range(a.rounds):
        t_last, t_import, count, total, t_all = day_round(table, a.members)
        days.append(t_last)
        alls.append(t_all)
        totals.append(total)
        imports.append(t_import)
        r, c, size, busy = rate_round(table, a.members)
        busys.append(busy)
        rates.append(r)
        ceilings.append(c)
        print("# round %d: day %.2f s (import %.2f s, %d invitations); "
              "rate %.0f msg/s, ceiling %.0f msg/s; CPU during the rate "
              "run: server %.0f%%, sink %.0f%% of a core" % (
                  i + 1, t_last, t_import, count, r, c, 100 * busy[0],
                  100 * busy[1]))
        sys.stdout.flush()
    d, im = statistics.median(days), statistics.median(imports)
    r, c = statistics.median(rates), statistics.median(ceilings)
    print("binary: %s; median of %d rounds" % (lib.BIN, a.rounds))
    print("organizer's day: %d members, %d remote invitations: import "
          "%.2f s, last invitation accepted %.2f s after the import began "
          "(goal < 10 s: %s)" % (a.members, count, im, d,
                                 "met" if d < 10 else "MISSED"))
    ta, tt = statistics.median(alls), statistics.median(totals)
    print("organizer's day, every mail (welcomes, invitations, secretary "
          "digests): %d messages, the last accepted %.2f s after the import "
          "began (goal < 5 s: %s); %.0f msg/s = %.2f of the sink's ceiling "
          "(goal >= 0.8: %s)" % (tt, ta, "met" if ta < 5 else "MISSED",
                                 tt / ta if ta else 0,
                                 (tt / ta) / c if ta and c else 0,
                                 "met" if ta and c and (tt / ta) / c >= 0.8
                                 else "MISSED"))
    print("invitation rate (one meeting, %d remote members, %d-byte "
          "message):  %8.0f msg/s" % (a.members, size, r))
    print("sink ceiling (pipelined, 1 connection, same message): "
          "       %8.0f msg/s" % c)
    print("CPU during the rate run (median): server %.0f%%, sink %.0f%% of "
          "one core (%d cores)" % (
              100 * statistics.median(b[0] for b in busys),
              100 * statistics.median(b[1] for b in busys),
              os.cpu_count() or 0))
    print("ratio rate / ceiling: %.2f (target >= 0.5: %s)"
          % (r / c, "met" if r / c >= 0.5 else "MISSED"))


main()
