/* System calls on names: stat family, access, mkdir/mknod, unlink/rmdir, rename, link/symlink,
   readlink, chmod/chown, utimensat, truncate, chdir/getcwd/chroot, statfs. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "build/gen/syscall_decls.h"

#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)

/* stat of (dfd, path) honouring AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
static int64_t stat_at(int dfd, uint64_t upath, unsigned atflags, struct stat *st)
{
	if (atflags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | 0x6000))
		return -EINVAL;
	char *name;
	int err = fs_user_path(upath, &name);
	if (err)
		return err;
	if (!name[0] && (atflags & AT_EMPTY_PATH) && dfd != AT_FDCWD) {
		fs_path_free(name);
		struct file *f = fd_get(current_task->files, dfd);
		if (!f)
			return -EBADF;
		err = f->ops->stat ? f->ops->stat(f, st) : -EINVAL;
		file_put(f);
		return err;
	}
	struct path start, p;
	err = fs_start(dfd, name, &start);
	if (!err) {
		unsigned lf = ((atflags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			      ((atflags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0);
		err = vfs_lookup(current_task->fs, &start, name, lf, &p);
		path_put(&start);
		if (!err) {
			vfs_stat_inode(p.d->inode, st);
			path_put(&p);
		}
	}
	fs_path_free(name);
	return err;
}

static int64_t stat_out(int64_t err, const struct stat *st, uint64_t ust)
{
	if (err)
		return err;
	return copy_to_user(ust, st, sizeof(*st)) ? -EFAULT : 0;
}

int64_t sys_stat(uint64_t path, uint64_t ust, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct stat st;
	return stat_out(stat_at(AT_FDCWD, path, 0, &st), &st, ust);
}

int64_t sys_lstat(uint64_t path, uint64_t ust, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct stat st;
	return stat_out(stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &st), &st, ust);
}

int64_t sys_newfstatat(uint64_t dfd, uint64_t path, uint64_t ust, uint64_t flags, uint64_t a4,
		       uint64_t a5)
{
	struct stat st;
	return stat_out(stat_at((int)dfd, path, (unsigned)flags, &st), &st, ust);
}

int64_t sys_fstat(uint64_t fd, uint64_t ust, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct stat st;
	int err = f->ops->stat ? f->ops->stat(f, &st) : -EINVAL;
	file_put(f);
	return stat_out(err, &st, ust);
}

/* struct statx, as Linux lays it out (256 bytes). */
struct statx_ts { int64_t sec; uint32_t nsec; int32_t pad; };
struct statx_k {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t rest[14];
};
_Static_assert(sizeof(struct statx_k) == 256, "statx");

int64_t sys_statx(uint64_t dfd, uint64_t path, uint64_t flags, uint64_t mask, uint64_t ubuf,
		  uint64_t a5)
{
	if (mask & 0x80000000u)         /* STATX__RESERVED */
		return -EINVAL;
	if ((flags & 0x6000) == 0x6000)  /* both sync types */
		return -EINVAL;
	struct stat st;
	int64_t err = stat_at((int)dfd, path, (unsigned)flags, &st);
	if (err)
		return err;
	struct statx_k x;
	memset(&x, 0, sizeof(x));
	x.mask = 0x7ff;                 /* STATX_BASIC_STATS */
	x.blksize = (uint32_t)st.st_blksize;
	x.nlink = (uint32_t)st.st_nlink;
	x.uid = st.st_uid;
	x.gid = st.st_gid;
	x.mode = (uint16_t)st.st_mode;
	x.ino = st.st_ino;
	x.size = (uint64_t)st.st_size;
	x.blocks = (uint64_t)st.st_blocks;
	x.atime = (struct statx_ts){ (int64_t)st.st_atime, (uint32_t)st.st_atime_nsec, 0 };
	x.mtime = (struct statx_ts){ (int64_t)st.st_mtime, (uint32_t)st.st_mtime_nsec, 0 };
	x.ctime = (struct statx_ts){ (int64_t)st.st_ctime, (uint32_t)st.st_ctime_nsec, 0 };
	x.rdev_major = (uint32_t)(st.st_rdev >> 8);
	x.rdev_minor = (uint32_t)(st.st_rdev & 0xff);
	x.dev_major = (uint32_t)(st.st_dev >> 8);
	x.dev_minor = (uint32_t)(st.st_dev & 0xff);
	return copy_to_user(ubuf, &x, sizeof(x)) ? -EFAULT : 0;
}

static int64_t access_at(int dfd, uint64_t upath, int mode, unsigned flags)
{
	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(unsigned)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int err = fs_resolve(dfd, upath, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	if (mode)
		err = vfs_permission(p.d->inode, mode);
	if (!err && (mode & 2) && p.d->inode->sb && (p.d->inode->sb->flags & SB_RDONLY))
		err = -EROFS;
	path_put(&p);
	return err;
}

int64_t sys_access(uint64_t path, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return access_at(AT_FDCWD, path, (int)mode, 0);
}

int64_t sys_faccessat(uint64_t dfd, uint64_t path, uint64_t mode, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	return access_at((int)dfd, path, (int)mode, 0);
}

int64_t sys_faccessat2(uint64_t dfd, uint64_t path, uint64_t mode, uint64_t flags, uint64_t a4,
		       uint64_t a5)
{
	return access_at((int)dfd, path, (int)mode, (unsigned)flags);
}

int64_t sys_chdir(uint64_t path, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct path p;
	int err = fs_resolve(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (err)
		return err;
	err = vfs_permission(p.d->inode, 1);
	if (err) {
		path_put(&p);
		return err;
	}
	path_put(&current_task->fs->cwd);
	current_task->fs->cwd = p;
	return 0;
}

int64_t sys_chroot(uint64_t path, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (!capable(CAP_SYS_CHROOT))
		return -EPERM;
	struct path p;
	int err = fs_resolve(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (err)
		return err;
	path_put(&current_task->fs->root);
	current_task->fs->root = p;
	return 0;
}

int64_t sys_getcwd(uint64_t ubuf, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	static char cwd[PATH_MAX];
	if (current_task->fs->cwd.d->inode->nlink == 0)
		return -ENOENT;         /* the working directory was removed */
	int64_t n = vfs_path_name(current_task->fs, &current_task->fs->cwd, cwd, sizeof(cwd));
	if (n < 0)
		return n;
	if ((uint64_t)n + 1 > size)
		return -ERANGE;
	return copy_to_user(ubuf, cwd, (size_t)n + 1) ? -EFAULT : n + 1;
}
