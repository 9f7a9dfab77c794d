/* msg: System V message queues: msgget by IPC_PRIVATE and by key (IPC_CREAT, IPC_EXCL, ENOENT,
 * EACCES and EPERM for another user), msgsnd and msgrcv with each msgtyp rule, MSG_EXCEPT,
 * MSG_NOERROR and E2BIG, IPC_NOWAIT (EAGAIN, ENOMSG), MSG_COPY; waits ended by another process's
 * send or receive, by IPC_RMID (EIDRM) and by a signal (EINTR even with SA_RESTART; a stop and
 * SIGCONT restart the call); waiting receivers served in order, by type, with E2BIG for a small
 * buffer; msgctl IPC_STAT fields, IPC_SET (mode, qbytes), IPC_INFO, MSG_INFO, MSG_STAT and
 * MSG_STAT_ANY and its errors; /proc/sysvipc/msg and the kernel.msg* sysctls. Nothing printed
 * depends on other queues the machine may have (ids and table indexes are not printed). */
#include "compat.h"
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif

struct mbuf {
	long mtype;
	char mtext[8300];
};

/* The kernel's msgctl, without the C library's checks of cmd. */
static long sys_msgctl(int id, int cmd, void *buf)
{
	return syscall(SYS_msgctl, id, cmd, buf);
}

/* Long enough for a forked child to reach its wait. */
static void settle(void)
{
	usleep(150000);
}

static int snd(int id, long type, const char *text, int flags)
{
	static struct mbuf b;
	b.mtype = type;
	memcpy(b.mtext, text, strlen(text));
	return msgsnd(id, &b, strlen(text), flags);
}

