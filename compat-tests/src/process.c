/* process: fork with separate memory, exit statuses and signals seen by wait, pipes between
 * processes, execve (of this program, with argv and envp, and its errno cases), vfork and
 * posix_spawn, waitpid/waitid options and errno cases, SIGCHLD, process groups and sessions,
 * fd inheritance and O_CLOEXEC. Prints only what does not depend on pid numbers. */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>

extern char **environ;
static char *self;

static void show_status(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: status %#x\n", what, st);
}

static void fork_basics(void)
{
	int shared = 1;
	int *heap = malloc(sizeof(int));
	*heap = 10;
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		shared = 2;
		*heap = 20;
		/* The child's own copy; the parent's is untouched. */
		_exit(getppid() == parent && shared == 2 && *heap == 20 ? 5 : 6);
	}
	int st;
	pid_t w = waitpid(c, &st, 0);
	printf("fork: child pid differs %s, waitpid returns it %s\n", c != parent ? "yes" : "no",
	       w == c ? "yes" : "no");
	show_status("child exit", st);
	printf("parent memory after the child wrote: %d %d\n", shared, *heap);

	c = fork();
	if (c == 0) {
		raise(SIGTERM);
		_exit(1);
	}
	waitpid(c, &st, 0);
	show_status("child raising SIGTERM", st);
	c = fork();
	if (c == 0)
		*(volatile int *)0 = 1;
	waitpid(c, &st, 0);
	show_status("child writing NULL", st);
	RESULT("waitpid with no child left", waitpid(-1, &st, 0));
	RESULT("waitpid with a bad option", waitpid(-1, &st, 0x4000));
}

static void pipes_between(void)
{
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		char buf[8192];
		for (int i = 0; i < 64; i++) {          /* 512 KiB: more than the pipe holds */
			memset(buf, 'a' + i % 26, sizeof(buf));
			write(p[1], buf, sizeof(buf));
		}
		_exit(0);
	}
	close(p[1]);
	long total = 0, sum = 0;
	char buf[4096];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		total += n;
		for (ssize_t i = 0; i < n; i++)
			sum += buf[i];
	}
	close(p[0]);
	int st;
	waitpid(c, &st, 0);
	printf("pipe from a child: %ld bytes, sum %ld, EOF after its exit\n", total, sum);

	/* A write to a pipe whose reader is gone: SIGPIPE kills the writer. */
	pipe(p);
	c = fork();
	if (c == 0) {
		close(p[0]);
		usleep(20000);
		write(p[1], "x", 1);
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	waitpid(c, &st, 0);
	show_status("writer to a closed pipe", st);
}

static void exec_cases(void)
{
	int p[2];
	pipe(p);
	int keep = dup(p[1]);
	int cloexec = fcntl(p[1], F_DUPFD_CLOEXEC, 0);
	pid_t c = fork();
	if (c == 0) {
		char kfd[16], cfd[16];
		snprintf(kfd, sizeof(kfd), "%d", keep);
		snprintf(cfd, sizeof(cfd), "%d", cloexec);
		char *argv[] = { self, "child", kfd, cfd, NULL };
		char *envp[] = { "GREETING=hello from exec", NULL };
		signal(SIGUSR1, SIG_IGN);       /* ignored dispositions survive exec */
		execve(self, argv, envp);
		_exit(99);
	}
	close(p[1]);
	close(keep);
	close(cloexec);
	char buf[256] = { 0 };
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	int st;
	waitpid(c, &st, 0);
	printf("exec'd child said: %.*s", (int)(n > 0 ? n : 0), buf);
	show_status("exec'd child", st);

	c = fork();
	if (c == 0) {
		char *argv[] = { "x", NULL };
		int e1 = execve("/nonexistent/prog", argv, environ) < 0 ? errno : 0;
		int e2 = execve("/", argv, environ) < 0 ? errno : 0;
		int fd = open("/tmp/unik-noexec", O_CREAT | O_WRONLY | O_TRUNC, 0644);
		write(fd, "data", 4);
		close(fd);
		int e3 = execve("/tmp/unik-noexec", argv, environ) < 0 ? errno : 0;
		chmod("/tmp/unik-noexec", 0755);
		int e4 = execve("/tmp/unik-noexec", argv, environ) < 0 ? errno : 0;
		unlink("/tmp/unik-noexec");
		int e5 = execve(self, (char **)-1, environ) < 0 ? errno : 0;
		/* A program open for writing is busy. */
		int in = open(self, O_RDONLY), out = open("/tmp/unik-busy", O_CREAT | O_WRONLY | O_TRUNC,
							  0755);
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			write(out, buf, (size_t)n);
		close(in);
		char *bargv[] = { "/tmp/unik-busy", "exit", "0", NULL };
		int e6 = execve("/tmp/unik-busy", bargv, environ) < 0 ? errno : 0;
		close(out);
		unlink("/tmp/unik-busy");
		printf("execve errors: missing %s, directory %s, not executable %s, not a program %s, "
		       "bad argv %s, open for writing %s\n", errname(e1), errname(e2), errname(e3),
		       errname(e4), errname(e5), e6 == ETXTBSY ? "ETXTBSY" : errname(e6));
		_exit(0);
	}
	waitpid(c, &st, 0);
}

