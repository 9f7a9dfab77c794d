#!/bin/bash
# End-to-end: dynamically linked programs from small images made here — musl (musl-gcc without
# -static, with Debian's /lib/ld-musl-x86_64.so.1) and glibc (gcc, with the host's loader and
# libc) — through PT_INTERP, compared with native runs. usage: tests/e2e/dynamic.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init dynamic "${1:-build/unik}"
T=$HARNESS_TMP

pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

MUSL_LD=/lib/ld-musl-x86_64.so.1
mkdir -p "$T/m/lib" "$T/m/bin" "$T/g/bin" "$T/g/lib64" "$T/g/lib/x86_64-linux-gnu"
cp -L "$MUSL_LD" "$T/m/lib/"
cp -L /lib64/ld-linux-x86-64.so.2 "$T/g/lib64/"
cp -L /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6 "$T/g/lib/x86_64-linux-gnu/"
for p in hello uname fpu tls malloc getrandom; do
	musl-gcc -O2 -o "$T/m/bin/$p" "compat-tests/src/$p.c" -lm || exit 1
	gcc -O2 -o "$T/g/bin/$p" "compat-tests/src/$p.c" -lm || exit 1
done
gcc -O2 -o "$T/g/bin/mmap_reread" tests/e2e/dynamic/mmap_reread.c || exit 1
printf 'mapped data\n' >"$T/g/data.txt"
"$UNIK" convert -q --rootfs "$T/m" -o "$T/m.unik" -- /bin/hello || exit 1
"$UNIK" convert -q --rootfs "$T/g" -o "$T/g.unik" -- /bin/hello || exit 1

for libc in m g; do
	for p in hello uname fpu tls malloc getrandom; do
		name="$([ $libc = m ] && echo musl || echo glibc)-dynamic/$p"
		harness_selected "$name" || continue
		interp=$(readelf -l "$T/$libc/bin/$p" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
		if [ -z "$interp" ]; then
			fail "$name" "not a dynamic executable"
			continue
		fi
		# the native reference runs the same binary on the host (its loader path matches)
		harness_exec "$T/n" env -i "$T/$libc/bin/$p" x y
		ns=$HARNESS_STATUS
		# --privileged: the native side is a root with every capability (as compat-tests)
		harness_exec "$T/u" "$UNIK" run --privileged "$T/$libc.unik" "/bin/$p" x y
		us=$HARNESS_STATUS
		# argv[0] differs (host path vs /bin/NAME): compare everything else
		sed -i '/^argv\[0\]/d' "$T/n.out" "$T/u.out"
		if [ "$ns" != "$us" ]; then
			fail "$name" "status $us, native $ns; $(head -c 200 "$T/u.err")"
		elif ! cmp -s "$T/n.out" "$T/u.out"; then
			fail "$name" "stdout differs: $(diff "$T/n.out" "$T/u.out" | head -4 | tr '\n' '|')"
		else
			pass "$name"
		fi
	done
done
# A file of the image mapped privately, read-only, several times (from the second mapping on unik
# maps a shared copy of the page), then written: every mapping sees the write, as natively.
if harness_selected "image-mmap-reread"; then
	cp "$T/g/data.txt" "$T/n-data.txt"
	harness_exec "$T/n" env -i "$T/g/bin/mmap_reread" "$T/n-data.txt"
	ns=$HARNESS_STATUS
	harness_exec "$T/u" "$UNIK" run "$T/g.unik" /bin/mmap_reread /data.txt
	us=$HARNESS_STATUS
	if [ "$ns" != "$us" ]; then
		fail image-mmap-reread "status $us, native $ns; $(head -c 200 "$T/u.err")"
	elif ! cmp -s "$T/n.out" "$T/u.out"; then
		fail image-mmap-reread "stdout differs: $(diff "$T/n.out" "$T/u.out" | tr '\n' '|')"
	else
		pass image-mmap-reread
	fi
fi
echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
