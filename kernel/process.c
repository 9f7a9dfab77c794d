/* Processes: fork (copy-on-write address spaces, or the parent's with CLONE_VM), the end of a
   process (its threads, its resources, the zombie its parent reaps, SIGCHLD, orphans going to
   pid 1), and the search wait4/waitid make. pid 1 is the image's command: when it ends, the VM
   ends with its status, as a container does. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/arch.h"
#include "k/regs.h"
#include "k/uaccess.h"
#include "k/hc.h"
#include "k/itimer.h"
#include "k/rseq.h"
#include "vfs/vfs.h"
#include "vfs/pty.h"
#include "syscalls/syscall.h"

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define SIG_DFL 0
#define SIG_IGN 1
#define SA_NOCLDWAIT 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SA_NOCLDSTOP 1
#define SIGCONT 18

struct proc *proc_list;
static struct proc *free_procs;
static void proc_reap_later(struct proc *p);
static void proc_reap_pending(void);
#define PROC_PAGES ((sizeof(struct proc) + PAGE_SIZE - 1) / PAGE_SIZE)

struct proc *proc_find(int pid)
{
	for (struct proc *p = proc_list; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static struct proc *proc_alloc(void)
{
	struct proc *p = free_procs;
	if (p) {
		free_procs = p->next;
		return p;
	}
	uint64_t pa = pmm_alloc_contig(PROC_PAGES);
	return pa ? phys_to_virt(pa) : NULL;
}

static struct fs_context *fs_dup(const struct fs_context *fs)
{
	struct fs_context *n = kmalloc(sizeof(*n));
	if (!n)
		return NULL;
	*n = *fs;
	path_get(&n->root);
	path_get(&n->cwd);
	n->users = 1;
	return n;
}

static void fs_put(struct fs_context *fs)
{
	if (--fs->users > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	kfree(fs, sizeof(*fs));
}

void mm_truncate_inode_all(struct inode *ino, uint64_t from_pgoff)
{
	for (struct proc *p = proc_list; p; p = p->next)
		if (p->mm)
			mm_truncate_inode(p->mm, ino, from_pgoff);
}

/* Drops a process's hold on its address space; the last user frees it. Not the loaded one. */
void proc_mm_put(struct mm *mm)
{
	if (--mm->users > 0)
		return;
	mm_destroy(mm);
	kfree(mm, sizeof(*mm));
}

static void proc_link_child(struct proc *parent, struct proc *c)
{
	c->parent = parent;
	c->ppid = parent->pid;
	c->sibling = parent->children;
	parent->children = c;
}

static void proc_unlink_child(struct proc *c)
{
	for (struct proc **pp = &c->parent->children; *pp; pp = &(*pp)->sibling)
		if (*pp == c) {
			*pp = c->sibling;
			break;
		}
	c->sibling = NULL;
}

int task_share_or_copy(struct task *from, uint64_t flags, struct fdtable **files,
			struct fs_context **fs)
{
	if (flags & CLONE_FILES)
		(*files = from->files)->users++;
	else if (!(*files = fdtable_dup(from->files)))
		return -ENOMEM;
	if (flags & CLONE_FS)
		(*fs = from->fs)->users++;
	else if (!(*fs = fs_dup(from->fs))) {
		files_fs_put(*files, NULL);
		return -ENOMEM;
	}
	return 0;
}

int task_unshare_files(struct task *t, bool files, bool fs)
{
	struct fdtable *nf = NULL;
	struct fs_context *nfs = NULL;
	if (files && t->files->users > 1 && !(nf = fdtable_dup(t->files)))
		return -ENOMEM;
	if (fs && t->fs->users > 1 && !(nfs = fs_dup(t->fs))) {
		files_fs_put(nf, NULL);
		return -ENOMEM;
	}
	if (nf) {
		fdtable_put(t->files);
		t->files = nf;
	}
	if (nfs) {
		fs_put(t->fs);
		t->fs = nfs;
	}
	return 0;
}

void files_fs_put(struct fdtable *files, struct fs_context *fs)
{
	if (files)
		fdtable_put(files);
	if (fs)
		fs_put(fs);
}

void task_release_files(struct task *t)
{
	files_fs_put(t->files, t->fs);
	t->files = NULL;
	t->fs = NULL;
}

