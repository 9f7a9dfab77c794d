/* poll, ppoll, select, pselect6: readiness of pipes, files, stdin (/dev/null in the harness) and
   stdout (a pipe in the harness); timeouts, the time left written back by the raw calls, signal
   masks, argument errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include "compat.h"

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Polls one fd for events with timeout 0 and prints the result and revents. */
static void poll1(const char *what, int fd, short events)
{
	struct pollfd p = { fd, events, 0x7fff };
	int r = poll(&p, 1, 0);
	printf("%s: %d revents %#x\n", what, r, r < 0 ? 0 : p.revents);
}

static volatile int got_usr1;
static void on_usr1(int sig)
{
	got_usr1++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int p[2];
	if (pipe(p))
		return 1;
	poll1("empty pipe, read end, POLLIN", p[0], POLLIN);
	poll1("empty pipe, write end, POLLOUT", p[1], POLLOUT);
	poll1("empty pipe, write end, POLLIN", p[1], POLLIN);
	write(p[1], "abc", 3);
	poll1("pipe with data, POLLIN|POLLRDNORM", p[0], POLLIN | POLLRDNORM);
	poll1("pipe with data, POLLPRI only", p[0], POLLPRI);

	/* Fill the pipe: the write end stops being writable. */
	int q[2];
	pipe2(q, O_NONBLOCK);
	static char big[4096];
	long total = 0;
	for (;;) {
		ssize_t n = write(q[1], big, sizeof(big));
		if (n <= 0)
			break;
		total += n;
	}
	printf("filled a pipe with %ld bytes\n", total);
	poll1("full pipe, write end, POLLOUT", q[1], POLLOUT);
	read(q[0], big, 100);
	poll1("full pipe less 100 bytes, POLLOUT", q[1], POLLOUT);
	read(q[0], big, sizeof(big));
	poll1("full pipe less a page and 100 bytes, POLLOUT", q[1], POLLOUT);

	close(p[1]);
	poll1("writer gone, data left, POLLIN", p[0], POLLIN);
	read(p[0], big, 3);
	poll1("writer gone, drained, POLLIN", p[0], POLLIN);
	poll1("writer gone, drained, no events asked", p[0], 0);
	close(q[0]);
	poll1("reader gone, write end, POLLOUT", q[1], POLLOUT);

	poll1("closed fd 999", 999, POLLIN);
	struct pollfd neg[2] = { { -1, POLLIN, 0x55 }, { 999, POLLIN, 0 } };
	int r = poll(neg, 2, 0);
	printf("fd -1 and fd 999: %d revents %#x %#x\n", r, neg[0].revents, neg[1].revents);

	char tmp[] = "/tmp/compat-poll-XXXXXX";
	int f = mkstemp(tmp);
	unlink(tmp);
	poll1("regular file, POLLIN|POLLOUT|POLLPRI", f, POLLIN | POLLOUT | POLLPRI);
	poll1("regular file, POLLRDNORM|POLLWRNORM", f, POLLRDNORM | POLLWRNORM);
	int dn = open("/dev/null", O_RDWR);
	poll1("/dev/null, POLLIN|POLLOUT", dn, POLLIN | POLLOUT);
	poll1("stdin (/dev/null), POLLIN", 0, POLLIN);
	poll1("stdout (a pipe), POLLOUT", 1, POLLOUT);

	/* A wait on nothing ready lasts its timeout. */
	int e[2];
	pipe(e);
	struct pollfd w = { e[0], POLLIN, 0 };
	long long t0 = now_ns();
	r = poll(&w, 1, 50);
	printf("poll empty pipe 50 ms: %d, waited at least that: %s\n", r,
	       now_ns() - t0 >= 50000000 ? "yes" : "no");
	t0 = now_ns();
	r = poll(NULL, 0, 20);
	printf("poll no fds 20 ms: %d, waited at least that: %s\n", r,
	       now_ns() - t0 >= 20000000 ? "yes" : "no");
	struct pollfd two[2] = { { e[0], POLLIN, 0 }, { 1, POLLOUT, 0 } };
	r = poll(two, 2, -1);
	printf("empty pipe and stdout, no timeout: %d revents %#x %#x\n", r, two[0].revents,
	       two[1].revents);

	/* Argument errors. */
	struct rlimit rl = { 64, 64 };
	setrlimit(RLIMIT_NOFILE, &rl);
	volatile nfds_t many = 65, one = 1;
	errno = 0;
	r = poll(&w, many, 0);
	printf("nfds above RLIMIT_NOFILE: %d %s\n", r, errname(errno));
	errno = 0;
	r = poll((struct pollfd *)8, one, 0);
	printf("bad pointer: %d %s\n", r, errname(errno));

	/* ppoll through the raw call: the time left is written back. */
	struct timespec ts = { 0, 20000000 };
	t0 = now_ns();
	r = syscall(SYS_ppoll, &w, 1, &ts, NULL, 8);
	printf("ppoll 20 ms: %ld, waited: %s, left %ld.%09ld\n", (long)r,
	       now_ns() - t0 >= 20000000 ? "yes" : "no", (long)ts.tv_sec, ts.tv_nsec);
	ts = (struct timespec){ 0, 1000000000 };
	errno = 0;
	r = syscall(SYS_ppoll, &w, 1, &ts, NULL, 8);
	printf("ppoll nsec 1e9: %ld %s\n", (long)r, errname(errno));
	sigset_t none;
	sigemptyset(&none);
	errno = 0;
	r = syscall(SYS_ppoll, &w, 1, NULL, &none, 4);
	printf("ppoll sigsetsize 4: %ld %s\n", (long)r, errname(errno));

	/* A signal pending but blocked is let in by ppoll's mask: EINTR, the handler runs, and the
	   old mask (SIGUSR1 blocked) is back afterwards. */
	signal(SIGUSR1, on_usr1);
	sigset_t usr1, cur;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	raise(SIGUSR1);
	ts = (struct timespec){ 5, 0 };
	errno = 0;
	r = ppoll(&w, 1, &ts, &none);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("ppoll letting a pending SIGUSR1 in: %d %s, handler ran %d, blocked again: %s\n", r,
	       errname(errno), got_usr1, sigismember(&cur, SIGUSR1) ? "yes" : "no");
	/* With an fd ready, the signal stays pending: no EINTR. */
	raise(SIGUSR1);
	struct pollfd out = { 1, POLLOUT, 0 };
	r = ppoll(&out, 1, &ts, &none);
	printf("ppoll with stdout ready and SIGUSR1 pending: %d, handler ran %d\n", r, got_usr1);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	printf("after unblocking: handler ran %d\n", got_usr1);

	/* select. */
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(e[0], &rd);
	FD_SET(e[1], &wr);
	struct timeval tv = { 0, 0 };
	r = select(e[1] + 1, &rd, &wr, NULL, &tv);
	printf("select empty pipe r, w: %d, r set %d, w set %d\n", r, FD_ISSET(e[0], &rd),
	       FD_ISSET(e[1], &wr));
	write(e[1], "x", 1);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(e[0], &rd);
	FD_SET(e[1], &wr);
	FD_SET(e[0], &wr);
	r = select(e[1] + 1, &rd, &wr, NULL, &tv);
	printf("select pipe with data: %d, r %d, w(read end) %d, w(write end) %d\n", r,
	       FD_ISSET(e[0], &rd), FD_ISSET(e[0], &wr), FD_ISSET(e[1], &wr));
	read(e[0], big, 1);
	FD_ZERO(&rd);
	FD_SET(e[0], &rd);
	tv = (struct timeval){ 0, 30000 };
	t0 = now_ns();
	r = syscall(SYS_select, e[0] + 1, &rd, NULL, NULL, &tv);
	printf("select 30 ms: %d, waited: %s, set cleared: %s, left %ld.%06ld\n", r,
	       now_ns() - t0 >= 30000000 ? "yes" : "no", FD_ISSET(e[0], &rd) ? "no" : "yes",
	       (long)tv.tv_sec, (long)tv.tv_usec);
	FD_ZERO(&rd);
	FD_SET(60, &rd);
	tv = (struct timeval){ 0, 0 };
	errno = 0;
	r = select(61, &rd, NULL, NULL, &tv);
	printf("select closed fd: %d %s\n", r, errname(errno));
	tv = (struct timeval){ 0, -1 };
	errno = 0;
	r = select(1, NULL, NULL, NULL, &tv);
	printf("select usec -1: %d %s\n", r, errname(errno));
	tv = (struct timeval){ -1, 0 };
	errno = 0;
	r = select(1, NULL, NULL, NULL, &tv);
	printf("select sec -1: %d %s\n", r, errname(errno));
	/* Linux carries whole seconds out of tv_usec. */
	tv = (struct timeval){ 0, 1010000 };
	FD_ZERO(&wr);
	FD_SET(1, &wr);
	r = syscall(SYS_select, 2, NULL, &wr, NULL, &tv);
	printf("select usec 1010000, stdout ready: %d, left over 1 s: %s\n", r,
	       tv.tv_sec == 1 ? "yes" : "no");
	errno = 0;
	r = select(-1, NULL, NULL, NULL, &tv);
	printf("select nfds -1: %d %s\n", r, errname(errno));
	FD_ZERO(&rd);
	FD_SET(0, &rd);
	r = select(1, &rd, NULL, NULL, NULL);
	printf("select stdin (/dev/null): %d, set %d\n", r, FD_ISSET(0, &rd));
	struct timespec pts = { 0, 10000000 };
	FD_ZERO(&rd);
	FD_SET(e[0], &rd);
	t0 = now_ns();
	r = pselect(e[0] + 1, &rd, NULL, NULL, &pts, &none);
	printf("pselect 10 ms: %d, waited: %s\n", r, now_ns() - t0 >= 10000000 ? "yes" : "no");
	return 0;
}
