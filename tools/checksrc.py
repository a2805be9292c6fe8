#!/usr/bin/python3
"""checksrc.py - a source checker for clubmatch's C code.

This is in the spirit of curl's scripts/checksrc.pl.  It checks every *.c and
*.h file under common/, geo/, ics/, scheduler/ (recursively), tests/unit/,
tests/tools/, tests/fuzz/ and bench/, or only the files named on the command
line.

Errors (any of them makes the run exit with status 1):

  * Banned calls.  curl bans these because they cause buffer overflows or
    conversions that are never checked:
      strcpy, strcat, sprintf, vsprintf  - no bound on the destination
      gets                               - no bound at all
      strtok                             - hidden static state (strtok_r is fine)
      atoi, atol, atoll, atof            - errors and overflow go unnoticed
      strtod/strtol/strtoll/strtoul/strtoull with a NULL end pointer
                                         - the same unchecked conversion
    A call is an identifier followed by "(".  Comments and string and
    character literals are blanked out first, so a name mentioned in a
    comment or a string does not count.
  * getenv() outside the config module.  It is allowed only in files named
    config.c, and in tests/ and bench/, which hold test drivers.
  * Trailing white space (spaces or tabs at the end of a line).
  * Includes across the layers (docs/architecture.md): a library's header
    only in the wing that owns it (<sqlite3.h> in scheduler/store/,
    <jansson.h> and <microhttpd.h> in scheduler/http/, <curl/curl.h> and
    <gmime/gmime.h> in scheduler/mail/), and no "store.h" in scheduler/http/: handlers go
    through the domain.  The include paths of the Makefile already stop
    the other wrong-way includes at compile time.

A line that holds "/* checksrc: allow NAME */", or that follows such a line,
may call NAME.  Keep these for the rare case that is justified and say why
next to it.  The run prints how many allowances it used.

Informational only (never fails): the ten longest function definitions in
the .c files.  The style this expects is the return type on its own line,
then "name(" at column 0, then the body from a "{" at column 0 to the
matching "}" at column 0.  The length counts from the "name(" line to the
closing "}", both included.

The last line is "checksrc: N files, M errors".
"""

import argparse
import bisect
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIRS = ("common", "geo", "ics", "scheduler",
               "tests/unit", "tests/tools", "tests/fuzz", "bench")
SOURCE_EXTS = (".c", ".h")
# Folders where getenv() is fine besides config.c: test drivers.
GETENV_DIRS = ("tests/", "bench/")
REPORT_TOP = 10

# Banned function -> hint printed with the finding.
BANNED = {
    "strcpy": "use snprintf",
    "strcat": "use snprintf or a struct buf",
    "sprintf": "use snprintf",
    "vsprintf": "use vsnprintf",
    "gets": "use fgets",
    "strtok": "use strtok_r",
    "atoi": "use strtol with an end pointer",
    "atol": "use strtol with an end pointer",
    "atoll": "use strtoll with an end pointer",
    "atof": "use strtod with an end pointer",
}
# Conversions whose second argument is the end pointer; NULL there is banned.
CONVERSIONS = ("strtod", "strtol", "strtoll", "strtoul", "strtoull")
NULL_POINTERS = ("NULL", "0", "(char**)NULL", "(char**)0", "nullptr")

CALL_RE = re.compile(r"(?<![A-Za-z0-9_])(%s)\s*\("
                     % "|".join(list(BANNED) + list(CONVERSIONS) + ["getenv"]))
ALLOW_RE = re.compile(r"/\*\s*checksrc:\s*allow\s+([A-Za-z_][A-Za-z0-9_]*)"
                      r"\s*\*/")
TRAILING_RE = re.compile(r"[ \t]+$")
# Comments and literals, to be blanked out (newlines are kept).
LEXEME_RE = re.compile(r"""
      /\*.*?(?:\*/|\Z)          # block comment (possibly unterminated)
    | //(?:\\\n|[^\n])*         # line comment, with \-newline continuation
    | "(?:\\.|[^"\\\n])*"       # string literal
    | '(?:\\.|[^'\\\n])*'       # character literal
""", re.S | re.X)
FUNC_NAME_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


