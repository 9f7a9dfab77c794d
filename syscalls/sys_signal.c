/* Signal dispositions and masks: recorded with Linux's checks. Delivery of handled signals is the
   signals work; until then faults end the program with the default action. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/signal.h"
#include "k/uaccess.h"
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
	if (uact)
		current->sigaction[sig - 1] = act;
	return 0;
}

int64_t sys_rt_sigprocmask(uint64_t how, uint64_t uset, uint64_t uold, uint64_t size, uint64_t a4,
			   uint64_t a5)
{
	if (size != 8)
		return -EINVAL;
	uint64_t set = 0, old = current->sigmask;
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
		current->sigmask |= set;
	else if (how == SIG_UNBLOCK)
		current->sigmask &= ~set;
	else
		current->sigmask = set;
	current->sigmask &= ~UNBLOCKABLE;
	return 0;
}

int64_t sys_sigaltstack(uint64_t uss, uint64_t uold, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	uint64_t ss[3];
	uint64_t old[3] = { current->sigaltstack[0], current->sigaltstack[1],
			    current->sigaltstack[2] };
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
		memcpy(current->sigaltstack, ss, sizeof(ss));
	return 0;
}
