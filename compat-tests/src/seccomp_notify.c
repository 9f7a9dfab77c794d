/* seccomp_notify: seccomp's user notification. A child (the target) installs a filter that
   answers SECCOMP_RET_USER_NOTIF for getppid and getpgid with SECCOMP_FILTER_FLAG_NEW_LISTENER;
   the parent (the supervisor) takes the listener with pidfd_getfd and answers the child's calls
   through its ioctls: a value, an error, CONTINUE, fds added with ADDFD; what a notification
   carries, ID_VALID, poll and epoll readiness, signals that interrupt the child's wait, closing
   the listener, a filter with no users left (POLLHUP), WAIT_KILLABLE_RECV, and the errno cases.
   The child reports each call's result to the parent over a socket, so only the parent prints. */
#include "compat.h"
#include "seccomp.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define NOTIF_FLAG_CONTINUE 1u
#define ADDFD_FLAG_SETFD 1u
#define ADDFD_FLAG_SEND 2u

/* Linux's struct seccomp_notif, seccomp_notif_resp, seccomp_notif_addfd. */
struct notif {
	uint64_t id;
	uint32_t pid, flags;
	int32_t nr;
	uint32_t arch;
	uint64_t ip, args[6];
};
struct resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
struct addfd {
	uint64_t id;
	uint32_t flags, srcfd, newfd, newfd_flags;
};
#define IOC(dir, nr, size) ((unsigned long)(dir) << 30 | (unsigned long)(size) << 16 | '!' << 8 | (nr))
#define NOTIF_RECV IOC(3, 0, sizeof(struct notif))
#define NOTIF_SEND IOC(3, 1, sizeof(struct resp))
#define NOTIF_ID_VALID IOC(1, 2, 8)
#define NOTIF_ID_VALID_WRONG_DIR IOC(2, 2, 8)
#define NOTIF_ADDFD_SIZED(n) IOC(1, 3, (n))
#define NOTIF_ADDFD NOTIF_ADDFD_SIZED(sizeof(struct addfd))
#define NOTIF_SET_FLAGS IOC(1, 4, 8)

/* getppid and getpgid go to the listener; the rest runs. */
static long install_notify(unsigned flags)
{
	struct insn f[] = {
		I(LD_ABS, 0, 0, OFF_NR),
		I(JEQ_K, 1, 0, SYS_getppid),
		I(JEQ_K, 0, 1, SYS_getpgid),
		I(RET_K, 0, 0, RET_USER_NOTIF),
		I(RET_K, 0, 0, RET_ALLOW),
	};
	return install(f, 5, flags);
}

/* What the child tells the parent: a call's result and errno, and what else it saw. */
struct report {
	long ret;
	int err;
	long more[4];
};

static int sock[2];
static volatile int handled;

static void tell(long ret, int err, long a, long b, long c, long d)
{
	struct report r = { ret, err, { a, b, c, d } };
	send(sock[1], &r, sizeof(r), 0);
}

static struct report heard(void)
{
	struct report r;
	memset(&r, 0, sizeof(r));
	if (recv(sock[0], &r, sizeof(r), 0) != sizeof(r))
		r.ret = -999;
	return r;
}

static void print_heard(const char *what)
{
	struct report r = heard();
	result(what, r.ret, r.err);
}

/* The child waits for the parent's word before it goes on. */
static void wait_go(void)
{
	char go;
	recv(sock[1], &go, 1, 0);
}

static void on_signal(int sig)
{
	handled++;
}

