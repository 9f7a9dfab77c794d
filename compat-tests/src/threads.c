/* threads: pthread create/join/detach, mutex, condvar, rwlock, barrier and semaphore work,
 * thread-local storage in many threads, a raw futex ping-pong, a pipe between threads, signals
 * to one thread, sigwait in a thread, robust mutexes whose owner died, clone's errno cases, and
 * clone(CLONE_VFORK | CLONE_THREAD), whose caller waits for the new thread's end or exec.
 * Output depends only on what the threads computed, never on scheduling order. */
#include "compat.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <time.h>
#include <sys/syscall.h>

/* <linux/futex.h> is not in musl's include path: Linux's values. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_CMP_REQUEUE_PRIVATE 132
#define FUTEX_WAIT_BITSET_PRIVATE 137

#define NTHREADS 8

static void *square(void *arg)
{
	long v = (long)arg;
	return (void *)(v * v);
}

static void create_join(void)
{
	pthread_t t[NTHREADS];
	long sum = 0;
	int ok = 1;
	for (long i = 0; i < NTHREADS; i++)
		ok &= pthread_create(&t[i], NULL, square, (void *)(i + 1)) == 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *r;
		ok &= pthread_join(t[i], &r) == 0;
		sum += (long)r;
	}
	printf("create/join %d threads: ok %d, sum of squares %ld\n", NTHREADS, ok, sum);
}

/* ---- a mutex-protected counter with yields so threads interleave ---- */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&count_lock);
		long v = counter;
		if (i % 1000 == 0)
			sched_yield();  /* another thread tries the lock while it is held */
		counter = v + 1;
		pthread_mutex_unlock(&count_lock);
	}
	return NULL;
}

static void mutex_stress(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, count_up, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("mutex counter: %ld\n", counter);
}

/* ---- bounded queue with two condition variables: producers and consumers block ---- */
#define QCAP 4
#define ITEMS 5000
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_nonempty = PTHREAD_COND_INITIALIZER, q_nonfull = PTHREAD_COND_INITIALIZER;
static long q[QCAP];
static int q_head, q_len;

static void *producer(void *arg)
{
	long base = (long)arg;
	for (long i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == QCAP)
			pthread_cond_wait(&q_nonfull, &q_lock);
		q[(q_head + q_len++) % QCAP] = base + i;
		pthread_cond_signal(&q_nonempty);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == 0)
			pthread_cond_wait(&q_nonempty, &q_lock);
		sum += q[q_head];
		q_head = (q_head + 1) % QCAP;
		q_len--;
		pthread_cond_signal(&q_nonfull);
		pthread_mutex_unlock(&q_lock);
	}
	return (void *)sum;
}

static void condvar_queue(void)
{
	pthread_t p[2], c[2];
	pthread_create(&c[0], NULL, consumer, NULL);
	pthread_create(&c[1], NULL, consumer, NULL);
	pthread_create(&p[0], NULL, producer, (void *)0L);
	pthread_create(&p[1], NULL, producer, (void *)1000000L);
	long total = 0;
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(p[i], NULL);
		pthread_join(c[i], &r);
		total += (long)r;
	}
	printf("condvar queue: consumed sum %ld, left %d\n", total, q_len);
}

/* ---- rwlock, barrier, semaphore ---- */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t barrier;
static sem_t sem;
static int rw_value, serial_count, after_barrier;

static void *rw_barrier_worker(void *arg)
{
	for (int i = 0; i < 100; i++) {
		pthread_rwlock_wrlock(&rw);
		rw_value++;
		pthread_rwlock_unlock(&rw);
		pthread_rwlock_rdlock(&rw);
		(void)rw_value;
		pthread_rwlock_unlock(&rw);
	}
	int r = pthread_barrier_wait(&barrier);
	if (r == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&after_barrier, 1, __ATOMIC_SEQ_CST);
	sem_post(&sem);
	return NULL;
}

static void rwlock_barrier_sem(void)
{
	pthread_t t[4];
	pthread_barrier_init(&barrier, NULL, 4);
	sem_init(&sem, 0, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, rw_barrier_worker, NULL);
	for (int i = 0; i < 4; i++)
		sem_wait(&sem);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("rwlock %d, barrier serial threads %d, passed %d, semaphore value ", rw_value,
	       serial_count, after_barrier);
	int v;
	sem_getvalue(&sem, &v);
	printf("%d\n", v);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	RESULT("sem_timedwait on 0", sem_timedwait(&sem, &ts));
}

/* ---- thread-local storage ---- */
static __thread long tls_value = 7;
static __thread char tls_buf[64];

static void *tls_worker(void *arg)
{
	long id = (long)arg;
	long seen = tls_value;          /* the initial image, not another thread's value */
	tls_value = id * 100;
	snprintf(tls_buf, sizeof(tls_buf), "thread %ld", id);
	sched_yield();
	return (void *)(long)(seen == 7 && tls_value == id * 100 &&
			      strcmp(tls_buf, "thread ") > 0 && atol(tls_buf + 7) == id);
}

