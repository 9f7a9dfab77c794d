#!/bin/bash
# End-to-end checks of `unik run` itself: exit statuses and messages for bad programs (docker's
# 125/126/127 and Linux's SIGSEGV for late ELF failures), hostile ELF files, host signals, --trace
# and --stats. usage: tests/e2e/cli.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init cli "${1:-build/unik}"
T=$HARNESS_TMP
HELLO=build/compat/musl/hello

pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

# expect NAME STATUS STDERR-PATTERN -- unik arguments...
expect() {
	local name=$1 want=$2 pat=$3
	shift 4
	harness_selected "$name" || return 0
	harness_exec "$T/case" "$UNIK" "$@"
	if [ "$HARNESS_STATUS" != "$want" ]; then
		fail "$name" "status $HARNESS_STATUS, want $want; stderr: $(head -c 300 "$T/case.err")"
	elif [ -n "$pat" ] && ! grep -qE "$pat" "$T/case.err"; then
		fail "$name" "stderr does not match /$pat/: $(head -c 300 "$T/case.err")"
	else
		pass "$name"
	fi
}

# patch FILE OFFSET BYTES(printf escapes): overwrite bytes in a copy of the hello binary.
mkelf() {
	local out=$1 off=$2 bytes=$3
	cp "$HELLO" "$out"
	printf "$bytes" | dd of="$out" bs=1 seek="$off" conv=notrunc status=none
}

printf 'hello\n' >"$T/text"; chmod +x "$T/text"
printf '#!/bin/sh\necho hi\n' >"$T/script"; chmod +x "$T/script"
: >"$T/empty"; chmod +x "$T/empty"
cp "$HELLO" "$T/noexec"; chmod -x "$T/noexec"
head -c 100 "$HELLO" >"$T/trunc"; chmod +x "$T/trunc"
mkelf "$T/class32" 4 '\001'                 # ELFCLASS32 (a header Linux reads as 32-bit)
mkelf "$T/bigendian" 5 '\002'
mkelf "$T/machine" 18 '\050\000'            # EM_ARM
mkelf "$T/etrel" 16 '\001\000'              # ET_REL
mkelf "$T/phentsize" 54 '\020\000'          # e_phentsize 16
mkelf "$T/phoff" 32 '\377\377\377\377\377\377\377\177'   # e_phoff far past the end
mkelf "$T/phnum" 56 '\377\377'              # e_phnum 65535
# First PT_LOAD's p_memsz set to 0 (p_filesz > p_memsz): Linux fails after its point of no return.
phoff=$(od -An -t u8 -j 32 -N 8 "$HELLO" | tr -d ' ')
phent=$(od -An -t u2 -j 54 -N 2 "$HELLO" | tr -d ' ')
for i in 0 1 2 3 4 5 6 7; do
	[ "$(od -An -t u4 -j $((phoff + i * phent)) -N 4 "$HELLO" | tr -d ' ')" = 1 ] && break
done
mkelf "$T/late" $((phoff + i * phent + 40)) '\000\000\000\000\000\000\000\000'
mkdir -p "$T/dir"
DYN=/bin/true