static void rcv(const char *what, int id, size_t size, long type, int flags)
{
	static struct mbuf b;
	memset(&b, 0, sizeof(b));
	ssize_t n = msgrcv(id, &b, size, type, flags);
	if (n < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %zd, type %ld '%.*s'\n", what, n, b.mtype, (int)n, b.mtext);
}

static const char *who(pid_t pid, pid_t child)
{
	return pid == 0 ? "0" : pid == getpid() ? "me" : pid == child ? "the child" : "other";
}

static void stat_of(const char *what, int id, pid_t child)
{
	struct msqid_ds d;
	memset(&d, 0, sizeof(d));
	if (msgctl(id, IPC_STAT, &d) < 0) {
		printf("%s: IPC_STAT %s\n", what, errname(errno));
		return;
	}
	printf("%s: qnum %lu cbytes %lu qbytes %lu mode %04o lspid %s lrpid %s stime %s rtime %s "
	       "owner %s\n", what, (unsigned long)d.msg_qnum, (unsigned long)d.__msg_cbytes,
	       (unsigned long)d.msg_qbytes, (unsigned)d.msg_perm.mode, who(d.msg_lspid, child),
	       who(d.msg_lrpid, child), d.msg_stime ? "set" : "0", d.msg_rtime ? "set" : "0",
	       d.msg_perm.uid == geteuid() && d.msg_perm.cuid == geteuid() ? "me" : "other");
}

static void set_qbytes(int id, unsigned long qbytes)
{
	struct msqid_ds d;
	msgctl(id, IPC_STAT, &d);
	d.msg_qbytes = qbytes;
	if (msgctl(id, IPC_SET, &d) < 0)
		printf("  IPC_SET qbytes %lu: %s\n", qbytes, errname(errno));
}

/* A child that waits in msgrcv and exits with the first letter it got, or the errno. */
static pid_t receiver(int id, size_t size, long type, int flags)
{
	pid_t c = fork();
	if (c == 0) {
		struct mbuf b;
		ssize_t n = msgrcv(id, &b, size, type, flags);
		_exit(n < 0 ? errno : n == 0 ? '-' : b.mtext[0]);
	}
	return c;
}

/* Starts an older receiver (size, type) and a younger one of anything, both left waiting. */
static void two_receivers(int id, size_t size, long type, pid_t *older, pid_t *younger)
{
	*older = receiver(id, size, type, 0);
	settle();
	*younger = receiver(id, 100, 0, 0);
	settle();
}

/* A child that sends (waiting for room) and exits with 0 or the errno. */
static pid_t sender(int id, long type, const char *text)
{
	pid_t c = fork();
	if (c == 0)
		_exit(snd(id, type, text, 0) < 0 ? errno : 0);
	return c;
}

static void reap(const char *what, pid_t c)
{
	int st;
	waitpid(c, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (code >= 'A')
		printf("%s: got '%c'\n", what, code);
	else if (code == '-')
		printf("%s: got an empty message\n", what);
	else
		printf("%s: %s\n", what, code < 0 ? "killed" : errname(code));
}

static pid_t main_pid;

static key_t key_of(int n)
{
	return 0x4d534700 + n * 0x100 + (main_pid & 0xff);
}

/* As another user and group (no capabilities left) with a 0640 queue of root's. */
static void other_user(int kid)
{
	if (setgid(65534) || setuid(65534))
		_exit(3);
	struct mbuf b = { 1, "x" };
	struct msqid_ds d;
	RESULT("  msgget of the 0640 key asking 0600", msgget(key_of(0), 0600));
	RESULT("  msgget of it asking 0004", msgget(key_of(0), 0004));
	fact("  msgget of it asking nothing: the id", msgget(key_of(0), 0) == kid);
	RESULT("  msgsnd", msgsnd(kid, &b, 1, IPC_NOWAIT));
	RESULT("  msgrcv", msgrcv(kid, &b, 10, 0, IPC_NOWAIT));
	RESULT("  IPC_STAT", msgctl(kid, IPC_STAT, &d));
	RESULT("  MSG_STAT of its index", msgctl(kid % 32768, MSG_STAT, &d));
	fact("  MSG_STAT_ANY of its index: the id", msgctl(kid % 32768, MSG_STAT_ANY, &d) == kid);
	msgctl(kid, IPC_STAT, &d);
	RESULT("  IPC_SET", msgctl(kid, IPC_SET, &d));
	RESULT("  IPC_RMID", msgctl(kid, IPC_RMID, NULL));
	/* its own queue: the owner may lower msg_qbytes, not raise it past MSGMNB */
	int q = msgget(IPC_PRIVATE, 0600);
	set_qbytes(q, 100);
	set_qbytes(q, 16385);
	stat_of("  its own queue", q, 0);
	set_qbytes(q, 16384);
	stat_of("  its own queue", q, 0);
	msgctl(q, IPC_RMID, NULL);
}

static void rules(int id)
{
	snd(id, 5, "five", 0);
	snd(id, 3, "three", 0);
	snd(id, 7, "seven", 0);
	snd(id, 3, "three again", 0);
	snd(id, 1, "one", 0);
	snd(id, 9, "nine", 0);
	stat_of("six messages", id, 0);
	rcv("msgtyp 3", id, 100, 3, 0);
	rcv("msgtyp -4", id, 100, -4, 0);
	rcv("msgtyp -4 again", id, 100, -4, 0);
	rcv("msgtyp 5 with MSG_EXCEPT", id, 100, 5, MSG_EXCEPT);
	rcv("msgtyp 0", id, 100, 0, 0);
	rcv("msgtyp 2, IPC_NOWAIT", id, 100, 2, IPC_NOWAIT);
	rcv("msgtyp -8, IPC_NOWAIT", id, 100, -8, IPC_NOWAIT);
	rcv("msgtyp LONG_MIN", id, 100, LONG_MIN, 0);
	rcv("empty, IPC_NOWAIT", id, 100, 0, IPC_NOWAIT);
	snd(id, 6, "six", 0);
	snd(id, 2, "two", 0);
	rcv("msgtyp -7 with MSG_EXCEPT (lowest type still)", id, 100, -7, MSG_EXCEPT);
	rcv("msgtyp 6 with MSG_EXCEPT, IPC_NOWAIT", id, 100, 6, MSG_EXCEPT | IPC_NOWAIT);
	rcv("msgtyp 0", id, 100, 0, 0);
	snd(id, 2, "0123456789", 0);
	rcv("10 bytes into 4", id, 4, 0, 0);
	stat_of("after E2BIG", id, 0);
	rcv("10 bytes into 4 with MSG_NOERROR", id, 4, 0, MSG_NOERROR);
	stat_of("after MSG_NOERROR", id, 0);
	RESULT("msgsnd of 0 bytes", snd(id, 4, "", 0));
	rcv("0 bytes", id, 0, 0, 0);
	static char big[8193];
	memset(big, 'b', 8192);
	RESULT("msgsnd of 8192 bytes", snd(id, 1, big, 0));
	static struct mbuf b;
	printf("msgrcv of 8192 bytes: %zd\n", msgrcv(id, &b, 8192, 0, 0));
}

static void errors(int id)
{
	struct mbuf b = { 0, "x" };
	RESULT("msgsnd mtype 0", msgsnd(id, &b, 1, 0));
	b.mtype = -1;
	RESULT("msgsnd mtype -1", msgsnd(id, &b, 1, 0));
	b.mtype = 1;
	RESULT("msgsnd msgsz 8193", msgsnd(id, &b, 8193, 0));
	RESULT("msgsnd msgsz -1", msgsnd(id, &b, (size_t)-1, 0));
	RESULT("msgsnd to id -1", msgsnd(-1, &b, 1, 0));
	RESULT("msgsnd from a bad pointer", msgsnd(id, (void *)8, 1, 0));
	RESULT("msgsnd from a bad pointer to id -1", msgsnd(-1, (void *)8, 1, 0));
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + 4096, 4096);
	struct mbuf *edge = (struct mbuf *)(p + 4096 - sizeof(long));
	edge->mtype = 1;
	RESULT("msgsnd of text past the mapping", msgsnd(id, edge, 1, 0));
	RESULT("msgsnd of no text at the end of the mapping", msgsnd(id, edge, 0, IPC_NOWAIT));
	rcv("it", id, 100, 0, IPC_NOWAIT);
	RESULT("msgrcv msgsz -1", msgrcv(id, &b, (size_t)-1, 0, IPC_NOWAIT));
	RESULT("msgrcv from id -1", msgrcv(-1, &b, 10, 0, IPC_NOWAIT));
	snd(id, 1, "lost", 0);
	RESULT("msgrcv into a bad pointer", msgrcv(id, (void *)8, 10, 0, 0));
	stat_of("the message is gone", id, 0);
	munmap(p, 4096);
}

static void full(int id)
{
	set_qbytes(id, 10);
	RESULT("8 bytes into qbytes 10", snd(id, 1, "12345678", IPC_NOWAIT));
	RESULT("3 more, IPC_NOWAIT", snd(id, 1, "abc", IPC_NOWAIT));
	RESULT("2 more", snd(id, 1, "ab", IPC_NOWAIT));
	stat_of("full", id, 0);
	rcv("take one", id, 100, 0, 0);
	rcv("take one", id, 100, 0, 0);
	set_qbytes(id, 2);
	RESULT("an empty message into qbytes 2", snd(id, 1, "", IPC_NOWAIT));
	RESULT("a second", snd(id, 1, "", IPC_NOWAIT));
	RESULT("a third, IPC_NOWAIT (one message a byte)", snd(id, 1, "", IPC_NOWAIT));
	rcv("take one", id, 0, 0, 0);
	rcv("take one", id, 0, 0, 0);
	set_qbytes(id, 16384);
}

static void waits(int id)
{
	pid_t c = fork();
	if (c == 0) {
		settle();
		_exit(snd(id, 8, "from the child", 0) < 0 ? 1 : 0);
	}
	rcv("a wait ended by another process's send", id, 100, 0, 0);
	waitpid(c, NULL, 0);
	stat_of("after it", id, c);

	set_qbytes(id, 10);
	snd(id, 1, "1234567890", 0);
	c = sender(id, 2, "after");
	settle();
	stat_of("a sender waits", id, c);
	rcv("the receive that makes room", id, 100, 0, 0);
	reap("the waiting sender", c);
	stat_of("its message came", id, c);
	rcv("it", id, 100, 0, 0);
	set_qbytes(id, 16384);

	/* Waiting receivers are served oldest first, each with a message of its type. */
	pid_t a, b;
	two_receivers(id, 100, 0, &a, &b);
	snd(id, 1, "first", 0);
	snd(id, 1, "second", 0);
	/* handed over by the sends themselves, before the receivers run again */
	stat_of("  sent to two waiting receivers", id, b);
	reap("  the older of two waiting receivers", a);
	reap("  the younger", b);
	two_receivers(id, 100, 2, &a, &b);
	snd(id, 1, "xone", 0);
	snd(id, 2, "ytwo", 0);
	reap("  a receiver of type 2 (older)", a);
	reap("  a receiver of any type (younger)", b);
	two_receivers(id, 2, 0, &a, &b);
	snd(id, 1, "long", 0);
	reap("  a receiver with 2 bytes of room (older)", a);
	reap("  a receiver with 100 (younger)", b);
	stat_of("all taken", id, b);
}

static void removal(void)
{
	int q = msgget(IPC_PRIVATE, 0600);
	set_qbytes(q, 1);
	snd(q, 1, "x", 0);
	pid_t r = receiver(q, 100, 2, 0);
	pid_t s = sender(q, 1, "y");
	settle();
	RESULT("IPC_RMID with a receiver and a sender waiting", msgctl(q, IPC_RMID, NULL));
	reap("  the receiver", r);
	reap("  the sender", s);
	RESULT("msgsnd to the removed id", snd(q, 1, "z", IPC_NOWAIT));
	RESULT("IPC_STAT of it", sys_msgctl(q, IPC_STAT, &(struct msqid_ds){ 0 }));
}

static int handled;
static void on_alarm(int sig)
{
	handled++;
}

static void interrupted(int id)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	rcv("msgrcv interrupted by an SA_RESTART handler", id, 100, 0, 0);
	set_qbytes(id, 1);
	snd(id, 1, "x", 0);
	setitimer(ITIMER_REAL, &it, NULL);
	RESULT("msgsnd interrupted by an SA_RESTART handler", snd(id, 1, "y", 0));
	printf("handler ran: %d times\n", handled);
	rcv("take it", id, 100, 0, 0);
	set_qbytes(id, 16384);

	/* A stop and SIGCONT run no handler: the wait goes on. */
	pid_t c = receiver(id, 100, 0, 0);
	settle();
	kill(c, SIGSTOP);
	int st;
	waitpid(c, &st, WUNTRACED);
	fact("the waiting receiver stopped", WIFSTOPPED(st));
	kill(c, SIGCONT);
	settle();
	snd(id, 1, "resumed", 0);
	reap("  after SIGCONT it", c);
}

