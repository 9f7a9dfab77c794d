/* alarm and setitimer(ITIMER_REAL): SIGALRM ends pause, sigsuspend, nanosleep and poll waits,
   periodic timers repeat, sigtimedwait takes a blocked SIGALRM, reads of an empty pipe or
   eventfd are interrupted, alarm's rounding, getitimer,
   argument errors; at the end an unhandled SIGALRM kills (status 142). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include "compat.h"

static volatile int alarms;
static void on_alrm(int sig)
{
	alarms++;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

static void arm_ms(long value, long interval)
{
	struct itimerval it = { { interval / 1000, interval % 1000 * 1000 },
				{ value / 1000, value % 1000 * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa = { .sa_handler = on_alrm };
	sigaction(SIGALRM, &sa, NULL);

	printf("alarm(0) with none pending: %u\n", alarm(0));
	alarm(5);
	printf("alarm(0) after alarm(5): %u\n", alarm(0));
	struct itimerval cur;
	getitimer(ITIMER_REAL, &cur);
	printf("after cancelling: %ld.%06ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);

	long long t0 = now_ms();
	arm_ms(50, 0);
	getitimer(ITIMER_REAL, &cur);
	printf("armed for 50 ms: left in (0, 50 ms]: %s\n",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 &&
	       cur.it_value.tv_usec <= 50000 ? "yes" : "no");
	errno = 0;
	int r = pause();
	printf("pause: %d %s, alarms %d, waited at least 50 ms: %s\n", r, errname(errno), alarms,
	       now_ms() - t0 >= 50 ? "yes" : "no");

	arm_ms(20, 0);
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	errno = 0;
	r = nanosleep(&req, &rem);
	printf("nanosleep 5 s: %d %s, alarms %d, time left over 4 s: %s\n", r, errname(errno), alarms,
	       rem.tv_sec >= 4 ? "yes" : "no");

	arm_ms(20, 0);
	errno = 0;
	r = poll(NULL, 0, -1);
	printf("poll without timeout: %d %s, alarms %d\n", r, errname(errno), alarms);

	sigset_t none;
	sigemptyset(&none);
	arm_ms(20, 0);
	errno = 0;
	r = sigsuspend(&none);
	printf("sigsuspend: %d %s, alarms %d\n", r, errname(errno), alarms);

	/* Periodic: three more alarms, each ending a long sleep. */
	t0 = now_ms();
	arm_ms(10, 10);
	int before = alarms;
	while (alarms < before + 3)
		nanosleep(&req, NULL);
	struct itimerval old, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, &old);
	printf("periodic 10 ms: 3 alarms, in at least 30 ms: %s, old interval %ld.%06ld\n",
	       now_ms() - t0 >= 30 ? "yes" : "no", (long)old.it_interval.tv_sec,
	       (long)old.it_interval.tv_usec);

	/* A blocked SIGALRM is taken by sigtimedwait. */
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	arm_ms(20, 0);
	siginfo_t si;
	struct timespec ts = { 5, 0 };
	r = sigtimedwait(&alrm, &si, &ts);
	printf("sigtimedwait: %d, si_code SI_KERNEL: %s, handler not run: %s\n", r,
	       si.si_code == SI_KERNEL ? "yes" : "no", alarms == before + 3 ? "yes" : "no");
	ts = (struct timespec){ 0, 20000000 };
	errno = 0;
	r = sigtimedwait(&alrm, &si, &ts);
	printf("sigtimedwait with nothing coming, 20 ms: %d %s\n", r, errname(errno));
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);

	/* Errors. */
	struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
	errno = 0;
	r = setitimer(ITIMER_REAL, &bad, NULL);
	printf("usec 1e6: %d %s\n", r, errname(errno));
	errno = 0;
	r = setitimer(7, &off, NULL);
	printf("which 7: %d %s\n", r, errname(errno));
	errno = 0;
	r = getitimer(7, &cur);
	printf("getitimer which 7: %d %s\n", r, errname(errno));

	/* Reads that only another process could complete are ended by the alarm. */
	int pp[2];
	pipe(pp);
	char c;
	arm_ms(20, 0);
	errno = 0;
	r = (int)read(pp[0], &c, 1);
	printf("read of an empty pipe: %d %s, alarms %d\n", r, errname(errno), alarms);
	int efd = eventfd(0, 0);
	uint64_t ev;
	arm_ms(20, 0);
	errno = 0;
	r = (int)read(efd, &ev, 8);
	printf("read of an empty eventfd: %d %s, alarms %d\n", r, errname(errno), alarms);

	/* Unhandled, SIGALRM kills. */
	signal(SIGALRM, SIG_DFL);
	arm_ms(20, 0);
	pause();
	printf("not reached\n");
	return 0;
}
