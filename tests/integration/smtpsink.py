"""smtpsink.py - a real SMTP server for tests (Debian's aiosmtpd), on a
free port of 127.0.0.1, that records every message it accepts and can be
told to misbehave.

    from smtpsink import SmtpSink
    sink = SmtpSink()            # or SmtpSink(auth=("user", "secret"))
    sink.start()
    ... deliver to sink.url (smtp://127.0.0.1:PORT) ...
    sink.wait_for(3)             # until 3 messages are in, or a timeout
    m = sink.messages[0]         # .mail_from, .rcpt_tos, .data (bytes),
                                 # .conn (which connection), .time,
                                 # .tls (came encrypted)
    sink.connections             # SMTP sessions that said EHLO/HELO
    sink.set_mode("tempfail", n=3)            # 451 to RCPT, next 3 messages
    sink.set_mode("permfail", n=1, at="data") # 554 after the data
    sink.set_mode("hang", n=1)   # take the data, then never answer
    sink.set_mode("accept")      # back to normal (also frees hung sessions)
    sink.down(); sink.up()       # stop / start listening on the same port
    sink.stop()

TLS (tls=None: plain SMTP, STARTTLS not offered):
    sink = SmtpSink(tls="starttls", cert=(CERT_PEM, KEY_PEM))
    sink = SmtpSink(tls="smtps", cert=(CERT_PEM, KEY_PEM))   # implicit TLS
    sink.url                     # smtp:// or smtps://localhost:PORT
    sink.ehlo_names              # the EHLO/HELO argument of each greeting
    sink.auth_commands           # one bool per AUTH command received:
                                 # was the session encrypted then

Modes, each for the next n transactions (n=None: until changed):
  "accept"    take everything (the default)
  "tempfail"  451 4.3.0 at RCPT (at="rcpt", default) or after DATA
  "permfail"  550 5.1.1 at RCPT, or 554 5.6.0 after DATA
  "hang"      stop answering: after the data (at="data", default), or at
              RCPT; the session stays open and silent until set_mode()
              changes the mode, down() or stop()

A refused or hung transaction is not recorded in messages; it counts in
`refused`.  Everything here is thread-safe: the server runs in its own
thread (aiosmtpd.controller.Controller) and the test thread reads the
lists under a lock.
"""
import asyncio
import logging
import socket
import threading
import time
import warnings

import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

# AUTH without TLS is what a loopback test wants; aiosmtpd warns about it
# on every session, and its deprecation notes are not ours to fix.
warnings.filterwarnings("ignore", module="aiosmtpd")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkMessage:
    def __init__(self, mail_from, rcpt_tos, data, conn):
        self.mail_from = mail_from      # envelope sender (str)
        self.rcpt_tos = list(rcpt_tos)  # envelope recipients (list of str)
        self.data = data                # the message bytes as received
        self.conn = conn                # number of the connection (1, 2...)
        self.tls = False                # came over TLS (STARTTLS or SMTPS)
        self.time = time.time()

    def __repr__(self):
        return "SinkMessage(%r -> %r, %d bytes, conn %d)" % (
            self.mail_from, self.rcpt_tos, len(self.data), self.conn)


class _Handler:
    """aiosmtpd handler hooks; all state lives in the SmtpSink."""

    def __init__(self, sink):
        self.sink = sink

    def _session_conn(self, session):
        conn = getattr(session, "sink_conn", None)
        if conn is None:
            with self.sink._lock:
                self.sink.connections += 1
                conn = self.sink.connections
            session.sink_conn = conn
        return conn

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        self._session_conn(session)
        session.host_name = hostname
        with self.sink._lock:
            self.sink.ehlo_names.append(hostname)
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self._session_conn(session)
        session.host_name = hostname
        with self.sink._lock:
            self.sink.ehlo_names.append(hostname)
        return "250 %s" % server.hostname

    async def _misbehave(self, stage):
        """What to answer at `stage` ("rcpt" or "data"), or None."""
        sink = self.sink
        with sink._lock:
            mode, at = sink._mode, sink._at
            if mode == "accept" or at != stage:
                return None
            if sink._left is not None:
                if sink._left <= 0:
                    return None
                sink._left -= 1
            sink.refused += 1
            gen = sink._generation
        if mode == "tempfail":
            return "451 4.3.0 try again later (smtpsink)"
        if mode == "permfail":
            if stage == "rcpt":
                return "550 5.1.1 no such user here (smtpsink)"
            return "554 5.6.0 message refused (smtpsink)"
        # hang: wait, silently, until the mode changes or the sink stops
        while True:
            await asyncio.sleep(0.05)
            with sink._lock:
                if sink._generation != gen:
                    break
        return "451 4.3.0 released from hang (smtpsink)"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        answer = await self._misbehave("rcpt")
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = await self._misbehave("data")
        if answer is not None:
            return answer
        conn = self._session_conn(session)
        msg = SinkMessage(envelope.mail_from, envelope.rcpt_tos,
                          envelope.original_content, conn)
        msg.tls = (self.sink.tls == "smtps" or
                   getattr(session, "ssl", None) is not None)
        with self.sink._lock:
            self.sink.messages.append(msg)
        return "250 2.0.0 OK queued as %d" % len(self.sink.messages)


