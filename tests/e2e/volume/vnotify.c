/* vnotify: watches a directory while something else (tests/e2e/volume.sh, on the host) changes
   it, and prints what it is told and what it then sees, in a form that is the same on every
   run: the same output natively and under unik is the test. DIR holds w/ (watched), ctl/ (where
   the changer and this program tell each other how far they are) and w/watched (a file).
     vnotify steps DIR   inotify: its own changes first, then the changer's steps: after each
                         (ctl/stepN made) it stats and reads what changed, and answers ctl/ackN
     vnotify dnotify DIR dnotify (F_NOTIFY, F_SETSIG) on w/: after each of the changer's
                         steps, whether w/'s fd was signalled
     vnotify flood DIR   computes (no system calls) while the changer floods w/, waits for
                         ctl/flooded, then reads what was queued: an overflow must be among it */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>

static const char *dir;
static int wd_w, wd_f, wd_o, wd_c;

static void path(char *p, const char *name)
{
	snprintf(p, 512, "%s/%s", dir, name);
}

static const char *wdname(int wd)
{
	return wd == wd_w ? "w" : wd == wd_f ? "watched" : wd == wd_o ? "own" :
	       wd == wd_c ? "ctl" : wd == -1 ? "-" : "?";
}

static void print_mask(uint32_t m)
{
	static const struct { uint32_t bit; const char *name; } b[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
		{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
		{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
		{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
		{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
		{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (m & b[i].bit) {
			printf("%s%s", sep, b[i].name);
			sep = "|";
		}
}

/* Cookies as the order they first appear in (their values differ from run to run). */
static unsigned cookie_no(uint32_t c)
{
	static uint32_t seen[64];
	static unsigned n;
	for (unsigned i = 0; i < n; i++)
		if (seen[i] == c)
			return i + 1;
	seen[n % 64] = c;
	return ++n;
}

static void print_event(const struct inotify_event *e)
{
	printf("%s ", wdname(e->wd));
	print_mask(e->mask);
	if (e->cookie)
		printf(" cookie#%u", cookie_no(e->cookie));
	if (e->len)
		printf(" %s", e->name);
	printf("\n");
}

static void show(const char *name)
{
	char p[512];
	struct stat st;
	path(p, name);
	if (stat(p, &st))
		printf("  stat %s: %s\n", name, strerror(errno));
	else
		printf("  stat %s: size %lld mode %o\n", name, (long long)st.st_size,
		       st.st_mode & 07777);
}

/* What read(2) and a new private mapping (the guest's page cache) give. */
static void contents(const char *name)
{
	char p[512], b[64] = { 0 };
	path(p, name);
	int fd = open(p, O_RDONLY);
	if (fd < 0) {
		printf("  read %s: %s\n", name, strerror(errno));
		return;
	}
	ssize_t n = read(fd, b, sizeof(b) - 1);
	printf("  read %s: %.*s", name, (int)(n > 0 ? n : 0), b);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		printf("  mmap %s: %s\n", name, strerror(errno));
	} else {
		printf("  mmap %s: %.*s", name, (int)strnlen(m, 64), m);
		munmap(m, 4096);
	}
	close(fd);
}

static void put(const char *name, const char *text)
{
	char p[512];
	path(p, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		printf("put %s: %s\n", name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int add(int fd, const char *name, uint32_t mask)
{
	char p[512];
	path(p, name);
	int wd = inotify_add_watch(fd, p, mask);
	if (wd < 0) {
		printf("add_watch %s: %s\n", name, strerror(errno));
		exit(1);
	}
	return wd;
}

/* After the changer's step n: what a program told of the change sees. */
static void check(int n)
{
	switch (n) {
	case 1: show("w/a"); break;
	case 2: contents("w/watched"); break;
	case 3: show("w/a"); break;
	case 4: show("w/a"); show("w/b"); break;
	case 5: show("w/sub"); break;
	case 6: show("w/sub"); break;
	case 7: show("w/b"); break;
	case 8: contents("w/watched"); break;
	}
}

static int steps(void)
{
	char p[512], q[512];
	int fd = inotify_init1(IN_CLOEXEC);
	wd_w = add(fd, "w", IN_ALL_EVENTS);
	wd_f = add(fd, "w/watched", IN_ALL_EVENTS);
	wd_c = add(fd, "ctl", IN_CREATE);
	contents("w/watched");          /* cached now: the changer writes it later */
	/* This program's own changes, each reported once. */
	put("w/own", "own\n");
	wd_o = add(fd, "w/own", IN_ALL_EVENTS);
	put("w/own", "again\n");
	path(p, "w/own");
	unlink(p);
	put("w/mine", "mine\n");
	path(p, "w/mine");
	path(q, "w/mine2");
	rename(p, q);
	chmod(q, 0600);
	unlink(q);
	put("ctl/ready", "");
	static char buf[16384] __attribute__((aligned(8)));
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf));
		if (len <= 0)
			return printf("read: %s\n", strerror(errno)), 1;
		for (char *at = buf; at < buf + len;) {
			struct inotify_event *e = (void *)at;
			at += sizeof(*e) + e->len;
			print_event(e);
			int step;
			if (e->wd != wd_c || !(e->mask & IN_CREATE))
				continue;
			if (!strcmp(e->name, "done"))
				return 0;
			if (sscanf(e->name, "step%d", &step) == 1) {
				char c[32];
				check(step);
				snprintf(c, sizeof(c), "ctl/ack%d", step);
				put(c, "");
			}
		}
	}
}

static bool exists(const char *name)
{
	char p[512];
	path(p, name);
	return access(p, F_OK) == 0;
}

/* dnotify: after each of the changer's steps, was w's fd signalled (real-time signals come
   lowest first, so w's before ctl's)? Signals are not counted: a pending one may stand for
   several changes. */
static int dnotify(void)
{
	char p[512];
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	path(p, "w");
	int w = open(p, O_RDONLY | O_DIRECTORY);
	path(p, "ctl");
	int c = open(p, O_RDONLY | O_DIRECTORY);
	if (w < 0 || c < 0 || fcntl(w, F_SETSIG, SIGRTMIN) || fcntl(c, F_SETSIG, SIGRTMIN + 1) ||
	    fcntl(w, F_NOTIFY, DN_CREATE | DN_DELETE | DN_MODIFY | DN_RENAME | DN_MULTISHOT) ||
	    fcntl(c, F_NOTIFY, DN_CREATE | DN_MULTISHOT))
		return printf("dnotify: %s\n", strerror(errno)), 1;
	put("ctl/ready", "");
	bool signalled = false;
	int step = 1;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig == SIGRTMIN) {
			signalled |= si.si_fd == w && si.si_band == (POLLIN | POLLRDNORM | POLLMSG);
			continue;
		}
		char name[32];
		for (;;) {
			snprintf(name, sizeof(name), "ctl/step%d", step);
			if (!exists(name))
				break;
			printf("step %d: w signalled: %s\n", step, signalled ? "yes" : "no");
			signalled = false;
			snprintf(name, sizeof(name), "ctl/ack%d", step++);
			put(name, "");
		}
		if (exists("ctl/done"))
			return 0;
	}
}

static int flood(void)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	wd_w = add(fd, "w", IN_CREATE | IN_OPEN | IN_ATTRIB | IN_CLOSE_WRITE);
	put("ctl/ready", "");
	/* Computing without system calls while the changer floods: what the host reports reaches
	   the queue through upcalls. The TSC is read in the program itself. */
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t t0 = __builtin_ia32_rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 100);
	uint64_t per_100ms = __builtin_ia32_rdtsc() - t0;
	for (uint64_t end = t0 + 10 * per_100ms; __builtin_ia32_rdtsc() < end;)
		;
	/* Then until the changer is done, and only then the queue is read. */
	struct timespec tick = { 0, 50000000 };
	while (!exists("ctl/flooded"))
		nanosleep(&tick, NULL);
	static char buf[65536] __attribute__((aligned(8)));
	unsigned events = 0, overflows = 0;
	bool first = true;
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		for (char *at = buf; at < buf + len;) {
			struct inotify_event *e = (void *)at;
			at += sizeof(*e) + e->len;
			if (first)
				printf("first: "), print_event(e);
			first = false;
			events++;
			overflows += !!(e->mask & IN_Q_OVERFLOW);
		}
	}
	printf("overflow reported: %s\n", overflows ? "yes" : "no");
	printf("at most 16385 records: %s\n", events <= 16385 ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	dir = argv[2];
	alarm(25);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "steps"))
		return steps();
	if (!strcmp(argv[1], "dnotify"))
		return dnotify();
	if (!strcmp(argv[1], "flood"))
		return flood();
	return 2;
}
