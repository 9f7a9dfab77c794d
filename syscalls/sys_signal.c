/* Signal dispositions, masks, and signals a process sends itself (kernel/signal.c delivers). */
#include "k/itimer.h"
#include "k/cap.h"
#include "k/kernel.h"
#include "k/proc.h"
#include "k/signal.h"
#include "k/sched.h"
#include "k/uaccess.h"
#include "k/time.h"
#include "build/gen/syscall_decls.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

int64_t sys_rt_sigaction(uint64_t sig, uint64_t uact, uint64_t uold, uint64_t size, uint64_t a4,
			 uint64_t a5)
{
	if (size != 8)
		return -EINVAL;
	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	struct k_sigaction act;
	if (uact) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&act, uact, sizeof(act)))
			return -EFAULT;
		act.mask &= ~UNBLOCKABLE;
	}
	if (uold && copy_to_user(uold, &current->sigaction[sig - 1], sizeof(act)))
		return -EFAULT;
	if (uact) {
		current->sigaction[sig - 1] = act;
		signal_action_changed(current, (int)sig);
	}
	return 0;
}

int64_t sys_rt_sigprocmask(uint64_t how, uint64_t uset, uint64_t uold, uint64_t size, uint64_t a4,
			   uint64_t a5)
{
	if (size != 8)
		return -EINVAL;
	uint64_t set = 0, old = current_task->sigmask;
	if (uset) {
		if (copy_from_user(&set, uset, sizeof(set)))
			return -EFAULT;
		if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
			return -EINVAL;
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	if (!uset)
		return 0;
	if (how == SIG_BLOCK)
		current_task->sigmask |= set;
	else if (how == SIG_UNBLOCK)
		current_task->sigmask &= ~set;
	else
		current_task->sigmask = set;
	current_task->sigmask &= ~UNBLOCKABLE;
	return 0;
}

int64_t sys_sigaltstack(uint64_t uss, uint64_t uold, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	uint64_t ss[3];
	uint64_t old[3] = { current_task->sigaltstack[0], current_task->sigaltstack[1],
			    current_task->sigaltstack[2] };
	if (!old[2])
		old[1] = SS_DISABLE;
	if (uss) {
		if (copy_from_user(ss, uss, sizeof(ss)))
			return -EFAULT;
		uint32_t flags = (uint32_t)ss[1];
		uint32_t mode = flags & ~SS_AUTODISARM;
		if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			ss[0] = ss[2] = 0;
		} else if (ss[2] < MINSIGSTKSZ) {
			return -ENOMEM;
		}
		ss[1] = flags & SS_AUTODISARM;
	}
	if (uold && copy_to_user(uold, old, sizeof(old)))
		return -EFAULT;
	if (uss)
		memcpy(current_task->sigaltstack, ss, sizeof(ss));
	return 0;
}

/* ---- sending to threads and waiting (kill to processes: syscalls/sys_process.c) ---- */

#define SI_TKILL (-6)

/* Sends sig to the process, or to thread t when given. */
static int64_t signal_send(int sig, int code, struct task *t)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	int err = t ? kill_permitted(t->proc, sig) : 0;
	if (err || sig == 0)
		return err;
	struct siginfo_k si = { .signo = sig, .code = code,
				.addr = (uint64_t)current->pid | ((uint64_t)current->uid << 32) };
	return t ? signal_raise_task(t, sig, &si) : signal_raise(sig, &si);
}

/* The thread tid of process tgid (tgid < 0: of any process), or NULL. */
static struct task *signal_thread(int tgid, int tid)
{
	struct task *t = sched_find(tid);
	return t && (tgid < 0 || t->proc->pid == tgid) ? t : NULL;
}

