/* Opening files and operations on open file descriptions: open family, positional I/O, lseek,
   getdents64, ftruncate, fsync, fchdir/fchmod/fchown. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "vfs/fsnotify.h"
#include "build/gen/syscall_decls.h"

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define O_LARGEFILE 0100000
#define FD_CLOEXEC_ 1

#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

static int64_t open_common(int dfd, uint64_t upath, int flags, uint32_t mode, unsigned resolve)
{
	char *name;
	int err = fs_user_path(upath, &name);
	if (err)
		return err;
	struct path start;
	struct file *f = NULL;
	err = fs_start(dfd, (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) ? "x" : name, &start);
	if (!err) {
		unsigned lf = ((resolve & RESOLVE_NO_SYMLINKS) ? LOOKUP_NO_SYMLINKS : 0) |
			      ((resolve & RESOLVE_BENEATH) ? LOOKUP_BENEATH : 0) |
			      ((resolve & RESOLVE_NO_XDEV) ? LOOKUP_NO_XDEV : 0);
		/* RESOLVE_IN_ROOT: the start directory is the root for this walk. */
		struct fs_context inroot = { start, start, current_task->fs->umask, 1 };
		const struct fs_context *fs = (resolve & RESOLVE_IN_ROOT) ? &inroot : current_task->fs;
		err = vfs_open_ex(fs, &start, name, flags, mode, lf, &f);
		path_put(&start);
	}
	fs_path_free(name);
	if (err)
		return err;
	f->flags |= O_LARGEFILE;
	int fd = fd_install(current_task->files, f, 0, (flags & O_CLOEXEC) ? FD_CLOEXEC_ : 0);
	if (fd < 0 || (uint64_t)fd >= current->rlim[7].cur) {
		if (fd >= 0)
			fd_close(current_task->files, fd);
		else
			file_put(f);
		return -EMFILE;
	}
	return fd;
}

int64_t sys_open(uint64_t path, uint64_t flags, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return open_common(AT_FDCWD, path, (int)flags, (uint32_t)mode, 0);
}

int64_t sys_openat(uint64_t dfd, uint64_t path, uint64_t flags, uint64_t mode, uint64_t a4,
		   uint64_t a5)
{
	return open_common((int)dfd, path, (int)flags, (uint32_t)mode, 0);
}

/* Linux's valid open flags (VALID_OPEN_FLAGS) */
#define VALID_OPEN_FLAGS 037777703ull

int64_t sys_openat2(uint64_t dfd, uint64_t path, uint64_t uhow, uint64_t size, uint64_t a4,
		    uint64_t a5)
{
	struct { uint64_t flags, mode, resolve; } how;
	if (size < sizeof(how))
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&how, uhow, sizeof(how)))
		return -EFAULT;
	for (uint64_t off = sizeof(how); off < size; off++) {      /* newer fields: must be 0 */
		uint8_t b;
		if (copy_from_user(&b, uhow + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (how.flags & ~VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how.resolve & ~(uint64_t)0x3f)
		return -EINVAL;
	if (how.mode & ~07777ull)
		return -EINVAL;
	if (how.mode && !(how.flags & O_CREAT) && (how.flags & 020200000) != 020200000)
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((how.resolve & RESOLVE_CACHED) && (how.flags & (O_CREAT | O_TRUNC | 020200000)))
		return -EAGAIN;
	return open_common((int)dfd, path, (int)how.flags, (uint32_t)how.mode,
			   (unsigned)how.resolve);
}

int64_t sys_creat(uint64_t path, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)mode, 0);
}

