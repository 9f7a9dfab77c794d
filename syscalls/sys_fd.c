/* File-descriptor operations: dup family and fcntl. */
#include "k/kernel.h"
#include "k/uaccess.h"
#include "k/proc.h"
#include "vfs/vfs.h"
#include "vfs/pipe.h"
#include "vfs/fsnotify.h"
#include "build/gen/syscall_decls.h"

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_SETSIG 10
#define F_GETSIG 11
#define F_NOTIFY 1026
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define O_ACCMODE 03
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define FASYNC 020000
#define O_DIRECT 040000
#define O_NOATIME 01000000
/* Linux's: O_ASYNC is the file's fasync's to set (a file without one ignores it) */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

/* Duplicates oldfd onto the lowest free fd >= min (below RLIMIT_NOFILE). */
static int64_t fd_dup_from(int oldfd, int64_t min, unsigned fdflags)
{
	struct fdtable *t = current_task->files;
	if (min < 0 || min >= fd_rlimit())
		return -EINVAL;
	struct file *f = fd_get(t, oldfd);
	if (!f)
		return -EBADF;
	int fd = fd_install(t, f, (int)min, fdflags);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* dup2/dup3 onto a chosen fd, closing what was there. */
static int64_t fd_dup_to(int oldfd, int64_t newfd, unsigned fdflags)
{
	struct fdtable *t = current_task->files;
	if (newfd < 0 || newfd >= fd_rlimit())
		return -EBADF;
	struct file *f = fd_get(t, oldfd);
	if (!f)
		return -EBADF;
	int err = fd_install_at(t, (int)newfd, f, fdflags);
	if (err) {
		file_put(f);
		return err;
	}
	return newfd;
}

int64_t sys_dup(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fd_dup_from((int)fd, 0, 0);
}

int64_t sys_dup2(uint64_t oldfd, uint64_t newfd, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if ((int)oldfd == (int)newfd) {
		struct file *f = fd_get(current_task->files, (int)oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return (int)newfd;
	}
	return fd_dup_to((int)oldfd, (int)newfd, 0);
}

int64_t sys_dup3(uint64_t oldfd, uint64_t newfd, uint64_t flags, uint64_t a3, uint64_t a4,
		 uint64_t a5)
{
	if (flags & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if ((int)oldfd == (int)newfd)
		return -EINVAL;
	return fd_dup_to((int)oldfd, (int)newfd, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

int64_t sys_close_range(uint64_t first, uint64_t last, uint64_t flags, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	if (flags & ~(uint64_t)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if ((unsigned)first > (unsigned)last)
		return -EINVAL;
	struct fdtable *t = current_task->files;
	if ((unsigned)first >= FD_NR_OPEN)
		return 0;
	for (int fd = fd_next(t, (int)first); fd >= 0 && (uint64_t)fd <= (unsigned)last;
	     fd = fd_next(t, fd + 1)) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_flags(t, fd, FD_CLOEXEC);
		else
			fd_close(t, fd);
	}
	return 0;
}

int64_t lock_fcntl(struct file *f, int cmd, uint64_t arg);

struct f_owner_ex_k {
	int type, pid;
};

/* F_SETOWN/F_GETOWN (a pid, or a process group as its negative), F_SETOWN_EX/F_GETOWN_EX (a
   thread, process or group): whom O_ASYNC signals, as Linux's f_setown (ESRCH for nobody by
   that id; 0 clears). */
static int64_t fcntl_owner(struct file *f, int cmd, uint64_t arg)
{
	struct f_owner_ex_k o;
	if (cmd == F_GETOWN)
		return fasync_getown(f);
	if (cmd == F_GETOWN_EX) {
		o = (struct f_owner_ex_k){ f->owner ? f->owner_type : F_OWNER_PID, f->owner };
		return copy_to_user(arg, &o, sizeof(o)) ? -EFAULT : 0;
	}
	if (cmd == F_SETOWN)
		return fasync_setown(f, (int)arg);
	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	return fasync_setown_ex(f, o.type, o.pid);
}

int64_t sys_fcntl(uint64_t fd, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct fdtable *t = current_task->files;
	struct file *f = fd_get(t, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r;
	switch ((int)cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = fd_dup_from((int)fd, (int64_t)(int)arg,
				(int)cmd == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0);
		break;
	case F_GETFD:
		r = fd_flags(t, (int)fd);
		break;
	case F_SETFD:
		fd_set_flags(t, (int)fd, (unsigned)arg);
		r = 0;
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		if (((f->flags ^ (unsigned)arg) & FASYNC) && fasync_capable(f))
			fasync_set(f, (int)fd, arg & FASYNC);
		f->flags = (f->flags & ~SETFL_MASK) | ((unsigned)arg & SETFL_MASK);
		r = 0;
		break;
	case F_SETOWN:
	case F_GETOWN:
	case F_SETOWN_EX:
	case F_GETOWN_EX:
		r = fcntl_owner(f, (int)cmd, arg);
		break;
	case F_ADD_SEALS:
	case F_GET_SEALS: {
		struct inode *ino = file_inode(f);
		if (!ino || f->ops != &vfs_file_ops || (ino->mode & S_IFMT) != S_IFREG) {
			r = -EINVAL;
			break;
		}
		if ((int)cmd == F_GET_SEALS) {
			r = ino->seals;
			break;
		}
		if (ino->seals & F_SEAL_SEAL)
			r = -EPERM;
		else if (arg & ~(uint64_t)0x1f)
			r = -EINVAL;
		else if (!(f->flags & 03))
			r = -EPERM;
		else {
			ino->seals |= (uint32_t)arg;
			r = 0;
		}
		break;
	}
	case 5: case 6: case 7:         /* F_GETLK, F_SETLK, F_SETLKW */
	case 36: case 37: case 38:      /* F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW */
		r = (f->flags & 010000000) ? -EBADF : lock_fcntl(f, (int)cmd, arg);
		break;
	case F_SETPIPE_SZ:
	case F_GETPIPE_SZ:
		r = pipe_fcntl_size(f, (int)cmd == F_SETPIPE_SZ, (uint64_t)(unsigned)arg);
		break;
	case F_NOTIFY:
		r = (f->flags & 010000000) ? -EBADF : dnotify_fcntl(t, (int)fd, f, (uint32_t)arg);
		break;
	case F_SETSIG:          /* the signal dnotify sends (0: SIGIO) */
		r = arg > 64 ? -EINVAL : 0;
		if (!r)
			f->sig = (int32_t)arg;
		break;
	case F_GETSIG:
		r = f->sig;
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}
