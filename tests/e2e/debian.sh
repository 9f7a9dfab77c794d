#!/bin/bash
# End-to-end: a Debian bookworm minbase tree (debootstrap; cached in $UNIK_TEST_CACHE, default
# /var/cache/unik-test, made on first use) converted with `unik convert --rootfs` runs dynamic
# glibc programs; each output must equal the same command chrooted natively into the same tree;
# and Debian's nginx serves through -p.
# usage: tests/e2e/debian.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init debian "${1:-build/unik}"
T=$HARNESS_TMP
CACHE=${UNIK_TEST_CACHE:-/var/cache/unik-test}
ROOT=$CACHE/minbase
if [ ! -d "$ROOT" ]; then
	echo "debian: building $ROOT with debootstrap (first run only)"
	mkdir -p "$CACHE" && rm -rf "$ROOT.tmp"
	if ! debootstrap --variant=minbase bookworm "$ROOT.tmp" http://deb.debian.org/debian \
		>"$T/debootstrap.log" 2>&1; then
		tail -5 "$T/debootstrap.log"
		echo "FAIL debootstrap"
		echo "0 passed, 1 failed"
		exit 1
	fi
	rm -rf "$ROOT.tmp/var/cache/apt/archives"/*.deb
	mv "$ROOT.tmp" "$ROOT"
fi
"$UNIK" convert -q --rootfs "$ROOT" -o "$T/deb.unik" -- /bin/bash || exit 1

pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

# same CMD ARGS...: natively chrooted (as root, in /, environment as unik gives) and in unik.
same() {
	local label="$*"
	harness_selected "$label" || return 0
	harness_exec "$T/n" chroot "$ROOT" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
	local ns=$HARNESS_STATUS
	harness_exec "$T/u" "$UNIK" run -w / "$T/deb.unik" "$@"
	local us=$HARNESS_STATUS
	if [ "$ns" != "$us" ]; then
		fail "$label" "status $us, native $ns; $(head -c 200 "$T/u.err")"
	elif ! cmp -s "$T/n.out" "$T/u.out"; then
		fail "$label" "stdout differs: $(diff "$T/n.out" "$T/u.out" | head -6 | tr '\n' '|')"
	else
		pass "$label"
	fi
}

same /bin/cat /etc/os-release /etc/debian_version
same /bin/ls -l /etc/apt
same /bin/ls -l /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d /usr/bin
same /bin/ls -lR /usr/share/doc/bash
same /bin/bash -c 'echo $BASH_VERSION; echo "${PATH//:/ }"'
same /bin/bash -c 'x=0; for i in 1 2 3 4 5; do x=$((x + i)); done; echo $x; printf "%05d\n" 42'
same /bin/bash -c 'echo data > /tmp/f; read l < /tmp/f; echo "$l"; [[ -e /tmp/f ]] && echo exists'
same /usr/bin/sha256sum /bin/bash /etc/passwd
same /usr/bin/md5sum /etc/group
same /bin/grep -n root /etc/passwd /etc/group
same /bin/sed -n 's/:.*//p' /etc/passwd
same /usr/bin/head -c 100 /usr/share/common-licenses/GPL-3
same /usr/bin/wc /etc/services
same /usr/bin/sort -t: -k3 -n /etc/passwd
same /usr/bin/stat -c '%n %s %a %U %G %F' /etc/passwd /bin /usr/bin/bash /etc/shadow
same /usr/bin/env -u HOSTNAME
same /usr/bin/id
same /usr/bin/dpkg-query -W -f '${Package} ${Version}\n' bash coreutils libc6
same /usr/bin/readlink -f /bin/sh /lib64/ld-linux-x86-64.so.2
same /usr/bin/basename /usr/lib/os-release .d
same /usr/bin/true
same /usr/bin/false
same /usr/bin/ls /nonexistent
# Processes: bash forks and execs coreutils, sed and grep in pipelines and substitutions.
same /bin/bash -c 'set -o pipefail; n=$(grep -c : /etc/passwd); echo "users: $n";
	cut -d: -f1,7 /etc/passwd | sed "s/:/ uses /" | sort | head -5;
	ls /usr/bin | grep -E "^(ba|da|gr)" | wc -l; seq 1 2000 | awk "{s+=\$1} END {print s}";
	for f in /etc/debian_version /etc/os-release; do printf "%s %s\n" "$(basename $f)" "$(wc -c < $f)"; done |
	tr a-z A-Z; (exit 7); echo "subshell status $?"; false | true; echo "pipefail $?"'
same /bin/bash -c 'sleep 0.1 & p=$!; echo started; wait $p; echo "waited $?"; trap "echo bye" EXIT;
	xargs -n 2 echo <<< "a b c d e"; exit 4'
