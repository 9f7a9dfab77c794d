/* Attribute system calls: chmod, chown, utimensat, truncate, statfs. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "k/pmm.h"
#include "vfs/fsnotify.h"
#include "build/gen/syscall_decls.h"

#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

/* Applies a to d's inode; a change is an event for fsnotify. */
static int attr_apply(struct dentry *d, struct iattr *a)
{
	struct inode *ino = d->inode;
	if (ino->sb && (ino->sb->flags & SB_RDONLY))
		return -EROFS;
	if (!ino->ops->setattr)
		return -EPERM;
	int err = ino->ops->setattr(ino, a);
	if (!err)
		fsnotify_change(d, a->valid);
	return err;
}

static int attr_chmod(struct dentry *d, uint32_t mode)
{
	struct inode *ino = d->inode;
	if (current->fsuid != ino->uid && !capable(CAP_FOWNER))
		return -EPERM;
	struct iattr a = { .valid = ATTR_MODE, .mode = mode & 07777 };
	if (!in_group_p(ino->gid) && !capable(CAP_FSETID))
		a.mode &= ~(uint32_t)S_ISGID;
	return attr_apply(d, &a);
}

static int attr_chown(struct dentry *d, uint32_t uid, uint32_t gid)
{
	struct inode *ino = d->inode;
	struct iattr a = { 0 };
	if (uid != (uint32_t)-1) {
		a.valid |= ATTR_UID;
		a.uid = uid;
	}
	if (gid != (uint32_t)-1) {
		a.valid |= ATTR_GID;
		a.gid = gid;
	}
	/* Linux's chown_ok and chgrp_ok: the owner may keep the owner and give the file to a
	   group of its own; anything else needs CAP_CHOWN. */
	bool own = current->fsuid == ino->uid;
	if (!capable(CAP_CHOWN) &&
	    ((a.valid & ATTR_UID && !(own && uid == ino->uid)) ||
	     (a.valid & ATTR_GID && !(own && (gid == ino->gid || in_group_p(gid))))))
		return -EPERM;
	/* Linux drops setuid, and setgid when group-executable, on any chown of a non-directory
	   (even one that changes nothing), and the file's capabilities whoever chowns. */
	bool nondir = (ino->mode & S_IFMT) != S_IFDIR && (ino->mode & S_IFMT) != S_IFLNK;
	if (nondir) {
		uint32_t kill = S_ISUID | ((ino->mode & 010) ? S_ISGID : 0);
		if (ino->mode & kill) {
			a.valid |= ATTR_MODE;
			a.mode = ino->mode & 07777 & ~kill;
		}
	}
	int err = attr_apply(d, &a);
	if (!err && nondir && ino->ops->removexattr &&
	    ino->ops->getxattr(ino, "security.capability", NULL, 0) >= 0)
		err = ino->ops->removexattr(ino, "security.capability");
	return err;
}

/* Runs op on (dfd, path) or, with AT_EMPTY_PATH and "", on dfd's file. */
static int64_t attr_at(int dfd, uint64_t upath, unsigned flags, int (*op)(struct dentry *, void *),
		       void *arg)
{
	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int err = fs_resolve(dfd, upath, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				  ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &p);
	if (err)
		return err;
	err = op(p.d, arg);
	path_put(&p);
	return err;
}

static int64_t attr_fd(int fd, int (*op)(struct dentry *, void *), void *arg)
{
	struct file *f = fd_get(current_task->files, fd);
	if (!f)
		return -EBADF;
	int err = (f->flags & 010000000) ? -EBADF : file_inode(f) ? op(f->path.d, arg) : -EINVAL;
	file_put(f);
	return err;
}

static int op_chmod(struct dentry *d, void *arg) { return attr_chmod(d, *(uint32_t *)arg); }
static int op_chown(struct dentry *d, void *arg)
{
	uint32_t *ug = arg;
	return attr_chown(d, ug[0], ug[1]);
}

int64_t sys_chmod(uint64_t path, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t m = (uint32_t)mode;
	return attr_at(AT_FDCWD, path, 0, op_chmod, &m);
}