static void catch_signal(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

/* The child's side of the handshake: its listener's fd, taken by the parent, then closed here
   so that the parent's copy is the only one. */
static int child_listener(unsigned flags)
{
	long fd = install_notify(FLAG_NEW_LISTENER | flags);
	char path[64], link[64] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
	if (readlink(path, link, sizeof(link) - 1) < 0)
		strcpy(link, "?");
	tell(fd, errno, fcntl((int)fd, F_GETFD), fcntl((int)fd, F_GETFL) & O_ACCMODE,
	     !strcmp(link, "anon_inode:seccomp notify"), 0);
	wait_go();
	close((int)fd);
	return (int)fd;
}

/* The parent's: the child's listener as an fd of its own. */
static int take_listener(pid_t child, int verbose)
{
	struct report r = heard();
	if (verbose) {
		printf("listener: %s\n", r.ret >= 0 ? "an fd" : errname(r.err));
		printf("  close-on-exec: %ld, access mode O_RDWR: %s\n", r.more[0],
		       r.more[1] == O_RDWR ? "yes" : "no");
		fact("  /proc/self/fd names it anon_inode:seccomp notify", r.more[2]);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)r.ret, 0);
	close(pidfd);
	if (fd < 0)
		printf("pidfd_getfd: %s\n", errname(errno));
	return fd;
}

/* Lets the child go on once the parent holds its listener. */
static void let_go(void)
{
	send(sock[0], "g", 1, 0);
}

static void print_revents(const char *what, int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0 };
	int n = poll(&p, 1, 0);
	printf("%s: %d revents %#x\n", what, n, p.revents);
}

static long recv_notif(int fd, struct notif *n)
{
	memset(n, 0, sizeof(*n));
	return ioctl(fd, NOTIF_RECV, n);
}

static long send_resp(int fd, uint64_t id, int64_t val, int32_t error, uint32_t flags)
{
	struct resp r = { id, val, error, flags };
	return ioctl(fd, NOTIF_SEND, &r);
}

static long add_fd(int fd, uint64_t id, uint32_t flags, int src, uint32_t newfd, uint32_t nflags)
{
	struct addfd a = { id, flags, (uint32_t)src, newfd, nflags };
	return ioctl(fd, NOTIF_ADDFD, &a);
}

static long id_valid(int fd, uint64_t id)
{
	return ioctl(fd, NOTIF_ID_VALID, &id);
}

/* Waits until the child's call is queued (POLLIN). */
static void wait_queued(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	poll(&p, 1, 5000);
}

/* ---- the target ---- */

static int target(pid_t parent)
{
	child_listener(0);
	long r = syscall(SYS_getppid, 11, 22, 33, 44, 55, 66);
	tell(r, errno, 0, 0, 0, 0);
	r = syscall(SYS_getppid);
	tell(r, errno, 0, 0, 0, 0);
	r = syscall(SYS_getppid);
	tell(r, errno, 0, 0, 0, 0);
	r = syscall(SYS_getppid);
	tell(r == parent, errno, 0, 0, 0, 0);
	/* ADDFD: the parent adds fds while getpgid waits, then answers with one. */
	r = syscall(SYS_getpgid, 0);
	long fds[2];
	recv(sock[1], fds, sizeof(fds), 0);
	char buf[16] = "";
	long got = read((int)fds[0], buf, sizeof(buf) - 1);
	char buf2[16] = "";
	long got2 = read((int)r, buf2, sizeof(buf2) - 1);
	tell(r, errno, got == 5 && !strcmp(buf, "first"), fcntl((int)fds[0], F_GETFD),
	     fcntl((int)fds[1], F_GETFD), got2 == 6 && !strcmp(buf2, "second"));
	/* Signals. */
	catch_signal(SIGUSR1, 0);
	r = syscall(SYS_getppid);
	tell(r, errno, handled, 0, 0, 0);
	r = syscall(SYS_getppid);
	tell(r, errno, handled, 0, 0, 0);
	wait_go();
	catch_signal(SIGUSR1, SA_RESTART);
	r = syscall(SYS_getppid);
	tell(r, errno, handled, 0, 0, 0);
	/* The listener closed while a call waits, then with none waiting. */
	r = syscall(SYS_getppid);
	tell(r, errno, 0, 0, 0, 0);
	r = syscall(SYS_getppid);
	tell(r, errno, 0, 0, 0, 0);
	/* Another listener once the first is gone; then one too many in the same chain. */
	r = install_notify(FLAG_NEW_LISTENER);
	long r2 = install_notify(FLAG_NEW_LISTENER);
	tell(r2, errno, r >= 0, 0, 0, 0);
	return 0;
}

