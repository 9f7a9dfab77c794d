/* procfs: a process's memory (the numbers of status, stat and statm; maps), names of files found
   in the dentry cache, and the mount table (mounts, mountinfo). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/pt.h"
#include "vfs/vfs.h"
#include "vfs/procfs.h"

void procfs_mem_stats(struct proc *p, struct procfs_mem *m)
{
	memset(m, 0, sizeof(*m));
	for (struct vma *v = p->mm->vmas.head; v; v = v->next) {
		uint64_t len = v->end - v->start;
		m->size += len;
		mm_count_resident(p->mm, v->start, v->end, &m->rss_anon, &m->rss_file);
		if (v->flags & VMA_STACK)
			m->stack += len;
		else if ((v->prot & VMA_PROT_WRITE) && !(v->flags & VMA_SHARED))
			m->data += len;
		if ((v->flags & VMA_FILE) && (v->prot & VMA_PROT_EXEC)) {
			m->exec += len;
			if (!m->exe) {
				m->exe = v->inode;
				m->start_code = v->start;
				m->end_code = v->end;
			}
		}
	}
	for (struct vma *v = p->mm->vmas.head; v && m->exe; v = v->next) {
		if (v->inode == m->exe && v->start >= m->end_code && (v->prot & VMA_PROT_WRITE)) {
			m->start_data = v->start;
			m->end_data = v->end;
			break;
		}
	}
}

/* ---- names of cached files ---- */

/* As Linux's d_path: an unlinked dentry keeps its place, named with " (deleted)" after it. */
int64_t procfs_path_name(struct proc *p, const struct path *path, char *buf, size_t size)
{
	int64_t n = vfs_path_name(proc_fs(p), path, buf, size);
	if (n >= 0 && path->d->unlinked)
		n += ksnprintf(buf + n, size - (size_t)n, " (deleted)");
	return n < (int64_t)size ? n : -ENAMETOOLONG;
}

static void procfs_enter_mounts(struct path *p)
{
	while (p->d->mounted) {
		p->mnt = p->d->mounted;
		p->d = p->mnt->root;
	}
}

/* A pre-order walk of the dentry cache below p's root, crossing mounts. Nothing changes the cache
   meanwhile, so no references are taken. */
int64_t procfs_inode_path(struct proc *p, const struct inode *ino, char *buf, size_t size)
{
	const struct path root = proc_fs(p)->root;
	struct path cur = root;
	procfs_enter_mounts(&cur);
	for (;;) {
		if (cur.d->inode == ino)
			return procfs_path_name(p, &cur, buf, size);
		if (cur.d->child) {
			cur.d = cur.d->child;
			procfs_enter_mounts(&cur);
			continue;
		}
		for (;;) {
			if (cur.d == root.d && cur.mnt == root.mnt)
				return -ENOENT;
			if (cur.d == cur.mnt->root) {
				if (!cur.mnt->parent)
					return -ENOENT;
				cur.d = cur.mnt->mountpoint;    /* its own children are hidden */
				cur.mnt = cur.mnt->parent;
				continue;
			}
			if (cur.d->sibling) {
				cur.d = cur.d->sibling;
				procfs_enter_mounts(&cur);
				break;
			}
			cur.d = cur.d->parent;
		}
	}
}

/* ---- maps ---- */

static void procfs_map_line(struct procfs_buf *b, const struct vma *v, const char *name)
{
	const struct inode *ino = (v->flags & VMA_FILE) ? v->inode : NULL;
	uint64_t dev = ino && ino->sb ? ino->sb->dev : 0;
	char line[128];
	int l = ksnprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ",
			  v->start, v->end, (v->prot & VMA_PROT_READ) ? 'r' : '-',
			  (v->prot & VMA_PROT_WRITE) ? 'w' : '-', (v->prot & VMA_PROT_EXEC) ? 'x' : '-',
			  (v->flags & VMA_SHARED) ? 's' : 'p', ino ? v->pgoff << 12 : 0,
			  (unsigned)(dev >> 8), (unsigned)(dev & 0xff), ino ? ino->ino : 0);
	l = MIN(l, (int)sizeof(line) - 1);
	procfs_write(b, line, (size_t)l);
	if (name) {
		/* Linux pads the name to column 73 (seq_pad to 72, then one space). */
		for (; l < 72; l++)
			procfs_puts(b, " ");
		procfs_puts(b, " ");
		procfs_puts(b, name);
	}
	procfs_puts(b, "\n");
}

/* Files are named when the dentry cache still knows a name (the program's own file as its exe
   link says); otherwise only the inode shows. */
int procfs_show_maps(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	char *path = kmalloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	struct procfs_mem m;
	procfs_mem_stats(p, &m);
	const struct inode *named = NULL;
	int64_t plen = -1;
	for (struct vma *v = p->mm->vmas.head; v; v = v->next) {
		const char *name = NULL;
		if (v->flags & VMA_FILE) {
			if (v->inode != named) {
				named = v->inode;
				plen = named == m.exe ? procfs_link_exe(p, n, path, PATH_MAX - 1)
						      : procfs_inode_path(p, named, path, PATH_MAX);
				if (plen >= 0)
					path[plen] = 0;
			}
			name = plen > 0 ? path : NULL;
		} else if (v->flags & VMA_STACK) {
			name = "[stack]";
		} else if (v->flags & VMA_HEAP) {
			name = "[heap]";
		}
		procfs_map_line(b, v, name);
	}
	kfree(path, PATH_MAX);
	return 0;
}

/* ---- mounts ---- */

int procfs_mount_id(const struct mount *m)
{
	int id = 1;
	for (const struct mount *x = vfs_mounts; x; x = x->next, id++)
		if (x == m)
			return id;
	return 0;
}

/* Paths in the mount table escape blanks and backslashes as octal, as Linux's mangle does. */
static void procfs_mangle(struct procfs_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			procfs_printf(b, "\\%03o", (unsigned)(unsigned char)*s);
		else
			procfs_write(b, s, 1);
	}
}

static const char *procfs_mount_opts(const struct mount *m)
{
	bool ro = m->sb && (m->sb->flags & SB_RDONLY);
	if (!strcmp(m->fstype, "proc"))
		return ro ? "ro,nosuid,nodev,noexec,relatime" : "rw,nosuid,nodev,noexec,relatime";
	if (!strcmp(m->fstype, "devpts"))       /* as docker mounts it (vfs/devpts.c) */
		return "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666";
	return ro ? "ro" : "rw";
}

int procfs_show_mounts(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	for (const struct mount *m = vfs_mounts; m; m = m->next) {
		procfs_printf(b, "%s ", m->fstype);
		procfs_mangle(b, m->where);
		procfs_printf(b, " %s %s 0 0\n", m->fstype, procfs_mount_opts(m));
	}
	return 0;
}

int procfs_show_mountinfo(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	for (const struct mount *m = vfs_mounts; m; m = m->next) {
		uint64_t dev = m->sb ? m->sb->dev : 0;
		int id = procfs_mount_id(m);
		procfs_printf(b, "%d %d %u:%u / ", id, m->parent ? procfs_mount_id(m->parent) : id,
			      (unsigned)(dev >> 8), (unsigned)(dev & 0xff));
		procfs_mangle(b, m->where);
		const char *opts = procfs_mount_opts(m);
		procfs_printf(b, " %s - %s %s %s\n", opts, m->fstype, m->fstype,
			      opts[1] == 'o' ? "ro" : "rw");
	}
	return 0;
}
