/* procfs: the /proc tree. A table names every entry and its directory; directories may also hold
   numbered entries (processes, threads, fds). Inodes are made on lookup and say which entry, process
   and fd they stand for. File contents are generated into page buffers (see procfs_generate). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "vfs/procfs.h"
#include "net/net.h"

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK_(m) (((m) & S_IFMT) == S_IFLNK)

/* Which numbered entries a directory holds after its named ones. */
enum procfs_dyn { DYN_NONE, DYN_PIDS, DYN_TIDS, DYN_FDS };

struct procfs_entry {
	const char *name;       /* NULL: the entry numbered children of its directory are */
	uint16_t parent;        /* the directory it is in */
	uint16_t mode;
	uint8_t dyn;            /* directories: enum procfs_dyn */
	uint16_t dyn_ent;       /* ... and the entry those children are */
	procfs_show_fn *show;   /* files: the generator (or text, a constant content) */
	const char *text;
	procfs_link_fn *link;   /* symlinks */
	int64_t (*write)(struct proc *p, const void *buf, size_t len);
};

static procfs_link_fn procfs_link_self, procfs_link_thread_self, procfs_link_mounts;
static int64_t procfs_write_sysctl(struct proc *p, const void *buf, size_t len);

/* Directories and numbered entries have names here; files follow them in the table. */
enum {
	PE_ROOT, PE_PID, PE_TASK, PE_FD, PE_FDINFO, PE_FD_LINK, PE_FDINFO_FILE, PE_SYS,
	PE_SYS_KERNEL, PE_SYS_RANDOM, PE_SYS_VM, PE_SYS_FS, PE_SYS_FS_INOTIFY, PE_SYS_NET,
	PE_SYS_NET_CORE,
	PE_SYS_NET_IPV4, PE_NET, PE_SYSVIPC,
};

#define DIR_(dir, nm) { .name = nm, .parent = dir, .mode = S_IFDIR | 0555 }
#define FILE_(dir, nm, fn) { .name = nm, .parent = dir, .mode = S_IFREG | 0444, .show = fn }
#define LINK_(dir, nm, fn) { .name = nm, .parent = dir, .mode = S_IFLNK | 0777, .link = fn }
#define SYSCTL_(dir, nm, fn, txt) { .name = nm, .parent = dir, .mode = S_IFREG | 0644, .show = fn, \
				    .text = txt, .write = procfs_write_sysctl }

