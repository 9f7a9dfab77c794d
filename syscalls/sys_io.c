/* read/write family, ioctl, fstat, close: copy in, validate, call the file's ops. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "k/sched.h"
#include "k/signal.h"
#include "vfs/vfs.h"
#include "vfs/stat.h"
#include "vfs/fsnotify.h"
#include "net/socket.h"
#include "syscalls/sys_socket.h"
#include "build/gen/syscall_decls.h"

/* Console writes cost one VM exit per chunk (8-25 us here): big chunks keep bulk output cheap.
   The monitor takes up to 1 MiB per call; the buffer is only touched as far as it is used. */
#define IO_CHUNK (1u << 20)
#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000ull

static uint8_t io_bounce[IO_CHUNK] __attribute__((aligned(4096)));

/* Moves len bytes between a user buffer and f through the bounce buffer. A short transfer or an
   error after some progress ends the loop with the progress, as Linux's pipes and ttys do. */
static int64_t io_transfer(struct file *f, uint64_t ubuf, uint64_t len, bool is_write)
{
	if (is_write ? !f->ops->write : !f->ops->read)
		return -EINVAL;
	len = MIN(len, MAX_RW_COUNT);
	/* Linux passes an empty read on to the file: eventfd, timerfd, signalfd and inotify
	   refuse it (EINVAL), or inotify waits for an event first. */
	if (!len && !is_write && f->ops->anon_name)
		return f->ops->read(f, io_bounce, 0);
	int64_t done = 0;
	while ((uint64_t)done < len) {
		size_t n = (size_t)MIN(len - (uint64_t)done, IO_CHUNK);
		int64_t r;
		if (is_write) {
			if (copy_from_user(io_bounce, ubuf + done, n))
				return done ? done : -EFAULT;
			r = f->ops->write(f, io_bounce, n);
		} else {
			if (mm_populate(current->mm, ubuf + done, n, true))
				return done ? done : -EFAULT;
			r = f->ops->read(f, io_bounce, n);
			if (r > 0 && copy_to_user(ubuf + done, io_bounce, (size_t)r))
				return done ? done : -EFAULT;
		}
		if (r == -EFILEWAIT) {
			/* A full pipe or eventfd: wait, then copy the data in again (the bounce
			   buffer may have served another task meanwhile). */
			if (file_wait(-1, current_task->wait_what) < 0)
				return done ? done : -ERESTARTSYS;
			continue;
		}
		if (r < 0)
			return done ? done : r;
		done += r;
		/* Short: the end of a file or of a pipe's data. A blocking write to a pipe goes on
		   until all is written, as Linux's. */
		if ((size_t)r < n && !(is_write && f->ops->poll))
			break;
	}
	return done;
}

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_PATH 010000000

/* Does f's access mode allow the transfer? (-EBADF otherwise, as Linux) */
static bool io_allowed(const struct file *f, bool is_write)
{
	int acc = f->flags & O_ACCMODE;
	if (f->flags & O_PATH)
		return false;
	return is_write ? acc != 0 : acc != O_WRONLY;
}

static int64_t io_rw(uint64_t fd, uint64_t buf, uint64_t len, bool is_write)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r;
	if (socket_of(f))       /* as send/recv without flags: one message, SIGPIPE */
		r = is_write ? sys_sendto(fd, buf, len, 0, 0, 0)
			     : len ? sys_recvfrom(fd, buf, len, 0, 0, 0) : 0;
	else
		r = io_allowed(f, is_write) ? io_transfer(f, buf, len, is_write) : -EBADF;
	if (r > 0)
		fsnotify_file(f, is_write ? FS_MODIFY : FS_ACCESS);
	file_put(f);
	return r;
}

int64_t sys_read(uint64_t fd, uint64_t buf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return io_rw(fd, buf, len, false);
}

int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return io_rw(fd, buf, len, true);
}

