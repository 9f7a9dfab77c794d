/* System calls that change the tree: mkdir, mknod, unlink, rmdir, rename, link, symlink, and
   attributes (chmod, chown, utimensat, truncate), plus readlink and statfs. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "vfs/acl.h"
#include "vfs/dev.h"
#include "vfs/fsnotify.h"
#include "build/gen/syscall_decls.h"

#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)

/* The parent directory and last name of (dfd, upath), checked for writing. */
struct target {
	char *name;
	struct path parent;
	const char *last;
	size_t len;
	bool slash;
};

static int target_get(int dfd, uint64_t upath, struct target *t)
{
	int err = fs_user_path(upath, &t->name);
	if (err)
		return err;
	struct path start;
	err = fs_start(dfd, t->name, &start);
	if (!err) {
		err = vfs_lookup_parent(current_task->fs, &start, t->name, &t->parent, &t->last, &t->len,
					&t->slash);
		path_put(&start);
	}
	if (err)
		fs_path_free(t->name);
	return err;
}

static void target_put(struct target *t)
{
	path_put(&t->parent);
	fs_path_free(t->name);
}

static bool target_is_dots(const struct target *t)
{
	return (t->len == 1 && t->last[0] == '.') ||
	       (t->len == 2 && t->last[0] == '.' && t->last[1] == '.');
}

/* May entries be added to or removed from dir? */
static int dir_writable(struct inode *dir)
{
	if (dir->sb && (dir->sb->flags & SB_RDONLY))
		return -EROFS;
	return vfs_permission(dir, 3);
}

int fs_mknod(int dfd, const char *name, uint32_t mode, uint64_t dev, struct inode **out)
{
	struct target t = { 0 };
	struct path start;
	int err = fs_start(dfd, name, &start);
	if (err)
		return err;
	err = vfs_lookup_parent(current_task->fs, &start, name, &t.parent, &t.last, &t.len, &t.slash);
	path_put(&start);
	if (err)
		return err;
	struct inode *dir = t.parent.d->inode, *ino = NULL;
	uint32_t type = mode & S_IFMT;
	struct dentry *d;
	if (target_is_dots(&t) || t.len == 0)
		err = -EEXIST;
	else if (vfs_child(t.parent.d, t.last, t.len, &d) == 0) {
		dentry_put(d);
		err = -EEXIST;
	} else if (t.slash && type != S_IFDIR)
		err = -ENOENT;
	else if ((err = dir_writable(dir)))
		;
	else if (!dir->ops->create)
		err = -EPERM;
	else
		err = dir->ops->create(dir, t.last, t.len, type | (mode & 07777 &
				       ~vfs_acl_umask(dir, current_task->fs->umask)), dev, &ino);
	if (!err)
		fsnotify_name(dir, FS_CREATE, t.last, t.len, 0, type == S_IFDIR);
	path_put(&t.parent);
	if (!err && out)
		*out = ino;
	else if (!err)
		inode_put(ino);
	return err;
}

static int64_t mknod_at(int dfd, uint64_t upath, uint32_t mode, uint64_t dev)
{
	char *name;
	int err = fs_user_path(upath, &name);
	if (err)
		return err;
	err = fs_mknod(dfd, name, mode, dev, NULL);
	fs_path_free(name);
	return err;
}

int64_t sys_mkdir(uint64_t path, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return mknod_at(AT_FDCWD, path, S_IFDIR | ((uint32_t)mode & 01777), 0);
}

int64_t sys_mkdirat(uint64_t dfd, uint64_t path, uint64_t mode, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return mknod_at((int)dfd, path, S_IFDIR | ((uint32_t)mode & 01777), 0);
}

