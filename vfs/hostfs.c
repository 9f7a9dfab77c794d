/* hostfs: directories, names, symlinks, attributes and xattrs of a host directory, through the
   monitor's file hypercalls (kernel/hc.c). The monitor confines every call to the shared
   directory; here symlinks and ".." are resolved by the VFS in the guest's own tree, so a link
   to "/" or "../../etc" in a volume leads to the guest's "/" and never to the host's. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/hc.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "vfs/hostfs.h"

static const struct inode_ops hostfs_ops;

static struct hostfs_node *node(struct inode *ino) { return ino->priv; }
static uint32_t handle(struct inode *ino) { return node(ino)->handle; }

void hostfs_attr_apply(struct inode *ino, const struct unik_hc_fs_attr *a)
{
	ino->ino = a->ino;
	ino->mode = a->mode;
	ino->uid = a->uid;
	ino->gid = a->gid;
	ino->nlink = (uint32_t)a->nlink;
	ino->size = a->size;
	ino->rdev = a->rdev;
	ino->blocks = a->blocks;
	ino->atime = (struct timespec64){ a->atime_sec, a->atime_nsec };
	ino->mtime = (struct timespec64){ a->mtime_sec, a->mtime_nsec };
	ino->ctime = (struct timespec64){ a->ctime_sec, a->ctime_nsec };
}

int hostfs_getattr(struct inode *ino)
{
	struct unik_hc_fs_attr a;
	int err = hc_fs_getattr(handle(ino), &a);
	if (!err)
		hostfs_attr_apply(ino, &a);
	return err;
}

/* An inode for handle h (which it owns: released on failure). */
static struct inode *hostfs_inode(struct superblock *sb, uint32_t h,
				  const struct unik_hc_fs_attr *a)
{
	struct inode *ino = inode_new(sb, a->mode, &hostfs_ops);
	struct hostfs_node *n = ino ? kmalloc(sizeof(*n)) : NULL;
	if (!n) {
		if (ino)
			inode_put(ino);
		hc_fs_close(h);
		return NULL;
	}
	n->handle = h;
	n->checked_ns = time_monotonic_ns();
	ino->priv = n;
	hostfs_attr_apply(ino, a);
	return ino;
}

/* ---- directory listings: the last batch of records is kept, since programs read a
   directory with buffers (musl: 2 KiB) much smaller than a batch ---- */

static uint8_t hostfs_dbuf[4096] __attribute__((aligned(8)));
static struct {
	struct inode *dir;              /* whose batch hostfs_dbuf holds (NULL: none) */
	uint64_t start;                 /* the cookie it was read from */
	uint64_t len;
} hostfs_batch;

void hostfs_list_forget(struct inode *dir)
{
	if (hostfs_batch.dir == dir)
		hostfs_batch.dir = NULL;
}

static void hostfs_dir_changed(struct inode *dir)
{
	hostfs_list_forget(dir);
	dir->mtime = dir->ctime = vfs_now();
}

/* The record at byte at of the batch, checked, or NULL. */
static const struct unik_hc_fs_dirent *hostfs_record(uint64_t at)
{
	const struct unik_hc_fs_dirent *r = (const void *)(hostfs_dbuf + at);
	if (at + sizeof(*r) > hostfs_batch.len || r->reclen < sizeof(*r) + r->name_len + 1u ||
	    r->reclen > hostfs_batch.len - at)
		return NULL;
	return r;
}

/* Where cookie pos resumes in the batch of dir (its byte offset), or -1: not in it. */
static int64_t hostfs_batch_find(struct inode *dir, uint64_t pos)
{
	if (hostfs_batch.dir != dir || pos == 0)
		return -1;      /* a listing from the start always asks the host again */
	if (pos == hostfs_batch.start)
		return 0;
	for (uint64_t at = 0; at < hostfs_batch.len;) {
		const struct unik_hc_fs_dirent *r = hostfs_record(at);
		if (!r)
			return -1;
		at += r->reclen;
		if (r->next == pos)
			return at < hostfs_batch.len ? (int64_t)at : -1;
	}
	return -1;
}

static int hostfs_iterate(struct inode *dir, uint64_t *pos,
			  int (*emit)(void *, const char *, size_t, uint64_t, unsigned), void *ctx)
{
	for (;;) {
		int64_t at = hostfs_batch_find(dir, *pos);
		if (at < 0) {
			uint64_t next;
			hostfs_batch.dir = NULL;
			int64_t n = hc_fs_readdir(handle(dir), hostfs_dbuf, sizeof(hostfs_dbuf), *pos,
						  &next);
			if (n <= 0)
				return (int)n;          /* 0: the end */
			hostfs_batch.dir = dir;
			hostfs_batch.start = *pos;
			hostfs_batch.len = (uint64_t)n;
			at = 0;
		}
		while ((uint64_t)at < hostfs_batch.len) {
			const struct unik_hc_fs_dirent *r = hostfs_record((uint64_t)at);
			if (!r) {
				hostfs_batch.dir = NULL;
				return -EIO;
			}
			if (emit(ctx, (const char *)(r + 1), r->name_len, r->ino, r->type))
				return 0;
			*pos = r->next;
			at += r->reclen;
			if (r->next == 0)
				return 0;       /* a cookie that cannot resume: the end */
		}
	}
}

