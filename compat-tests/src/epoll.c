/* epoll and eventfd: interest lists, level-triggered reports, EPOLLONESHOT, hang-ups, entries
   going with their file, fair order under maxevents, nesting and loops, signal masks, argument
   errors; eventfd counters, semaphore mode, limits and names. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "compat.h"

static int ep;

static void ctl(const char *what, int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	errno = 0;
	int r = epoll_ctl(epfd, op, fd, &ev);
	printf("%s: %d %s\n", what, r, errname(errno));
}

/* Waits with timeout 0 (or ms) for up to max events and prints them. */
static void wait_print(const char *what, int epfd, int max, int ms)
{
	struct epoll_event ev[8];
	errno = 0;
	int n = epoll_wait(epfd, ev, max, ms);
	printf("%s: %d %s", what, n, errname(errno));
	for (int i = 0; i < n; i++)
		printf(" [%#x %llu]", ev[i].events, (unsigned long long)ev[i].data.u64);
	printf("\n");
}

static void fdname(const char *what, int fd)
{
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	struct stat st;
	fstat(fd, &st);
	printf("%s: %s, mode %o\n", what, buf, st.st_mode);
}

static volatile int got_usr1;
static void on_usr1(int sig)
{
	got_usr1++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	errno = 0;
	int r = epoll_create(0);
	printf("epoll_create(0): %d %s\n", r, errname(errno));
	errno = 0;
	r = epoll_create1(1);
	printf("epoll_create1(1): %d %s\n", r, errname(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	printf("epoll_create1(EPOLL_CLOEXEC) close-on-exec: %s\n",
	       (fcntl(ep, F_GETFD) & FD_CLOEXEC) ? "yes" : "no");
	fdname("epoll fd", ep);

	int p[2];
	pipe(p);
	ctl("add pipe read end", ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 7);
	wait_print("empty pipe", ep, 8, 0);
	write(p[1], "ab", 2);
	wait_print("pipe with data", ep, 8, 0);
	wait_print("again (level-triggered)", ep, 8, 0);
	ctl("add it again", ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 7);
	ctl("mod the write end (not added)", ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 8);
	ctl("del the write end (not added)", ep, EPOLL_CTL_DEL, p[1], 0, 0);
	char tmp[] = "/tmp/compat-epoll-XXXXXX";
	int f = mkstemp(tmp);
	unlink(tmp);
	ctl("add a regular file", ep, EPOLL_CTL_ADD, f, EPOLLIN, 1);
	ctl("add the epoll fd to itself", ep, EPOLL_CTL_ADD, ep, EPOLLIN, 1);
	ctl("add fd 999", ep, EPOLL_CTL_ADD, 999, EPOLLIN, 1);
	ctl("epfd a pipe", p[1], EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
	ctl("op 7", ep, 7, p[1], EPOLLIN, 1);
	ctl("EPOLLEXCLUSIVE with mod", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1);

	ctl("mod to EPOLLIN|EPOLLONESHOT", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 9);
	wait_print("oneshot, first", ep, 8, 0);
	wait_print("oneshot, disabled", ep, 8, 0);
	ctl("re-arm", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 10);
	wait_print("oneshot, re-armed", ep, 8, 0);
	ctl("mod to EPOLLOUT only", ep, EPOLL_CTL_MOD, p[0], EPOLLOUT, 11);
	wait_print("read end, EPOLLOUT asked", ep, 8, 0);
	close(p[1]);
	wait_print("writer gone, EPOLLOUT asked", ep, 8, 0);
	ctl("mod to EPOLLIN", ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 12);
	wait_print("writer gone, data left", ep, 8, 0);
	ctl("del", ep, EPOLL_CTL_DEL, p[0], 0, 0);
	wait_print("after del", ep, 8, 0);

	/* eventfd. */
	int e = eventfd(3, 0);
	fdname("eventfd", e);
	uint64_t v = 0;
	ssize_t n = read(e, &v, 8);
	printf("read eventfd(3): %zd value %llu\n", n, (unsigned long long)v);
	int en = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE);
	errno = 0;
	n = read(en, &v, 8);
	printf("read empty nonblocking: %zd %s\n", n, errname(errno));
	v = 2;
	write(en, &v, 8);
	n = read(en, &v, 8);
	printf("semaphore read after +2: %zd value %llu\n", n, (unsigned long long)v);
	n = read(en, &v, 8);
	printf("semaphore read again: %zd value %llu\n", n, (unsigned long long)v);
	errno = 0;
	n = read(en, &v, 4);
	printf("read 4 bytes: %zd %s\n", n, errname(errno));
	v = UINT64_MAX;
	errno = 0;
	n = write(en, &v, 8);
	printf("write UINT64_MAX: %zd %s\n", n, errname(errno));
	v = UINT64_MAX - 1;
	n = write(en, &v, 8);
	printf("write the maximum: %zd\n", n);
	v = 1;
	errno = 0;
	n = write(en, &v, 8);
	printf("write past it (nonblocking): %zd %s\n", n, errname(errno));
	errno = 0;
	r = eventfd(0, 0x100);
	printf("eventfd2 bad flags: %d %s\n", r, errname(errno));

	/* Entries go with their file; several ready entries come in a fair order. */
	int a = eventfd(1, 0), b = eventfd(1, 0), c = eventfd(1, 0), d = eventfd(0, 0);
	ctl("add a", ep, EPOLL_CTL_ADD, a, EPOLLIN, 1);
	ctl("add b", ep, EPOLL_CTL_ADD, b, EPOLLIN, 2);
	ctl("add c", ep, EPOLL_CTL_ADD, c, EPOLLIN, 3);
	ctl("add d (empty, EPOLLIN|EPOLLOUT)", ep, EPOLL_CTL_ADD, d, EPOLLIN | EPOLLOUT, 4);
	close(d);
	wait_print("three ready, maxevents 2", ep, 2, 0);
	wait_print("again, maxevents 2", ep, 2, 0);
	close(b);
	wait_print("after closing b, maxevents 8", ep, 8, 0);
	wait_print("maxevents 0", ep, 0, 0);
	ctl("del a", ep, EPOLL_CTL_DEL, a, 0, 0);
	ctl("del c", ep, EPOLL_CTL_DEL, c, 0, 0);

	/* Nesting: an epoll fd is readable while one of its entries is ready; loops are refused. */
	int inner = epoll_create1(0);
	ctl("inner: add a", inner, EPOLL_CTL_ADD, a, EPOLLIN, 5);
	ctl("outer: add inner", ep, EPOLL_CTL_ADD, inner, EPOLLIN, 6);
	wait_print("outer sees inner ready", ep, 8, 0);
	ctl("inner: add outer (a loop)", inner, EPOLL_CTL_ADD, ep, EPOLLIN, 7);
	read(a, &v, 8);
	wait_print("outer after draining a", ep, 8, 0);
	ctl("outer: del inner", ep, EPOLL_CTL_DEL, inner, 0, 0);

	/* Waiting: a timeout on nothing ready lasts; stdout (a pipe in the harness) is writable. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wait_print("nothing ready, 30 ms", ep, 8, 30);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long el = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
	printf("waited at least 30 ms: %s\n", el >= 30000000 ? "yes" : "no");
	/* epoll_pwait2 (441 on x86-64): a timespec timeout. */
	struct epoll_event pe[1];
	struct timespec pts = { 0, 20000000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	r = syscall(441, ep, pe, 1, &pts, NULL, 8);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
	printf("epoll_pwait2 20 ms: %d %s, waited at least that: %s\n", r, errname(errno),
	       el >= 20000000 ? "yes" : "no");
	pts.tv_nsec = 1000000000;
	errno = 0;
	r = syscall(441, ep, pe, 1, &pts, NULL, 8);
	printf("epoll_pwait2 nsec 1e9: %d %s\n", r, errname(errno));
	ctl("add stdout, EPOLLOUT", ep, EPOLL_CTL_ADD, 1, EPOLLOUT, 13);
	wait_print("stdout", ep, 8, -1);
	ctl("del stdout", ep, EPOLL_CTL_DEL, 1, 0, 0);

	/* epoll_pwait lets a pending blocked signal in: EINTR, then the old mask is back. */
	signal(SIGUSR1, on_usr1);
	sigset_t usr1, none, cur;
	sigemptyset(&usr1);
	sigemptyset(&none);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	raise(SIGUSR1);
	struct epoll_event ev[1];
	errno = 0;
	r = epoll_pwait(ep, ev, 1, 5000, &none);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("epoll_pwait with SIGUSR1 pending: %d %s, handler ran %d, blocked again: %s\n", r,
	       errname(errno), got_usr1, sigismember(&cur, SIGUSR1) ? "yes" : "no");
	errno = 0;
	r = epoll_wait(p[0], ev, 1, 0);
	printf("epoll_wait on a pipe: %d %s\n", r, errname(errno));
	errno = 0;
	r = epoll_wait(999, ev, 1, 0);
	printf("epoll_wait on fd 999: %d %s\n", r, errname(errno));
	/* The harness gives stdin /dev/null, stdout a pipe and stderr a regular file: Linux
	   refuses to watch a regular file or /dev/null (no poll method), whatever fd it is on. */
	struct stat st;
	const int fds[3] = { 0, 1, 2 };
	for (int i = 0; i < 3; i++) {
		fstat(fds[i], &st);
		struct epoll_event e = { .events = EPOLLOUT };
		errno = 0;
		r = epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
		printf("epoll_ctl ADD fd %d (%s): %d %s\n", fds[i], S_ISREG(st.st_mode) ? "a regular file" :
		       S_ISFIFO(st.st_mode) ? "a pipe" : S_ISCHR(st.st_mode) ? "a character device" :
		       "other", r, errname(errno));
	}
	return 0;
}