static void copies(void)
{
	int q = msgget(IPC_PRIVATE, 0600);
	snd(q, 1, "first", 0);
	snd(q, 2, "second", 0);
	snd(q, 3, "third", 0);
	rcv("MSG_COPY of index 1", q, 100, 1, MSG_COPY | IPC_NOWAIT);
	rcv("MSG_COPY of index 0", q, 100, 0, MSG_COPY | IPC_NOWAIT);
	stat_of("copied", q, 0);
	rcv("MSG_COPY of index 3", q, 100, 3, MSG_COPY | IPC_NOWAIT);
	rcv("MSG_COPY of index -1", q, 100, -1, MSG_COPY | IPC_NOWAIT);
	rcv("MSG_COPY without IPC_NOWAIT", q, 100, 0, MSG_COPY);
	rcv("MSG_COPY with MSG_EXCEPT", q, 100, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT);
	rcv("MSG_COPY into 3 bytes", q, 3, 0, MSG_COPY | IPC_NOWAIT);
	rcv("MSG_COPY into 3 bytes with MSG_NOERROR", q, 3, 0, MSG_COPY | MSG_NOERROR | IPC_NOWAIT);
	RESULT("MSG_COPY into a bad pointer", msgrcv(q, (void *)8, 100, 0, MSG_COPY | IPC_NOWAIT));
	rcv("MSG_COPY of id -1", -1, 100, 0, MSG_COPY | IPC_NOWAIT);
	stat_of("still", q, 0);
	msgctl(q, IPC_RMID, NULL);
}

