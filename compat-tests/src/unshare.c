/* unshare: unshare(2)'s flag rules, and threads with their own fd table and fs context, made by
 * unshare in a pthread and by clone without CLONE_FILES and CLONE_FS. */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#define FUTEX_WAIT 0            /* musl has no linux/futex.h */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int probe_fd;                    /* open in main before any thread */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;

static void stage_set(int s)
{
	pthread_mutex_lock(&lock);
	stage = s;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void stage_wait(int s)
{
	pthread_mutex_lock(&lock);
	while (stage < s)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* A thread alive while main tries the flags that need a single-threaded caller. */
static void *idler(void *arg)
{
	stage_wait(1);
	return NULL;
}

static void single_threaded_rules(void)
{
	RESULT("unshare(0)", unshare(0));
	RESULT("unshare(0x1)", syscall(SYS_unshare, 0x1));
	RESULT("unshare(CLONE_FILES|CLONE_FS) alone", unshare(CLONE_FILES | CLONE_FS));
	RESULT("unshare(CLONE_SYSVSEM)", unshare(CLONE_SYSVSEM));
	RESULT("unshare(CLONE_THREAD) alone", unshare(CLONE_THREAD));
	RESULT("unshare(CLONE_VM) alone", unshare(CLONE_VM));
	fact("fd still open after unsharing alone", fd_open(probe_fd));
	stage = 0;
	pthread_t t;
	pthread_create(&t, NULL, idler, NULL);
	RESULT("unshare(CLONE_THREAD) with a thread", unshare(CLONE_THREAD));
	RESULT("unshare(CLONE_SIGHAND) with a thread", unshare(CLONE_SIGHAND));
	RESULT("unshare(CLONE_VM) with a thread", unshare(CLONE_VM));
	/* CLONE_NEWUSER implies CLONE_THREAD: EINVAL before any namespace is looked at. */
	RESULT("unshare(CLONE_NEWUSER) with a thread", unshare(CLONE_NEWUSER));
	RESULT("unshare(CLONE_FILES) with a thread", unshare(CLONE_FILES));
	stage_set(1);
	pthread_join(t, NULL);
}

/* A pthread unshares its fd table and fs context; main's stay as they were. */
static int thread_fd = -1;
static char thread_cwd[PATH_MAX];

static void *unsharer(void *arg)
{
	RESULT("thread unshare(CLONE_FILES|CLONE_FS)", unshare(CLONE_FILES | CLONE_FS));
	close(probe_fd);
	thread_fd = open("/proc", O_RDONLY | O_DIRECTORY);
	RESULT("thread chdir(/proc)", chdir("/proc"));
	umask(077);
	fact("thread sees its own cwd", getcwd(thread_cwd, sizeof(thread_cwd)) &&
					!strcmp(thread_cwd, "/proc"));
	/* /proc/<pid>/task/<tid> shows the thread's own table and cwd */
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fd/%d", (long)syscall(SYS_gettid),
		 thread_fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("its task fd %d: %s\n", thread_fd, link);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/cwd", (long)syscall(SYS_gettid));
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("its task cwd: %s\n", link);
	stage_set(1);
	stage_wait(2);
	fact("thread's table lacks the fd main opened since", !fd_open(thread_fd + 1));
	return NULL;
}

static void unshare_in_thread(void)
{
	stage = 0;
	char before[PATH_MAX], after[PATH_MAX];
	chdir("/");
	getcwd(before, sizeof(before));
	umask(022);
	pthread_t t;
	pthread_create(&t, NULL, unsharer, NULL);
	stage_wait(1);
	char link[64], path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", thread_fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("the process's fd %d: %s\n", thread_fd, link);
	n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("the process's cwd: %s\n", link);
	fact("main keeps the fd the thread closed", fd_open(probe_fd));
	fact("main lacks the fd the thread opened", thread_fd == probe_fd || !fd_open(thread_fd));
	int extra = open("/", O_RDONLY);
	fact("main opens the thread's fd number for itself", extra == thread_fd + 1 ||
							      extra == thread_fd);
	stage_set(2);
	pthread_join(t, NULL);
	getcwd(after, sizeof(after));
	fact("main's cwd unchanged", !strcmp(before, after));
	mode_t m = umask(022);
	printf("main's umask: %03o\n", (unsigned)m);
	close(extra);
}

/* clone without CLONE_FILES and CLONE_FS: a thread with copies from the start. Only raw system
 * calls in it (it runs on main's TLS). */
static volatile int ctid = 1;
static volatile long clone_close_ret = 1, clone_chdir_ret = 1, clone_open_ret = -2;

static int raw_thread(void *arg)
{
	clone_close_ret = syscall(SYS_close, probe_fd);
	clone_chdir_ret = syscall(SYS_chdir, "/proc");
	clone_open_ret = syscall(SYS_open, "/", O_RDONLY);
	syscall(SYS_exit, 0);
	return 0;
}

static void clone_without_sharing(void)
{
	static char stack[65536] __attribute__((aligned(16)));
	char before[PATH_MAX], after[PATH_MAX];
	getcwd(before, sizeof(before));
	int flags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID;
	long tid = clone(raw_thread, stack + sizeof(stack), flags, NULL, NULL, NULL, &ctid);
	fact("clone without CLONE_FILES|CLONE_FS made a thread", tid > 0);
	while (tid > 0 && ctid)
		syscall(SYS_futex, &ctid, FUTEX_WAIT, ctid, NULL, NULL, 0);
	printf("clone thread: close %ld, chdir %ld, open %s\n", clone_close_ret, clone_chdir_ret,
	       clone_open_ret >= 0 ? "ok" : "failed");
	fact("main keeps the fd the clone thread closed", fd_open(probe_fd));
	fact("main lacks the fd the clone thread opened",
	     clone_open_ret == probe_fd || !fd_open((int)clone_open_ret));
	getcwd(after, sizeof(after));
	fact("main's cwd unchanged by the clone thread", !strcmp(before, after));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	probe_fd = open("/", O_RDONLY | O_DIRECTORY);
	single_threaded_rules();
	unshare_in_thread();
	clone_without_sharing();
	return 0;
}
