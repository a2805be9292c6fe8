#!/bin/sh
# run.sh BUILD_DIR - every benchmark, each printing its figures and its
# ratio against a baseline measured in the same run.  Benchmarks are
# build/bench/bench_* programs and bench/bench_*.py scripts, run in name
# order.  The figures are not pass/fail (the machines are shared), but a
# bench that cannot run (something it needs is not built) or that finds
# a broken promise (bench_proxy.py: a valid token answered 429) exits
# non-zero: the others still run, and run.sh then fails naming it.
cd "$(dirname "$0")/.." || exit 1
b=${1:-build}
export CLUBMATCH_BIN="$(pwd)/$b/clubmatch"
export CLUBMATCH_BUILD="$(pwd)/$b"
failed=""
for t in $(ls "$b"/bench/bench_* bench/bench_*.py 2>/dev/null | sort -t/ -k3); do
	case "$t" in *.o|*.d) continue ;; esac
	echo "== $(basename "$t")"
	case "$t" in
	*.py) /usr/bin/python3 "$t" ;;
	*) "$t" ;;
	esac || failed="$failed $(basename "$t")"
done
if [ -n "$failed" ]; then
	echo "bench: failed:$failed" >&2
	exit 1
fi
