/* sigqueue: how pending signals queue. A standard signal is pending once and keeps its first
 * siginfo; real-time instances (sigqueue, kill, tgkill, F_SETSIG) queue each with its own
 * siginfo, taken in order, the lowest number first, one at a time by sigtimedwait and signalfd,
 * and by handlers whose frames stack. RLIMIT_SIGPENDING bounds the queue per real user (EAGAIN,
 * or pending without siginfo, SIGIO for F_SETSIG), /proc/self/status SigQ counts it. A POSIX
 * timer's signal is queued once (overruns), dropped when the timer is re-armed or deleted. fork
 * and exec, sigaction SIG_IGN, SIGKILL. signalfd's fields for timers, F_SETSIG and SIGCHLD. Each part runs as a user of its own, so what other
 * programs of the host queue is not counted.
 * usage: sigqueue order|handlers|errors|limit|timer|inherit */
#include "compat.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>

#define RT(n) (SIGRTMIN + (n))

static const char *signame(int s)
{
	static char buf[16];
	if (s >= SIGRTMIN) {
		snprintf(buf, sizeof(buf), "RT+%d", s - SIGRTMIN);
		return buf;
	}
	switch (s) {
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	case SIGIO: return "IO";
	case SIGCHLD: return "CHLD";
	case SIGALRM: return "ALRM";
	default: snprintf(buf, sizeof(buf), "%d", s); return buf;
	}
}

static const char *codename(int c)
{
	static char buf[16];
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_TKILL: return "SI_TKILL";
	case SI_TIMER: return "SI_TIMER";
	case SI_KERNEL: return "SI_KERNEL";
	case POLL_IN: return "POLL_IN";
	default: snprintf(buf, sizeof(buf), "%d", c); return buf;
	}
}

/* "who": the sender as the test sees it (itself, nobody, someone else). */
static const char *sender(pid_t pid)
{
	return pid == getpid() ? "self" : pid == 0 ? "none" : "other";
}

static void show(const char *tag, int s, const siginfo_t *si)
{
	printf("%s: %s %s", tag, signame(s), codename(si->si_code));
	if (si->si_code == SI_TIMER)
		printf(" value %d overrun %s\n", si->si_value.sival_int,
		       si->si_overrun > 0 ? ">0" : "0");
	else if (si->si_code == POLL_IN)
		printf(" fd %d\n", si->si_fd);
	else if (si->si_code == SI_QUEUE)
		printf(" value %d from %s\n", si->si_value.sival_int, sender(si->si_pid));
	else
		printf(" from %s\n", sender(si->si_pid));
}

/* Takes what is pending of set, one instance at a time, without waiting. */
static void drain(const char *tag, const sigset_t *set)
{
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	int s;
	while ((s = sigtimedwait(set, &si, &zero)) > 0)
		show(tag, s, &si);
	printf("%s: then %s\n", tag, errname(errno));
}

static void pending(const char *tag)
{
	sigset_t p;
	sigpending(&p);
	printf("%s: pending", tag);
	for (int s = 1; s < 65; s++)
		if (sigismember(&p, s) == 1)
			printf(" %s", signame(s));
	printf("\n");
}

/* The SigQ line of /proc/self/status: queued/limit. */
static void sigq(const char *tag)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigQ:", 5))
			printf("%s: %s", tag, line);
	if (f)
		fclose(f);
}

static int queue(int sig, int value)
{
	union sigval v = { .sival_int = value };
	return sigqueue(getpid(), sig, v);
}

