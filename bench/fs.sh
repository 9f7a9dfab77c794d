#!/bin/bash
# File-system speed, unik against native on the same files:
#  1. reading a 256 MiB file from the image (busybox cat FILE > /dev/null, in-process)
#  2. a stat-heavy walk: busybox find / -xdev over the Debian minbase tree, output counted
# The native side runs the same busybox chrooted into the same tree.
set -e
cd "$(dirname "$0")/.."
UNIK=${UNIK:-build/unik}
CACHE=${UNIK_TEST_CACHE:-/var/cache/unik-test}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/r/bin"
cp /bin/busybox "$W/r/bin/busybox"
head -c $((256 << 20)) /dev/urandom >"$W/r/big"
"$UNIK" convert -q --rootfs "$W/r" -o "$W/big.unik" -- /bin/busybox
"$UNIK" run "$W/big.unik" true >/dev/null 2>&1 || true      # fill the image cache
ms() { local s=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - s) / 1000000 )); }
best() { local b=999999 t; for i in 1 2 3; do t=$(ms "$@"); [ "$t" -lt "$b" ] && b=$t; done; echo $b; }
n=$(best chroot "$W/r" /bin/busybox cat /big)
u=$(best "$UNIK" run "$W/big.unik" /bin/busybox cat /big)
echo "read 256 MiB from the image (best of 3): native ${n} ms, unik ${u} ms, ratio $(echo "$u $n" | awk '{printf "%.2f", $1/$2}')x"
if [ -d "$CACHE/minbase" ]; then
	"$UNIK" convert -q --rootfs "$CACHE/minbase" -o "$W/deb.unik" -- /bin/bash
	cp /bin/busybox "$W/bb"
	"$UNIK" run "$W/deb.unik" /bin/true >/dev/null 2>&1 || true
	mkdir -p "$CACHE/minbase/tmp/bench" && cp /bin/busybox "$CACHE/minbase/tmp/bench/busybox"
	n=$(best chroot "$CACHE/minbase" /tmp/bench/busybox find / -xdev)
	cnt=$(chroot "$CACHE/minbase" /tmp/bench/busybox find / -xdev | wc -l)
	rm -rf "$CACHE/minbase/tmp/bench"
	"$UNIK" convert -q --rootfs "$CACHE/minbase" -o "$W/deb2.unik" -- /bin/bash
	mkdir -p "$W/bbdir" && cp /bin/busybox "$W/bbdir/busybox"
	u=$(best "$UNIK" run -v "$W/bbdir:/b:ro" "$W/deb2.unik" /b/busybox find / -xdev)
	echo "find / -xdev over Debian minbase ($cnt names, best of 3): native ${n} ms, unik ${u} ms, ratio $(echo "$u $n" | awk '{printf "%.2f", $1/$2}')x"
fi
