/* sem: System V semaphores: semget by IPC_PRIVATE and by key (IPC_CREAT, IPC_EXCL, nsems
 * rules), semctl (SETVAL/GETVAL/GETALL/SETALL/GETPID/GETNCNT/GETZCNT, IPC_STAT/SET/RMID,
 * IPC_INFO/SEM_INFO, ERANGE and EINVAL cases), semop and semtimedop (all or nothing, IPC_NOWAIT,
 * EFBIG, E2BIG, ERANGE, timeouts), waiters woken in order of arrival, operations on several
 * semaphores at once, EIDRM for waiters of a removed set, EINTR after an SA_RESTART handler,
 * SEM_UNDO at process exit (clamped at 0, forgotten by SETVAL, shared by threads, applied by
 * unshare(CLONE_SYSVSEM)), permissions for another user, /proc/sysvipc/sem and
 * /proc/sys/kernel/sem. Nothing printed depends on other sets the machine may have. */
#include "compat.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *info;
};

static int val(int id, int n)
{
	return semctl(id, n, GETVAL);
}

static int op(int id, unsigned short num, short delta, short flags)
{
	struct sembuf b = { num, delta, flags };
	return semop(id, &b, 1);
}

static void setval(int id, int n, int v)
{
	union semun u = { .val = v };
	if (semctl(id, n, SETVAL, u) < 0)
		printf("SETVAL %d: %s\n", v, errname(errno));
}

/* Waits (up to 5 s) until cnt (GETNCNT or GETZCNT) of semaphore n is want. */
static int await_count(int id, int n, int cmd, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (semctl(id, n, cmd) == want)
			return 1;
		usleep(1000);
	}
	printf("timed out waiting for count %d\n", want);
	return 0;
}

/* A child that runs semop(id, {num, delta, SEM_UNDO?}) and exits with 0, or 100 + errno. */
static pid_t child_op(int id, unsigned short num, short delta, short flags)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(op(id, num, delta, flags) < 0 ? 100 + errno : 0);
	return c;
}

