/* clock: clock_gettime (monotonic never goes backwards, realtime is plausible), clock_getres,
 * gettimeofday and time() against CLOCK_REALTIME, and invalid clock ids. No sleeping. */
#include "compat.h"
#include <sys/time.h>
#include <time.h>

#define READS 100000
#define Y2020 1577836800L

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void res(const char *name, clockid_t id)
{
	struct timespec r = { -1, -1 };
	int ret = clock_getres(id, &r);

	if (ret)
		printf("clock_getres(%s): -1 %s\n", name, errname(errno));
	else
		printf("clock_getres(%s): %lld ns\n", name, ns(&r));
}

int main(void)
{
	struct timespec a, b, first, rt, bt, coarse = { -1, -1 };
	struct timeval tv;
	long backwards = 0, bad_nsec = 0;
	time_t t;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &first);
	a = first;
	for (int i = 0; i < READS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		backwards += ns(&b) < ns(&a);
		bad_nsec += b.tv_nsec < 0 || b.tv_nsec >= 1000000000L;
		a = b;
	}
	printf("%d CLOCK_MONOTONIC reads: backwards %ld, bad tv_nsec %ld\n", READS, backwards, bad_nsec);
	fact("CLOCK_MONOTONIC advanced", ns(&a) > ns(&first));
	ret = clock_gettime(CLOCK_BOOTTIME, &bt);
	fact("CLOCK_BOOTTIME >= CLOCK_MONOTONIC", ret == 0 && ns(&bt) >= ns(&a));

	clock_gettime(CLOCK_REALTIME, &rt);
	fact("CLOCK_REALTIME after 2020", rt.tv_sec > Y2020);
	gettimeofday(&tv, NULL);
	t = time(NULL);
	fact("gettimeofday within 2 s of CLOCK_REALTIME", tv.tv_sec - rt.tv_sec <= 2 && tv.tv_sec >= rt.tv_sec - 2);
	fact("time() within 2 s of CLOCK_REALTIME", t - rt.tv_sec <= 2 && t >= rt.tv_sec - 2);
	fact("gettimeofday tv_usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);

	res("CLOCK_REALTIME", CLOCK_REALTIME);
	res("CLOCK_MONOTONIC", CLOCK_MONOTONIC);
	res("CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW);
	res("CLOCK_BOOTTIME", CLOCK_BOOTTIME);
	res("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID);
	res("CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID);
	/* The coarse clocks tick at the kernel's HZ, which differs between hosts: print only its range. */
	ret = clock_getres(CLOCK_MONOTONIC_COARSE, &coarse);
	fact("CLOCK_MONOTONIC_COARSE resolution in (0, 10 ms]",
	     ret == 0 && ns(&coarse) > 0 && ns(&coarse) <= 10000000LL);
	ret = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	fact("CLOCK_PROCESS_CPUTIME_ID readable and positive", ret == 0 && ns(&a) > 0);

	ret = clock_gettime((clockid_t)1234, &a);
	result("clock_gettime(1234)", ret, errno);
	ret = clock_getres((clockid_t)1234, &a);
	result("clock_getres(1234)", ret, errno);
	return 0;
}
