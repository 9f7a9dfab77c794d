/* sysinfo: sysinfo(2) against /proc/meminfo, /proc/uptime and /proc/loadavg, the libc calls
 * built on it (sysconf(_SC_PHYS_PAGES), getloadavg), and a load average that a busy process
 * raises within one 5-second sample. Values differ between machines: only their agreement
 * is printed. */
#include "compat.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double proc_first(const char *path)
{
	FILE *f = fopen(path, "r");
	double v = -1;
	if (f && fscanf(f, "%lf", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sysinfo si;
	RESULT("sysinfo", syscall(SYS_sysinfo, &si));
	RESULT("sysinfo to a bad address", syscall(SYS_sysinfo, (void *)8));
	printf("mem_unit: %u\n", si.mem_unit);
	long total = meminfo_kb("MemTotal:"), free_kb = meminfo_kb("MemFree:");
	fact("totalram is MemTotal", (unsigned long)total * 1024 == si.totalram * si.mem_unit);
	fact("freeram within a tenth of MemFree",
	     labs((long)(si.freeram * si.mem_unit / 1024) - free_kb) <= total / 10);
	fact("freeram below totalram", si.freeram < si.totalram);
	double up = proc_first("/proc/uptime");
	fact("uptime is /proc/uptime rounded up", si.uptime >= up && si.uptime <= up + 1.01);
	fact("procs counted", si.procs >= 1);
	double l0 = proc_first("/proc/loadavg");
	syscall(SYS_sysinfo, &si);
	double l1 = proc_first("/proc/loadavg"), l = si.loads[0] / 65536.0;
	fact("loads[0] is /proc/loadavg's", l >= (l0 < l1 ? l0 : l1) - 0.011 &&
					     l <= (l0 > l1 ? l0 : l1) + 0.011);
	fact("sysconf(_SC_PHYS_PAGES) is totalram",
	     (unsigned long)sysconf(_SC_PHYS_PAGES) * (unsigned long)sysconf(_SC_PAGESIZE) ==
		     si.totalram * si.mem_unit);
	double avg[3];
	printf("getloadavg: %d\n", getloadavg(avg, 3));
	/* A busy child for a little over one sampling period. */
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			;
	}
	double t0 = now_s();
	while (now_s() - t0 < 5.3)
		usleep(50000);
	double l2 = proc_first("/proc/loadavg");
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	fact("a busy process raises the 1-minute load within 5.3 s", l2 >= 0.05);
	return 0;
}