static void control(int id)
{
	struct msqid_ds d;
	RESULT("msgctl command 99", sys_msgctl(id, 99, &d));
	RESULT("msgctl IPC_STAT | IPC_64", sys_msgctl(id, IPC_STAT | 0x100, &d));
	RESULT("msgctl command -1", sys_msgctl(id, -1, &d));
	RESULT("msgctl IPC_STAT of id -1", sys_msgctl(-1, IPC_STAT, &d));
	RESULT("msgctl IPC_STAT of an unused id", sys_msgctl(id + 1, IPC_STAT, &d));
	RESULT("msgctl IPC_STAT into a bad pointer", sys_msgctl(id, IPC_STAT, (void *)8));
	RESULT("msgctl IPC_SET from a bad pointer", sys_msgctl(id, IPC_SET, (void *)8));
	RESULT("msgctl IPC_INFO into NULL", sys_msgctl(0, IPC_INFO, NULL));
	RESULT("msgctl IPC_INFO with id -1", sys_msgctl(-1, IPC_INFO, &d));
	msgctl(id, IPC_STAT, &d);
	d.msg_perm.uid = (uid_t)-1;
	RESULT("IPC_SET uid -1", msgctl(id, IPC_SET, &d));
	msgctl(id, IPC_STAT, &d);
	d.msg_perm.mode = 0604;
	RESULT("IPC_SET mode 0604", msgctl(id, IPC_SET, &d));
	stat_of("after IPC_SET", id, 0);
	fact("MSG_STAT of its index: the id", msgctl(id % 32768, MSG_STAT, &d) == id);
	fact("MSG_STAT of its index + 32768: the id", sys_msgctl(id % 32768 + 32768, MSG_STAT, &d) == id);

	struct msginfo i;
	long hi = sys_msgctl(0, IPC_INFO, &i);
	printf("IPC_INFO: %s, msgpool %d msgmap %d msgmax %d msgmnb %d msgmni %d msgssz %d msgtql %d "
	       "msgseg %u\n", hi >= 0 ? "ok" : errname(errno), i.msgpool, i.msgmap, i.msgmax,
	       i.msgmnb, i.msgmni, i.msgssz, i.msgtql, (unsigned)i.msgseg);
	struct msginfo before, after;
	sys_msgctl(0, MSG_INFO, &before);
	int q = msgget(IPC_PRIVATE, 0600);
	snd(q, 1, "abc", 0);
	snd(q, 1, "def", 0);
	hi = sys_msgctl(0, MSG_INFO, &after);
	printf("MSG_INFO: returns an index %s, queues +%d, messages +%d, bytes +%d, msgmax %d\n",
	       hi >= q % 32768 ? "yes" : "no", after.msgpool - before.msgpool,
	       after.msgmap - before.msgmap, after.msgtql - before.msgtql, after.msgmax);
	msgctl(q, IPC_RMID, NULL);
}

