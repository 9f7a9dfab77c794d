#!/usr/bin/env bash
# run.sh: the compat suite. Every program in build/compat/{musl,glibc,glibc-pie}/ runs natively
# and under unik for each of its lines in compat-tests/cases; stdout and exit status must match.
# usage: compat-tests/run.sh [UNIK]      (UNIK defaults to build/unik; build with make compat-build)
# HARNESS_FILTER=TEXT runs only the cases whose label (e.g. "musl/exitcode 3") contains TEXT.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/compat-tests/lib.sh"

FLAVOURS="musl glibc glibc-pie"
BINDIR=$ROOT/build/compat
CASES=$ROOT/compat-tests/cases

harness_init compat "${1:-$ROOT/build/unik}"
if [ ! -d "$BINDIR" ]; then
	echo "FAIL: $BINDIR missing (run make compat-build)"
	exit 1
fi

# Every program needs at least one case, or it would silently never run.
for src in "$ROOT"/compat-tests/src/*.c; do
	name=$(basename "$src" .c)
	grep -Eq "^[[:space:]]*[0-9]+[[:space:]]+([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+)*$name([[:space:]]|\$)" "$CASES" ||
		harness_count FAIL "$name: no case in compat-tests/cases"
done

lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	[[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
	if ! harness_parse "$line"; then
		harness_count FAIL "compat-tests/cases:$lineno: malformed line: $line"
		continue
	fi
	for flavour in $FLAVOURS; do
		label="$flavour/$CASE_TEXT"
		harness_selected "$label" || continue
		harness_case "$label" "$CASE_WANT" exact "$BINDIR/$flavour/$CASE_NAME" "${CASE_ARGS[@]}"
	done
done <"$CASES"

harness_summary
