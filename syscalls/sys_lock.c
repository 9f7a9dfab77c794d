/* flock and fcntl record locks (F_GETLK/F_SETLK/F_SETLKW and the OFD variants): argument checks
   and ranges as Linux computes them; the locks themselves live in vfs/locks.c. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "vfs/locks.h"
#include "build/gen/syscall_decls.h"

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 5
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLKW 38
#define O_ACCMODE 03
#define O_PATH 010000000

int64_t sys_flock(uint64_t fd, uint64_t op, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r;
	unsigned cmd = (unsigned)op & ~(unsigned)LOCK_NB;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (cmd != LOCK_SH && cmd != LOCK_EX && cmd != LOCK_UN)
		r = -EINVAL;
	else
		r = locks_flock(f, cmd == LOCK_SH ? LOCK_RD : cmd == LOCK_EX ? LOCK_WR : LOCK_NONE,
				!(op & LOCK_NB));
	file_put(f);
	return r;
}

struct flock_k {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid;
	int32_t pad;
};
_Static_assert(sizeof(struct flock_k) == 32, "struct flock");

/* The byte range of fl, as Linux's flock_to_posix_lock. */
static int lock_range_of(struct file *f, const struct flock_k *fl, struct lock_range *r)
{
	int64_t base;
	if (fl->whence == 0)
		base = 0;
	else if (fl->whence == 1)
		base = (int64_t)f->pos;
	else if (fl->whence == 2)
		base = file_inode(f) ? (int64_t)file_inode(f)->size : 0;
	else
		return -EINVAL;
	if ((fl->start > 0 && base > INT64_MAX - fl->start))
		return -EOVERFLOW;
	int64_t start = base + fl->start;
	if (start < 0)
		return -EINVAL;
	if (fl->len > 0) {
		if (fl->len - 1 > INT64_MAX - start)
			return -EOVERFLOW;
		r->end = start + fl->len - 1;
	} else if (fl->len < 0) {
		if (start + fl->len < 0)
			return -EINVAL;
		r->end = start - 1;
		start += fl->len;
	} else {
		r->end = LOCK_END_MAX;
	}
	r->start = start;
	r->type = fl->type;
	return 0;
}

int64_t lock_fcntl(struct file *f, int cmd, uint64_t arg)
{
	struct flock_k fl;
	if (copy_from_user(&fl, arg, sizeof(fl)))
		return -EFAULT;
	if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK)
		return -EINVAL;
	bool ofd = cmd >= F_OFD_GETLK;
	if (ofd && fl.pid != 0)
		return -EINVAL;
	struct lock_range r;
	int err = lock_range_of(f, &fl, &r);
	if (err)
		return err;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		if (fl.type == F_UNLCK)
			return -EINVAL;
		locks_record_get(f, ofd, current_task->files, &r);
		fl.type = (int16_t)r.type;
		if (r.type != LOCK_NONE) {
			fl.whence = 0;
			fl.start = r.start;
			fl.len = r.end == LOCK_END_MAX ? 0 : r.end - r.start + 1;
			fl.pid = r.pid;
		}
		return copy_to_user(arg, &fl, sizeof(fl)) ? -EFAULT : 0;
	}
	int acc = f->flags & O_ACCMODE;
	if ((fl.type == F_RDLCK && acc == 1) || (fl.type == F_WRLCK && acc == 0))
		return -EBADF;
	bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	return locks_record_set(f, ofd, current_task->files, current->pid, &r, wait);
}
