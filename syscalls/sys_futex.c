/* futex: wait queues keyed as Linux keys them (the address space and address, or for a shared
   mapping the file and offset).

   Checking the word and queueing the waiter happen without a task switch in between (one CPU,
   the core is never preempted), so a wake between the two cannot be lost. Wakes go to the
   oldest waiters first. Priority-inheritance operations return ENOSYS (docs/syscalls.md). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/itimer.h"
#include "k/signal.h"
#include "k/sched.h"
#include "k/mm.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_FD 2
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define NS 1000000000ll

/* The wait queue of the word at uaddr, as Linux keys it: a word in a shared mapping by its file
   (or shared memory) and offset, so processes mapping it meet there; any other by address space
   and address. FUTEX_PRIVATE_FLAG promises the latter. */
struct futex_key {
	const void *a, *b;
};

static struct futex_key futex_key(uint64_t uaddr, bool private)
{
	if (!private) {
		struct vma *v = vma_find(&current->mm->vmas, uaddr);
		if (v && (v->flags & VMA_SHARED) && v->inode)
			return (struct futex_key){ v->inode, (const void *)(uintptr_t)
				((vma_pgoff(v, uaddr) << 12) | (uaddr & 0xfff) | (1ull << 63)) };
	}
	return (struct futex_key){ (const void *)(uintptr_t)uaddr, current->mm };
}

static bool futex_private;      /* FUTEX_PRIVATE_FLAG of the call in progress */
#define FUTEX_KEY(uaddr) futex_key(uaddr, futex_private).a, futex_key(uaddr, futex_private).b

/* Waits on the word at uaddr until a wake with bits meeting bitset, the deadline (monotonic ns,
   < 0: none) or a signal. */
static int64_t futex_sleep(uint64_t uaddr, uint32_t bitset, int64_t deadline)
{
	int r = sched_wait_bits(FUTEX_KEY(uaddr), bitset, deadline, 0,
				"a futex wait");
	if (r == WAIT_WOKEN)
		return 0;
	if (r == WAIT_TIMEOUT)
		return -ETIMEDOUT;
	/* As Linux: an untimed wait restarts after an SA_RESTART handler, a timed one gives EINTR. */
	return deadline < 0 ? -ERESTARTSYS : -EINTR;
}

/* Linux wakes at least one waiter whatever the count (its loop tests after the first wake). */
static int futex_count(uint64_t n)
{
	return (int32_t)n < 1 ? 1 : (int32_t)n;
}

int futex_wake(uint64_t uaddr, int n)
{
	struct futex_key k = futex_key(uaddr, false);  /* clear_child_tid, robust lists */
	return sched_wake(k.a, k.b, n, ~0u);
}

/* The deadline of a FUTEX_WAIT (relative) or FUTEX_WAIT_BITSET (absolute on its clock)
   timeout, as monotonic ns; -1 for none. */
