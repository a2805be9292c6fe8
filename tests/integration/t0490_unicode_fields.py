"""t0490_unicode_fields.py - single-line fields refuse what would reorder,
hide or break what they show (CONTRACT §9): line and paragraph separators
(U+2028, U+2029, U+0085), bidirectional overrides (U+202A..U+202E,
U+2066..U+2069) and zero-width characters (U+200B..U+200D, U+FEFF), with
422 naming the field, and nothing changes.  Their neighbours (U+200A,
U+202F, U+2070) and ordinary non-Latin text are taken.  U+0085 in a
description is refused with a message that says it is a control
character (it used to speak of the length).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, eq, done, Server                    # noqa: E402
from meetlib import mk_club, mk_meeting, meeting_body      # noqa: E402

REFUSED = ["\u2028", "\u2029", "\u0085", "\u202a", "\u202b", "\u202c",
           "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
           "\u200b", "\u200c", "\u200d", "\ufeff"]
TAKEN = ["\u200a", "\u202f", "\u2070", "\u00e9", "\u674e", "\U0001f389"]


def field_of(body):
    try:
        return body["error"]["field"]
    except (TypeError, KeyError):
        return None


def main():
    with Server() as s:
        club = mk_club(s, "Unicode Club", "60601")
        meeting = mk_meeting(s, club["id"])
        cpath = "/api/v1/clubs/%d" % club["id"]
        mpath = "/api/v1/meetings/%d" % meeting["id"]
        n = 0
        for ch in REFUSED + TAKEN:
            refused = ch in REFUSED
            want = 422 if refused else None
            name = "U+%04X" % ord(ch)
            what = "refuses" if refused else "takes"
            n += 1
            st, body = s.call("POST", "/api/v1/members", {
                "name": "Eve" + ch + "Evil", "email": "e%d@example.org" % n,
                "zip": "60602"})
            if refused:
                eq((st, field_of(body)), (422, "name"),
                   "member name %s %s" % (what, name))
            else:
                eq(st, 201, "member name %s %s" % (what, name))
            st, body = s.call("POST", "/api/v1/clubs", {
                "name": "Club" + ch + "X", "zip": "60601",
                "secretary_email": "s@example.org"})
            check((st, field_of(body)) == (want, "name") if refused
                  else st == 201, "club name %s %s" % (what, name),
                  (st, body))
            for field, path in (("name", cpath), ("secretary_name", cpath),
                                ("title", mpath), ("location", mpath)):
                st, body = s.call("PATCH", path, {field: "A" + ch + "B"})
                if refused:
                    eq((st, field_of(body)), (422, field),
                       "%s %s %s" % (field, what, name))
                else:
                    eq(st, 200, "%s %s %s" % (field, what, name))
            st, body = s.call("POST", "/api/v1/clubs/%d/meetings" %
                              club["id"], meeting_body(title="T" + ch))
            check((st, field_of(body)) == (want, "title") if refused
                  else st == 201, "new meeting title %s %s" % (what, name),
                  (st, body))
        # Nothing refused was stored.
        st, c = s.call("GET", cpath)
        check(not any(ch in c["name"] + c.get("secretary_name", "")
                      for ch in REFUSED), "the club holds none of them", c)
        st, m = s.call("GET", mpath)
        check(not any(ch in m["title"] + m.get("location", "")
                      for ch in REFUSED), "the meeting holds none of them")

        # U+0085 in a description: refused, and the message says why.
        st, body = s.call("PATCH", mpath, {"description": "one\u0085two"})
        eq((st, field_of(body)), (422, "description"),
           "description with U+0085: 422 naming description")
        msg = body["error"]["message"] if st == 422 else ""
        check("control" in msg and "U+0085" in msg and "bytes" not in msg,
              "the message speaks of the control character, not the "
              "length", msg)
        st, body = s.call("PATCH", mpath, {"description": "one\ntwo"})
        eq(st, 200, "description with a line feed: taken")
    done()


main()
