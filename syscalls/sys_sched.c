/* Scheduling parameters, answered as Linux answers a container process without CAP_SYS_NICE:
   nice values (raising one's priority needs RLIMIT_NICE), the normal policies (SCHED_OTHER,
   BATCH, IDLE; real-time and deadline ones EPERM), SCHED_RESET_ON_FORK, sched_setattr and
   sched_getattr (utilization clamps EOPNOTSUPP, as a kernel without CONFIG_UCLAMP_TASK), the
   priority ranges, CPU affinity and getcpu on the one vCPU. The scheduler (kernel/sched.c)
   weighs nice values and SCHED_IDLE. */
#include "k/kernel.h"
#include "k/cap.h"
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
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define SETPARAM_POLICY -1              /* sched_setparam: keep the policy */
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP 0x60
#define SCHED_FLAG_ALL 0x7f
#define SCHED_FLAG_SUGOV 0x10000000
#define SCHED_ATTR_SIZE_VER0 48

/* Linux's struct sched_attr (SCHED_ATTR_SIZE_VER1). */
struct sched_attr_k {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};
_Static_assert(sizeof(struct sched_attr_k) == 56, "sched_attr size");
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

/* Lowering a nice value needs CAP_SYS_NICE or room under RLIMIT_NICE (Linux's can_nice). */
static bool nice_allowed(const struct task *t, int nice)
{
	return 20 - nice <= (int)t->proc->rlim[RLIMIT_NICE].cur || capable(CAP_SYS_NICE);
}

static void prio_apply(struct task *t, void *arg)
{
	struct prio_set *ps = arg;
	if (ps->nice < t->nice && !nice_allowed(t, ps->nice)) {
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
	return t ? t->policy | (t->reset_on_fork ? SCHED_RESET_ON_FORK : 0) : -ESRCH;
}

/* Linux's __checkparam_dl: runtime (at least 1024 ns) <= deadline <= period, the period
   (the deadline when 0) within sched_dl_period_min/max (100 µs to 4.194304 s). */
static bool dl_params_valid(const struct sched_attr_k *a)
{
	if (a->flags & SCHED_FLAG_SUGOV)
		return true;
	if (!a->deadline || a->runtime < 1024 || ((a->deadline | a->period) >> 63))
		return false;
	uint64_t period = a->period ? a->period : a->deadline;
	return period >= a->deadline && a->deadline >= a->runtime && period >= 100000 &&
	       period <= 4194304000ull;
}

/* Linux's __sched_setscheduler for a task of the caller's (policy SETPARAM_POLICY keeps it),
   in its order of checks. */
static int64_t sched_apply(struct task *t, const struct sched_attr_k *a)
{
	int policy = (int)a->policy;
	bool reset = policy == SETPARAM_POLICY ? t->reset_on_fork :
		     (a->flags & SCHED_FLAG_RESET_ON_FORK) != 0;
	if (policy == SETPARAM_POLICY)
		policy = t->policy;
	else if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE &&
		 policy != SCHED_FIFO && policy != SCHED_RR && policy != SCHED_DEADLINE)
		return -EINVAL;
	if (a->flags & ~(uint64_t)(SCHED_FLAG_ALL | SCHED_FLAG_SUGOV))
		return -EINVAL;
	bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
	if (a->priority > 99 || rt != (a->priority != 0))
		return -EINVAL;
	if (policy == SCHED_DEADLINE)
		return dl_params_valid(a) ? -EPERM : -EINVAL;   /* as real-time, no such class */
	bool fair = !rt;
	if (fair && a->nice < t->nice && !nice_allowed(t, a->nice))
		return -EPERM;
	if (rt)
		return -EPERM;          /* RLIMIT_RTPRIO is 0: no real-time class here */
	if (t->policy == SCHED_IDLE && policy != SCHED_IDLE && !nice_allowed(t, t->nice))
		return -EPERM;
	if (current->euid != t->proc->euid && current->euid != t->proc->uid &&
	    !capable(CAP_SYS_NICE))
		return -EPERM;
	if (t->reset_on_fork && !reset && !capable(CAP_SYS_NICE))
		return -EPERM;
	if (a->flags & SCHED_FLAG_SUGOV)
		return -EINVAL;
	if (a->flags & SCHED_FLAG_UTIL_CLAMP)
		return -EOPNOTSUPP;
	t->reset_on_fork = reset;
	if (!(a->flags & SCHED_FLAG_KEEP_PARAMS)) {
		t->policy = policy;
		t->nice = a->nice;
	}
	return 0;
}

