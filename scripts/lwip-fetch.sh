#!/bin/sh
# Makes lwIP's source (Debian bookworm's lwip source package, upstream 2.1.3) available in a cache
# directory, so that it is fetched at build time and never committed, with our fixes to it
# (net/lwip/patches/*.patch, in name order) applied. Idempotent: a complete cache patched as
# the tree says is left alone; one patched otherwise is fetched and patched again.
# Usage: scripts/lwip-fetch.sh  (UNIK_LWIP_DIR overrides the directory).
set -eu

LWIP_DIR=${UNIK_LWIP_DIR:-/var/cache/unik-build/lwip-2.1.3}
WANT_VERSION=2.1.3
SRC_LIST=/etc/apt/sources.list.d/unik-src.list
STAMP=.unik-lwip-source
PATCH_DIR=$(cd "$(dirname "$0")/../net/lwip/patches" && pwd)

die() {
	echo "lwip-fetch: error: $*" >&2
	exit 1
}

log() {
	echo "lwip-fetch: $*"
}

# The patches to apply, a line each in the order they apply: "patch NAME SHA256". The stamp
# records them after the source package's name.
patch_list() {
	for p in "$PATCH_DIR"/*.patch; do
		[ -f "$p" ] || continue
		echo "patch ${p##*/} $(sha256sum <"$p" | cut -d' ' -f1)"
	done
}

# The tree is complete once the stamp exists: it is written before the tree is moved into place.
complete() {
	[ -f "$1/$STAMP" ] && [ -f "$1/src/core/tcp.c" ] && [ -f "$1/src/include/lwip/init.h" ]
}

# A complete tree with exactly the current patches applied.
current() {
	complete "$1" && [ "$(sed 1d "$1/$STAMP")" = "$(patch_list)" ]
}

is_root() {
	[ "$(id -u)" = 0 ]
}

# Is a deb-src entry for bookworm configured, in one-line (*.list) or deb822 (*.sources) form?
have_debsrc() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		grep -Eq '^[[:space:]]*deb-src[[:space:]].*[[:space:]]bookworm[[:space:]]' "$f" && return 0
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# One stanza per blank-line-separated paragraph; it counts when enabled with both
		# deb-src among its Types and bookworm among its Suites.
		awk 'BEGIN { RS = ""; found = 0 }
		     /(^|\n)Types:[^\n]*deb-src/ && /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ &&
		     !/(^|\n)Enabled:[ \t]*no/ { found = 1 }
		     END { exit !found }' "$f" && return 0
	done
	return 1
}

# The Signed-By keyring of the configured bookworm entry for deb.debian.org, if any: apt refuses
# two entries for one source whose Signed-By values differ, so ours must repeat it.
debian_signed_by() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		grep -E '^[[:space:]]*deb(-src)?[[:space:]].*deb\.debian\.org/debian/?[[:space:]]+bookworm[[:space:]]' \
			"$f" | sed -n 's/.*signed-by=\([^] ]*\).*/\1/p' | head -1
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = "" }
		     /(^|\n)URIs:[^\n]*deb\.debian\.org\/debian\/?([ \t]|\n|$)/ &&
		     /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ {
			n = split($0, line, "\n")
			for (i = 1; i <= n; i++)
				if (line[i] ~ /^Signed-By:/) {
					sub(/^Signed-By:[ \t]*/, "", line[i]); print line[i]; exit
				}
		     }' "$f"
	done
}