static const struct procfs_entry procfs_table[] = {
	[PE_ROOT] = { "", PE_ROOT, S_IFDIR | 0555, DYN_PIDS, PE_PID },
	[PE_PID] = { NULL, PE_ROOT, S_IFDIR | 0555 },
	[PE_TASK] = { "task", PE_PID, S_IFDIR | 0555, DYN_TIDS, PE_PID },
	[PE_FD] = { "fd", PE_PID, S_IFDIR | 0500, DYN_FDS, PE_FD_LINK },
	[PE_FDINFO] = { "fdinfo", PE_PID, S_IFDIR | 0555, DYN_FDS, PE_FDINFO_FILE },
	[PE_FD_LINK] = { NULL, PE_FD, S_IFLNK | 0700, .link = procfs_link_fd },
	[PE_FDINFO_FILE] = { NULL, PE_FDINFO, S_IFREG | 0444, .show = procfs_show_fdinfo },
	[PE_SYS] = DIR_(PE_ROOT, "sys"),
	[PE_SYS_KERNEL] = DIR_(PE_SYS, "kernel"),
	[PE_SYS_RANDOM] = DIR_(PE_SYS_KERNEL, "random"),
	[PE_SYS_VM] = DIR_(PE_SYS, "vm"),
	[PE_SYS_FS] = DIR_(PE_SYS, "fs"),
	[PE_SYS_FS_INOTIFY] = DIR_(PE_SYS_FS, "inotify"),
	[PE_SYS_NET] = DIR_(PE_SYS, "net"),
	[PE_SYS_NET_CORE] = DIR_(PE_SYS_NET, "core"),
	[PE_SYS_NET_IPV4] = DIR_(PE_SYS_NET, "ipv4"),
	[PE_NET] = DIR_(PE_ROOT, "net"),
	[PE_SYSVIPC] = DIR_(PE_ROOT, "sysvipc"),
	/* /proc */
	LINK_(PE_ROOT, "self", procfs_link_self),
	LINK_(PE_ROOT, "thread-self", procfs_link_thread_self),
	LINK_(PE_ROOT, "mounts", procfs_link_mounts),
	FILE_(PE_ROOT, "cpuinfo", procfs_show_cpuinfo),
	FILE_(PE_ROOT, "meminfo", procfs_show_meminfo),
	FILE_(PE_ROOT, "uptime", procfs_show_uptime),
	FILE_(PE_ROOT, "loadavg", procfs_show_loadavg),
	FILE_(PE_ROOT, "stat", procfs_show_stat_sys),
	FILE_(PE_ROOT, "version", procfs_show_version),
	FILE_(PE_ROOT, "filesystems", procfs_show_filesystems),
	/* /proc/net (net/procnet.c, net/unix.c) */
	FILE_(PE_NET, "dev", procfs_show_net_dev),
	FILE_(PE_NET, "if_inet6", procfs_show_net_if_inet6),
	FILE_(PE_NET, "route", procfs_show_net_route),
	FILE_(PE_NET, "tcp", procfs_show_net_tcp),
	FILE_(PE_NET, "tcp6", procfs_show_net_tcp6),
	FILE_(PE_NET, "udp", procfs_show_net_udp),
	FILE_(PE_NET, "udp6", procfs_show_net_udp6),
	FILE_(PE_NET, "udplite", procfs_show_net_udplite),
	FILE_(PE_NET, "udplite6", procfs_show_net_udplite6),
	FILE_(PE_NET, "unix", procfs_show_net_unix),
	/* /proc/sysvipc (syscalls/sys_shm.c, sys_sem.c, sys_msg.c) */
	FILE_(PE_SYSVIPC, "shm", procfs_show_sysvipc_shm),
	FILE_(PE_SYSVIPC, "sem", procfs_show_sysvipc_sem),
	FILE_(PE_SYSVIPC, "msg", procfs_show_sysvipc_msg),
	/* /proc/<pid> and /proc/<pid>/task/<tid> */
	LINK_(PE_PID, "exe", procfs_link_exe),
	LINK_(PE_PID, "cwd", procfs_link_cwd),
	LINK_(PE_PID, "root", procfs_link_root),
	FILE_(PE_PID, "status", procfs_show_status),
	FILE_(PE_PID, "stat", procfs_show_stat),
	FILE_(PE_PID, "statm", procfs_show_statm),
	FILE_(PE_PID, "maps", procfs_show_maps),
	FILE_(PE_PID, "cmdline", procfs_show_cmdline),
	{ .name = "environ", .parent = PE_PID, .mode = S_IFREG | 0400, .show = procfs_show_environ },
	{ .name = "comm", .parent = PE_PID, .mode = S_IFREG | 0644, .show = procfs_show_comm,
	  .write = procfs_write_comm },
	FILE_(PE_PID, "mounts", procfs_show_mounts),
	FILE_(PE_PID, "mountinfo", procfs_show_mountinfo),
	FILE_(PE_PID, "limits", procfs_show_limits),
	FILE_(PE_PID, "cgroup", procfs_show_cgroup),
	{ .name = "personality", .parent = PE_PID, .mode = S_IFREG | 0400,
	  .show = procfs_show_personality },
	/* /proc/sys */
	SYSCTL_(PE_SYS_KERNEL, "hostname", procfs_show_hostname, NULL),
	SYSCTL_(PE_SYS_KERNEL, "domainname", procfs_show_domainname, NULL),
	SYSCTL_(PE_SYS_KERNEL, "osrelease", NULL, "6.1.0-unik\n"),
	SYSCTL_(PE_SYS_KERNEL, "ostype", NULL, "Linux\n"),
	SYSCTL_(PE_SYS_KERNEL, "version", NULL, "#1 SMP unik\n"),
	SYSCTL_(PE_SYS_KERNEL, "pid_max", NULL, "4194304\n"),
	SYSCTL_(PE_SYS_KERNEL, "cap_last_cap", NULL, "40\n"),
	SYSCTL_(PE_SYS_KERNEL, "ngroups_max", NULL, "65536\n"),
	SYSCTL_(PE_SYS_KERNEL, "shmmax", NULL, "18446744073692774399\n"),
	SYSCTL_(PE_SYS_KERNEL, "shmall", NULL, "18446744073692774399\n"),
	SYSCTL_(PE_SYS_KERNEL, "shmmni", NULL, "4096\n"),
	SYSCTL_(PE_SYS_KERNEL, "sem", NULL, "32000\t1024000000\t500\t32000\n"),
	SYSCTL_(PE_SYS_KERNEL, "msgmax", NULL, "8192\n"),
	SYSCTL_(PE_SYS_KERNEL, "msgmnb", NULL, "16384\n"),
	SYSCTL_(PE_SYS_KERNEL, "msgmni", NULL, "32000\n"),
	SYSCTL_(PE_SYS_RANDOM, "boot_id", procfs_show_boot_id, NULL),
	SYSCTL_(PE_SYS_RANDOM, "uuid", procfs_show_uuid, NULL),
	SYSCTL_(PE_SYS_RANDOM, "entropy_avail", NULL, "256\n"),
	SYSCTL_(PE_SYS_VM, "overcommit_memory", NULL, "0\n"),
	SYSCTL_(PE_SYS_FS, "file-max", procfs_show_file_max, NULL),
	SYSCTL_(PE_SYS_FS, "nr_open", procfs_show_nr_open, NULL),
	SYSCTL_(PE_SYS_FS, "pipe-max-size", NULL, "1048576\n"),
	SYSCTL_(PE_SYS_FS_INOTIFY, "max_queued_events", procfs_show_inotify_queued, NULL),
	SYSCTL_(PE_SYS_FS_INOTIFY, "max_user_instances", procfs_show_inotify_instances, NULL),
	SYSCTL_(PE_SYS_FS_INOTIFY, "max_user_watches", procfs_show_inotify_watches, NULL),
	SYSCTL_(PE_SYS_NET_CORE, "somaxconn", NULL, "4096\n"),
	/* what docker sets in a container: ICMP echo sockets for every group (net/inet_raw.c) */
	SYSCTL_(PE_SYS_NET_IPV4, "ping_group_range", NULL, "0\t2147483647\n"),
};
#define PROCFS_NENT ARRAY_SIZE(procfs_table)

