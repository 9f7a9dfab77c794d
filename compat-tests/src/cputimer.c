/* POSIX timers on CPU-time clocks: a process CPU timer does not fire while the process sleeps
   and fires once it has computed that long (relative, absolute, periodic); a thread CPU timer
   counts only its thread; timer_gettime; a clock of another thread; the errno cases. Bounds are
   loose: only "fires after CPU, not after sleep" is checked. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "compat.h"

static volatile sig_atomic_t hits;
static void on_usr1(int sig)
{
	hits++;
}

static long long ns_of(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Computes until the signal count reaches want or limit_ms of CPU time passed: the CPU ms used. */
static long spin_until(int want, long limit_ms, clockid_t c)
{
	long long start = ns_of(c);
	volatile uint64_t x = 0;
	while (hits < want && ns_of(c) - start < limit_ms * 1000000ll)
		x++;
	return (long)((ns_of(c) - start) / 1000000);
}

static int made;        /* did the last make() succeed (a timer id may be 0) */

static timer_t make(clockid_t c)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	timer_t t = 0;
	made = timer_create(c, &ev, &t) == 0;
	if (!made)
		printf("timer_create: -1 %s\n", errname(errno));
	return t;
}

static void arm(timer_t t, long value_ms, long interval_ms, int flags, long long abs_ns)
{
	struct itimerspec v = { { interval_ms / 1000, interval_ms % 1000 * 1000000 },
				{ value_ms / 1000, value_ms % 1000 * 1000000 } };
	if (flags) {
		v.it_value.tv_sec = abs_ns / 1000000000;
		v.it_value.tv_nsec = abs_ns % 1000000000;
	}
	RESULT("timer_settime", timer_settime(t, flags, &v, NULL));
}

static volatile int stop;
static void *spinner(void *arg)
{
	volatile uint64_t x = 0;
	while (!stop)
		x++;
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGUSR1, on_usr1);

	timer_t t = make(CLOCK_PROCESS_CPUTIME_ID);
	arm(t, 50, 0, 0, 0);
	struct itimerspec cur;
	RESULT("timer_gettime", timer_gettime(t, &cur));
	long left = cur.it_value.tv_sec * 1000 + cur.it_value.tv_nsec / 1000000;
	printf("time left 0..50 ms: %s\n", left >= 0 && left <= 50 && cur.it_value.tv_nsec ? "yes" : "no");
	usleep(200000);
	printf("after sleeping 200 ms: %d signals\n", hits);
	long used = spin_until(1, 3000, CLOCK_PROCESS_CPUTIME_ID);
	printf("fired after computing: %s, at 40+ ms of CPU: %s\n", hits == 1 ? "yes" : "no",
	       used >= 40 ? "yes" : "no");
	timer_delete(t);

	hits = 0;
	t = make(CLOCK_PROCESS_CPUTIME_ID);
	arm(t, 0, 0, TIMER_ABSTIME, ns_of(CLOCK_PROCESS_CPUTIME_ID) + 30000000);
	used = spin_until(1, 3000, CLOCK_PROCESS_CPUTIME_ID);
	printf("absolute CPU time: fired %s, at 20+ ms %s\n", hits == 1 ? "yes" : "no",
	       used >= 20 ? "yes" : "no");
	hits = 0;
	arm(t, 20, 20, 0, 0);
	used = spin_until(1000, 300, CLOCK_PROCESS_CPUTIME_ID);
	printf("periodic 20 ms over %s300 ms of CPU: between 5 and 16 signals: %s\n",
	       used >= 290 ? "" : "(less than) ", hits >= 5 && hits <= 16 ? "yes" : "no");
	arm(t, 0, 0, 0, 0);
	timer_delete(t);

	/* the main thread's CPU clock: another thread's work does not count */
	hits = 0;
	t = make(CLOCK_THREAD_CPUTIME_ID);
	arm(t, 50, 0, 0, 0);
	pthread_t th;
	pthread_create(&th, NULL, spinner, NULL);
	usleep(300000);
	stop = 1;
	pthread_join(th, NULL);
	printf("another thread computed 300 ms: %d signals\n", hits);
	used = spin_until(1, 3000, CLOCK_THREAD_CPUTIME_ID);
	printf("the thread itself computed: fired %s\n", hits == 1 ? "yes" : "no");
	timer_delete(t);

	/* a clock of another thread, and of the process by pid */
	stop = 0;
	pthread_create(&th, NULL, spinner, NULL);
	clockid_t tc;
	pthread_getcpuclockid(th, &tc);
	make(tc);
	printf("timer on another thread's clock: %s\n", made ? "created" : "no");
	stop = 1;
	pthread_join(th, NULL);
	clockid_t pc;
	RESULT("clock_getcpuclockid self", clock_getcpuclockid(getpid(), &pc));
	make(pc);
	printf("timer on the process's clock by pid: %s\n", made ? "created" : "no");

	clockid_t gone = (clockid_t)(((unsigned)~99999u << 3) | 2);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	timer_t t3;
	RESULT("timer_create on the clock of no process", timer_create(gone, &ev, &t3));
	RESULT("timer_create on a bad clock type", timer_create((clockid_t)-5, &ev, &t3));
	return 0;
}