/* The main thread, else any live thread of p. */
static struct task *proc_some_task(struct proc *p)
{
	struct task *any = NULL;
	SCHED_FOR_EACH(t)
		if (t->proc == p) {
			if (t->tid == p->pid)
				return t;
			any = any ? any : t;
		}
	return any;
}

struct fdtable *proc_files(struct proc *p)
{
	struct task *t = proc_some_task(p);
	return t ? t->files : NULL;
}

struct fs_context *proc_fs(struct proc *p)
{
	struct task *t = proc_some_task(p);
	return t ? t->fs : NULL;
}

bool proc_nproc_reached(void)
{
	uint32_t uid = current->uid;
	if (!uid)
		return false;
	uint64_t n = 0;
	SCHED_FOR_EACH(t)
		n += t->proc->uid == uid;
	for (struct proc *q = proc_list; q; q = q->next)
		n += q->state == PROC_ZOMBIE && q->uid == uid;
	return n >= current->rlim[6].cur;
}

int64_t proc_fork(uint64_t flags, uint64_t sp, uint64_t parent_tid, uint64_t child_tid,
		  uint64_t tls, int exit_signal)
{
	struct proc *parent = current;
	struct task *pt = current_task;
	proc_reap_pending();            /* ended children nobody waits for (SIGCHLD ignored) */
	if (proc_nproc_reached())
		return -EAGAIN;
	struct proc *p = proc_alloc();
	if (!p)
		return -EAGAIN;
	*p = *parent;                   /* credentials, dispositions, limits, comm, arg area */
	p->children = p->sibling = NULL;
	p->state = PROC_LIVE;
	p->pending = (struct sigpending){ 0 };  /* a child starts with nothing pending */
	p->itimer_next = p->itimer_interval = 0;        /* timers are not inherited */
	p->vt_next = p->vt_interval = p->prof_next = p->prof_interval = 0;
	p->cpu_dead_ns = p->cpu_children_ns = p->sys_dead_ns = p->sys_children_ns = 0;
	memset(&p->ru_dead, 0, sizeof(p->ru_dead));
	memset(&p->ru_children, 0, sizeof(p->ru_children));
	p->maxrss_kb = p->cmaxrss_kb = 0;
	p->rss_noted_ns = 0;
	p->subreaper = false;           /* not inherited; pdeathsig is cleared for the child */
	p->pdeathsig = 0;
	memset(p->ptimers, 0, sizeof(p->ptimers));      /* the parent's, entries included */
	p->nptimers = 0;
	p->nthreads = 0;
	p->vfork_done = false;
	p->exit_signal = exit_signal;
	int err = -ENOMEM;
	if (flags & CLONE_VM) {
		p->mm->users++;
	} else {
		struct mm *mm = kmalloc(sizeof(*mm));
		if (!mm)
			goto fail_mm;
		if ((err = mm_fork(mm, parent->mm))) {
			kfree(mm, sizeof(*mm));
			goto fail_mm;
		}
		shm_fork(mm);
		mm->users = 1;
		p->mm = mm;
	}
	err = -ENOMEM;
	struct fdtable *files;
	struct fs_context *fs;
	if (sem_undo_prepare(flags) || task_share_or_copy(pt, flags, &files, &fs))
		goto fail_files;
	struct task *t = sched_task_new(p, pt->uregs);
	if (!t)
		goto fail_task;
	t->files = files;
	t->fs = fs;
	sem_undo_share(t, pt, flags);
	if (!(flags & CLONE_VM))
		rseq_fork(t, pt);
	p->pid = t->tid;                /* a process's first thread has the process's id */
	struct regs *r = task_regs(t);
	r->rax = 0;
	if (sp)
		r->rsp = sp;
	r->rcx = r->rip;
	r->r11 = r->rflags;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : arch_get_fs_base();
	t->gs_base = arch_get_gs_base();
	t->sigmask = pt->sigmask;
	sched_params_inherit(t, pt);
	if (!(flags & CLONE_VM))
		memcpy(t->sigaltstack, pt->sigaltstack, sizeof(t->sigaltstack));
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = child_tid;
	uint32_t pid = (uint32_t)p->pid;
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(parent_tid, &pid, 4);
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user_mm(p->mm, child_tid, &pid, 4);     /* in the child's memory */
	proc_link_child((flags & CLONE_PARENT) && parent->parent ? parent->parent : parent, p);
	p->next = proc_list;
	proc_list = p;
	sched_start(t);
	if (flags & CLONE_VFORK)
		/* The parent sleeps until the child execs or ends (signals wait too, as Linux's
		   uninterruptible vfork wait). */
		while (!p->vfork_done && !pt->killed) {
			uint64_t mask = pt->sigmask;
			pt->sigmask = ~0ull;
			sched_wait(&p->vfork_done, NULL, -1, 0, "vfork");
			pt->sigmask = mask;
		}
	return pid;
fail_task:
	files_fs_put(files, fs);
fail_files:
	proc_mm_put(p->mm);
fail_mm:
	p->next = free_procs;
	free_procs = p;
	return err;
}