static int64_t io_rwv(uint64_t fd, uint64_t uiov, uint64_t cnt, bool is_write)
{
	if ((int64_t)cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	struct iovec_k iov[64];
	uint64_t total = 0;
	/* Linux validates the whole vector before any transfer. */
	for (uint64_t i = 0; i < cnt; i++) {
		struct iovec_k v;
		if (copy_from_user(&v, uiov + i * sizeof(v), sizeof(v)))
			return -EFAULT;
		if ((int64_t)v.len < 0 || total + v.len > 0x7fffffffffffffffull)
			return -EINVAL;
		total += v.len;
	}
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	if (socket_of(f)) {
		/* reading into no bytes is 0 at once (Linux's sock_read_iter), as read() */
		int64_t r = is_write || total ? socket_rw(f, uiov, cnt, is_write) : 0;
		file_put(f);
		return r;
	}
	if (!io_allowed(f, is_write)) {
		file_put(f);
		return -EBADF;
	}
	int64_t done = 0;
	for (uint64_t i = 0; i < cnt; i += 64) {
		uint64_t n = MIN(cnt - i, 64);
		if (copy_from_user(iov, uiov + i * sizeof(iov[0]), n * sizeof(iov[0]))) {
			done = done ? done : -EFAULT;
			goto out;
		}
		for (uint64_t j = 0; j < n; j++) {
			if (!iov[j].len)
				continue;
			int64_t r = io_transfer(f, iov[j].base, iov[j].len, is_write);
			if (r < 0) {
				done = done ? done : r;
				goto out;
			}
			done += r;
			if ((uint64_t)r < iov[j].len)
				goto out;
		}
	}
out:
	if (done > 0)
		fsnotify_file(f, is_write ? FS_MODIFY : FS_ACCESS);
	file_put(f);
	return done;
}

int64_t sys_readv(uint64_t fd, uint64_t iov, uint64_t cnt, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return io_rwv(fd, iov, cnt, false);
}

int64_t sys_writev(uint64_t fd, uint64_t iov, uint64_t cnt, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return io_rwv(fd, iov, cnt, true);
}

#define FIONCLEX 0x5450
#define FIONREAD 0x541b
#define FIONBIO 0x5421
#define FIOCLEX 0x5451
#define FIOQSIZE 0x5460
#define FIOASYNC 0x5452
#define O_ASYNC_ 020000
#define FIGETBSZ 2
#define O_NONBLOCK_ 04000
#define O_PATH_ 010000000

/* What Linux's do_vfs_ioctl answers for every file before its driver sees the request. 1 when
   req is not one of them. */
static int64_t ioctl_common(struct file *f, int fd, unsigned req, uint64_t arg)
{
	struct inode *ino = f->ops == &vfs_file_ops ? file_inode(f) : NULL;
	uint32_t type = ino ? ino->mode & S_IFMT : 0;
	int on;
	switch (req) {
	case FIOCLEX:
	case FIONCLEX:
		fd_set_flags(current_task->files, fd, req == FIOCLEX ? FD_CLOEXEC : 0);
		return 0;
	case FIONBIO:
		if (copy_from_user(&on, arg, sizeof(on)))
			return -EFAULT;
		f->flags = on ? (f->flags | O_NONBLOCK_) : (f->flags & ~O_NONBLOCK_);
		return 0;
	case FIOASYNC:
		/* Linux's ioctl_fioasync: a change on a file without fasync is ENOTTY */
		if (copy_from_user(&on, arg, sizeof(on)))
			return -EFAULT;
		if (!on == !(f->flags & O_ASYNC_))
			return 0;
		if (!fasync_capable(f))
			return -ENOTTY;
		fasync_set(f, fd, on);
		return 0;
	case FIOQSIZE: {
		/* Linux's inode_get_bytes: what the file has allocated, as st_blocks says */
		if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK)
			return -ENOTTY;
		struct stat st;
		vfs_stat_inode(ino, &st);
		int64_t bytes = st.st_blocks * 512;
		return copy_to_user(arg, &bytes, sizeof(bytes)) ? -EFAULT : 0;
	}
	case FIGETBSZ:
		on = 4096;              /* the block size stat reports */
		return ino ? (copy_to_user(arg, &on, sizeof(on)) ? -EFAULT : 0) : 1;
	case FIONREAD:
		if (type != S_IFREG)
			return 1;
		/* Linux: the bytes between the file position and the end. */
		on = (int)(ino->size > f->pos ? MIN(ino->size - f->pos, 0x7fffffffull) : 0);
		return copy_to_user(arg, &on, sizeof(on)) ? -EFAULT : 0;
	}
	return 1;
}

int64_t sys_ioctl(uint64_t fd, uint64_t req, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r = (f->flags & O_PATH_) ? -EBADF : ioctl_common(f, (int)fd, (unsigned)req, arg);
	if (r == 1)
		r = f->ops->ioctl ? f->ops->ioctl(f, (unsigned)req, arg) : -ENOTTY;
	file_put(f);
	return r;
}

int64_t sys_close(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fd_close(current_task->files, (int)fd);
}