/* The inode behind fd for positional I/O: -EBADF, -ESPIPE (not seekable), -EISDIR. */
static int64_t open_positional(int fd, bool write, struct file **out)
{
	struct file *f = fd_get(current_task->files, fd);
	if (!f)
		return -EBADF;
	int acc = f->flags & O_ACCMODE;
	int64_t err = 0;
	if (write ? acc == 0 : acc == O_WRONLY)
		err = -EBADF;
	else if (f->flags & O_PATH)
		err = -EBADF;
	else if (!file_inode(f) || f->ops != &vfs_file_ops)
		err = -ESPIPE;
	else if ((file_inode(f)->mode & S_IFMT) == S_IFDIR)
		err = -EISDIR;
	if (err) {
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

static uint8_t pio_buf[16384];

/* One buffer at an offset; Linux's pwrite on an O_APPEND file appends. */
static int64_t positional_buf(struct file *f, uint64_t ubuf, uint64_t len, int64_t off, bool write)
{
	struct inode *ino = file_inode(f);
	int64_t r = 0;
	if (write && (f->flags & O_APPEND))
		off = (int64_t)ino->size;
	if (write && len && (r = vfs_remove_privs(ino)))
		return r;
	int64_t done = 0;
	len = MIN(len, 0x7ffff000ull);
	while ((uint64_t)done < len) {
		size_t n = (size_t)MIN(len - (uint64_t)done, sizeof(pio_buf));
		if (write && copy_from_user(pio_buf, ubuf + done, n)) {
			r = -EFAULT;
			break;
		}
		r = write ? ino->ops->write(ino, pio_buf, n, (uint64_t)off + done)
			  : ino->ops->read(ino, pio_buf, n, (uint64_t)off + done);
		if (r <= 0)
			break;
		if (!write && copy_to_user(ubuf + done, pio_buf, (size_t)r)) {
			r = -EFAULT;
			break;
		}
		done += r;
		if ((size_t)r < n)
			break;
	}
	if (done)
		fsnotify_file(f, write ? FS_MODIFY : FS_ACCESS);
	return done ? done : (r < 0 ? r : 0);
}

static int64_t positional_io(int fd, uint64_t ubuf, uint64_t len, int64_t off, bool write)
{
	if (off < 0)
		return -EINVAL;
	struct file *f;
	int64_t r = open_positional(fd, write, &f);
	if (r)
		return r;
	r = positional_buf(f, ubuf, len, off, write);
	file_put(f);
	return r;
}

struct iov_k {
	uint64_t base, len;
};

/* preadv/pwritev(2): off -1 (the 2 variants) means the file position, advanced. */
static int64_t positional_vec(int fd, uint64_t uiov, uint64_t cnt, int64_t off, bool write,
			      uint64_t flags)
{
	if (flags & ~(uint64_t)0x1f)            /* RWF_HIPRI|DSYNC|SYNC|NOWAIT|APPEND */
		return -EOPNOTSUPP;
	if ((int64_t)cnt < 0 || cnt > 1024)
		return -EINVAL;
	if (off < -1)
		return -EINVAL;
	struct file *f;
	int64_t r = open_positional(fd, write, &f);
	if (r)
		return r;
	bool use_pos = off == -1;
	uint64_t at = use_pos ? f->pos : (uint64_t)off;
	int64_t done = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		struct iov_k v;
		if (copy_from_user(&v, uiov + i * sizeof(v), sizeof(v))) {
			r = -EFAULT;
			break;
		}
		if ((int64_t)v.len < 0) {
			r = -EINVAL;
			break;
		}
		if (!v.len)
			continue;
		r = positional_buf(f, v.base, v.len, (int64_t)at, write);
		if (r <= 0)
			break;
		at += (uint64_t)r;
		done += r;
		if ((uint64_t)r < v.len)
			break;
	}
	if (use_pos)
		f->pos = at;
	file_put(f);
	return done ? done : (r < 0 ? r : 0);
}

int64_t sys_preadv(uint64_t fd, uint64_t iov, uint64_t cnt, uint64_t off, uint64_t a4, uint64_t a5)
{
	if ((int64_t)off < 0)
		return -EINVAL;
	return positional_vec((int)fd, iov, cnt, (int64_t)off, false, 0);
}

int64_t sys_pwritev(uint64_t fd, uint64_t iov, uint64_t cnt, uint64_t off, uint64_t a4, uint64_t a5)
{
	if ((int64_t)off < 0)
		return -EINVAL;
	return positional_vec((int)fd, iov, cnt, (int64_t)off, true, 0);
}

int64_t sys_preadv2(uint64_t fd, uint64_t iov, uint64_t cnt, uint64_t off, uint64_t a4,
		    uint64_t flags)
{
	return positional_vec((int)fd, iov, cnt, (int64_t)off, false, flags);
}

int64_t sys_pwritev2(uint64_t fd, uint64_t iov, uint64_t cnt, uint64_t off, uint64_t a4,
		     uint64_t flags)
{
	return positional_vec((int)fd, iov, cnt, (int64_t)off, true, flags);
}

int64_t sys_pread64(uint64_t fd, uint64_t buf, uint64_t len, uint64_t off, uint64_t a4, uint64_t a5)
{
	return positional_io((int)fd, buf, len, (int64_t)off, false);
}

int64_t sys_pwrite64(uint64_t fd, uint64_t buf, uint64_t len, uint64_t off, uint64_t a4,
		     uint64_t a5)
{
	return positional_io((int)fd, buf, len, (int64_t)off, true);
}

int64_t sys_lseek(uint64_t fd, uint64_t off, uint64_t whence, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r = f->ops->llseek ? f->ops->llseek(f, (int64_t)off, (int)whence) : -ESPIPE;
	file_put(f);
	return r;
}

struct getdents_ctx {
	uint64_t ubuf, size, used;
	int err;
	bool old;               /* getdents: struct linux_dirent, d_type in the last byte */
};

/* Appends one linux_dirent64 record; nonzero stops the listing (buffer full). */
static int getdents_emit(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type)
{
	struct getdents_ctx *c = ctx;
	uint8_t rec[280];
	/* linux_dirent64: ino, off, reclen, type, name; linux_dirent: ino, off, reclen, name, pad,
	   type in the record's last byte. */
	size_t name_at = c->old ? 18 : 19;
	size_t reclen = (name_at + len + 1 + (c->old ? 1 : 0) + 7) & ~(size_t)7;
	if (c->used + reclen > c->size) {
		if (!c->used)
			c->err = -EINVAL;
		return 1;
	}
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	uint64_t off = c->used + reclen;        /* d_off: an opaque cookie */
	memcpy(rec + 8, &off, 8);
	uint16_t rl = (uint16_t)reclen;
	memcpy(rec + 16, &rl, 2);
	if (c->old)
		rec[reclen - 1] = (uint8_t)type;
	else
		rec[18] = (uint8_t)type;
	memcpy(rec + name_at, name, len);
	if (copy_to_user(c->ubuf + c->used, rec, reclen)) {
		c->err = -EFAULT;
		return 1;
	}
	c->used += reclen;
	return 0;
}

static int64_t getdents_common(uint64_t fd, uint64_t ubuf, uint64_t size, bool old);

int64_t sys_getdents64(uint64_t fd, uint64_t ubuf, uint64_t size, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	return getdents_common(fd, ubuf, size, false);
}

int64_t sys_getdents(uint64_t fd, uint64_t ubuf, uint64_t size, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return getdents_common(fd, ubuf, size, true);
}

static int64_t getdents_common(uint64_t fd, uint64_t ubuf, uint64_t size, bool old)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	int64_t r;
	if (!ino || (f->flags & O_PATH))
		r = -EBADF;
	else if ((ino->mode & S_IFMT) != S_IFDIR || !ino->ops->iterate)
		r = -ENOTDIR;
	else {
		struct getdents_ctx c = { ubuf, size, 0, 0, old };
		r = ino->ops->iterate(ino, &f->dir_pos, getdents_emit, &c);
		fsnotify_file(f, FS_ACCESS);
		if (!r)
			r = c.err && !c.used ? c.err : (int64_t)c.used;
	}
	file_put(f);
	return r;
}