static const struct inode_ops procfs_dir_ops, procfs_file_iops, procfs_link_ops, procfs_magic_ops;

/* ---- processes ---- */

struct proc *procfs_proc_next(int after)
{
	struct proc *best = NULL;       /* the live process with the lowest pid above after */
	for (struct proc *p = proc_list; p; p = p->next)
		if (p->state == PROC_LIVE && p->pid > after && (!best || p->pid < best->pid))
			best = p;
	return best;
}

struct proc *procfs_proc_find(int pid)
{
	struct proc *p = procfs_proc_next(pid - 1);
	return p && p->pid == pid ? p : NULL;
}

/* ---- the content buffer ---- */

void procfs_write(struct procfs_buf *b, const void *data, size_t n)
{
	const char *s = data;
	while (n) {
		size_t page = b->len / PAGE_SIZE, off = b->len % PAGE_SIZE;
		if (page >= PROCFS_MAX_PAGES)
			return;
		if (!b->pages[page] && !(b->pages[page] = pmm_alloc()))
			return;
		size_t c = MIN(n, PAGE_SIZE - off);
		memcpy((char *)phys_to_virt(b->pages[page]) + off, s, c);
		b->len += c;
		s += c;
		n -= c;
	}
}

void procfs_puts(struct procfs_buf *b, const char *s)
{
	procfs_write(b, s, strlen(s));
}

