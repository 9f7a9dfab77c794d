/* rusage: what getrusage, wait4 and /proc/self/status count besides CPU time: the resident peak
 * (ru_maxrss, VmHWM) after touching memory and after unmapping it again, page faults (ru_minflt),
 * voluntary switches (sleeps) and involuntary ones (two threads spinning on one CPU), a reaped
 * child's usage through wait4 and RUSAGE_CHILDREN, RUSAGE_THREAD, and the errno cases. Exact
 * counts differ between kernels (fault-around, huge pages), so the checks are the relations
 * Linux guarantees. */
#include "compat.h"
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static struct rusage self(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru;
}

static void touch(size_t len, int unmap)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	if (unmap)
		munmap(p, len);
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static volatile int spin_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!spin_stop)
		;
	return NULL;
}

static double secs(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int main(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);

	struct rusage a = self();
	touch(64 * MIB, 1);     /* touched, then unmapped before any look at the peak */
	struct rusage b = self();
	fact("the peak counts 64 MiB touched and unmapped again", b.ru_maxrss - a.ru_maxrss >= 60 * 1024);
	fact("page faults counted", b.ru_minflt > a.ru_minflt);
	fact("VmHWM is at least that peak", status_kb("VmHWM") >= b.ru_maxrss - 1024);
	fact("VmHWM at least VmRSS", status_kb("VmHWM") >= status_kb("VmRSS"));
	touch(8 * MIB, 1);
	struct rusage c = self();
	fact("a smaller touch leaves the peak", c.ru_maxrss >= b.ru_maxrss);

	long vol = status_kb("voluntary_ctxt_switches");
	for (int i = 0; i < 5; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	struct rusage d = self();
	fact("five sleeps are five voluntary switches or more", d.ru_nvcsw - c.ru_nvcsw >= 5);
	fact("/proc/self/status counts them too", status_kb("voluntary_ctxt_switches") - vol >= 5);

	/* Two threads spinning on one CPU take it from each other. */
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000L + now.tv_nsec - start.tv_nsec < 200000000L);
	spin_stop = 1;
	pthread_join(t, NULL);
	struct rusage e = self();
	fact("spinning beside another thread: involuntary switches", e.ru_nivcsw > d.ru_nivcsw);
	struct rusage th;
	getrusage(RUSAGE_THREAD, &th);
	fact("RUSAGE_THREAD counts no more faults than RUSAGE_SELF", th.ru_minflt <= e.ru_minflt);
	fact("RUSAGE_THREAD: the same peak", th.ru_maxrss == e.ru_maxrss);

	/* A child that touches 32 MiB and spins until it has used 100 ms of CPU in user mode (its
	   own CPU clock: on a busy host wall time says nothing about it). */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		touch(32 * MIB, 0);
		do {
			for (volatile int k = 0; k < 1000000; k++)
				;       /* user time between the clock's system calls */
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
		} while (now.tv_sec * 1000000000L + now.tv_nsec < 100000000L);
		_exit(0);
	}
	struct rusage w, ch;
	int st;
	wait4(pid, &st, 0, &w);
	getrusage(RUSAGE_CHILDREN, &ch);
	fact("wait4: the child's peak has its 32 MiB", w.ru_maxrss >= 32 * 1024);
	fact("wait4: its faults", w.ru_minflt > 0);
	fact("wait4: its 100 ms of spinning, most as user time",
	     secs(w.ru_utime) >= 0.05 && secs(w.ru_utime) + secs(w.ru_stime) >= 0.095);
	fact("RUSAGE_CHILDREN: that peak", ch.ru_maxrss == w.ru_maxrss);
	fact("RUSAGE_CHILDREN: those faults", ch.ru_minflt == w.ru_minflt);
	struct rusage f = self();
	fact("the child's faults are not the parent's", f.ru_minflt - e.ru_minflt < w.ru_minflt);

	errno = 0;
	RESULT("getrusage(5)", getrusage(5, &f));
	RESULT("getrusage to a bad address", getrusage(RUSAGE_SELF, (struct rusage *)8));
	return 0;
}
