/* pty_ctty: a pseudo-terminal as a session's controlling terminal: TIOCSCTTY and acquiring on
 * open, the foreground group (TIOCGPGRP/TIOCSPGRP, TIOCGSID), ^C and SIGWINCH to it, job control
 * (SIGTTIN, SIGTTOU, EIO), /dev/tty, forkpty, and the hangups: SIGHUP to the session leader when
 * the master closes and to the foreground group when the leader exits. Children report through a
 * pipe that the parent prints once they are gone, so the output has one order; no ids are shown.
 * The parent itself never touches its terminal state: under unik it is pid 1, a session leader. */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int m, s, rep, ready[2];
static char name[64];

/* say: a line of the child's report. */
static void say(const char *fmt, ...)
{
	char b[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	write(rep, b, (size_t)n);
}

static void say_result(const char *what, long r)
{
	say("  %s: %ld%s%s\n", what, r == -1 ? -1L : r, r == -1 ? " " : "",
	    r == -1 ? errname(errno) : "");
}

static void open_pair(void)
{
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m))
		exit(1);
	strcpy(name, ptsname(m));
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		exit(1);
}

static void status(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: status %#x\n", what, st);
}

/* child: runs fn in a child with a report pipe; returns its pid (the parent goes on). */
static int child(void (*fn)(void))
{
	int p[2];
	fflush(stdout);
	if (pipe(p) || pipe(ready))
		exit(1);
	int pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(ready[0]);
		rep = p[1];
		fn();
		_exit(0);
	}
	close(p[1]);
	close(ready[1]);
	rep = p[0];
	return pid;
}

/* The parent's side: waits until the child says it is ready. */
static void wait_ready(void)
{
	char c;
	read(ready[0], &c, 1);
	close(ready[0]);
	ready[0] = -1;
}

static void signal_ready(void)
{
	write(ready[1], "r", 1);
}

/* Waits for the child, then prints its report and how it ended. */
static void finish(const char *what, int pid)
{
	int st;
	waitpid(pid, &st, 0);
	char b[2048];
	long n, len = 0;
	while ((n = read(rep, b + len, sizeof(b) - 1 - (size_t)len)) > 0)
		len += n;
	close(rep);
	if (ready[0] >= 0)
		close(ready[0]);
	ready[0] = -1;
	b[len] = 0;
	printf("%s", b);
	status(what, st);
}

/* The session of the child that calls it: setsid, then the pty as its terminal. */
static void take_terminal(void)
{
	close(m);
	setsid();
	say_result("TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
}

static void reader(void)
{
	char b[16];
	take_terminal();
	signal_ready();
	say_result("read", read(s, b, sizeof(b)));     /* not reached: ^C kills */
}

static long drain(int fd, char *buf, long size)
{
	long n = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	while (n < size && poll(&p, 1, 50) == 1 && (p.revents & POLLIN)) {
		long r = read(fd, buf + n, (size_t)(size - n));
		if (r <= 0)
			break;
		n += r;
	}
	return n;
}

static void ctrl_c(void)
{
	open_pair();
	int pid = child(reader);
	wait_ready();
	int pg = 0;
	ioctl(m, TIOCGPGRP, &pg);
	printf("master TIOCGPGRP is the child's group: %s\n", pg == pid ? "yes" : "no");
	write(m, "\x03", 1);
	finish("reader after ^C", pid);
	char b[64];
	long n = drain(m, b, sizeof(b));
	printf("echo: %.*s\n", (int)n, b);
	close(s);
	close(m);
}

static volatile sig_atomic_t winched;
static void on_winch(int sig) { winched = 1; }

static void resized(void)
{
	sigset_t block, none;
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGWINCH, on_winch);
	take_terminal();
	signal_ready();
	sigemptyset(&none);
	while (!winched)
		sigsuspend(&none);
	struct winsize ws;
	ioctl(s, TIOCGWINSZ, &ws);
	say("  child sees %d rows %d columns\n", ws.ws_row, ws.ws_col);
	_exit(42);
}

