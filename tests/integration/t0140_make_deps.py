"""t0140_make_deps.py - `make` on a machine without the libraries (README, "The
two commands"): before compiling anything it names the missing packages and
says that `make setup` installs them, and `make setup` still works.

A machine without a library is played by pkg-config: PKG_CONFIG_LIBDIR
points at a copy of this machine's .pc files without some of them.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *                        # noqa: E402,F401,F403

PC_DIRS = ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig",
           "/usr/share/pkgconfig"]


def make(args, env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    e.update(env)
    p = subprocess.run(["make", "--no-print-directory", "-C", TOP] + args,
                       capture_output=True, text=True, env=e, timeout=600)
    return p.returncode, p.stdout, p.stderr


def pc_dir(d, without):
    """A pkg-config directory with every .pc file but those named."""
    os.makedirs(d)
    for src in PC_DIRS:
        for f in glob.glob(os.path.join(src, "*.pc")):
            if os.path.basename(f)[:-3] not in without:
                shutil.copy(f, d)
    return d


def compiled(b):
    return [f for f in glob.glob(os.path.join(b, "**", "*.o"),
                                 recursive=True)]


def main():
    with tempfile.TemporaryDirectory() as d:
        b = os.path.join(d, "build")
        pcs = pc_dir(os.path.join(d, "pc1"), {"jansson"})
        rc, out, err = make(["B=" + b, "all"], {"PKG_CONFIG_LIBDIR": pcs})
        check(rc != 0 and "jansson" in err and "libjansson-dev" in err and
              "make setup" in err,
              "make without jansson: stops, names it (and its Debian "
              "package) and says 'make setup' installs it", err[-800:])
        check("jansson.h" not in err and not compiled(b),
              "and compiles nothing first (no compiler error)",
              compiled(b)[:3])
        check("libsqlite3-dev" not in err and "libical-dev" not in err,
              "the packages that are there are not named", err[-400:])

        empty = os.path.join(d, "pc0")
        os.makedirs(empty)
        rc, out, err = make(["B=" + b, "all"], {"PKG_CONFIG_LIBDIR": empty})
        want = ["libmicrohttpd-dev", "libjansson-dev", "libsqlite3-dev",
                "libical-dev", "libcurl4-openssl-dev", "libssl-dev"]
        missing = [w for w in want if w not in err]
        check(rc != 0 and not missing and not compiled(b),
              "make with no library at all names every missing package",
              "missing %r\n%s" % (missing, err[-800:]))

        rc, out, err = make(["setup"], {"PKG_CONFIG_LIBDIR": empty})
        check(rc == 0, "make setup still runs (and finds nothing to "
              "install here)", out + err)
    done()


if __name__ == "__main__":
    main()
