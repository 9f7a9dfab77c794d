#!/bin/bash
# Hostile guests: programs that make hypercalls with bad arguments or wreck the libOS core. The
# monitor must end each run with a clear message and a documented status, never crash or hang.
# usage: tests/e2e/hostile.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init hostile "${1:-build/unik}"
T=$HARNESS_TMP
for p in hc_badarg smash bomb; do
	musl-gcc -static -O1 -o "$T/$p" "tests/e2e/hostile/$p.c" || { echo "FAIL build $p"; exit 1; }
done

check() {      # NAME WANT-STATUS STDERR-PATTERN CMD...
	local name=$1 want=$2 pat=$3
	shift 3
	harness_selected "$name" || return 0
	harness_exec "$T/case" "$@"
	if [[ "$HARNESS_STATUS" =~ ^($want)$ ]] && { [ -z "$pat" ] || grep -qE "$pat" "$T/case.err"; }; then
		echo "PASS $name"
		HARNESS_PASSED=$((HARNESS_PASSED + 1))
	else
		echo "FAIL $name: status $HARNESS_STATUS (want $want), stderr: $(head -c 200 "$T/case.err")"
		HARNESS_FAILED=$((HARNESS_FAILED + 1))
	fi
}

check hc-arg-max 125 'malformed hypercall' "$UNIK" run -m 1g "$T/hc_badarg" arg-max
check hc-arg-end 125 'malformed hypercall' "$UNIK" run -m 1g "$T/hc_badarg" arg-end
check hc-unknown 125 'malformed hypercall' "$UNIK" run "$T/hc_badarg" unknown
check hc-byte 125 'unexpected port I/O' "$UNIK" run "$T/hc_badarg" byte
check hc-in 125 'unexpected port I/O' "$UNIK" run "$T/hc_badarg" in
check port80 139 'SIGSEGV' "$UNIK" run "$T/hc_badarg" port80
check port80-native 139 '' "$T/hc_badarg" port80
# A wrecked core may fault in a loop the monitor cannot tell from work, or never take the
# signals it is handed: a second SIGINT still stops it from outside, as for a program that
# ignores SIGINT.
cat >"$T/smash_twice" <<SH
#!/bin/bash
"$UNIK" run "$T/smash" &
pid=\$!
sleep 1
kill -INT \$pid 2>/dev/null
sleep 0.3
kill -INT \$pid 2>/dev/null
wait \$pid
SH
chmod +x "$T/smash_twice"
check smash-core '125|130' '' "$T/smash_twice"
# The fork bomb must end in fork's ENOMEM or EAGAIN; then the runaway allocation in the OOM kill
# (137) or, when the memory runs out where the guest allocates for the mapping rather than at a
# touch, in malloc's NULL (0): which of the two comes first depends on the scheduling of the
# children, and both leave guest and monitor standing.
if harness_selected fork-bomb-oom; then
	harness_exec "$T/case" "$UNIK" run -m 64m "$T/bomb"
	# (killed, the program's buffered stdout is lost, as on Linux)
	if { [ "$HARNESS_STATUS" = 137 ] && grep -q 'out of memory' "$T/case.err"; } ||
	   { [ "$HARNESS_STATUS" = 0 ] && grep -q '^fork failed after [0-9]* children' "$T/case.out" &&
	     grep -q '^malloc stopped' "$T/case.out"; }; then
		echo "PASS fork-bomb-oom"
		HARNESS_PASSED=$((HARNESS_PASSED + 1))
	else
		echo "FAIL fork-bomb-oom: status $HARNESS_STATUS, stdout: $(head -c 200 "$T/case.out"), stderr: $(head -c 200 "$T/case.err")"
		HARNESS_FAILED=$((HARNESS_FAILED + 1))
	fi
fi
# In isolated mode the core is out of the program's reach, and so are the hypercall ports.
check isolated-smash 139 'SIGSEGV' "$UNIK" run --mode isolated "$T/smash"
check isolated-hc 139 'SIGSEGV' "$UNIK" run --mode isolated "$T/hc_badarg" arg-max

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
