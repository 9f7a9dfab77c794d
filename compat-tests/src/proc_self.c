/* proc_self: /proc/self as the process sees itself: the self links, stat, status, statm, cmdline,
 * environ, comm (prctl and writes), cwd, root, exe, limits, maps (also past 64 KiB), mounts,
 * task/, and seeking in a proc file. Only facts that hold natively and under unik are printed. */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static char buf[1 << 20];

/* slurp: the whole file PATH read with CHUNK-byte reads into buf (NUL added); length or -1. */
static long slurp(const char *path, size_t chunk)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while (n < (long)sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, chunk < sizeof(buf) - 1 - n ? chunk : sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* line: the value after "KEY:" in buf (tabs skipped), copied into out. */
static const char *line(const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	for (const char *p = buf; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			const char *v = p + kl + 1;
			size_t n = 0;
			while (*v == '\t' || *v == ' ')
				v++;
			while (v[n] && v[n] != '\n' && n + 1 < size)
				n++;
			memcpy(out, v, n);
			out[n] = 0;
			return out;
		}
	}
	out[0] = 0;
	return out;
}

static void links(void)
{
	char l[PATH_MAX], want[64], cwd[PATH_MAX];
	ssize_t n = readlink("/proc/self", l, sizeof(l) - 1);

	l[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%d", getpid());
	fact("/proc/self names getpid()", !strcmp(l, want));
	n = readlink("/proc/thread-self", l, sizeof(l) - 1);
	l[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), getpid());
	fact("/proc/thread-self is PID/task/PID", !strcmp(l, want));
	n = readlink("/proc/self/exe", l, sizeof(l) - 1);
	l[n > 0 ? n : 0] = 0;
	fact("exe readable", n > 0);
	fact("exe ends with /proc_self", n > 10 && !strcmp(l + n - 10, "/proc_self"));
	n = readlink("/proc/self/root", l, sizeof(l) - 1);
	l[n > 0 ? n : 0] = 0;
	printf("root: %s\n", l);
	if (chdir("/tmp") != 0 || !getcwd(cwd, sizeof(cwd)))
		return;
	n = readlink("/proc/self/cwd", l, sizeof(l) - 1);
	l[n > 0 ? n : 0] = 0;
	fact("cwd is getcwd()", n > 0 && !strcmp(l, cwd));
	RESULT("readlink into 3 bytes", readlink("/proc/self/cwd", l, 3));
	fact("  truncated text", !strncmp(l, cwd, 3));
	RESULT("readlink /proc/self/status", readlink("/proc/self/status", l, sizeof(l)));
	RESULT("open /proc/self/nonexistent", open("/proc/self/nonexistent", O_RDONLY));
	RESULT("open /proc/999999999", open("/proc/999999999", O_RDONLY));
}

static void on_hup(int sig)
{
	(void)sig;
}

static void stat_file(void)
{
	char comm[32], state[8];
	int pid = -1, ppid = -1, fields = 0;
	long n = slurp("/proc/self/stat", 4096);
	const char *rest;

	fact("stat read", n > 0);
	if (sscanf(buf, "%d (%31[^)]) %7s %d", &pid, comm, state, &ppid) != 4)
		return;
	fact("stat pid is getpid()", pid == getpid());
	printf("stat comm: %s\nstat state: %s\n", comm, state);
	fact("stat ppid is getppid()", ppid == getppid());
	rest = strrchr(buf, ')');
	for (const char *p = rest + 1; *p && *p != '\n'; p++)
		if (*p == ' ')
			fields++;
	printf("stat fields: %d\n", fields + 2);
	fact("stat ends with a newline", buf[n - 1] == '\n');
	/* Fields 31-34: pending, blocked, ignored and caught signals, the first 31 only. */
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &s, &old);
	struct sigaction ign = { .sa_handler = SIG_IGN }, hup = { .sa_handler = on_hup }, o1, o2;
	sigaction(SIGUSR2, &ign, &o1);
	sigaction(SIGHUP, &hup, &o2);
	raise(SIGUSR1);
	raise(SIGRTMIN + 1);
	slurp("/proc/self/stat", 4096);
	rest = strrchr(buf, ')') + 2;
	for (int f = 3; f < 31 && rest; f++) {
		rest = strchr(rest, ' ');
		rest = rest ? rest + 1 : NULL;
	}
	unsigned long long sig[4] = { 0, 0, 0, 0 };
	if (rest)
		sscanf(rest, "%llu %llu %llu %llu", &sig[0], &sig[1], &sig[2], &sig[3]);
	printf("stat signal %llu blocked %llu sigignore %llu sigcatch %llu\n", sig[0], sig[1],
	       sig[2], sig[3]);
	sigaction(SIGUSR2, &o1, NULL);
	sigaction(SIGHUP, &o2, NULL);
	signal(SIGUSR1, SIG_IGN);       /* drops the pending ones */
	signal(SIGRTMIN + 1, SIG_IGN);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGRTMIN + 1, SIG_DFL);
	n = slurp("/proc/self/statm", 100);
	long v[7];
	fact("statm has 7 numbers", sscanf(buf, "%ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2],
					   &v[3], &v[4], &v[5], &v[6]) == 7);
	fact("statm size >= resident > 0", v[0] >= v[1] && v[1] > 0);
}

