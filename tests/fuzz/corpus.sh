#!/bin/sh
# corpus.sh BUILD_DIR - run every fuzz target of BUILD_DIR/fuzz once over
# its corpus tests/fuzz/corpus/NAME/ (no fuzzing: the seeds and every
# input that once crashed, as a regression test), one TAP line each
# (docs/testing.md, "Fuzzing").
cd "$(dirname "$0")/../.." || exit 1
b=${1:-build-fuzz}
found=0
for bin in "$b"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	found=1
	t=${bin##*/fuzz_}
	if [ ! -d "tests/fuzz/corpus/$t" ]; then
		echo "not ok - fuzz $t corpus (no tests/fuzz/corpus/$t)"
		continue
	fi
	if out=$("$bin" -runs=0 "tests/fuzz/corpus/$t" 2>&1); then
		echo "ok - fuzz $t corpus"
	else
		echo "not ok - fuzz $t corpus"
		echo "$out" | tail -30 | sed 's/^/#   /'
	fi
done
[ "$found" = 1 ] || echo "not ok - no fuzz targets in $b/fuzz (make fuzz-build)"
