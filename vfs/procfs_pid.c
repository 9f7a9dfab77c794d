/* procfs: the files of /proc/<pid> that describe the process itself (status, stat, statm, cmdline,
   environ, comm, limits, cgroup) and its links (exe, cwd, root, fd/<n>) with fdinfo/<n>. */
#include "k/kernel.h"
#include "k/seccomp.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/stats.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "vfs/procfs.h"
#include "vfs/pipe.h"
#include "vfs/dev.h"
#include "vfs/pty.h"

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_CLOEXEC 02000000
#define SIGCHLD 17
#define PF_RANDOMIZE 0x00400000u

static uint64_t kb(uint64_t bytes) { return bytes >> 10; }

/* The thread a node shows: its tid under task/, else the process's lowest-numbered thread. */
static struct task *procfs_task(struct proc *p, const struct procfs_node *n)
{
	struct task *first = NULL;
	SCHED_FOR_EACH(t) {
		if (t->proc != p)
			continue;
		if (n->tid && t->tid == n->tid)
			return t;
		if (!first || t->tid < first->tid)
			first = t;
	}
	return first ? first : current_task;
}

/* The process's signal sets as Linux shows them: bit n-1 for signal n. */
static void procfs_sigsets(struct proc *p, uint64_t *ign, uint64_t *cgt)
{
	*ign = *cgt = 0;
	for (int i = 0; i < NSIG; i++) {
		if (p->sigaction[i].handler == 1)
			*ign |= 1ull << i;
		else if (p->sigaction[i].handler > 1)
			*cgt |= 1ull << i;
	}
}

/* Linux's FDSize: the fd table's size, 64 grown by doubling to cover the highest open fd. */
struct fdtable *procfs_files(struct proc *p, const struct procfs_node *n)
{
	struct task *t = n && n->tid ? sched_find(n->tid) : NULL;
	return t && t->proc == p ? t->files : proc_files(p);
}

struct fs_context *procfs_fs(struct proc *p, const struct procfs_node *n)
{
	struct task *t = n && n->tid ? sched_find(n->tid) : NULL;
	return t && t->proc == p ? t->fs : proc_fs(p);
}

static int procfs_fd_size(struct proc *p, const struct procfs_node *n)
{
	struct fdtable *ft = procfs_files(p, n);
	return ft ? fd_capacity(ft) : 0;
}

static void procfs_status_ids(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "Name:\t");
	for (const char *c = p->comm; *c && c < p->comm + sizeof(p->comm); c++) {
		if (*c == '\n')
			procfs_puts(b, "\\n");
		else if (*c == '\\')
			procfs_puts(b, "\\\\");
		else
			procfs_write(b, c, 1);
	}
	int pid = n->tid ? n->tid : p->pid;
	procfs_printf(b, "\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		      "PPid:\t%d\nTracerPid:\t0\n", procfs_fs(p, n)->umask, p->pid, pid, p->ppid);
	procfs_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t", p->uid,
		      p->euid, p->suid, p->fsuid, p->gid, p->egid, p->sgid, p->fsgid,
		      procfs_fd_size(p, n));
	for (uint32_t i = 0; i < p->ngroups; i++)
		procfs_printf(b, "%u ", p->groups[i]);
	procfs_printf(b, "\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p->pid, pid, p->pid,
		      p->pid);
}