void proc_vfork_release(struct proc *p)
{
	if (!p->vfork_done) {
		p->vfork_done = true;
		sched_wake(&p->vfork_done, NULL, INT32_MAX, ~0u);
	}
}

/* Ends every other thread of the current process and waits until they are gone: each leaves
   its system call (its wait ends with EINTR) and exits where it returns to the program. */
void proc_kill_other_threads(void)
{
	struct proc *p = current;
	if (p->nthreads <= 1)
		return;
	SCHED_FOR_EACH(t)
		if (t->proc == p && t != current_task)
			sched_kill_request(t);
	uint64_t mask = current_task->sigmask;
	current_task->sigmask = ~0ull;          /* nothing else matters until they are gone */
	while (p->nthreads > 1)
		sched_wait(&p->nthreads, NULL, -1, 0, "the end of the other threads");
	current_task->sigmask = mask;
}

static bool proc_ignores_children(const struct proc *parent)
{
	const struct k_sigaction *ka = &parent->sigaction[SIGCHLD - 1];
	return ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT);
}

void proc_exit_status(int wait_status, int exit_code)
{
	struct proc *p = current;
	if (p->pid == 1) {              /* the container's command: the VM ends with it */
		console_flush();
		proc_report_exit(exit_code);
	}
	proc_kill_other_threads();
	proc_vfork_release(p);
	thread_exit_cleanup(current_task);
	/* The address space stays loaded until the switch to the next process, which loads that
	   one's (a CR3 load through CPL0 saved per exit); only then can it go. Another user
	   (vfork's parent) keeps it. */
	struct mm *mm = p->mm;
	proc_note_rss(p);
	p->mm = NULL;
	if (mm->users == 1)
		shm_unmap(mm, 0, UINT64_MAX);
	if (mm->users > 1)
		proc_mm_put(mm);
	else
		sched_mm_put_later(mm);
	if (p->sid == p->pid)
		pty_session_exit(p->sid);       /* its terminal hangs up its foreground group */
	/* Orphans go to the nearest live subreaper above (PR_SET_CHILD_SUBREAPER), else to pid 1,
	   which reap them; those that asked (PR_SET_PDEATHSIG) get their signal. */
	struct proc *heir = proc_find(1);
	for (struct proc *a = p->parent; a; a = a->parent)
		if (a->subreaper && a->state == PROC_LIVE) {
			heir = a;
			break;
		}
	while (p->children) {
		struct proc *c = p->children;
		proc_unlink_child(c);
		proc_link_child(heir, c);
		if (c->state == PROC_ZOMBIE)
			sched_wake(&heir->children, NULL, INT32_MAX, ~0u);
		else if (c->pdeathsig) {
			struct siginfo_k si = { .signo = c->pdeathsig, .code = 0,
						.addr = (uint64_t)(uint32_t)p->pid |
							((uint64_t)p->uid << 32) };
			signal_raise_proc(c, c->pdeathsig, &si);
		}
	}
	p->state = PROC_ZOMBIE;
	p->wait_status = wait_status;
	ptimer_delete_all(p);           /* its timers are gone */
	struct proc *parent = p->parent;
	if (proc_ignores_children(parent) && p->exit_signal == SIGCHLD) {
		proc_unlink_child(p);   /* nobody will wait: no zombie (SIG_IGN, SA_NOCLDWAIT) */
		p->parent = NULL;
	} else if (p->exit_signal) {
		int sig = wait_status & 0x7f;
		struct siginfo_k si = { .signo = p->exit_signal,
					.code = !sig ? CLD_EXITED : (wait_status & 0x80) ? CLD_DUMPED
					      : CLD_KILLED };
		si.addr = (uint64_t)(uint32_t)p->pid | ((uint64_t)p->uid << 32);
		int32_t status = sig ? sig : (wait_status >> 8) & 0xff;
		memcpy(si.rest, &status, 4);    /* si_status follows si_pid and si_uid */
		signal_raise_proc(parent, p->exit_signal, &si);
	}
	sched_wake(&parent->children, NULL, INT32_MAX, ~0u);
	file_changed();                 /* pidfds of the process become readable */
	if (!p->parent)
		proc_reap_later(p);
	sched_exit_task();
}