expect not-found 127 'No such file' -- run "$T/missing"
expect directory 126 'is a directory' -- run "$T/dir"
expect not-executable 126 'permission denied' -- run "$T/noexec"
expect text-file 126 'exec format error' -- run "$T/text"
expect script 126 '#! script' -- run "$T/script"
expect empty-file 126 'exec format error' -- run "$T/empty"
expect truncated-elf 126 'exec format error' -- run "$T/trunc"
# Linux's 64-bit ELF loader never reads EI_CLASS or EI_DATA: such a file runs natively, and so here.
expect elf-class32-byte 0 '' -- run "$T/class32"
expect elf-bigendian-byte 0 '' -- run "$T/bigendian"
expect elf-machine 126 'exec format error' -- run "$T/machine"
expect elf-rel 126 'exec format error' -- run "$T/etrel"
expect elf-phentsize 126 'exec format error' -- run "$T/phentsize"
expect elf-phoff 126 'exec format error' -- run "$T/phoff"
expect elf-phnum 126 'exec format error' -- run "$T/phnum"
expect elf-late-segv 139 'SIGSEGV while loading' -- run "$T/late"
expect dynamic 126 'dynamically linked' -- run "$DYN"
expect no-program 125 'no program' -- run
expect unknown-option 125 'unknown option' -- run --bogus "$HELLO"
expect bad-memory 125 'invalid memory size' -- run -m 1k "$HELLO"
expect unknown-command 125 'unknown command' -- frobnicate
expect segv-report 139 'SIGSEGV.*address 0x0, ip 0x' -- run build/compat/glibc/segv
expect exit-status 3 '' -- run build/compat/musl/exitcode 3
expect trace 0 'write\(1, "write\(1\) line\\n", 14\) = 14' -- run --trace "$HELLO"
expect trace-enosys 0 'not implemented: -ENOSYS' -- run --trace build/compat/musl/errno
expect stats 0 'mode fast.*|CPL0 entries: [0-9]+' -- run --stats "$HELLO"
expect no-rewrite 0 'call sites rewritten 0' -- run --stats --no-rewrite "$HELLO"
# A site is rewritten at its second trap (its many writes here), not its first.
expect rewrite-second-trap 0 'call sites rewritten [1-9]' -- run --stats build/compat/musl/errno
expect memory-1g 0 '' -- run -m 1g "$HELLO"
# Isolated mode (the core at CPL0, for hardware KVM) is emulated here, slowly, but must keep working.
expect isolated-hello 0 'mode isolated' -- run --stats --mode isolated "$HELLO"
expect isolated-segv 139 'SIGSEGV.*address 0x0' -- run --mode isolated build/compat/glibc/segv
expect isolated-pie 3 '' -- run --mode isolated build/compat/glibc-pie/exitcode 3
# Preemption in isolated mode: the monitor's interrupt (not a redirect) stops spinning threads.
if harness_selected isolated-preempt; then
	build/compat/musl/preempt >"$T/preempt.native" 2>&1
	harness_exec "$T/preempt" timeout 120 "$UNIK" run --mode isolated build/compat/musl/preempt
	if [ "$HARNESS_STATUS" = 0 ] && cmp -s "$T/preempt.native" "$T/preempt.out"; then
		pass isolated-preempt
	else
		fail isolated-preempt "status $HARNESS_STATUS: $(head -c 300 "$T/preempt.out")"
	fi
fi

# Host signals reach the program as the same signal (docker's signal proxy), also while it
# computes without system calls or sleeps; SIGTERM becomes --stop-signal; a program that
# ignores them is stopped by a second SIGINT, or --stop-timeout seconds after SIGTERM (137).
cat >"$T/sigprog.c" <<'SRC'
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
static void on_sig(int sig)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "got %d\n", sig);
	write(1, b, n);
	_exit(sig);
}
int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "spin";
	if (!strcmp(mode, "handle")) {
		signal(SIGTERM, on_sig);
		signal(SIGUSR1, on_sig);
		signal(SIGHUP, on_sig);
	} else if (!strcmp(mode, "ignore")) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	} else if (!strcmp(mode, "pause")) {
		signal(SIGHUP, on_sig);
		write(1, "started\n", 8);
		pause();
		return 99;
	} else if (!strcmp(mode, "read")) {
		write(1, "started\n", 8);
		char c;
		return read(0, &c, 1) == 1 ? 98 : 97;
	}
	write(1, "started\n", 8);
	for (;;)
		;
}
SRC
# signal_case NAME WANT_STATUS WANT_OUTPUT_REGEX SIGNALS [-- UNIK_RUN_OPTIONS] -- ARGS
signal_case() {
	local name=$1 want=$2 re=$3 sigs=$4
	shift 4
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	harness_selected "$name" || return 0
	(sleep 3; echo) | "$UNIK" run -i "${opts[@]}" "$T/sigprog" "$@" >"$T/sig.out" 2>&1 &
	local pid=$!
	sleep 0.3
	local start sig
	start=$(date +%s%N)
	for sig in $sigs; do
		kill -"$sig" "$(pgrep -n -f "$T/sigprog")" 2>/dev/null
		sleep 0.3
	done
	wait $pid
	local st=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
	if [ $st -eq "$want" ] && grep -Eq "$re" "$T/sig.out"; then
		pass "$name"
	else
		fail "$name" "status $st (want $want) after ${ms} ms, output: $(tr '\n' ' ' <"$T/sig.out")"
	fi
}
if musl-gcc -static -O1 -o "$T/sigprog" "$T/sigprog.c" 2>/dev/null; then
	# The guest batches console output; what was pending shows even when a signal ends it.
	signal_case signal-INT 130 '^started$' INT -- spin
	signal_case signal-TERM 143 '^started$' TERM -- spin
	signal_case signal-handled-busy 15 '^got 15$' TERM -- handle
	signal_case signal-HUP-busy 1 '^got 1$' HUP -- handle
	signal_case signal-stop-signal 10 '^got 10$' TERM --stop-signal SIGUSR1 -- handle
	signal_case signal-paused 1 '^got 1$' HUP -- pause
	signal_case signal-console-read 130 '^started$' INT -- read
	signal_case signal-ignored-second-INT 130 '^started$' 'INT INT' -- ignore
	signal_case signal-stop-timeout 137 '^started$' TERM --stop-timeout 1 -- ignore