void procfs_printf(struct procfs_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	procfs_write(b, tmp, (size_t)MIN(n, (int)sizeof(tmp) - 1));
}

int procfs_copy_user(struct procfs_buf *b, struct proc *p, uint64_t uaddr, uint64_t n)
{
	if (!p->mm)
		return -ESRCH;          /* ended */
	char tmp[256];
	while (n) {
		size_t c = (size_t)MIN(n, sizeof(tmp));
		if (copy_from_user_mm(p->mm, tmp, uaddr, c))
			return -EFAULT;
		procfs_write(b, tmp, c);
		uaddr += c;
		n -= c;
	}
	return 0;
}

static size_t procfs_buf_read(const struct procfs_buf *b, uint64_t pos, void *dst, size_t n)
{
	size_t done = 0;
	if (!b->pages)
		return 0;
	while (done < n && pos < b->len) {
		size_t off = pos % PAGE_SIZE;
		size_t c = (size_t)MIN(MIN(n - done, PAGE_SIZE - off), b->len - pos);
		memcpy((char *)dst + done, (char *)phys_to_virt(b->pages[pos / PAGE_SIZE]) + off, c);
		done += c;
		pos += c;
	}
	return done;
}

static void procfs_buf_free(struct procfs_buf *b)
{
	if (!b->pages)
		return;
	for (size_t i = 0; i < PROCFS_MAX_PAGES && b->pages[i]; i++)
		pmm_free(b->pages[i]);
	pmm_free(virt_to_phys(b->pages));
	b->pages = NULL;
	b->len = 0;
}

/* ---- nodes and inodes ---- */

/* What ino->priv holds. */
struct procfs_inode {
	struct procfs_node node;
	struct procfs_buf snap;         /* files: the content last generated (pages NULL: none) */
	bool fresh;                     /* generated by open and not read from offset 0 since */
};

static const struct procfs_node *node_of(const struct inode *ino)
{
	return &((const struct procfs_inode *)ino->priv)->node;
}

int procfs_dir_tgid(const struct inode *ino)
{
	if (ino->ops != &procfs_dir_ops)
		return -EBADF;
	const struct procfs_node *n = node_of(ino);
	return n->ent == PE_PID && !n->tid ? n->pid : -EBADF;
}

/* Stable and unique: the same node gets the same number whether listed or looked up (the pid in
   the high half; one bit for "under task/", which will want the tid when threads come). */
static uint64_t procfs_ino(const struct procfs_node *n)
{
	return ((uint64_t)n->pid << 32) | ((uint64_t)(n->tid != 0) << 31) | ((uint64_t)n->ent << 16) |
	       (uint64_t)(n->fd + 2);
}

static unsigned procfs_dtype(uint32_t mode)
{
	return S_ISDIR_(mode) ? DT_DIR : S_ISLNK_(mode) ? DT_LNK : DT_REG;
}

/* The node's process: 0, or -ENOENT when it is gone (*p stays NULL for system entries). */
static int procfs_node_proc(const struct procfs_node *n, struct proc **p)
{
	*p = NULL;
	if (n->pid && !(*p = procfs_proc_find(n->pid)))
		return -ENOENT;
	return 0;
}

