#!/bin/bash
# A Go program (built with Debian's golang-go, static, CGO off) runs under unik as natively:
# goroutines on several threads, channels, sync, timers, GC, preemption of a spinning goroutine,
# and its exit status. usage: tests/e2e/go.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init go "${1:-build/unik}"
T=$HARNESS_TMP
pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }
if ! command -v go >/dev/null; then
	echo "FAIL go-toolchain: go not installed (scripts/deps.sh installs golang-go)"
	echo "0 passed, 1 failed"
	exit 1
fi
export GOCACHE=${GOCACHE:-/var/cache/unik-test/go-build} GOFLAGS=-mod=mod CGO_ENABLED=0
mkdir -p "$GOCACHE" 2>/dev/null || export GOCACHE="$T/go-build"
if ! (cd tests/e2e/go && go build -o "$T/gotest" .) >"$T/build.log" 2>&1; then
	echo "FAIL go-build: $(head -c 300 "$T/build.log")"
	echo "0 passed, 1 failed"
	exit 1
fi
"$T/gotest" >"$T/native.out" 2>&1
nst=$?
"$UNIK" run "$T/gotest" >"$T/unik.out" 2>&1
ust=$?
if [ $nst -eq 3 ] && [ $ust -eq $nst ] && cmp -s "$T/native.out" "$T/unik.out"; then
	pass go-runtime
else
	fail go-runtime "status native $nst unik $ust; diff: $(diff "$T/native.out" "$T/unik.out" | head -c 400)"
fi
echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