static void winch(void)
{
	open_pair();
	int pid = child(resized);
	wait_ready();
	struct winsize ws = { .ws_row = 30, .ws_col = 100 };
	RESULT("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws));
	finish("SIGWINCH child", pid);
	memset(&ws, 0, sizeof(ws));
	ioctl(s, TIOCGWINSZ, &ws);
	printf("slave TIOCGWINSZ: %d %d\n", ws.ws_row, ws.ws_col);
	close(s);
	close(m);
}

/* A grandchild in a group of its own does op on the terminal; reports how that ended. */
static void background(const char *what, int op)
{
	int gc = fork();
	if (gc == 0) {
		char b[8];
		struct termios t;
		setpgid(0, 0);
		if (op == 2)
			signal(SIGTTIN, SIG_IGN);
		if (op == 1) {
			tcgetattr(s, &t);
			say_result("tcsetattr", tcsetattr(s, TCSANOW, &t));
		} else {
			say_result("read", read(s, b, sizeof(b)));
		}
		_exit(0);
	}
	int st;
	waitpid(gc, &st, WUNTRACED);
	if (WIFSTOPPED(st)) {
		say("  %s: stopped by signal %d\n", what, WSTOPSIG(st));
		kill(gc, SIGKILL);
		waitpid(gc, &st, 0);
	} else {
		say("  %s: %s\n", what, WIFEXITED(st) ? "exited" : "killed");
	}
}

static void jobs(void)
{
	take_terminal();
	background("background read", 0);
	background("background tcsetattr", 1);
	background("background read, SIGTTIN ignored", 2);
	int gc = fork();
	if (gc == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(gc, gc);
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);    /* as a shell does while it moves the terminal */
	say_result("tcsetpgrp to the other group", tcsetpgrp(s, gc));
	say("  foreground is the other group: %s\n", tcgetpgrp(s) == gc ? "yes" : "no");
	say_result("tcsetpgrp back", tcsetpgrp(s, getpgrp()));
	say_result("tcsetpgrp to no group", tcsetpgrp(s, 0x7ffffff0));
	kill(gc, SIGKILL);
	waitpid(gc, NULL, 0);
	int sid = 0;
	ioctl(s, TIOCGSID, &sid);
	say("  TIOCGSID is the child's session: %s\n", sid == getsid(0) ? "yes" : "no");
	int t = open("/dev/tty", O_RDWR);
	say("  /dev/tty opens: %s\n", t >= 0 ? "yes" : "no");
	write(t, "via /dev/tty\n", 13);
	signal(SIGHUP, SIG_IGN);
	say_result("TIOCNOTTY", ioctl(s, TIOCNOTTY));
	say_result("TIOCGSID after TIOCNOTTY", ioctl(s, TIOCGSID, &sid));
	say_result("open /dev/tty after TIOCNOTTY", open("/dev/tty", O_RDWR));
}

static void rules(void)
{
	say_result("TIOCSCTTY, not a session leader", ioctl(s, TIOCSCTTY, 0));
	setsid();
	int t = open(name, O_RDWR);     /* no O_NOCTTY: a leader without a terminal takes it */
	int sid = 0;
	ioctl(t, TIOCGSID, &sid);
	say("  open without O_NOCTTY made it the terminal: %s\n", sid == getpid() ? "yes" : "no");
	int gc = fork();
	if (gc == 0) {
		setsid();
		say_result("TIOCSCTTY of another session's terminal", ioctl(s, TIOCSCTTY, 0));
		say_result("TIOCGPGRP, not its terminal", ioctl(s, TIOCGPGRP, &sid));
		say_result("TIOCNOTTY, not its terminal", ioctl(s, TIOCNOTTY));
		_exit(0);
	}
	waitpid(gc, NULL, 0);
}

static void sleeper(void)
{
	take_terminal();
	signal_ready();
	pause();
}

static void hangup_master(void)
{
	open_pair();
	int pid = child(sleeper);
	wait_ready();
	close(m);
	finish("session leader after the master's close", pid);
	close(s);
}

static void leader_with_child(void)
{
	take_terminal();
	int gc = fork();
	if (gc == 0) {
		close(rep);
		signal_ready();
		pause();
		_exit(0);
	}
	close(ready[1]);
	say("pid %d\n", gc);
}

static void hangup_leader(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	open_pair();
	int pid = child(leader_with_child);
	wait_ready();
	char b[128] = "";
	int st;
	waitpid(pid, &st, 0);
	read(rep, b, sizeof(b) - 1);
	char *gc = strstr(b, "pid ");
	close(rep);
	ready[0] = -1;
	status("session leader", st);
	if (!gc || waitpid(atoi(gc + 4), &st, 0) < 0)
		st = -1;
	status("its foreground child after the leader's exit", st);
	close(s);
	close(m);
}

static void forked(void)
{
	int fm;
	struct winsize ws = { .ws_row = 25, .ws_col = 90 };
	fflush(stdout);
	int pid = forkpty(&fm, NULL, NULL, &ws);
	if (pid == 0) {
		int pg = 0;
		ioctl(0, TIOCGPGRP, &pg);
		printf("pgrp is mine: %s\n", pg == getpgrp() ? "yes" : "no");
		printf("session is mine: %s\n", getsid(0) == getpid() ? "yes" : "no");
		printf("ttys: %d %d %d\n", isatty(0), isatty(1), isatty(2));
		ioctl(1, TIOCGWINSZ, &ws);
		printf("size %d %d\n", ws.ws_row, ws.ws_col);
		fflush(stdout);
		_exit(3);
	}
	char b[512];
	long len = 0, n;
	while ((n = read(fm, b + len, sizeof(b) - (size_t)len)) > 0)
		len += n;
	result("forkpty master read at the end", n, errno);
	printf("%.*s", (int)len, b);
	int st;
	waitpid(pid, &st, 0);
	status("forkpty child", st);
	close(fm);
}

int main(void)
{
	ctrl_c();
	winch();
	open_pair();
	finish("job control", child(jobs));
	char b[64];
	long n = drain(m, b, sizeof(b));
	printf("master got: %.*s", (int)n, b);
	finish("rules", child(rules));
	close(s);
	close(m);
	hangup_master();
	hangup_leader();
	forked();
	return 0;
}
