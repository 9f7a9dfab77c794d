#!/usr/bin/env bash
# volume.sh: host directories in the guest end to end. `-v HOSTDIR:GUESTDIR[:ro]` with a bare
# static program (built here with musl-gcc) and with the busybox image of convert/build-image.sh;
# :ro refused with EROFS; user.* xattrs reach the host's file (and only those); symlinks in the share (to /, to ../../etc, to the share's parent, or
# made by the guest) resolve in the guest's tree, never the host's; a file the host replaces is
# seen; changes the host makes are reported to inotify and dnotify watches as natively
# (tests/e2e/volume/vnotify.c); `--rootfs DIR` runs busybox from a directory tree; the CLI's
# errors; programs the guest ran from a share or wrote there stay executable on the host.
# Data written in the guest stays on the host after the VM ends.
# usage: tests/e2e/volume.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init volume "${1:-build/unik}"
T=$HARNESS_TMP
BUSYBOX=${BUSYBOX:-/bin/busybox}

pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

# check NAME WANT-STATUS WANT-STDOUT CMD...: runs CMD with the harness's stdio; stdout must be
# WANT-STDOUT exactly (a file's content when it starts with @).
check() {
	local name=$1 want=$2 out=$3
	shift 3
	harness_selected "$name" || return 0
	harness_exec "$T/r" "$@"
	local expect=$out
	[ "${out:0:1}" = @ ] && expect=$(cat "${out:1}")
	if [ "$HARNESS_STATUS" != "$want" ]; then
		fail "$name" "status $HARNESS_STATUS (want $want); $(head -c 300 "$T/r.err")"
	elif [ "$(cat "$T/r.out")" != "$expect" ]; then
		fail "$name" "stdout '$(head -c 300 "$T/r.out" | tr '\n' '|')', want '$(printf %s "$expect" | head -c 300 | tr '\n' '|')'"
	else
		pass "$name"
	fi
}

# host_check NAME CONDITION...: a fact about the host's files after a run.
host_check() {
	local name=$1
	shift
	harness_selected "$name" || return 0
	if "$@"; then pass "$name"; else fail "$name" "on the host: $*"; fi
}

# ---- a bare static program ----
cat >"$T/vprobe.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static int cat(const char *p)
{
	char b[256];
	int fd = open(p, O_RDONLY);
	if (fd < 0) {
		printf("%s: %s\n", p, strerror(errno));
		return 1;
	}
	ssize_t n = read(fd, b, sizeof(b));
	if (n > 0)
		fwrite(b, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static int put(const char *p, const char *text)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) ||
	    close(fd))
		return printf("%s: %s\n", p, strerror(errno)), 1;
	return 0;
}

static void spin_ms(long ms)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static const char *errname(int e)
{
	return e == EROFS ? "EROFS" : e == ENODEV ? "ENODEV" : e == ENOENT ? "ENOENT" :
	       e == EACCES ? "EACCES" : e == EPERM ? "EPERM" : e == EEXIST ? "EEXIST" :
	       e == ENODATA ? "ENODATA" : e == ERANGE ? "ERANGE" : e == EOPNOTSUPP ? "EOPNOTSUPP" :
	       e == E2BIG ? "E2BIG" : e == EINVAL ? "EINVAL" :
	       strerror(e);
}

#define TRY(what, call) printf("%s %s\n", what, (call) < 0 ? errname(errno) : "ok")

/* Prints the value of name (or the error) at path p; size 0 asks for the length first. */
static void xget(const char *p, const char *name)
{
	char v[256];
	ssize_t n = getxattr(p, name, NULL, 0);
	if (n >= 0)
		n = getxattr(p, name, v, sizeof(v));
	if (n < 0)
		printf("get %s %s\n", name, errname(errno));
	else
		printf("get %s '%.*s'\n", name, (int)n, v);
}

/* Extended attributes on a volume file (d/xf, with user.fromhost set by the host) and on a
   symlink to it (d/xlink). */
