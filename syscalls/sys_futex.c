/* futex for one thread.

   With a single thread nobody else can change a futex word or wake a waiter: FUTEX_WAIT checks
   the word exactly as Linux does (EAGAIN when it differs) and then waits out its timeout, ended
   early only by a signal (the alarm); wakes and requeues find no waiters and return 0 after
   Linux's argument checks; FUTEX_WAKE_OP still performs its operation on the second word.
   Priority-inheritance operations return ENOSYS (docs/syscalls.md). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/itimer.h"
#include "k/signal.h"
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

/* Waits for a word that nobody else can change: until the deadline (monotonic ns, < 0: none)
   or a signal. */
static int64_t futex_sleep(int64_t deadline)
{
	int64_t r = wait_until(deadline, 0);
	if (r == -EDEADLK) {
		kprintf("unik: futex wait would block forever: no other thread exists yet to wake "
			"it, and no timer is armed\n");
		proc_exit(125);
	}
	if (r == 0)
		return -ETIMEDOUT;
	/* As Linux: an untimed wait restarts after an SA_RESTART handler, a timed one gives EINTR. */
	return deadline < 0 ? -ERESTARTSYS : -EINTR;
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

/* FUTEX_WAKE_OP's operation on the word at uaddr2 (Linux's encoding in val3). */
static int64_t futex_wake_op(uint64_t uaddr2, uint32_t val3)
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
	/* The comparison only decides whom to wake (nobody waits); as Linux, an unknown one fails
	   after the operation is done. */
	(void)cmparg;
	return cmp > 5 ? -ENOSYS : 0;
}

int64_t sys_futex(uint64_t uaddr, uint64_t futex_op, uint64_t val, uint64_t uts, uint64_t uaddr2,
		  uint64_t val3)
{
	int cmd = (int)(futex_op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
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
		return futex_sleep(deadline);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)val3)
			return -EINVAL;
		return 0;               /* no waiters */
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
		return 0;
	}
	case FUTEX_WAKE_OP:
		if (uaddr2 & 3)
			return -EINVAL;
		return futex_wake_op(uaddr2, (uint32_t)val3);
	case FUTEX_FD:
		return -ENOSYS;         /* removed from Linux in 2.6.26 */
	default:
		return -ENOSYS;         /* the PI operations, and unknown ones */
	}
}
