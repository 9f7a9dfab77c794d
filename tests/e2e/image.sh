#!/bin/bash
# End-to-end: a busybox-static image built with umoci, converted with `unik convert`, runs its
# applets from the image under `unik run`; each output must equal a native run of the same applet
# chrooted into the same tree (umoci unpack). usage: tests/e2e/image.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init image "${1:-build/unik}"
T=$HARNESS_TMP
harness_need_root "chroot for the native side"
bash tests/e2e/convert/build-image.sh "$T" >"$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }
umoci unpack --image "$T/L:t" "$T/B" >/dev/null || exit 1
ROOT=$T/B/rootfs
"$UNIK" convert -q "$T/oa.tar" -o "$T/bb.unik" || exit 1

pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

# applet [--sorted] NAME ARGS...: busybox NAME ARGS natively in a chroot (a fresh copy of the
# tree, so changes do not carry over) and from the image, as root in /. --sorted compares sorted
# output, for listings in directory order (which differs between filesystems, as ext4's does
# between machines).
applet() {
	local sorted=
	[ "$1" = --sorted ] && { sorted=1; shift; }
	local label="$*"
	harness_selected "$label" || return 0
	rm -rf "$T/R" && cp -a "$ROOT" "$T/R"
	harness_exec "$T/n" chroot "$T/R" /bin/busybox env -i PATH=/bin HOME=/ /bin/busybox "$@"
	local ns=$HARNESS_STATUS
	harness_exec "$T/u" "$UNIK" run -u 0:0 -w / -e FOO= --entrypoint /bin/busybox "$T/bb.unik" "$@"
	local us=$HARNESS_STATUS
	if [ -n "$sorted" ]; then
		sort "$T/n.out" -o "$T/n.out"
		sort "$T/u.out" -o "$T/u.out"
	fi
	if [ "$ns" != "$us" ]; then
		fail "$label" "status $us, native $ns; $(head -c 200 "$T/u.err")"
	elif ! cmp -s "$T/n.out" "$T/u.out"; then
		fail "$label" "stdout differs: $(diff "$T/n.out" "$T/u.out" | head -5 | tr '\n' '|')"
	else
		pass "$label"
	fi
}

# ("ls -a /" and /etc would differ: unik, like docker, adds /dev and /proc to the root and
# writes /etc/hostname, /etc/hosts and /etc/resolv.conf)
applet ls -l /data /bin
applet ls -la /data/sub
applet ls -lnR /data
applet cat /etc/passwd /etc/group /data/new.txt
applet wc -l /etc/passwd
applet head -n 1 /etc/group
applet tail -n 1 /etc/group
applet sort -r /etc/passwd
applet uniq /etc/group
applet grep -n app /etc/passwd /etc/group
applet sed -e s/x/y/g /etc/passwd
applet awk -F: '{ print $1, $3 }' /etc/passwd
applet sha256sum /bin/busybox /etc/passwd
applet md5sum /etc/passwd
applet --sorted du -a /data
applet stat -c '%n %s %a %u %g %h %F' /data/new.txt /data/hard.txt /bin/sh /data /bin/busybox
applet --sorted find /data /bin
applet find / -xdev -name '*.txt'
applet readlink /bin/sh
applet basename /data/sub/keep
applet gzip -c /etc/passwd
applet tar -cf /tmp/data.tar /data
applet cp /etc/passwd /data/copy
applet mkdir -p /tmp/a/b/c
applet touch /tmp/f
applet ln -s /etc/passwd /tmp/link
applet chmod 600 /etc/passwd
applet rm /data/new.txt
applet mv /data/new.txt /data/moved.txt
applet cat /no/such/file
applet ls /no/such/dir
applet date +%Y

# The image's own command and configuration (Entrypoint sh -c 'echo hi', user app, /data).
run_cfg() {     # NAME WANT-STATUS WANT-STDOUT unik-run-args...
	local name=$1 want=$2 out=$3
	shift 3
	harness_selected "$name" || return 0
	harness_exec "$T/u" "$UNIK" run "$@"
	if [ "$HARNESS_STATUS" != "$want" ] || [ "$(cat "$T/u.out")" != "$out" ]; then
		fail "$name" "status $HARNESS_STATUS (want $want), stdout '$(head -c 100 "$T/u.out")'"
	else
		pass "$name"
	fi
}
run_cfg config-cmd 0 hi "$T/bb.unik"
run_cfg config-workdir 0 /data --entrypoint /bin/busybox "$T/bb.unik" pwd
run_cfg config-user 0 "uid=1000(app) gid=1000(app) groups=2000(extra)" \
	--entrypoint /bin/busybox "$T/bb.unik" id