/* ---- the supervisor ---- */

static void answers(int fd, uint64_t *last)
{
	struct notif n;
	int ep = epoll_create1(0);
	struct epoll_event ev = { EPOLLIN | EPOLLOUT, { 0 } };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	print_revents("poll with nothing queued", fd);
	RESULT("epoll_wait with nothing queued", epoll_wait(ep, &ev, 1, 0));
	let_go();
	wait_queued(fd);
	print_revents("poll with a call queued", fd);
	RESULT("epoll_wait with a call queued", epoll_wait(ep, &ev, 1, 0));
	printf("  events %#x\n", ev.events);
	RESULT("RECV", recv_notif(fd, &n));
	printf("  nr is getppid: %s, arch %#x, args %lu %lu %lu %lu %lu %lu, flags %u\n",
	       n.nr == SYS_getppid ? "yes" : "no", n.arch, (unsigned long)n.args[0],
	       (unsigned long)n.args[1], (unsigned long)n.args[2], (unsigned long)n.args[3],
	       (unsigned long)n.args[4], (unsigned long)n.args[5], n.flags);
	fact("  an instruction pointer", n.ip != 0);
	print_revents("poll after RECV", fd);
	ev.events = 0;
	RESULT("epoll_wait after RECV", epoll_wait(ep, &ev, 1, 0));
	printf("  events %#x\n", ev.events);
	close(ep);
	RESULT("ID_VALID", id_valid(fd, n.id));
	RESULT("ID_VALID (the old, wrong-direction number)", ioctl(fd, NOTIF_ID_VALID_WRONG_DIR, &n.id));
	RESULT("SEND with an unknown flag", send_resp(fd, n.id, 0, 0, 2));
	RESULT("SEND CONTINUE with a value", send_resp(fd, n.id, 1, 0, NOTIF_FLAG_CONTINUE));
	RESULT("SEND CONTINUE with an error", send_resp(fd, n.id, 0, -1, NOTIF_FLAG_CONTINUE));
	RESULT("SEND a bogus id", send_resp(fd, n.id + 1000, 0, 0, 0));
	RESULT("SEND 42", send_resp(fd, n.id, 42, 0, 0));
	print_heard("  the child's getppid");
	RESULT("ID_VALID after the answer", id_valid(fd, n.id));
	RESULT("SEND again", send_resp(fd, n.id, 43, 0, 0));

	/* A call queued and not yet received: its id is the next one. */
	uint64_t next = n.id + 1;
	wait_queued(fd);
	print_revents("poll with a call queued", fd);
	RESULT("ID_VALID before RECV", id_valid(fd, next));
	RESULT("SEND before RECV", send_resp(fd, next, 1, 0, 0));
	RESULT("ADDFD before RECV", add_fd(fd, next, 0, 0, 0, 0));
	RESULT("RECV", recv_notif(fd, &n));
	fact("  the id is the next one", n.id == next);
	RESULT("SEND error -EPERM", send_resp(fd, n.id, 99, -EPERM, 0));
	print_heard("  the child's getppid");

	RESULT("RECV", recv_notif(fd, &n));
	RESULT("SEND error 5 (not negative), value 9", send_resp(fd, n.id, 9, 5, 0));
	print_heard("  the child's getppid");

	RESULT("RECV", recv_notif(fd, &n));
	RESULT("SEND CONTINUE", send_resp(fd, n.id, 0, 0, NOTIF_FLAG_CONTINUE));
	struct report r = heard();
	printf("  the child's getppid ran for real: %s\n", r.ret == 1 ? "yes" : "no");
	*last = n.id;
}

static void addfd_size(int fd, uint64_t id, size_t size, int tail)
{
	static char buf[4096];
	memset(buf, 0, sizeof(buf));
	struct addfd a = { id + 1000, 0, 0, 0, 0 };
	memcpy(buf, &a, sizeof(a));
	buf[size - 1] = (char)tail;
	char what[64];
	snprintf(what, sizeof(what), "ADDFD of size %zu%s", size, tail ? ", tail not 0" : "");
	RESULT(what, ioctl(fd, NOTIF_ADDFD_SIZED(size), buf));
}