else
	fail signal-build "musl-gcc failed"
fi

# -t: the program runs on the host's terminal (here a pty from script(1)): raw mode reads a key
# without Enter, the window size and the foreground group are the terminal's; without -t it sees
# no terminal; -it without one on the host is docker's error.
cat >"$T/ttyprog.c" <<'SRC'
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
int main(int argc, char **argv)
{
	struct termios t, raw;
	struct winsize ws;
	printf("isatty %d %d\r\n", isatty(0), isatty(1));
	if (tcgetattr(0, &t)) {
		printf("no terminal\n");
		return 1;
	}
	raw = t;
	cfmakeraw(&raw);
	tcsetattr(0, TCSANOW, &raw);
	if (argc > 1 && !strcmp(argv[1], "detached")) {
		/* the input typed at 0.5 s must not arrive */
		struct pollfd p = { 0, POLLIN, 0 };
		int n = poll(&p, 1, 1500);
		tcsetattr(0, TCSANOW, &t);
		printf("terminal %d, input within 1.5 s: %d\n", isatty(0), n);
		return 0;
	}
	char c = 0;
	read(0, &c, 1);
	tcsetattr(0, TCSANOW, &t);
	ioctl(1, TIOCGWINSZ, &ws);
	printf("raw read '%c' winsize %dx%d foreground %d\n", c, ws.ws_col, ws.ws_row,
	       tcgetpgrp(0) == getpgrp());
	return 0;
}
SRC
# Job control on the terminal: a background group that reads it stops with SIGTTIN (EIO when
# SIGTTIN is ignored); with TOSTOP, one that writes it stops with SIGTTOU, and one that changes its
# modes does so without TOSTOP.
cat >"$T/ttyjob.c" <<'SRC'
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/wait.h>
static char summary[256];
static void bg(const char *what, int op)
{
	pid_t p = fork();
	if (p == 0) {
		setpgid(0, 0);
		char c;
		struct termios t;
		if (op == 1)
			signal(SIGTTIN, SIG_IGN);
		long r = op <= 1 ? read(0, &c, 1) : op == 2 ? write(1, "x\r\n", 3) :
			 (tcgetattr(0, &t), tcsetattr(0, TCSANOW, &t));
		_exit(r < 0 && errno == EIO ? 5 : r < 0 ? 6 : 0);
	}
	setpgid(p, p);
	int st;
	waitpid(p, &st, WUNTRACED);
	const char *how = "?";
	if (WIFSTOPPED(st)) {
		how = WSTOPSIG(st) == SIGTTIN ? "SIGTTIN" : WSTOPSIG(st) == SIGTTOU ? "SIGTTOU" : "stop";
		kill(p, SIGKILL);
		waitpid(p, &st, 0);
	} else if (WIFEXITED(st)) {
		how = WEXITSTATUS(st) == 5 ? "EIO" : WEXITSTATUS(st) == 6 ? "error" : "done";
	}
	snprintf(summary + strlen(summary), sizeof(summary) - strlen(summary), " %s=%s", what, how);
}
int main(void)
{
	bg("read", 0);
	bg("ignored", 1);
	struct termios t;
	tcgetattr(0, &t);
	t.c_lflag |= TOSTOP;
	tcsetattr(0, TCSANOW, &t);
	bg("tostop", 2);
	t.c_lflag &= ~TOSTOP;
	tcsetattr(0, TCSANOW, &t);
	bg("write", 2);
	bg("tcsetattr", 3);
	printf("jobs:%s\r\n", summary);
	return 0;
}
SRC
if command -v script >/dev/null && musl-gcc -static -O1 -o "$T/ttyprog" "$T/ttyprog.c" 2>/dev/null &&
   musl-gcc -static -O1 -o "$T/ttyjob" "$T/ttyjob.c" 2>/dev/null; then
	tty_case() {    # NAME WANT_STATUS WANT_REGEX INPUT UNIK_RUN_ARGS...
		local name=$1 want=$2 re=$3 input=$4
		shift 4
		harness_selected "$name" || return 0
		local out st
		out=$( (sleep 0.5; printf '%b' "$input") |
		       script -qfec "stty cols 100 rows 30; $UNIK run $*" /dev/null 2>&1)
		st=$?
		if [ $st -eq "$want" ] && echo "$out" | tr -d '\r' | grep -Eq "$re"; then
			pass "$name"
		else
			fail "$name" "status $st (want $want), output: $(echo "$out" | tr '\r\n' '  ' | head -c 300)"
		fi
	}
	tty_case tty-raw-mode 0 "raw read 'x' winsize 100x30 foreground 1" 'x' -it "$T/ttyprog"
	# -t without -i: a terminal (docker's pty) that no input reaches
	tty_case tty-without-i 0 'terminal 1, input within 1.5 s: 0' 'x' -t "$T/ttyprog" detached
	tty_case tty-none-without-t 1 'no terminal' '' "$T/ttyprog"
	tty_case tty-job-control 0 'jobs: read=SIGTTIN ignored=EIO tostop=SIGTTOU write=done tcsetattr=SIGTTOU$' \
		'' -t "$T/ttyjob"
	mkdir -p "$T/bbroot/bin"
	cp /bin/busybox "$T/bbroot/bin/" && ln -sf busybox "$T/bbroot/bin/sh"
	tty_case tty-interactive-shell 3 'hi-3' 'echo hi-$((1+2))\nexit 3\n' -it --rootfs "$T/bbroot" /bin/sh
	expect tty-it-without-terminal 125 'the input device is not a TTY' -- run -it "$T/ttyprog"
	# -t alone with no terminal on the host (output to a pipe): as docker, the program gets a
	# terminal of its own, and its output (\n made \r\n by the line discipline) is copied out.
	if harness_selected tty-no-host-terminal; then
		harness_exec "$T/case" "$UNIK" run -t "$T/ttyprog" detached
		if [ "$HARNESS_STATUS" = 0 ] && grep -q "^isatty 1 1" "$T/case.out" &&
		   grep -q "^terminal 1, input within 1.5 s: 0"$'\r'"$" "$T/case.out"; then
			pass tty-no-host-terminal
		else
			fail tty-no-host-terminal "status $HARNESS_STATUS: $(od -c "$T/case.out" | head -3)"
		fi
	fi