/* ---- names ---- */

static int hostfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	uint32_t h;
	struct unik_hc_fs_attr a;
	int err = hc_fs_lookup(handle(dir), name, len, &h, &a);
	if (err)
		return err;
	*out = hostfs_inode(dir->sb, h, &a);
	return *out ? 0 : -ENOMEM;
}

/* New files belong to the creating process, as on Linux (and as docker's bind mounts show
   them): the monitor made them as itself, so they are given away when it may. */
static void hostfs_own(struct inode *dir, uint32_t h, struct unik_hc_fs_attr *a)
{
	struct hostfs_sb *s = dir->sb->priv;
	uint32_t uid = current ? current->fsuid : 0, gid = current ? current->fsgid : 0;
	struct unik_hc_fs_setattr set = { .handle = h, .uid = uid, .gid = gid };
	if (a->uid != uid)
		set.valid |= UNIK_FS_SET_UID;
	if (a->gid != gid && !(dir->mode & S_ISGID))
		set.valid |= UNIK_FS_SET_GID;
	if (!set.valid || s->chown_refused)
		return;
	struct unik_hc_fs_attr after;
	int err = hc_fs_setattr(&set, &after);
	if (err == -EPERM)
		s->chown_refused = true;
	if (after.mode)
		*a = after;
}

/* The end of every call that made dir/name as handle h. */
static int hostfs_made(struct inode *dir, uint32_t h, struct unik_hc_fs_attr *a,
		       struct inode **out)
{
	hostfs_own(dir, h, a);
	hostfs_dir_changed(dir);
	if ((a->mode & S_IFMT) == S_IFDIR)
		dir->nlink++;
	*out = hostfs_inode(dir->sb, h, a);
	return *out ? 0 : -ENOMEM;
}

static int hostfs_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
			 uint64_t rdev, struct inode **out)
{
	uint32_t h;
	struct unik_hc_fs_attr a;
	int err = hc_fs_create(handle(dir), name, len, mode, &h, &a);
	err = err ? err : hostfs_made(dir, h, &a, out);
	if (!err)
		((struct hostfs_node *)(*out)->priv)->host_writable = true;  /* opened read-write */
	return err;
}

static int hostfs_symlink(struct inode *dir, const char *name, size_t len, const char *target,
			  struct inode **out)
{
	uint32_t h;
	struct unik_hc_fs_attr a;
	int err = hc_fs_symlink(handle(dir), name, len, target, &h, &a);
	return err ? err : hostfs_made(dir, h, &a, out);
}

static int hostfs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	if (target->ops != &hostfs_ops || target->sb != dir->sb)
		return -EXDEV;
	int err = hc_fs_link(handle(target), handle(dir), name, len);
	if (err)
		return err;
	hostfs_dir_changed(dir);
	hostfs_getattr(target);         /* the new link count (the link exists either way) */
	return 0;
}

static int hostfs_unlink(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
	int err = hc_fs_remove(handle(dir), name, len, false);
	if (err)
		return err;
	hostfs_dir_changed(dir);
	if (victim->nlink)
		victim->nlink--;
	victim->ctime = vfs_now();
	return 0;
}

static int hostfs_rmdir(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
	int err = hc_fs_remove(handle(dir), name, len, true);
	if (err)
		return err;
	hostfs_dir_changed(dir);
	victim->nlink = 0;
	if (dir->nlink > 2)
		dir->nlink--;
	return 0;
}

static int hostfs_rename(struct inode *olddir, const char *oldname, size_t oldlen,
			 struct inode *newdir, const char *newname, size_t newlen, unsigned flags)
{
	if (newdir->ops != &hostfs_ops || newdir->sb != olddir->sb)
		return -EXDEV;
	int err = hc_fs_rename(handle(olddir), oldname, oldlen, handle(newdir), newname, newlen,
			       flags & (UNIK_FS_RENAME_NOREPLACE | UNIK_FS_RENAME_EXCHANGE));
	if (err)
		return err;
	hostfs_dir_changed(olddir);
	hostfs_dir_changed(newdir);
	hostfs_getattr(olddir);         /* link counts when a directory moved */
	if (newdir != olddir)
		hostfs_getattr(newdir);
	return 0;
}

