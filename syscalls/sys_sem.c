/* System V semaphores: semget, semop, semtimedop, semctl and /proc/sysvipc/sem, as Linux's
   ipc/sem.c. An operation array applies all or nothing (each operation in turn, undone on the
   first that cannot go on); one that must wait joins its set's queue of pending operations,
   and whoever changes the set runs that queue in order of arrival, performing for each waiter
   what can now be done, waking it with the result (0, ERANGE; EIDRM when the set is removed),
   and starting over whenever one of them changed a value. SEM_UNDO adjustments live in undo
   lists: one per task, shared by those made with CLONE_SYSVSEM (threads); when the last task
   sharing one ends (or leaves it with unshare(CLONE_SYSVSEM)), the adjustments are applied,
   each value held to 0..SEMVMX as Linux does. System V calls are never restarted after a
   signal handler (signal(7)): a wait a signal ends gives EINTR. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "vfs/procfs.h"
#include "syscalls/sysv_ipc.h"
#include "build/gen/syscall_decls.h"

#define SEMMNI 32000                    /* Linux's defaults (include/uapi/linux/sem.h) */
#define SEMMSL 32000
#define SEMMNS (SEMMNI * SEMMSL)
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX
#define SEMUME SEMOPM
#define SEMMNU SEMMNS
#define SEMMAP SEMMNS
#define SEMUSZ 20
#define SEM_UNDO 0x1000
#define CLONE_SYSVSEM 0x40000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20

struct sembuf_k {
	uint16_t sem_num;
	int16_t sem_op, sem_flg;
};

struct sem {
	int32_t val;
	int32_t pid;                    /* of the last operation */
	int64_t otime;                  /* of the last operation on it (seconds) */
};

struct sem_undo;
struct sem_undo_list;

/* A waiting semop, on its caller's core stack. */
struct sem_queue {
	struct sem_queue *next;
	const struct sembuf_k *sops;
	int nsops;
	bool alter;                     /* changes a value (some sem_op != 0) */
	int pid;
	struct sem_undo *un;
	int blocking;                   /* the operation it waits on: GETNCNT and GETZCNT count it */
	int status;                     /* SEM_WAITING, else the result the waker left */
};
#define SEM_WAITING 1

struct sem_set {
	struct ipc_obj perm;
	int nsems;
	int64_t ctime;
	struct sem *sems;
	struct sem_queue *pending;      /* in order of arrival */
	struct sem_undo *undos;         /* every undo entry for the set (through next_id) */
};

/* A task's adjustments for one set. */
struct sem_undo {
	struct sem_undo_list *ul;       /* the undo list it is on */
	struct sem_undo *next_proc;     /* in that list */
	struct sem_undo *next_id;       /* in its set's list */
	int semid;
	int nsems;
	int16_t *adj;
};

struct sem_undo_list {
	int refs;                       /* tasks sharing it */
	struct sem_undo *head;
};