int procfs_show_status(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	struct procfs_mem m;
	procfs_mem_stats(p, &m);
	uint64_t rss = (m.rss_anon + m.rss_file) * PAGE_SIZE, text = m.end_code - m.start_code;
	uint64_t ign, cgt;
	procfs_sigsets(p, &ign, &cgt);
	procfs_status_ids(b, p, n);
	/* VmHWM is the resident peak as getrusage's ru_maxrss measures it; VmPeak is not kept:
	   the current size. */
	procfs_printf(b, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n"
		      "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\n", kb(m.size), kb(m.size),
		      kb(mm_locked_bytes(p->mm)), 0ul, MAX(p->maxrss_kb, kb(rss)), kb(rss));
	procfs_printf(b, "RssAnon:\t%8lu kB\nRssFile:\t%8lu kB\nRssShmem:\t%8lu kB\n"
		      "VmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\nVmLib:\t%8lu kB\n",
		      kb(m.rss_anon * PAGE_SIZE), kb(m.rss_file * PAGE_SIZE), 0ul, kb(m.data),
		      kb(m.stack), kb(text), kb(m.exec - text));
	procfs_printf(b, "VmPTE:\t%8lu kB\nVmSwap:\t%8lu kB\nHugetlbPages:\t%8lu kB\n"
		      "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t%d\nSigQ:\t%lu/%lu\n", 0ul, 0ul,
		      0ul, p->nthreads, sigqueue_user_count(p->uid), p->rlim[RLIMIT_SIGPENDING].cur);
	procfs_printf(b, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\n"
		      "SigCgt:\t%016lx\n", procfs_task(p, n)->pending.set, p->pending.set,
		      procfs_task(p, n)->sigmask, ign, cgt);
	procfs_printf(b, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\n"
		      "CapAmb:\t%016lx\nNoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n",
		      p->cap_inh, p->cap_prm, p->cap_eff, p->cap_bnd, p->cap_amb, p->no_new_privs,
		      procfs_task(p, n)->seccomp_mode, seccomp_filter_count(procfs_task(p, n)));
	const struct task *t = procfs_task(p, n);
	procfs_printf(b, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t00000001\n"
		      "Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t%lu\n"
		      "nonvoluntary_ctxt_switches:\t%lu\n", t->ru.nvcsw, t->ru.nivcsw);
	return 0;
}

/* proc(5) /proc/pid/stat: 52 fields; what unik does not track is 0. */
int procfs_show_stat(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	struct procfs_mem m;
	procfs_mem_stats(p, &m);
	uint64_t ign, cgt, start = procfs_start_ticks();
	procfs_sigsets(p, &ign, &cgt);
	int tpgid;
	uint32_t tty = pty_session_tty(p->sid, &tpgid);
	/* CPU time in clock ticks (USER_HZ 100): the task's for /proc/<pid>/task/<tid>/stat */
	struct task *t = n->tid ? procfs_task(p, n) : NULL;
	uint64_t cpu = t ? sched_task_cpu(t) : sched_proc_cpu(p);
	uint64_t sys = MIN(t ? sched_task_sys(t) : sched_proc_sys(p), cpu);
	uint64_t ccpu = p->cpu_children_ns, csys = MIN(p->sys_children_ns, ccpu);
	struct ru_counts ru;
	if (t)
		ru = t->ru;
	else
		sched_proc_ru(p, &ru);
	procfs_printf(b, "%d (%s) R %d %d %d %u %d %u %lu %lu 0 0 %lu %lu %lu %lu 20 0 1 0 %lu ",
		      n->tid ? n->tid : p->pid, p->comm, p->ppid, p->pgid, p->sid, tty, tpgid,
		      PF_RANDOMIZE, ru.minflt, t ? 0 : p->ru_children.minflt,
		      (cpu - sys) / 10000000, sys / 10000000,
		      (ccpu - csys) / 10000000, csys / 10000000, start);
	/* Signals (fields 31-34) as Linux prints them: the task's own pending set, its blocked,
	   ignored and caught ones, the first 31 signals only. */
	const struct task *st = procfs_task(p, n);
	const uint64_t low = 0x7fffffff;
	procfs_printf(b, "%lu %lu %lu %lu %lu 0 0 0 %lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 ", m.size,
		      m.rss_anon + m.rss_file, p->rlim[5].cur, m.start_code, m.end_code,
		      st->pending.set & low, st->sigmask & low, ign & low, cgt & low, SIGCHLD);
	procfs_printf(b, "%lu %lu %lu %lu %lu %lu %lu 0\n", m.start_data, m.end_data,
		      p->mm->start_brk, p->arg_start, p->arg_end, p->env_start, p->env_end);
	return 0;
}

int procfs_show_statm(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	struct procfs_mem m;
	procfs_mem_stats(p, &m);
	procfs_printf(b, "%lu %lu %lu %lu 0 %lu 0\n", m.size / PAGE_SIZE, m.rss_anon + m.rss_file,
		      m.rss_file, (m.end_code - m.start_code) / PAGE_SIZE,
		      (m.data + m.stack) / PAGE_SIZE);
	return 0;
}

/* argv and envp as exec left them on the stack (changes the program made included). */
int procfs_show_cmdline(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	if (p->arg_end <= p->arg_start)
		return 0;
	int err = procfs_copy_user(b, p, p->arg_start, p->arg_end - p->arg_start);
	return err == -ESRCH ? 0 : err;
}