static int xattrs(const char *d)
{
	char f[512], l[512], v[8], list[256];
	snprintf(f, sizeof(f), "%s/xf", d);
	snprintf(l, sizeof(l), "%s/xlink", d);
	xget(f, "user.fromhost");
	TRY("set create", setxattr(f, "user.guest", "guest value", 11, XATTR_CREATE));
	TRY("set create again", setxattr(f, "user.guest", "x", 1, XATTR_CREATE));
	TRY("set replace absent", setxattr(f, "user.absent", "x", 1, XATTR_REPLACE));
	TRY("get short buffer", getxattr(f, "user.guest", v, 3));
	printf("length %zd\n", getxattr(f, "user.guest", NULL, 0));
	TRY("set trusted.x", setxattr(f, "trusted.x", "x", 1, 0));
	TRY("set security.capability", setxattr(f, "security.capability", "x", 1, 0));
	static const unsigned char fcap[20] = { 0, 0, 0, 2, 0, 0x20 };  /* v2, NET_RAW */
	TRY("set a valid security.capability", setxattr(f, "security.capability", fcap, 20, 0));
	TRY("set user.gone", setxattr(f, "user.gone", "x", 1, 0));
	TRY("remove user.gone", removexattr(f, "user.gone"));
	TRY("remove user.gone again", removexattr(f, "user.gone"));
	TRY("lset on a symlink", lsetxattr(l, "user.x", "x", 1, 0));
	TRY("lget on a symlink", lgetxattr(l, "user.fromhost", v, sizeof(v)));
	int fd = open(f, O_RDONLY);
	TRY("fset", fsetxattr(fd, "user.byfd", "fd", 2, 0));
	xget(l, "user.byfd");                   /* followed to the file */
	/* The names come in the host's order: counted, not printed. */
	ssize_t n = listxattr(f, list, sizeof(list));
	TRY("list short buffer", listxattr(f, list, 4));
	int count = 0;
	for (ssize_t at = 0; at < n; at += (ssize_t)strlen(list + at) + 1)
		count++;
	printf("list %zd bytes, %d names\n", n, count);
	return 0;
}