/* Ended processes nobody will reap: freed at the next reap, once their task is off the CPU. */
static struct proc *reap_later;

static void proc_reap_later(struct proc *p)
{
	p->sibling = reap_later;
	reap_later = p;
}

static void proc_free(struct proc *p)
{
	sigqueue_flush(&p->pending, ~0ull);     /* as Linux, what is queued counts until then */
	for (struct proc **pp = &proc_list; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->next = free_procs;
	free_procs = p;
}

static void proc_reap_pending(void)
{
	while (reap_later) {
		struct proc *q = reap_later;
		reap_later = q->sibling;
		proc_free(q);
	}
}

void rusage_fill(struct rusage_k *ru, uint64_t ns, uint64_t sys, const struct ru_counts *c,
		 uint64_t maxrss_kb)
{
	sys = MIN(sys, ns);
	memset(ru, 0, sizeof(*ru));
	ru->utime_sec = (int64_t)((ns - sys) / 1000000000);
	ru->utime_usec = (int64_t)((ns - sys) % 1000000000 / 1000);
	ru->stime_sec = (int64_t)(sys / 1000000000);
	ru->stime_usec = (int64_t)(sys % 1000000000 / 1000);
	ru->maxrss = (int64_t)maxrss_kb;
	ru->minflt = (int64_t)c->minflt;
	ru->nvcsw = (int64_t)c->nvcsw;
	ru->nivcsw = (int64_t)c->nivcsw;
}

void proc_note_rss(struct proc *p)
{
	p->maxrss_kb = MAX(p->maxrss_kb, mm_resident_pages(p->mm) * (PAGE_SIZE / 1024));
}

void proc_reap(struct proc *p)
{
	current->cpu_children_ns += p->cpu_dead_ns + p->cpu_children_ns;
	current->sys_children_ns += p->sys_dead_ns + p->sys_children_ns;
	ru_add(&current->ru_children, &p->ru_dead);
	ru_add(&current->ru_children, &p->ru_children);
	current->cmaxrss_kb = MAX(current->cmaxrss_kb, MAX(p->maxrss_kb, p->cmaxrss_kb));
	proc_reap_pending();
	proc_unlink_child(p);
	proc_free(p);
}

/* ---- job control: stop and continue ---- */

/* Tells the parent a child stopped or continued (SIGCHLD unless SA_NOCLDSTOP) and wakes its
   waits. */
static void proc_notify_parent(struct proc *p, int code, int status)
{
	struct proc *parent = p->parent;
	if (!parent)
		return;
	if (!(parent->sigaction[SIGCHLD - 1].flags & SA_NOCLDSTOP)) {
		struct siginfo_k si = { .signo = SIGCHLD, .code = code,
					.addr = (uint64_t)(uint32_t)p->pid | ((uint64_t)p->uid << 32) };
		memcpy(si.rest, &status, 4);
		signal_raise_proc(parent, SIGCHLD, &si);
	}
	sched_wake(&parent->children, NULL, INT32_MAX, ~0u);
}

void proc_stop_wait(void)
{
	struct task *t = current_task;
	uint64_t kill = 1ull << (SIGKILL - 1), mask = t->sigmask;
	t->sigmask = ~kill;             /* only SIGKILL (or SIGCONT, which resumes) ends it */
	while (current->stopped && !(signal_pending_set() & kill) && !t->killed)
		sched_wait(&current->stopped, NULL, -1, 0, "a stopped process");
	t->sigmask = mask;
}

void proc_stop(int signo)
{
	struct proc *p = current;
	if (!p->stopped) {
		p->stopped = true;
		p->stop_sig = signo;
		p->report = REPORT_STOPPED;
		proc_notify_parent(p, CLD_STOPPED, signo);
	}
	proc_stop_wait();
}

void proc_continue(struct proc *p)
{
	if (!p->stopped)
		return;
	p->stopped = false;
	p->report = REPORT_CONTINUED;
	sched_wake(&p->stopped, NULL, INT32_MAX, ~0u);
	proc_notify_parent(p, CLD_CONTINUED, SIGCONT);
}