static void tls_many(void)
{
	pthread_t t[16];
	int good = 0;
	tls_value = 1;
	for (long i = 0; i < 16; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)(i + 1));
	for (int i = 0; i < 16; i++) {
		void *r;
		pthread_join(t[i], &r);
		good += (int)(long)r;
	}
	printf("tls: %d of 16 threads saw their own values, main keeps %ld\n", good, tls_value);
}

/* ---- raw futex ping-pong ---- */
static uint32_t ball;   /* 0: main's turn, 1: the other's */

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void *pong(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) != 1)
			futex(&ball, FUTEX_WAIT_PRIVATE, 0, NULL);
		__atomic_store_n(&ball, 0, __ATOMIC_RELEASE);
		futex(&ball, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
	return NULL;
}

static void futex_pingpong(void)
{
	pthread_t t;
	pthread_create(&t, NULL, pong, NULL);
	for (int i = 0; i < 1000; i++) {
		__atomic_store_n(&ball, 1, __ATOMIC_RELEASE);
		futex(&ball, FUTEX_WAKE_PRIVATE, 1, NULL);
		while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) != 0)
			futex(&ball, FUTEX_WAIT_PRIVATE, 1, NULL);
	}
	pthread_join(t, NULL);
	printf("futex ping-pong: 1000 rounds, ball %u\n", ball);
	/* A wake with nobody waiting wakes nobody; a bitset wait with bitset 0 is EINVAL. */
	RESULT("FUTEX_WAKE with no waiter", futex(&ball, FUTEX_WAKE_PRIVATE, 1, NULL));
	RESULT("FUTEX_WAIT_BITSET with bitset 0",
	       syscall(SYS_futex, &ball, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0));
}

/* A waiter woken by FUTEX_WAKE reports 1 woken; a requeued waiter is woken from the second word. */
static uint32_t word1, word2;
static int requeue_woken;

static void *wait_word1(void *arg)
{
	while (__atomic_load_n(&word1, __ATOMIC_ACQUIRE) == 0)
		futex(&word1, FUTEX_WAIT_PRIVATE, 0, NULL);
	__atomic_add_fetch(&requeue_woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void futex_requeue(void)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, wait_word1, NULL);
	/* Let all three block: each yields until the others are waiting. */
	for (int i = 0; i < 200; i++)
		sched_yield();
	usleep(20000);
	__atomic_store_n(&word1, 1, __ATOMIC_RELEASE);
	long r = syscall(SYS_futex, &word1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word2, 1);
	printf("CMP_REQUEUE wake 1 requeue 2: %ld\n", r);
	usleep(20000);
	long w = futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL);
	printf("wake of the second word: %ld\n", w);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("requeued waiters finished: %d\n", requeue_woken);
	RESULT("CMP_REQUEUE with a stale value",
	       syscall(SYS_futex, &word1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word2, 0));
}

/* ---- a pipe between threads, more than its capacity ---- */
static int pfd[2];

static void *pipe_writer(void *arg)
{
	static unsigned char buf[200000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	ssize_t w = write(pfd[1], buf, sizeof(buf));   /* blocks while the pipe is full */
	close(pfd[1]);
	return (void *)w;
}

static void pipe_threads(void)
{
	pipe(pfd);
	pthread_t t;
	pthread_create(&t, NULL, pipe_writer, NULL);
	unsigned long sum = 0, total = 0;
	unsigned char buf[4096];
	ssize_t n;
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + buf[i];
		total += (unsigned long)n;
	}
	void *w;
	pthread_join(t, &w);
	unsigned long want = 0;
	for (size_t i = 0; i < 200000; i++)
		want = want * 31 + (unsigned char)(i * 7 + 3);
	printf("pipe between threads: wrote %ld, read %lu, intact %s\n", (long)w, total,
	       sum == want ? "yes" : "no");
	close(pfd[0]);
}

/* ---- signals and threads ---- */
static volatile pid_t handler_tid;
static pid_t target_tid;
static volatile int target_go;

static void on_usr1(int sig)
{
	handler_tid = (pid_t)syscall(SYS_gettid);
}

static void *signal_target(void *arg)
{
	target_tid = (pid_t)syscall(SYS_gettid);
	__atomic_store_n(&target_go, 1, __ATOMIC_RELEASE);
	while (!handler_tid)
		usleep(1000);
	return NULL;
}

static void *sigwaiter(void *arg)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	int sig = 0;
	sigwait(&set, &sig);
	return (void *)(long)sig;
}

