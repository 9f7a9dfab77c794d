/* Extended attributes: the image's (kept by unik convert) and, on the guest's own filesystems,
   set and removed at run time with Linux's checks (namespaces, flags, sizes, permission), with
   the POSIX ACLs as system.posix_acl_access and system.posix_acl_default (vfs/acl.c); on
   volumes, the host file's user.* ones (vfs/hostfs.c); other filesystems answer EOPNOTSUPP, as
   one without xattr support does. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"
#include "vfs/acl.h"
#include "vfs/fsnotify.h"
#include "build/gen/syscall_decls.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

/* Values and lists pass through one buffer of the largest size Linux allows, made at the first
   use and kept (as execve's strings are): contiguous memory a volume's hypercall uses in place.
   Tasks switch only where they wait, and nothing between the copy in and the copy out waits. */
static void *xattr_buf(void)
{
	_Static_assert(XATTR_LIST_MAX == XATTR_SIZE_MAX, "one buffer for both");
	static void *buf;
	if (!buf) {
		uint64_t pa = pmm_alloc_contig(XATTR_SIZE_MAX / PAGE_SIZE);
		buf = pa ? phys_to_virt(pa) : NULL;
	}
	return buf;
}

/* The ACL type name stands for on an inode whose filesystem keeps ACLs, else -1. */
static int xattr_acl_type(const struct inode *ino, const char *name)
{
	if (!ino->sb || !(ino->sb->flags & SB_POSIXACL))
		return -1;
	return acl_xattr_type(name, strlen(name));
}

/* The inode of a path (following or not) or an fd; the caller drops *hold. */
static int xattr_inode(int fd, uint64_t upath, bool follow, struct path *hold, struct inode **out)
{
	if (upath) {
		int err = fs_resolve(AT_FDCWD, upath, follow ? LOOKUP_FOLLOW : 0, hold);
		if (!err)
			*out = hold->d->inode;
		return err;
	}
	struct file *f = fd_get(current_task->files, fd);
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
	if (!strncmp(name, "trusted.", 8) && !capable(CAP_SYS_ADMIN)) {
		path_put(&hold);
		return -ENODATA;        /* hidden without CAP_SYS_ADMIN, as on Linux */
	}
	size = MIN(size, XATTR_SIZE_MAX);
	void *buf = xattr_buf();
	int acl = xattr_acl_type(ino, name);
	int64_t r = !buf ? -ENOMEM : acl >= 0 ? vfs_acl_get(ino, acl, buf, size) :
		    !ino->ops->getxattr ? -ENODATA : ino->ops->getxattr(ino, name, buf, size);
	if (r > 0 && size && copy_to_user(uval, buf, (size_t)r))
		r = -EFAULT;
	path_put(&hold);
	return r;
}

/* Drops the trusted.* names from a list (n bytes) for a caller without CAP_SYS_ADMIN, as Linux
   does; returns the new length. */
static int64_t xattr_list_filter(char *buf, int64_t n)
{
	int64_t out = 0;
	for (int64_t at = 0; at < n;) {
		size_t l = strnlen(buf + at, (size_t)(n - at)) + 1;
		if (strncmp(buf + at, "trusted.", 8)) {
			memmove(buf + out, buf + at, l);
			out += (int64_t)l;
		}
		at += (int64_t)l;
	}
	return out;
}