static void proc_files(int id)
{
	snd(id, 1, "listed", 0);
	FILE *f = fopen("/proc/sysvipc/msg", "r");
	char line[512];
	int found = 0;
	if (f && fgets(line, sizeof(line), f))
		printf("/proc/sysvipc/msg: %s", line);
	while (f && fgets(line, sizeof(line), f)) {
		int key, qid, perms, lspid, lrpid;
		unsigned long cbytes, qnum;
		if (sscanf(line, "%d %d %o %lu %lu %d %d", &key, &qid, &perms, &cbytes, &qnum, &lspid,
			   &lrpid) == 7 && qid == id) {
			printf("/proc/sysvipc/msg: key %s perms %o cbytes %lu qnum %lu lspid %s\n",
			       key == key_of(1) ? "ours" : "other", perms, cbytes, qnum, who(lspid, 0));
			found = 1;
		}
	}
	if (f)
		fclose(f);
	if (!found)
		printf("/proc/sysvipc/msg: not listed\n");
	static const char *const names[] = { "msgmax", "msgmnb", "msgmni" };
	for (int n = 0; n < 3; n++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/sys/kernel/%s", names[n]);
		f = fopen(path, "r");
		if (f && fgets(line, sizeof(line), f))
			printf("%s: %s", path, line);
		if (f)
			fclose(f);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	main_pid = getpid();
	int id = msgget(IPC_PRIVATE, 0600);
	printf("msgget IPC_PRIVATE: %s\n", id >= 0 ? "ok" : errname(errno));
	if (id < 0)
		return 1;
	stat_of("new", id, 0);
	int other = msgget(IPC_PRIVATE, 0600);
	fact("a second IPC_PRIVATE is another queue", other >= 0 && other != id);
	msgctl(other, IPC_RMID, NULL);

	key_t k = key_of(0);
	msgctl(msgget(k, 0), IPC_RMID, NULL);   /* leftovers of an earlier run */
	msgctl(msgget(key_of(1), 0), IPC_RMID, NULL);
	RESULT("msgget of an absent key", msgget(k, 0600));
	int kid = msgget(k, IPC_CREAT | 0640);
	printf("msgget IPC_CREAT: %s\n", kid >= 0 ? "ok" : errname(errno));
	RESULT("IPC_CREAT|IPC_EXCL again", msgget(k, IPC_CREAT | IPC_EXCL | 0600));
	fact("msgget again: the same id", msgget(k, 0) == kid);
	fact("IPC_CREAT again: the same id", msgget(k, IPC_CREAT | 0600) == kid);
	stat_of("keyed", kid, 0);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		other_user(kid);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	RESULT("IPC_RMID of the key's queue", msgctl(kid, IPC_RMID, NULL));
	RESULT("msgget of the key after it", msgget(k, 0600));

	rules(id);
	errors(id);
	full(id);
	waits(id);
	removal();
	interrupted(id);
	copies();
	control(id);
	int pid = msgget(key_of(1), IPC_CREAT | 0640);
	proc_files(pid);
	msgctl(pid, IPC_RMID, NULL);
	msgctl(id, IPC_RMID, NULL);
	return 0;
}