int procfs_show_environ(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	if (p->env_end <= p->env_start)
		return 0;
	int err = procfs_copy_user(b, p, p->env_start, p->env_end - p->env_start);
	return err == -ESRCH ? 0 : err;
}

int procfs_show_comm(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_printf(b, "%s\n", p->comm);
	return 0;
}

/* Linux's comm_write: the first 15 bytes name the process (a newline included, as there). */
int64_t procfs_write_comm(struct proc *p, const void *buf, size_t len)
{
	char name[sizeof(p->comm)];
	memset(name, 0, sizeof(name));
	memcpy(name, buf, MIN(len, sizeof(name) - 1));
	memcpy(p->comm, name, sizeof(name));
	return (int64_t)len;
}

int procfs_show_limits(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	static const char *const names[RLIM_NLIMITS][2] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
		{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" }, { "Max open files", "files" },
		{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
		{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" }, { "Max nice priority", NULL },
		{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
	};
	procfs_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		procfs_printf(b, "%-25s ", names[i][0]);
		const uint64_t v[2] = { p->rlim[i].cur, p->rlim[i].max };
		for (int j = 0; j < 2; j++) {
			if (v[j] == RLIM_INFINITY)
				procfs_printf(b, "%-20s ", "unlimited");
			else
				procfs_printf(b, "%-20lu ", v[j]);
		}
		if (names[i][1])
			procfs_printf(b, "%-10s\n", names[i][1]);
		else
			procfs_puts(b, "\n");
	}
	return 0;
}

/* cgroup v2 with the process at the root of its hierarchy, as in a container. */
int procfs_show_cgroup(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "0::/\n");
	return 0;
}

int procfs_show_personality(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_printf(b, "%08x\n", p->personality);
	return 0;
}

/* ---- links ---- */

static struct file *procfs_fd_file(struct proc *p, const struct procfs_node *n)
{
	struct fdtable *ft = procfs_files(p, n);
	return ft ? fd_file(ft, n->fd) : NULL;
}

uint32_t procfs_fd_mode(struct proc *p, const struct procfs_node *n)
{
	struct file *f = procfs_fd_file(p, n);
	int acc = f ? (int)(f->flags & O_ACCMODE) : 0;
	return (acc != O_WRONLY ? 0500 : 0) | (acc != 0 ? 0300 : 0);
}

int64_t procfs_link_cwd(struct proc *p, const struct procfs_node *n, char *buf, size_t size)
{
	return procfs_path_name(p, &procfs_fs(p, n)->cwd, buf, size);
}

int64_t procfs_link_root(struct proc *p, const struct procfs_node *n, char *buf, size_t size)
{
	return vfs_path_name(procfs_fs(p, n), &procfs_fs(p, n)->root, buf, size);
}

/* The program's file: a cached name of the file mapped as its text; else the path exec was given
   (AT_EXECFN, which stack_build puts right after the environment strings) made absolute. */
int64_t procfs_link_exe(struct proc *p, const struct procfs_node *n, char *buf, size_t size)
{
	struct procfs_mem m;
	procfs_mem_stats(p, &m);
	int64_t len = m.exe ? procfs_inode_path(p, m.exe, buf, size) : -ENOENT;
	if (len >= 0 || p != current || !p->env_end)
		return len;
	char *fn = buf + size / 2;
	len = strncpy_from_user(fn, p->env_end, size / 2);
	if (len <= 0)
		return -ENOENT;
	if (fn[0] == '/') {
		memmove(buf, fn, (size_t)len);
		return len;
	}
	while (fn[0] == '.' && fn[1] == '/')
		fn += 2;
	int64_t at = vfs_path_name(procfs_fs(p, n), &procfs_fs(p, n)->cwd, buf, size / 2);
	if (at < 0)
		return at;
	if (at > 1)
		buf[at++] = '/';
	len = (int64_t)strlen(fn);
	memmove(buf + at, fn, (size_t)len);
	return at + len;
}

/* How Linux names an open file in fd/: its path, or the kind and inode of an unnamed one. */
static int64_t procfs_file_name(struct proc *p, struct file *f, char *buf, size_t size)
{
	if (f->path.d && f->path.mnt)
		return procfs_path_name(p, &f->path, buf, size);
	if (f->path.d)
		return ksnprintf(buf, size, "/memfd: (deleted)");   /* the one unmounted maker */
	if (f->ops->anon_name)
		return ksnprintf(buf, size, "anon_inode:%s", f->ops->anon_name);
	struct stat st;
	if (!f->ops->stat || f->ops->stat(f, &st))
		return ksnprintf(buf, size, "anon_inode:[unknown]");
	unsigned major = (unsigned)(st.st_rdev >> 8), minor = (unsigned)(st.st_rdev & 0xff);
	switch (st.st_mode & S_IFMT) {
	case S_IFSOCK:
		return ksnprintf(buf, size, "socket:[%lu]", st.st_ino);
	case S_IFCHR: {
		/* A console that is a terminal reports pts minor = host fd; another character
		   device (/dev/null) the host's own number, named as devfs names it. */
		if (major == 136 && minor < 3)
			return ksnprintf(buf, size, "/dev/pts/0");
		const char *name = devfs_name(st.st_rdev);
		if (name)
			return ksnprintf(buf, size, "/dev/%s", name);
		return ksnprintf(buf, size, "/dev/char/%u:%u", major, minor);
	}
	default:
		return ksnprintf(buf, size, "pipe:[%lu]", st.st_ino);
	}
}

/* An unnamed inode standing for the console behind host fd 0, 1 or 2, so a reopen through the
   fd link (as /dev/stdout does) gets the console again. */
static struct inode *procfs_console_inode(int hostfd)
{
	static struct superblock devpts = { .dev = 0x18, .type = "devpts" };
	static const struct inode_ops none;
	struct inode *ino = inode_new(&devpts, S_IFCHR | 0620, &none);
	if (ino) {
		ino->rdev = DEV_MAKE(136, hostfd);
		ino->uid = current->euid;       /* a terminal belongs to its user, as /dev/pts/N */
		ino->gid = 5;                   /* tty */
	}
	return ino;
}

int procfs_get_link(struct proc *p, const struct procfs_node *n, struct path *out)
{
	if (procfs_table_link(n) == procfs_link_cwd || procfs_table_link(n) == procfs_link_root) {
		*out = procfs_table_link(n) == procfs_link_cwd ? procfs_fs(p, n)->cwd :
								 procfs_fs(p, n)->root;
		path_get(out);
		return 0;
	}
	struct inode *ino;
	if (procfs_table_link(n) == procfs_link_exe) {
		/* The program's file itself, named or not (a bare program has no name in the
		   tree), as Linux's exe link leads to the file even when it was deleted. */
		struct procfs_mem m;
		procfs_mem_stats(p, &m);
		if (!m.exe)
			return -ENOENT;
		ino = m.exe;
		inode_get(ino);
		goto detached;
	}
	struct file *f = procfs_fd_file(p, n);
	if (!f)
		return -ENOENT;
	if (f->path.d) {
		*out = f->path;
		path_get(out);
		return 0;
	}
	int hostfd;
	ino = pipe_inode(f);
	if (ino)
		inode_get(ino);
	else if (console_host_fd(f, &hostfd))
		ino = procfs_console_inode(hostfd);
	else
		return -ENXIO;
	if (!ino)
		return -ENOMEM;
detached:;
	struct dentry *d = dentry_new_root(ino);
	if (!d) {
		inode_put(ino);
		return -ENOMEM;
	}
	out->mnt = vfs_mounts;
	out->d = d;
	return 0;
}

int64_t procfs_link_fd(struct proc *p, const struct procfs_node *n, char *buf, size_t size)
{
	struct file *f = procfs_fd_file(p, n);
	if (!f)
		return -ENOENT;         /* closed since it was looked up */
	int64_t len = procfs_file_name(p, f, buf, size);
	return len < (int64_t)size ? len : -ENAMETOOLONG;
}

int procfs_show_fdinfo(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	struct file *f = procfs_fd_file(p, n);
	if (!f)
		return -ENOENT;
	struct stat st;
	if (!f->ops->stat || f->ops->stat(f, &st))
		st.st_ino = 0;
	unsigned flags = f->flags & ~(unsigned)O_CLOEXEC;
	if (fd_flags(procfs_files(p, n), n->fd) & FD_CLOEXEC)
		flags |= O_CLOEXEC;
	procfs_printf(b, "pos:\t%lu\nflags:\t0%o\nmnt_id:\t%d\nino:\t%lu\n", f->pos, flags,
		      procfs_mount_id(f->path.mnt), st.st_ino);
	if (f->ops->show_fdinfo)
		f->ops->show_fdinfo(f, b);
	return 0;
}
