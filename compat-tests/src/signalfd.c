/* signalfd: pending signals read as records (kill, tgkill, sigqueue values, the alarm), poll and
   epoll readiness, a blocked signal whose default is to be ignored stays pending, mask updates,
   argument errors, the fd's name. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include "compat.h"

static void show(const char *what, const struct signalfd_siginfo *s)
{
	printf("%s: signo %u code %d, pid is ours %s, uid is ours %s, int %d\n", what, s->ssi_signo,
	       s->ssi_code, s->ssi_pid == (uint32_t)getpid() ? "yes" : "no",
	       s->ssi_uid == getuid() ? "yes" : "no", s->ssi_int);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	char path[64], name[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sfd);
	ssize_t n = readlink(path, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = 0;
	printf("name: %s\n", name);

	struct signalfd_siginfo si[4];
	errno = 0;
	n = read(sfd, si, sizeof(si));
	printf("nothing pending: %zd %s\n", n, errname(errno));
	struct pollfd p = { sfd, POLLIN, 0 };
	printf("poll, nothing pending: %d\n", poll(&p, 1, 0));

	raise(SIGUSR1);
	kill(getpid(), SIGUSR2);
	int ready = poll(&p, 1, 0);
	printf("poll, two pending: %d revents %#x\n", ready, p.revents);
	errno = 0;
	n = read(sfd, si, 100);
	printf("read of 100 bytes: %zd %s\n", n, errname(errno));
	n = read(sfd, si, sizeof(si));
	printf("read: %zd bytes\n", n);
	for (int i = 0; i < n / (ssize_t)sizeof(si[0]); i++)
		show("  record", &si[i]);

	union sigval v = { .sival_int = 1234 };
	sigqueue(getpid(), SIGUSR1, v);
	n = read(sfd, si, sizeof(si));
	printf("sigqueue read: %zd bytes\n", n);
	show("  record", &si[0]);

	/* SIGCHLD is ignored by default, but blocked it is kept. */
	kill(getpid(), SIGCHLD);
	n = read(sfd, si, sizeof(si));
	printf("blocked SIGCHLD: %zd bytes, signo %u\n", n, n > 0 ? si[0].ssi_signo : 0);

	/* A new mask: SIGUSR1 is no longer read here and stays pending. */
	sigset_t only2;
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	printf("update returns the fd: %s\n", signalfd(sfd, &only2, 0) == sfd ? "yes" : "no");
	raise(SIGUSR1);
	errno = 0;
	n = read(sfd, si, sizeof(si));
	sigset_t pend;
	sigpending(&pend);
	printf("after the update, SIGUSR1: %zd %s, still pending: %s\n", n, errname(errno),
	       sigismember(&pend, SIGUSR1) ? "yes" : "no");
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	int w = sigwaitinfo(&usr1, NULL);
	printf("taken by sigwaitinfo: %d\n", w);

	/* A blocking signalfd waits for the alarm; so does epoll on it. */
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	int afd = signalfd(-1, &alrm, 0);
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	n = read(afd, si, sizeof(si));
	printf("blocking read: %zd bytes\n", n);
	show("  record", &si[0]);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 5 };
	epoll_ctl(ep, EPOLL_CTL_ADD, afd, &ev);
	setitimer(ITIMER_REAL, &it, NULL);
	int r = epoll_wait(ep, &ev, 1, 5000);
	printf("epoll_wait for the alarm: %d [%#x %llu]\n", r, ev.events,
	       (unsigned long long)ev.data.u64);
	read(afd, si, sizeof(si));

	/* Errors. */
	int pp[2];
	pipe(pp);
	errno = 0;
	r = signalfd(pp[0], &set, 0);
	printf("a pipe as the fd: %d %s\n", r, errname(errno));
	errno = 0;
	r = signalfd(999, &set, 0);
	printf("fd 999: %d %s\n", r, errname(errno));
	errno = 0;
	r = signalfd(-1, &set, 1);
	printf("flags 1: %d %s\n", r, errname(errno));
	return 0;
}