static void report(const char *what, pid_t c)
{
	int st;
	waitpid(c, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		printf("%s: %s\n", what, errname(WEXITSTATUS(st) - 100));
	else if (WIFEXITED(st))
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: signal %d\n", what, WTERMSIG(st));
}

static void on_usr1(int sig)
{
	(void)sig;
}

static int g_id;

static void *thread_undo(void *arg)
{
	(void)arg;
	op(g_id, 0, 1, SEM_UNDO);
	return NULL;
}

/* The next three run in a forked child. */
static void threads_share_undo(void)
{
	pthread_t t;
	pthread_create(&t, NULL, thread_undo, NULL);
	pthread_join(t, NULL);
	printf("  after the thread ended: %d\n", val(g_id, 0));
}

static void unshare_applies_undo(void)
{
	op(g_id, 0, 2, SEM_UNDO);
	printf("  after +2 with SEM_UNDO: %d\n", val(g_id, 0));
	RESULT("  unshare(CLONE_SYSVSEM)", unshare(CLONE_SYSVSEM));
	printf("  after unshare: %d\n", val(g_id, 0));
}

static void other_user(void)
{
	if (setuid(65534))
		_exit(3);
	struct semid_ds d;
	union semun u = { .buf = &d };
	RESULT("  as another user: semop", op(g_id, 0, 1, IPC_NOWAIT));
	RESULT("  GETVAL", semctl(g_id, 0, GETVAL));
	RESULT("  IPC_STAT", semctl(g_id, 0, IPC_STAT, u));
	RESULT("  SETVAL", semctl(g_id, 0, SETVAL, (union semun){ .val = 1 }));
	RESULT("  IPC_RMID", semctl(g_id, 0, IPC_RMID));
}

static void stat_of(const char *what, int id)
{
	struct semid_ds d;
	union semun u = { .buf = &d };
	memset(&d, 0, sizeof(d));
	if (semctl(id, 0, IPC_STAT, u) < 0) {
		printf("%s: IPC_STAT %s\n", what, errname(errno));
		return;
	}
	printf("%s: nsems %lu mode %04o owner %s otime %s ctime %s\n", what,
	       (unsigned long)d.sem_nsems, (unsigned)d.sem_perm.mode,
	       d.sem_perm.uid == geteuid() && d.sem_perm.cuid == geteuid() ? "me" : "other",
	       d.sem_otime ? "set" : "0", d.sem_ctime ? "set" : "0");
}

static void creation(void)
{
	RESULT("semget nsems 0", semget(IPC_PRIVATE, 0, 0600));
	RESULT("semget nsems -1", semget(IPC_PRIVATE, -1, 0600));
	RESULT("semget nsems 32001", semget(IPC_PRIVATE, 32001, 0600));
	key_t key = 0x53454d00 + (getpid() & 0xff);
	semctl(semget(key, 0, 0), 0, IPC_RMID);         /* a leftover of an earlier run */
	RESULT("semget of a missing key", semget(key, 1, 0600));
	int id = semget(key, 2, IPC_CREAT | IPC_EXCL | 0640);
	printf("semget key IPC_CREAT|IPC_EXCL: %s\n", id >= 0 ? "ok" : errname(errno));
	RESULT("again with IPC_EXCL", semget(key, 2, IPC_CREAT | IPC_EXCL | 0640));
	fact("again without: the same id", semget(key, 2, 0) == id);
	fact("with fewer semaphores: the same id", semget(key, 1, IPC_CREAT) == id);
	RESULT("with more semaphores", semget(key, 3, 0));
	stat_of("new by key", id);
	RESULT("IPC_RMID", semctl(id, 0, IPC_RMID));
	RESULT("IPC_RMID again", semctl(id, 0, IPC_RMID));
	RESULT("semget of the removed key", semget(key, 1, 0));
	RESULT("semctl id -1", semctl(-1, 0, GETVAL));
}

static void values(int id)
{
	stat_of("new", id);
	printf("values: %d %d %d\n", val(id, 0), val(id, 1), val(id, 2));
	setval(id, 1, 7);
	printf("after SETVAL 7: %d, GETPID me %s\n", val(id, 1),
	       semctl(id, 1, GETPID) == getpid() ? "yes" : "no");
	RESULT("SETVAL 32768", semctl(id, 0, SETVAL, (union semun){ .val = 32768 }));
	RESULT("SETVAL -1", semctl(id, 0, SETVAL, (union semun){ .val = -1 }));
	RESULT("SETVAL 32767", semctl(id, 0, SETVAL, (union semun){ .val = 32767 }));
	RESULT("GETVAL semnum 3", semctl(id, 3, GETVAL));
	RESULT("GETVAL semnum -1", semctl(id, -1, GETVAL));
	RESULT("SETVAL semnum 3", semctl(id, 3, SETVAL, (union semun){ .val = 1 }));
	RESULT("unknown command", semctl(id, 0, 1234));
	unsigned short all[3] = { 1, 2, 3 }, got[3] = { 0 };
	RESULT("SETALL", semctl(id, 0, SETALL, (union semun){ .array = all }));
	RESULT("GETALL", semctl(id, 0, GETALL, (union semun){ .array = got }));
	printf("GETALL: %u %u %u\n", got[0], got[1], got[2]);
	unsigned short bad[3] = { 1, 40000, 3 };
	RESULT("SETALL with 40000", semctl(id, 0, SETALL, (union semun){ .array = bad }));
	printf("unchanged: %d %d %d\n", val(id, 0), val(id, 1), val(id, 2));
	RESULT("GETALL to NULL", semctl(id, 0, GETALL, (union semun){ .array = NULL }));
	RESULT("IPC_STAT to NULL", semctl(id, 0, IPC_STAT, (union semun){ .buf = NULL }));
	stat_of("after SETALL", id);
}

static void operations(int id)
{
	unsigned short zero[3] = { 0, 0, 0 };
	semctl(id, 0, SETALL, (union semun){ .array = zero });
	RESULT("+2", op(id, 0, 2, 0));
	RESULT("-1", op(id, 0, -1, 0));
	printf("value %d\n", val(id, 0));
	stat_of("after semop", id);
	RESULT("-2 IPC_NOWAIT", op(id, 0, -2, IPC_NOWAIT));
	RESULT("wait for zero IPC_NOWAIT", op(id, 0, 0, IPC_NOWAIT));
	RESULT("wait for zero on 1 (0)", op(id, 1, 0, 0));
	RESULT("semnum 3", op(id, 3, 1, 0));
	RESULT("nsops 0", semop(id, NULL, 0));
	struct sembuf many[501];
	memset(many, 0, sizeof(many));
	RESULT("nsops 501", semop(id, many, 501));
	RESULT("sops NULL", semop(id, NULL, 1));
	setval(id, 2, 32760);
	RESULT("+10 on 32760", op(id, 2, 10, 0));
	RESULT("+7 on 32760", op(id, 2, 7, 0));
	/* all or nothing: the first operation is undone when the second cannot go on */
	setval(id, 0, 0);
	setval(id, 1, 0);
	struct sembuf two[2] = { { 0, 1, 0 }, { 1, -1, IPC_NOWAIT } };
	RESULT("{+1 on 0, -1 on 1 IPC_NOWAIT}", semop(id, two, 2));
	printf("semaphore 0 unchanged: %d\n", val(id, 0));
	/* one semaphore twice in one call: each operation sees the one before */
	struct sembuf same[2] = { { 0, 2, 0 }, { 0, -1, 0 } };
	RESULT("{+2, -1} on 0", semop(id, same, 2));
	printf("value %d\n", val(id, 0));
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	RESULT("semtimedop -5, 50 ms", semtimedop(id, &(struct sembuf){ 0, -5, 0 }, 1, &ts));
	ts.tv_nsec = 1000000000;
	RESULT("semtimedop bad timeout", semtimedop(id, &(struct sembuf){ 0, -5, 0 }, 1, &ts));
	ts.tv_nsec = 0;
	RESULT("semtimedop timeout 0 that need not wait", semtimedop(id, &(struct sembuf){ 0, -1, 0 }, 1, &ts));
}

static void waiting(int id)
{
	setval(id, 0, 0);
	pid_t c = child_op(id, 0, -1, 0);
	if (await_count(id, 0, GETNCNT, 1)) {
		printf("GETNCNT while a child waits: 1, GETZCNT %d\n", semctl(id, 0, GETZCNT));
		op(id, 0, 1, 0);
	}
	report("the waiting child", c);
	printf("value %d, GETPID the child's %s\n", val(id, 0),
	       semctl(id, 0, GETPID) == c ? "yes" : "no");

	/* in order of arrival */
	pid_t a = child_op(id, 0, -1, 0);
	await_count(id, 0, GETNCNT, 1);
	pid_t b = child_op(id, 0, -1, 0);
	await_count(id, 0, GETNCNT, 2);
	op(id, 0, 1, 0);
	int st;
	pid_t first = wait(&st);
	printf("one +1 for two waiters: the first to wait went on %s\n", first == a ? "yes" : "no");
	printf("GETNCNT %d\n", semctl(id, 0, GETNCNT));
	op(id, 0, 1, 0);
	waitpid(first == a ? b : a, &st, 0);

	/* waiting for zero */
	setval(id, 1, 2);
	c = child_op(id, 1, 0, 0);
	await_count(id, 1, GETZCNT, 1);
	printf("GETZCNT while a child waits for zero: 1\n");
	op(id, 1, -1, 0);
	usleep(20000);
	printf("at 1 it still waits: %d\n", semctl(id, 1, GETZCNT));
	op(id, 1, -1, 0);
	report("the child waiting for zero", c);

	/* two semaphores at once */
	setval(id, 0, 0);
	setval(id, 1, 0);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		struct sembuf both[2] = { { 0, -1, 0 }, { 1, -1, 0 } };
		_exit(semop(id, both, 2) < 0 ? 100 + errno : 0);
	}
	await_count(id, 0, GETNCNT, 1);
	printf("waiting on 0: GETNCNT of 1 %d\n", semctl(id, 1, GETNCNT));
	setval(id, 0, 1);
	await_count(id, 1, GETNCNT, 1);
	printf("0 set: now waiting on 1, value of 0 still %d\n", val(id, 0));
	setval(id, 1, 1);
	report("the child taking both", c);
	printf("values: %d %d\n", val(id, 0), val(id, 1));
}