int64_t sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t sig, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	if ((int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	struct task *t = signal_thread((int)tgid, (int)tid);
	if (!t)
		return -ESRCH;
	return signal_send((int)sig, SI_TKILL, t);
}

int64_t sys_tkill(uint64_t tid, uint64_t sig, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if ((int)tid <= 0)
		return -EINVAL;
	struct task *t = signal_thread(-1, (int)tid);
	if (!t)
		return -ESRCH;
	return signal_send((int)sig, SI_TKILL, t);
}

/* The siginfo of rt_sigqueueinfo and rt_tgsigqueueinfo, for signal sig to thread id tid:
   Linux lets a caller claim a kernel or kill code (si_code >= 0, or tkill's) only towards
   itself, its own thread id. 0 or -errno. */
static int sigqueue_info(uint64_t uinfo, int sig, int tid, struct siginfo_k *si)
{
	if (copy_from_user(si, uinfo, sizeof(*si)))
		return -EFAULT;
	si->signo = sig;
	if ((si->code >= 0 || si->code == SI_TKILL) && tid != current_task->tid)
		return -EPERM;
	return 0;
}

int64_t sys_rt_sigqueueinfo(uint64_t pid, uint64_t sig, uint64_t info, uint64_t a3, uint64_t a4,
			    uint64_t a5)
{
	struct siginfo_k si;
	int err = sigqueue_info(info, (int)sig, (int)pid, &si);
	if (err)
		return err;
	/* pid names a process, or any of its threads (Linux's PIDTYPE_PID lookup) */
	struct task *t = (int)pid > 0 ? sched_find((int)pid) : NULL;
	struct proc *p = t ? t->proc : (int)pid > 0 ? proc_find((int)pid) : NULL;
	if (!p)
		return -ESRCH;
	if ((int)sig < 0 || (int)sig > NSIG)
		return -EINVAL;
	if ((err = kill_permitted(p, (int)sig)))
		return err;
	return sig ? signal_raise_proc(p, (int)sig, &si) : 0;
}

int64_t sys_rt_tgsigqueueinfo(uint64_t tgid, uint64_t tid, uint64_t sig, uint64_t info,
			      uint64_t a4, uint64_t a5)
{
	if ((int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	struct siginfo_k si;
	int err = sigqueue_info(info, (int)sig, (int)tid, &si);
	if (err)
		return err;
	struct task *t = signal_thread((int)tgid, (int)tid);
	if (!t)
		return -ESRCH;
	if ((int)sig < 0 || (int)sig > NSIG)
		return -EINVAL;
	if ((err = kill_permitted(t->proc, (int)sig)))
		return err;
	return sig ? signal_raise_task(t, (int)sig, &si) : 0;
}

int64_t sys_rt_sigpending(uint64_t uset, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	if (size > 8)
		return -EINVAL;
	uint64_t set = signal_pending_set() & current_task->sigmask;
	/* Linux: pending signals that are blocked (unblocked ones were delivered already) */
	return copy_to_user(uset, &set, (size_t)size) ? -EFAULT : 0;
}

int64_t sys_rt_sigsuspend(uint64_t umask, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	if (size != 8)
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	uint64_t old = current_task->sigmask;
	current_task->sigmask = mask & ~UNBLOCKABLE;
	while (wait_until(-1, 0, "rt_sigsuspend") >= 0)
		;
	/* The handler's frame saves the mask to restore: the one from before the call. */
	current_task->sigmask_restore = old;
	current_task->restore_sigmask = true;
	return -EINTR;
}

int64_t sys_pause(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	while (wait_until(-1, 0, "pause") >= 0)
		;
	return -EINTR;
}

int64_t sys_rt_sigtimedwait(uint64_t uset, uint64_t uinfo, uint64_t uts, uint64_t size,
			    uint64_t a4, uint64_t a5)
{
	if (size != 8)
		return -EINVAL;
	uint64_t set;
	if (copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	int64_t deadline = -1;
	if (uts) {
		int64_t ts[2];
		if (copy_from_user(ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		deadline = (int64_t)time_monotonic_ns() +
			   (ts[0] > 1000000000ll ? 1000000000ll * 1000000000ll : ts[0] * 1000000000ll + ts[1]);
	}
	struct siginfo_k si;
	int sig;
	do {                            /* one instance; a re-armed timer's is dropped */
		int64_t r = wait_until(deadline, set, "rt_sigtimedwait");
		if (r <= 0)
			return r ? r : -EAGAIN;
	} while (!(sig = signal_take(set, &si)));
	if (uinfo && copy_to_user(uinfo, &si, sizeof(si)))
		return -EFAULT;
	return sig;
}
