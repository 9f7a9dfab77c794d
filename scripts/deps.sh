#!/bin/sh
# Installs the Debian packages the build and the tests need (idempotent; run as root).
set -e
PKGS="build-essential musl-tools libelf-dev libcmocka-dev libzstd-dev libarchive-dev libjansson-dev
libssl-dev liblz4-dev liblzma-dev libbz2-dev nettle-dev libxml2-dev zlib1g-dev pkg-config
busybox-static umoci skopeo zstd debootstrap golang-go wrk dpkg-dev libslirp-dev
docker.io containerd runc attr acl dnsmasq-base"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run scripts/deps.sh as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
