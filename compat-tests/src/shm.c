/* shm: System V shared memory: shmget by IPC_PRIVATE and by key (IPC_CREAT, IPC_EXCL, sizes),
 * shmat (anywhere, at an address, SHM_RND, SHM_REMAP, SHM_RDONLY), shared across fork, shmdt,
 * shmctl IPC_STAT (nattch, pids, mode), IPC_SET, IPC_RMID (attachable until the last detach),
 * IPC_INFO, permissions for another user, /proc/sysvipc/shm. Nothing printed depends on other
 * segments the machine may have (ids and table indexes are not printed). */
#include "compat.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void stat_of(const char *what, int id)
{
	struct shmid_ds d;
	memset(&d, 0, sizeof(d));
	if (shmctl(id, IPC_STAT, &d) < 0) {
		printf("%s: IPC_STAT %s\n", what, errname(errno));
		return;
	}
	printf("%s: size %zu mode %04o key %s nattch %lu cpid %s lpid %s owner %s atime %s\n", what,
	       (size_t)d.shm_segsz, (unsigned)d.shm_perm.mode, d.shm_perm.__key ? "set" : "0",
	       (unsigned long)d.shm_nattch, d.shm_cpid == getpid() ? "me" : "other",
	       d.shm_lpid == 0 ? "0" : d.shm_lpid == getpid() ? "me" : "other",
	       d.shm_perm.uid == geteuid() && d.shm_perm.cuid == geteuid() ? "me" : "other",
	       d.shm_atime ? "set" : "0");
}