static int64_t xattr_list(int fd, uint64_t upath, bool follow, uint64_t ulist, uint64_t size)
{
	struct path hold;
	struct inode *ino;
	int err = xattr_inode(fd, upath, follow, &hold, &ino);
	if (err)
		return err;
	/* the whole list first, so the filter can count what is shown; the ACLs lead, as in
	   Linux's simple_xattr_list */
	char *buf = xattr_buf();
	int64_t acls = buf ? vfs_acl_list(ino, buf, XATTR_LIST_MAX) : 0;
	int64_t r = !buf ? -ENOMEM : !ino->ops->listxattr ? acls :
		    ino->ops->listxattr(ino, buf + acls, XATTR_LIST_MAX - (size_t)acls);
	if (r >= 0 && ino->ops->listxattr)
		r += acls;
	if (r == -ERANGE)
		r = -E2BIG;
	if (r > 0 && !capable(CAP_SYS_ADMIN))
		r = xattr_list_filter(buf, r);
	if (r > 0 && size && (uint64_t)r > size)
		r = -ERANGE;
	else if (r > 0 && size && copy_to_user(ulist, buf, (size_t)r))
		r = -EFAULT;
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

#define XATTR_CREATE 1
#define XATTR_REPLACE 2

static bool xattr_prefix(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

/* Linux's xattr_permission for a change, with commoncap's rules for security.* (a file's
   capabilities: a valid version 2 or 3 value and CAP_SETFCAP; the rest CAP_SYS_ADMIN), then the
   filesystem's support. A removal passes value NULL. */
static int xattr_may_change(const struct inode *ino, const char *name, const void *value,
			    size_t size, bool remove)
{
	if (ino->sb && (ino->sb->flags & SB_RDONLY))
		return -EROFS;
	bool fcaps = !strcmp(name, "security.capability");
	if (fcaps && !remove && size && !cap_xattr_valid(value, size))
		return -EINVAL;
	if (fcaps && !remove && size && !capable(CAP_SETFCAP))
		return -EPERM;
	uint32_t type = ino->mode & S_IFMT;
	if (xattr_prefix(name, "trusted.")) {
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
	} else if (xattr_prefix(name, "user.")) {
		if (type != S_IFREG && type != S_IFDIR)
			return -EPERM;
		if (type == S_IFDIR && (ino->mode & S_ISVTX) && current->fsuid != ino->uid &&
		    !capable(CAP_FOWNER))
			return -EPERM;          /* a sticky directory: its owner's */
	} else if (!xattr_prefix(name, "security.")) {
		return -EOPNOTSUPP;             /* other system.* names and unknown ones */
	}
	int err = vfs_permission(ino, 2);
	if (err)
		return err;
	if (xattr_prefix(name, "security.") &&
	    (fcaps ? remove && !capable(CAP_SETFCAP) : !capable(CAP_SYS_ADMIN)))
		return -EPERM;
	return ino->ops->setxattr ? 0 : -EOPNOTSUPP;
}

/* setxattr and removexattr (remove: uval 0, size 0, flags -1). Linux's order: the name and the
   size, then the file, then the permission. */
static int64_t xattr_change(int fd, uint64_t upath, bool follow, uint64_t uname, uint64_t uval,
			    uint64_t size, int64_t flags)
{
	bool remove = flags < 0;
	if (!remove && (flags & ~(int64_t)(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	char name[XATTR_NAME_MAX + 1];
	int64_t n = strncpy_from_user(name, uname, sizeof(name));
	if (n == -EFAULT)
		return -EFAULT;
	if (n <= 0)
		return -ERANGE;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	void *val = size ? xattr_buf() : NULL;
	if (size && !val)
		return -ENOMEM;
	if (size && copy_from_user(val, uval, size))
		return -EFAULT;
	struct path hold;
	struct inode *ino;
	int err = xattr_inode(fd, upath, follow, &hold, &ino);
	int acl = err ? -1 : xattr_acl_type(ino, name);
	if (acl >= 0) {
		/* no namespace or permission rules: vfs_acl_set has the owner's */
		err = ino->sb->flags & SB_RDONLY ? -EROFS : vfs_acl_set(ino, acl, val, size);
		if (!err)
			fsnotify_dentry(hold.d, FS_ATTRIB);
		path_put(&hold);
	} else if (!err) {
		err = xattr_may_change(ino, name, val, size, remove);
		if (!err && remove)
			err = ino->ops->removexattr(ino, name);
		else if (!err && size && !strcmp(name, "security.capability"))
			err = ino->ops->setxattr(ino, name, val, cap_xattr_store_form(val, size),
						 (int)flags);
		else if (!err)
			err = ino->ops->setxattr(ino, name, val, size, (int)flags);
		if (!err)
			fsnotify_dentry(hold.d, FS_ATTRIB);
		path_put(&hold);
	}
	return err;
}

int64_t sys_setxattr(uint64_t p, uint64_t n, uint64_t v, uint64_t s, uint64_t f, uint64_t a5)
{
	return xattr_change(-1, p, true, n, v, s, (int64_t)(f & 0xffffffffu));
}

int64_t sys_lsetxattr(uint64_t p, uint64_t n, uint64_t v, uint64_t s, uint64_t f, uint64_t a5)
{
	return xattr_change(-1, p, false, n, v, s, (int64_t)(f & 0xffffffffu));
}

int64_t sys_fsetxattr(uint64_t fd, uint64_t n, uint64_t v, uint64_t s, uint64_t f, uint64_t a5)
{
	return xattr_change((int)fd, 0, true, n, v, s, (int64_t)(f & 0xffffffffu));
}

int64_t sys_removexattr(uint64_t p, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_change(-1, p, true, n, 0, 0, -1);
}

int64_t sys_lremovexattr(uint64_t p, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return xattr_change(-1, p, false, n, 0, 0, -1);
}

int64_t sys_fremovexattr(uint64_t fd, uint64_t n, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	return xattr_change((int)fd, 0, true, n, 0, 0, -1);
}