static void block(const int *sigs, int n)
{
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static void test_set(sigset_t *set)
{
	sigemptyset(set);
	int sigs[] = { SIGUSR1, SIGUSR2, SIGIO, RT(0), RT(1), RT(2), RT(3) };
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

/* Runs fn in a child as user uid (real, effective, saved), whose queue starts empty, with
   RLIMIT_SIGPENDING 1000 (the default depends on the machine's memory). */
static void as_user(uid_t uid, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 1000, 1000 };
		if (setrlimit(RLIMIT_SIGPENDING, &rl) || setresuid(uid, uid, uid))
			printf("setrlimit or setresuid: %s\n", errname(errno));
		sigset_t set;
		test_set(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
		fn();
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void set_limit(rlim_t n)
{
	struct rlimit rl = { n, n };
	RESULT("setrlimit RLIMIT_SIGPENDING", setrlimit(RLIMIT_SIGPENDING, &rl));
}

/* ---- order: one standard instance, every real-time one, in order ---- */

static void part_order(void)
{
	sigset_t set;
	test_set(&set);
	RESULT("sigqueue USR1 1", queue(SIGUSR1, 1));
	RESULT("sigqueue USR1 2", queue(SIGUSR1, 2));
	sigq("one USR1");
	drain("USR1", &set);
	RESULT("sigqueue RT+1 10", queue(RT(1), 10));
	RESULT("sigqueue RT+0 1", queue(RT(0), 1));
	RESULT("sigqueue RT+0 2", queue(RT(0), 2));
	RESULT("kill RT+0", kill(getpid(), RT(0)));
	RESULT("tgkill RT+0", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), RT(0)));
	RESULT("sigqueue RT+1 11", queue(RT(1), 11));
	RESULT("sigqueue USR2 5", queue(SIGUSR2, 5));
	sigq("queued");
	pending("queued");
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	for (int i = 0; i < 3; i++) {
		int s = sigtimedwait(&set, &si, &zero);
		show("take", s, &si);
		pending("left");
	}
	drain("rest", &set);
	sigq("drained");

	/* a signalfd read takes several instances, in the same order */
	queue(RT(1), 21);
	queue(RT(0), 20);
	queue(RT(0), 22);
	kill(getpid(), SIGUSR1);
	int fd = signalfd(-1, &set, SFD_NONBLOCK);
	struct signalfd_siginfo ss[8];
	ssize_t n = read(fd, ss, sizeof(ss));
	printf("signalfd read: %zd entries\n", n / (ssize_t)sizeof(ss[0]));
	for (int i = 0; i < n / (ssize_t)sizeof(ss[0]); i++)
		printf("signalfd: %s %s value %d\n", signame(ss[i].ssi_signo),
		       codename(ss[i].ssi_code), ss[i].ssi_int);
	RESULT("signalfd read again", read(fd, ss, sizeof(ss)));
	close(fd);

	/* F_SETSIG: a standard signal keeps the first notice, a real-time one queues each */
	int p[2];
	if (pipe(p))
		return;
	fcntl(p[0], F_SETOWN, getpid());
	fcntl(p[0], F_SETSIG, SIGUSR1);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
	write(p[1], "a", 1);
	write(p[1], "b", 1);
	RESULT("sigqueue USR1 after the notice", queue(SIGUSR1, 3));
	printf("pipe read end is fd %d\n", p[0]);
	drain("F_SETSIG USR1", &set);
	fcntl(p[0], F_SETSIG, RT(2));
	write(p[1], "c", 1);
	write(p[1], "d", 1);
	write(p[1], "e", 1);
	drain("F_SETSIG RT+2", &set);

	/* signalfd lays out each kind of siginfo as Linux does */
	write(p[1], "f", 1);
	fd = signalfd(-1, &set, SFD_NONBLOCK);
	if (read(fd, ss, sizeof(ss[0])) == sizeof(ss[0]))
		printf("signalfd F_SETSIG: %s %s fd %d band %#x\n", signame(ss[0].ssi_signo),
		       codename(ss[0].ssi_code), ss[0].ssi_fd, ss[0].ssi_band);
	close(fd);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	fd = signalfd(-1, &chld, 0);
	if (read(fd, ss, sizeof(ss[0])) == sizeof(ss[0]))
		printf("signalfd SIGCHLD: code %s status %d pid is the child's: %s\n",
		       ss[0].ssi_code == CLD_EXITED ? "CLD_EXITED" : "?", ss[0].ssi_status,
		       ss[0].ssi_pid == (uint32_t)c ? "yes" : "no");
	close(fd);
	waitpid(c, NULL, 0);
	sigq("end");
}

/* ---- handlers: unblocking delivers every instance; frames stack as Linux's ---- */

static char seen[512];
static int seen_len;

static void on_sig(int s, siginfo_t *si, void *uc)
{
	seen_len += snprintf(seen + seen_len, sizeof(seen) - seen_len, " %s:%d", signame(s),
			     si->si_value.sival_int);
}

static void handlers_round(int full_mask)
{
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	if (full_mask)
		sigfillset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(RT(0), &sa, NULL);
	sigaction(RT(1), &sa, NULL);
	int sigs[] = { SIGUSR1, RT(0), RT(1) };
	block(sigs, 3);
	queue(RT(1), 10);
	queue(RT(0), 1);
	queue(RT(0), 2);
	queue(RT(1), 11);
	queue(SIGUSR1, 5);
	queue(SIGUSR1, 6);
	seen_len = 0;
	seen[0] = 0;
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < 3; i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("handlers (%s mask):%s\n", full_mask ? "full" : "own", seen);
}

static void part_handlers(void)
{
	handlers_round(0);
	handlers_round(1);
}

/* ---- errors: rt_sigqueueinfo and rt_tgsigqueueinfo ---- */

static void child_wait(void)
{
	pause();
}

static void part_errors(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 7;
	RESULT("rt_sigqueueinfo sig 0", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si));
	RESULT("rt_sigqueueinfo sig 65", syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si));
	RESULT("rt_sigqueueinfo bad info", syscall(SYS_rt_sigqueueinfo, getpid(), RT(0), (void *)8));
	RESULT("rt_tgsigqueueinfo tid 0", syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, RT(0), &si));
	RESULT("rt_tgsigqueueinfo tgid 0", syscall(SYS_rt_tgsigqueueinfo, 0, getpid(), RT(0), &si));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		child_wait();
		_exit(0);
	}
	RESULT("rt_sigqueueinfo SI_QUEUE to a child", syscall(SYS_rt_sigqueueinfo, c, 0, &si));
	si.si_code = SI_USER;
	RESULT("rt_sigqueueinfo SI_USER to a child", syscall(SYS_rt_sigqueueinfo, c, RT(0), &si));
	si.si_code = SI_TKILL;
	RESULT("rt_sigqueueinfo SI_TKILL to a child", syscall(SYS_rt_sigqueueinfo, c, RT(0), &si));
	si.si_code = SI_KERNEL;
	RESULT("rt_tgsigqueueinfo SI_KERNEL to a child",
	       syscall(SYS_rt_tgsigqueueinfo, c, c, RT(0), &si));
	RESULT("rt_sigqueueinfo SI_KERNEL to itself",
	       syscall(SYS_rt_sigqueueinfo, getpid(), RT(0), &si));
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	si.si_code = SI_QUEUE;
	RESULT("rt_sigqueueinfo to a reaped child", syscall(SYS_rt_sigqueueinfo, c, RT(0), &si));
	sigset_t set;
	test_set(&set);
	drain("self", &set);
}

