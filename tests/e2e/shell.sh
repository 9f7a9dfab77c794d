#!/bin/bash
# Shells inside one unik VM: Debian's busybox-static as the root filesystem (--rootfs, every
# applet linked in /bin) runs scripts with functions, loops, subshells, command substitution,
# pipelines, redirections, trap, background jobs, wait and xargs; each output and status must
# equal the same script chrooted natively into the same tree. Plus the container-entrypoint
# idioms: `exec "$@"`, `sh -c 'exit 3'`, `sh -c 'kill -9 $$'`.
# usage: tests/e2e/shell.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init shell "${1:-build/unik}"
T=$HARNESS_TMP
pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

R=$T/root
mkdir -p "$R/bin" "$R/tmp" "$R/etc" "$R/data" "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3     # background jobs read /dev/null (unik mounts its own /dev)
cp /bin/busybox "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do      # relative links: valid in the chroot and in unik
	[ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"
printf 'alpha\nbeta\ngamma\ndelta\n' >"$R/data/words"

cat >"$R/script.sh" <<'SH'
#!/bin/sh
greet() { echo "hello $1"; return 3; }
greet world; echo "function status $?"
for i in 1 2 3; do printf '%s ' "$i"; done; echo
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "while: $i"
(cd /tmp && echo "subshell in $(pwd)"); echo "back in $(pwd)"
x=$(echo abc | tr a-c A-C); echo "command substitution: $x"
seq 1 100 | grep 7 | wc -l
sort -r /data/words | head -2
echo redirected >/tmp/out.txt; cat </tmp/out.txt; echo more >>/tmp/out.txt; wc -l </tmp/out.txt
ls /nonexistent 2>/dev/null || echo "ls failed: $?"
trap 'echo caught USR1' USR1; kill -USR1 $$; echo "after the trap"
sleep 0.1 & a=$!; (exit 4) & b=$!; wait $a; echo "job 1: $?"; wait $b; echo "job 2: $?"
printf 'a\nb\nc\n' | xargs echo args:
echo 1 2 3 4 | xargs -n 2 sh -c 'echo "pair $0 $1"'
sh -c 'exit 3'; echo "nested sh: $?"
cat /data/words | while read w; do echo "${#w}"; done | sort -n | uniq -c | sed 's/^ *//'
[ "$(echo $$)" = "$$" ] && echo "pid stable"
trap 'echo exit trap' EXIT
exit 5
SH
chmod +x "$R/script.sh"
printf '#!/bin/sh\necho "entrypoint got $# arguments"\nexec "$@"\n' >"$R/entry.sh"
chmod +x "$R/entry.sh"

# same LABEL STATUS LINES CMD...: chrooted natively and under unik (--rootfs, cwd /); the native
# run must give STATUS and LINES lines of output, so a broken tree cannot pass by failing alike.
same() {
	local label=$1 want=$2 lines=$3
	shift 3
	harness_selected "$label" || return 0
	harness_exec "$T/n" chroot "$R" /bin/env -i PATH=/bin HOME=/root "$@"
	local ns=$HARNESS_STATUS
	harness_exec "$T/u" "$UNIK" run --rootfs "$R" -w / "$@"
	local us=$HARNESS_STATUS
	if [ "$ns" != "$want" ] || [ "$(wc -l <"$T/n.out")" != "$lines" ]; then
		fail "$label" "BROKEN natively: status $ns (want $want), $(wc -l <"$T/n.out") lines (want $lines)"
	elif [ "$ns" != "$us" ]; then
		fail "$label" "status $us, native $ns; $(head -c 300 "$T/u.err")"
	elif ! cmp -s "$T/n.out" "$T/u.out"; then
		fail "$label" "stdout differs: $(diff "$T/n.out" "$T/u.out" | head -8 | tr '\n' '|')"
	else
		pass "$label"
	fi
}

same "script" 5 25 /bin/sh /script.sh
same "ls | sort | wc -l" 0 1 /bin/sh -c 'ls /bin | sort | wc -l'
same "entrypoint exec" 0 2 /entry.sh /bin/echo from the command
same "sh -c exit 3" 3 0 /bin/sh -c 'exit 3'
same "sh -c kill -9 self" 137 0 /bin/sh -c 'kill -9 $$'
same "pipeline of 6" 0 1 /bin/sh -c 'seq 1 5000 | grep 1 | sed s/1/one/ | sort | uniq | wc -l'
same "background and wait" 0 1 /bin/sh -c 'for i in 1 2 3 4; do (sleep 0.0$i; exit $i) & done; wait; echo all done'
same "1000 commands" 0 1 /bin/sh -c 'i=0; while [ $i -lt 1000 ]; do i=$(expr $i + 1); done; echo $i'

harness_selected "shell in the busybox image" && {
	if [ -f build/demo/bb.unik ]; then
		out=$("$UNIK" run build/demo/bb.unik -c 'ls / | sort | wc -l; exit 3' 2>&1)
		st=$?
		[ "$out" = 6 ] && [ $st -eq 3 ] && pass "shell in the busybox image" ||
			fail "shell in the busybox image" "status $st, output: $out"
	fi
}

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