static void status(void)
{
	char v[256], want[256];
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set;

	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = (void (*)(int))links;	/* any address: never delivered */
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	slurp("/proc/self/status", 13);
	printf("Name: %s\n", line("Name", v, sizeof(v)));
	printf("State: %s\n", line("State", v, sizeof(v)));
	snprintf(want, sizeof(want), "%d", getpid());
	fact("Tgid and Pid are getpid()", !strcmp(line("Tgid", v, sizeof(v)), want) &&
	     !strcmp(line("Pid", v, sizeof(v)), want));
	snprintf(want, sizeof(want), "%d", getppid());
	fact("PPid is getppid()", !strcmp(line("PPid", v, sizeof(v)), want));
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(), geteuid());
	fact("Uid: real, effective, saved, fs", !strcmp(line("Uid", v, sizeof(v)), want));
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", getgid(), getegid(), getegid(), getegid());
	fact("Gid: real, effective, saved, fs", !strcmp(line("Gid", v, sizeof(v)), want));
	printf("Threads: %s\n", line("Threads", v, sizeof(v)));
	fact("VmRSS in kB", strstr(line("VmRSS", v, sizeof(v)), " kB") != NULL);
	fact("VmSize in kB", strstr(line("VmSize", v, sizeof(v)), " kB") != NULL);
	unsigned long long blk = strtoull(line("SigBlk", v, sizeof(v)), NULL, 16);
	unsigned long long ign = strtoull(line("SigIgn", v, sizeof(v)), NULL, 16);
	unsigned long long cgt = strtoull(line("SigCgt", v, sizeof(v)), NULL, 16);
	printf("SigBlk is 16 hex digits: %s\n", strlen(line("SigBlk", v, sizeof(v))) == 16 ? "yes"
											: "no");
	fact("SigBlk has SIGHUP", (blk >> (SIGHUP - 1)) & 1);
	fact("SigIgn has SIGUSR1", (ign >> (SIGUSR1 - 1)) & 1);
	fact("SigCgt has SIGUSR2", (cgt >> (SIGUSR2 - 1)) & 1);
	fact("SigCgt lacks SIGUSR1", !((cgt >> (SIGUSR1 - 1)) & 1));
	printf("CapEff: %s\n", geteuid() == 0 ? "root's" :
	       !strcmp(line("CapEff", v, sizeof(v)), "0000000000000000") ? "none" : "other");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void cmdline_environ(int argc, char **argv)
{
	static char want[1 << 16];
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		memcpy(want + n, argv[i], strlen(argv[i]) + 1);
		n += strlen(argv[i]) + 1;
	}
	long got = slurp("/proc/self/cmdline", 5);
	fact("cmdline is argv joined with NULs", got == (long)n && !memcmp(buf, want, n));
	n = 0;
	for (char **e = environ; *e; e++) {
		memcpy(want + n, *e, strlen(*e) + 1);
		n += strlen(*e) + 1;
	}
	got = slurp("/proc/self/environ", 4096);
	fact("environ is the environment joined with NULs", got == (long)n && !memcmp(buf, want, n));
	printf("environ bytes: %ld\n", got);
}

static void comm(void)
{
	char name[16] = { 0 };
	int fd;

	slurp("/proc/self/comm", 4096);
	printf("comm: %s", buf);
	prctl(PR_SET_NAME, "xyz");
	slurp("/proc/self/comm", 4096);
	printf("comm after PR_SET_NAME: %s", buf);
	prctl(PR_SET_NAME, "a-very-long-name-indeed");
	slurp("/proc/thread-self/comm", 4096);
	printf("comm truncated: %s", buf);
	fd = open("/proc/self/comm", O_WRONLY);
	RESULT("write comm", write(fd, "renamed", 7));
	close(fd);
	prctl(PR_GET_NAME, name);
	printf("PR_GET_NAME after the write: %s\n", name);
	fd = open("/proc/self/status", O_RDONLY);
	RESULT("write to a read-only open", write(fd, "x", 1));
	close(fd);
}