else
	fail tty-build "script(1) or musl-gcc missing"
fi

# poll/select/epoll on the console wait in the host: input that arrives later wakes the program; a wait
# on nothing that can ever become ready ends the program with 125 and says why.
cat >"$T/pollin.c" <<'EOF'
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
static long long ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "forever")) {
		printf("waiting\n");
		fflush(stdout);
		return poll(NULL, 0, -1);
	}
	if (argc > 1 && !strcmp(argv[1], "eventfd")) {
		unsigned long long v;
		return read(eventfd(0, 0), &v, 8);
	}
	long long t0 = ms();
	int r;
	if (argc > 1 && !strcmp(argv[1], "select")) {
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(0, &rd);
		r = select(1, &rd, NULL, NULL, NULL) * 10 + FD_ISSET(0, &rd);
	} else if (argc > 1 && !strcmp(argv[1], "epoll")) {
		int ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN };
		epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
		r = epoll_wait(ep, &ev, 1, -1) * 10 + (ev.events & EPOLLIN);
	} else {
		struct pollfd p = { 0, POLLIN, 0 };
		r = poll(&p, 1, -1) * 10 + (p.revents & POLLIN);  /* POLLHUP may come too */
	}
	char b[64];
	int n = read(0, b, sizeof(b) - 1);
	b[n > 0 ? n : 0] = 0;
	printf("ready %d, read %d: %s, waited for it: %s\n", r, n, b, ms() - t0 >= 200 ? "yes" : "no");
	return 0;
}
EOF
if musl-gcc -static -O1 -o "$T/pollin" "$T/pollin.c" 2>/dev/null; then
	for mode in poll select epoll; do
		name=console-wait-$mode
		harness_selected "$name" || continue
		out=$( (sleep 0.4; echo hi) | "$UNIK" run -i "$T/pollin" $mode 2>&1)
		if [ "$out" = "ready 11, read 3: hi
, waited for it: yes" ]; then
			pass "$name"
		else
			fail "$name" "output: $out"
		fi
	done
	# A thread reading the console does not hold up the other threads (the host read waits
	# until input is there).
	name=console-read-other-threads-run
	if harness_selected "$name"; then
		cat >"$T/thrread.c" <<'SRC'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static volatile int done;
static int p[2];
static void *writer(void *a)
{
	for (int i = 0; i < 5; i++) {
		usleep(20000);
		write(p[1], "x", 1);
	}
	done = 1;
	return NULL;
}
int main(void)
{
	pipe(p);
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	char c[16];
	int n = read(0, c, sizeof(c));
	int d = done;
	pthread_join(t, NULL);
	printf("console read %d, other thread done meanwhile %d\n", n, d);
	return 0;
}
SRC
		if musl-gcc -static -O1 -o "$T/thrread" "$T/thrread.c" 2>/dev/null; then
			out=$( (sleep 0.4; echo hi) | "$UNIK" run -i "$T/thrread" 2>&1)
			[ "$out" = "console read 3, other thread done meanwhile 1" ] && pass "$name" ||
				fail "$name" "output: $out"
		else
			fail "$name" "musl-gcc failed"
		fi
	fi
	# Edge-triggered epoll on the console, against the same program natively: stdout is
	# reported writable once, stdin once per burst of input that the host writes (not again
	# while data stays unread), and once more when the writer goes.
	name=console-epoll-edge
	if harness_selected "$name"; then
		cat >"$T/epollet.c" <<'SRC'
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
static char log_[512];
/* Waits up to ms and notes what came. */
static void wait_note(int ep, int ms, const char *what)
{
	struct epoll_event ev[4];
	char b[96];
	int n = epoll_wait(ep, ev, 4, ms);
	snprintf(b, sizeof(b), "%s: %d", what, n);
	strcat(log_, b);
	for (int i = 0; i < n; i++) {
		snprintf(b, sizeof(b), " fd%d%s%s%s", (int)ev[i].data.u32,
			 ev[i].events & EPOLLIN ? " in" : "", ev[i].events & EPOLLOUT ? " out" : "",
			 ev[i].events & EPOLLHUP ? " hup" : "");
		strcat(log_, b);
	}
	strcat(log_, "\n");
}
int main(void)
{
	int ep = epoll_create1(0);
	struct epoll_event e = { .events = EPOLLOUT | EPOLLET, .data.u32 = 1 };
	epoll_ctl(ep, EPOLL_CTL_ADD, 1, &e);
	wait_note(ep, 0, "stdout writable");
	wait_note(ep, 0, "stdout again");
	e = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u32 = 0 };
	epoll_ctl(ep, EPOLL_CTL_ADD, 0, &e);
	wait_note(ep, 5000, "first burst");
	wait_note(ep, 300, "data left unread, nothing new");
	wait_note(ep, 5000, "second burst");
	char b[64];
	int r = read(0, b, sizeof(b) - 1);
	b[r > 0 ? r : 0] = 0;
	wait_note(ep, 0, "after the read");
	wait_note(ep, 5000, "writer gone");
	wait_note(ep, 200, "nothing new");
	printf("%sread %d: %s\n", log_, r, b);
	return 0;
}
SRC
		if musl-gcc -static -O1 -o "$T/epollet" "$T/epollet.c" 2>/dev/null; then
			bursts() { sleep 0.5; printf aaa; sleep 1; printf bb; sleep 1; }
			want=$(bursts | "$T/epollet" | cat)
			out=$(bursts | "$UNIK" run -i "$T/epollet" 2>&1 | cat)
			[ "$out" = "$want" ] && pass "$name" ||
				fail "$name" "output: $(echo "$out" | tr '\n' '|'), native: $(echo "$want" | tr '\n' '|')"
		else
			fail "$name" "musl-gcc failed"
		fi
	fi
	# A wait nothing in the VM can end lasts, as on Linux, until a signal from the host.
	for mode in forever eventfd; do
		name=wait-for-host-signal-$mode
		harness_selected "$name" || continue
		"$UNIK" run "$T/pollin" $mode </dev/null >"$T/wait.out" 2>&1 &
		pid=$!
		sleep 0.5
		kill -0 $pid 2>/dev/null && running=yes || running=no
		kill -TERM $pid
		wait $pid
		st=$?
		if [ $running = yes ] && [ $st -eq 143 ]; then
			pass "$name"
		else
			fail "$name" "running after 0.5 s: $running, status $st"
		fi
	done