static void vfork_spawn(void)
{
	int st;
	pid_t c = vfork();
	if (c == 0)
		_exit(12);
	waitpid(c, &st, 0);
	show_status("vfork child", st);
	pid_t sp;
	char *argv[] = { self, "exit", "21", NULL };
	int r = posix_spawn(&sp, self, NULL, NULL, argv, environ);
	waitpid(sp, &st, 0);
	printf("posix_spawn: %d, ", r);
	show_status("spawned", st);
	char *bad[] = { "nope", NULL };
	r = posix_spawn(&sp, "/nonexistent/prog", NULL, NULL, bad, environ);
	printf("posix_spawn of a missing program: %s\n", errname(r));
	if (r == 0)
		waitpid(sp, &st, 0);
}

static volatile sig_atomic_t chld_count;
static volatile int chld_code, chld_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_count++;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void sigchld_waitid(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	pid_t c = fork();
	if (c == 0)
		_exit(42);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	printf("waitid WNOWAIT: %d, code %s, status %d, pid matches %s\n", r,
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "?", si.si_status,
	       si.si_pid == c ? "yes" : "no");
	memset(&si, 0, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED);
	printf("waitid again reaps it: %d, status %d\n", r, si.si_status);
	printf("SIGCHLD: %d, code %s, status %d\n", chld_count,
	       chld_code == CLD_EXITED ? "CLD_EXITED" : "?", chld_status);
	RESULT("waitid without WEXITED/WSTOPPED/WCONTINUED", waitid(P_ALL, 0, &si, 0));
	RESULT("waitid WNOHANG with no child", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));

	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	memset(&si, 0xff, sizeof(si));
	r = waitid(P_PID, c, &si, WEXITED | WNOHANG);
	printf("waitid WNOHANG on a running child: %d, si_pid %d\n", r, si.si_pid);
	kill(c, SIGKILL);
	int st;
	waitpid(c, &st, 0);
	show_status("child killed with SIGKILL", st);
	signal(SIGCHLD, SIG_DFL);

	/* SIGCHLD ignored: children are reaped at once, waitpid finds none (ECHILD). */
	signal(SIGCHLD, SIG_IGN);
	c = fork();
	if (c == 0)
		_exit(1);
	RESULT("waitpid for a child while SIGCHLD is ignored", waitpid(c, &st, 0));
	signal(SIGCHLD, SIG_DFL);
}