static struct inode *procfs_inode(struct superblock *sb, const struct procfs_node *n)
{
	const struct procfs_entry *e = &procfs_table[n->ent];
	bool magic = e->link == procfs_link_fd || e->link == procfs_link_cwd ||
		     e->link == procfs_link_root || e->link == procfs_link_exe;
	const struct inode_ops *ops = S_ISDIR_(e->mode) ? &procfs_dir_ops :
				      magic ? &procfs_magic_ops :
				      S_ISLNK_(e->mode) ? &procfs_link_ops : &procfs_file_iops;
	struct inode *ino = inode_new(sb, e->mode, ops);
	struct procfs_inode *pi = ino ? kmalloc(sizeof(*pi)) : NULL;
	if (!pi) {
		inode_put(ino);
		return NULL;
	}
	pi->node = *n;
	ino->priv = pi;
	ino->ino = procfs_ino(n);
	struct proc *p;
	if (!procfs_node_proc(n, &p) && p) {
		ino->uid = p->euid;
		ino->gid = p->egid;
		if (n->ent == PE_FD_LINK)
			ino->mode = S_IFLNK | procfs_fd_mode(p, n);
	}
	if (S_ISDIR_(e->mode))
		ino->nlink = 2;
	return ino;
}

/* Is table entry i a named child of directory d? (task/<tid> has no task/ of its own.) */
static bool procfs_listed(const struct procfs_node *d, size_t i)
{
	return i != PE_ROOT && procfs_table[i].name && procfs_table[i].parent == d->ent &&
	       !(d->tid && i == PE_TASK);
}

/* The numbered child num of directory d, made in *c. */
static void procfs_numbered(const struct procfs_node *d, int num, struct procfs_node *c)
{
	const struct procfs_entry *e = &procfs_table[d->ent];
	c->ent = e->dyn_ent;
	c->pid = e->dyn == DYN_PIDS ? num : d->pid;
	c->tid = e->dyn == DYN_TIDS ? num : d->tid;
	c->fd = e->dyn == DYN_FDS ? num : -1;
}

/* The first numbered child of d at or above from, or -1. */
static int64_t procfs_numbered_next(const struct procfs_node *d, struct proc *p, uint64_t from)
{
	if (from > (uint64_t)INT32_MAX)
		return -1;
	switch (procfs_table[d->ent].dyn) {
	case DYN_PIDS: {
		struct proc *q = procfs_proc_next((int)from - 1);
		return q ? q->pid : -1;
	}
	case DYN_TIDS: {
		int64_t best = -1;      /* the lowest tid of p from `from` on */
		SCHED_FOR_EACH(t)
			if (t->proc == p && (uint64_t)t->tid >= from && (best < 0 || t->tid < best))
				best = t->tid;
		return best;
	}
	case DYN_FDS: {
		struct fdtable *ft = procfs_files(p, d);
		return ft && from < FD_NR_OPEN ? fd_next(ft, (int)from) : -1;
	}
	default:
		return -1;
	}
}

/* A decimal number as Linux reads /proc names (no sign, no leading zeros), or -1. */
static int64_t procfs_number(const char *s, size_t len)
{
	if (!len || len > 9 || (s[0] == '0' && len > 1))
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int procfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	const struct procfs_node *d = node_of(dir);
	struct proc *p;
	int err = procfs_node_proc(d, &p);
	if (err)
		return err;
	struct procfs_node c = { .pid = d->pid, .tid = d->tid, .fd = -1 };
	size_t i;
	for (i = 0; i < PROCFS_NENT; i++)
		if (procfs_listed(d, i) && strlen(procfs_table[i].name) == len &&
		    !memcmp(procfs_table[i].name, name, len))
			break;
	if (i < PROCFS_NENT) {
		c.ent = (uint16_t)i;
	} else {
		int64_t num = procfs_number(name, len);
		if (num < 0 || procfs_numbered_next(d, p, (uint64_t)num) != num)
			return -ENOENT;
		procfs_numbered(d, (int)num, &c);
	}
	*out = procfs_inode(dir->sb, &c);
	return *out ? 0 : -ENOMEM;
}

