/* Threads: clone and clone3 with the thread flags libcs and Go use, exit of one thread (robust
   futex list, clear_child_tid wake) vs exit_group, set_tid_address, gettid, sched_yield.
   clone without CLONE_THREAD, fork and vfork create processes (kernel/process.c). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/arch.h"
#include "k/regs.h"
#include "k/uaccess.h"
#include "syscalls/syscall.h"
#include "build/gen/syscall_decls.h"

#define CSIGNAL 0xff
#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_PIDFD 0x1000
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define CLONE_THREAD 0x10000
#define CLONE_NEWNS 0x20000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define CLONE_NEWTIME 0x80
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIST_LIMIT 2048

#define CLONE_DETACHED 0x400000

/* A new process with a pidfd stored at upidfd (an int), as CLONE_PIDFD asks. */
static int64_t clone_with_pidfd(uint64_t flags, uint64_t sp, uint64_t parent_tid,
				uint64_t child_tid, uint64_t tls, int exit_signal, uint64_t upidfd)
{
	int fd = pidfd_prepare();
	if (fd < 0)
		return fd;
	if (copy_to_user(upidfd, &fd, sizeof(fd))) {
		pidfd_settle(fd, 0);
		return -EFAULT;         /* Linux stores it before the child runs */
	}
	int64_t pid = proc_fork(flags, sp, parent_tid, child_tid, tls, exit_signal);
	pidfd_settle(fd, pid > 0 ? (int)pid : 0);
	return pid;
}

/* The caller of clone(CLONE_VFORK | CLONE_THREAD) waits until the new thread execs or ends, as
   Linux's killable vfork wait: other signals wait too, and a thread ended meanwhile (an exit of
   the process, or the new thread's execve, which ends the other threads) leaves at once. */
static void thread_vfork_wait(struct task *t)
{
	uint64_t mask = t->sigmask;
	t->sigmask = ~0ull;
	while (t->vfork_waiting && !t->killed)
		sched_wait(&t->vfork_waiting, NULL, -1, 0, "vfork");
	t->sigmask = mask;
	t->vfork_waiting = false;
}

void thread_vfork_release(struct task *t)
{
	struct task *w = t->vfork_waiter ? sched_find(t->vfork_waiter) : NULL;
	t->vfork_waiter = 0;
	if (w && w->vfork_waiting) {
		w->vfork_waiting = false;
		sched_wake(&w->vfork_waiting, NULL, 1, ~0u);
	}
}

static int64_t do_clone(uint64_t flags, uint64_t sp, uint64_t parent_tid, uint64_t child_tid,
			uint64_t tls, int exit_signal, uint64_t upidfd)
{
	/* Linux's consistency checks, in its order. */
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_PARENT) && current->pid == 1)
		return -EINVAL;         /* an init may not make siblings */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_THREAD))
		return -EINVAL;
	if (flags & CLONE_NAMESPACES)
		return -EPERM;          /* a container has no CAP_SYS_ADMIN */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED))
		return -EINVAL;
	if (flags & CLONE_PIDFD)
		return clone_with_pidfd(flags, sp, parent_tid, child_tid, tls, exit_signal, upidfd);
	if (!(flags & CLONE_THREAD))
		return proc_fork(flags, sp, parent_tid, child_tid, tls, exit_signal);
	if (proc_nproc_reached())
		return -EAGAIN;
	struct task *parent = current_task;
	struct fdtable *files;
	struct fs_context *fs;
	if (sem_undo_prepare(flags) || task_share_or_copy(parent, flags, &files, &fs))
		return -ENOMEM;
	struct task *t = sched_task_new(current, parent->uregs);
	if (!t) {
		files_fs_put(files, fs);
		return -EAGAIN;
	}
	t->files = files;
	t->fs = fs;
	sem_undo_share(t, parent, flags);
	struct regs *r = task_regs(t);
	r->rax = 0;
	if (sp)
		r->rsp = sp;
	r->rcx = r->rip;                /* as Linux's return path leaves them */
	r->r11 = r->rflags;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : arch_get_fs_base();
	t->gs_base = arch_get_gs_base();
	t->sigmask = parent->sigmask;
	sched_params_inherit(t, parent);
	/* A thread on the same memory starts without the alternate signal stack (Linux). */
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = child_tid;
	uint32_t tid = (uint32_t)t->tid;
	/* Linux ignores a failure to store the tid. */
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(parent_tid, &tid, 4);
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(child_tid, &tid, 4);
	if (flags & CLONE_VFORK) {
		t->vfork_waiter = parent->tid;
		parent->vfork_waiting = true;
	}
	sched_start(t);
	if (flags & CLONE_VFORK)
		thread_vfork_wait(parent);
	return (int)tid;
}

int64_t sys_clone(uint64_t flags, uint64_t sp, uint64_t parent_tid, uint64_t child_tid,
		  uint64_t tls, uint64_t a5)
{
	/* The old clone stores the pidfd where the parent's tid would go: not both. */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	return do_clone(flags & ~(uint64_t)CSIGNAL, sp, parent_tid, child_tid, tls,
			(int)(flags & CSIGNAL), parent_tid);
}

/* Linux's ksys_unshare: the implied flags, then its checks in its order. Namespaces need
   CAP_SYS_ADMIN, which a container has not (as clone). CLONE_SYSVSEM parts from the System V
   semaphore undo list as an exit would (the last task on it applies its adjustments). */
