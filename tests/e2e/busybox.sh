#!/usr/bin/env bash
# busybox.sh: end-to-end runs of Debian's static busybox (package busybox-static), natively and under
# unik, with the compat harness: stdout and exit status must match. Only applets that need no files,
# no fork and no terminal, until unik has them.
# usage: tests/e2e/busybox.sh [UNIK]      (UNIK defaults to build/unik)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/compat-tests/lib.sh"

BUSYBOX=/bin/busybox

# uname_a_ok FILE: `uname -a` names the host and kernel build, which differ: accept exactly one
# newline-terminated line starting with "Linux ".
# shellcheck disable=SC2317  # called through harness_case
uname_a_ok() {
	[ "$(wc -l <"$1")" -eq 1 ] && [ "$(grep -c '' "$1")" -eq 1 ] && grep -q '^Linux ' "$1"
}

harness_init busybox "${1:-$ROOT/build/unik}"

# STATUS APPLET [ARGS...], in the syntax of compat-tests/cases.
while IFS= read -r line; do
	if ! harness_parse "$line"; then
		harness_count FAIL "busybox.sh: malformed case: $line"
		continue
	fi
	label="busybox $CASE_TEXT"
	harness_selected "$label" || continue
	harness_case "$label" "$CASE_WANT" exact "$BUSYBOX" "$CASE_NAME" "${CASE_ARGS[@]}"
done <<'CASES'
0 echo hello world
0 true
1 false
0 seq 1 100000
0 uname -s
0 uname -m
0 printf '%s-%d\n' a 5
0 expr 6 '*' 7
0 basename /a/b/c.txt .txt
CASES

CASE_ENV=()
harness_selected "busybox uname -a" && harness_case "busybox uname -a" 0 uname_a_ok "$BUSYBOX" uname -a

harness_summary