static void groups_sessions(void)
{
	pid_t c = fork();
	if (c == 0) {
		int ok = getpgrp() != getpid();         /* in the parent's group at first */
		ok &= setpgid(0, 0) == 0 && getpgrp() == getpid();
		ok &= setsid() == -1 && errno == EPERM;  /* a group leader cannot */
		_exit(ok ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	show_status("child making its own group", st);
	c = fork();
	if (c == 0) {
		pid_t s = setsid();
		_exit(s == getpid() && getsid(0) == getpid() && getpgid(0) == getpid() ? 0 : 1);
	}
	waitpid(c, &st, 0);
	show_status("child in a new session", st);
	RESULT("setpgid of no process", setpgid(999999, 0));
	RESULT("getpgid of no process", getpgid(999999));
	RESULT("kill of no process", kill(999999, 0));
	/* kill(0, sig) reaches the whole group: a child in it receives too. */
	c = fork();
	if (c == 0) {
		signal(SIGUSR2, SIG_DFL);
		pause();
		_exit(0);
	}
	usleep(20000);
	signal(SIGUSR2, SIG_IGN);
	kill(0, SIGUSR2);
	waitpid(c, &st, 0);
	show_status("child of the group after kill(0, SIGUSR2)", st);
	signal(SIGUSR2, SIG_DFL);
}

/* CLONE_PIDFD: the old clone stores the pidfd where the parent's tid would go, clone3 at
   args.pidfd; it is close-on-exec and waitid(P_PIDFD) reaps through it. */
static void clone_pidfd(void)
{
	int pfd = -1;
	long c = syscall(SYS_clone, 0x1000 /* CLONE_PIDFD */ | SIGCHLD, 0, &pfd, 0, 0);
	if (c == 0)
		syscall(SYS_exit_group, 7);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	printf("clone CLONE_PIDFD: child %s, pidfd %s, cloexec %d\n", c > 0 ? "made" : "failed",
	       pfd >= 0 ? "stored" : "missing", pfd >= 0 && (fcntl(pfd, F_GETFD) & FD_CLOEXEC));
	RESULT("waitid P_PIDFD", waitid(3 /* P_PIDFD */, pfd, &si, WEXITED));
	printf("its status %d, the pid matches %d\n", si.si_status, si.si_pid == c);
	close(pfd);
	RESULT("clone CLONE_PIDFD with CLONE_PARENT_SETTID",
	       syscall(SYS_clone, 0x1000 | 0x100000 | SIGCHLD, 0, &pfd, 0, 0));
	RESULT("clone CLONE_PIDFD with CLONE_DETACHED",
	       syscall(SYS_clone, 0x1000 | 0x400000 | SIGCHLD, 0, &pfd, 0, 0));
	RESULT("clone CLONE_PIDFD to a bad address",
	       syscall(SYS_clone, 0x1000 | SIGCHLD, 0, (void *)8, 0, 0));
	uint64_t args[8] = { 0x1000, (uint64_t)(uintptr_t)&pfd, 0, 0, SIGCHLD, 0, 0, 0 };
	pfd = -1;
	c = syscall(435 /* clone3 */, args, sizeof(args));
	if (c == 0)
		syscall(SYS_exit_group, 9);
	memset(&si, 0, sizeof(si));
	RESULT("waitid P_PIDFD after clone3", waitid(3, pfd, &si, WEXITED));
	printf("clone3 CLONE_PIDFD: pidfd %s, status %d\n", pfd >= 0 ? "stored" : "missing",
	       si.si_status);
	close(pfd);
}

static void prctl_pidfd(void)
{
	/* pidfd: readable once the child ends; a signal through it; waitid(P_PIDFD). */
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	int pfd = (int)syscall(434, c, 0);      /* pidfd_open */
	struct pollfd pp = { pfd, POLLIN, 0 };
	printf("pidfd_open: %s, readable while the child runs: %d\n", pfd >= 0 ? "ok" : "failed",
	       poll(&pp, 1, 0));
	RESULT("pidfd_send_signal SIGTERM", syscall(424, pfd, SIGTERM, NULL, 0));
	RESULT("poll until it ends", poll(&pp, 1, 5000));
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	RESULT("waitid P_PIDFD", waitid((idtype_t)3, (id_t)pfd, &si, WEXITED));
	printf("its status: code %s, signal %d\n", si.si_code == CLD_KILLED ? "CLD_KILLED" : "?",
	       si.si_status);
	RESULT("pidfd_send_signal after it was reaped", syscall(424, pfd, SIGTERM, NULL, 0));
	close(pfd);
	RESULT("pidfd_open of no process", syscall(434, 999999, 0));
	RESULT("pidfd_open with bad flags", syscall(434, getpid(), 1));

	/* pidfd_send_signal also takes an open /proc/<pid> directory (not a task/<tid> one) */
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d", (int)c);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	RESULT("pidfd_send_signal 0 through /proc/<pid>", syscall(424, dfd, 0, NULL, 0));
	snprintf(dir, sizeof(dir), "/proc/%d/task/%d", (int)c, (int)c);
	int tfd = open(dir, O_RDONLY | O_DIRECTORY);
	RESULT("pidfd_send_signal through /proc/<pid>/task/<tid>", syscall(424, tfd, 0, NULL, 0));
	int ffd = open("/proc/self/status", O_RDONLY);
	RESULT("pidfd_send_signal through a /proc file", syscall(424, ffd, 0, NULL, 0));
	RESULT("waitid P_PIDFD on a /proc/<pid> fd", waitid((idtype_t)3, (id_t)dfd, &si,
							    WEXITED | WNOHANG));
	RESULT("pidfd_send_signal SIGKILL through /proc/<pid>", syscall(424, dfd, SIGKILL, NULL, 0));
	waitpid(c, NULL, 0);
	close(dfd);
	close(tfd);
	close(ffd);

	/* pidfd_getfd: a copy of another process's descriptor, close-on-exec */
	int tell[2];
	pipe(tell);
	c = fork();
	if (c == 0) {
		int q[2];
		pipe(q);
		write(q[1], "shared", 6);
		write(tell[1], &q[0], sizeof(q[0]));
		pause();
		_exit(0);
	}
	int theirs = -1;
	read(tell[0], &theirs, sizeof(theirs));
	pfd = (int)syscall(434, c, 0);
	long nfd = syscall(438, pfd, theirs, 0);        /* pidfd_getfd */
	char got[8] = "";
	printf("pidfd_getfd: %s, reads what the child wrote: %s, close-on-exec: %s\n",
	       nfd >= 0 ? "ok" : errname(errno),
	       nfd >= 0 && read((int)nfd, got, 6) == 6 && !memcmp(got, "shared", 6) ? "yes" : "no",
	       nfd >= 0 && fcntl((int)nfd, F_GETFD) == FD_CLOEXEC ? "yes" : "no");
	RESULT("pidfd_getfd with flags", syscall(438, pfd, theirs, 1));
	RESULT("pidfd_getfd of a closed fd", syscall(438, pfd, 999, 0));
	RESULT("pidfd_getfd through a non-pidfd", syscall(438, tell[0], theirs, 0));
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	RESULT("pidfd_getfd after it ended", syscall(438, pfd, theirs, 0));
	close(pfd);
	close(tell[0]);
	close(tell[1]);
	if (nfd >= 0)
		close((int)nfd);

	/* A subreaper adopts its orphaned grandchildren; PR_SET_PDEATHSIG signals a child whose
	   parent ends. */
	int sr = -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_GET_CHILD_SUBREAPER, &sr);
	printf("PR_GET_CHILD_SUBREAPER: %d\n", sr);
	pid_t me = getpid();
	int p[2];
	pipe(p);
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			int ds = 0;
			prctl(PR_GET_PDEATHSIG, &ds);
			char ok = ds == SIGKILL ? 'y' : 'n';
			write(p[1], &ok, 1);
			for (;;)
				pause();        /* ended by its parent's death */
		}
		char ok;
		read(p[0], &ok, 1);
		write(p[1], &ok, 1);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	char ok = 0;
	read(p[0], &ok, 1);
	pid_t g = waitpid(-1, &st, 0);          /* the grandchild, now ours */
	printf("orphan adopted by the subreaper: %s, PR_GET_PDEATHSIG: %s, ", g > 0 ? "yes" : "no",
	       ok == 'y' ? "yes" : "no");
	show_status("its end", st);
	(void)me;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	close(p[0]);
	close(p[1]);
	RESULT("prctl PR_SET_PDEATHSIG 99", prctl(PR_SET_PDEATHSIG, 99));
	RESULT("prctl PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
	RESULT("prctl PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	RESULT("prctl PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	RESULT("prctl unknown option", prctl(9999));
}

/* A process-shared mutex in MAP_SHARED memory: the child blocks on it in the kernel until the
   parent unlocks (a futex keyed by the shared page, not by address space). */
static void shared_mutex(void)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	volatile int *counter = (volatile int *)(m + 1);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutex_lock(m);
	pid_t c = fork();
	if (c == 0) {
		pthread_mutex_lock(m);
		*counter += 1;
		pthread_mutex_unlock(m);
		_exit(0);
	}
	usleep(30000);                  /* the child waits on the lock meanwhile */
	*counter += 10;
	pthread_mutex_unlock(m);
	int st;
	waitpid(c, &st, 0);
	printf("process-shared mutex across fork: counter %d\n", *counter);
	munmap(m, 4096);
}

static void *nproc_sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* RLIMIT_NPROC: a user at its limit cannot fork (EAGAIN). Run as a non-root user in a child,
   since root is exempt. */
static void nproc_limit(void)
{
	pid_t c = fork();
	if (c == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);       /* not root natively: nothing to check */
		struct rlimit rl = { 1, 1 };
		setrlimit(RLIMIT_NPROC, &rl);
		pid_t g = fork();
		if (g == 0)
			_exit(0);
		if (g > 0)
			waitpid(g, NULL, 0);    /* no orphan left counting against the user */
		_exit(g < 0 && errno == EAGAIN ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	show_status("fork past RLIMIT_NPROC as another user (0: EAGAIN)", st);
	/* Linux counts the user's threads and its unreaped zombies too. */
	c = fork();
	if (c == 0) {
		if (setgid(54321) || setuid(54321))     /* a user with no other processes */
			_exit(2);
		struct rlimit rl = { 3, 3 };
		setrlimit(RLIMIT_NPROC, &rl);
		pid_t z = fork();                       /* 2 with it, a zombie soon */
		if (z == 0)
			_exit(0);
		usleep(20000);
		pthread_t t;
		if (pthread_create(&t, NULL, nproc_sleeper, NULL))     /* 3 */
			_exit(3);
		pid_t g = fork();
		if (g == 0)
			_exit(0);
		int bad = g < 0 && errno == EAGAIN ? 0 : 4;
		if (g > 0)
			waitpid(g, NULL, 0);
		waitpid(z, NULL, 0);                    /* the zombie gone: room for one */
		g = fork();
		if (g == 0)
			_exit(0);
		if (g < 0)
			bad |= 8;
		else
			waitpid(g, NULL, 0);
		_exit(bad);
	}
	waitpid(c, &st, 0);
	show_status("RLIMIT_NPROC counts threads and zombies (0: yes)", st);
}

static void job_control(void)
{
	pid_t c = fork();
	if (c == 0)
		for (;;)
			pause();
	int st;
	siginfo_t si;
	kill(c, SIGSTOP);
	pid_t w = waitpid(c, &st, WUNTRACED);
	printf("SIGSTOP: reported %s, stopped %s, stop signal %d\n", w == c ? "yes" : "no",
	       WIFSTOPPED(st) ? "yes" : "no", WSTOPSIG(st));
	RESULT("the stop is reported once", waitpid(c, &st, WNOHANG | WUNTRACED));
	kill(c, SIGCONT);
	w = waitpid(c, &st, WCONTINUED);
	printf("SIGCONT: reported %s, continued %s\n", w == c ? "yes" : "no",
	       WIFCONTINUED(st) ? "yes" : "no");
	kill(c, SIGTSTP);
	memset(&si, 0, sizeof(si));
	RESULT("waitid WSTOPPED after SIGTSTP", waitid(P_PID, c, &si, WSTOPPED));
	printf("its code %s, status %d\n", si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "?",
	       si.si_status);
	kill(c, SIGTERM);               /* stays pending while it is stopped */
	usleep(20000);
	RESULT("still there while stopped", waitpid(c, &st, WNOHANG));
	kill(c, SIGCONT);               /* continues, then SIGTERM ends it */
	waitpid(c, &st, 0);
	show_status("after SIGCONT with SIGTERM pending", st);

	c = fork();
	if (c == 0)
		for (;;)
			pause();
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGKILL);               /* a stopped process still dies */
	waitpid(c, &st, 0);
	show_status("a stopped child after SIGKILL", st);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child")) {
		/* The exec'd image: the kept fd is open, the O_CLOEXEC one closed. */
		int keep = atoi(argv[2]), cfd = atoi(argv[3]);
		char buf[200];
		int n = snprintf(buf, sizeof(buf), "%s; kept fd open %s, O_CLOEXEC fd closed %s, "
				 "SIGUSR1 still ignored %s\n", getenv("GREETING"),
				 fcntl(keep, F_GETFD) >= 0 ? "yes" : "no",
				 fcntl(cfd, F_GETFD) < 0 && errno == EBADF ? "yes" : "no",
				 signal(SIGUSR1, SIG_DFL) == SIG_IGN ? "yes" : "no");
		write(keep, buf, (size_t)n);
		return 3;
	}
	if (argc > 2 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	setvbuf(stdout, NULL, _IONBF, 0);
	self = "/proc/self/exe";        /* argv[0] need not be a path in the root */
	setpgid(0, 0);                  /* kill(0, ...) below stays in this program's group (as
					   pid 1 under unik this fails: a session leader) */
	fork_basics();
	pipes_between();
	exec_cases();
	vfork_spawn();
	sigchld_waitid();
	groups_sessions();
	prctl_pidfd();
	clone_pidfd();
	job_control();
	shared_mutex();
	nproc_limit();
	return 0;
}