/* The directory holding d (for ".."). */
static void procfs_parent(const struct procfs_node *d, struct procfs_node *par)
{
	uint16_t up = d->ent == PE_PID && d->tid ? PE_TASK : procfs_table[d->ent].parent;
	bool in_pid = up != PE_ROOT && d->pid;
	par->ent = up;
	par->pid = in_pid ? d->pid : 0;
	par->tid = in_pid && up != PE_TASK ? d->tid : 0;
	par->fd = -1;
}

/* Positions: 0 ".", 1 "..", 2 + i table entry i, 2 + PROCFS_NENT + n numbered child n. */
static int procfs_iterate(struct inode *dir, uint64_t *pos,
			  int (*emit)(void *, const char *, size_t, uint64_t, unsigned), void *ctx)
{
	const struct procfs_node *d = node_of(dir);
	struct proc *p;
	int err = procfs_node_proc(d, &p);
	if (err)
		return err;
	struct procfs_node c;
	if (*pos == 0) {
		if (emit(ctx, ".", 1, dir->ino, DT_DIR))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		procfs_parent(d, &c);
		if (emit(ctx, "..", 2, procfs_ino(&c), DT_DIR))
			return 0;
		*pos = 2;
	}
	for (; *pos < 2 + PROCFS_NENT; (*pos)++) {
		size_t i = *pos - 2;
		if (!procfs_listed(d, i))
			continue;
		c = (struct procfs_node){ (uint16_t)i, d->pid, d->tid, -1 };
		const char *name = procfs_table[i].name;
		if (emit(ctx, name, strlen(name), procfs_ino(&c), procfs_dtype(procfs_table[i].mode)))
			return 0;
	}
	const struct procfs_entry *e = &procfs_table[d->ent];
	int64_t num;
	while ((num = procfs_numbered_next(d, p, *pos - 2 - PROCFS_NENT)) >= 0) {
		char name[16];
		int len = ksnprintf(name, sizeof(name), "%d", (int)num);
		procfs_numbered(d, (int)num, &c);
		*pos = 2 + PROCFS_NENT + (uint64_t)num;
		if (emit(ctx, name, (size_t)len, procfs_ino(&c),
			 procfs_dtype(procfs_table[e->dyn_ent].mode)))
			return 0;
		*pos += 1;
	}
	return 0;
}

static int64_t procfs_readlink(struct inode *ino, char *buf, size_t len)
{
	const struct procfs_node *n = node_of(ino);
	struct proc *p;
	int64_t r = procfs_node_proc(n, &p);
	if (r)
		return r;
	char *tmp = kmalloc(PATH_MAX);
	if (!tmp)
		return -ENOMEM;
	r = procfs_table[n->ent].link(p, n, tmp, PATH_MAX);
	if (r >= 0) {
		r = (int64_t)MIN((size_t)r, len);
		memcpy(buf, tmp, (size_t)r);
	}
	kfree(tmp, PATH_MAX);
	return r;
}

/* ---- file contents ---- */

/* The content is generated when the file is opened and again by each read at offset 0 (as
   seq_file restarts there), so a program that seeks back sees fresh values; reads further on see
   the same snapshot. The snapshot goes once a read finds the end. */
static int procfs_generate(struct inode *ino)
{
	struct procfs_inode *pi = ino->priv;
	const struct procfs_entry *e = &procfs_table[pi->node.ent];
	struct proc *p;
	int err = procfs_node_proc(&pi->node, &p);
	if (err)
		return err;
	uint64_t pa = pmm_alloc();
	if (!pa)
		return -ENOMEM;
	struct procfs_buf b = { phys_to_virt(pa), 0 };
	if (e->show)
		err = e->show(&b, p, &pi->node);
	else if (e->text)
		procfs_puts(&b, e->text);
	if (err) {
		procfs_buf_free(&b);
		return err;
	}
	procfs_buf_free(&pi->snap);
	pi->snap = b;
	return 0;
}