class _RecordingSMTP(SMTP):
    """aiosmtpd's SMTP that notes every AUTH command before it acts on
    it, refused ones included: a test can then say none was sent."""

    def __init__(self, sink, *args, **kw):
        super().__init__(*args, **kw)
        self._sink = sink

    async def smtp_AUTH(self, arg):
        encrypted = (self._sink.tls == "smtps" or
                     self._tls_protocol is not None)
        with self._sink._lock:
            self._sink.auth_commands.append(encrypted)
        return await super().smtp_AUTH(arg)


class _Controller(Controller):
    def __init__(self, sink, *args, **kw):
        super().__init__(*args, **kw)
        self._sink = sink

    def factory(self):
        return _RecordingSMTP(self._sink, self.handler, **self.SMTP_kwargs)


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=None, auth=None, tls=None,
                 cert=None):
        self.host = host
        self.port = port or _free_port()
        self.auth = auth                # (user, password) or None
        if tls not in (None, "starttls", "smtps"):
            raise ValueError("tls must be None, 'starttls' or 'smtps'")
        if tls is not None and cert is None:
            raise ValueError("tls needs cert=(CERT_PEM, KEY_PEM)")
        self.tls = tls
        self.cert = cert
        self.ehlo_names = []
        self.auth_commands = []
        self.messages = []
        self.connections = 0
        self.refused = 0
        self.auth_attempts = []         # (user, ok) per AUTH
        self._lock = threading.Lock()
        self._mode = "accept"
        self._at = "rcpt"
        self._left = None
        self._generation = 0
        self._controller = None
        self._handler = _Handler(self)

    @property
    def url(self):
        if self.tls is None:
            return "smtp://%s:%d" % (self.host, self.port)
        # A name the certificate holds (it names localhost too).
        return "%s://localhost:%d" % (
            "smtps" if self.tls == "smtps" else "smtp", self.port)

    def _tls_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.cert)
        return ctx

    def _authenticate(self, server, session, envelope, mechanism, data):
        user = data.login.decode("utf-8", "replace")
        ok = (user, data.password.decode("utf-8", "replace")) == \
            tuple(self.auth)
        with self._lock:
            self.auth_attempts.append((user, ok))
        return AuthResult(success=ok)

    def start(self):
        """Starts listening on self.port; returns self."""
        kw = {}
        if self.auth is not None:
            kw = dict(authenticator=self._authenticate, auth_required=True,
                      auth_require_tls=False)
        if self.tls == "starttls":
            kw["tls_context"] = self._tls_context()
        elif self.tls == "smtps":
            kw["ssl_context"] = self._tls_context()
        deadline = time.time() + 10
        while True:
            try:
                self._controller = _Controller(
                    self, self._handler, hostname=self.host, port=self.port,
                    server_hostname="smtpsink.test", **kw)
                self._controller.start()
                return self
            except OSError:
                # The port of a sink that just went down may linger.
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self):
        """Stops listening and closes every session."""
        self._release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def down(self):
        """As stop(), keeping what was recorded: connects are refused."""
        self.stop()

    def up(self):
        """Listens again on the same port."""
        return self.start()

    def _release(self):
        with self._lock:
            self._generation += 1

    def set_mode(self, mode, n=None, at=None):
        if mode not in ("accept", "tempfail", "permfail", "hang"):
            raise ValueError("unknown mode %r" % mode)
        if at is None:
            at = "data" if mode == "hang" else "rcpt"
        if at not in ("rcpt", "data"):
            raise ValueError("at must be 'rcpt' or 'data'")
        with self._lock:
            self._mode, self._at, self._left = mode, at, n
            self._generation += 1     # frees sessions hung so far

    def clear(self):
        with self._lock:
            self.messages = []
            self.connections = 0
            self.refused = 0
            self.auth_attempts = []
            self.ehlo_names = []
            self.auth_commands = []

    def wait_for(self, count, timeout=20.0):
        """Waits until `count` messages are recorded; returns the list."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self._lock:
            return list(self.messages)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    # A sink to point a running clubmatch at: prints each message.
    import sys
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 2525
    sink = SmtpSink(port=port).start()
    print("listening on", sink.url)
    seen = 0
    try:
        while True:
            msgs = sink.wait_for(seen + 1, timeout=1)
            for m in msgs[seen:]:
                print(m)
            seen = len(msgs)
    except KeyboardInterrupt:
        sink.stop()
