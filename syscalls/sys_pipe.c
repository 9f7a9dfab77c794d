/* pipe, pipe2, sendfile, copy_file_range. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "k/sched.h"
#include "k/signal.h"
#include "vfs/vfs.h"
#include "vfs/pipe.h"
#include "vfs/fsnotify.h"
#include "build/gen/syscall_decls.h"

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_NONBLOCK 04000
#define O_APPEND 02000
#define O_DIRECT 040000
#define O_CLOEXEC 02000000
#define O_PATH 010000000

static int64_t pipe_fds(uint64_t ufds, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	struct file *r, *w;
	int err = pipe_create(&r, &w);
	if (err)
		return err;
	r->flags |= flags & O_NONBLOCK;
	w->flags |= flags & (O_NONBLOCK | O_DIRECT);
	unsigned fdf = (flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
	int fds[2] = { fd_install(current_task->files, r, 0, fdf), -1 };
	if (fds[0] >= 0)
		fds[1] = fd_install(current_task->files, w, 0, fdf);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(current_task->files, fds[0]);
		else
			file_put(r);
		file_put(w);
		return -EMFILE;
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(current_task->files, fds[0]);
		fd_close(current_task->files, fds[1]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_pipe(uint64_t fds, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return pipe_fds(fds, 0);
}

int64_t sys_pipe2(uint64_t fds, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return pipe_fds(fds, flags);
}

/* As the write bounce buffer: big, because a chunk to the console is one VM exit. */
/* sendfile and copy_file_range read one file and write the other (Linux's do_sendfile). */
static void copy_notify(struct file *in, struct file *out, int64_t done)
{
	if (done > 0) {
		fsnotify_file(in, FS_ACCESS);
		fsnotify_file(out, FS_MODIFY);
	}
}

static uint8_t copy_buf[1u << 20] __attribute__((aligned(4096)));

/* Copies up to len bytes from regular file in (at *inpos) to file out (through its write op at
   its own position, or at *outpos for a regular file when outpos is given). */
static int64_t copy_range(struct inode *in, uint64_t *inpos, struct file *out, uint64_t *outpos,
			  uint64_t len)
{
	int64_t done = 0;
	len = MIN(len, 0x7ffff000ull);
	while ((uint64_t)done < len) {
		size_t n = (size_t)MIN(len - (uint64_t)done, sizeof(copy_buf));
		const void *src = copy_buf;
		int64_t r;
		if (in->contig_pa) {
			/* The content is guest memory already (the image): written from where it is,
			   without the bounce copy. The memory outlives a copy-up meanwhile. */
			r = *inpos < in->size ? (int64_t)MIN((uint64_t)n, in->size - *inpos) : 0;
			src = (const char *)phys_to_virt(in->contig_pa) + *inpos;
		} else {
			r = in->ops->read(in, copy_buf, n, *inpos);
		}
		if (r <= 0)
			return done ? done : r;
		int64_t w;
		if (outpos) {
			struct inode *oi = file_inode(out);
			w = done ? 0 : vfs_remove_privs(oi);
			if (!w)
				w = oi->ops->write(oi, src, (size_t)r, *outpos);
			if (w > 0)
				*outpos += (uint64_t)w;
		} else {
			w = out->ops->write(out, src, (size_t)r);
		}
		if (w == -EFILEWAIT) {
			/* out is a full pipe: wait, then read the same range again */
			if (file_wait(-1, current_task->wait_what) < 0)
				return done ? done : -ERESTARTSYS;
			continue;
		}
		if (w <= 0)
			return done ? done : w;
		*inpos += (uint64_t)w;
		done += w;
		if (w < r && (outpos || !out->ops->poll))
			break;          /* a pipe takes the rest once it has room */
	}
	return done;
}

static bool is_regular_file(struct file *f)
{
	struct inode *ino = file_inode(f);
	return ino && f->ops == &vfs_file_ops && (ino->mode & S_IFMT) == S_IFREG && ino->ops->read;
}

int64_t sys_sendfile(uint64_t outfd, uint64_t infd, uint64_t uoff, uint64_t count, uint64_t a4,
		     uint64_t a5)
{
	struct file *in = fd_get(current_task->files, (int)infd);
	struct file *out = fd_get(current_task->files, (int)outfd);
	int64_t r;
	if (!in || !out)
		r = -EBADF;
	else if ((in->flags & O_ACCMODE) == O_WRONLY || (in->flags & O_PATH) ||
		 !(out->flags & O_ACCMODE) || (out->flags & O_PATH))
		r = -EBADF;
	else if (!is_regular_file(in) || !out->ops->write || (out->flags & O_APPEND))
		r = -EINVAL;
	else {
		uint64_t pos = in->pos;
		int64_t off;
		if (uoff && copy_from_user(&off, uoff, sizeof(off))) {
			r = -EFAULT;
		} else if (uoff && off < 0) {
			r = -EINVAL;
		} else {
			if (uoff)
				pos = (uint64_t)off;
			r = copy_range(file_inode(in), &pos, out, NULL, count);
			copy_notify(in, out, r);
			if (uoff) {
				off = (int64_t)pos;
				if (copy_to_user(uoff, &off, sizeof(off)))
					r = -EFAULT;
			} else {
				in->pos = pos;
			}
		}
	}
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}