class Finding:
    """One problem: where it is, what it is, and which allow-name covers it."""

    def __init__(self, line, message, name=None):
        self.line = line
        self.message = message
        self.name = name  # None: cannot be allowed


# ---- finding the files -------------------------------------------------

def is_source(path):
    return path.endswith(SOURCE_EXTS)


def git_files():
    """Tracked and untracked-not-ignored files, or None outside git."""
    cmd = ["git", "ls-files", "--cached", "--others", "--exclude-standard",
           "-z", "--"] + list(SOURCE_DIRS)
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    names = out.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n]


def walk_files():
    """Every source file under SOURCE_DIRS, for a tree without git."""
    found = []
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames
                           if not d.startswith(".") and d != "node_modules"]
            rel = os.path.relpath(dirpath, ROOT)
            found.extend(os.path.join(rel, f) for f in filenames)
    return found


def default_files():
    names = git_files()
    if names is None:
        names = walk_files()
    # The index may still list files that were moved or deleted.
    full = [os.path.join(ROOT, n) for n in sorted(set(names)) if is_source(n)]
    return [os.path.relpath(f) for f in full if os.path.isfile(f)]


# ---- lexing --------------------------------------------------------------

def blank(text):
    """The text with everything but newlines turned into spaces."""
    return re.sub(r"[^\n]", " ", text)


def strip_code(text):
    """Comments and literal contents blanked out; line numbers unchanged."""
    def repl(m):
        s = m.group(0)
        if s[0] in "\"'":
            return s[0] + blank(s[1:-1]) + s[-1]
        return blank(s)
    return LEXEME_RE.sub(repl, text)