else
	fail pollin-build "musl-gcc failed"
fi

# Stepping the guest's wall clock (never the host's): with CAP_SYS_TIME (--privileged) it moves
# at once, the monotonic clock does not; waits and timers for a wall-clock time move with it
# (an absolute sleep and a condition variable's deadline pass at the step, a POSIX timer fires,
# a TFD_TIMER_CANCEL_ON_SET timerfd reads ECANCELED), relative ones do not (a relative
# CLOCK_REALTIME timerfd still takes its 0.5 s). docker's default set has no CAP_SYS_TIME: EPERM.
# The expectations are Linux's documented semantics (clock_settime(2), timerfd_create(2)); the
# native side cannot run here, it would step the host's clock.
cat >"$T/clockset.c" <<'SRC'
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
static struct timespec r0;
static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
static double slept, waited;
static int cond_err;
static volatile int fired;
static void on_usr1(int s) { fired++; }
static void *sleeper(void *a)
{
	struct timespec until = { r0.tv_sec + 1800, 0 };
	double t = mono();
	clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL);
	slept = mono() - t;
	return NULL;
}
static void *waiter(void *a)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec until = { r0.tv_sec + 1800, 0 };
	double t = mono();
	pthread_mutex_lock(&m);
	cond_err = pthread_cond_timedwait(&c, &m, &until);
	pthread_mutex_unlock(&m);
	waited = mono() - t;
	return NULL;
}
int main(void)
{
	clock_gettime(CLOCK_REALTIME, &r0);
	double m0 = mono();
	int cancel = timerfd_create(CLOCK_REALTIME, 0), rel = timerfd_create(CLOCK_REALTIME, 0);
	struct itimerspec abs_its = { { 0, 0 }, { r0.tv_sec + 100, 0 } };
	timerfd_settime(cancel, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &abs_its, NULL);
	signal(SIGUSR1, on_usr1);
	timer_t tm;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	timer_create(CLOCK_REALTIME, &ev, &tm);
	struct itimerspec tm_its = { { 0, 0 }, { r0.tv_sec + 1800, 0 } };
	timer_settime(tm, TIMER_ABSTIME, &tm_its, NULL);
	pthread_t a, b;
	pthread_create(&a, NULL, sleeper, NULL);
	pthread_create(&b, NULL, waiter, NULL);
	usleep(200000);
	struct itimerspec rel_its = { { 0, 0 }, { 0, 500000000 } };
	timerfd_settime(rel, 0, &rel_its, NULL);
	double rel_armed = mono();
	struct timespec step = { r0.tv_sec + 3600, r0.tv_nsec };
	if (clock_settime(CLOCK_REALTIME, &step)) {
		printf("clock_settime: %s\n", errno == EPERM ? "EPERM" : strerror(errno));
		return 0;
	}
	struct timespec r1;
	clock_gettime(CLOCK_REALTIME, &r1);
	printf("wall clock stepped an hour: %s\n",
	       r1.tv_sec - r0.tv_sec >= 3600 && r1.tv_sec - r0.tv_sec <= 3602 ? "yes" : "no");
	printf("monotonic clock unmoved: %s\n", mono() - m0 < 2 ? "yes" : "no");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("absolute sleep ended at the step: %s\n", slept < 2 ? "yes" : "no");
	printf("condition wait timed out at the step: %s\n",
	       cond_err == ETIMEDOUT && waited < 2 ? "yes" : "no");
	usleep(100000);
	printf("absolute POSIX timer fired: %d\n", fired);
	unsigned long long n;
	long r = read(cancel, &n, 8);
	printf("cancel-on-set timerfd: %s\n", r < 0 && errno == ECANCELED ? "ECANCELED" : "no");
	struct pollfd p = { cancel, POLLIN, 0 };
	printf("  then readable: %d\n", poll(&p, 1, 0));
	r = read(rel, &n, 8);
	double took = mono() - rel_armed;
	printf("relative timerfd took its 0.5 s: %s\n", r == 8 && took > 0.45 && took < 1.5 ? "yes" : "no");
	struct timezone tz = { 60, 0 }, back;
	settimeofday(NULL, &tz);
	struct timeval tv;
	gettimeofday(&tv, &back);
	printf("timezone kept: %d\n", back.tz_minuteswest);
	return 0;
}
SRC
# glibc: its condition variables wait for the wall-clock time itself (musl converts it to a
# relative wait, which a step does not move, on Linux either).
if gcc -static -O1 -pthread -o "$T/clockset" "$T/clockset.c" 2>/dev/null; then
	harness_selected clock-set && {
		out=$("$UNIK" run --privileged "$T/clockset" 2>&1)
		want="wall clock stepped an hour: yes
monotonic clock unmoved: yes
absolute sleep ended at the step: yes
condition wait timed out at the step: yes
absolute POSIX timer fired: 1
cancel-on-set timerfd: ECANCELED
  then readable: 0
relative timerfd took its 0.5 s: yes
timezone kept: 60"
		[ "$out" = "$want" ] && pass clock-set || fail clock-set "$(echo "$out" | tr '\n' '|')"
	}
	harness_selected clock-set-docker-default && {
		out=$("$UNIK" run "$T/clockset" 2>&1)
		[ "$out" = "clock_settime: EPERM" ] && pass clock-set-docker-default ||
			fail clock-set-docker-default "$out"
	}
