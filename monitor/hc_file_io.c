/* Volume hypercalls, part 2: calls on a handle (attributes, data, listings, sync, close,
   statfs) and the small LRU of host fds open for I/O. Data moves straight between the host file
   and guest memory, after the guest range is checked once. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include "monitor/hc_file.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static bool hc_file_acc_ok(int acc, bool write)
{
	return write ? (acc == O_RDWR || acc == O_WRONLY) : (acc == O_RDWR || acc == O_RDONLY);
}

void hc_file_io_close(struct hc_file *hf, struct hc_file_handle *h)
{
	if (h->io_fd < 0)
		return;
	hc_file_notify_touch(hf, h);
	close(h->io_fd);
	hf->io[h->io_slot].handle = 0;
	h->io_fd = -1;
}

/* Opens the handle's file for I/O: regular files through the fd's /proc magic link (which
   names exactly that inode, whatever has happened to its name since), directories as ".". */
static int hc_file_reopen(struct hc_file *hf, struct hc_file_handle *h, bool write, int *acc)
{
	int fd;
	if (h->type == S_IFDIR) {
		*acc = O_RDONLY;
		fd = openat(h->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (h->type != S_IFREG)
		return -EINVAL;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h->fd);
	/* Only as the guest's call needs it: a host file open for writing cannot be executed on
	   the host (ETXTBSY) and reports IN_CLOSE_WRITE to the host's watchers, so reading opens
	   read-only; a write opens read-write (one fd then serves both directions) or, where
	   reading is not allowed, write-only. */
	if (write && hc_file_ro(hf, h))
		return -EROFS;
	*acc = write ? O_RDWR : O_RDONLY;
	fd = open(p, *acc | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && write && (errno == EACCES || errno == EPERM)) {
		*acc = O_WRONLY;
		fd = open(p, *acc | O_CLOEXEC | O_NOCTTY);
	}
	return fd < 0 ? -errno : fd;
}

/* The guest has no open file left that may write h: close what can write it here (the I/O fd,
   and the fd a CREATE opened read-write, which becomes an O_PATH one), so the host can execute
   the file. Reads reopen read-only. */
int hc_file_drop_writers(struct hc_file *hf, struct hc_file_handle *h)
{
	if (h->io_fd >= 0 && h->io_acc != O_RDONLY)
		hc_file_io_close(hf, h);
	if (h->fd_acc < 0 || h->fd_acc == O_RDONLY)
		return 0;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h->fd);
	int fd = open(p, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(h->fd);
	h->fd = fd;
	h->fd_acc = -1;
	return 0;
}

int hc_file_io_fd(struct hc_file *hf, struct hc_file_handle *h, bool write)
{
	if (h->fd_acc >= 0 && hc_file_acc_ok(h->fd_acc, write))
		return h->fd;
	if (h->io_fd >= 0 && hc_file_acc_ok(h->io_acc, write)) {
		hf->io[h->io_slot].used = ++hf->clock;
		return h->io_fd;
	}
	hc_file_io_close(hf, h);
	/* A free slot, or the least recently used one. */
	uint32_t s = 0;
	for (uint32_t i = 0; i < HC_FILE_IO_FDS; i++) {
		if (!hf->io[i].handle) {
			s = i;
			break;
		}
		if (hf->io[i].used < hf->io[s].used)
			s = i;
	}
	if (hf->io[s].handle)
		hc_file_io_close(hf, &hf->h[hf->io[s].handle]);
	int acc;
	int fd = hc_file_reopen(hf, h, write, &acc);
	if (fd < 0)
		return fd == -EMFILE ? -ENFILE : fd;
	h->io_fd = fd;
	h->io_acc = acc;
	h->io_slot = s;
	hf->io[s].handle = (uint32_t)(h - hf->h);
	hf->io[s].used = ++hf->clock;
	return fd;
}

static enum hc_result hc_file_handle_done(struct hc_ctx *ctx, unik_gpa_t arg,
					  struct unik_hc_fs_handle *a)
{
	return gmem_write(&ctx->mem, arg, a, sizeof(*a)) ? HC_BAD : HC_OK;
}

enum hc_result hc_fs_getattr(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_handle a;
	if (gmem_read(&ctx->mem, arg, &a, sizeof(a)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, a.handle);
	struct stat st;
	a.ret = 0;
	memset(&a.attr, 0, sizeof(a.attr));
	if (!h)
		a.ret = -EBADF;
	else if (fstat(h->fd, &st))
		a.ret = -errno;
	else
		hc_file_attr(&st, &a.attr);
	return hc_file_handle_done(ctx, arg, &a);
}

static bool hc_file_nsec_ok(int64_t ns)
{
	return (ns >= 0 && ns < 1000000000) || ns == UTIME_NOW || ns == UTIME_OMIT;
}

/* The changes of one SETATTR, in Linux's order (size, mode, owner, times). 0 or -errno. */
static int hc_file_setattr_do(struct hc_file *hf, struct hc_file_handle *h,
			      const struct unik_hc_fs_setattr *s)
{
	if (s->valid & UNIK_FS_SET_SIZE) {
		if (h->type != S_IFREG)
			return h->type == S_IFDIR ? -EISDIR : -EINVAL;
		if (s->size > (uint64_t)INT64_MAX)
			return -EINVAL;
		int fd = hc_file_io_fd(hf, h, true);
		if (fd < 0)
			return fd;
		if (ftruncate(fd, (off_t)s->size))
			return -errno;
	}
	if (s->valid & UNIK_FS_SET_MODE) {
		if (h->type == S_IFLNK)
			return -EOPNOTSUPP;
		if (syscall(SYS_fchmodat2, h->fd, "", s->mode & 07777, AT_EMPTY_PATH))
			return -errno;
	}
	if (s->valid & (UNIK_FS_SET_UID | UNIK_FS_SET_GID)) {
		uid_t u = (s->valid & UNIK_FS_SET_UID) ? s->uid : (uid_t)-1;
		gid_t g = (s->valid & UNIK_FS_SET_GID) ? s->gid : (gid_t)-1;
		if (fchownat(h->fd, "", u, g, AT_EMPTY_PATH))
			return -errno;
	}
	if (s->valid & (UNIK_FS_SET_ATIME | UNIK_FS_SET_MTIME)) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
		if (s->valid & UNIK_FS_SET_ATIME)
			ts[0] = (struct timespec){ s->atime_sec, s->atime_nsec };
		if (s->valid & UNIK_FS_SET_MTIME)
			ts[1] = (struct timespec){ s->mtime_sec, s->mtime_nsec };
		if (!hc_file_nsec_ok(ts[0].tv_nsec) || !hc_file_nsec_ok(ts[1].tv_nsec))
			return -EINVAL;
		if (utimensat(h->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			return -errno;
	}
	return 0;
}

enum hc_result hc_fs_setattr(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_setattr s;
	if (gmem_read(&ctx->mem, arg, &s, sizeof(s)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, s.handle);
	const uint32_t known = UNIK_FS_SET_MODE | UNIK_FS_SET_UID | UNIK_FS_SET_GID |
			       UNIK_FS_SET_SIZE | UNIK_FS_SET_ATIME | UNIK_FS_SET_MTIME;
	struct stat st;
	memset(&s.attr, 0, sizeof(s.attr));
	if (!h)
		s.ret = -EBADF;
	else if (s.valid & ~known)
		s.ret = -EINVAL;
	else if (s.valid && hc_file_ro(ctx->file, h))
		s.ret = -EROFS;
	else
		s.ret = hc_file_setattr_do(ctx->file, h, &s);
	if (h && fstat(h->fd, &st) == 0)
		hc_file_attr(&st, &s.attr);
	return gmem_write(&ctx->mem, arg, &s, sizeof(s)) ? HC_BAD : HC_OK;
}

/* Common checks of READ and WRITE: handle, type, range. Returns the guest buffer or NULL with
   io->ret set. A WRITE's buffer (src) may also lie in the read-only image. */
static void *hc_file_io_args(struct hc_ctx *ctx, struct unik_hc_fs_io *io,
			     struct hc_file_handle **h, bool src)
{
	*h = hc_file_get(ctx, io->handle);
	io->ret = 0;
	io->next = io->size = 0;
	if (io->len > UNIK_FS_IO_MAX)
		io->len = UNIK_FS_IO_MAX;
	void *buf = src ? (void *)gmem_src(&ctx->mem, io->buf, io->len) :
			  gmem_ptr(&ctx->mem, io->buf, io->len);
	if (!*h)
		io->ret = -EBADF;
	else if ((*h)->type == S_IFDIR)
		io->ret = -EISDIR;
	else if ((*h)->type != S_IFREG)
		io->ret = -EINVAL;
	else if (!buf)
		io->ret = -EFAULT;
	else if (io->off > (uint64_t)INT64_MAX || io->len > (uint64_t)INT64_MAX - io->off)
		io->ret = -EINVAL;
	return io->ret ? NULL : buf;
}

static enum hc_result hc_file_io_done(struct hc_ctx *ctx, unik_gpa_t arg, struct unik_hc_fs_io *io,
				      struct hc_file_handle *h)
{
	struct stat st;
	if (h && (io->ret >= 0 || io->ret == -ENOSPC) && fstat(h->fd, &st) == 0)
		io->size = (uint64_t)st.st_size;
	return gmem_write(&ctx->mem, arg, io, sizeof(*io)) ? HC_BAD : HC_OK;
}

enum hc_result hc_fs_read(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_io io;
	struct hc_file_handle *h;
	if (gmem_read(&ctx->mem, arg, &io, sizeof(io)))
		return HC_BAD;
	void *buf = hc_file_io_args(ctx, &io, &h, false);
	int fd = buf ? hc_file_io_fd(ctx->file, h, false) : 0;
	if (fd < 0)
		io.ret = fd;
	else if (buf) {
		ssize_t n;
		do
			n = pread(fd, buf, io.len, (off_t)io.off);
		while (n < 0 && errno == EINTR);
		io.ret = n < 0 ? -errno : n;
	}
	return hc_file_io_done(ctx, arg, &io, h);
}

enum hc_result hc_fs_write(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_io io;
	struct hc_file_handle *h;
	if (gmem_read(&ctx->mem, arg, &io, sizeof(io)))
		return HC_BAD;
	const void *buf = hc_file_io_args(ctx, &io, &h, true);
	if (buf && hc_file_ro(ctx->file, h)) {
		io.ret = -EROFS;
		buf = NULL;
	}
	int fd = buf ? hc_file_io_fd(ctx->file, h, true) : 0;
	if (fd < 0)
		io.ret = fd;
	else if (buf) {
		uint64_t done = 0;
		while (done < io.len) {
			ssize_t n = pwrite(fd, (const char *)buf + done, io.len - done,
					   (off_t)(io.off + done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				io.ret = done ? (int64_t)done : n < 0 ? -errno : -EIO;
				break;
			}
			done += (uint64_t)n;
			io.ret = (int64_t)done;
		}
	}
	return hc_file_io_done(ctx, arg, &io, h);
}

struct linux_dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* The open directory a listing of handle n goes on from at cookie: the one the last listing
   left exactly there, else a new open description of the directory moved to cookie. Not the
   handle's own fd sought back and forth: ext4 keeps the state of a hashed directory's walk in
   the open file, and one sought back to 0 after an earlier walk had ended could list nothing
   (PostgreSQL's initdb then found its template database empty and made no postgres database). */
static int hc_file_list_fd(struct hc_file *hf, uint32_t n, int dirfd, uint64_t cookie)
{
	if (hf->list_fd >= 0 && hf->list_handle == n && hf->list_pos == cookie)
		return hf->list_fd;
	hc_file_list_forget(hf, hf->list_handle);
	if (cookie > (uint64_t)INT64_MAX)
		return -EINVAL;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (cookie && lseek(fd, (off_t)cookie, SEEK_SET) < 0) {
		close(fd);
		return -EINVAL;
	}
	hf->list_fd = fd;
	hf->list_handle = n;
	return fd;
}

void hc_file_list_forget(struct hc_file *hf, uint32_t n)
{
	if (hf->list_fd >= 0 && hf->list_handle == n) {
		hc_file_notify_touch(hf, &hf->h[n]);
		close(hf->list_fd);
		hf->list_fd = -1;
	}
}

/* Copies host directory entries from the cookie on into buf (len bytes) as unik_hc_fs_dirent
   records. Returns the bytes used (0 at the end) or -errno; *next is the cookie after them.
   hf->list_pos says where fd stopped: at *next when it stopped between batches, else
   nowhere a listing asks for (the batch it stopped in is read again from *next). */
static int64_t hc_file_list(struct hc_file *hf, int fd, uint8_t *buf, uint64_t len,
			    uint64_t cookie, uint64_t *next)
{
	uint64_t used = 0;
	*next = cookie;
	for (;;) {
		hf->list_pos = UINT64_MAX;      /* until this batch is used up */
		long n = syscall(SYS_getdents64, fd, hf->dbuf, HC_FILE_DBUF);
		if (n < 0)
			return used ? (int64_t)used : -errno;
		if (n == 0) {
			hf->list_pos = *next;
			return (int64_t)used;
		}
		for (long at = 0; at < n;) {
			struct linux_dirent64_ *d = (void *)(hf->dbuf + at);
			const size_t hdr = offsetof(struct linux_dirent64_, d_name);
			if (d->d_reclen < hdr + 1 || d->d_reclen > n - at)
				return used ? (int64_t)used : -EIO;
			size_t nl = strnlen(d->d_name, d->d_reclen - hdr);
			uint64_t rl = (sizeof(struct unik_hc_fs_dirent) + nl + 1 + 7) & ~7ull;
			if (nl > UNIK_FS_NAME_MAX)
				return used ? (int64_t)used : -EIO;
			if (rl > len - used)
				return used ? (int64_t)used : -EINVAL;  /* not even one fits */
			struct unik_hc_fs_dirent r = {
				.ino = d->d_ino, .next = (uint64_t)d->d_off,
				.reclen = (uint16_t)rl, .type = d->d_type, .name_len = (uint8_t)nl,
			};
			memcpy(buf + used, &r, sizeof(r));
			memcpy(buf + used + sizeof(r), d->d_name, nl);
			memset(buf + used + sizeof(r) + nl, 0, rl - sizeof(r) - nl);
			used += rl;
			*next = (uint64_t)d->d_off;
			at += d->d_reclen;
		}
		hf->list_pos = *next;
	}
}

enum hc_result hc_fs_readdir(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_io io;
	if (gmem_read(&ctx->mem, arg, &io, sizeof(io)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, io.handle);
	if (io.len > UNIK_FS_IO_MAX)
		io.len = UNIK_FS_IO_MAX;
	uint8_t *buf = gmem_ptr(&ctx->mem, io.buf, io.len);
	io.next = io.off;
	io.size = 0;
	int fd = 0;
	if (!h)
		io.ret = -EBADF;
	else if (h->type != S_IFDIR)
		io.ret = -ENOTDIR;
	else if (!buf)
		io.ret = -EFAULT;
	else if ((fd = hc_file_list_fd(ctx->file, io.handle, h->fd, io.off)) < 0)
		io.ret = fd;
	else
		io.ret = hc_file_list(ctx->file, fd, buf, io.len, io.off, &io.next);
	return gmem_write(&ctx->mem, arg, &io, sizeof(io)) ? HC_BAD : HC_OK;
}

enum hc_result hc_fs_readlink(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_io io;
	if (gmem_read(&ctx->mem, arg, &io, sizeof(io)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, io.handle);
	if (io.len > UNIK_FS_PATH_MAX)
		io.len = UNIK_FS_PATH_MAX;
	char *buf = gmem_ptr(&ctx->mem, io.buf, io.len);
	io.next = io.size = 0;
	if (!h)
		io.ret = -EBADF;
	else if (h->type != S_IFLNK)
		io.ret = -EINVAL;
	else if (!buf)
		io.ret = -EFAULT;
	else {
		ssize_t n = readlinkat(h->fd, "", buf, io.len);
		io.ret = n < 0 ? -errno : n;
	}
	return gmem_write(&ctx->mem, arg, &io, sizeof(io)) ? HC_BAD : HC_OK;
}

enum hc_result hc_fs_fsync(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_handle a;
	if (gmem_read(&ctx->mem, arg, &a, sizeof(a)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, a.handle);
	memset(&a.attr, 0, sizeof(a.attr));
	int fd = 0;
	a.ret = 0;
	if (!h)
		a.ret = -EBADF;
	else if (h->type != S_IFREG && h->type != S_IFDIR)
		a.ret = -EINVAL;
	else if ((fd = hc_file_io_fd(ctx->file, h, false)) < 0)
		a.ret = fd;
	else if ((a.flags & 1) ? fdatasync(fd) : fsync(fd))
		a.ret = -errno;
	return hc_file_handle_done(ctx, arg, &a);
}

enum hc_result hc_fs_sync_range(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_sync_range a;
	if (gmem_read(&ctx->mem, arg, &a, sizeof(a)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, a.handle);
	int fd = 0;
	a.ret = 0;
	if (!h)
		a.ret = -EBADF;
	else if (h->type != S_IFREG)
		a.ret = -EINVAL;
	else if (a.flags & ~(UNIK_FS_SYNC_WAIT_BEFORE | UNIK_FS_SYNC_WRITE | UNIK_FS_SYNC_WAIT_AFTER) ||
		 a.offset > INT64_MAX || a.nbytes > INT64_MAX - a.offset)
		a.ret = -EINVAL;
	else if ((fd = hc_file_io_fd(ctx->file, h, false)) < 0)
		a.ret = fd;
	else if (sync_file_range(fd, (off_t)a.offset, (off_t)a.nbytes, a.flags))
		a.ret = -errno;
	return gmem_write(&ctx->mem, arg, &a, sizeof(a)) ? HC_BAD : HC_OK;
}

enum hc_result hc_fs_close(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_handle a;
	if (gmem_read(&ctx->mem, arg, &a, sizeof(a)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, a.handle);
	memset(&a.attr, 0, sizeof(a.attr));
	a.ret = 0;
	if (!h)
		a.ret = -EBADF;
	else if (a.flags & ~UNIK_FS_CLOSE_WRITERS)
		a.ret = -EINVAL;
	else if (a.flags)
		a.ret = hc_file_drop_writers(ctx->file, h);
	else if (h->root)
		a.ret = -EBUSY;         /* a volume's root stays for the VM's life */
	else {
		hc_file_notify_forget(ctx->file, a.handle);
		hc_file_io_close(ctx->file, h);
		hc_file_list_forget(ctx->file, a.handle);
		close(h->fd);
		*h = (struct hc_file_handle){ .fd = -1, .fd_acc = -1, .io_fd = -1 };
		ctx->file->used--;
	}
	return hc_file_handle_done(ctx, arg, &a);
}

enum hc_result hc_fs_statfs(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_statfs s;
	if (gmem_read(&ctx->mem, arg, &s, sizeof(s)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, s.handle);
	struct statfs sf;
	uint32_t handle = s.handle;
	memset(&s, 0, sizeof(s));
	s.handle = handle;
	if (!h)
		s.ret = -EBADF;
	else if (fstatfs(h->fd, &sf))
		s.ret = -errno;
	else {
		s.type = (uint64_t)sf.f_type;
		s.bsize = (uint64_t)sf.f_bsize;
		s.blocks = sf.f_blocks;
		s.bfree = sf.f_bfree;
		s.bavail = sf.f_bavail;
		s.files = sf.f_files;
		s.ffree = sf.f_ffree;
		s.namelen = (uint64_t)sf.f_namelen;
		s.frsize = (uint64_t)sf.f_frsize;
		s.flags = (uint64_t)sf.f_flags | (hc_file_ro(ctx->file, h) ? ST_RDONLY : 0);
	}
	return gmem_write(&ctx->mem, arg, &s, sizeof(s)) ? HC_BAD : HC_OK;
}
