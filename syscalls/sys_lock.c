/* flock and fcntl record locks: the argument checks (EBADF for a lock the descriptor's access
   mode cannot take, EINVAL for bad types and ranges) are Linux's, but locks are not enforced yet:
   every lock is granted and F_GETLK reports F_UNLCK, also when another process or open file
   holds a conflicting one (docs/syscalls.md marks both calls partial). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "build/gen/syscall_decls.h"

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define LOCK_MAND 32
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define O_ACCMODE 03
#define O_PATH 010000000

int64_t sys_flock(uint64_t fd, uint64_t op, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct file *f = fd_get(current->files, (int)fd);
	if (!f)
		return -EBADF;
	int64_t r = 0;
	unsigned cmd = (unsigned)op & ~(unsigned)LOCK_NB;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (cmd != LOCK_SH && cmd != LOCK_EX && cmd != LOCK_UN)
		r = -EINVAL;
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

/* F_GETLK/F_SETLK/F_SETLKW and the OFD variants (cmd 5, 6, 7, 36, 37, 38). */
int64_t lock_fcntl(struct file *f, int cmd, uint64_t arg)
{
	struct flock_k fl;
	if (copy_from_user(&fl, arg, sizeof(fl)))
		return -EFAULT;
	if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK)
		return -EINVAL;
	if (fl.whence < 0 || fl.whence > 2)
		return -EINVAL;
	bool ofd = cmd >= 36;
	if (ofd && fl.pid != 0)
		return -EINVAL;
	int64_t base = fl.whence == 0 ? 0 : fl.whence == 1 ? (int64_t)f->pos :
		       file_inode(f) ? (int64_t)file_inode(f)->size : 0;
	if (base + fl.start < 0 || (fl.len < 0 && base + fl.start + fl.len < 0))
		return -EINVAL;
	bool get = cmd == 5 || cmd == 36;
	if (get) {
		if (fl.type == F_UNLCK)
			return -EINVAL;
		fl.type = F_UNLCK;      /* nothing else holds a lock */
		return copy_to_user(arg, &fl, sizeof(fl)) ? -EFAULT : 0;
	}
	int acc = f->flags & O_ACCMODE;
	if ((fl.type == F_RDLCK && acc == 1) || (fl.type == F_WRLCK && acc == 0))
		return -EBADF;
	return 0;
}