static void addfds(int fd)
{
	struct notif n;
	RESULT("RECV", recv_notif(fd, &n));
	fact("  nr is getpgid", n.nr == SYS_getpgid);
	int p1[2], p2[2];
	if (pipe(p1) || pipe(p2))
		return;
	write(p1[1], "first", 5);
	write(p2[1], "second", 6);
	RESULT("ADDFD unknown flag", add_fd(fd, n.id, 4, p1[0], 0, 0));
	RESULT("ADDFD newfd without SETFD", add_fd(fd, n.id, 0, p1[0], 100, 0));
	RESULT("ADDFD newfd_flags O_NONBLOCK", add_fd(fd, n.id, 0, p1[0], 0, O_NONBLOCK));
	RESULT("ADDFD bad srcfd", add_fd(fd, n.id, 0, 999, 0, 0));
	int opath = open("/", O_PATH);
	RESULT("ADDFD of an O_PATH fd", add_fd(fd, n.id, 0, opath, 0, 0));
	close(opath);
	RESULT("ADDFD bogus id", add_fd(fd, n.id + 1000, 0, p1[0], 0, 0));
	RESULT("ADDFD SETFD at 2000000 (above RLIMIT_NOFILE)",
	       add_fd(fd, n.id, ADDFD_FLAG_SETFD, p1[0], 2000000, 0));
	addfd_size(fd, n.id, 16, 0);
	addfd_size(fd, n.id, 32, 1);
	addfd_size(fd, n.id, 32, 0);
	addfd_size(fd, n.id, 4096, 0);
	long fds[2];
	fds[0] = add_fd(fd, n.id, 0, p1[0], 0, 0);
	printf("ADDFD: %s\n", fds[0] >= 3 ? "an fd of the child" : errname(errno));
	fds[1] = add_fd(fd, n.id, ADDFD_FLAG_SETFD, p1[0], 100, O_CLOEXEC);
	RESULT("ADDFD SETFD at 100, O_CLOEXEC", fds[1]);
	RESULT("ADDFD SETFD at 100 again (replaces it)",
	       add_fd(fd, n.id, ADDFD_FLAG_SETFD, p1[0], 100, O_CLOEXEC));
	long sent = add_fd(fd, n.id, ADDFD_FLAG_SEND, p2[0], 0, 0);
	printf("ADDFD SEND: %s\n", sent >= 3 ? "an fd of the child" : errname(errno));
	send(sock[0], fds, sizeof(fds), 0);
	struct report r = heard();
	fact("  the child's getpgid returned that fd", r.ret == sent);
	fact("  the child read the first pipe through the first fd", r.more[0]);
	printf("  FD_CLOEXEC of the first fd %ld, of fd 100 %ld\n", r.more[1], r.more[2]);
	fact("  the child read the second pipe through the fd getpgid returned", r.more[3]);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
}

static void signals(int fd, pid_t child, uint64_t last)
{
	struct notif n;
	RESULT("RECV", recv_notif(fd, &n));
	fact("  ids go on one by one", n.id == last + 2);
	kill(child, SIGUSR1);
	struct report r = heard();
	result("a signal after RECV: the child's getppid", r.ret, r.err);
	printf("  handler ran: %ld\n", r.more[0]);
	RESULT("ID_VALID of the interrupted call", id_valid(fd, n.id));
	RESULT("SEND to the interrupted call", send_resp(fd, n.id, 1, 0, 0));

	wait_queued(fd);
	kill(child, SIGUSR1);
	r = heard();
	result("a signal before RECV: the child's getppid", r.ret, r.err);
	print_revents("poll after the call was withdrawn", fd);
	RESULT("RECV counts the withdrawn call", recv_notif(fd, &n));
	let_go();

	RESULT("RECV (SA_RESTART)", recv_notif(fd, &n));
	uint64_t first = n.id;
	kill(child, SIGUSR1);
	RESULT("RECV of the restarted call", recv_notif(fd, &n));
	fact("  the same call, a new id", n.nr == SYS_getppid && n.id == first + 1);
	RESULT("SEND 7", send_resp(fd, n.id, 7, 0, 0));
	r = heard();
	result("the child's restarted getppid", r.ret, r.err);
	printf("  handler ran: %ld\n", r.more[0]);
}