/* sched_setscheduler and sched_setparam: the priority at uparam; the nice value stays. */
static int64_t sched_set(int pid, int policy, uint64_t uparam)
{
	if (pid < 0 || !uparam)
		return -EINVAL;
	int32_t prio;
	if (copy_from_user(&prio, uparam, sizeof(prio)))
		return -EFAULT;
	struct task *t = sched_target(pid);
	if (!t)
		return -ESRCH;
	struct sched_attr_k a = { .policy = (uint32_t)policy, .priority = (uint32_t)prio,
				  .nice = t->nice };
	if (policy != SETPARAM_POLICY && (policy & SCHED_RESET_ON_FORK)) {
		a.flags = SCHED_FLAG_RESET_ON_FORK;
		a.policy = (uint32_t)(policy & ~SCHED_RESET_ON_FORK);
	}
	return sched_apply(t, &a);
}

int64_t sys_sched_setscheduler(uint64_t pid, uint64_t policy, uint64_t uparam, uint64_t a3,
			       uint64_t a4, uint64_t a5)
{
	if ((int)policy < 0)
		return -EINVAL;
	return sched_set((int)pid, (int)policy, uparam);
}

int64_t sys_sched_setparam(uint64_t pid, uint64_t uparam, uint64_t a2, uint64_t a3, uint64_t a4,
			   uint64_t a5)
{
	return sched_set((int)pid, SETPARAM_POLICY, uparam);
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

/* Linux's sched_copy_attr: a size of 0 means the first version; a larger structure than this
   kernel's must be zero beyond it (E2BIG, with the size it knows written back). */
static int64_t sched_attr_read(uint64_t uattr, struct sched_attr_k *a)
{
	uint32_t size;
	if (copy_from_user(&size, uattr, sizeof(size)))
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		goto too_big;
	memset(a, 0, sizeof(*a));
	if (copy_from_user(a, uattr, MIN(size, (uint32_t)sizeof(*a))))
		return -EFAULT;
	for (uint32_t off = sizeof(*a); off < size; off++) {
		uint8_t b;
		if (copy_from_user(&b, uattr + off, 1))
			return -EFAULT;
		if (b)
			goto too_big;
	}
	if ((a->flags & SCHED_FLAG_UTIL_CLAMP) && size < sizeof(*a))
		return -EINVAL;
	a->nice = a->nice < -20 ? -20 : a->nice > 19 ? 19 : a->nice;
	return 0;
too_big:
	size = sizeof(*a);
	copy_to_user(uattr, &size, sizeof(size));
	return -E2BIG;
}

int64_t sys_sched_setattr(uint64_t pid, uint64_t uattr, uint64_t flags, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	if (!uattr || (int)pid < 0 || (unsigned)flags)
		return -EINVAL;
	struct sched_attr_k a;
	int64_t err = sched_attr_read(uattr, &a);
	if (err)
		return err;
	if ((int)a.policy < 0)
		return -EINVAL;
	if (a.flags & SCHED_FLAG_KEEP_POLICY)
		a.policy = (uint32_t)SETPARAM_POLICY;
	struct task *t = sched_target((int)pid);
	return t ? sched_apply(t, &a) : -ESRCH;
}

int64_t sys_sched_getattr(uint64_t pid, uint64_t uattr, uint64_t usize, uint64_t flags,
			  uint64_t a4, uint64_t a5)
{
	if (!uattr || (int)pid < 0 || (unsigned)usize > PAGE_SIZE ||
	    (unsigned)usize < SCHED_ATTR_SIZE_VER0 || (unsigned)flags)
		return -EINVAL;
	struct task *t = sched_target((int)pid);
	if (!t)
		return -ESRCH;
	struct sched_attr_k a = { .policy = (uint32_t)t->policy, .nice = t->nice,
				  .flags = t->reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0 };
	a.size = MIN((uint32_t)usize, (uint32_t)sizeof(a));
	return copy_to_user(uattr, &a, a.size) ? -EFAULT : 0;
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

/* The one vCPU is CPU 0 of NUMA node 0. */
int64_t sys_getcpu(uint64_t ucpu, uint64_t unode, uint64_t ucache, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	uint32_t zero = 0;
	if ((ucpu && copy_to_user(ucpu, &zero, sizeof(zero))) ||
	    (unode && copy_to_user(unode, &zero, sizeof(zero))))
		return -EFAULT;
	return 0;
}
