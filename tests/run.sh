#!/bin/sh
# run.sh BUILD_DIR... - run every test against each build and tally.
#
# Every test program prints TAP-style lines ("ok - name" / "not ok - name",
# and "skip - name: reason" for a check this machine cannot run, which
# counts neither way and is listed before the tally).
# A program that exits non-zero without reporting a failure (a crash, a
# sanitizer report) counts as one more failure.  Unit tests are
# build/tests/test_*; integration tests are tests/integration/t*.py (run by
# Debian's /usr/bin/python3 with CLUBMATCH_BIN pointing at the build);
# with FUZZ_BUILD set, tests/fuzz/corpus.sh runs the fuzz corpora.
# The last line is "N passed, M failed".
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
passed=0
failed=0
log=$(mktemp)
skips=$(mktemp)

tally() {	# tally NAME COMMAND...
	name=$1
	shift
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	grep '^skip - ' "$log" | sed "s|^|$name: |" >>"$skips"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && ! grep -q '^skip - ' "$log"; then
		echo "not ok - $name reported nothing"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for b in "$@"; do
	echo "# === build: $b ==="
	export CLUBMATCH_BIN="$top/$b/clubmatch"
	export CLUBMATCH_BUILD="$top/$b"
	case "$b" in *asan*) export CLUBMATCH_SANITIZED=1 ;; *) unset CLUBMATCH_SANITIZED ;; esac
	for t in "$b"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "# $t"
		tally "$t" "$t"
	done
	for t in tests/integration/t*.py; do
		[ -f "$t" ] || continue
		echo "# $t ($b)"
		tally "$t" timeout 900 /usr/bin/python3 "$t"
	done
done
# The fuzz targets over their corpora, when a fuzz build is given
# (make test: FUZZ_BUILD=build-fuzz).
if [ -n "${FUZZ_BUILD:-}" ]; then
	echo "# === fuzz corpora: $FUZZ_BUILD ==="
	tally "tests/fuzz/corpus.sh" tests/fuzz/corpus.sh "$FUZZ_BUILD"
fi
if [ -s "$skips" ]; then
	echo "# $(wc -l <"$skips") skipped (not counted as passed):"
	sed 's/^/#   /' "$skips"
fi
rm -f "$log" "$skips"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