else
	fail clockset-build "musl-gcc failed"
fi

# docker run's container flags, for a bare program (busybox itself), a --rootfs tree and an artifact
# made from it (unik convert --rootfs).
# expect_out NAME STATUS STDOUT -- unik arguments...: as expect, with the whole stdout instead
expect_out() {
	local name=$1 want=$2 out=$3
	shift 4
	harness_selected "$name" || return 0
	harness_exec "$T/case" "$UNIK" "$@"
	if [ "$HARNESS_STATUS" != "$want" ] || [ "$(cat "$T/case.out")" != "$out" ]; then
		fail "$name" "status $HARNESS_STATUS (want $want), stdout '$(tr '\n' '|' <"$T/case.out")' \
(want '$(echo "$out" | tr '\n' '|')'); stderr: $(head -c 200 "$T/case.err")"
	else
		pass "$name"
	fi
}
BB=$T/bb
mkdir -p "$BB/bin"
cp /bin/busybox "$BB/bin/" && ln -sf busybox "$BB/bin/sh"
"$UNIK" convert -q --rootfs "$BB" -e IMGVAR=image -e KEEP=image -o "$T/bb.unik" -- /bin/sh \
	>"$T/convert.log" 2>&1 ||
	fail bb-convert "$(head -c 300 "$T/convert.log")"