/* Linux's struct semid64_ds and struct seminfo on x86-64. */
struct semid64_ds_k {
	struct ipc64_perm_k perm;
	int64_t otime;
	uint64_t unused1;
	int64_t ctime;
	uint64_t unused2, nsems, unused3, unused4;
};
_Static_assert(sizeof(struct semid64_ds_k) == 104, "semid64_ds size");
struct seminfo_k {
	int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static struct ipc_table sem_ids = { .mni = SEMMNI };
static uint64_t sems_used;              /* semaphores in every set (SEM_INFO) */

static struct sem_set *sem_at(int idx)
{
	return (struct sem_set *)ipc_at(&sem_ids, idx);
}

static struct sem_set *sem_lookup(int semid, int *idx)
{
	return (struct sem_set *)ipc_lookup(&sem_ids, semid, idx);
}

static int64_t sem_create(int32_t key, int flags, uint64_t nsems)
{
	if ((int)nsems <= 0 || (int)nsems > SEMMSL)
		return -EINVAL;
	if (sems_used + nsems > SEMMNS)
		return -ENOSPC;
	struct sem_set *s = kmalloc(sizeof(*s));
	struct sem *sems = s ? ipc_alloc(nsems * sizeof(struct sem)) : NULL;
	if (!sems) {
		if (s)
			kfree(s, sizeof(*s));
		return -ENOMEM;
	}
	s->nsems = (int)nsems;
	s->sems = sems;
	s->ctime = ipc_now();
	int id = ipc_add(&sem_ids, &s->perm, key, flags);
	if (id < 0) {
		ipc_free(sems, nsems * sizeof(struct sem));
		kfree(s, sizeof(*s));
		return id;
	}
	sems_used += nsems;
	return id;
}

/* semget of an existing key: more semaphores than the set has is EINVAL. */
static int sem_check(const struct ipc_obj *o, uint64_t nsems)
{
	return (int)nsems > ((const struct sem_set *)o)->nsems ? -EINVAL : 0;
}

int64_t sys_semget(uint64_t key, uint64_t nsems, uint64_t flags, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	if ((int)nsems < 0 || (int)nsems > SEMMSL)
		return -EINVAL;
	return ipc_get(&sem_ids, (int32_t)key, (int)flags, (uint64_t)(int)nsems, sem_create,
		       sem_check);
}

/* Linux's perform_atomic_semop: every operation in turn, or none. 0 when done, 1 when one must
   wait (q->blocking names it), -EAGAIN when that one has IPC_NOWAIT, -ERANGE when a value or an
   adjustment would leave its range. */
static int sem_try(struct sem_set *s, struct sem_queue *q)
{
	int i, result = 0;
	for (i = 0; i < q->nsops; i++) {
		const struct sembuf_k *op = &q->sops[i];
		struct sem *sem = &s->sems[op->sem_num];
		int v = sem->val + op->sem_op;
		if ((!op->sem_op && sem->val) || v < 0) {
			q->blocking = i;
			result = (op->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
			break;
		}
		if (v > SEMVMX) {
			result = -ERANGE;
			break;
		}
		if (op->sem_flg & SEM_UNDO) {
			int adj = q->un->adj[op->sem_num] - op->sem_op;
			if (adj < -SEMAEM - 1 || adj > SEMAEM) {
				result = -ERANGE;
				break;
			}
			q->un->adj[op->sem_num] = (int16_t)adj;
		}
		sem->val = v;
	}
	if (i == q->nsops) {
		for (i = 0; i < q->nsops; i++)
			s->sems[q->sops[i].sem_num].pid = q->pid;
		return 0;
	}
	while (--i >= 0) {              /* undo what was done */
		const struct sembuf_k *op = &q->sops[i];
		s->sems[op->sem_num].val -= op->sem_op;
		if (op->sem_flg & SEM_UNDO)
			q->un->adj[op->sem_num] = (int16_t)(q->un->adj[op->sem_num] + op->sem_op);
	}
	return result;
}

/* The operations of a semop that succeeded: the time of its first semaphore (Linux's
   set_semotime). */
static void sem_set_otime(struct sem_set *s, const struct sembuf_k *sops)
{
	s->sems[sops ? sops[0].sem_num : 0].otime = ipc_now();
}

/* Values changed: the waiters' operations that can go on now are done, in order of arrival;
   after one that changed values, from the first waiter again. */
static void sem_update(struct sem_set *s)
{
	bool again = true;
	while (again) {
		again = false;
		for (struct sem_queue **pp = &s->pending; *pp;) {
			struct sem_queue *q = *pp;
			int r = sem_try(s, q);
			if (r == 1) {
				pp = &q->next;
				continue;
			}
			*pp = q->next;
			if (!r) {
				sem_set_otime(s, q->sops);
				again = q->alter;
			}
			q->status = r;
			sched_wake(q, NULL, 1, ~0u);
			if (again)
				break;
		}
	}
}

static void sem_undo_free(struct sem_undo *un)
{
	ipc_free(un->adj, (size_t)un->nsems * sizeof(int16_t));
	kfree(un, sizeof(*un));
}

/* IPC_RMID: waiters get EIDRM, undo entries for the set go, then the set. */
static void sem_remove(int idx)
{
	struct sem_set *s = sem_at(idx);
	for (struct sem_queue *q = s->pending; q; q = q->next) {
		q->status = -EIDRM;
		sched_wake(q, NULL, 1, ~0u);
	}
	while (s->undos) {
		struct sem_undo *un = s->undos;
		s->undos = un->next_id;
		struct sem_undo **pp = &un->ul->head;
		while (*pp != un)
			pp = &(*pp)->next_proc;
		*pp = un->next_proc;
		sem_undo_free(un);
	}
	ipc_del(&sem_ids, idx);
	sems_used -= (uint64_t)s->nsems;
	ipc_free(s->sems, (size_t)s->nsems * sizeof(struct sem));
	kfree(s, sizeof(*s));
}

/* The caller's undo entry for the set semid, made if it has none (Linux's find_alloc_undo). */
static int sem_undo_find(int semid, struct sem_undo **out)
{
	struct sem_undo_list *ul = current_task->sysvsem;
	for (struct sem_undo *un = ul ? ul->head : NULL; un; un = un->next_proc)
		if (un->semid == semid) {
			*out = un;
			return 0;
		}
	int idx;
	struct sem_set *s = sem_lookup(semid, &idx);
	if (!s)
		return -EINVAL;
	if (!ul) {
		if (!(ul = kmalloc(sizeof(*ul))))
			return -ENOMEM;
		ul->refs = 1;
		current_task->sysvsem = ul;
	}
	struct sem_undo *un = kmalloc(sizeof(*un));
	int16_t *adj = un ? ipc_alloc((size_t)s->nsems * sizeof(int16_t)) : NULL;
	if (!adj) {
		if (un)
			kfree(un, sizeof(*un));
		return -ENOMEM;
	}
	un->ul = ul;
	un->semid = semid;
	un->nsems = s->nsems;
	un->adj = adj;
	un->next_proc = ul->head;
	ul->head = un;
	un->next_id = s->undos;
	s->undos = un;
	*out = un;
	return 0;
}

struct timespec_k {
	int64_t sec, nsec;
};

int64_t sys_semtimedop(uint64_t semid, uint64_t usops, uint64_t nsops, uint64_t utimeout,
		       uint64_t a4, uint64_t a5)
{
	int id = (int)semid, n = (int)nsops;
	if (n < 1 || id < 0)
		return -EINVAL;
	if (n > SEMOPM)
		return -E2BIG;
	struct sembuf_k *sops = kmalloc((size_t)n * sizeof(*sops));
	if (!sops)
		return -ENOMEM;
	int64_t err = -EFAULT, deadline = -1;
	struct timespec_k ts;
	if (copy_from_user(sops, usops, (size_t)n * sizeof(*sops)))
		goto out;
	if (utimeout) {
		if (copy_from_user(&ts, utimeout, sizeof(ts)))
			goto out;
		err = -EINVAL;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			goto out;
		deadline = (int64_t)time_monotonic_ns() +
			   (ts.sec > 1000000000ll ? 1000000000ll * 1000000000ll :
			    ts.sec * 1000000000ll + ts.nsec);
	}
	struct sem_queue q = { .sops = sops, .nsops = n, .pid = current->pid,
			       .status = SEM_WAITING };
	int max = 0;
	bool undos = false;
	for (int i = 0; i < n; i++) {
		max = MAX(max, sops[i].sem_num);
		undos |= (sops[i].sem_flg & SEM_UNDO) != 0;
		q.alter |= sops[i].sem_op != 0;
	}
	if (undos && (err = sem_undo_find(id, &q.un)))
		goto out;
	int idx;
	struct sem_set *s = sem_lookup(id, &idx);
	err = -EINVAL;
	if (!s)
		goto out;
	err = -EFBIG;
	if (max >= s->nsems)
		goto out;
	err = -EACCES;
	if (!ipc_allowed(&s->perm, q.alter ? 0222 : 0444))
		goto out;
	err = sem_try(s, &q);
	if (!err) {
		sem_set_otime(s, sops);
		if (q.alter)
			sem_update(s);
		goto out;
	}
	if (err < 0)
		goto out;
	/* Wait at the end of the queue until a waker has done the operations (or could not),
	   the timeout, or a signal. */
	struct sem_queue **pp = &s->pending;
	while (*pp)
		pp = &(*pp)->next;
	*pp = &q;
	int w = WAIT_WOKEN;
	while (q.status == SEM_WAITING && w == WAIT_WOKEN)
		w = sched_wait(&q, NULL, deadline, 0, "a System V semaphore");
	if (q.status != SEM_WAITING) {
		err = q.status;
		goto out;
	}
	for (pp = &s->pending; *pp != &q; pp = &(*pp)->next)
		;
	*pp = q.next;
	err = w == WAIT_TIMEOUT ? -EAGAIN : -EINTR;
out:
	kfree(sops, (size_t)n * sizeof(*sops));
	return err;
}

int64_t sys_semop(uint64_t semid, uint64_t usops, uint64_t nsops, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	return sys_semtimedop(semid, usops, nsops, 0, 0, 0);
}

/* Waiters whose waiting operation is on semaphore num and decrements it (GETNCNT) or waits
   for zero (GETZCNT), as Linux's count_semcnt. */
static int sem_count_waiters(const struct sem_set *s, int num, bool zero)
{
	int n = 0;
	for (const struct sem_queue *q = s->pending; q; q = q->next) {
		const struct sembuf_k *op = &q->sops[q->blocking];
		n += op->sem_num == num && (zero ? op->sem_op == 0 : op->sem_op < 0);
	}
	return n;
}

static int64_t sem_info(int cmd, uint64_t ubuf)
{
	struct seminfo_k i = { .semmap = SEMMAP, .semmni = SEMMNI, .semmns = SEMMNS,
			       .semmnu = SEMMNU, .semmsl = SEMMSL, .semopm = SEMOPM,
			       .semume = SEMUME, .semusz = SEMUSZ, .semvmx = SEMVMX,
			       .semaem = SEMAEM };
	if (cmd == SEM_INFO) {
		i.semusz = sem_ids.used;
		i.semaem = (int32_t)sems_used;
	}
	return ipc_info_reply(&sem_ids, ubuf, &i, sizeof(i));
}

static int64_t sem_stat(int semid, int cmd, uint64_t ubuf)
{
	int idx = semid % IPC_SEQ_MULTIPLIER;     /* SEM_STAT: an index, Linux's ipcid_to_idx */
	struct sem_set *s = cmd == IPC_STAT ? sem_lookup(semid, &idx) : sem_at(idx);
	if (!s)
		return -EINVAL;
	if (cmd != SEM_STAT_ANY && !ipc_allowed(&s->perm, 0444))
		return -EACCES;
	struct semid64_ds_k d = { .ctime = s->ctime, .nsems = (uint64_t)s->nsems };
	ipc_perm_out(&s->perm, &d.perm);
	for (int i = 0; i < s->nsems; i++)
		d.otime = MAX(d.otime, s->sems[i].otime);
	if (copy_to_user(ubuf, &d, sizeof(d)))
		return -EFAULT;
	return cmd == IPC_STAT ? 0 : ipc_id(&s->perm, idx);
}

/* SETVAL and SETALL forget the adjustments every undo entry holds for what they set (all
   semaphores: num < 0). */
static void sem_forget_adjustments(struct sem_set *s, int num)
{
	for (struct sem_undo *un = s->undos; un; un = un->next_id) {
		if (num >= 0)
			un->adj[num] = 0;
		else
			memset(un->adj, 0, (size_t)un->nsems * sizeof(int16_t));
	}
}

static int64_t sem_getall_setall(struct sem_set *s, int cmd, uint64_t uarray)
{
	size_t bytes = (size_t)s->nsems * sizeof(uint16_t);
	uint16_t *v = ipc_alloc(bytes);
	if (!v)
		return -ENOMEM;
	int64_t err = 0;
	if (cmd == GETALL) {
		for (int i = 0; i < s->nsems; i++)
			v[i] = (uint16_t)s->sems[i].val;
		err = copy_to_user(uarray, v, bytes) ? -EFAULT : 0;
		goto out;
	}
	err = -EFAULT;
	if (copy_from_user(v, uarray, bytes))
		goto out;
	err = -ERANGE;
	for (int i = 0; i < s->nsems; i++)
		if (v[i] > SEMVMX)
			goto out;
	for (int i = 0; i < s->nsems; i++) {
		s->sems[i].val = v[i];
		s->sems[i].pid = current->pid;
	}
	sem_forget_adjustments(s, -1);
	s->ctime = ipc_now();
	sem_update(s);
	err = 0;
out:
	ipc_free(v, bytes);
	return err;
}

int64_t sys_semctl(uint64_t semid, uint64_t semnum, uint64_t cmd, uint64_t arg, uint64_t a4,
		   uint64_t a5)
{
	/* x86-64 Linux takes no IPC_64 flag here: cmd | IPC_64 is an unknown command. */
	int id = (int)semid, num = (int)semnum, c = (int)cmd, idx;
	if (id < 0 || c < 0)
		return -EINVAL;
	switch (c) {
	case IPC_INFO:
	case SEM_INFO:
		return sem_info(c, arg);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		return sem_stat(id, c, arg);
	case GETALL:
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
	case SETALL:
	case SETVAL:
	case IPC_SET:
	case IPC_RMID:
		break;
	default:
		return -EINVAL;
	}
	struct semid64_ds_k d;
	if (c == IPC_SET && copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (c == SETVAL && ((int)arg < 0 || (int)arg > SEMVMX))
		return -ERANGE;
	struct sem_set *s = sem_lookup(id, &idx);
	if (!s)
		return -EINVAL;
	switch (c) {
	case IPC_SET:
	case IPC_RMID:
		if (!ipc_owner(&s->perm))
			return -EPERM;
		if (c == IPC_RMID) {
			sem_remove(idx);
			return 0;
		}
		if (ipc_perm_set(&s->perm, &d.perm))
			return -EINVAL;
		s->ctime = ipc_now();
		return 0;
	case SETVAL:
		if (num < 0 || num >= s->nsems)
			return -EINVAL;
		if (!ipc_allowed(&s->perm, 0222))
			return -EACCES;
		sem_forget_adjustments(s, num);
		s->sems[num].val = (int)arg;
		s->sems[num].pid = current->pid;
		s->ctime = ipc_now();
		sem_update(s);
		return 0;
	}
	if (!ipc_allowed(&s->perm, c == SETALL ? 0222 : 0444))
		return -EACCES;
	if (c == GETALL || c == SETALL)
		return sem_getall_setall(s, c, arg);
	if (num < 0 || num >= s->nsems)
		return -EINVAL;
	switch (c) {
	case GETVAL:
		return s->sems[num].val;
	case GETPID:
		return s->sems[num].pid;
	case GETNCNT:
		return sem_count_waiters(s, num, false);
	default:
		return sem_count_waiters(s, num, true);
	}
}

int sem_undo_prepare(uint64_t flags)
{
	if (!(flags & CLONE_SYSVSEM) || current_task->sysvsem)
		return 0;
	struct sem_undo_list *ul = kmalloc(sizeof(*ul));
	if (!ul)
		return -ENOMEM;
	ul->refs = 1;
	current_task->sysvsem = ul;
	return 0;
}

void sem_undo_share(struct task *t, const struct task *from, uint64_t flags)
{
	t->sysvsem = (flags & CLONE_SYSVSEM) ? from->sysvsem : NULL;
	if (t->sysvsem)
		t->sysvsem->refs++;
}

void sem_undo_exit(struct task *t)
{
	struct sem_undo_list *ul = t->sysvsem;
	t->sysvsem = NULL;
	if (!ul || --ul->refs)
		return;
	while (ul->head) {
		struct sem_undo *un = ul->head;
		ul->head = un->next_proc;
		int idx;
		struct sem_set *s = sem_lookup(un->semid, &idx);
		if (!s)
			panic("sem: an undo entry outlived its set %d", un->semid);
		/* Linux's exit_sem: each adjustment applied, the value held to 0..SEMVMX. */
		for (int i = 0; i < s->nsems; i++) {
			if (!un->adj[i])
				continue;
			int v = s->sems[i].val + un->adj[i];
			s->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
			s->sems[i].pid = t->proc->pid;
		}
		for (struct sem_undo **pp = &s->undos; *pp; pp = &(*pp)->next_id)
			if (*pp == un) {
				*pp = un->next_id;
				break;
			}
		sem_undo_free(un);
		sem_update(s);
	}
	kfree(ul, sizeof(*ul));
}

int procfs_show_sysvipc_sem(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime"
		    "      ctime\n");
	for (int i = 0; sem_ids.used && i < SEMMNI; i++) {
		const struct sem_set *s = sem_at(i);
		if (!s)
			continue;
		int64_t otime = 0;
		for (int k = 0; k < s->nsems; k++)
			otime = MAX(otime, s->sems[k].otime);
		procfs_printf(b, "%10d %10d  %4o %10u %5u %5u %5u %5u %10ld %10ld\n", s->perm.key,
			      ipc_id(&s->perm, i), s->perm.mode & 0777, s->nsems, s->perm.uid,
			      s->perm.gid, s->perm.cuid, s->perm.cgid, otime, s->ctime);
	}
	return 0;
}