int64_t sys_fchmodat(uint64_t dfd, uint64_t path, uint64_t mode, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	uint32_t m = (uint32_t)mode;
	return attr_at((int)dfd, path, 0, op_chmod, &m);
}

int64_t sys_fchmodat2(uint64_t dfd, uint64_t path, uint64_t mode, uint64_t flags, uint64_t a4,
		      uint64_t a5)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	uint32_t m = (uint32_t)mode;
	struct path p;
	int err = fs_resolve((int)dfd, path, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				  ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &p);
	if (err)
		return err;
	/* Symlink modes cannot be changed on Linux. */
	err = (p.d->inode->mode & S_IFMT) == S_IFLNK ? -EOPNOTSUPP : op_chmod(p.d, &m);
	path_put(&p);
	return err;
}

int64_t sys_fchmod(uint64_t fd, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t m = (uint32_t)mode;
	return attr_fd((int)fd, op_chmod, &m);
}

int64_t sys_chown(uint64_t path, uint64_t uid, uint64_t gid, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t ug[2] = { (uint32_t)uid, (uint32_t)gid };
	return attr_at(AT_FDCWD, path, 0, op_chown, ug);
}

int64_t sys_lchown(uint64_t path, uint64_t uid, uint64_t gid, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t ug[2] = { (uint32_t)uid, (uint32_t)gid };
	return attr_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, op_chown, ug);
}

int64_t sys_fchownat(uint64_t dfd, uint64_t path, uint64_t uid, uint64_t gid, uint64_t flags,
		     uint64_t a5)
{
	uint32_t ug[2] = { (uint32_t)uid, (uint32_t)gid };
	return attr_at((int)dfd, path, (unsigned)flags, op_chown, ug);
}

int64_t sys_fchown(uint64_t fd, uint64_t uid, uint64_t gid, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t ug[2] = { (uint32_t)uid, (uint32_t)gid };
	return attr_fd((int)fd, op_chown, ug);
}

struct utimes_arg {
	struct timespec64 t[2];
	bool set_all_now;
};

static int op_utimes(struct dentry *d, void *arg)
{
	struct inode *ino = d->inode;
	struct utimes_arg *u = arg;
	struct iattr a = { 0 };
	struct timespec64 now = vfs_now();
	bool explicit_time = false;
	for (int i = 0; i < 2; i++) {
		if (u->t[i].nsec == UTIME_OMIT)
			continue;
		struct timespec64 v = u->t[i].nsec == UTIME_NOW ? now : u->t[i];
		explicit_time |= u->t[i].nsec != UTIME_NOW;
		a.valid |= i ? ATTR_MTIME : ATTR_ATIME;
		if (i)
			a.mtime = v;
		else
			a.atime = v;
	}
	if (!a.valid)
		return 0;
	if (current->fsuid != ino->uid && !capable(CAP_FOWNER)) {
		if (explicit_time)
			return -EPERM;
		int err = vfs_permission(ino, 2);
		if (err)
			return err;
	}
	return attr_apply(d, &a);
}

int64_t sys_utimensat(uint64_t dfd, uint64_t path, uint64_t utimes, uint64_t flags, uint64_t a4,
		      uint64_t a5)
{
	struct utimes_arg u = { { { 0, UTIME_NOW }, { 0, UTIME_NOW } }, true };
	if (utimes) {
		if (copy_from_user(u.t, utimes, sizeof(u.t)))
			return -EFAULT;
		for (int i = 0; i < 2; i++)
			if (u.t[i].nsec != UTIME_NOW && u.t[i].nsec != UTIME_OMIT &&
			    (u.t[i].nsec < 0 || u.t[i].nsec >= 1000000000))
				return -EINVAL;
	}
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!path)              /* futimens: utimensat(fd, NULL, ...) */
		return attr_fd((int)dfd, op_utimes, &u);
	return attr_at((int)dfd, path, (unsigned)flags, op_utimes, &u);
}

