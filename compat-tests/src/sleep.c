/* nanosleep and clock_nanosleep: relative and absolute sleeps last at least as asked; argument
   errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "compat.h"

static long long now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(void)
{
	long long t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec d = { 0, 50000000 };
	int r = nanosleep(&d, NULL);
	long long el = now_ns(CLOCK_MONOTONIC) - t0;
	printf("nanosleep 50 ms: %d, slept at least that: %s\n", r, el >= 50000000 ? "yes" : "no");

	t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	el = now_ns(CLOCK_MONOTONIC) - t0;
	printf("clock_nanosleep ABSTIME +30 ms: %d, slept at least 29 ms: %s\n", r,
	       el >= 29000000 ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec -= 10;
	printf("ABSTIME in the past: %d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));
	struct timespec bad = { 0, 1000000000 };
	errno = 0;
	r = nanosleep(&bad, NULL);
	printf("nsec 1e9: %d %s\n", r, errname(errno));
	struct timespec neg = { -1, 0 };
	errno = 0;
	r = nanosleep(&neg, NULL);
	printf("negative sec: %d %s\n", r, errname(errno));
	errno = 0;
	long lr = syscall(SYS_nanosleep, (void *)1, NULL);
	printf("bad pointer: %ld %s\n", lr, errname(errno));
	printf("thread CPU clock: %d\n", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL));
	printf("unknown clock: %d\n", clock_nanosleep(99, 0, &d, NULL));
	printf("usleep 1000: %d\n", usleep(1000));
	printf("sleep 0: %u\n", sleep(0));
	return 0;
}