static void signals_threads(void)
{
	signal(SIGUSR1, on_usr1);
	pthread_t t;
	pthread_create(&t, NULL, signal_target, NULL);
	while (!__atomic_load_n(&target_go, __ATOMIC_ACQUIRE))
		sched_yield();
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	printf("pthread_kill: the handler ran in the target thread: %s\n",
	       handler_tid == target_tid ? "yes" : "no");
	printf("getpid same in threads, gettid differs: %s\n",
	       target_tid != getpid() && target_tid > 0 ? "yes" : "no");

	/* A process-directed signal blocked everywhere reaches the thread in sigwait. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t, NULL, sigwaiter, NULL);
	usleep(10000);
	kill(getpid(), SIGUSR2);
	void *r;
	pthread_join(t, &r);
	printf("sigwait in a thread got signal %ld\n", (long)r);
	RESULT("tgkill of a tid that does not exist", syscall(SYS_tgkill, getpid(), 999999, 0));
}

/* ---- a robust mutex whose owner ended ---- */
static pthread_mutex_t robust;

static void *lock_and_die(void *arg)
{
	pthread_mutex_lock(&robust);
	return NULL;            /* ends holding it */
}

static void robust_mutex(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_t t;
	pthread_create(&t, NULL, lock_and_die, NULL);
	pthread_join(t, NULL);
	int r = pthread_mutex_lock(&robust);
	printf("lock of a robust mutex whose owner died: %s\n",
	       r == EOWNERDEAD ? "EOWNERDEAD" : errname(r));
	pthread_mutex_consistent(&robust);
	pthread_mutex_unlock(&robust);
	printf("lock again after consistent: %d\n", pthread_mutex_lock(&robust));
	pthread_mutex_unlock(&robust);
}

/* ---- detached threads and clone's argument checks ---- */
static volatile int detached_ran;

static void *detached(void *arg)
{
	detached_ran = 1;
	return NULL;
}

static void clone_errors(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	pthread_create(&t, &a, detached, NULL);
	while (!detached_ran)
		usleep(1000);
	printf("detached thread ran: yes\n");
	/* CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM. */
	RESULT("clone(CLONE_THREAD) alone", syscall(SYS_clone, CLONE_THREAD, 0, 0, 0, 0));
	RESULT("clone(CLONE_SIGHAND) alone", syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0));
	RESULT("clone(CLONE_FS|CLONE_NEWNS)", syscall(SYS_clone, CLONE_FS | CLONE_NEWNS, 0, 0, 0, 0));
}

/* ---- clone(CLONE_VFORK | CLONE_THREAD): the caller waits for the new thread's end or exec ---- */
static volatile int vfork_thread_done;
static char vfork_stack[65536] __attribute__((aligned(16)));

static int vfork_thread_fn(void *arg)
{
	if (arg) {              /* the exec ends every other thread, the waiting caller too */
		char *argv[] = { "threads", "vfork-thread-execd", arg, NULL };
		syscall(SYS_execve, "/proc/self/exe", argv, NULL);
		syscall(SYS_exit, 9);
	}
	struct timespec ts = { 0, 100000000 };
	syscall(SYS_nanosleep, &ts, NULL);      /* raw calls: this thread has the caller's TLS */
	vfork_thread_done = 1;
	return 0;
}

static void vfork_thread(int do_exec)
{
	static volatile pid_t ctid = -1;
	static char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_VFORK | CLONE_CHILD_CLEARTID;
	long tid = clone(vfork_thread_fn, vfork_stack + sizeof(vfork_stack), flags,
			 do_exec ? pid : NULL, NULL, NULL, &ctid);
	int e = errno;
	printf("clone(CLONE_THREAD|CLONE_VFORK): %s\n",
	       tid > 0 && tid != getpid() ? "a new thread" : errname(e));
	fact("the caller waited until the thread ended", vfork_thread_done);
	fact("the thread's clear_child_tid was cleared before", ctid == 0);
}

static void *exit_three(void *arg)
{
	usleep(10000);
	exit(3);                /* ends every thread, with status 3 */
}

static void *outlive_main(void *arg)
{
	usleep(20000);
	printf("the last thread ends the process after main's pthread_exit\n");
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pthread_t t;
	if (argc > 1 && !strcmp(argv[1], "exit-in-thread")) {
		pthread_create(&t, NULL, exit_three, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "vfork-thread")) {
		vfork_thread(0);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "vfork-thread-exec")) {
		vfork_thread(1);
		printf("the caller went on after the exec\n");     /* never: the exec ended it */
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "vfork-thread-execd")) {
		fact("the vfork thread's exec keeps the pid", atoi(argv[2]) == getpid());
		fact("and makes the thread's id the pid", syscall(SYS_gettid) == getpid());
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "main-exits-first")) {
		pthread_create(&t, NULL, outlive_main, NULL);
		pthread_exit(NULL);
	}
	create_join();
	mutex_stress();
	condvar_queue();
	rwlock_barrier_sem();
	tls_many();
	futex_pingpong();
	futex_requeue();
	pipe_threads();
	signals_threads();
	robust_mutex();
	clone_errors();
	return 0;
}