static int64_t futex_deadline(uint64_t uts, bool absolute, bool realtime, int64_t *deadline)
{
	*deadline = -1;
	if (!uts)
		return 0;
	int64_t ts[2];
	if (copy_from_user(ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= NS)
		return -EINVAL;
	int64_t ns = ts[0] > INT64_MAX / NS / 4 ? INT64_MAX / 4 : ts[0] * NS + ts[1];
	int64_t mono = (int64_t)time_monotonic_ns();
	if (!absolute)
		*deadline = mono + ns;
	else
		*deadline = mono + (ns - (realtime ? time_realtime_ns() : mono));
	if (*deadline < 0)
		*deadline = 0;          /* long past: the monotonic clock starts at boot */
	return 0;
}

/* FUTEX_WAKE_OP: the operation on the word at uaddr2 (Linux's encoding in val3), then wakes on
   uaddr, and on uaddr2 when the old value passes the comparison. */
static int64_t futex_wake_op(uint64_t uaddr, uint64_t uaddr2, uint64_t nr_wake, uint64_t nr_wake2,
			     uint32_t val3)
{
	uint32_t op = (val3 >> 28) & 7, cmp = (val3 >> 24) & 15;
	int32_t oparg = (int32_t)(val3 << 8) >> 20, cmparg = (int32_t)(val3 << 20) >> 20;
	if ((val3 >> 31) & 1) {         /* FUTEX_OP_OPARG_SHIFT */
		if (oparg < 0 || oparg > 31)
			oparg &= 31;    /* Linux warns and masks */
		oparg = 1 << oparg;
	}
	int32_t old;
	if (copy_from_user(&old, uaddr2, 4))
		return -EFAULT;
	int32_t nv;
	switch (op) {
	case 0: nv = oparg; break;                      /* SET */
	case 1: nv = (int32_t)((uint32_t)old + (uint32_t)oparg); break;  /* ADD */
	case 2: nv = old | oparg; break;                /* OR */
	case 3: nv = old & ~oparg; break;               /* ANDN */
	case 4: nv = old ^ oparg; break;                /* XOR */
	default: return -ENOSYS;
	}
	if (copy_to_user(uaddr2, &nv, 4))
		return -EFAULT;
	bool pass;
	switch (cmp) {
	case 0: pass = old == cmparg; break;
	case 1: pass = old != cmparg; break;
	case 2: pass = old < cmparg; break;
	case 3: pass = old <= cmparg; break;
	case 4: pass = old > cmparg; break;
	case 5: pass = old >= cmparg; break;
	default: return -ENOSYS;        /* as Linux: after the operation is done */
	}
	int woken = sched_wake(FUTEX_KEY(uaddr), futex_count(nr_wake), ~0u);
	if (pass)
		woken += sched_wake(FUTEX_KEY(uaddr2), futex_count(nr_wake2), ~0u);
	return woken;
}

int64_t sys_futex(uint64_t uaddr, uint64_t futex_op, uint64_t val, uint64_t uts, uint64_t uaddr2,
		  uint64_t val3)
{
	int cmd = (int)(futex_op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	futex_private = futex_op & FUTEX_PRIVATE_FLAG;
	bool realtime = futex_op & FUTEX_CLOCK_REALTIME;
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	if (uaddr & 3)
		return -EINVAL;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		if (cmd == FUTEX_WAIT_BITSET && !(uint32_t)val3)
			return -EINVAL;
		int64_t deadline;
		int64_t e = futex_deadline(uts, cmd == FUTEX_WAIT_BITSET, realtime, &deadline);
		if (e)
			return e;
		uint32_t cur;
		if (copy_from_user(&cur, uaddr, 4))
			return -EFAULT;
		if (cur != (uint32_t)val)
			return -EAGAIN;
		/* FUTEX_WAIT_BITSET on CLOCK_REALTIME waits for a wall-clock time */
		current_task->wait_rt_abs = cmd == FUTEX_WAIT_BITSET && realtime;
		e = futex_sleep(uaddr, cmd == FUTEX_WAIT ? ~0u : (uint32_t)val3, deadline);
		current_task->wait_rt_abs = false;
		return e;
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)val3)
			return -EINVAL;
		return sched_wake(FUTEX_KEY(uaddr), futex_count(val),
				  cmd == FUTEX_WAKE ? ~0u : (uint32_t)val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE: {
		if (uaddr2 & 3)
			return -EINVAL;
		if ((int32_t)val < 0 || (int32_t)uts < 0)
			return -EINVAL;         /* nr_wake, nr_requeue */
		if (cmd == FUTEX_CMP_REQUEUE) {
			uint32_t cur;
			if (copy_from_user(&cur, uaddr, 4))
				return -EFAULT;
			if (cur != (uint32_t)val3)
				return -EAGAIN;
		}
		int woken = (int32_t)val ? sched_wake(FUTEX_KEY(uaddr), (int32_t)val, ~0u) : 0;
		struct futex_key to = futex_key(uaddr2, futex_private);
		return woken + sched_requeue(FUTEX_KEY(uaddr), to.a, to.b, (int32_t)uts);
	}
	case FUTEX_WAKE_OP:
		if (uaddr2 & 3)
			return -EINVAL;
		return futex_wake_op(uaddr, uaddr2, val, uts, (uint32_t)val3);
	case FUTEX_FD:
		return -ENOSYS;         /* removed from Linux in 2.6.26 */
	default:
		return -ENOSYS;         /* the PI operations, and unknown ones */
	}
}