/* ---- limit: RLIMIT_SIGPENDING per user ---- */

static void holder(void)
{
	/* another process of the same user: its queue counts for the user too */
	queue(RT(3), 1);
	queue(RT(3), 2);
	queue(RT(3), 3);
}

static void part_limit(void)
{
	sigset_t set;
	test_set(&set);
	sigq("start");
	set_limit(4);
	sigq("limit 4");
	for (int i = 1; i <= 5; i++) {
		char what[32];
		snprintf(what, sizeof(what), "sigqueue RT+0 %d", i);
		RESULT(what, queue(RT(0), i));
	}
	sigq("full");
	RESULT("tgkill RT+0", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), RT(0)));
	RESULT("kill RT+0", kill(getpid(), RT(0)));
	RESULT("kill RT+1", kill(getpid(), RT(1)));
	RESULT("kill USR1", kill(getpid(), SIGUSR1));
	RESULT("sigqueue USR2", queue(SIGUSR2, 9));
	sigq("over");
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = RT(2) };
	timer_t t;
	RESULT("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &t));
	/* F_SETSIG with a real-time signal that does not fit: SIGIO instead */
	int p[2];
	if (pipe(p))
		return;
	fcntl(p[0], F_SETOWN, getpid());
	fcntl(p[0], F_SETSIG, RT(2));
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
	write(p[1], "x", 1);
	pending("over");
	drain("over", &set);
	sigq("drained");

	/* the count is the user's: another process of it queues, this one sees it */
	int ready[2], go[2];
	if (pipe(ready) || pipe(go))
		return;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		holder();
		char b = 0;
		write(ready[1], &b, 1);
		read(go[0], &b, 1);
		_exit(0);
	}
	char b;
	read(ready[0], &b, 1);
	sigq("another process holds 3");
	RESULT("sigqueue RT+0", queue(RT(0), 1));
	RESULT("sigqueue RT+0", queue(RT(0), 2));
	/* its queue goes when it ends (SIGKILL) and is reaped */
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	sigq("it was killed");
	RESULT("sigqueue RT+0", queue(RT(0), 3));
	drain("left", &set);
	set_limit(0);
	RESULT("limit 0: sigqueue RT+0", queue(RT(0), 1));
	RESULT("limit 0: kill USR1", kill(getpid(), SIGUSR1));
	sigq("limit 0");
	drain("limit 0", &set);
}

/* ---- timer: queued once, overruns, re-armed or deleted while queued ---- */

static timer_t timer_new(int sig, int value)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig };
	ev.sigev_value.sival_int = value;
	timer_t t = 0;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		printf("timer_create: %s\n", errname(errno));
	return t;
}

static void timer_arm(timer_t t, long ns, long interval_ns)
{
	struct itimerspec its = { { 0, interval_ns }, { 0, ns } };
	timer_settime(t, 0, &its, NULL);
}

