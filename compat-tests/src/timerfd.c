/* timerfd: arming, reading expiration counts (blocking, non-blocking, periodic), absolute
   times, disarming, gettime, waking poll and epoll, a signal interrupting or (SA_RESTART)
   restarting a read, argument errors, the fd's name. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include "compat.h"

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

static int arm(int fd, int flags, long value_ms, long interval_ms, struct itimerspec *old)
{
	struct itimerspec it = { { interval_ms / 1000, interval_ms % 1000 * 1000000 },
				 { value_ms / 1000, value_ms % 1000 * 1000000 } };
	return timerfd_settime(fd, flags, &it, old);
}

static volatile int alarms;
static void on_alrm(int sig)
{
	alarms++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	errno = 0;
	int r = timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0);
	printf("create on the CPU-time clock: %d %s\n", r, errname(errno));
	errno = 0;
	r = timerfd_create(CLOCK_MONOTONIC, 1);
	printf("create with flags 1: %d %s\n", r, errname(errno));

	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	char path[64], name[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", t);
	ssize_t n = readlink(path, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = 0;
	printf("name: %s\n", name);
	struct itimerspec cur;
	timerfd_gettime(t, &cur);
	printf("new timer: %ld.%09ld / %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
	       (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);

	uint64_t v = 0;
	arm(nb, 0, 50, 0, NULL);
	errno = 0;
	n = read(nb, &v, 8);
	printf("non-blocking read before expiry: %zd %s\n", n, errname(errno));
	errno = 0;
	n = read(nb, &v, 4);
	printf("read of 4 bytes: %zd %s\n", n, errname(errno));

	long long t0 = now_ms();
	arm(t, 0, 50, 0, NULL);
	timerfd_gettime(t, &cur);
	printf("armed for 50 ms: left in (0, 50 ms]: %s, interval 0: %s\n",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
	       cur.it_value.tv_nsec <= 50000000 ? "yes" : "no",
	       cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0 ? "yes" : "no");
	n = read(t, &v, 8);
	printf("blocking read: %zd, %llu expiration, waited at least 50 ms: %s\n", n,
	       (unsigned long long)v, now_ms() - t0 >= 50 ? "yes" : "no");
	timerfd_gettime(t, &cur);
	printf("after a one-shot: %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	n = read(nb, &v, 8);
	printf("the realtime timer has fired too: %zd %llu\n", n, (unsigned long long)v);

	/* Periodic: expirations accumulate while nobody reads. */
	arm(t, 0, 10, 10, NULL);
	struct timespec nap = { 0, 55000000 };
	nanosleep(&nap, NULL);
	n = read(t, &v, 8);
	printf("periodic 10 ms after 55 ms: %zd, 5 or more expirations: %s\n", n,
	       v >= 5 ? "yes" : "no");
	timerfd_gettime(t, &cur);
	printf("periodic: interval %ld.%09ld, next within 10 ms: %s\n", (long)cur.it_interval.tv_sec,
	       cur.it_interval.tv_nsec, cur.it_value.tv_sec == 0 &&
	       cur.it_value.tv_nsec <= 10000000 ? "yes" : "no");
	struct itimerspec old;
	struct itimerspec zero = { { 0, 0 }, { 0, 0 } };
	timerfd_settime(t, 0, &zero, &old);
	printf("disarm: old interval %ld.%09ld\n", (long)old.it_interval.tv_sec,
	       old.it_interval.tv_nsec);
	timerfd_gettime(t, &cur);
	printf("disarmed: %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

	/* Absolute time in the past: due at once. */
	struct itimerspec past = { { 0, 0 }, { 1, 0 } };
	r = timerfd_settime(t, TFD_TIMER_ABSTIME, &past, NULL);
	n = read(t, &v, 8);
	printf("absolute time in the past: %d, read %zd %llu\n", r, n, (unsigned long long)v);

	/* poll and epoll wake when the timer fires. */
	arm(t, 0, 30, 0, NULL);
	struct pollfd p = { t, POLLIN, 0 };
	t0 = now_ms();
	r = poll(&p, 1, -1);
	printf("poll without timeout: %d revents %#x, waited at least 30 ms: %s\n", r, p.revents,
	       now_ms() - t0 >= 30 ? "yes" : "no");
	read(t, &v, 8);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
	arm(t, 0, 20, 0, NULL);
	t0 = now_ms();
	r = epoll_wait(ep, &ev, 1, 5000);
	printf("epoll_wait: %d [%#x %llu], waited at least 20 ms, well under 5 s: %s\n", r,
	       ev.events, (unsigned long long)ev.data.u64,
	       now_ms() - t0 >= 20 && now_ms() - t0 < 2000 ? "yes" : "no");
	arm(t, 0, 1000, 0, NULL);
	t0 = now_ms();
	r = poll(&p, 1, 20);
	printf("poll times out before the timer: %d, under 500 ms: %s\n", r,
	       now_ms() - t0 < 500 ? "yes" : "no");

	/* A signal during a blocking read: EINTR, unless its handler has SA_RESTART, which restarts
	   the read until the timer fires. */
	struct sigaction sa = { .sa_handler = on_alrm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval al = { { 0, 0 }, { 0, 20000 } };
	arm(t, 0, 60, 0, NULL);
	setitimer(ITIMER_REAL, &al, NULL);
	errno = 0;
	n = read(t, &v, 8);
	printf("read interrupted by SIGALRM: %zd %s, alarms %d\n", n, errname(errno), alarms);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	arm(t, 0, 60, 0, NULL);
	t0 = now_ms();
	setitimer(ITIMER_REAL, &al, NULL);
	errno = 0;
	n = read(t, &v, 8);
	printf("with SA_RESTART: %zd %s, %llu expiration, alarms %d, waited at least 50 ms: %s\n", n,
	       errname(errno), (unsigned long long)v, alarms, now_ms() - t0 >= 50 ? "yes" : "no");

	/* Errors. */
	struct itimerspec bad = { { 0, 0 }, { 0, 1000000000 } };
	errno = 0;
	r = timerfd_settime(t, 0, &bad, NULL);
	printf("nsec 1e9: %d %s\n", r, errname(errno));
	errno = 0;
	r = arm(t, 4, 10, 0, NULL);
	printf("flags 4: %d %s\n", r, errname(errno));
	errno = 0;
	r = arm(1, 0, 10, 0, NULL);
	printf("settime on stdout: %d %s\n", r, errname(errno));
	errno = 0;
	r = timerfd_gettime(999, &cur);
	printf("gettime on fd 999: %d %s\n", r, errname(errno));
	return 0;
}
