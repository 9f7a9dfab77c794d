/* Host stand-ins for the kernel services vfs/ calls, and helpers for VFS tests (kstub_vfs.h). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/cap.h"
#include "k/time.h"
#include "k/mm.h"
#include "vfs/vfs.h"
#include "vfs/dev.h"
#include "vfs/pipe.h"
#include "kstub.h"
#include "kstub_vfs.h"

int64_t kstub_time_ns = 1700000000123456789ll;
int kstub_truncate_calls;
uint64_t kstub_truncate_from;
static struct proc kstub_proc;
static struct task kstub_task;

int64_t time_realtime_ns(void)
{
	return kstub_time_ns;
}

void mm_truncate_inode_all(struct inode *ino, uint64_t from_pgoff)
{
	kstub_truncate_calls++;
	kstub_truncate_from = from_pgoff;
}

int dev_open(uint64_t rdev, struct file *f, bool noctty)
{
	return -ENXIO;
}

int pipe_fifo_open(struct inode *ino, struct file *f)
{
	return -ENXIO;
}

void kstub_vfs_init(uint64_t pages)
{
	kstub_init(pages);      /* the heap is kept: the dentry cache's globals may point into it */
	vfs_mounts = NULL;
	memset(&kstub_proc, 0, sizeof(kstub_proc));
	memset(&kstub_task, 0, sizeof(kstub_task));
	kstub_proc.pid = 1;
	kstub_proc.cap_eff = kstub_proc.cap_prm = kstub_proc.cap_bnd = CAP_FULL;  /* root */
	kstub_task.tid = 1;
	kstub_task.proc = &kstub_proc;
	current = &kstub_proc;
	current_task = &kstub_task;
	kstub_truncate_calls = 0;
	kstub_truncate_from = 0;
}

void kstub_vfs_cred(uint32_t uid, uint32_t gid)
{
	kstub_proc.uid = kstub_proc.euid = kstub_proc.fsuid = uid;
	kstub_proc.gid = kstub_proc.egid = kstub_proc.fsgid = gid;
	kstub_proc.cap_eff = kstub_proc.cap_prm = uid == 0 ? CAP_FULL : 0;
}

struct mount *kstub_vfs_root(struct fs_context *fs, struct inode *root)
{
	struct mount *m = vfs_mount(root->sb, root, NULL, "rootfs", "/");
	if (!m)
		return NULL;
	fs->root.mnt = fs->cwd.mnt = m;
	fs->root.d = fs->cwd.d = m->root;
	dentry_get(m->root);
	dentry_get(m->root);
	fs->umask = 022;
	kstub_task.fs = fs;
	return m;
}

struct mount *kstub_vfs_mount(struct fs_context *fs, const char *path, struct inode *root)
{
	struct path at;
	if (vfs_lookup(fs, &fs->root, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &at))
		return NULL;
	struct mount *m = vfs_mount(root->sb, root, &at, "tmpfs", path);
	path_put(&at);
	return m;
}

/* The parent directory of path and its last component. */
static int parent_of(struct fs_context *fs, const char *path, struct path *parent,
		     const char **last, size_t *len)
{
	bool slash;
	return vfs_lookup_parent(fs, &fs->cwd, path, parent, last, len, &slash);
}

static int mk(struct fs_context *fs, const char *path, uint32_t mode, const char *target,
	      const char *text)
{
	struct path p;
	const char *last;
	size_t len;
	int err = parent_of(fs, path, &p, &last, &len);
	if (err)
		return err;
	struct inode *dir = p.d->inode, *ino = NULL;
	err = target ? dir->ops->symlink(dir, last, len, target, &ino)
		     : dir->ops->create(dir, last, len, mode, 0, &ino);
	if (!err && text) {
		int64_t n = ino->ops->write(ino, text, strlen(text), 0);
		err = n == (int64_t)strlen(text) ? 0 : -EIO;
	}
	if (ino)
		inode_put(ino);
	path_put(&p);
	return err;
}

int kstub_mk(struct fs_context *fs, const char *path, uint32_t mode)
{
	return mk(fs, path, mode, NULL, NULL);
}

int kstub_mklink(struct fs_context *fs, const char *path, const char *target)
{
	return mk(fs, path, 0, target, NULL);
}

int kstub_mkfile(struct fs_context *fs, const char *path, const char *text)
{
	return mk(fs, path, S_IFREG | 0644, NULL, text);
}

struct inode *kstub_ino(struct fs_context *fs, const char *path, unsigned flags)
{
	struct path p;
	if (vfs_lookup(fs, &fs->cwd, path, flags, &p))
		return NULL;
	struct inode *ino = p.d->inode;        /* the dentry cache keeps it */
	path_put(&p);
	return ino;
}

int kstub_remove(struct fs_context *fs, const char *path, bool dir)
{
	struct path p;
	const char *last;
	size_t len;
	int err = parent_of(fs, path, &p, &last, &len);
	if (err)
		return err;
	struct dentry *d;
	err = vfs_child(p.d, last, len, &d);
	if (!err) {
		struct inode *di = p.d->inode;
		err = dir ? di->ops->rmdir(di, last, len, d->inode)
			  : di->ops->unlink(di, last, len, d->inode);
		dentry_put(d);
		if (!err)
			vfs_forget(p.d, last, len);
	}
	path_put(&p);
	return err;
}

int kstub_rename(struct fs_context *fs, const char *from, const char *to)
{
	struct path op, np;
	const char *ol, *nl;
	size_t olen, nlen;
	int err = parent_of(fs, from, &op, &ol, &olen);
	if (err)
		return err;
	err = parent_of(fs, to, &np, &nl, &nlen);
	if (!err) {
		err = op.d->inode->ops->rename(op.d->inode, ol, olen, np.d->inode, nl, nlen, 0);
		if (!err)
			vfs_move(op.d, ol, olen, np.d, nl, nlen, false);
		path_put(&np);
	}
	path_put(&op);
	return err;
}

/* dnotify (vfs/dnotify.c) signals processes: no registrations in these tests. */
void dnotify_flush_(struct fdtable *t, struct file *f)
{
}
