/* Process system calls: execve/execveat, wait4/waitid, kill to other processes, process groups
   and sessions (kernel/process.c has fork and exit). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/cap.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/arch.h"
#include "k/exec.h"
#include "k/itimer.h"
#include "k/uaccess.h"
#include "k/rseq.h"
#include "syscalls/fs_util.h"
#include "vfs/procfs.h"
#include "build/gen/syscall_decls.h"

#define WNOHANG 0x1
#define WUNTRACED 0x2
#define WSTOPPED 0x2
#define WEXITED 0x4
#define WCONTINUED 0x8
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000u
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SIG_IGN 1
#define SS_DISABLE 2

/* ---- execve ---- */

#define EXEC_STRINGS (256u << 10)       /* argv and envp strings together */
#define EXEC_MAX_STRINGS 8192
static char *exec_strings;
static const char *exec_vec[EXEC_MAX_STRINGS + 2];

/* Copies the NULL-terminated vector at uvec into exec_strings from *used on; out gets the
   pointers. -E2BIG past the limits, -EFAULT. */
static int exec_copy_vec(uint64_t uvec, const char **out, int max, size_t *used, int *count)
{
	*count = 0;
	if (!uvec)
		return 0;       /* Linux takes a NULL argv or envp as empty */
	for (int i = 0;; i++) {
		uint64_t up;
		if (copy_from_user(&up, uvec + (uint64_t)i * 8, 8))
			return -EFAULT;
		if (!up) {
			*count = i;
			return 0;
		}
		if (i >= max)
			return -E2BIG;
		int64_t n = strncpy_from_user(exec_strings + *used, up, EXEC_STRINGS - *used);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return (int)n;
		out[i] = exec_strings + *used;
		*used += (size_t)n + 1;
	}
}

/* What a new program starts with (Linux's flush_old_exec and setup_new_exec). */
static void exec_reset(struct proc *p, const char *path, const struct exec_args *a)
{
	struct task *t = current_task;
	if (t->files->users > 1) {              /* a table shared with CLONE_FILES: unshare */
		struct fdtable *own = fdtable_dup(t->files);
		if (own) {
			fdtable_put(t->files);
			t->files = own;
		}
	}
	fdtable_close_on_exec(t->files);
	for (int i = 0; i < NSIG; i++) {
		struct k_sigaction *ka = &p->sigaction[i];
		if (ka->handler != SIG_IGN)
			ka->handler = 0;
		ka->flags = 0;
		ka->mask = 0;
		ka->restorer = 0;
	}
	memset(t->sigaltstack, 0, sizeof(t->sigaltstack));
	ptimer_delete_all(p);           /* POSIX timers end at exec; pending signals stay */
	t->clear_child_tid = 0;
	t->robust_list = t->robust_len = 0;
	rseq_exec(t);
	t->tid = p->pid;        /* a thread other than the leader takes its id (Linux's de_thread) */
	arch_set_fs_base(0);
	arch_set_gs_base(0);
	arch_fpu_restore(exec_fpu_initial());
	const char *base = path;
	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			base = s + 1;
	size_t n = MIN(strlen(base), sizeof(p->comm) - 1);
	memcpy(p->comm, base, n);
	p->comm[n] = 0;
	p->did_exec = true;
	exec_commit_creds(p, a);
	p->securebits &= ~(uint32_t)SECBIT_KEEP_CAPS;
}

