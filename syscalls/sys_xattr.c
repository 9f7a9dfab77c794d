/* Extended attributes: read from the image (xattrs kept by unik convert); setting and removing
   them is not supported yet (EOPNOTSUPP, as a filesystem without xattr support answers). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "build/gen/syscall_decls.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

/* The inode of a path (following or not) or an fd; the caller drops *hold. */
static int xattr_inode(int fd, uint64_t upath, bool follow, struct path *hold, struct inode **out)
{
	if (upath) {
		int err = fs_resolve(AT_FDCWD, upath, follow ? LOOKUP_FOLLOW : 0, hold);
		if (!err)
			*out = hold->d->inode;
		return err;
	}
	struct file *f = fd_get(current->files, fd);
	if (!f)
		return -EBADF;
	if (!f->path.d || (f->flags & 010000000)) {
		file_put(f);
		return -EBADF;
	}
	*hold = f->path;
	path_get(hold);
	*out = hold->d->inode;
	file_put(f);
	return 0;
}

static int64_t xattr_get(int fd, uint64_t upath, bool follow, uint64_t uname, uint64_t uval,
			 uint64_t size)
{
	char name[XATTR_NAME_MAX + 1];
	int64_t n = strncpy_from_user(name, uname, sizeof(name));
	if (n == -EFAULT)
		return -EFAULT;
	if (n <= 0)
		return -ERANGE;         /* empty or longer than 255: Linux answers ERANGE */
	struct path hold;
	struct inode *ino;
	int err = xattr_inode(fd, upath, follow, &hold, &ino);
	if (err)
		return err;
	size = MIN(size, XATTR_SIZE_MAX);
	void *buf = size ? kmalloc(MIN(size, PAGE_SIZE)) : NULL;
	int64_t r = !ino->ops->getxattr ? -ENODATA :
		    ino->ops->getxattr(ino, name, buf, size ? MIN(size, PAGE_SIZE) : 0);
	if (r > 0 && size && copy_to_user(uval, buf, (size_t)r))
		r = -EFAULT;
	if (buf)
		kfree(buf, MIN(size, PAGE_SIZE));
	path_put(&hold);
	return r;
}

static int64_t xattr_list(int fd, uint64_t upath, bool follow, uint64_t ulist, uint64_t size)
{
	struct path hold;
	struct inode *ino;
	int err = xattr_inode(fd, upath, follow, &hold, &ino);
	if (err)
		return err;
	size = MIN(size, PAGE_SIZE);
	char *buf = size ? kmalloc(size) : NULL;
	int64_t r = ino->ops->listxattr ? ino->ops->listxattr(ino, buf, size) : 0;
	if (r > 0 && size && copy_to_user(ulist, buf, (size_t)r))
		r = -EFAULT;
	if (buf)
		kfree(buf, size);
	path_put(&hold);
	return r;
}

int64_t sys_getxattr(uint64_t p, uint64_t n, uint64_t v, uint64_t s, uint64_t a4, uint64_t a5)
{
	return xattr_get(-1, p, true, n, v, s);
}

int64_t sys_lgetxattr(uint64_t p, uint64_t n, uint64_t v, uint64_t s, uint64_t a4, uint64_t a5)
{
	return xattr_get(-1, p, false, n, v, s);
}

int64_t sys_fgetxattr(uint64_t fd, uint64_t n, uint64_t v, uint64_t s, uint64_t a4, uint64_t a5)
{
	return xattr_get((int)fd, 0, true, n, v, s);
}

int64_t sys_listxattr(uint64_t p, uint64_t l, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_list(-1, p, true, l, s);
}

int64_t sys_llistxattr(uint64_t p, uint64_t l, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_list(-1, p, false, l, s);
}

int64_t sys_flistxattr(uint64_t fd, uint64_t l, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_list((int)fd, 0, true, l, s);
}

/* Changing xattrs: the target must exist (ENOENT/EBADF first), then EOPNOTSUPP. */
static int64_t xattr_change(int fd, uint64_t upath, bool follow)
{
	struct path hold;
	struct inode *ino;
	int err = xattr_inode(fd, upath, follow, &hold, &ino);
	if (err)
		return err;
	path_put(&hold);
	return -EOPNOTSUPP;
}

int64_t sys_setxattr(uint64_t p, uint64_t n, uint64_t v, uint64_t s, uint64_t f, uint64_t a5)
{
	return xattr_change(-1, p, true);
}

int64_t sys_lsetxattr(uint64_t p, uint64_t n, uint64_t v, uint64_t s, uint64_t f, uint64_t a5)
{
	return xattr_change(-1, p, false);
}

int64_t sys_fsetxattr(uint64_t fd, uint64_t n, uint64_t v, uint64_t s, uint64_t f, uint64_t a5)
{
	return xattr_change((int)fd, 0, true);
}

int64_t sys_removexattr(uint64_t p, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_change(-1, p, true);
}

int64_t sys_lremovexattr(uint64_t p, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_change(-1, p, false);
}

int64_t sys_fremovexattr(uint64_t fd, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	return xattr_change((int)fd, 0, true);
}