static void interrupted(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t c = child_op(id, 0, -1, 0);
	if (await_count(id, 0, GETNCNT, 1))
		kill(c, SIGUSR1);
	report("a waiter given an SA_RESTART signal", c);
	printf("GETNCNT after: %d\n", semctl(id, 0, GETNCNT));
	c = child_op(id, 0, -1, 0);
	if (await_count(id, 0, GETNCNT, 1)) {
		kill(c, SIGSTOP);
		usleep(20000);
		kill(c, SIGCONT);
	}
	report("a waiter stopped and continued", c);

	c = child_op(id, 0, -1, 0);
	await_count(id, 0, GETNCNT, 1);
	RESULT("IPC_RMID with a waiter", semctl(id, 0, IPC_RMID));
	report("the waiter of the removed set", c);
	RESULT("semop on the removed set", op(id, 0, 1, 0));
}

/* A child that adds delta to semaphore 0 (from 0) with SEM_UNDO and exits when *go, the
 * write end of a pipe, is closed; returns once the value is delta. */
static pid_t child_undo_held(int id, short delta, int *go)
{
	int p[2];
	if (pipe(p))
		return -1;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		char ch;
		op(id, 0, delta, SEM_UNDO);
		close(p[1]);
		_exit(read(p[0], &ch, 1) < 0);
	}
	close(p[0]);
	*go = p[1];
	while (val(id, 0) != delta)
		usleep(1000);
	return c;
}