int64_t sys_unshare(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	if (flags & CLONE_NEWUSER)
		flags |= CLONE_THREAD | CLONE_FS;
	if (flags & CLONE_VM)
		flags |= CLONE_SIGHAND;
	if (flags & CLONE_SIGHAND)
		flags |= CLONE_THREAD;
	if (flags & CLONE_NEWNS)
		flags |= CLONE_FS;
	if (flags & ~(uint64_t)(CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES |
				CLONE_SYSVSEM | CLONE_NAMESPACES | CLONE_NEWTIME))
		return -EINVAL;
	/* Threads, handlers and memory can be "unshared" only where nobody shares them. */
	if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && current->nthreads > 1)
		return -EINVAL;
	if ((flags & CLONE_VM) && current->mm->users > 1)
		return -EINVAL;         /* a vfork parent waits on this memory */
	if (flags & (CLONE_NAMESPACES | CLONE_NEWTIME))
		return -EPERM;
	int err = task_unshare_files(current_task, flags & CLONE_FILES, flags & CLONE_FS);
	if (!err && (flags & CLONE_SYSVSEM))
		sem_undo_exit(current_task);
	return err;
}

struct clone_args_k {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

int64_t sys_clone3(uint64_t uargs, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	struct clone_args_k ca;
	memset(&ca, 0, sizeof(ca));
	if (size < 64)                  /* CLONE_ARGS_SIZE_VER0 */
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&ca, uargs, MIN(size, sizeof(ca))))
		return -EFAULT;
	for (uint64_t off = sizeof(ca); off < size; off++) {     /* unknown fields must be zero */
		uint8_t b;
		if (copy_from_user(&b, uargs + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if ((ca.flags & CSIGNAL & ~(uint64_t)CLONE_NEWTIME) || (ca.exit_signal & ~(uint64_t)CSIGNAL))
		return -EINVAL;
	if ((ca.flags & (CLONE_THREAD | CLONE_PARENT)) && ca.exit_signal)
		return -EINVAL;
	if (!ca.stack != !ca.stack_size || ca.set_tid_size > 32 || (!ca.set_tid && ca.set_tid_size))
		return -EINVAL;
	if (ca.set_tid_size)
		return -EPERM;          /* choosing pids needs CAP_CHECKPOINT_RESTORE */
	if (ca.flags & CLONE_NEWTIME)
		return -EPERM;
	if ((ca.flags & CLONE_PIDFD) && (ca.flags & CLONE_PARENT_SETTID) && ca.pidfd == ca.parent_tid)
		return -EINVAL;
	return do_clone(ca.flags, ca.stack ? ca.stack + ca.stack_size : 0, ca.parent_tid,
			ca.child_tid, ca.tls, (int)ca.exit_signal, ca.pidfd);
}

/* One robust-list entry of a dying thread: a lock it still holds is marked FUTEX_OWNER_DIED and
   a waiter woken, as Linux's handle_futex_death. */
static void robust_futex_death(uint64_t uaddr, uint32_t tid)
{
	uint32_t v;
	if ((uaddr & 3) || copy_from_user(&v, uaddr, 4) || (v & FUTEX_TID_MASK) != tid)
		return;
	uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (copy_to_user(uaddr, &nv, 4))
		return;
	if (v & FUTEX_WAITERS)
		futex_wake(uaddr, 1);
}

/* Walks the thread's robust futex list (struct robust_list_head: next, futex_offset,
   list_op_pending), bounded as Linux's against loops. */
static void robust_list_exit(struct task *t)
{
	uint64_t head = t->robust_list, h[3];
	if (!head || copy_from_user(h, head, sizeof(h)))
		return;
	int64_t off = (int64_t)h[1];
	uint64_t entry = h[0] & ~1ull, pending = h[2] & ~1ull;
	for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;
		if (copy_from_user(&next, entry, 8))
			return;
		if (entry != pending)
			robust_futex_death(entry + (uint64_t)off, (uint32_t)t->tid);
		entry = next & ~1ull;
	}
	if (pending)
		robust_futex_death(pending + (uint64_t)off, (uint32_t)t->tid);
}

void thread_exit_cleanup(struct task *t)
{
	robust_list_exit(t);
	if (t->clear_child_tid) {
		uint32_t zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, 4))
			futex_wake(t->clear_child_tid, 1);
		t->clear_child_tid = 0;
	}
	thread_vfork_release(t);        /* after the tid is cleared, as Linux's mm_release */
	task_release_files(t);
	sem_undo_exit(t);
}

int64_t sys_exit(uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (current->nthreads <= 1)
		proc_exit((int)status);         /* the last thread: the process ends with its status */
	thread_exit_cleanup(current_task);
	sched_exit_task();
}

int64_t sys_fork(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return proc_fork(0, 0, 0, 0, 0, SIGCHLD);
}

int64_t sys_vfork(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return proc_fork(CLONE_VM | CLONE_VFORK, 0, 0, 0, 0, SIGCHLD);
}

int64_t sys_exit_group(uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	proc_exit((int)status);
}

int64_t sys_gettid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return current_task->tid;
}

int64_t sys_sched_yield(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	sched_yield_now(true);
	return 0;
}

int64_t sys_set_tid_address(uint64_t tidptr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			    uint64_t a5)
{
	current_task->clear_child_tid = tidptr;
	return current_task->tid;
}

int64_t sys_set_robust_list(uint64_t head, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4,
			    uint64_t a5)
{
	if (len != 24)          /* sizeof(struct robust_list_head) */
		return -EINVAL;
	current_task->robust_list = head;
	current_task->robust_len = len;
	return 0;
}

int64_t sys_get_robust_list(uint64_t pid, uint64_t head_ptr, uint64_t len_ptr, uint64_t a3,
			    uint64_t a4, uint64_t a5)
{
	struct task *t = pid ? sched_find((int)pid) : current_task;
	if (!t)
		return -ESRCH;
	if (copy_to_user(head_ptr, &t->robust_list, 8) || copy_to_user(len_ptr, &t->robust_len, 8))
		return -EFAULT;
	return 0;
}
