#!/bin/bash
# End-to-end: a layer written by GNU tar --acls (ACLs as SCHILY.acl.* text, named users and
# groups by name) converted with `unik convert`; tests/e2e/acl/aclshow reports modes, the ACL
# xattrs, reads and a file created under a default ACL, in the guest and natively on the same
# layer extracted by GNU tar --acls (chroot), as root and as a user only the ACLs name.
# usage: tests/e2e/acl.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init acl "${1:-build/unik}"
T=$HARNESS_TMP
harness_need_root "setfacl on the source tree, chroot for the native side"

pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }
finish() {
	echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
	[ "$HARNESS_FAILED" -eq 0 ]
	exit
}

# The tree: names Debian's base-passwd gives the host (daemon 1, www-data 33, staff 50) and a
# uid no host has (5000, written as a number), with an image passwd and group that agree.
S=$T/src
mkdir -p "$S/bin" "$S/etc" "$S/d"
if ! musl-gcc -static -O1 -o "$S/bin/aclshow" tests/e2e/acl/aclshow.c; then
	fail build "musl-gcc failed"
	finish
fi
printf 'root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/bin/sh\nwww-data:x:33:33::/:/bin/sh\n' \
	>"$S/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\nstaff:x:50:\n' >"$S/etc/group"
for f in f g m; do echo "$f" >"$S/$f"; chmod 640 "$S/$f"; done
chmod 711 "$S/d"
if ! { setfacl -m u:5000:--x,u:daemon:r--,g:staff:rw-,m::rwx "$S/f" &&
	setfacl -m u:5000:r-- "$S/g" &&
	setfacl -m u:5000:rw-,m::r-- "$S/m" &&
	setfacl -m u:www-data:rwx,u:5000:rwx "$S/d" &&
	setfacl -d -m u:5000:rwx,g::r-x,o::- "$S/d" &&
	echo inner >"$S/d/inner"; }; then
	fail setfacl "setfacl failed (acl package missing, or no ACLs on $T's filesystem)"
	finish
fi
tar --acls --format=posix -cf "$T/layer.tar" -C "$S" . || { fail layer "GNU tar failed"; finish; }
if ! grep -aq 'user:daemon:r--' "$T/layer.tar"; then
	fail layer "GNU tar wrote no SCHILY.acl.access text with names"
	finish
fi

# A docker-save archive of that one layer.
mkdir "$T/img"
cp "$T/layer.tar" "$T/img/layer.tar"
diff=$(sha256sum "$T/layer.tar" | cut -d' ' -f1)
cat >"$T/img/config.json" <<EOF
{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/aclshow"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff"]}}
EOF
echo '[{"Config":"config.json","RepoTags":["acl:1"],"Layers":["layer.tar"]}]' >"$T/img/manifest.json"
tar -cf "$T/image.tar" -C "$T/img" manifest.json config.json layer.tar
if "$UNIK" convert -q "$T/image.tar" -o "$T/acl.unik" 2>"$T/convert.err"; then
	pass convert
else
	fail convert "$(head -2 "$T/convert.err" | tr '\n' ' ')"
	finish
fi

# compare LABEL USER ARGS...: aclshow ARGS as USER (uid:gid) in a fresh native extraction and
# in the guest.
compare() {
	local label=$1 user=$2
	shift 2
	rm -rf "$T/N" && mkdir "$T/N"
	tar --acls -xpf "$T/layer.tar" -C "$T/N"
	harness_exec "$T/n" chroot --userspec="$user" "$T/N" /bin/aclshow "$@"
	harness_exec "$T/u" "$UNIK" run -u "$user" -w / "$T/acl.unik" "$@"
	if ! grep -q . "$T/n.out"; then
		fail "$label" "no native output: $(head -c 200 "$T/n.err")"
	elif ! cmp -s "$T/n.out" "$T/u.out"; then
		fail "$label" "differs: $(diff "$T/n.out" "$T/u.out" | head -6 | tr '\n' '|')"
	else
		pass "$label"
	fi
}

compare root 0:0 f g m d d/inner +d/new
compare uid-5000 5000:5000 f g m d/inner +d/new5000
finish
