/* cputime: CPU-time clocks and usage. Computing raises the process and thread CPU clocks,
 * sleeping does not; another thread's clock through pthread_getcpuclockid; getrusage for self,
 * thread and reaped children; times(); wait4's rusage; errno cases. Bounds are loose: only
 * "counts CPU, not sleep" is checked, never exact figures. */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>

static long ms_of(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void spin_ms(long ms)
{
	long end = ms_of(CLOCK_MONOTONIC) + ms;
	volatile uint64_t x = 0;
	while (ms_of(CLOCK_MONOTONIC) < end)
		x++;
}

static volatile int stop;
static volatile sig_atomic_t vt_hits, prof_hits;

static void on_vt(int sig)
{
	vt_hits++;
}

static void on_prof(int sig)
{
	prof_hits++;
}

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
	long p0 = ms_of(CLOCK_PROCESS_CPUTIME_ID), t0 = ms_of(CLOCK_THREAD_CPUTIME_ID);
	spin_ms(80);
	long p1 = ms_of(CLOCK_PROCESS_CPUTIME_ID), t1 = ms_of(CLOCK_THREAD_CPUTIME_ID);
	printf("computing 80 ms: process CPU +10..+200 ms %s, thread CPU likewise %s\n",
	       p1 - p0 >= 10 && p1 - p0 <= 200 ? "yes" : "no",
	       t1 - t0 >= 10 && t1 - t0 <= 200 ? "yes" : "no");
	usleep(100000);
	long p2 = ms_of(CLOCK_PROCESS_CPUTIME_ID);
	printf("sleeping 100 ms: process CPU +<30 ms %s\n", p2 - p1 < 30 ? "yes" : "no");

	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	clockid_t tc;
	pthread_getcpuclockid(t, &tc);
	usleep(100000);                 /* the spinner computes meanwhile */
	long tt = ms_of(tc);
	stop = 1;
	pthread_join(t, NULL);
	printf("another thread's CPU clock counts its work: %s\n", tt >= 10 ? "yes" : "no");

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long self_ms = ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
		       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
	printf("getrusage self at least the main thread's work: %s\n", self_ms >= 10 ? "yes" : "no");
	RESULT("getrusage RUSAGE_THREAD", getrusage(RUSAGE_THREAD, &ru));

	pid_t c = fork();
	if (c == 0) {
		spin_ms(60);
		_exit(0);
	}
	int st;
	struct rusage cru;
	memset(&cru, 0, sizeof(cru));
	wait4(c, &st, 0, &cru);
	long cms = cru.ru_utime.tv_sec * 1000 + cru.ru_utime.tv_usec / 1000 +
		   cru.ru_stime.tv_sec * 1000 + cru.ru_stime.tv_usec / 1000;
	printf("wait4 rusage of a child that computed 60 ms: %s\n", cms >= 10 ? "yes" : "no");
	getrusage(RUSAGE_CHILDREN, &ru);
	long chms = ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
		    ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
	printf("getrusage children includes it: %s\n", chms >= 10 ? "yes" : "no");
	struct tms tm;
	clock_t now = times(&tm);
	printf("times: ticks advance %s, user+system of self > 0 %s, of children > 0 %s\n",
	       now > 0 ? "yes" : "no", tm.tms_utime + tm.tms_stime > 0 ? "yes" : "no",
	       tm.tms_cutime + tm.tms_cstime > 0 ? "yes" : "no");
	/* CPU-time interval timers: they run while the process computes, not while it sleeps. */
	signal(SIGVTALRM, on_vt);
	signal(SIGPROF, on_prof);
	struct itimerval vt = { { 0, 0 }, { 0, 20000 } }, prof = { { 0, 10000 }, { 0, 10000 } };
	setitimer(ITIMER_VIRTUAL, &vt, NULL);
	usleep(60000);
	int vt_after_sleep = vt_hits;
	spin_ms(100);
	printf("ITIMER_VIRTUAL: not while sleeping %s, fired while computing %s\n",
	       vt_after_sleep == 0 ? "yes" : "no", vt_hits == 1 ? "yes" : "no");
	setitimer(ITIMER_PROF, &prof, NULL);
	spin_ms(120);
	struct itimerval cur;
	getitimer(ITIMER_PROF, &cur);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &off, NULL);
	printf("ITIMER_PROF every 10 ms of CPU: fired repeatedly %s, interval %ld us\n",
	       prof_hits >= 3 ? "yes" : "no", (long)cur.it_interval.tv_usec);
	RESULT("getrusage with a bad who", getrusage(5, &ru));
	struct timespec res;
	RESULT("clock_getres CLOCK_PROCESS_CPUTIME_ID", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res));
	return 0;
}
