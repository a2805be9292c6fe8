"""imap_lib.py - a real IMAP server for the tests: Debian's dovecot-imapd,
started with its own config, passwd-file, certificate and Maildir in a
temporary directory, on a free loopback port, never the system's service.

    from imap_lib import Dovecot
    with Dovecot() as d:                # d.url("INBOX") -> imap://127.0.0.1:P/INBOX
        d.append("INBOX", raw_bytes)    # APPEND with Python's imaplib
        d.flags("INBOX")                # {uid: "(\\Seen)"}
    # stopped (SIGTERM, then SIGKILL) and the directory removed

The server speaks plain IMAP with STARTTLS (the certificate is made here
by openssl for 127.0.0.1; d.ca_file is it) and refuses a login before TLS,
as a hosted mailbox would.  One user, d.user / d.password.
"""
import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

from lib import free_port, stop_process

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{tmp}/cert.pem
ssl_key = <{tmp}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = {uid}
first_valid_gid = {gid}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    def __init__(self, user="replies", password="s3cret-Passw0rd"):
        self.user = user
        self.password = password
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="cm-dovecot-")
        os.chmod(self.tmp, 0o755)
        self.ca_file = os.path.join(self.tmp, "cert.pem")
        self.proc = None

    def url(self, mailbox="INBOX", scheme="imap"):
        return "%s://127.0.0.1:%d/%s" % (scheme, self.port, mailbox)

    def start(self, timeout=20):
        me = pwd.getpwuid(os.getuid())
        if os.getuid() == 0:
            # Dovecot drops root for its internal and login processes.
            internal, login = "dovecot", "dovenull"
        else:
            internal = login = me.pw_name
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", os.path.join(self.tmp, "key.pem"),
             "-out", self.ca_file],
            check=True, capture_output=True, timeout=60)
        os.chmod(os.path.join(self.tmp, "key.pem"), 0o600)
        with open(os.path.join(self.tmp, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (self.user, self.password))
        home = os.path.join(self.tmp, "home", self.user)
        os.makedirs(home)
        # Mail is never handled as root (dovecot refuses uid 0): as root,
        # the mailbox belongs to the dovecot user.
        mail_uid, mail_gid = os.getuid(), os.getgid()
        if mail_uid == 0:
            mail_uid = pwd.getpwnam(internal).pw_uid
            mail_gid = pwd.getpwnam(internal).pw_gid
            os.chown(os.path.join(self.tmp, "home"), mail_uid, mail_gid)
            os.chown(home, mail_uid, mail_gid)
        conf = os.path.join(self.tmp, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(CONFIG.format(
                tmp=self.tmp, port=self.port, uid=mail_uid,
                gid=mail_gid, user=internal,
                group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
                login_user=login))
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", conf],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited: %s\n%s" % (
                    self.proc.returncode, self.logtext()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not listen\n" + self.logtext())

    def logtext(self):
        out = ""
        try:
            with open(os.path.join(self.tmp, "dovecot.log")) as f:
                out = f.read()
        except OSError:
            pass
        return out

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
            self.proc.stdout.close()
            self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- a client, for the tests' own checks --------------------------

    def client(self):
        """A logged-in imaplib client (STARTTLS, our certificate)."""
        c = imaplib.IMAP4("127.0.0.1", self.port)
        ctx = ssl.create_default_context(cafile=self.ca_file)
        c.starttls(ctx)
        c.login(self.user, self.password)
        return c

    def append(self, mailbox, raw, flags=""):
        c = self.client()
        try:
            if mailbox.upper() != "INBOX":
                c.create(mailbox)
            typ, data = c.append(mailbox, flags, None, raw)
            if typ != "OK":
                raise RuntimeError("APPEND failed: %r" % data)
        finally:
            c.logout()

    def flags(self, mailbox="INBOX"):
        """{uid: flags text} of every message in mailbox."""
        c = self.client()
        try:
            c.select(mailbox, readonly=True)
            typ, data = c.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for item in data or []:
                if not item:
                    continue
                text = item.decode() if isinstance(item, bytes) else \
                    item[0].decode()
                # "1 (UID 7 FLAGS (\Seen))"
                uid = int(text.split("UID ")[1].split()[0])
                out[uid] = text.split("FLAGS ")[1].rstrip(")") + ")"
            return out
        finally:
            c.logout()
