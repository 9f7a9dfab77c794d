#!/bin/bash
# unik convert against `tar -x` of the same layers followed by `zstd -3` of the extracted tree
# (tar cf - | zstd -3), on a Debian bookworm minbase image (debootstrap, cached in
# $UNIK_TEST_CACHE, default /var/cache/unik-test), and the artifact's size against the image's
# own gzip layers. Prints both side by side with ratios.
set -e
cd "$(dirname "$0")/.."
UNIK=${UNIK:-build/unik}
CACHE=${UNIK_TEST_CACHE:-/var/cache/unik-test}
ROOT=$CACHE/minbase
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
if [ ! -d "$ROOT" ]; then
	mkdir -p "$CACHE"
	debootstrap --variant=minbase bookworm "$ROOT.tmp" http://deb.debian.org/debian >/dev/null
	mv "$ROOT.tmp" "$ROOT"
fi
IMG=$CACHE/minbase-oci.tar
if [ ! -f "$IMG" ]; then
	umoci init --layout "$W/L" >/dev/null
	umoci new --image "$W/L:t"
	umoci unpack --image "$W/L:t" "$W/B" >/dev/null
	cp -a "$ROOT/." "$W/B/rootfs/"
	umoci repack --image "$W/L:t" "$W/B" >/dev/null
	skopeo copy -q "oci:$W/L:t" "oci-archive:$IMG:t"
	rm -rf "$W/B" "$W/L"
fi
mkdir -p "$W/oci" && tar -xf "$IMG" -C "$W/oci"
layers=$(find "$W/oci/blobs" -type f -size +100k)
gz=$(cat $layers | wc -c)
files=$(find "$ROOT" | wc -l)

now() { date +%s%N; }
t0=$(now)
"$UNIK" convert -q "$IMG" -o "$W/m.unik"
t1=$(now)
mkdir "$W/x"
for l in $layers; do tar -xzf "$l" -C "$W/x"; done
tar -cf - -C "$W/x" . | zstd -3 -q -o "$W/x.tar.zst"
t2=$(now)
ms_unik=$(( (t1 - t0) / 1000000 ))
ms_tools=$(( (t2 - t1) / 1000000 ))
art=$(stat -c %s "$W/m.unik")
echo "convert Debian minbase ($files files): unik convert ${ms_unik} ms, tar -x + zstd -3 ${ms_tools} ms, ratio $(echo "$ms_unik $ms_tools" | awk '{printf "%.2f", $1/$2}')x"
echo "size: artifact $((art / 1024)) KiB, gzip layers $((gz / 1024)) KiB, ratio $(echo "$art $gz" | awk '{printf "%.2f", $1/$2}')x"