int64_t sys_copy_file_range(uint64_t infd, uint64_t uinoff, uint64_t outfd, uint64_t uoutoff,
			    uint64_t len, uint64_t flags)
{
	if (flags)
		return -EINVAL;
	struct file *in = fd_get(current_task->files, (int)infd);
	struct file *out = fd_get(current_task->files, (int)outfd);
	int64_t r = 0;
	int64_t io = 0, oo = 0;
	if (!in || !out)
		r = -EBADF;
	else if ((in->flags & O_ACCMODE) == O_WRONLY || !(out->flags & O_ACCMODE) ||
		 (out->flags & O_APPEND))
		r = -EBADF;
	else if (!is_regular_file(in) || !is_regular_file(out))
		r = -EINVAL;
	else if ((uinoff && copy_from_user(&io, uinoff, 8)) ||
		 (uoutoff && copy_from_user(&oo, uoutoff, 8)))
		r = -EFAULT;
	else if (io < 0 || oo < 0)
		r = -EINVAL;
	if (!r) {
		uint64_t ip = uinoff ? (uint64_t)io : in->pos, op = uoutoff ? (uint64_t)oo : out->pos;
		if (file_inode(in) == file_inode(out) && ip < op + len && op < ip + len)
			r = -EINVAL;    /* overlapping ranges of one file */
		else {
			r = copy_range(file_inode(in), &ip, out, &op, len);
			copy_notify(in, out, r);
			if (r >= 0) {
				if (uinoff) {
					io = (int64_t)ip;
					copy_to_user(uinoff, &io, 8);
				} else {
					in->pos = ip;
				}
				if (uoutoff) {
					oo = (int64_t)op;
					copy_to_user(uoutoff, &oo, 8);
				} else {
					out->pos = op;
				}
			}
		}
	}
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}

#define POSIX_FADV_NOREUSE 5

/* Linux's generic_fadvise: advice only (unik reads ahead and caches as it always does), with its
   checks in its order: the descriptor, a FIFO or pipe (ESPIPE), a negative length, the advice. */
int64_t sys_fadvise64(uint64_t fd, uint64_t off, uint64_t len, uint64_t advice, uint64_t a4,
		      uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	int64_t r = 0;
	if (f->flags & 010000000)
		r = -EBADF;             /* O_PATH */
	else if (f->ops == &pipe_ops || (ino && (ino->mode & S_IFMT) == S_IFIFO))
		r = -ESPIPE;
	else if ((int64_t)len < 0 || (int)advice < 0 || (int)advice > POSIX_FADV_NOREUSE)
		r = -EINVAL;
	file_put(f);
	return r;
}

/* Linux's ksys_readahead: a descriptor open for reading (EBADF), a regular file or block device
   and a count that fits loff_t (EINVAL). Files are read from memory or the host as they are
   used anyway, so nothing is started. */
int64_t sys_readahead(uint64_t fd, uint64_t off, uint64_t count, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	uint32_t type = ino ? ino->mode & S_IFMT : 0;
	int64_t r = 0;
	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		r = -EBADF;
	else if ((type != S_IFREG && type != S_IFBLK) || (int64_t)count < 0)
		r = -EINVAL;
	file_put(f);
	return r;
}

int64_t sys_fallocate(uint64_t fd, uint64_t mode, uint64_t off, uint64_t len, uint64_t a4,
		      uint64_t a5)
{
	if ((int64_t)off < 0 || (int64_t)len <= 0)
		return -EINVAL;
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	int64_t r;
	if (!(f->flags & O_ACCMODE) || (f->flags & O_PATH))
		r = -EBADF;
	else if (f->ops == &pipe_ops)
		r = -ESPIPE;
	else if (!ino || f->ops != &vfs_file_ops)
		r = -ENODEV;
	else if ((ino->mode & S_IFMT) == S_IFDIR)
		r = -EISDIR;
	else if ((ino->mode & S_IFMT) != S_IFREG)
		r = -ENODEV;
	else if ((f->flags & O_APPEND) && (mode & 0x12))     /* PUNCH_HOLE, ZERO_RANGE */
		r = -EPERM;
	else
		r = ino->ops->fallocate ? ino->ops->fallocate(ino, (int)mode, off, len) : -EOPNOTSUPP;
	if (!r)
		fsnotify_file(f, FS_MODIFY);
	file_put(f);
	return r;
}
