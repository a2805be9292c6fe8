#!/bin/sh
# run.sh BUILD_DIR - every benchmark, each printing its figures and its
# ratio against a baseline measured in the same run.  Benchmarks are
# build/bench/bench_* programs and bench/bench_*.py scripts, run in name
# order.  Nothing here is a pass/fail test: the machines are shared.
cd "$(dirname "$0")/.." || exit 1
b=${1:-build}
export CLUBMATCH_BIN="$(pwd)/$b/clubmatch"
export CLUBMATCH_BUILD="$(pwd)/$b"
for t in $(ls "$b"/bench/bench_* bench/bench_*.py 2>/dev/null | sort -t/ -k3); do
	case "$t" in *.o|*.d) continue ;; esac
	echo "== $(basename "$t")"
	case "$t" in
	*.py) /usr/bin/python3 "$t" ;;
	*) "$t" ;;
	esac
done