static void undo(int id)
{
	setval(id, 0, 0);
	report("child +3 with SEM_UNDO", child_op(id, 0, 3, SEM_UNDO));
	printf("after its exit: %d\n", val(id, 0));
	setval(id, 0, 1);
	report("child -1 with SEM_UNDO", child_op(id, 0, -1, SEM_UNDO));
	printf("after its exit: %d\n", val(id, 0));

	/* clamped at 0: the child's +5 was taken by the parent before its exit */
	setval(id, 0, 0);
	int go;
	pid_t c = child_undo_held(id, 5, &go);
	op(id, 0, -3, 0);
	close(go);
	report("child +5 with SEM_UNDO, parent -3", c);
	printf("after its exit (clamped): %d\n", val(id, 0));

	/* SETVAL forgets adjustments */
	c = child_undo_held(id, 4, &go);
	setval(id, 0, 10);
	close(go);
	report("child +4 with SEM_UNDO, then SETVAL 10", c);
	printf("after its exit: %d\n", val(id, 0));

	setval(id, 0, 0);
	RESULT("+32767 with SEM_UNDO", op(id, 0, 32767, SEM_UNDO));
	RESULT("-32767 with SEM_UNDO", op(id, 0, -32767, SEM_UNDO));
	RESULT("again +32767 with SEM_UNDO", op(id, 0, 32767, SEM_UNDO));
	RESULT("+1 more (value ERANGE)", op(id, 0, 1, SEM_UNDO));
	setval(id, 0, 0);

	g_id = id;
	printf("threads share the undo list:\n");
	child_run(threads_share_undo);
	printf("after the process ended: %d\n", val(id, 0));
	printf("unshare(CLONE_SYSVSEM):\n");
	child_run(unshare_applies_undo);
}

static void info(int id)
{
	struct seminfo si;
	memset(&si, 0, sizeof(si));
	int r = semctl(0, 0, IPC_INFO, (union semun){ .info = &si });
	printf("IPC_INFO: %s semmsl %d semmns %d semopm %d semmni %d semvmx %d semaem %d "
	       "semume %d semusz %d\n", r >= 0 ? "ok" : errname(errno), si.semmsl, si.semmns,
	       si.semopm, si.semmni, si.semvmx, si.semaem, si.semume, si.semusz);
	memset(&si, 0, sizeof(si));
	r = semctl(0, 0, SEM_INFO, (union semun){ .info = &si });
	printf("SEM_INFO: %s, sets in use %s\n", r >= 0 ? "ok" : errname(errno),
	       si.semusz >= 1 ? ">= 1" : "0");
	fact("SEM_INFO returns the highest index", r >= id % 32768);
	RESULT("IPC_INFO with id -1", semctl(-1, 0, IPC_INFO, (union semun){ .info = &si }));
	struct semid_ds d;
	r = semctl(id % 32768, 0, SEM_STAT, (union semun){ .buf = &d });
	fact("SEM_STAT by index returns the id", r == id);
	fact("SEM_STAT_ANY too", semctl(id % 32768, 0, SEM_STAT_ANY, (union semun){ .buf = &d }) == id);

	FILE *f = fopen("/proc/sysvipc/sem", "r");
	char line[256];
	int header = 0, listed = 0;
	while (f && fgets(line, sizeof(line), f)) {
		int key, sid, nsems;
		unsigned mode;
		if (strstr(line, "semid perms      nsems"))
			header = 1;
		else if (sscanf(line, "%d %d %o %d", &key, &sid, &mode, &nsems) == 4 && sid == id)
			listed = nsems == 3 && mode == 0604;
	}
	if (f)
		fclose(f);
	fact("/proc/sysvipc/sem has its header", header);
	fact("/proc/sysvipc/sem lists the set (3 semaphores, 604)", listed);
	f = fopen("/proc/sys/kernel/sem", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("/proc/sys/kernel/sem: %s", line);
	if (f)
		fclose(f);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	creation();
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	printf("semget IPC_PRIVATE 3: %s\n", id >= 0 ? "ok" : errname(errno));
	if (id < 0)
		return 1;
	values(id);
	operations(id);
	waiting(id);
	interrupted();
	undo(id);
	g_id = id;
	struct semid_ds d;
	memset(&d, 0, sizeof(d));
	semctl(id, 0, IPC_STAT, (union semun){ .buf = &d });
	d.sem_perm.mode = 0604;
	RESULT("IPC_SET mode 0604", semctl(id, 0, IPC_SET, (union semun){ .buf = &d }));
	stat_of("after IPC_SET", id);
	d.sem_perm.uid = (uid_t)-1;
	RESULT("IPC_SET uid -1", semctl(id, 0, IPC_SET, (union semun){ .buf = &d }));
	/* x86-64 takes no IPC_64 flag: the libcs pass none, and Linux refuses one */
	RESULT("IPC_STAT | 0x100", syscall(SYS_semctl, id, 0, IPC_STAT | 0x100, &d));
	RESULT("GETVAL | 0x100", syscall(SYS_semctl, id, 0, GETVAL | 0x100, 0));
	child_run(other_user);
	info(id);
	RESULT("IPC_RMID", semctl(id, 0, IPC_RMID));
	RESULT("GETVAL after IPC_RMID", semctl(id, 0, GETVAL));
	return 0;
}