# The same dynamic programs exec'd again and again: from the second on they share the copied
# text pages of libc and the program, which the first ones patched at their system-call sites.
same /bin/bash -c 'for i in $(seq 1 40); do /usr/bin/expr $i \* 3; /bin/date -u -d @$((i * 86400)) +%F;
	/usr/bin/stat -c %s /etc/passwd; done | /usr/bin/sha256sum; /usr/bin/md5sum /etc/passwd /etc/group'

# Debian's nginx (nginx-light added to a copy of the tree; cached beside it): a master and
# worker processes (O_ASYNC on their channels), listen 80 and [::]:80 (ipv6only), tcp_nopush
# with sendfile; as root with docker's default capabilities, it serves requests through -p.
# tree_with DIR PACKAGE LOG: a copy of the minbase tree with PACKAGE installed, cached at DIR
# (made on the first run only).
tree_with() {
	[ -d "$1" ] && return
	echo "debian: adding $2 to a copy of $ROOT (first run only)"
	rm -rf "$1.tmp" && cp -a "$ROOT" "$1.tmp" && cp /etc/resolv.conf "$1.tmp/etc/resolv.conf" &&
		chroot "$1.tmp" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $2" >"$3" 2>&1 &&
		rm -rf "$1.tmp/var/cache/apt/archives"/*.deb "$1.tmp/var/lib/apt/lists"/* &&
		mv "$1.tmp" "$1"
}
NG=$CACHE/nginx
harness_selected nginx && tree_with "$NG" nginx-light "$T/nginx-apt.log"
harness_selected nginx && {
	if [ ! -x "$NG/usr/sbin/nginx" ]; then
		fail nginx "nginx-light could not be installed: $(tail -3 "$T/nginx-apt.log" 2>/dev/null)"
	else
		"$UNIK" convert -q --rootfs "$NG" -o "$T/ng.unik" -- /usr/sbin/nginx -g 'daemon off;'
		port=$((20000 + RANDOM % 20000))
		"$UNIK" run -p "$port:80" "$T/ng.unik" >"$T/ng.out" 2>&1 &
		pid=$!
		ok=0
		for i in $(seq 50); do
			curl -fsS --max-time 2 -o "$T/ng.html" "http://127.0.0.1:$port/" 2>/dev/null &&
				{ ok=1; break; }
			sleep 0.2
		done
		n=0
		if [ $ok = 1 ]; then
			for i in $(seq 20); do
				curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null &&
					n=$((n + 1))
			done
		fi
		kill -TERM $pid
		wait $pid
		st=$?
		if [ $ok = 1 ] && grep -q "Welcome to nginx" "$T/ng.html" && [ $n = 20 ] &&
		   { [ $st = 0 ] || [ $st = 143 ]; }; then
			pass nginx
		else
			fail nginx "served: $ok, then $n of 20, status $st; $(head -c 300 "$T/ng.out")"
		fi
	fi
}

# Debian's PostgreSQL 15 (added to a copy of the tree; cached beside it), as the postgres user:
# initdb into a volume, the server (System V shared memory, forked backends, a Unix socket),
# psql's perl wrapper (a #! script run as a non-root user) and queries, a clean shutdown.
PGT=$CACHE/postgres
harness_selected postgres && tree_with "$PGT" postgresql-15 "$T/pg-apt.log"
harness_selected postgres && {
	if [ ! -x "$PGT/usr/lib/postgresql/15/bin/postgres" ]; then
		fail postgres "postgresql-15 could not be installed: $(tail -3 "$T/pg-apt.log" 2>/dev/null)"
	else
		"$UNIK" convert -q --rootfs "$PGT" -o "$T/pg.unik"
		mkdir -p "$T/pgdata" && chmod 777 "$T/pgdata"
		B=/usr/lib/postgresql/15/bin
		timeout 300 "$UNIK" run -m 1g -u postgres -v "$T/pgdata:/pgdata" "$T/pg.unik" /bin/bash -c "
			$B/initdb -D /pgdata/d -A trust -U postgres >/pgdata/initdb.log 2>&1 || exit 3
			$B/pg_ctl -D /pgdata/d -o '-c listen_addresses= -k /tmp' -w start -l /pgdata/log >/dev/null || exit 4
			psql -h /tmp -U postgres -At -c 'create table t(a int); insert into t select generate_series(1,100000); select count(*), sum(a) from t;'
			psql -h /tmp -U postgres -At -c 'select datname from pg_database order by 1'
			$B/pg_ctl -D /pgdata/d -w stop >/dev/null || exit 5" >"$T/pg.out" 2>&1
		st=$?
		want=$(printf 'CREATE TABLE\nINSERT 0 100000\n100000|5000050000\npostgres\ntemplate0\ntemplate1')
		if [ $st = 0 ] && [ "$(cat "$T/pg.out")" = "$want" ] && ls "$T/pgdata/d/base" | grep -qx 5; then
			pass postgres
		else
			fail postgres "status $st: $(head -c 400 "$T/pg.out"); $(tail -3 "$T/pgdata/initdb.log" 2>/dev/null)"
		fi
	fi
}

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