add_debsrc() {
	is_root || die "no deb-src entry for bookworm; as root this script adds $SRC_LIST"
	key=$(debian_signed_by | head -1)
	case $key in
	"") opts="" ;;
	/*) opts="[signed-by=$key] " ;;
	*) die "the bookworm entry has an inline Signed-By key; add a deb-src entry by hand" ;;
	esac
	log "adding $SRC_LIST"
	echo "deb-src ${opts}http://deb.debian.org/debian bookworm main" >"$SRC_LIST" ||
		die "cannot write $SRC_LIST"
	if ! apt_update; then
		rm -f "$SRC_LIST"
		die "apt-get update failed with $SRC_LIST; removed it again"
	fi
}

apt_update() {
	is_root || die "apt-get update needs root (run this script as root)"
	log "apt-get update"
	UPDATED=1
	apt-get update -qq
}

# The upstream version of an unpacked tree, from lwIP's own init.h.
tree_version() {
	awk '/#define LWIP_VERSION_(MAJOR|MINOR|REVISION)[ \t]/ { v[$2] = $3 + 0 }
	     END { printf "%s.%s.%s\n", v["LWIP_VERSION_MAJOR"], v["LWIP_VERSION_MINOR"],
	           v["LWIP_VERSION_REVISION"] }' "$1/src/include/lwip/init.h"
}

if current "$LWIP_DIR"; then
	# make runs this when a patch or this script is newer than the stamp: say it is checked.
	touch "$LWIP_DIR/$STAMP" 2>/dev/null || true
	exit 0
fi
if complete "$LWIP_DIR"; then
	log "$LWIP_DIR has other patches applied; fetching it again"
elif [ -e "$LWIP_DIR" ] && [ -n "$(ls -A "$LWIP_DIR" 2>/dev/null)" ]; then
	die "$LWIP_DIR exists but is not a complete lwIP tree; remove it and run again"
fi

export DEBIAN_FRONTEND=noninteractive
UPDATED=0

have_debsrc || add_debsrc

# dpkg-dev brings patch(1) too.
if ! command -v dpkg-source >/dev/null 2>&1 || ! command -v patch >/dev/null 2>&1; then
	is_root || die "dpkg-source or patch (package dpkg-dev) is missing; install it as root"
	log "installing dpkg-dev"
	apt-get install -y -qq dpkg-dev >/dev/null ||
		{ [ "$UPDATED" = 0 ] && apt_update && apt-get install -y -qq dpkg-dev >/dev/null; } ||
		die "cannot install dpkg-dev"
fi

parent=$(dirname "$LWIP_DIR")
mkdir -p "$parent" || die "cannot create $parent"
tmp=$(mktemp -d "$parent/.lwip-fetch.XXXXXX") || die "cannot create a temporary directory in $parent"
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch() {
	(cd "$tmp" && apt-get source -qq lwip) >"$tmp/apt.log" 2>&1
}
log "apt-get source lwip"
if ! fetch; then
	if [ "$UPDATED" = 0 ]; then
		apt_update || die "apt-get update failed"
		fetch || { cat "$tmp/apt.log" >&2; die "apt-get source lwip failed"; }
	else
		cat "$tmp/apt.log" >&2
		die "apt-get source lwip failed"
	fi
fi

tree=""
for d in "$tmp"/lwip-*/; do
	[ -f "$d/src/include/lwip/init.h" ] && tree=${d%/}
done
[ -n "$tree" ] || { cat "$tmp/apt.log" >&2; die "no unpacked lwip-* tree after apt-get source"; }
version=$(tree_version "$tree")
[ "$version" = "$WANT_VERSION" ] ||
	die "apt-get source gave lwIP $version, this build is written for $WANT_VERSION"
for p in "$PATCH_DIR"/*.patch; do
	[ -f "$p" ] || continue
	log "applying ${p##*/}"
	patch -d "$tree" -p1 -s -N --fuzz=0 --no-backup-if-mismatch -i "$p" >"$tmp/patch.log" 2>&1 ||
		{ cat "$tmp/patch.log" >&2; die "${p##*/} does not apply to ${tree##*/}"; }
done
dsc=$(ls "$tmp"/lwip_*.dsc 2>/dev/null | head -1)
{ echo "${dsc##*/}"; patch_list; } >"$tree/$STAMP"

# A rename within one filesystem: the cache directory appears complete or not at all. A tree
# with other patches goes aside first (into $tmp, removed on exit).
if complete "$LWIP_DIR"; then
	mv -T "$LWIP_DIR" "$tmp/stale" || die "cannot move the old tree $LWIP_DIR aside"
fi
rmdir "$LWIP_DIR" 2>/dev/null || true
if ! mv -T "$tree" "$LWIP_DIR" 2>/dev/null; then
	complete "$LWIP_DIR" || die "cannot move the tree to $LWIP_DIR"
	log "another run filled $LWIP_DIR first"
	exit 0
fi
log "lwIP $version ready in $LWIP_DIR (${dsc##*/})"
