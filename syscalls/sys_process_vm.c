/* process_vm_readv and process_vm_writev: copies between the caller's memory and another
   process's, as Linux's mm/process_vm_access.c: the caller needs ptrace access to the target
   (proc_ptrace_allowed), the vectors are checked whole first, and a copy that meets an
   inaccessible page in either process stops there, returning what was copied (EFAULT if
   nothing was). Each page is made present through its address space (copy-on-write and
   demand-zero pages as a fault would), through a bounce buffer: nothing blocks in between. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000ull

struct pvm_iov {
	uint64_t base, len;
};

static uint8_t pvm_bounce[PAGE_SIZE];
static struct pvm_iov pvm_local[UIO_MAXIOV], pvm_remote[UIO_MAXIOV];

/* Reads cnt iovecs from uvec into v: EINVAL for a negative length (Linux's rw_copy_check_uvector),
   EFAULT for an unreadable vector. Returns the total, capped at MAX_RW_COUNT as Linux does. */
static int64_t pvm_vec(uint64_t uvec, uint64_t cnt, struct pvm_iov *v)
{
	uint64_t total = 0;
	if (cnt && copy_from_user(v, uvec, cnt * sizeof(*v)))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)v[i].len < 0)
			return -EINVAL;
		if (v[i].len > MAX_RW_COUNT - total)
			v[i].len = MAX_RW_COUNT - total;
		total += v[i].len;
	}
	return (int64_t)total;
}

static int64_t pvm_rw(uint64_t pid, uint64_t lvec, uint64_t lcnt, uint64_t rvec, uint64_t rcnt,
		      uint64_t flags, bool write)
{
	if (flags)
		return -EINVAL;
	if (lcnt > UIO_MAXIOV || rcnt > UIO_MAXIOV)
		return -EINVAL;
	int64_t ltotal = pvm_vec(lvec, lcnt, pvm_local), rtotal;
	if (ltotal < 0)
		return ltotal;
	if ((rtotal = pvm_vec(rvec, rcnt, pvm_remote)) < 0)
		return rtotal;
	if (!ltotal || !rtotal)
		return 0;
	struct task *t = (int)pid > 0 ? sched_find((int)pid) : NULL;
	struct proc *p = t ? t->proc : NULL;
	if (!p || p->state != PROC_LIVE || !p->mm)
		return -ESRCH;
	if (!proc_ptrace_allowed(p))
		return -EPERM;
	uint64_t li = 0, loff = 0, ri = 0, roff = 0, done = 0;
	while (li < lcnt && ri < rcnt) {
		if (loff == pvm_local[li].len) {
			li++;
			loff = 0;
			continue;
		}
		if (roff == pvm_remote[ri].len) {
			ri++;
			roff = 0;
			continue;
		}
		uint64_t la = pvm_local[li].base + loff, ra = pvm_remote[ri].base + roff;
		/* Within one page on each side, so a copy stops exactly at the first page it
		   cannot have, as Linux's page-by-page copy does. */
		uint64_t n = MIN(MIN(pvm_local[li].len - loff, pvm_remote[ri].len - roff),
				 MIN(PAGE_SIZE - (la & (PAGE_SIZE - 1)), PAGE_SIZE - (ra & (PAGE_SIZE - 1))));
		int err = write ? copy_from_user(pvm_bounce, la, n) ||
				  copy_to_user_mm(p->mm, ra, pvm_bounce, n)
				: copy_from_user_mm(p->mm, pvm_bounce, ra, n) ||
				  copy_to_user(la, pvm_bounce, n);
		if (err)
			return done ? (int64_t)done : -EFAULT;
		done += n;
		loff += n;
		roff += n;
	}
	return (int64_t)done;
}

int64_t sys_process_vm_readv(uint64_t pid, uint64_t lvec, uint64_t lcnt, uint64_t rvec,
			     uint64_t rcnt, uint64_t flags)
{
	return pvm_rw(pid, lvec, lcnt, rvec, rcnt, flags, false);
}

int64_t sys_process_vm_writev(uint64_t pid, uint64_t lvec, uint64_t lcnt, uint64_t rvec,
			      uint64_t rcnt, uint64_t flags)
{
	return pvm_rw(pid, lvec, lcnt, rvec, rcnt, flags, true);
}