static int64_t do_execve(int dfd, uint64_t upath, uint64_t uargv, uint64_t uenvp, int flags)
{
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if (!exec_strings) {
		uint64_t pa = pmm_alloc_contig(EXEC_STRINGS / PAGE_SIZE);
		if (!pa)
			return -ENOMEM;
		exec_strings = phys_to_virt(pa);
	}
	char *path;
	int err = fs_user_path(upath, &path);
	if (err)
		return err;
	size_t used = 0;
	int argc, envc;
	const char **argv = exec_vec;
	if ((err = exec_copy_vec(uargv, argv, EXEC_MAX_STRINGS, &used, &argc)))
		goto out_path;
	argv[argc] = NULL;
	const char **envp = argv + argc + 1;
	if ((err = exec_copy_vec(uenvp, envp, EXEC_MAX_STRINGS - argc, &used, &envc)))
		goto out_path;
	envp[envc] = NULL;
	struct path start, prog;
	if (!path[0] && !(flags & AT_EMPTY_PATH)) {
		err = -ENOENT;
		goto out_path;
	}
	if ((err = fs_start(dfd, path, &start)))
		goto out_path;
	unsigned lf = (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
		      (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	err = vfs_lookup(current_task->fs, &start, path, lf, &prog);
	path_put(&start);
	if (err)
		goto out_path;
	struct inode *ino = prog.d->inode;
	if ((ino->mode & S_IFMT) == S_IFLNK)
		err = -ELOOP;
	else if ((ino->mode & S_IFMT) != S_IFREG)
		err = -EACCES;
	else
		err = vfs_permission(ino, 1);
	if (!err && ino->writecount > 0)
		err = -ETXTBSY;         /* open for writing somewhere */
	if (err)
		goto out_prog;
	/* From here the old program goes: its other threads first. */
	struct proc *p = current;
	proc_kill_other_threads();
	struct mm *nm = kmalloc(sizeof(*nm));
	if (!nm || mm_init(nm, boot_info->pml4) || arch_map_sled(nm->pml4)) {
		if (nm && nm->pml4)
			mm_destroy(nm);
		kfree(nm, sizeof(*nm));
		err = -ENOMEM;
		goto out_prog;
	}
	nm->users = 1;
	struct mm *old = p->mm;
	p->mm = nm;
	struct regs r;
	const char *why = NULL;
	struct exec_args a = { .argc = argc, .argv = argv, .envc = envc, .envp = envp,
			       .execfn = path };
	err = exec_load(p, ino, &a, &r, &why);
	if (err) {                      /* the old program goes on */
		p->mm = old;
		mm_destroy(nm);
		kfree(nm, sizeof(*nm));
		goto out_prog;
	}
	arch_switch_mm(nm->pml4);
	p->maxrss_kb = MAX(p->maxrss_kb, mm_resident_pages(old) * (PAGE_SIZE / 1024));
	if (old->users == 1)
		shm_unmap(old, 0, UINT64_MAX);
	proc_mm_put(old);
	exec_reset(p, path, &a);
	proc_vfork_release(p);
	thread_vfork_release(current_task);
	*current_task->uregs = r;
out_prog:
	path_put(&prog);
out_path:
	fs_path_free(path);
	return err;
}

int64_t sys_execve(uint64_t upath, uint64_t uargv, uint64_t uenvp, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	return do_execve(AT_FDCWD, upath, uargv, uenvp, 0);
}

int64_t sys_execveat(uint64_t dfd, uint64_t upath, uint64_t uargv, uint64_t uenvp,
		     uint64_t flags, uint64_t a5)
{
	return do_execve((int)dfd, upath, uargv, uenvp, (int)flags);
}

/* ---- pidfds ---- */

#define PIDFD_NONBLOCK 04000
#define O_CLOEXEC_ 02000000
#define SI_TKILL (-6)

struct pidfd {
	int pid;
};

static void pidfd_release(struct file *f)
{
	kfree(f->priv, sizeof(struct pidfd));
}

/* Readable once the process has ended (a zombie, or reaped). */
static uint32_t pidfd_poll(struct file *f)
{
	struct proc *p = proc_find(((struct pidfd *)f->priv)->pid);
	return !p || p->state != PROC_LIVE ? POLLIN | POLLRDNORM : 0;
}

static const struct file_ops pidfd_ops = {
	.stat = anon_stat,
	.release = pidfd_release,
	.poll = pidfd_poll,
	.anon_name = "[pidfd]",
};

/* The pid a pidfd refers to, or -EBADF; with proc_dir, an open /proc/<pid> directory too
   (Linux's tgid_pidfd_to_pid, for pidfd_send_signal). */
static int pidfd_pid(int fd, bool proc_dir)
{
	struct file *f = fd_get(current_task->files, fd);
	if (!f)
		return -EBADF;
	int pid = f->ops == &pidfd_ops ? ((struct pidfd *)f->priv)->pid :
		  proc_dir && file_inode(f) && !(f->flags & 010000000) ?
		  procfs_dir_tgid(file_inode(f)) : -EBADF;
	file_put(f);
	return pid;
}

int64_t sys_pidfd_open(uint64_t upid, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	int pid = (int)upid;
	if ((flags & ~(uint64_t)PIDFD_NONBLOCK) || pid <= 0)
		return -EINVAL;
	if (!proc_find(pid))
		return sched_find(pid) ? -EINVAL : -ESRCH;      /* a thread, not a process */
	struct pidfd *pf = kmalloc(sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->pid = pid;
	return anon_fd_new(&pidfd_ops, pf, sizeof(*pf), 02 | (unsigned)(flags & PIDFD_NONBLOCK),
			   true);       /* pidfds are always close-on-exec */
}

int pidfd_prepare(void)
{
	struct pidfd *pf = kmalloc(sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->pid = 0;
	return anon_fd_new(&pidfd_ops, pf, sizeof(*pf), 02, true);
}

void pidfd_settle(int fd, int pid)
{
	struct file *f = pid > 0 ? fd_get(current_task->files, fd) : NULL;
	if (f) {
		((struct pidfd *)f->priv)->pid = pid;
		file_put(f);
	} else {
		fd_close(current_task->files, fd);
	}
}

/* A copy of another process's file descriptor (the same open file), close-on-exec as Linux
   makes it. Linux asks for ptrace access: the same real uid as the target's, or root. */
bool proc_ptrace_allowed(const struct proc *p)
{
	const struct proc *c = current;
	if (p == c || capable(CAP_SYS_PTRACE))
		return true;
	return c->uid == p->uid && c->uid == p->euid && c->uid == p->suid &&
	       c->gid == p->gid && c->gid == p->egid && c->gid == p->sgid && !p->not_dumpable;
}

int64_t sys_pidfd_getfd(uint64_t fd, uint64_t targetfd, uint64_t flags, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	if (flags)
		return -EINVAL;
	int pid = pidfd_pid((int)fd, false);
	if (pid < 0)
		return pid;
	struct proc *p = proc_find(pid);
	if (!p || p->state != PROC_LIVE || !proc_files(p))
		return -ESRCH;
	if (!proc_ptrace_allowed(p))
		return -EPERM;
	struct file *f = fd_get(proc_files(p), (int)targetfd);
	if (!f)
		return -EBADF;
	int nfd = fd_install(current_task->files, f, 0, FD_CLOEXEC);
	if (nfd < 0)
		file_put(f);
	return nfd;
}

int64_t sys_pidfd_send_signal(uint64_t fd, uint64_t sig, uint64_t uinfo, uint64_t flags,
			      uint64_t a4, uint64_t a5)
{
	if (flags)
		return -EINVAL;
	int pid = pidfd_pid((int)fd, true);
	if (pid < 0)
		return pid;
	if ((int)sig < 0 || (int)sig > NSIG)
		return -EINVAL;
	struct proc *p = proc_find(pid);
	if (!p || p->state != PROC_LIVE)
		return -ESRCH;
	struct siginfo_k si = { .signo = (int)sig, .code = SI_USER,
				.addr = (uint64_t)(uint32_t)current->pid |
					((uint64_t)current->uid << 32) };
	if (uinfo) {
		if (copy_from_user(&si, uinfo, sizeof(si)))
			return -EFAULT;
		if (si.signo != (int)sig)
			return -EINVAL;
		/* Only the kernel may claim kernel codes, or tkill's, towards another process. */
		if (p != current && (si.code >= 0 || si.code == SI_TKILL))
			return -EPERM;
	}
	int err = kill_permitted(p, (int)sig);
	if (err)
		return err;
	return sig ? signal_raise_proc(p, (int)sig, &si) : 0;    /* EAGAIN as rt_sigqueueinfo */
}

/* ---- waiting for children ---- */

/* The children wait4/waitid may report: by id, and by their exit signal (__WCLONE, __WALL); an
   ended one (with WEXITED), a stopped one not reported yet (WUNTRACED/WSTOPPED), a continued
   one (WCONTINUED). */
static struct proc *wait_find(int idtype, int id, unsigned options, bool *any)
{
	*any = false;
	for (struct proc *c = current->children; c; c = c->sibling) {
		if (idtype == P_PID ? c->pid != id : idtype == P_PGID ? c->pgid != id : false)
			continue;
		bool clone_child = c->exit_signal != SIGCHLD;
		if (!(options & __WALL) && clone_child != !!(options & __WCLONE))
			continue;
		*any = true;
		if ((c->state == PROC_ZOMBIE && (options & WEXITED)) ||
		    (c->state == PROC_LIVE && c->report == REPORT_STOPPED && c->stopped &&
		     (options & WSTOPPED)) ||
		    (c->state == PROC_LIVE && c->report == REPORT_CONTINUED && (options & WCONTINUED)))
			return c;
	}
	return NULL;
}

/* Waits until a child to report exists: the child, NULL for WNOHANG, or -ECHILD/-ERESTARTSYS in
   *err. */
static struct proc *wait_child(int idtype, int id, unsigned options, int64_t *err)
{
	for (;;) {
		bool any;
		struct proc *z = wait_find(idtype, id, options, &any);
		if (z)
			return z;
		if (!any) {
			*err = -ECHILD;
			return NULL;
		}
		if (options & WNOHANG) {
			*err = 0;
			return NULL;
		}
		if (sched_wait(&current->children, NULL, -1, 0, "waiting for a child") < 0) {
			*err = -ERESTARTSYS;
			return NULL;
		}
	}
}

/* The reaped child's usage, its own and its reaped children's, as getrusage(RUSAGE_CHILDREN)
   will count it. */
static int wait_rusage(const struct proc *z, uint64_t urusage)
{
	struct ru_counts c = z->ru_dead;
	ru_add(&c, &z->ru_children);
	struct rusage_k ru;
	rusage_fill(&ru, z->cpu_dead_ns + z->cpu_children_ns, z->sys_dead_ns + z->sys_children_ns,
		    &c, MAX(z->maxrss_kb, z->cmaxrss_kb));
	return copy_to_user(urusage, &ru, sizeof(ru));
}

int64_t sys_wait4(uint64_t upid, uint64_t ustatus, uint64_t options, uint64_t urusage,
		  uint64_t a4, uint64_t a5)
{
	int pid = (int)upid;
	unsigned opt = (unsigned)options;
	if (opt & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	int idtype = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
	int id = pid > 0 ? pid : pid == 0 ? current->pgid : -pid;
	int64_t err;
	struct proc *z = wait_child(idtype, id, opt | WEXITED, &err);
	if (!z)
		return err;
	int zpid = z->pid;
	int status = z->state == PROC_ZOMBIE ? z->wait_status :
		     z->report == REPORT_STOPPED ? (z->stop_sig << 8) | 0x7f : 0xffff;
	if (ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	if (urusage && wait_rusage(z, urusage))
		return -EFAULT;
	if (z->state == PROC_ZOMBIE)
		proc_reap(z);
	else
		z->report = REPORT_NONE;        /* a stop or continue is reported once */
	return zpid;
}

int64_t sys_waitid(uint64_t idtype, uint64_t id, uint64_t uinfo, uint64_t options,
		   uint64_t urusage, uint64_t a5)
{
	unsigned opt = (unsigned)options;
	if (opt & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE |
		    __WALL))
		return -EINVAL;
	if (!(opt & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	int type = (int)idtype, wid = (int)id;
	if (type == P_PIDFD) {
		int pid = pidfd_pid(wid, false);
		if (pid < 0)
			return pid;
		type = P_PID;
		wid = pid;
	}
	if (type != P_ALL && type != P_PID && type != P_PGID)
		return -EINVAL;
	if ((type == P_PID && wid <= 0) || (type == P_PGID && wid < 0))
		return -EINVAL;
	if (type == P_PGID && wid == 0)
		wid = current->pgid;
	int64_t err;
	struct proc *z = wait_child(type, wid, opt, &err);
	struct siginfo_k si;
	memset(&si, 0, sizeof(si));
	if (!z) {
		if (!err && uinfo && copy_to_user(uinfo, &si, 32))     /* WNOHANG: no child ready */
			return -EFAULT;
		return err;
	}
	int ws = z->wait_status, sig = ws & 0x7f;
	int32_t status;
	si.signo = SIGCHLD;
	if (z->state != PROC_ZOMBIE) {
		bool stopped = z->report == REPORT_STOPPED;
		si.code = stopped ? CLD_STOPPED : CLD_CONTINUED;
		status = stopped ? z->stop_sig : 18;    /* SIGCONT */
	} else {
		si.code = !sig ? CLD_EXITED : (ws & 0x80) ? CLD_DUMPED : CLD_KILLED;
		status = sig ? sig : (ws >> 8) & 0xff;
	}
	si.addr = (uint64_t)(uint32_t)z->pid | ((uint64_t)z->uid << 32);
	memcpy(si.rest, &status, 4);
	if (uinfo && copy_to_user(uinfo, &si, sizeof(si)))
		return -EFAULT;
	if (urusage && wait_rusage(z, urusage))
		return -EFAULT;
	if (!(opt & WNOWAIT)) {
		if (z->state == PROC_ZOMBIE)
			proc_reap(z);
		else
			z->report = REPORT_NONE;
	}
	return 0;
}

/* ---- kill to processes and groups ---- */

static int kill_one(struct proc *p, int sig)
{
	int err = kill_permitted(p, sig);
	if (err)
		return err;
	if (sig && p->state == PROC_LIVE) {
		struct siginfo_k si = { .signo = sig, .code = SI_USER,
					.addr = (uint64_t)(uint32_t)current->pid |
						((uint64_t)current->uid << 32) };
		signal_raise_proc(p, sig, &si);
	}
	return 0;
}

int64_t sys_kill(uint64_t upid, uint64_t usig, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	int pid = (int)upid, sig = (int)usig;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid > 0) {
		struct proc *p = proc_find(pid);
		return p ? kill_one(p, sig) : -ESRCH;
	}
	if (pid == INT32_MIN)
		return -ESRCH;
	/* -1: every process but pid 1 and the caller; those it may not signal are passed over
	   (Linux's kill_something_info: an EPERM alone is no error). */
	if (pid == -1) {
		int count = 0, ret = 0;
		for (struct proc *p = proc_list; p; p = p->next) {
			if (p->pid <= 1 || p == current)
				continue;
			count++;
			int err = kill_one(p, sig);
			if (err != -EPERM)
				ret = err;
		}
		return count ? ret : -ESRCH;
	}
	/* 0: the caller's group; -N: group N. Success if one member got it, else the error. */
	int pgid = pid == 0 ? current->pgid : -pid, err = -ESRCH;
	bool sent = false;
	for (struct proc *p = proc_list; p; p = p->next) {
		if (p->pgid != pgid)
			continue;
		err = kill_one(p, sig);
		sent |= !err;
	}
	return sent ? 0 : err;
}

/* ---- process groups and sessions ---- */

int64_t sys_getpgid(uint64_t upid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = upid ? proc_find((int)upid) : current;
	return p ? p->pgid : -ESRCH;
}

int64_t sys_getpgrp(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return current->pgid;
}

int64_t sys_getsid(uint64_t upid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = upid ? proc_find((int)upid) : current;
	return p ? p->sid : -ESRCH;
}

int64_t sys_setsid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	for (struct proc *p = proc_list; p; p = p->next)
		if (p->pgid == current->pid)
			return -EPERM;  /* already a group leader (or its id names a group) */
	current->sid = current->pgid = current->pid;
	return current->pid;
}

int64_t sys_setpgid(uint64_t upid, uint64_t upgid, uint64_t a2, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	int pid = (int)upid ? (int)upid : current->pid, pgid = (int)upgid;
	if (pgid < 0)
		return -EINVAL;
	struct proc *p = proc_find(pid);
	if (!p || (p != current && p->parent != current))
		return -ESRCH;
	if (p != current && p->did_exec)
		return -EACCES;
	if (p->sid == p->pid || p->sid != current->sid)
		return -EPERM;          /* a session leader, or a child in another session */
	if (!pgid)
		pgid = p->pid;
	if (pgid != p->pid) {
		bool exists = false;
		for (struct proc *q = proc_list; q; q = q->next)
			if (q->pgid == pgid && q->sid == current->sid)
				exists = true;
		if (!exists)
			return -EPERM;
	}
	p->pgid = pgid;
	return 0;
}