run_cfg config-env 0 "bar /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	"$T/bb.unik" -c 'echo $FOO $PATH'
run_cfg env-override 0 baz -e FOO=baz "$T/bb.unik" -c 'echo $FOO'
run_cfg env-unset 0 "unset" -e FOO "$T/bb.unik" -c 'echo ${FOO-unset}'
run_cfg env-hostname 0 "12" "$T/bb.unik" -c 'echo ${#HOSTNAME}'
run_cfg env-home 0 "/home/app" "$T/bb.unik" -c 'echo $HOME'

run_cfg workdir-created 0 /new/dir -w /new/dir --entrypoint /bin/busybox "$T/bb.unik" pwd
run_cfg args-replace-cmd 0 "a b" "$T/bb.unik" -c 'echo a b'
run_cfg not-found 127 "" --entrypoint nosuchcmd "$T/bb.unik"
run_cfg not-executable 126 "" --entrypoint /etc/passwd "$T/bb.unik"
run_cfg exit-status 3 "" "$T/bb.unik" -c 'exit 3'
run_cfg user-name 0 "uid=0(root) gid=0(root)" -u root --entrypoint /bin/busybox "$T/bb.unik" id
run_cfg user-home 0 "/root" -u root "$T/bb.unik" -c 'echo $HOME'
run_cfg user-group 0 "uid=1000(app) gid=2000(extra)" -u app:extra --entrypoint /bin/busybox \
	"$T/bb.unik" id
run_cfg user-unknown 125 "" -u nobody "$T/bb.unik"
run_cfg dev-stdout 0 "via /dev/stdout" "$T/bb.unik" -c 'echo via /dev/stdout > /dev/stdout'

# stdin as docker attaches it: only with -i (else the program reads /dev/null).
harness_selected stdin-detached && {
	out=$(echo hi | "$UNIK" run --entrypoint /bin/busybox "$T/bb.unik" cat 2>&1)
	st=$?
	[ $st -eq 0 ] && [ -z "$out" ] && pass stdin-detached || fail stdin-detached "status $st: '$out'"
}
harness_selected stdin-attached && {
	out=$(echo hi | "$UNIK" run -i --entrypoint /bin/busybox "$T/bb.unik" cat 2>&1)
	[ "$out" = hi ] && pass stdin-attached || fail stdin-attached "'$out'"
}

# Capabilities as docker sets them: its default set for root, --cap-add/--cap-drop/--privileged
# around it, none for another user (the bounding set stays).
caps() { echo "-u 0 --entrypoint /bin/busybox $T/bb.unik grep -E ^Cap(Eff|Bnd) /proc/self/status"; }
run_cfg caps-default 0 "$(printf 'CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb')" $(caps)
run_cfg caps-drop 0 "$(printf 'CapEff:\t00000000a80405fb\nCapBnd:\t00000000a80405fb')" \
	--cap-drop NET_RAW $(caps)
run_cfg caps-add 0 "$(printf 'CapEff:\t00000000a82425fb\nCapBnd:\t00000000a82425fb')" \
	--cap-add cap_sys_admin $(caps)
run_cfg caps-privileged 0 "$(printf 'CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff')" \
	--privileged $(caps)
run_cfg caps-all-but 0 "$(printf 'CapEff:\t000001fffffffffe\nCapBnd:\t000001fffffffffe')" \
	--cap-add ALL --cap-drop CHOWN $(caps)
run_cfg caps-only 0 "$(printf 'CapEff:\t0000000000002000\nCapBnd:\t0000000000002000')" \
	--cap-drop ALL --cap-add NET_RAW $(caps)
run_cfg caps-user 0 "$(printf 'CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb')" \
	--entrypoint /bin/busybox "$T/bb.unik" grep -E '^Cap(Eff|Bnd)' /proc/self/status
run_cfg caps-unknown 125 "" --cap-add NO_SUCH "$T/bb.unik"
# File capabilities from the image's layer (security.capability on /opt/cap/cat: DAC_OVERRIDE+ep)
# give a user what the file names, within the bounding set; the exec fails beyond it.
run_cfg caps-file 0 secret -u app --entrypoint /opt/cap/cat "$T/bb.unik" /data/secret
run_cfg caps-file-without 1 "" -u app --entrypoint /bin/cat "$T/bb.unik" /data/secret
run_cfg caps-file-status 0 "$(printf 'CapPrm:\t0000000000000002\nCapEff:\t0000000000000002')" \
	-u app "$T/bb.unik" -c '/opt/cap/cat /proc/self/status | grep -E "^Cap(Prm|Eff)"'
run_cfg caps-file-bounding 126 "" -u app --cap-drop DAC_OVERRIDE --entrypoint /opt/cap/cat \
	"$T/bb.unik" /data/secret
run_cfg caps-enforced 1 "" -u 0 --cap-drop CHOWN --entrypoint /bin/busybox "$T/bb.unik" \
	chown 5 /etc/passwd

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