# -h/--hostname: uname, /proc/sys/kernel/hostname, /etc/hostname and /etc/hosts (images and trees;
# a bare program has no /etc) and HOSTNAME, which -e overrides; 64 bytes is sethostname's most.
SHOW_HOST='uname -n; cat /proc/sys/kernel/hostname; env | grep ^HOSTNAME='
SHOW_ETC='cat /etc/hostname; grep 127.0.1.1 /etc/hosts'
expect_out hostname-bare 0 "myhost
myhost
HOSTNAME=myhost" -- run -h myhost /bin/busybox sh -c "$SHOW_HOST"
expect_out hostname-rootfs 0 "web-1.example
web-1.example
HOSTNAME=web-1.example
web-1.example
127.0.1.1	web-1.example" -- run --hostname web-1.example --rootfs "$BB" /bin/sh -c "$SHOW_HOST; $SHOW_ETC"
expect_out hostname-artifact 0 "App1
App1
HOSTNAME=App1
App1
127.0.1.1	App1" -- run --hostname=App1 "$T/bb.unik" sh -c "$SHOW_HOST; $SHOW_ETC"
H64=h234567890123456789012345678901234567890123456789012345678901234
expect_out hostname-64-bytes 0 "$H64
$H64
HOSTNAME=$H64
$H64
127.0.1.1	$H64" -- run -h$H64 "$T/bb.unik" sh -c "$SHOW_HOST; $SHOW_ETC"
expect_out hostname-env-overrides 0 "named
HOSTNAME=other" -- run -h named -e HOSTNAME=other "$T/bb.unik" sh -c 'uname -n; env | grep ^HOSTNAME='
expect hostname-invalid-char 125 "^unik: invalid hostname 'my_host'" -- run -h my_host /bin/busybox true
expect hostname-invalid-dash 125 "^unik: invalid hostname '-x'" -- run --hostname=-x /bin/busybox true
expect hostname-invalid-dot 125 "^unik: invalid hostname '.x'" -- run --hostname .x --rootfs "$BB" /bin/sh
expect hostname-invalid-65-bytes 125 "^unik: invalid hostname 'h2345" -- run -h ${H64}x "$T/bb.unik"
expect hostname-invalid-empty 125 "^unik: invalid hostname ''" -- run --hostname= /bin/busybox true
# --ulimit TYPE=SOFT[:HARD]: the limits the program starts with (SOFT alone is both, -1 unlimited, the
# last of a type wins); docker's errors are 125, and so is a nofile above fs.nr_open (1048576),
# which docker's runtime cannot set. (busybox's ulimit -c counts 512-byte blocks.)
SHOW_LIMITS='echo $(ulimit -n) $(ulimit -Hn) $(ulimit -c) $(ulimit -Hc) $(ulimit -u) $(ulimit -Hu)'
expect_out ulimit-bare 0 "4096 8192 unlimited unlimited 63459 63459" -- \
	run --ulimit nofile=4096:8192 --ulimit core=-1 /bin/busybox sh -c "$SHOW_LIMITS"
expect_out ulimit-rootfs 0 "3000 5000 0 unlimited 50 50" -- run --ulimit nofile=2048 \
	--ulimit=nofile=3000:5000 --ulimit nproc=50 --rootfs "$BB" /bin/sh -c "$SHOW_LIMITS"
expect_out ulimit-artifact 0 "1048576 1048576 2048 4096 1024 unlimited" -- run --ulimit nofile=1048576 \
	--ulimit core=1048576:2097152 --ulimit nproc=1024:-1 "$T/bb.unik" sh -c "$SHOW_LIMITS"