static int64_t mknod_check(int dfd, uint64_t path, uint64_t mode, uint64_t dev)
{
	uint32_t type = (uint32_t)mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	if (type == S_IFDIR || type == S_IFLNK || (type != S_IFREG && type != S_IFCHR &&
						      type != S_IFBLK && type != S_IFIFO &&
						      type != S_IFSOCK))
		return -EINVAL;
	if ((type == S_IFCHR || type == S_IFBLK) && !capable(CAP_MKNOD))
		return -EPERM;
	if (type == S_IFBLK)
		return -EPERM;  /* no block devices */
	uint64_t rdev = DEV_MAKE((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
	return mknod_at(dfd, path, type | ((uint32_t)mode & 07777), rdev);
}

int64_t sys_mknod(uint64_t path, uint64_t mode, uint64_t dev, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return mknod_check(AT_FDCWD, path, mode, dev);
}

int64_t sys_mknodat(uint64_t dfd, uint64_t path, uint64_t mode, uint64_t dev, uint64_t a4,
		    uint64_t a5)
{
	return mknod_check((int)dfd, path, mode, dev);
}

/* unlink (dir false) or rmdir (dir true). */
static int64_t remove_at(int dfd, uint64_t upath, bool rmdir)
{
	struct target t;
	int err = target_get(dfd, upath, &t);
	if (err)
		return err;
	struct inode *dir = t.parent.d->inode;
	struct dentry *d = NULL;
	if (rmdir && t.len == 1 && t.last[0] == '.')
		err = -EINVAL;
	else if (rmdir && target_is_dots(&t))
		err = -ENOTEMPTY;
	else if (t.len == 0 || target_is_dots(&t))
		err = -EISDIR;
	else if (!(err = vfs_child(t.parent.d, t.last, t.len, &d))) {
		struct inode *victim = d->inode;
		bool isdir = S_ISDIR_(victim->mode);
		inode_get(victim);
		if (rmdir && !isdir)
			err = -ENOTDIR;
		else if (!rmdir && isdir)
			err = -EISDIR;
		else if (!rmdir && t.slash)
			err = -ENOTDIR;
		else if (d->mounted)
			err = -EBUSY;
		else if ((err = dir_writable(dir)))
			;
		else if ((dir->mode & S_ISVTX) && !capable(CAP_FOWNER) &&
			 current->fsuid != victim->uid && current->fsuid != dir->uid)
			err = -EPERM;
		else if (!(rmdir ? dir->ops->rmdir : dir->ops->unlink))
			err = -EPERM;
		else
			err = rmdir ? dir->ops->rmdir(dir, t.last, t.len, victim)
				    : dir->ops->unlink(dir, t.last, t.len, victim);
		/* Linux's order: the link count (unlink), the inode's end when nothing else holds
		   its name (the forgotten dentry's last put), then the directory's entry. */
		if (!err && !rmdir)
			fsnotify_inode(victim, FS_ATTRIB);
		dentry_put(d);
		if (!err) {
			vfs_forget(t.parent.d, t.last, t.len);
			fsnotify_name(dir, FS_DELETE, t.last, t.len, 0, isdir);
		}
		inode_put(victim);
	}
	target_put(&t);
	return err;
}

int64_t sys_unlink(uint64_t path, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return remove_at(AT_FDCWD, path, false);
}

int64_t sys_rmdir(uint64_t path, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return remove_at(AT_FDCWD, path, true);
}

int64_t sys_unlinkat(uint64_t dfd, uint64_t path, uint64_t flags, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return remove_at((int)dfd, path, flags & AT_REMOVEDIR);
}

/* Is d inside (or equal to) ancestor, in the same mount? */
static bool dentry_within(struct dentry *d, struct dentry *ancestor)
{
	for (;;) {
		if (d == ancestor)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

#define RENAME_EXCHANGE_ 2

/* Linux's fsnotify_move: MOVED_FROM and MOVED_TO with one cookie, the overwritten target's link
   count, MOVE_SELF on the moved inode; an exchange moves the other inode back the same way. */
static void rename_notify(const struct target *o, const struct target *n, struct inode *moved,
			  struct inode *target, unsigned flags)
{
	if (!fsnotify_marks)
		return;
	bool isdir = S_ISDIR_(moved->mode);
	uint32_t cookie = fsnotify_cookie();
	uint32_t same_dir = o->parent.d->inode == n->parent.d->inode ? FS_DN_RENAME : 0;
	fsnotify_name(o->parent.d->inode, FS_MOVED_FROM | same_dir, o->last, o->len, cookie, isdir);
	fsnotify_name(n->parent.d->inode, FS_MOVED_TO, n->last, n->len, cookie, isdir);
	if (target && !(flags & RENAME_EXCHANGE_))
		fsnotify_inode(target, FS_ATTRIB);
	fsnotify_inode(moved, FS_MOVE_SELF);
	if (target && (flags & RENAME_EXCHANGE_)) {
		isdir = S_ISDIR_(target->mode);
		cookie = fsnotify_cookie();
		fsnotify_name(n->parent.d->inode, FS_MOVED_FROM, n->last, n->len, cookie, isdir);
		fsnotify_name(o->parent.d->inode, FS_MOVED_TO, o->last, o->len, cookie, isdir);
		fsnotify_inode(target, FS_MOVE_SELF);
	}
}

static int64_t rename_at(int odfd, uint64_t oldp, int ndfd, uint64_t newp, unsigned flags)
{
	if (flags & ~3u || (flags & 3u) == 3u)
		return -EINVAL;         /* RENAME_WHITEOUT and NOREPLACE|EXCHANGE */
	struct target o, n;
	int err = target_get(odfd, oldp, &o);
	if (err)
		return err;
	if ((err = target_get(ndfd, newp, &n))) {
		target_put(&o);
		return err;
	}
	struct dentry *od = NULL, *nd = NULL;
	if (target_is_dots(&o) || target_is_dots(&n) || !o.len || !n.len)
		err = -EBUSY;
	else if (o.parent.mnt != n.parent.mnt)
		err = -EXDEV;
	else if (!(err = vfs_child(o.parent.d, o.last, o.len, &od))) {
		int nerr = vfs_child(n.parent.d, n.last, n.len, &nd);
		bool odir = S_ISDIR_(od->inode->mode);
		bool same = nd && nd->inode == od->inode && !(flags & 1);  /* not NOREPLACE */
		if (nerr && nerr != -ENOENT)
			err = nerr;
		else if ((o.slash || n.slash) && !odir)
			err = -ENOTDIR;
		else if (odir && dentry_within(n.parent.d, od))
			err = -EINVAL;          /* into its own subdirectory */
		else if (nd && S_ISDIR_(nd->inode->mode) && dentry_within(o.parent.d, nd))
			err = -ENOTEMPTY;
		else if (od->mounted || (nd && nd->mounted))
			err = -EBUSY;
		else if (same)
			;       /* two links of one inode: Linux does nothing, successfully */
		else if (!(err = dir_writable(o.parent.d->inode)) &&
			 !(err = dir_writable(n.parent.d->inode)))
			err = o.parent.d->inode->ops->rename
				? o.parent.d->inode->ops->rename(o.parent.d->inode, o.last, o.len,
								 n.parent.d->inode, n.last, n.len,
								 flags)
				: -EPERM;
		if (!err && !same)
			rename_notify(&o, &n, od->inode, nd ? nd->inode : NULL, flags);
		if (nd)
			dentry_put(nd);
		dentry_put(od);
		if (!err && !same)
			vfs_move(o.parent.d, o.last, o.len, n.parent.d, n.last, n.len,
				 flags & RENAME_EXCHANGE_);
	}
	target_put(&n);
	target_put(&o);
	return err;
}

int64_t sys_rename(uint64_t o, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return rename_at(AT_FDCWD, o, AT_FDCWD, n, 0);
}

int64_t sys_renameat(uint64_t od, uint64_t o, uint64_t nd, uint64_t n, uint64_t a4, uint64_t a5)
{
	return rename_at((int)od, o, (int)nd, n, 0);
}

int64_t sys_renameat2(uint64_t od, uint64_t o, uint64_t nd, uint64_t n, uint64_t flags,
		      uint64_t a5)
{
	return rename_at((int)od, o, (int)nd, n, (unsigned)flags);
}

static int64_t link_at(int odfd, uint64_t oldp, int ndfd, uint64_t newp, unsigned flags)
{
	if (flags & ~(unsigned)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path src;
	int err = fs_resolve(odfd, oldp, (flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0, &src);
	if (err)
		return err;
	struct target t;
	if ((err = target_get(ndfd, newp, &t))) {
		path_put(&src);
		return err;
	}
	struct dentry *d;
	struct inode *dir = t.parent.d->inode;
	if (S_ISDIR_(src.d->inode->mode))
		err = -EPERM;
	else if (!t.len || target_is_dots(&t))
		err = -EEXIST;
	else if (vfs_child(t.parent.d, t.last, t.len, &d) == 0) {
		dentry_put(d);
		err = -EEXIST;
	} else if (t.slash)
		err = -ENOENT;
	else if (src.mnt != t.parent.mnt)
		err = -EXDEV;
	else if (!(err = dir_writable(dir)))
		err = dir->ops->link ? dir->ops->link(dir, t.last, t.len, src.d->inode) : -EPERM;
	if (!err) {
		fsnotify_inode(src.d->inode, FS_ATTRIB);
		fsnotify_name(dir, FS_CREATE, t.last, t.len, 0, false);
	}
	target_put(&t);
	path_put(&src);
	return err;
}

int64_t sys_link(uint64_t o, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return link_at(AT_FDCWD, o, AT_FDCWD, n, 0);
}

int64_t sys_linkat(uint64_t od, uint64_t o, uint64_t nd, uint64_t n, uint64_t flags, uint64_t a5)
{
	return link_at((int)od, o, (int)nd, n, (unsigned)flags);
}

static int64_t symlink_at(uint64_t utarget, int dfd, uint64_t upath)
{
	char *target;
	int err = fs_user_path(utarget, &target);
	if (err)
		return err;
	struct target t;
	if ((err = target_get(dfd, upath, &t))) {
		fs_path_free(target);
		return err;
	}
	struct inode *dir = t.parent.d->inode, *ino;
	struct dentry *d;
	if (!target[0])
		err = -ENOENT;
	else if (!t.len || target_is_dots(&t))
		err = -EEXIST;
	else if (vfs_child(t.parent.d, t.last, t.len, &d) == 0) {
		dentry_put(d);
		err = -EEXIST;
	} else if (t.slash)
		err = -ENOENT;
	else if (!(err = dir_writable(dir)))
		err = dir->ops->symlink ? dir->ops->symlink(dir, t.last, t.len, target, &ino)
					: -EPERM;
	if (!err) {
		inode_put(ino);
		fsnotify_name(dir, FS_CREATE, t.last, t.len, 0, false);
	}
	target_put(&t);
	fs_path_free(target);
	return err;
}

int64_t sys_symlink(uint64_t target, uint64_t path, uint64_t a2, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return symlink_at(target, AT_FDCWD, path);
}

int64_t sys_symlinkat(uint64_t target, uint64_t dfd, uint64_t path, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	return symlink_at(target, (int)dfd, path);
}

static int64_t readlink_at(int dfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
	if ((int64_t)size <= 0)
		return -EINVAL;
	struct path p;
	int err = fs_resolve(dfd, upath, LOOKUP_EMPTY, &p);
	if (err)
		return err;
	struct inode *ino = p.d->inode;
	static char buf[PATH_MAX];
	int64_t n = -EINVAL;
	if ((ino->mode & S_IFMT) == S_IFLNK && ino->ops->readlink)
		n = ino->ops->readlink(ino, buf, MIN(size, sizeof(buf)));
	path_put(&p);
	if (n > 0 && copy_to_user(ubuf, buf, (size_t)n))
		return -EFAULT;
	return n;
}

int64_t sys_readlink(uint64_t path, uint64_t buf, uint64_t size, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return readlink_at(AT_FDCWD, path, buf, size);
}

int64_t sys_readlinkat(uint64_t dfd, uint64_t path, uint64_t buf, uint64_t size, uint64_t a4,
		       uint64_t a5)
{
	return readlink_at((int)dfd, path, buf, size);
}
