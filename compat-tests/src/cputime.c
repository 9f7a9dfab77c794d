/* cputime: CPU-time clocks and usage. Computing raises the process and thread CPU clocks,
 * sleeping does not; another thread's clock through pthread_getcpuclockid; getrusage for self,
 * thread and reaped children, computing as user time and a kernel's read as system time;
 * times(); wait4's rusage; errno cases. Bounds are loose: only
 * "counts CPU, not sleep" is checked, never exact figures. */
#include "compat.h"
#include <fcntl.h>
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

/* Computes for ms of this process's CPU time (not wall time: a loaded machine would give it
   less), at most 20 times that long by the clock. Reading a CPU clock is a system call, so the
   clocks are read only between stretches of work. */
static void spin_ms(long ms)
{
	long end = ms_of(CLOCK_PROCESS_CPUTIME_ID) + ms, give_up = ms_of(CLOCK_MONOTONIC) + 20 * ms;
	volatile uint64_t x = 0;
	while (ms_of(CLOCK_PROCESS_CPUTIME_ID) < end && ms_of(CLOCK_MONOTONIC) < give_up)
		for (int i = 0; i < 200000; i++)
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
	/* User and system time: computing is user time, the kernel's work on a read is system. */
	struct rusage r0, r1, r2;
	getrusage(RUSAGE_SELF, &r0);
	spin_ms(100);
	getrusage(RUSAGE_SELF, &r1);
	static char zbuf[1 << 20];
	int zfd = open("/dev/zero", O_RDONLY);
	long reads_end = ms_of(CLOCK_MONOTONIC) + 200;
	while (ms_of(CLOCK_MONOTONIC) < reads_end)
		if (read(zfd, zbuf, sizeof(zbuf)) < 0)
			break;
	close(zfd);
	getrusage(RUSAGE_SELF, &r2);
#define TV_MS(a, b) (((b).tv_sec - (a).tv_sec) * 1000 + ((b).tv_usec - (a).tv_usec) / 1000)
	long cu = TV_MS(r0.ru_utime, r1.ru_utime), cs = TV_MS(r0.ru_stime, r1.ru_stime);
	long ru_ = TV_MS(r1.ru_utime, r2.ru_utime), rs = TV_MS(r1.ru_stime, r2.ru_stime);
	printf("computing counts as user time: %s\n", cu >= 50 && cu > cs ? "yes" : "no");
	printf("reading /dev/zero counts as system time: %s\n", rs >= 20 && rs > ru_ ? "yes" : "no");
	/* ITIMER_VIRTUAL counts user time only: 150 ms of reads do not reach its 100 ms. */
	vt_hits = 0;
	struct itimerval vt100 = { { 0, 0 }, { 0, 100000 } }, vt_left;
	setitimer(ITIMER_VIRTUAL, &vt100, NULL);
	zfd = open("/dev/zero", O_RDONLY);
	reads_end = ms_of(CLOCK_MONOTONIC) + 150;
	while (ms_of(CLOCK_MONOTONIC) < reads_end)
		if (read(zfd, zbuf, sizeof(zbuf)) < 0)
			break;
	close(zfd);
	getitimer(ITIMER_VIRTUAL, &vt_left);
	printf("ITIMER_VIRTUAL over system time: not fired %s, mostly left %s\n",
	       vt_hits == 0 ? "yes" : "no", vt_left.it_value.tv_usec > 50000 ? "yes" : "no");
	struct itimerval vt_off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_VIRTUAL, &vt_off, NULL);
	RESULT("getrusage with a bad who", getrusage(5, &ru));
	struct timespec res;
	RESULT("clock_getres CLOCK_PROCESS_CPUTIME_ID", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res));
	return 0;
}
