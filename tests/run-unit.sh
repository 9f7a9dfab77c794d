#!/bin/sh
# Runs the cmocka unit-test binaries given as arguments and ends with 'N passed, N failed'.
pass=0 fail=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1     # crashed or sanitizer report without a cmocka summary
		printf '%s\n' "$out" | tail -20
	fi
	[ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -E '^\[  (FAILED|  ERROR)' | head -20
	echo "unit $(basename "$t"): $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