int main(int argc, char **argv)
{
	char p[512], q[512];
	const char *d = argv[2];
	if (!strcmp(argv[1], "rw")) {           /* read the host's file, leave files behind */
		snprintf(p, sizeof(p), "%s/in.txt", d);
		cat(p);
		snprintf(p, sizeof(p), "%s/out.txt", d);
		if (put(p, "written in the guest\n"))
			return 1;
		snprintf(p, sizeof(p), "%s/sub", d);
		TRY("mkdir", mkdir(p, 0750));
		snprintf(p, sizeof(p), "%s/sub/tmp", d);
		snprintf(q, sizeof(q), "%s/sub/kept", d);
		put(p, "renamed\n");
		TRY("rename", rename(p, q));
		snprintf(p, sizeof(p), "%s/gone", d);
		put(p, "x");
		TRY("unlink", unlink(p));
		snprintf(p, sizeof(p), "%s/link", d);
		TRY("symlink", symlink("out.txt", p));
		struct stat st;
		TRY("stat", stat(p, &st));
		printf("size %lld\n", (long long)st.st_size);
		struct statfs sf;
		TRY("statfs", statfs(d, &sf));
		return 0;
	}
	if (!strcmp(argv[1], "ro")) {           /* every change refused */
		snprintf(p, sizeof(p), "%s/in.txt", d);
		snprintf(q, sizeof(q), "%s/new", d);
		TRY("creat", open(q, O_WRONLY | O_CREAT, 0644));
		TRY("open-w", open(p, O_WRONLY));
		TRY("mkdir", mkdir(q, 0755));
		TRY("unlink", unlink(p));
		TRY("rename", rename(p, q));
		TRY("chmod", chmod(p, 0600));
		TRY("truncate", truncate(p, 0));
		TRY("symlink", symlink("x", q));
		return cat(p);
	}
	if (!strcmp(argv[1], "cat"))
		return cat(d);
	if (!strcmp(argv[1], "xattr"))
		return xattrs(d);
	if (!strcmp(argv[1], "xattr-big")) {    /* the largest value Linux allows, and one more */
		static char big[65537], back[65536];
		snprintf(p, sizeof(p), "%s/big", d);
		put(p, "");
		memset(big, 'b', sizeof(big));
		TRY("set 65536", setxattr(p, "user.big", big, 65536, 0));
		ssize_t n = getxattr(p, "user.big", back, sizeof(back));
		printf("get %zd bytes, %s\n", n, n == 65536 && !memcmp(big, back, 65536) ? "same" : "differ");
		TRY("get short", getxattr(p, "user.big", back, 65535));
		TRY("set 65537", setxattr(p, "user.big", big, 65537, 0));
		return 0;
	}
	if (!strcmp(argv[1], "xattr-ro")) {     /* read, never changed */
		snprintf(p, sizeof(p), "%s/xf", d);
		xget(p, "user.fromhost");
		TRY("set", setxattr(p, "user.new", "x", 1, 0));
		TRY("remove", removexattr(p, "user.fromhost"));
		return 0;
	}
	if (!strcmp(argv[1], "mapw")) {         /* shared writable: read, a child and the host see it */
		int fd = open(d, O_RDWR | O_CREAT, 0644);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) || (st.st_size < 8192 && ftruncate(fd, 8192)))
			return printf("open: %s\n", strerror(errno)), 1;
		char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return printf("mmap: %s\n", strerror(errno)), 1;
		printf("byte 0: %d\n", m[0]);         /* a read first: the page is mapped read-only */
		memcpy(m, "mapped write", 12);
		char b[16] = { 0 };
		TRY("pread", pread(fd, b, 12, 0));
		printf("read sees: %s\n", b);
		if (fork() == 0) {
			m[4096] = 'C';
			_exit(0);
		}
		wait(NULL);
		printf("the child's store: %c\n", m[4096]);
		strcpy(m + 100, "for the host");
		TRY("msync", msync(m, 8192, MS_SYNC));
		strcpy(m + 200, "at exit");         /* no msync: written back when the VM ends */
		return 0;
	}
	if (!strcmp(argv[1], "mmap")) {         /* private and shared writable mappings */
		int fd = open(d, O_RDWR);
		char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return printf("mmap: %s\n", strerror(errno)), 1;
		printf("%.5s\n", m);
		TRY("shared-rw", (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
		TRY("pwrite", pwrite(fd, "HE", 2, 0));
		printf("%.5s\n", m);                   /* a private page sees the file's change */
		return 0;
	}
	if (!strcmp(argv[1], "reread")) {       /* the host replaces the file meanwhile */
		snprintf(p, sizeof(p), "%s/f", d);
		snprintf(q, sizeof(q), "%s/ready", d);
		cat(p);
		put(q, "");
		snprintf(q, sizeof(q), "%s/replaced", d);
		struct stat st;
		for (int i = 0; i < 20000 && stat(q, &st); i++)
			spin_ms(1);
		spin_ms(1200);                          /* names are checked again after 1 s */
		return cat(p);
	}
	return 2;
}
EOF
if ! musl-gcc -static -O2 -o "$T/vprobe" "$T/vprobe.c" 2>"$T/cc.err"; then
	fail "build vprobe" "$(head -c 300 "$T/cc.err")"
fi
V=$T/vol
mkdir -p "$V"
echo "put there by the host" >"$V/in.txt"
check "bare rw" 0 "put there by the host
mkdir ok
rename ok
unlink ok
symlink ok
stat ok
size 21
statfs ok" "$UNIK" run -v "$V:/data" "$T/vprobe" rw /data
host_check "bare rw: files stay on the host" \
	test "$(cat "$V/out.txt" "$V/sub/kept")" = "written in the guest
renamed"
host_check "bare rw: no leftovers, link and mode as made" \
	test ! -e "$V/gone" -a ! -e "$V/sub/tmp" -a "$(readlink "$V/link")" = out.txt \
	-a "$(stat -c %a "$V/sub")" = 750
check "bare ro" 0 "creat EROFS
open-w EROFS
mkdir EROFS
unlink EROFS
rename EROFS
chmod EROFS
truncate EROFS
symlink EROFS
put there by the host" "$UNIK" run -v "$V:/data:ro" "$T/vprobe" ro /data
host_check "bare ro: host unchanged" test ! -e "$V/new" -a -e "$V/in.txt"
check "bare mmap" 0 "put t
shared-rw ok
pwrite ok
HEt t" "$UNIK" run -v "$V:/data" "$T/vprobe" mmap /data/in.txt
echo "put there by the host" >"$V/in.txt"
MAPW_OUT="byte 0: 0
pread ok
read sees: mapped write
the child's store: C
msync ok"
check "bare shared writable mmap of a volume file" 0 "$MAPW_OUT" \
	"$UNIK" run -v "$V:/data" "$T/vprobe" mapw /data/mapw
at() { dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null; }
host_check "shared writable mmap: stores on the host" \
	test "$(at "$V/mapw" 0 12)" = "mapped write" -a "$(at "$V/mapw" 4096 1)" = C -a \
	"$(at "$V/mapw" 100 12)" = "for the host" -a "$(at "$V/mapw" 200 7)" = "at exit"

# Extended attributes: user.* set by the host is seen in the guest and the guest's reach the
# host's file; other namespaces never do; :ro refuses changes. Needs setfattr (package attr)
# and a host filesystem with user xattrs.
xattr_tests() {
	if ! command -v setfattr >/dev/null || ! command -v getfattr >/dev/null; then
		echo "SKIP xattrs on volumes: no setfattr/getfattr (package attr)"
		return
	fi
	: >"$V/xf"
	ln -sf xf "$V/xlink"
	if ! setfattr -n user.fromhost -v "set by the host" "$V/xf" 2>"$T/setfattr.err"; then
		echo "SKIP xattrs on volumes: $V keeps no user xattrs ($(cat "$T/setfattr.err"))"
		return
	fi
	# --privileged: with CAP_SYS_ADMIN a trusted.* name gets past the guest's own check and
	# must be refused by the volume (docker's default set stops it earlier, with EPERM).
	check "bare xattrs" 0 "get user.fromhost 'set by the host'
set create ok
set create again EEXIST
set replace absent ENODATA
get short buffer ERANGE
length 11
set trusted.x EOPNOTSUPP
set security.capability EINVAL
set a valid security.capability EOPNOTSUPP
set user.gone ok
remove user.gone ok
remove user.gone again ENODATA
lset on a symlink EPERM
lget on a symlink ENODATA
fset ok
get user.byfd 'fd'
list short buffer ERANGE
list 35 bytes, 3 names" "$UNIK" run --privileged -v "$V:/data" "$T/vprobe" xattr /data
	host_check "bare xattrs: the guest's values on the host" \
		test "$(getfattr --absolute-names --only-values -n user.guest "$V/xf")" = "guest value" -a \
		"$(getfattr --absolute-names --only-values -n user.byfd "$V/xf")" = fd
	host_check "bare xattrs: nothing else reached the host" \
		test "$(getfattr -m - --absolute-names -d "$V/xf" | grep -c '^user\.')" = 3 -a \
		"$(getfattr -h -m - --absolute-names -d "$V/xlink" | grep -c '^user\.')" = 0 -a \
		-z "$(getfattr -m '^(trusted|security\.capability)' --absolute-names -d "$V/xf")"
	check "bare xattrs :ro" 0 "get user.fromhost 'set by the host'
set EROFS
remove EROFS" "$UNIK" run -v "$V:/data:ro" "$T/vprobe" xattr-ro /data
	host_check "bare xattrs :ro: host unchanged" \
		test "$(getfattr -m - --absolute-names -d "$V/xf" | grep -c '^user\.')" = 3
	# Values up to 64 KiB where the host's filesystem takes them (tmpfs does; ext4 only with
	# ea_inode): the same answers as natively.
	local big
	big=$(mktemp -d /dev/shm/unik-xattr.XXXXXX 2>/dev/null) || big=$(mktemp -d "$T/big.XXXXXX")
	"$T/vprobe" xattr-big "$big" >"$T/big.native" 2>&1
	if [ "$(sed -n 1p "$T/big.native")" != "set 65536 ok" ]; then
		echo "SKIP xattrs of 64 KiB on volumes: $big refuses them natively ($(head -1 "$T/big.native"))"
	else
		check "bare xattrs of 64 KiB" 0 "@$T/big.native" "$UNIK" run -v "$big:/big" "$T/vprobe" \
			xattr-big /big
	fi
	rm -rf "$big"
}
xattr_tests

# Escapes: links made on the host that point out of the share lead into the guest's own (here
# empty) tree; ".." stops at the guest's root.
mkdir -p "$T/outside" && echo SECRET >"$T/outside/secret"
ln -s ../outside "$V/up"
ln -s "$T/outside" "$V/abs"
ln -s / "$V/slash"
for p in /data/up/secret /data/abs/secret "/data/slash$T/outside/secret" \
	/data/../outside/secret "/data/slash/../..$T/outside/secret"; do
	check "bare escape $p" 1 "$p: No such file or directory" \
		"$UNIK" run -v "$V:/data" "$T/vprobe" cat "$p"
done

# A file replaced on the host (as editors save: write a new file, rename it over) is seen.
if harness_selected "bare reread"; then
	echo one >"$V/f"
	rm -f "$V/ready" "$V/replaced"
	(
		for _ in $(seq 200); do [ -e "$V/ready" ] && break; sleep 0.1; done
		echo two >"$V/f.new" && mv "$V/f.new" "$V/f" && touch "$V/replaced"
	) &
	check "bare reread" 0 "one
two" "$UNIK" run -v "$V:/data" "$T/vprobe" reread /data
	wait
fi

# ---- host changes reported to the guest's watches ----
# tests/e2e/volume/vnotify watches a directory while this script changes it on the host, once
# natively and once under unik on a volume; both runs must print the same (the events, and what
# the program then sees through stat, read and a new mapping).
if ! musl-gcc -static -O2 -o "$T/vnotify" tests/e2e/volume/vnotify.c 2>"$T/cc.err"; then
	fail "build vnotify" "$(head -c 300 "$T/cc.err")"
fi
notify_prep() { rm -rf "$1"; mkdir -p "$1/w" "$1/ctl"; echo v1 >"$1/w/watched"; }
notify_wait() {
	local _
	for _ in $(seq 400); do [ -e "$1" ] && return 0; sleep 0.05; done
	echo "host: $1 never came" >&2
	return 1
}
notify_step() { touch "$ND/ctl/step$1" && notify_wait "$ND/ctl/ack$1"; }
# The host's changes, each step answered by the program (what it saw is then deterministic).
notify_steps() {
	ND=$1
	notify_wait "$ND/ctl/ready" || return
	echo one >"$ND/w/a" && notify_step 1 || return
	echo v2 >>"$ND/w/watched" && notify_step 2 || return
	chmod 600 "$ND/w/a" && notify_step 3 || return
	mv "$ND/w/a" "$ND/w/b" && notify_step 4 || return
	mkdir "$ND/w/sub" && notify_step 5 || return
	rmdir "$ND/w/sub" && notify_step 6 || return
	rm "$ND/w/b" && notify_step 7 || return
	# as editors save: a new file renamed over the watched one
	printf 'v3\n' >"$ND/w/watched.new" && mv "$ND/w/watched.new" "$ND/w/watched" &&
		notify_step 8 || return
	touch "$ND/ctl/done"
}
notify_dnotify() {
	ND=$1
	notify_wait "$ND/ctl/ready" || return
	echo x >"$ND/w/a" && notify_step 1 || return
	chmod 600 "$ND/w/a" && notify_step 2 || return        # not asked for (no DN_ATTRIB)
	mv "$ND/w/a" "$ND/w/b" && notify_step 3 || return
	rm "$ND/w/b" && notify_step 4 || return
	touch "$ND/ctl/done"
}
notify_flood() {        # 6,000 files: 24,000 events, more than a queue holds (16,384)
	notify_wait "$1/ctl/ready" || return
	(cd "$1/w" && seq -f f%g 6000 | xargs touch)
	touch "$1/ctl/flooded"
}
# notify_case NAME MODE WANT: vnotify MODE natively, then under unik, against the same changes;
# the native output must contain the line WANT (else the case proves nothing).
notify_case() {
	local name=$1 mode=$2 want=$3
	harness_selected "$name" || return 0
	notify_prep "$T/nn"
	"notify_$mode" "$T/nn" &
	harness_exec "$T/nat" "$T/vnotify" "$mode" "$T/nn"
	wait
	if [ "$HARNESS_STATUS" != 0 ] || ! grep -qxF "$want" "$T/nat.out"; then
		fail "$name" "BROKEN natively (status $HARNESS_STATUS, no '$want'): $(head -c 300 "$T/nat.out" "$T/nat.err")"
		return
	fi
	notify_prep "$T/nu"
	"notify_$mode" "$T/nu" &
	check "$name" 0 "@$T/nat.out" "$UNIK" run -v "$T/nu:/data" "$T/vnotify" "$mode" /data
	wait
}
notify_case "inotify on a volume: the host's changes step by step" steps "  mmap w/watched: v3"
notify_case "dnotify on a volume: the host's changes" dnotify "step 3: w signalled: yes"
notify_case "inotify on a volume: a host flood while the program computes" flood \
	"overflow reported: yes"

# ---- the busybox image ----
bash tests/e2e/convert/build-image.sh "$T" >"$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }
"$UNIK" convert -q "$T/oa.tar" -o "$T/bb.unik" || exit 1
bb() {  # NAME WANT-STATUS WANT-STDOUT unik-run-options... -- applet args...
	local name=$1 want=$2 out=$3
	shift 3
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	check "$name" "$want" "$out" "$UNIK" run -u 0:0 "${opts[@]}" --entrypoint /bin/busybox \
		"$T/bb.unik" "$@"
}
B=$T/bbvol
mkdir -p "$B"
printf 'line one\nline two\n' >"$B/text"
echo data >"$B/other"
bb "busybox cat" 0 "line one
line two" -v "$B:/data" -- cat /data/text
(cd "$B" && "$BUSYBOX" ls -ln . >"$T/ls.want")
bb "busybox ls -ln (as on the host)" 0 "@$T/ls.want" -v "$B:/data" -w /data -- ls -ln .
bb "busybox cp into the volume" 0 "" -v "$B:/data" -- cp /etc/group /data/group
host_check "busybox cp: on the host" cmp -s "$B/group" <(printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n')
# Large image files leave through sendfile straight from the image (no bounce copy).
bb "busybox cp a large image file into the volume" 0 "" -v "$B:/data" -- cp /bin/busybox /data/bb
host_check "busybox cp of a large image file: intact on the host" cmp -s "$B/bb" "$BUSYBOX"
rm -f "$B/bb"
bb "busybox cat of a large image file" 0 "" -- sh -c 'cat /bin/busybox >/dev/null'
harness_selected "busybox cat of a large image file to the console" && {
	harness_exec "$T/r" "$UNIK" run --entrypoint /bin/busybox "$T/bb.unik" cat /bin/busybox
	if [ "$HARNESS_STATUS" = 0 ] && cmp -s "$T/r.out" "$BUSYBOX"; then
		pass "busybox cat of a large image file to the console"
	else
		fail "busybox cat of a large image file to the console" "status $HARNESS_STATUS; $(cmp "$T/r.out" "$BUSYBOX" 2>&1 | head -c 200)"
	fi
}
# A shared writable mapping of a file from the image (its page was first mapped read-only
# from the image itself; the first store copies the file up). An ELF file starts with 127.
harness_selected "shared writable mmap of an image file" && {
	harness_exec "$T/r" "$UNIK" run -u 0:0 -v "$T:/t:ro" --entrypoint /t/vprobe "$T/bb.unik" \
		mapw /bin/busybox
	if [ "$HARNESS_STATUS" = 0 ] && [ "$(cat "$T/r.out")" = "${MAPW_OUT/byte 0: 0/byte 0: 127}" ]; then
		pass "shared writable mmap of an image file"
	else
		fail "shared writable mmap of an image file" "status $HARNESS_STATUS; $(head -c 300 "$T/r.out" "$T/r.err")"
	fi
}
bb "busybox mkdir -p" 0 "" -v "$B:/data" -- mkdir -p /data/d1/d2/d3
host_check "busybox mkdir -p: on the host" test -d "$B/d1/d2/d3"
bb "busybox rm" 0 "" -v "$B:/data" -- rm -r /data/d1 /data/other
host_check "busybox rm: gone on the host" test ! -e "$B/d1" -a ! -e "$B/other" -a -e "$B/text"
bb "busybox ls in a volume inside a volume" 0 "kept" \
	-v "$B:/data" -v "$T/vol:/data/inner:ro" -- ls /data/inner/sub
host_check "nested volume: mount point made on the host" test -d "$B/inner"
bb "busybox :ro" 1 "" -v "$B:/data:ro" -- touch /data/new
harness_selected "busybox :ro" && { grep -q "Read-only file system" "$T/r.err" ||
	fail "busybox :ro message" "$(cat "$T/r.err")"; }
host_check "busybox :ro: host unchanged" test ! -e "$B/new"
# Symlinks pointing out of the share: the guest's /, never the host's.
ln -s / "$B/rootlink"
ln -s ../../etc "$B/etclink"
ln -s .. "$B/dotdot"
bb "busybox ls through a link to /" 0 "bin
data
dev
etc
opt
proc
tmp" -v "$B:/data" -- ls /data/rootlink/
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$T/pw1"
cat "$T/pw1" "$T/pw1" >"$T/passwd.want"
bb "busybox cat through a link to ../../etc" 0 "@$T/passwd.want" -v "$B:/data" -- \
	cat /data/etclink/passwd /data/dotdot/etc/passwd
# A link the guest makes to / stays a link on the host and leads to the guest's /.
bb "busybox ln -s / in the guest" 0 "" -v "$B:/data" -- ln -s / /data/made
host_check "guest link on the host" test "$(readlink "$B/made")" = /
bb "busybox ls through the guest's link" 0 "bin
data
dev
etc
opt
proc
tmp" -v "$B:/data" -- ls /data/made/

# ---- --rootfs DIR ----
R=$T/rootfs
mkdir -p "$R/bin" "$R/etc"
cp "$BUSYBOX" "$R/bin/busybox"
for a in sh ls cat echo; do ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
check "--rootfs busybox echo" 0 "hello from the tree" \
	"$UNIK" run --rootfs "$R" /bin/busybox echo hello from the tree
check "--rootfs PATH lookup and HOME" 0 "/root" "$UNIK" run --rootfs "$R" -- sh -c 'echo $HOME'
check "--rootfs ls /bin" 0 "busybox
cat
echo
ls
sh" "$UNIK" run --rootfs "$R" ls -1 /bin
check "--rootfs writes stay" 0 "" "$UNIK" run --rootfs "$R" -w /work -- sh -c 'echo kept > f'
host_check "--rootfs: file and workdir on the host" test "$(cat "$R/work/f" 2>/dev/null)" = kept
check "--rootfs with a volume" 0 "line one
line two" "$UNIK" run --rootfs "$R" -v "$B:/mnt/v:ro" cat /mnt/v/text
check "--rootfs command not found" 127 "" "$UNIK" run --rootfs "$R" nosuchcmd

# ---- the CLI ----
cli_err() {     # NAME WANT-STDERR-PATTERN unik-run-args...
	local name=$1 pat=$2
	shift 2
	harness_selected "$name" || return 0
	harness_exec "$T/r" "$UNIK" run "$@"
	if [ "$HARNESS_STATUS" != 125 ] || ! grep -q -- "$pat" "$T/r.err"; then
		fail "$name" "status $HARNESS_STATUS, stderr '$(head -c 200 "$T/r.err")'"
	else
		pass "$name"
	fi
}
cli_err "-v relative host dir" "HOSTDIR must be an absolute path" -v rel:/x "$T/vprobe" cat /x
cli_err "-v relative guest dir" "mount path must be absolute" -v "$V:x" "$T/vprobe" cat /x
cli_err "-v destination /" "destination can't be '/'" -v "$V:/" "$T/vprobe" cat /x
cli_err "-v bad mode" "invalid mode: rx" -v "$V:/x:rx" "$T/vprobe" cat /x
cli_err "-v duplicate" "Duplicate mount point: /x" -v "$V:/x" -v "$B:/x/" "$T/vprobe" cat /x
cli_err "-v a file" "only directories" -v "$V/in.txt:/x" "$T/vprobe" cat /x
cli_err "-v anonymous" "anonymous volumes" -v /x "$T/vprobe" cat /x
cli_err "--rootfs missing" "No such file or directory" --rootfs "$T/none" /bin/sh
check "-v creates a missing host dir" 1 "/x/f: No such file or directory" \
	"$UNIK" run -v "$T/new/deep:/x" "$T/vprobe" cat /x/f
harness_selected "-v creates a missing host dir" && {
	[ "$(stat -c %a "$T/new/deep" 2>/dev/null)" = 755 ] ||
		fail "-v created dir mode" "$(stat -c %a "$T/new/deep" 2>&1)"; }

# A program the guest ran from the share stays executable on the host while the guest lives: the
# monitor reads the file through a read-only fd (one open for writing makes the host's exec fail
# with ETXTBSY, and tells the host's watchers the file was written).
harness_selected "the host runs a program the guest ran from the share" && {
	mkdir -p "$T/xv" && cp "$BUSYBOX" "$T/xv/busybox" && rm -f "$T/xv/ran"
	"$UNIK" run -v "$T/xv:/xv" "$T/xv/busybox" sh -c \
		'/xv/busybox true && echo ran >/xv/ran && /xv/busybox sleep 5' >/dev/null 2>&1 &
	upid=$!
	for i in $(seq 100); do [ -s "$T/xv/ran" ] && break; sleep 0.1; done
	"$T/xv/busybox" true 2>"$T/xv.err"; st=$?
	wait $upid
	[ -s "$T/xv/ran" ] && [ $st -eq 0 ] && pass "the host runs a program the guest ran from the share" ||
		fail "the host runs a program the guest ran from the share" \
			"ran: $(cat "$T/xv/ran" 2>&1), host exec status $st: $(head -c 200 "$T/xv.err")"
}

# The same for a program the guest writes into the share (a build's output) once it has closed it.
harness_selected "the host runs a program the guest wrote to the share" && {
	mkdir -p "$T/xv" && cp "$BUSYBOX" "$T/xv/busybox"
	rm -rf "$T/xv/out" "$T/xv/done" && mkdir "$T/xv/out"
	"$UNIK" run -v "$T/xv:/xv" "$T/xv/busybox" sh -c \
		'/xv/busybox cp /xv/busybox /xv/out/busybox && echo >/xv/done && /xv/busybox sleep 5' \
		>/dev/null 2>&1 &
	upid=$!
	for i in $(seq 100); do [ -e "$T/xv/done" ] && break; sleep 0.1; done
	"$T/xv/out/busybox" true 2>"$T/xv.err"; st=$?
	wait $upid
	[ -e "$T/xv/done" ] && [ $st -eq 0 ] && pass "the host runs a program the guest wrote to the share" ||
		fail "the host runs a program the guest wrote to the share" \
			"host exec status $st: $(head -c 200 "$T/xv.err")"
}

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
