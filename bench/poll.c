/* ns per poll() on two ready pipe fds and per epoll_wait() on one, N calls each (argv[1],
   default 10^5), printed as two numbers. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int p[2];
	if (pipe(p) || write(p[1], "x", 1) != 1)
		return 1;
	struct pollfd f[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	double a = now_ns();
	for (long i = 0; i < n; i++)
		poll(f, 2, 0);
	double b = now_ns();
	int ep = epoll_create1(0);
	struct epoll_event e = { .events = EPOLLIN };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
	double c = now_ns();
	for (long i = 0; i < n; i++)
		epoll_wait(ep, &e, 1, 0);
	double d = now_ns();
	printf("%.0f %.0f\n", (b - a) / n, (d - c) / n);
	return 0;
}