int64_t sys_ftruncate(uint64_t fd, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if ((int64_t)len < 0)
		return -EINVAL;
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	int64_t r;
	if (!ino || (f->flags & O_PATH))
		r = -EBADF;
	else if ((ino->mode & S_IFMT) != S_IFREG)
		r = -EINVAL;
	else if (!(f->flags & (O_WRONLY | O_RDWR)))
		r = -EINVAL;
	else if (!ino->ops->setattr)
		r = -EPERM;
	else if (!(r = vfs_remove_privs(ino))) {
		struct iattr a = { .valid = ATTR_SIZE, .size = len };
		r = ino->ops->setattr(ino, &a);
		if (!r)
			fsnotify_change(f->path.d, a.valid);
	}
	file_put(f);
	return r;
}

static int64_t fd_exists(uint64_t fd)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/* Files in guest memory have nothing to flush; host files (volumes) are synced on the host. */
/* Linux's fsync/fdatasync: EBADF for an O_PATH descriptor, EINVAL for a file whose operations
   have no fsync (pipes, sockets, devices, eventfds and the like, /proc's files); files and
   directories of the tree sync (a volume's on the host). The console (the host's fds 0-2, which
   may be a file as well as a terminal or a pipe) writes out what it holds and succeeds, as
   before. */