expect ulimit-type-as 125 '^unik: invalid ulimit type: as$' -- run --ulimit as=1 /bin/busybox true
expect ulimit-type-upper 125 '^unik: invalid ulimit type: NOFILE$' -- run --ulimit NOFILE=1 /bin/busybox true
expect ulimit-no-value 125 '^unik: invalid ulimit argument: nofile$' -- run --ulimit nofile /bin/busybox true
expect ulimit-not-number 125 '^unik: invalid ulimit argument: nofile=1k$' -- run --ulimit nofile=1k /bin/busybox true
expect ulimit-three-values 125 'invalid ulimit argument' -- run --ulimit nofile=1:2:3 /bin/busybox true
expect ulimit-soft-above-hard 125 '^unik: ulimit soft limit must be less than or equal to hard limit: 5 > 4$' -- \
	run --ulimit nofile=5:4 /bin/busybox true
expect ulimit-unlimited-soft 125 'soft limit must be less than or equal to hard limit: -1 > 5' -- \
	run --ulimit core=-1:5 "$T/bb.unik"
expect ulimit-nofile-above-nr-open 125 '^unik: ulimit nofile above fs.nr_open' -- \
	run --ulimit nofile=1024:1048577 --rootfs "$BB" /bin/sh
expect ulimit-nofile-unlimited 125 '^unik: ulimit nofile above fs.nr_open' -- run --ulimit nofile=-1 /bin/busybox true

# --env-file FILE: docker's format (a BOM, leading white space, Unicode's too (a no-break space
# here), blank lines and '#' comments skipped; NAME=VALUE as it is, spaces and quotes kept; a
# CRLF's CR dropped; NAME alone takes the host's value, or, unset on the host, removes NAME from
# the image's environment); the files' entries come before every -e's, files in order, a later
# entry winning. docker's errors are 125; so is more than 4096 variables.
export HOSTVAR='from the host'
unset IMGVAR UNSETVAR
printf '\357\273\277# env file\nFIRST=1\n\n \t \n  \302\240INDENT=x\nSPACES=  a b  \nQUOTED="q"\n' >"$T/a.env"
printf 'HOSTVAR\nUNSETVAR\nIMGVAR\nCRLF=c\r\n#ORDER=comment\nORDER=a\n' >>"$T/a.env"
printf 'ORDER=b\nONLY_B=b' >"$T/b.env"
SHOW_ENV='for v in FIRST INDENT SPACES QUOTED HOSTVAR UNSETVAR IMGVAR KEEP CRLF ORDER ONLY_B; do
	env | grep "^$v=" || echo "$v unset"; done'
ENV_A=$(printf '%s\n' FIRST=1 INDENT=x 'SPACES=  a b  ' 'QUOTED="q"' 'HOSTVAR=from the host' \
	'UNSETVAR unset')
expect_out env-file-artifact 0 "$ENV_A
IMGVAR unset
KEEP=image
CRLF=c
ORDER=dash
ONLY_B=b" -- run -e ORDER=dash --env-file "$T/a.env" --env-file="$T/b.env" "$T/bb.unik" sh -c "$SHOW_ENV"
expect_out env-file-rootfs 0 "$ENV_A
IMGVAR unset
KEEP unset
CRLF=c
ORDER=a
ONLY_B=b" -- run --env-file "$T/b.env" --env-file "$T/a.env" --rootfs "$BB" /bin/sh -c "$SHOW_ENV"
expect_out env-file-bare 0 "$ENV_A
IMGVAR unset
KEEP=dash
CRLF=c
ORDER=b
ONLY_B=b" -- run -e KEEP=dash --env-file "$T/a.env" --env-file "$T/b.env" /bin/busybox sh -c "$SHOW_ENV"
printf 'OK=1\nA B=1\n' >"$T/space.env"
expect env-file-whitespace-name 125 "^unik: variable 'A B' contains whitespaces$" -- \
	run --env-file "$T/space.env" /bin/busybox true
expect env-file-missing 125 "^unik: --env-file $T/missing.env: No such file or directory$" -- \
	run --env-file "$T/missing.env" "$T/bb.unik"
expect env-file-directory 125 "^unik: --env-file $T: Is a directory$" -- run --env-file "$T" /bin/busybox true
printf 'OK=1\nBAD=\377\n' >"$T/utf8.env"
expect env-file-invalid-utf8 125 "^unik: env file $T/utf8.env contains invalid utf8 bytes at line 2$" -- \
	run --env-file "$T/utf8.env" /bin/busybox true
seq 4097 | sed 's/^/V/; s/$/=1/' >"$T/many.env"
expect env-file-too-many 125 'too many environment variables' -- run --env-file "$T/many.env" /bin/busybox true

# -h is docker's --hostname; --help stays help
if harness_selected help-names-hostname; then
	harness_exec "$T/case" "$UNIK" run --help
	[ "$HARNESS_STATUS" = 0 ] && grep -q -- '-h, --hostname NAME' "$T/case.out" && pass help-names-hostname ||
		fail help-names-hostname "status $HARNESS_STATUS: $(head -c 200 "$T/case.out")"
fi

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