static void limits(void)
{
	struct rlimit r;
	char want[128];

	slurp("/proc/self/limits", 7);
	const char *hdr = "Limit                     Soft Limit           Hard Limit           "
			  "Units     \n";
	fact("limits header", !strncmp(buf, hdr, strlen(hdr)));
	getrlimit(RLIMIT_NOFILE, &r);
	snprintf(want, sizeof(want), "Max open files            %-20lu %-20lu files     \n",
		 (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
	fact("Max open files line", strstr(buf, want) != NULL);
	fact("Max cpu time unlimited", strstr(buf, "Max cpu time              unlimited            "
					       "unlimited            seconds   \n") != NULL);
	const char *nice = strstr(buf, "Max nice priority ");
	fact("nice has no unit", nice && strchr(nice, '\n') && strchr(nice, '\n')[-1] == ' ');
}

static void maps(void)
{
	enum { PAGES = 3000 };
	char *m = mmap(NULL, PAGES * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char want[64];
	int found = 0;
	long n;

	slurp("/proc/self/maps", 4096);
	fact("maps has [stack]", strstr(buf, "[stack]\n") != NULL);
	fact("maps has r-xp", strstr(buf, " r-xp ") != NULL);
	for (int i = 1; i < PAGES; i += 2)
		mprotect(m + i * 4096, 4096, PROT_NONE);
	n = slurp("/proc/self/maps", 65536);
	fact("maps past 64 KiB", n > 65536);
	for (int i = 0; i < PAGES; i++) {
		snprintf(want, sizeof(want), "\n%lx-%lx %s ", (unsigned long)(m + i * 4096),
			 (unsigned long)(m + (i + 1) * 4096), i % 2 ? "---p" : "r--p");
		found += strstr(buf, want) != NULL;
	}
	printf("maps lines for the %d areas: %d\n", PAGES, found);
	munmap(m, PAGES * 4096);
}

static void seeking(void)
{
	char whole[4096], part[64];
	long n = slurp("/proc/self/limits", 4096);
	int fd = open("/proc/self/limits", O_RDONLY);
	struct stat st;

	memcpy(whole, buf, n);
	RESULT("lseek SEEK_SET 100", lseek(fd, 100, SEEK_SET));
	RESULT("read 10", read(fd, part, 10));
	fact("  bytes 100..109", !memcmp(part, whole + 100, 10));
	RESULT("lseek SEEK_CUR -5", lseek(fd, -5, SEEK_CUR));
	RESULT("lseek before 0", lseek(fd, -1000, SEEK_SET));
	RESULT("lseek past the end", lseek(fd, n + 100, SEEK_SET));
	RESULT("read there", read(fd, part, 10));
	RESULT("fstat", fstat(fd, &st));
	fact("  regular, size 0", S_ISREG(st.st_mode) && st.st_size == 0);
	RESULT("pread 10 at 200", pread(fd, part, 10, 200));
	fact("  bytes 200..209", !memcmp(part, whole + 200, 10));
	close(fd);
	/* Reading from offset 0 again shows the current state, as seq_file does. */
	prctl(PR_SET_NAME, "before");
	fd = open("/proc/self/comm", O_RDONLY);
	RESULT("read comm", read(fd, part, sizeof(part)));
	prctl(PR_SET_NAME, "after");
	RESULT("lseek back to 0", lseek(fd, 0, SEEK_SET));
	n = read(fd, part, sizeof(part));
	printf("read again: %.*s", (int)(n > 0 ? n : 0), part);
	RESULT("pread at 0", pread(fd, part, sizeof(part), 0));
	close(fd);
	fd = open("/proc/self", O_RDONLY | O_DIRECTORY);
	fact("read a /proc directory: EISDIR", read(fd, part, 10) == -1 && errno == EISDIR);
	close(fd);
}

static void mounts(void)
{
	char l[64];
	ssize_t n = readlink("/proc/mounts", l, sizeof(l) - 1);

	l[n > 0 ? n : 0] = 0;
	printf("/proc/mounts -> %s\n", l);
	slurp("/proc/self/mounts", 4096);
	fact("mounts: / is mounted", buf[0] && strstr(buf, " / ") != NULL);
	fact("mounts: proc on /proc", strstr(buf, " /proc proc ") != NULL);
	slurp("/proc/self/mountinfo", 4096);
	fact("mountinfo: proc", strstr(buf, " - proc ") != NULL);
	slurp("/proc/self/cgroup", 4096);
	fact("cgroup read", buf[0] != 0);
}

static void task(void)
{
	char path[64], v[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", getpid());
	slurp(path, 4096);
	snprintf(path, sizeof(path), "%d", getpid());
	fact("task/PID/status Pid is getpid()", !strcmp(line("Pid", v, sizeof(v)), path));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/task", getpid(), getpid());
	RESULT("task/PID/task", access(path, F_OK));
}

int main(int argc, char **argv)
{
	cmdline_environ(argc, argv);
	links();
	stat_file();
	status();
	comm();
	limits();
	maps();
	seeking();
	mounts();
	task();
	return 0;
}