/* Runs fn in a child and prints how it ended. */
static void in_child(const char *what, void (*fn)(int), int arg)
{
	pid_t c = fork();
	if (c == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

static void write_readonly(int id)
{
	char *p = shmat(id, NULL, SHM_RDONLY);
	printf("  read-only attach: %s, reads '%c'\n", p == (void *)-1 ? errname(errno) : "ok", p[0]);
	p[0] = 'z';
}

static void other_user(int id)
{
	if (setuid(65534))
		_exit(3);
	printf("  as another user: shmat %s\n", shmat(id, NULL, 0) == (void *)-1 ? errname(errno) : "ok");
	struct shmid_ds d;
	RESULT("  IPC_STAT", shmctl(id, IPC_STAT, &d));
	RESULT("  IPC_RMID", shmctl(id, IPC_RMID, NULL));
	RESULT("  shmget of the key with 0600", shmget(0x554e4b00 + (getppid() & 0xff), 0, 0600));
}

static void child_writes(int id)
{
	char *p = shmat(id, NULL, 0);
	p[1] = 'c';
	stat_of("  in the child", id);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	printf("shmget IPC_PRIVATE: %s\n", id >= 0 ? "ok" : errname(errno));
	stat_of("new", id);
	char *p = shmat(id, NULL, 0);
	printf("shmat: %s, page-aligned %s, zeroed %s\n", p == (void *)-1 ? errname(errno) : "ok",
	       ((unsigned long)p & 4095) ? "no" : "yes", p[0] == 0 && p[9999] == 0 ? "yes" : "no");
	strcpy(p, "hello");
	stat_of("attached", id);
	char *q = shmat(id, NULL, 0);
	printf("second shmat: another address %s, sees '%s'\n", q != p ? "yes" : "no", q);
	stat_of("twice", id);
	in_child("child attaching and writing", child_writes, id);
	printf("the parent sees '%s'\n", p);
	stat_of("after the child", id);
	in_child("writing through a read-only attach", write_readonly, id);

	RESULT("shmdt the second", shmdt(q));
	RESULT("shmdt it again", shmdt(q));
	RESULT("shmdt unaligned", shmdt(p + 1));
	stat_of("detached once", id);

	/* at an address */
	char *r = mmap(NULL, 3 * 16384, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *at = r + 16384;
	munmap(at, 16384);
	void *a = shmat(id, at, 0);
	printf("shmat at a free address: %s\n", a == at ? "there" : a == (void *)-1 ? errname(errno) : "elsewhere");
	shmdt(at);
	RESULT("shmat unaligned", (long)shmat(id, at + 100, 0));
	a = shmat(id, at + 100, SHM_RND);
	printf("shmat unaligned with SHM_RND: %s\n", a == at ? "rounded down" : a == (void *)-1 ? errname(errno) : "elsewhere");
	shmdt(at);
	RESULT("shmat over a mapping", (long)shmat(id, r, 0));
	a = shmat(id, r, SHM_REMAP);
	printf("shmat over a mapping with SHM_REMAP: %s, sees '%s'\n", a == r ? "there" : errname(errno), a == r ? (char *)a : "");
	shmdt(r);
	RESULT("SHM_REMAP without an address", (long)shmat(id, NULL, SHM_REMAP));

	/* by key */
	key_t k = 0x554e4b00 + (getpid() & 0xff);
	shmctl(shmget(k, 0, 0), IPC_RMID, NULL);        /* a leftover of an earlier run */
	RESULT("shmget of an absent key", shmget(k, 4096, 0600));
	int kid = shmget(k, 4096, IPC_CREAT | 0600);
	printf("shmget IPC_CREAT: %s\n", kid >= 0 ? "ok" : errname(errno));
	RESULT("IPC_CREAT|IPC_EXCL again", shmget(k, 4096, IPC_CREAT | IPC_EXCL | 0600));
	printf("shmget again: the same id %s\n", shmget(k, 100, 0) == kid ? "yes" : "no");
	RESULT("shmget larger than the segment", shmget(k, 8192, 0));
	RESULT("shmget size 0 new", shmget(IPC_PRIVATE, 0, 0600));
	stat_of("keyed", kid);
	in_child("another user", other_user, kid);

	struct shmid_ds d;
	shmctl(kid, IPC_STAT, &d);
	d.shm_perm.mode = 0640;
	RESULT("IPC_SET mode 0640", shmctl(kid, IPC_SET, &d));
	stat_of("after IPC_SET", kid);
	d.shm_perm.gid = (gid_t)-1;
	RESULT("IPC_SET gid -1", shmctl(kid, IPC_SET, &d));
	/* x86-64 takes no IPC_64 flag: the libcs pass none, and Linux refuses one */
	RESULT("IPC_STAT | 0x100", syscall(SYS_shmctl, kid, IPC_STAT | 0x100, &d));
	RESULT("IPC_RMID unattached", shmctl(kid, IPC_RMID, NULL));
	RESULT("IPC_STAT after it", shmctl(kid, IPC_STAT, &d));
	RESULT("shmget of its key", shmget(k, 4096, 0600));

	/* removal while attached */
	RESULT("IPC_RMID attached", shmctl(id, IPC_RMID, NULL));
	stat_of("marked", id);
	q = shmat(id, NULL, 0);
	printf("shmat after IPC_RMID: %s, sees '%s'\n", q == (void *)-1 ? errname(errno) : "ok", q == (void *)-1 ? "" : q);
	stat_of("marked, twice", id);
	shmdt(q);
	shmdt(p);
	RESULT("IPC_STAT after the last detach", shmctl(id, IPC_STAT, &d));
	RESULT("shmat after the last detach", (long)shmat(id, NULL, 0));

	struct shminfo info;
	printf("IPC_INFO: %s, shmmni %lu shmmin %lu\n", shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0 ? "ok" : errname(errno),
	       (unsigned long)info.shmmni, (unsigned long)info.shmmin);
	RESULT("shmctl bad command", shmctl(id, 99, &d));
	RESULT("shmctl bad id", shmctl(-1, IPC_STAT, &d));

	/* /proc/sysvipc/shm lists a segment with its size, mode and attachments */
	int pid2 = shmget(IPC_PRIVATE, 12345, 0640);
	void *x = shmat(pid2, NULL, 0);
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f)) {
		int key, sid, perms, cpid, lpid;
		unsigned long size, nattch;
		if (sscanf(line, "%d %d %o %lu %d %d %lu", &key, &sid, &perms, &size, &cpid, &lpid, &nattch) == 7 && sid == pid2) {
			printf("/proc/sysvipc/shm: key %d perms %o size %lu nattch %lu cpid %s\n", key, perms, size, nattch,
			       cpid == getpid() ? "me" : "other");
			found = 1;
		}
	}
	if (!found)
		printf("/proc/sysvipc/shm: not listed\n");
	shmdt(x);
	shmctl(pid2, IPC_RMID, NULL);
	return 0;
}