static void closing(int fd)
{
	struct notif n;
	RESULT("RECV", recv_notif(fd, &n));
	close(fd);
	print_heard("listener closed while the call waits: the child's getppid");
	print_heard("with no listener: the child's getppid");
	struct report r = heard();
	fact("a new listener once the old one is closed", r.more[0]);
	result("a second listener in the chain", r.ret, r.err);
}

static void alarm_handler_only(void)
{
	catch_signal(SIGALRM, 0);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void supervise(void)
{
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0)
		_exit(target(parent));
	int fd = take_listener(c, 1);
	struct notif n;
	memset(&n, 0, sizeof(n));
	n.flags = 1;
	RESULT("RECV into a buffer not zeroed", ioctl(fd, NOTIF_RECV, &n));
	RESULT("RECV into a bad address", ioctl(fd, NOTIF_RECV, 8));
	RESULT("ID_VALID of a bogus id", id_valid(fd, 12345));
	RESULT("SEND to a bogus id", send_resp(fd, 12345, 0, 0, 0));
	RESULT("SET_FLAGS SYNC_WAKE_UP", ioctl(fd, NOTIF_SET_FLAGS, 1));
	RESULT("SET_FLAGS unknown", ioctl(fd, NOTIF_SET_FLAGS, 2));
	RESULT("SET_FLAGS 0", ioctl(fd, NOTIF_SET_FLAGS, 0));
	struct termios tio;
	RESULT("TCGETS", ioctl(fd, TCGETS, &tio));
	int nread;
	RESULT("FIONREAD", ioctl(fd, FIONREAD, &nread));
	alarm_handler_only();
	RESULT("RECV interrupted by a signal", recv_notif(fd, &n));
	uint64_t last;
	answers(fd, &last);
	addfds(fd);
	signals(fd, c, last);
	closing(fd);
	int st;
	waitpid(c, &st, 0);
	printf("target: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* A filter whose tasks are all gone: POLLHUP, and RECV finds nothing. */
static void hangup(void)
{
	pid_t c = fork();
	if (c == 0) {
		child_listener(0);
		_exit(0);
	}
	int fd = take_listener(c, 0);
	let_go();
	struct pollfd p = { fd, POLLIN, 0 };
	int ready = poll(&p, 1, 5000);
	printf("poll until the target has exited: %d revents %#x\n", ready, p.revents);
	struct notif n;
	RESULT("RECV when the target has exited", recv_notif(fd, &n));
	waitpid(c, NULL, 0);
	close(fd);
}

static volatile int thread_listener = -1;
static volatile long thread_tid, thread_ret;

static void *filtered_thread(void *arg)
{
	thread_tid = syscall(SYS_gettid);
	thread_listener = (int)install_notify(FLAG_NEW_LISTENER);
	thread_ret = syscall(SYS_getppid, 1, 2, 3);
	return NULL;
}

/* Filters are a thread's: one thread of a process as the target, the main thread as the
   supervisor. The notification names the thread. */
static int threaded(void)
{
	pthread_t t;
	pthread_create(&t, NULL, filtered_thread, NULL);
	while (thread_listener < 0)
		usleep(1000);
	int fd = thread_listener;
	struct notif n;
	RESULT("a thread's call: RECV", recv_notif(fd, &n));
	fact("  pid is the thread's id", n.pid == (uint32_t)thread_tid);
	printf("  args %lu %lu %lu\n", (unsigned long)n.args[0], (unsigned long)n.args[1],
	       (unsigned long)n.args[2]);
	RESULT("  SEND 77", send_resp(fd, n.id, 77, 0, 0));
	pthread_join(t, NULL);
	printf("  the thread's getppid: %ld\n", thread_ret);
	RESULT("  the main thread's getppid is not filtered", syscall(SYS_getppid) == getppid());
	print_revents("  poll once the thread has ended", fd);
	return 0;
}

/* WAIT_KILLABLE_RECV: once received, only a fatal signal ends the wait. */
static void killable(int fatal)
{
	pid_t c = fork();
	if (c == 0) {
		child_listener(FLAG_WAIT_KILLABLE_RECV);
		handled = 0;
		catch_signal(SIGUSR1, 0);
		long r = syscall(SYS_getppid);
		tell(r, errno, handled, 0, 0, 0);
		_exit(0);
	}
	int fd = take_listener(c, 0);
	let_go();
	struct notif n;
	RESULT("WAIT_KILLABLE_RECV: RECV", recv_notif(fd, &n));
	kill(c, fatal ? SIGTERM : SIGUSR1);
	if (fatal) {
		int st;
		waitpid(c, &st, 0);
		printf("  SIGTERM: the target was killed by signal %d\n",
		       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		RESULT("  ID_VALID", id_valid(fd, n.id));
		close(fd);
		return;
	}
	usleep(100000);
	struct pollfd p = { sock[0], POLLIN, 0 };
	fact("  SIGUSR1: the call still waits", poll(&p, 1, 0) == 0);
	RESULT("  ID_VALID", id_valid(fd, n.id));
	RESULT("  SEND 5", send_resp(fd, n.id, 5, 0, 0));
	struct report r = heard();
	result("  the child's getppid", r.ret, r.err);
	printf("  handler ran: %ld\n", r.more[0]);
	waitpid(c, NULL, 0);
	close(fd);
}

static void errors(void)
{
	struct prog p = { 0, NULL };
	RESULT("NEW_LISTENER with TSYNC",
	       seccomp_(SECCOMP_SET_MODE_FILTER, FLAG_NEW_LISTENER | FLAG_TSYNC, &p));
	RESULT("WAIT_KILLABLE_RECV without NEW_LISTENER",
	       seccomp_(SECCOMP_SET_MODE_FILTER, FLAG_WAIT_KILLABLE_RECV, &p));
	RESULT("NEW_LISTENER, TSYNC and TSYNC_ESRCH, no program",
	       seccomp_(SECCOMP_SET_MODE_FILTER,
		       FLAG_NEW_LISTENER | FLAG_TSYNC | FLAG_TSYNC_ESRCH, &p));
	uint32_t action = RET_USER_NOTIF;
	RESULT("action USER_NOTIF available", seccomp_(SECCOMP_GET_ACTION_AVAIL, 0, &action));
	uint16_t sizes[3] = { 0, 0, 0 };
	RESULT("GET_NOTIF_SIZES", seccomp_(SECCOMP_GET_NOTIF_SIZES, 0, sizes));
	printf("  seccomp_notif %u, seccomp_notif_resp %u, seccomp_data %u\n", sizes[0], sizes[1],
	       sizes[2]);
	RESULT("GET_NOTIF_SIZES with flags", seccomp_(SECCOMP_GET_NOTIF_SIZES, 1, sizes));
	RESULT("GET_NOTIF_SIZES to a bad address", seccomp_(SECCOMP_GET_NOTIF_SIZES, 0, (void *)8));
}

/* With no listener any more, a notifying filter fails its calls with ENOSYS. */
static int no_listener(void)
{
	long fd = install_notify(FLAG_NEW_LISTENER);
	close((int)fd);
	long r = syscall(SYS_getppid);
	result("getppid after the only listener was closed", r, errno);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (geteuid() != 0) {
		printf("needs root\n");
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock))
		return 2;
	errors();
	pid_t c = fork();
	if (c == 0)
		_exit(no_listener());
	waitpid(c, NULL, 0);
	supervise();
	hangup();
	c = fork();
	if (c == 0)
		_exit(threaded());
	waitpid(c, NULL, 0);
	killable(0);
	killable(1);
	return 0;
}
