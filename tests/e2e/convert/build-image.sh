#!/bin/bash
# Builds the end-to-end test image in $1 with umoci + skopeo: busybox-static, two layers, a whiteout.
# Produces: L (OCI layout, tag t), da.tar (docker-archive), oa.tar (oci-archive), oz.tar (oci-archive
# with zstd layers), da.tar.gz, da.tar.zst (compressed outer archives).
set -eu
D=$1
cd "$D"
BUSYBOX=${BUSYBOX:-/bin/busybox}
ROOTLESS=
[ "$(id -u)" = 0 ] || ROOTLESS=--rootless
umoci init --layout L
umoci new --image L:t
umoci unpack $ROOTLESS --image L:t B
R=B/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/data/sub"
cp "$BUSYBOX" "$R/bin/busybox"
for a in sh ls cat echo; do ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n' > "$R/etc/group"
echo gone > "$R/data/gone.txt"
echo keep > "$R/data/sub/keep"
chmod 1777 "$R/tmp"
umoci repack --image L:t B
rm -rf B
umoci unpack $ROOTLESS --image L:t B
R=B/rootfs
rm "$R/data/gone.txt"                       # becomes a whiteout in layer 2
echo new > "$R/data/new.txt"
ln "$R/data/new.txt" "$R/data/hard.txt"     # hard link
chmod 4755 "$R/bin/busybox"                 # setuid, metadata change in layer 2
# A file with file capabilities (setcap cap_dac_override+ep), and a file only root may read.
mkdir -p "$R/opt/cap"
cp "$BUSYBOX" "$R/opt/cap/cat"
setfattr -n security.capability -v 0x0100000202000000000000000000000000000000 "$R/opt/cap/cat"
echo secret > "$R/data/secret"
chmod 600 "$R/data/secret"
umoci repack --image L:t B
rm -rf B
umoci config --image L:t --config.entrypoint /bin/sh --config.cmd -c --config.cmd 'echo hi' \
	--config.env FOO=bar --config.workingdir /data --config.user app --config.exposedports 80/tcp
skopeo copy -q oci:L:t docker-archive:da.tar:test/bb:t
skopeo copy -q oci:L:t oci-archive:oa.tar:t
skopeo copy -q --dest-compress --dest-compress-format zstd oci:L:t oci-archive:oz.tar:t
gzip -kf da.tar
zstd -qf da.tar