static void nap(void)
{
	usleep(20000);
}

static void part_timer(void)
{
	sigset_t set;
	test_set(&set);
	timer_t a = timer_new(RT(2), 7);
	sigq("a timer");
	timer_arm(a, 1000000, 1000000);
	nap();
	sigq("periodic, pending");
	pending("periodic");
	printf("timer_getoverrun before: %d\n", timer_getoverrun(a));
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	int s = sigtimedwait(&set, &si, &zero);
	show("periodic", s, &si);
	printf("timer_getoverrun after is si_overrun: %s\n",
	       timer_getoverrun(a) == si.si_overrun ? "yes" : "no");
	nap();
	int fd = signalfd(-1, &set, SFD_NONBLOCK);
	struct signalfd_siginfo ss;
	if (read(fd, &ss, sizeof(ss)) == sizeof(ss))
		printf("signalfd: %s %s value %d overrun %s tid is the timer's: %s\n",
		       signame(ss.ssi_signo), codename(ss.ssi_code), ss.ssi_int,
		       ss.ssi_overrun > 0 ? ">0" : "0",
		       ss.ssi_tid == (uint32_t)(intptr_t)a ? "yes" : "no");
	close(fd);
	timer_arm(a, 0, 0);
	drain("disarmed", &set);

	timer_arm(a, 1000000, 0);
	nap();
	timer_arm(a, 0, 0);
	pending("re-armed while queued");
	drain("re-armed while queued", &set);
	timer_arm(a, 1000000, 0);
	nap();
	timer_arm(a, 1000000, 0);
	nap();
	drain("fired again after re-arming", &set);

	timer_arm(a, 1000000, 0);
	nap();
	timer_delete(a);
	sigq("deleted while queued");
	pending("deleted while queued");
	drain("deleted while queued", &set);
	sigq("taken");

	/* a timer's standard signal beside the same signal from kill */
	timer_t b = timer_new(SIGUSR1, 3);
	kill(getpid(), SIGUSR1);
	timer_arm(b, 1000000, 0);
	nap();
	sigq("USR1 from kill and from a timer");
	drain("USR1 twice", &set);
	timer_delete(b);

	/* two timers on one real-time signal: one instance each */
	timer_t c1 = timer_new(RT(1), 41), c2 = timer_new(RT(1), 42);
	timer_arm(c1, 1000000, 0);
	timer_arm(c2, 1500000, 0);
	nap();
	drain("two timers", &set);
	timer_delete(c1);
	timer_delete(c2);

	/* the timer's entry is its own: it is queued even when the user's queue is full */
	set_limit(3);
	timer_t d = timer_new(RT(3), 5);
	RESULT("sigqueue RT+0", queue(RT(0), 1));
	RESULT("sigqueue RT+0", queue(RT(0), 2));
	RESULT("sigqueue RT+0", queue(RT(0), 3));
	timer_arm(d, 1000000, 0);
	nap();
	sigq("full, timer fired");
	drain("full", &set);
	timer_delete(d);
	sigq("end");
}

/* ---- inherit: fork, exec, SIG_IGN ---- */

static void fork_child(void)
{
	pending("child");
	sigq("child");
}

static void part_inherit(void)
{
	queue(RT(0), 1);
	queue(RT(0), 2);
	queue(SIGUSR1, 3);
	pending("parent");
	sigq("parent");
	child_run(fork_child);
	queue(RT(1), 4);
	queue(RT(1), 5);
	sigq("before SIG_IGN");
	signal(RT(1), SIG_IGN);
	pending("RT+1 ignored");
	sigq("RT+1 ignored");
	signal(RT(1), SIG_DFL);
	fflush(stdout);
	execl("/proc/self/exe", "sigqueue", "after-exec", (char *)NULL);
	printf("exec: %s\n", errname(errno));
}

static void after_exec(void)
{
	sigset_t set;
	test_set(&set);
	pending("after exec");
	sigq("after exec");
	drain("after exec", &set);
	sigq("drained");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *part = argc > 1 ? argv[1] : "";
	if (!strcmp(part, "after-exec"))
		after_exec();
	else if (!strcmp(part, "order"))
		as_user(52301, part_order);
	else if (!strcmp(part, "handlers"))
		as_user(52302, part_handlers);
	else if (!strcmp(part, "errors"))
		as_user(52303, part_errors);
	else if (!strcmp(part, "limit"))
		as_user(52304, part_limit);
	else if (!strcmp(part, "timer"))
		as_user(52305, part_timer);
	else if (!strcmp(part, "inherit"))
		as_user(52306, part_inherit);
	else
		return 2;
	return 0;
}
