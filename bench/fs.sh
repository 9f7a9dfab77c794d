#!/bin/bash
# File-system speed, unik against native on the same files:
#  1. reading a 256 MiB file from the image: busybox cat FILE > /dev/null, whole runs (unik's
#     includes booting the VM), and the read itself timed inside the program (bench/readfile.c,
#     128 KiB read(2) calls, best of three passes)
#  2. a stat-heavy walk: busybox find / -xdev over the Debian minbase tree, whole runs, and net of
#     the same run of `busybox true` (unik: the boot; native: chroot and exec)
#  3. the Debian image's dynamic /bin/true: median wall of 30 runs (issue target: under 15 ms)
# The native side runs the same programs chrooted into the same tree.
set -e
cd "$(dirname "$0")/.."
UNIK=${UNIK:-build/unik}
B=build/bench
CACHE=${UNIK_TEST_CACHE:-/var/cache/unik-test}
W=$(mktemp -d)
trap 'rm -rf "$W"; rm -rf "$CACHE/minbase/tmp/bench"' EXIT
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
ms() { local s=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - s) / 1000000 )); }
best() { local b=999999 t; for i in 1 2 3; do t=$(ms "$@"); [ "$t" -lt "$b" ] && b=$t; done; echo $b; }

mkdir -p "$W/r/bin"
cp /bin/busybox $B/readfile "$W/r/bin/"
head -c $((256 << 20)) /dev/urandom >"$W/r/big"
"$UNIK" convert -q --rootfs "$W/r" -o "$W/big.unik" -- /bin/busybox
"$UNIK" run "$W/big.unik" /bin/busybox true >/dev/null 2>&1 || true   # fill the image cache
n=$(best chroot "$W/r" /bin/busybox cat /big)
u=$(best "$UNIK" run "$W/big.unik" /bin/busybox cat /big)
rn=$(chroot "$W/r" /bin/readfile /big)
ru=$("$UNIK" run "$W/big.unik" /bin/readfile /big)
echo "read 256 MiB from the image: cat, whole runs (best of 3): native ${n} ms, unik ${u} ms, ratio $(ratio "$u" "$n")x; read(2) inside the program: native ${rn} ms, unik ${ru} ms, ratio $(ratio "$ru" "$rn")x"

if [ ! -d "$CACHE/minbase" ]; then
	echo "find / and Debian /bin/true: skipped ($CACHE/minbase is made by make bench-convert)"
	exit 0
fi
"$UNIK" convert -q --rootfs "$CACHE/minbase" -o "$W/deb.unik" -- /bin/bash
"$UNIK" run "$W/deb.unik" /bin/true >/dev/null 2>&1 || true
mkdir -p "$CACHE/minbase/tmp/bench" "$W/bbdir"
cp /bin/busybox "$CACHE/minbase/tmp/bench/busybox"
cp /bin/busybox "$W/bbdir/busybox"
cnt=$(chroot "$CACHE/minbase" /tmp/bench/busybox find / -xdev | wc -l)
n=$(best chroot "$CACHE/minbase" /tmp/bench/busybox find / -xdev)
n0=$(best chroot "$CACHE/minbase" /tmp/bench/busybox true)
rm -rf "$CACHE/minbase/tmp/bench"
u=$(best "$UNIK" run -v "$W/bbdir:/b:ro" "$W/deb.unik" /b/busybox find / -xdev)
u0=$(best "$UNIK" run -v "$W/bbdir:/b:ro" "$W/deb.unik" /b/busybox true)
echo "find / -xdev over Debian minbase ($cnt names, best of 3): whole runs native ${n} ms, unik ${u} ms, ratio $(ratio "$u" "$n")x; net of busybox true (native ${n0} ms, unik ${u0} ms): native $((n - n0)) ms, unik $((u - u0)) ms, ratio $(ratio $((u - u0)) $((n - n0)))x"
tn=$($B/spawn 30 /usr/sbin/chroot "$CACHE/minbase" /bin/true)
tu=$($B/spawn 30 "$UNIK" run "$W/deb.unik" /bin/true)
echo "Debian /bin/true (dynamic, median of 30): native (chroot) ${tn} ms, unik run ${tu} ms, ratio $(ratio "$tu" "$tn")x"
