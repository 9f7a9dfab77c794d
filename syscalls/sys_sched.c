/* Scheduling parameters, answered as Linux answers a container process without CAP_SYS_NICE:
   nice values (raising one's priority needs RLIMIT_NICE), the normal policies (SCHED_OTHER,
   BATCH, IDLE; real-time ones EPERM), the priority ranges, and CPU affinity on the one vCPU.
   The scheduler keeps the values but does not weigh them yet: every task gets the same slice. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_RESET_ON_FORK 0x40000000
#define RLIMIT_NICE 13
#define SLICE_NS 10000000

/* The task pid names (0: the caller), or NULL. */
static struct task *sched_target(int pid)
{
	return pid ? sched_find(pid) : current_task;
}

/* Calls fn on every task `which`/`who` selects; returns how many. */
static int prio_each(int which, int who, void (*fn)(struct task *t, void *arg), void *arg)
{
	int n = 0;
	SCHED_FOR_EACH(t) {
		bool sel = which == PRIO_PROCESS ? t->tid == (who ? who : current_task->tid) :
			   which == PRIO_PGRP ? t->proc->pgid == (who ? who : current->pgid) :
			   t->proc->uid == (uint32_t)(who ? who : (int)current->uid);
		if (sel) {
			fn(t, arg);
			n++;
		}
	}
	return n;
}

static void prio_lowest(struct task *t, void *arg)
{
	int *best = arg;
	if (t->nice < *best)
		*best = t->nice;
}

int64_t sys_getpriority(uint64_t which, uint64_t who, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	if ((int)which < PRIO_PROCESS || (int)which > PRIO_USER)
		return -EINVAL;
	int best = 20;
	if (!prio_each((int)which, (int)who, prio_lowest, &best))
		return -ESRCH;
	return 20 - best;               /* the system call's 1..40 encoding */
}

struct prio_set {
	int nice, err;
};

static void prio_apply(struct task *t, void *arg)
{
	struct prio_set *ps = arg;
	/* Lowering the nice value needs CAP_SYS_NICE or room under RLIMIT_NICE. */
	if (ps->nice < t->nice && 20 - ps->nice > (int)t->proc->rlim[RLIMIT_NICE].cur) {
		ps->err = -EACCES;
		return;
	}
	t->nice = ps->nice;
}

int64_t sys_setpriority(uint64_t which, uint64_t who, uint64_t prio, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	if ((int)which < PRIO_PROCESS || (int)which > PRIO_USER)
		return -EINVAL;
	int nice = (int)prio;
	nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	struct prio_set ps = { nice, 0 };
	if (!prio_each((int)which, (int)who, prio_apply, &ps))
		return -ESRCH;
	return ps.err;
}

int64_t sys_sched_getscheduler(uint64_t pid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			       uint64_t a5)
{
	if ((int)pid < 0)
		return -EINVAL;
	struct task *t = sched_target((int)pid);
	return t ? t->policy : -ESRCH;
}

/* Checks and applies policy with the priority at uparam (Linux's order of checks). */
static int64_t sched_set(int pid, int policy, uint64_t uparam, bool keep_policy)
{
	if (pid < 0 || !uparam)
		return -EINVAL;
	int32_t prio;
	if (copy_from_user(&prio, uparam, sizeof(prio)))
		return -EFAULT;
	struct task *t = sched_target(pid);
	if (!t)
		return -ESRCH;
	if (keep_policy)
		policy = t->policy;
	policy &= ~SCHED_RESET_ON_FORK;
	if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE &&
	    policy != SCHED_FIFO && policy != SCHED_RR)
		return -EINVAL;
	bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
	if (rt ? (prio < 1 || prio > 99) : prio != 0)
		return -EINVAL;
	if (rt)
		return -EPERM;          /* needs CAP_SYS_NICE or RLIMIT_RTPRIO (0 here) */
	t->policy = policy;
	return 0;
}

int64_t sys_sched_setscheduler(uint64_t pid, uint64_t policy, uint64_t uparam, uint64_t a3,
			       uint64_t a4, uint64_t a5)
{
	if ((int)policy < 0)
		return -EINVAL;
	return sched_set((int)pid, (int)policy, uparam, false);
}

int64_t sys_sched_setparam(uint64_t pid, uint64_t uparam, uint64_t a2, uint64_t a3, uint64_t a4,
			   uint64_t a5)
{
	return sched_set((int)pid, 0, uparam, true);
}

int64_t sys_sched_getparam(uint64_t pid, uint64_t uparam, uint64_t a2, uint64_t a3, uint64_t a4,
			   uint64_t a5)
{
	if ((int)pid < 0 || !uparam)
		return -EINVAL;
	if (!sched_target((int)pid))
		return -ESRCH;
	int32_t prio = 0;               /* normal policies have priority 0 */
	return copy_to_user(uparam, &prio, sizeof(prio)) ? -EFAULT : 0;
}

static int64_t sched_prio_limit(int policy, bool max)
{
	switch (policy) {
	case SCHED_FIFO: case SCHED_RR: return max ? 99 : 1;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: return 0;
	default: return -EINVAL;
	}
}

int64_t sys_sched_get_priority_max(uint64_t policy, uint64_t a1, uint64_t a2, uint64_t a3,
				   uint64_t a4, uint64_t a5)
{
	return sched_prio_limit((int)policy, true);
}

int64_t sys_sched_get_priority_min(uint64_t policy, uint64_t a1, uint64_t a2, uint64_t a3,
				   uint64_t a4, uint64_t a5)
{
	return sched_prio_limit((int)policy, false);
}

int64_t sys_sched_rr_get_interval(uint64_t pid, uint64_t uts, uint64_t a2, uint64_t a3,
				  uint64_t a4, uint64_t a5)
{
	if ((int)pid < 0)
		return -EINVAL;
	if (!sched_target((int)pid))
		return -ESRCH;
	int64_t ts[2] = { 0, SLICE_NS };        /* the preemption slice */
	return copy_to_user(uts, ts, sizeof(ts)) ? -EFAULT : 0;
}

int64_t sys_sched_getaffinity(uint64_t pid, uint64_t len, uint64_t umask, uint64_t a3,
			      uint64_t a4, uint64_t a5)
{
	if ((int)pid < 0 || !sched_target((int)pid))
		return -ESRCH;
	/* Linux: the user buffer must hold nr_cpu_ids bits in whole longs. */
	if (len < 8 || (len & 7))
		return -EINVAL;
	uint64_t mask = 1;
	if (copy_to_user(umask, &mask, sizeof(mask)))
		return -EFAULT;
	return 8;
}

int64_t sys_sched_setaffinity(uint64_t pid, uint64_t len, uint64_t umask, uint64_t a3,
			      uint64_t a4, uint64_t a5)
{
	if ((int)pid < 0 || !sched_target((int)pid))
		return -ESRCH;
	uint64_t mask = 0;
	if (len && copy_from_user(&mask, umask, len < 8 ? len : 8))
		return -EFAULT;
	return (mask & 1) ? 0 : -EINVAL;        /* the one CPU must be in the set */
}