/* A name cached more than HOSTFS_NAME_TTL ago is checked again: the host may have removed the
   file or put another one in its place (as editors save, with rename). So is one the host
   reported moved (checked_ns 0), or cached before host events were lost (hostfs_names_epoch). */
#define HOSTFS_NAME_TTL 1000000000ull
uint64_t hostfs_names_epoch;

static int hostfs_revalidate(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	uint64_t now = time_monotonic_ns(), checked = node(ino)->checked_ns;
	if (checked && checked >= hostfs_names_epoch && now - checked < HOSTFS_NAME_TTL)
		return 0;
	struct unik_hc_fs_attr a;
	if (hc_fs_stat_name(handle(dir), name, len, &a) || a.ino != ino->ino ||
	    (a.mode & S_IFMT) != (ino->mode & S_IFMT))
		return 1;
	node(ino)->checked_ns = now;
	hostfs_attr_apply(ino, &a);
	return 0;
}

static int64_t hostfs_readlink(struct inode *ino, char *buf, size_t len)
{
	return hc_fs_readlink(handle(ino), buf, len);
}

/* ---- extended attributes: user.* only (include/unik/abi.h says why); the monitor enforces
   the same, these only spare it the calls that cannot succeed ---- */

static bool hostfs_xattr_user(const char *name)
{
	return !strncmp(name, "user.", 5);
}

static int64_t hostfs_getxattr(struct inode *ino, const char *name, void *buf, size_t size)
{
	return hostfs_xattr_user(name) ? hc_fs_getxattr(handle(ino), name, buf, size) : -ENODATA;
}

static int64_t hostfs_listxattr(struct inode *ino, char *buf, size_t size)
{
	return hc_fs_listxattr(handle(ino), buf, size);
}

static int hostfs_setxattr(struct inode *ino, const char *name, const void *value, size_t size,
			   int flags)
{
	if (!hostfs_xattr_user(name))
		return -EOPNOTSUPP;
	return hc_fs_setxattr(handle(ino), name, value, size, (unsigned)flags);
}

static int hostfs_removexattr(struct inode *ino, const char *name)
{
	if (!hostfs_xattr_user(name))
		return -EOPNOTSUPP;
	return hc_fs_removexattr(handle(ino), name);
}

static void hostfs_release(struct inode *ino)
{
	if (!ino->priv)
		return;
	hostfs_list_forget(ino);
	hostfs_watch_release(ino);
	hostfs_writeback(ino);
	hc_fs_close(handle(ino));
	hostfs_free_pages(ino);
	kfree(ino->priv, sizeof(struct hostfs_node));
}

/* Dirty pages of a shared mapping are written back first; one written back later (munmap,
   msync, exit) opens the host file for writing again only while it writes. */
static void hostfs_writers_gone(struct inode *ino)
{
	struct hostfs_node *n = ino->priv;
	if (!n)
		return;
	if (n->ndirty && n->pages)
		hostfs_writeback(ino);  /* which then drops the write access */
	else
		hostfs_writers_idle(ino);
}

static const struct inode_ops hostfs_ops = {
	.lookup = hostfs_lookup,
	.create = hostfs_create,
	.symlink = hostfs_symlink,
	.link = hostfs_link,
	.unlink = hostfs_unlink,
	.rmdir = hostfs_rmdir,
	.rename = hostfs_rename,
	.readlink = hostfs_readlink,
	.setattr = hostfs_setattr,
	.iterate = hostfs_iterate,
	.read = hostfs_read,
	.write = hostfs_write,
	.page = hostfs_page,
	.release = hostfs_release,
	.writers_gone = hostfs_writers_gone,
	.getattr = hostfs_getattr,
	.mmap = hostfs_mmap,
	.writeback = hostfs_writeback,
	.text_page = hostfs_text_page,
	.is_text_page = hostfs_is_text_page,
	.fsync = hostfs_fsync,
	.sync_range = hostfs_sync_range,
	.statfs = hostfs_statfs,
	.revalidate = hostfs_revalidate,
	.getxattr = hostfs_getxattr,
	.listxattr = hostfs_listxattr,
	.setxattr = hostfs_setxattr,
	.removexattr = hostfs_removexattr,
	.watch = hostfs_watch,
};

struct inode *hostfs_new(uint64_t dev, uint32_t h, unsigned sb_flags, const char **why)
{
	struct unik_hc_fs_attr a;
	*why = "the shared directory is gone";
	if (hc_fs_getattr(h, &a))
		return NULL;
	*why = "out of memory";
	struct superblock *sb = kmalloc(sizeof(*sb));
	struct hostfs_sb *s = kmalloc(sizeof(*s));
	if (!sb || !s)
		return NULL;
	sb->dev = dev;
	sb->type = "hostfs";
	sb->flags = sb_flags;
	sb->priv = s;
	struct inode *root = hostfs_inode(sb, h, &a);
	if (root)
		*why = NULL;
	return root;
}