static int64_t fd_sync(uint64_t fd, bool datasync)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	int host;
	int64_t r;
	if (f->flags & O_PATH) {
		r = -EBADF;
	} else if (console_host_fd(f, &host)) {
		console_flush();
		r = 0;
	} else if (f->ops != &vfs_file_ops || !ino ||
		 ((ino->mode & S_IFMT) != S_IFREG && (ino->mode & S_IFMT) != S_IFDIR) ||
		 (ino->sb && ino->sb->type && !strcmp(ino->sb->type, "proc"))) {
		r = -EINVAL;
	} else {
		r = ino->ops && ino->ops->fsync ? ino->ops->fsync(ino, datasync) : 0;
	}
	file_put(f);
	return r;
}

int64_t sys_fsync(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fd_sync(fd, false);
}

int64_t sys_fdatasync(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fd_sync(fd, true);
}

#define SYNC_FILE_RANGE_ALL 7u     /* WAIT_BEFORE 1, WRITE 2, WAIT_AFTER 4 */

/* Linux's ksys_sync_file_range, its checks in its order: the descriptor (O_PATH: EBADF), the
   flags and the range (EINVAL), the file's type (ESPIPE unless a regular file, directory,
   symlink or block device). Files in guest memory have nothing to write; a volume's file has the
   host's sync_file_range do it (vfs/hostfs_file.c). */
int64_t sys_sync_file_range(uint64_t fd, uint64_t off, uint64_t nbytes, uint64_t flags,
			    uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	uint32_t type = ino ? ino->mode & S_IFMT : 0, fl = (uint32_t)flags;
	int64_t end = (int64_t)(off + nbytes), r = 0;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if ((fl & ~SYNC_FILE_RANGE_ALL) || (int64_t)off < 0 || end < 0 || end < (int64_t)off)
		r = -EINVAL;
	else if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFBLK)
		r = -ESPIPE;
	else if (fl && ino->ops && ino->ops->sync_range)
		r = ino->ops->sync_range(ino, off, nbytes, fl);
	file_put(f);
	return r;
}

int64_t sys_syncfs(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fd_exists(fd);
}

int64_t sys_sync(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return 0;
}

int64_t sys_fchdir(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r = 0;
	if (!f->path.d)
		r = -ENOTDIR;
	else if ((f->path.d->inode->mode & S_IFMT) != S_IFDIR)
		r = -ENOTDIR;
	else if (!(r = vfs_permission(f->path.d->inode, 1))) {
		path_put(&current_task->fs->cwd);
		current_task->fs->cwd = f->path;
		path_get(&current_task->fs->cwd);
	}
	file_put(f);
	return r;
}
