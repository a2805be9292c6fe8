"""ca_lib.py - a private CA for the TLS tests, made with the `openssl`
command: a CA certificate and a server certificate it signed for
localhost and 127.0.0.1 (smtpsink.py serves it; clubmatch trusts the CA
with --smtp-ca-file).

    ca_pem, (cert_pem, key_pem) = make_ca(tempfile.mkdtemp())
"""
import os
import subprocess


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   capture_output=True)


def make_ca(d):
    """A private CA and a localhost certificate it signed, in d."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=clubmatch test CA", "-keyout", "ca.key",
            "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
            "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "ext.cnf", "-out", "server.pem", cwd=d)
    return (os.path.join(d, "ca.pem"),
            (os.path.join(d, "server.pem"), os.path.join(d, "server.key")))