/* utimes/futimesat/utime: microsecond or second times (NULL: now). */
static int64_t utimes_common(int dfd, uint64_t path, uint64_t utimes, bool seconds_only)
{
	struct utimes_arg u = { { { 0, UTIME_NOW }, { 0, UTIME_NOW } }, true };
	if (utimes) {
		int64_t t[4];
		if (copy_from_user(t, utimes, seconds_only ? 16 : 32))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			int64_t sec = seconds_only ? t[i] : t[2 * i], usec = seconds_only ? 0 : t[2 * i + 1];
			if (usec < 0 || usec >= 1000000)
				return -EINVAL;
			u.t[i].sec = sec;
			u.t[i].nsec = usec * 1000;
		}
	}
	return attr_at(dfd, path, 0, op_utimes, &u);
}

int64_t sys_utimes(uint64_t path, uint64_t t, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return utimes_common(AT_FDCWD, path, t, false);
}

int64_t sys_futimesat(uint64_t dfd, uint64_t path, uint64_t t, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	return utimes_common((int)dfd, path, t, false);
}

int64_t sys_utime(uint64_t path, uint64_t t, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	/* struct utimbuf: actime, modtime (seconds) */
	return utimes_common(AT_FDCWD, path, t, true);
}

static int op_truncate(struct dentry *d, void *arg)
{
	struct inode *ino = d->inode;
	if ((ino->mode & S_IFMT) == S_IFDIR)
		return -EISDIR;
	if ((ino->mode & S_IFMT) != S_IFREG)
		return -EINVAL;
	int err = vfs_permission(ino, 2);
	if (err)
		return err;
	struct iattr a = { .valid = ATTR_SIZE, .size = *(uint64_t *)arg };
	if (ino->sb && (ino->sb->flags & SB_RDONLY))
		return -EROFS;
	if ((err = vfs_remove_privs(ino)))
		return err;
	return attr_apply(d, &a);
}

int64_t sys_truncate(uint64_t path, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if ((int64_t)len < 0)
		return -EINVAL;
	return attr_at(AT_FDCWD, path, 0, op_truncate, &len);
}

/* struct statfs (x86-64): 120 bytes. */
struct statfs_k {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};
_Static_assert(sizeof(struct statfs_k) == 120, "statfs");

static int64_t statfs_fill(struct inode *ino, uint64_t ubuf)
{
	struct statfs_k s;
	memset(&s, 0, sizeof(s));
	/* PROC_SUPER_MAGIC for /proc; TMPFS_MAGIC for the rest (all tmpfs-based) */
	s.type = ino->sb && ino->sb->type && !strcmp(ino->sb->type, "proc") ? 0x9fa0 : 0x01021994;
	s.bsize = s.frsize = 4096;
	s.blocks = boot_info->mem_size / 4096;
	s.bfree = s.bavail = pmm_free_pages();
	s.files = 1u << 20;
	s.ffree = s.files / 2;
	s.namelen = NAME_MAX;
	s.flags = (ino->sb && (ino->sb->flags & SB_RDONLY)) ? 1 : 0;
	struct vfs_statfs vs;
	if (ino->ops && ino->ops->statfs) {             /* the host's numbers (volumes) */
		int err = ino->ops->statfs(ino, &vs);
		if (err)
			return err;
		s.type = (int64_t)vs.type;
		s.bsize = (int64_t)vs.bsize;
		s.blocks = vs.blocks;
		s.bfree = vs.bfree;
		s.bavail = vs.bavail;
		s.files = vs.files;
		s.ffree = vs.ffree;
		s.namelen = (int64_t)vs.namelen;
		s.frsize = (int64_t)vs.frsize;
		s.flags = (int64_t)vs.flags;
	}
	return copy_to_user(ubuf, &s, sizeof(s)) ? -EFAULT : 0;
}

int64_t sys_statfs(uint64_t path, uint64_t ubuf, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct path p;
	int err = fs_resolve(AT_FDCWD, path, LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	int64_t r = statfs_fill(p.d->inode, ubuf);
	path_put(&p);
	return r;
}

int64_t sys_fstatfs(uint64_t fd, uint64_t ubuf, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r = file_inode(f) ? statfs_fill(file_inode(f), ubuf) : -EINVAL;
	file_put(f);
	return r;
}