def call_arguments(code, start):
    """Top-level arguments of the call whose "(" is at code[start]."""
    args, depth, begin = [], 0, start + 1
    for i in range(start, len(code)):
        c = code[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append(code[begin:i])
                return args
        elif c == "," and depth == 1:
            args.append(code[begin:i])
            begin = i + 1
    return args  # unbalanced: whatever was found


# ---- the checks ----------------------------------------------------------

def getenv_allowed(path):
    rel = relative(path)
    return (os.path.basename(rel) == "config.c"
            or rel.startswith(GETENV_DIRS))


def check_calls(path, code, line_of):
    findings = []
    for m in CALL_RE.finditer(code):
        name, line = m.group(1), line_of(m.start())
        if name in BANNED:
            findings.append(Finding(line, "banned: %s() (%s)"
                                    % (name, BANNED[name]), name))
        elif name == "getenv":
            if not getenv_allowed(path):
                findings.append(Finding(line, "getenv() outside the config "
                                        "module", name))
        else:
            args = call_arguments(code, m.end() - 1)
            endptr = re.sub(r"\s+", "", args[1]) if len(args) > 1 else ""
            if endptr in NULL_POINTERS:
                findings.append(Finding(line, "banned: %s() with a NULL end "
                                        "pointer (pass &end and check it)"
                                        % name, name))
    return findings


# Header -> the folders (prefixes of the path) that may include it.
INCLUDE_OWNERS = {
    # The store's own test builds old schema versions by hand.
    "<sqlite3.h>": ("scheduler/store/", "tests/unit/test_store.c"),
    # The API's fuzz target calls the handlers without a server.
    "<jansson.h>": ("scheduler/http/", "tests/fuzz/fuzz_api.c"),
    "<microhttpd.h>": ("scheduler/http/", "tests/fuzz/fuzz_api.c"),
    "<curl/curl.h>": ("scheduler/mail/",),
    "<gmime/gmime.h>": ("scheduler/mail/",),
}
# Folder -> headers its files must not include.
INCLUDE_BANS = {
    "scheduler/http/": ('"store.h"',),
}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+([<"][^>"]+[>"])', re.M)


def check_includes(path, text, line_of):
    rel = relative(path)
    findings = []
    for m in INCLUDE_RE.finditer(text):
        header, line = m.group(1), line_of(m.start(1))
        owners = INCLUDE_OWNERS.get(header)
        if owners and not rel.startswith(owners):
            findings.append(Finding(line, "%s is included only in %s"
                                    % (header, ", ".join(owners))))
        for folder, banned in INCLUDE_BANS.items():
            if rel.startswith(folder) and header in banned:
                findings.append(Finding(line, "%s must not include %s "
                                        "(go through the domain)"
                                        % (folder, header)))
    return findings


def check_trailing(lines):
    return [Finding(n, "trailing white space")
            for n, text in enumerate(lines, 1) if TRAILING_RE.search(text)]


def allowed_names(lines):
    """Line number -> names that line may use (its own or the line above)."""
    allowed = {}
    for n, text in enumerate(lines, 1):
        for name in ALLOW_RE.findall(text):
            allowed.setdefault(n, set()).add(name)
            allowed.setdefault(n + 1, set()).add(name)
    return allowed


def function_lengths(path, code_lines):
    """(length, path, line, name) for each column-0 function definition."""
    funcs, cand, start = [], None, None
    for n, text in enumerate(code_lines, 1):
        if start is not None:  # inside a body
            if text.startswith("}"):
                funcs.append((n - start[0] + 1, path, start[0], start[1]))
                start = None
            continue
        m = FUNC_NAME_RE.match(text)
        if m:
            cand = (n, m.group(1))
        if cand and text.startswith("{"):
            start, cand = cand, None
        elif cand and (";" in text or "=" in text or text.startswith("}")):
            cand = None  # a prototype, a macro call or an initializer
    return funcs


# ---- per file and overall -------------------------------------------------

def relative(path):
    full = os.path.abspath(path)
    if full.startswith(ROOT + os.sep):
        return os.path.relpath(full, ROOT)
    return path


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1")  # never fails, keeps offsets


def check_file(path):
    """(errors, allowances used, functions) for one file; prints errors."""
    try:
        text = read_text(path)
    except OSError as e:
        print("%s: cannot read: %s" % (path, e.strerror))
        return 1, 0, []
    lines = text.split("\n")
    code = strip_code(text)
    starts = [0] + [i + 1 for i, c in enumerate(code) if c == "\n"]

    def line_of(offset):
        return bisect.bisect_right(starts, offset)

    findings = (check_calls(path, code, line_of) + check_trailing(lines)
                + check_includes(path, text, line_of))
    allowed = allowed_names(lines)
    errors = used = 0
    for f in sorted(findings, key=lambda f: f.line):
        if f.name and f.name in allowed.get(f.line, ()):
            used += 1
            continue
        print("%s:%d: %s" % (path, f.line, f.message))
        errors += 1
    funcs = function_lengths(path, code.split("\n")) \
        if path.endswith(".c") else []
    return errors, used, funcs


def print_report(funcs):
    if not funcs:
        return
    print("checksrc: longest functions (top %d):" % REPORT_TOP)
    funcs.sort(key=lambda f: (-f[0], f[1], f[2]))
    for length, path, line, name in funcs[:REPORT_TOP]:
        print("%5d lines  %s:%d %s()" % (length, path, line, name))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="checksrc.py",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="check only these files (default: the whole "
                             "source tree, found with git ls-files)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    files = args.files or default_files()
    errors = used = 0
    funcs = []
    for path in files:
        e, u, fl = check_file(path)
        errors, used, funcs = errors + e, used + u, funcs + fl
    print_report(funcs)
    print("checksrc: %d allowance%s used" % (used, "" if used == 1 else "s"))
    print("checksrc: %d files, %d errors" % (len(files), errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
