/* proc_sys: the system-wide /proc files (cpuinfo, meminfo, uptime, loadavg, stat, version,
 * filesystems) and /proc/sys values, checked for the formats programs parse, not for values that
 * belong to the machine. */
#include "compat.h"
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static char buf[1 << 18];

static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while (n < (long)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* kb_line: "KEY:" at a line start followed by spaces, a number and " kB\n". */
static int kb_line(const char *key)
{
	char want[64];
	const char *p;
	unsigned long v;
	int used = 0;

	snprintf(want, sizeof(want), "\n%s:", key);
	p = strncmp(buf, want + 1, strlen(want) - 1) ? strstr(buf, want) : buf - 1;
	if (!p)
		return 0;
	p += strlen(want);
	return sscanf(p, " %lu kB%n", &v, &used) == 1 && used > 0 && p[used] == '\n';
}

static void cpuinfo(void)
{
	const char *flags;

	fact("cpuinfo read", slurp("/proc/cpuinfo") > 0);
	fact("starts with processor\\t: 0", !strncmp(buf, "processor\t: 0\n", 14));
	flags = strstr(buf, "\nflags\t\t:");
	fact("has a flags line", flags != NULL);
	if (!flags)
		return;
	const char *end = strchr(flags + 1, '\n');
	static const char *const want[] = { " fpu", " tsc", " sse", " sse2", " cx8", " lm" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *f = flags;
		int ok = 0;
		while ((f = strstr(f + 1, want[i])) && f < end)
			if (f[strlen(want[i])] == ' ' || f[strlen(want[i])] == '\n')
				ok = 1;
		printf("flags has%s: %s\n", want[i], ok ? "yes" : "no");
	}
	fact("has vendor_id", strstr(buf, "\nvendor_id\t: ") != NULL);
	fact("has model name", strstr(buf, "\nmodel name\t: ") != NULL);
}

static void meminfo(void)
{
	static const char *const keys[] = { "MemTotal", "MemFree", "MemAvailable", "Buffers",
					     "Cached", "SwapTotal", "SwapFree", "Shmem" };
	unsigned long total = 0, mfree = 0;

	fact("meminfo read", slurp("/proc/meminfo") > 0);
	fact("starts with MemTotal:", !strncmp(buf, "MemTotal:", 9));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		printf("%s in kB: %s\n", keys[i], kb_line(keys[i]) ? "yes" : "no");
	sscanf(buf, "MemTotal: %lu", &total);
	sscanf(strstr(buf, "MemFree:"), "MemFree: %lu", &mfree);
	fact("0 < MemFree <= MemTotal", mfree > 0 && mfree <= total);
}

static void times(void)
{
	double up, idle, l1, l5, l15;
	int run, all, last, n = 0;

	slurp("/proc/uptime");
	fact("uptime is two numbers", sscanf(buf, "%lf %lf%n", &up, &idle, &n) == 2 &&
	     buf[n] == '\n' && up >= 0 && idle >= 0);
	slurp("/proc/loadavg");
	fact("loadavg format", sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &all,
				      &last) == 6 && run >= 1 && all >= run && last > 0);
	slurp("/proc/stat");
	fact("stat starts with cpu", !strncmp(buf, "cpu  ", 5));
	fact("stat has cpu0", strstr(buf, "\ncpu0 ") != NULL);
	const char *bt = strstr(buf, "\nbtime ");
	fact("stat btime is a plausible time", bt && strtol(bt + 7, NULL, 10) > 1600000000);
	fact("stat has processes", strstr(buf, "\nprocesses ") != NULL);
	fact("stat has procs_running", strstr(buf, "\nprocs_running ") != NULL);
}

static void misc(void)
{
	struct utsname u;
	char v[128];

	slurp("/proc/version");
	fact("version starts with Linux version", !strncmp(buf, "Linux version ", 14));
	slurp("/proc/filesystems");
	fact("filesystems: nodev proc", strstr(buf, "nodev\tproc\n") != NULL);
	fact("filesystems: nodev tmpfs", strstr(buf, "nodev\ttmpfs\n") != NULL);
	slurp("/proc/sys/kernel/osrelease");
	fact("osrelease starts with a digit", isdigit((unsigned char)buf[0]));
	uname(&u);
	snprintf(v, sizeof(v), "%s\n", u.release);
	fact("osrelease is uname's release", !strcmp(buf, v));
	slurp("/proc/sys/kernel/ostype");
	printf("ostype: %s", buf);
	slurp("/proc/sys/kernel/hostname");
	snprintf(v, sizeof(v), "%s\n", u.nodename);
	fact("hostname is uname's nodename", !strcmp(buf, v));
	static const char *const numbers[] = {
		"/proc/sys/kernel/pid_max", "/proc/sys/vm/overcommit_memory", "/proc/sys/fs/file-max",
		"/proc/sys/fs/nr_open", "/proc/sys/net/core/somaxconn" };
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		char *end;
		long n = slurp(numbers[i]);
		strtol(buf, &end, 10);
		printf("%s is a number: %s\n", numbers[i], n > 1 && end > buf && *end == '\n' ? "yes"
											 : "no");
	}
	char id1[64], id2[64];
	slurp("/proc/sys/kernel/random/boot_id");
	snprintf(id1, sizeof(id1), "%.63s", buf);
	slurp("/proc/sys/kernel/random/boot_id");
	fact("boot_id is a UUID line", strlen(id1) == 37 && id1[8] == '-' && id1[36] == '\n');
	fact("boot_id is stable", !strcmp(id1, buf));
	slurp("/proc/sys/kernel/random/uuid");
	snprintf(id2, sizeof(id2), "%.63s", buf);
	slurp("/proc/sys/kernel/random/uuid");
	fact("uuid is a UUID line", strlen(id2) == 37 && id2[14] == '4' && id2[36] == '\n');
	fact("uuid changes", strcmp(id2, buf) != 0);
}

static void listing(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char me[16];
	int self = 0, pid = 0, cpuinfo = 0;

	snprintf(me, sizeof(me), "%d", getpid());
	while (d && (e = readdir(d))) {
		self |= !strcmp(e->d_name, "self") && e->d_type == DT_LNK;
		pid |= !strcmp(e->d_name, me) && e->d_type == DT_DIR;
		cpuinfo |= !strcmp(e->d_name, "cpuinfo") && e->d_type == DT_REG;
	}
	if (d)
		closedir(d);
	fact("/proc lists self (link)", self);
	fact("/proc lists getpid() (directory)", pid);
	fact("/proc lists cpuinfo (file)", cpuinfo);
	RESULT("access /proc/sys/kernel", access("/proc/sys/kernel", X_OK));
}

int main(void)
{
	cpuinfo();
	meminfo();
	times();
	misc();
	listing();
	return 0;
}
