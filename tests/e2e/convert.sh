#!/bin/bash
# End-to-end test of `unik convert` / `unik inspect` on real images built with umoci and skopeo.
# Usage: tests/e2e/convert.sh PATH/TO/unik   (prints PASS/FAIL lines, then "N passed, N failed")
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/unik" >&2
	exit 2
fi
UNIK=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/unik-e2e-convert.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

# "PATH MODE UID GID WHAT" per entry, WHAT = sha256 (file), -> target (symlink), dir.
reference_listing() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
		if [ -L "$p" ]; then what="-> $(readlink "$p")"
		elif [ -d "$p" ]; then what=dir
		else what=$(sha256sum < "$p" | cut -d' ' -f1); fi
		echo "${p#.} $(stat -c '%A %u %g' "$p") $what"
	done)
}

unik_listing() {
	"$UNIK" inspect --ls --sha256 "$1" | awk '$8 != "/" {
		what = $1 ~ /^d/ ? "dir" : $1 ~ /^l/ ? "-> " $10 : $6
		print $8, $1, $3, $4, what }' | LC_ALL=C sort
}

if ! bash "$HERE/convert/build-image.sh" "$T" > "$T/build.log" 2>&1; then
	ko build-image "$(tail -3 "$T/build.log" | tr '\n' ' ')"
	finish
fi
ok build-image
umoci unpack $([ "$(id -u)" = 0 ] || echo --rootless) --image "$T/L:t" "$T/ref" > /dev/null 2>&1 || ko umoci-unpack "failed"
reference_listing "$T/ref/rootfs" > "$T/ref.list"

check_form() { # name, input, extra args
	local name=$1 input=$2
	shift 2
	if ! "$UNIK" convert -q "$@" "$input" -o "$T/$name.unik" 2> "$T/$name.err"; then
		ko "convert-$name" "$(head -2 "$T/$name.err" | tr '\n' ' ')"
		return
	fi
	ok "convert-$name"
	unik_listing "$T/$name.unik" > "$T/$name.list"
	if diff -u "$T/ref.list" "$T/$name.list" > "$T/$name.diff"; then
		ok "tree-$name"
	else
		ko "tree-$name" "differs from umoci unpack: $(head -8 "$T/$name.diff" | tail -4 | tr '\n' ' ')"
	fi
}

check_form docker-archive "$T/da.tar"
check_form oci-archive "$T/oa.tar"
check_form oci-archive-zstd-layers "$T/oz.tar"
check_form docker-archive-gzip "$T/da.tar.gz"
check_form oci-layout "$T/L:t"
if "$UNIK" convert -q - -o "$T/stdin.unik" < "$T/da.tar.zst" 2> "$T/stdin.err"; then
	ok convert-docker-archive-zstd-stdin
	if unik_listing "$T/stdin.unik" | diff -q "$T/ref.list" - > /dev/null; then
		ok tree-docker-archive-zstd-stdin
	else
		ko tree-docker-archive-zstd-stdin "differs from umoci unpack"
	fi
else
	ko convert-docker-archive-zstd-stdin "$(head -1 "$T/stdin.err")"
fi

A=$T/docker-archive.unik
if [ -f "$A" ]; then
	ls=$("$UNIK" inspect --ls "$A")
	if echo "$ls" | grep -q ' /data/gone.txt$'; then ko whiteout "/data/gone.txt still present"
	else ok whiteout; fi
	if [ "$(echo "$ls" | awk '$7 == "/data/new.txt" || $7 == "/data/hard.txt" { print $2 }' |
	      sort -u)" = 2 ]; then ok hardlink; else ko hardlink "nlink of new.txt/hard.txt is not 2"; fi
	if echo "$ls" | grep -q '^-rwsr-xr-x .* /bin/busybox$'; then ok setuid
	else ko setuid "busybox mode not -rwsr-xr-x"; fi
	info=$("$UNIK" inspect "$A")
	if echo "$info" | grep -q '^Entrypoint: *\["/bin/sh"\]' &&
	   echo "$info" | grep -q '^User: *app (uid 1000, gid 1000, groups 2000)' &&
	   echo "$info" | grep -q '^ExposedPorts: *80/tcp' &&
	   echo "$info" | grep -q '^WorkingDir: *\/data'; then ok inspect-config
	else ko inspect-config "unexpected summary"; fi
	if echo "$info" | grep -q '^Command: */bin/sh: ELF x86-64 static'; then ok command-check
	else ko command-check "$(echo "$info" | grep '^Command')"; fi
	if "$UNIK" inspect --json "$A" | grep -q '"format_version": 1'; then ok inspect-json
	else ko inspect-json "no format_version"; fi
	if "$UNIK" inspect --check "$A" | grep -q '^/bin/busybox: ELF x86-64 static'; then ok inspect-check
	else ko inspect-check "busybox not reported"; fi
	"$UNIK" convert -q "$T/da.tar" -o "$T/again.unik" 2> /dev/null
	if cmp -s "$A" "$T/again.unik"; then ok reproducible; else ko reproducible "artifacts differ"; fi
	cp "$A" "$T/bad.unik"
	# flip every bit of one byte (a fixed value could equal what is already there)
	b=$(od -An -t u1 -j 2000 -N 1 "$T/bad.unik" | tr -d ' ')
	printf "\\$(printf '%03o' $((255 - b)))" | dd of="$T/bad.unik" bs=1 seek=2000 conv=notrunc 2> /dev/null
	if ! "$UNIK" inspect "$T/bad.unik" > /dev/null 2> "$T/bad.err" &&
	   grep -q 'corrupt artifact' "$T/bad.err"; then ok corrupt-artifact
	else ko corrupt-artifact "not detected"; fi
	head -c 3000 "$A" > "$T/short.unik"
	if ! "$UNIK" inspect "$T/short.unik" > /dev/null 2> "$T/short.err" &&
	   grep -q 'truncated artifact' "$T/short.err"; then ok truncated-artifact
	else ko truncated-artifact "not detected"; fi
	if "$UNIK" convert -q "$T/da.tar" -o "$T/u.unik" -u nobody 2> "$T/u.err"; then
		ko unknown-user "accepted"
	elif [ $? -eq 125 ] && grep -q 'unable to find user nobody' "$T/u.err"; then ok unknown-user
	else ko unknown-user "wrong status or message"; fi
fi
finish