static int procfs_open(struct inode *ino, struct file *f)
{
	struct procfs_inode *pi = ino->priv;
	/* /proc/net shows eth0 once its DHCP lease came, as a socket finds it (before the process
	   the entry stands for is looked up: the wait may outlast it) */
	const struct procfs_entry *e = &procfs_table[pi->node.ent];
	if (e->parent == PE_NET && e->show != procfs_show_net_unix)
		net_settle();
	int err = procfs_generate(ino);
	pi->fresh = !err;
	return err;
}

static int64_t procfs_file_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	struct procfs_inode *pi = ino->priv;
	if ((off == 0 && !pi->fresh) || !pi->snap.pages) {
		int err = procfs_generate(ino);
		if (err)
			return err;
	}
	pi->fresh = false;
	size_t n = procfs_buf_read(&pi->snap, off, buf, len);
	if (!n)
		procfs_buf_free(&pi->snap);
	return (int64_t)n;
}

static int64_t procfs_file_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	struct procfs_inode *pi = ino->priv;
	const struct procfs_entry *e = &procfs_table[pi->node.ent];
	if (!e->write)
		return -EINVAL;         /* Linux: a proc file without a write method */
	struct proc *p;
	return procfs_node_proc(&pi->node, &p) ? -ESRCH : e->write(p, buf, len);
}

static int64_t procfs_write_sysctl(struct proc *p, const void *buf, size_t len)
{
	return -EACCES;                 /* kernel parameters are fixed here */
}

static void procfs_release(struct inode *ino)
{
	struct procfs_inode *pi = ino->priv;
	if (!pi)
		return;
	procfs_buf_free(&pi->snap);
	kfree(pi, sizeof(*pi));
}

static const struct inode_ops procfs_dir_ops = {
	.lookup = procfs_lookup,
	.iterate = procfs_iterate,
	.release = procfs_release,
};

static const struct inode_ops procfs_file_iops = {
	.open = procfs_open,
	.read = procfs_file_read,
	.write = procfs_file_write,
	.release = procfs_release,
};

static int procfs_magic_link(struct inode *ino, struct path *out)
{
	const struct procfs_node *n = node_of(ino);
	struct proc *p;
	int r = (int)procfs_node_proc(n, &p);
	return r ? r : procfs_get_link(p, n, out);
}

procfs_link_fn *procfs_table_link(const struct procfs_node *n)
{
	return procfs_table[n->ent].link;
}

static const struct inode_ops procfs_link_ops = {
	.readlink = procfs_readlink,
	.release = procfs_release,
};

/* fd/N, cwd and root lead to the open file or directory itself, not to a name. */
static const struct inode_ops procfs_magic_ops = {
	.readlink = procfs_readlink,
	.get_link = procfs_magic_link,
	.release = procfs_release,
};

/* ---- links about the reader ---- */

static int64_t procfs_link_self(struct proc *p, const struct procfs_node *n, char *buf,
				size_t size)
{
	return ksnprintf(buf, size, "%d", current->pid);
}

static int64_t procfs_link_thread_self(struct proc *p, const struct procfs_node *n, char *buf,
				       size_t size)
{
	return ksnprintf(buf, size, "%d/task/%d", current->pid, current_task->tid);
}

static int64_t procfs_link_mounts(struct proc *p, const struct procfs_node *n, char *buf,
				  size_t size)
{
	return ksnprintf(buf, size, "self/mounts");
}

struct inode *procfs_new(uint64_t dev)
{
	struct superblock *sb = kmalloc(sizeof(*sb));
	if (!sb)
		return NULL;
	sb->dev = dev;
	sb->type = "proc";
	struct procfs_node root = { PE_ROOT, 0, 0, -1 };
	return procfs_inode(sb, &root);
}
