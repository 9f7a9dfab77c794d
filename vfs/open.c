/* Opening files by name, the struct file operations for inodes (regular files, directories),
   permissions, stat and device nodes. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "vfs/acl.h"
#include "vfs/dev.h"
#include "vfs/pipe.h"
#include "vfs/fsnotify.h"

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_PATH 010000000
#define O_TMPFILE 020200000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG_(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK_(m) (((m) & S_IFMT) == S_IFLNK)

struct timespec64 vfs_now(void)
{
	int64_t ns = time_realtime_ns();
	struct timespec64 t = { ns / 1000000000, ns % 1000000000 };
	return t;
}

void vfs_setattr_basic(struct inode *ino, const struct iattr *a)
{
	if (a->valid & ATTR_MODE)
		ino->mode = (ino->mode & S_IFMT) | (a->mode & 07777);
	if (a->valid & ATTR_UID)
		ino->uid = a->uid;
	if (a->valid & ATTR_GID)
		ino->gid = a->gid;
	if (a->valid & ATTR_ATIME)
		ino->atime = a->atime;
	if (a->valid & ATTR_MTIME)
		ino->mtime = a->mtime;
	if (a->valid & ATTR_MODE)
		vfs_acl_chmod(ino);     /* the access ACL follows the new mode */
	ino->ctime = vfs_now();
}

/* Linux's generic_permission: the owner's bits, the access ACL or the group's (the filesystem
   gid or a supplementary one) or the others' bits by the filesystem ids (acl_mode_permission),
   then the capabilities that override them: CAP_DAC_READ_SEARCH for reading and searching,
   CAP_DAC_OVERRIDE for the rest, but not to execute a file with no x bit at all. */
int vfs_permission(const struct inode *ino, int mask)
{
	uint32_t mode = ino->mode;
	if (!acl_mode_permission(ino, mask))
		return 0;
	if (S_ISDIR_(mode)) {
		if (!(mask & 2) && capable(CAP_DAC_READ_SEARCH))
			return 0;
		return capable(CAP_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if ((mask & 7) == 4 && capable(CAP_DAC_READ_SEARCH))
		return 0;
	if ((!(mask & 1) || (mode & 0111)) && capable(CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

int vfs_remove_privs(struct inode *ino)
{
	if (!S_ISREG_(ino->mode) || (ino->sb && (ino->sb->flags & SB_RDONLY)))
		return 0;
	uint32_t kill = ino->mode & S_ISUID;
	if ((ino->mode & S_ISGID) && ((ino->mode & 010) || !in_group_p(ino->gid)))
		kill |= S_ISGID;
	if (kill && !capable(CAP_FSETID) && ino->ops->setattr) {
		struct iattr a = { .valid = ATTR_MODE, .mode = ino->mode & 07777 & ~kill };
		int err = ino->ops->setattr(ino, &a);
		if (err)
			return err;
	}
	if (ino->ops->getxattr && ino->ops->removexattr &&
	    ino->ops->getxattr(ino, "security.capability", NULL, 0) >= 0) {
		int err = ino->ops->removexattr(ino, "security.capability");
		if (err && err != -ENODATA)
			return err;
	}
	return 0;
}

void vfs_stat_inode(const struct inode *ino, struct stat *st)
{
	if (ino->ops && ino->ops->getattr)
		ino->ops->getattr((struct inode *)ino);         /* a host file may have changed */
	memset(st, 0, sizeof(*st));
	st->st_dev = ino->sb ? ino->sb->dev : 0;
	st->st_ino = ino->ino;
	st->st_nlink = ino->nlink;
	st->st_mode = ino->mode;
	st->st_uid = ino->uid;
	st->st_gid = ino->gid;
	st->st_rdev = ino->rdev;
	st->st_size = (int64_t)ino->size;
	st->st_blksize = 4096;
	st->st_blocks = !S_ISREG_(ino->mode) ? 0 : ino->ops && ino->ops->blocks ?
			(int64_t)ino->ops->blocks((struct inode *)ino) : (int64_t)ino->blocks;
	/* Directories look like ext4's under docker's overlay: one 4 KiB block. */
	if (S_ISDIR_(ino->mode)) {
		st->st_size = 4096;
		st->st_blocks = 8;
	}
	st->st_atime = (uint64_t)ino->atime.sec;
	st->st_atime_nsec = (uint64_t)ino->atime.nsec;
	st->st_mtime = (uint64_t)ino->mtime.sec;
	st->st_mtime_nsec = (uint64_t)ino->mtime.nsec;
	st->st_ctime = (uint64_t)ino->ctime.sec;
	st->st_ctime_nsec = (uint64_t)ino->ctime.nsec;
}

static int64_t inode_file_read(struct file *f, void *buf, size_t len)
{
	struct inode *ino = file_inode(f);
	if (S_ISDIR_(ino->mode))
		return -EISDIR;
	if (!ino->ops->read)
		return -EINVAL;
	int64_t n = ino->ops->read(ino, buf, len, f->pos);
	if (n > 0)
		f->pos += (uint64_t)n;
	return n;
}

static int64_t inode_file_write(struct file *f, const void *buf, size_t len)
{
	struct inode *ino = file_inode(f);
	if (!ino->ops->write)
		return -EINVAL;
	if ((f->flags & O_APPEND) && ino->ops->getattr)
		ino->ops->getattr(ino);
	if (f->flags & O_APPEND)
		f->pos = ino->size;
	int err = len ? vfs_remove_privs(ino) : 0;
	if (err)
		return err;
	int64_t n = ino->ops->write(ino, buf, len, f->pos);
	if (n > 0)
		f->pos += (uint64_t)n;
	return n;
}

static int inode_file_stat(struct file *f, struct stat *st)
{
	vfs_stat_inode(file_inode(f), st);
	return 0;
}

static int64_t inode_file_llseek(struct file *f, int64_t off, int whence)
{
	struct inode *ino = file_inode(f);
	int64_t base;
	if (whence != SEEK_SET && whence != SEEK_CUR && ino->ops->getattr)
		ino->ops->getattr(ino);
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = (int64_t)ino->size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (S_ISDIR_(ino->mode))
			return -EINVAL;
		if (off < 0 || (uint64_t)off >= ino->size)
			return -ENXIO;
		if (ino->ops->seek_data) {
			int64_t r = ino->ops->seek_data(ino, (uint64_t)off, whence);
			if (r < 0)
				return r;
			f->pos = (uint64_t)r;
		} else {
			/* No holes: all data up to the end, the one hole at the end. */
			f->pos = whence == SEEK_DATA ? (uint64_t)off : ino->size;
		}
		return (int64_t)f->pos;
	default:
		return -EINVAL;
	}
	int64_t n = base + off;
	if ((off > 0 && n < base) || n < 0)
		return -EINVAL;
	f->pos = (uint64_t)n;
	if (S_ISDIR_(ino->mode) && n == 0)
		f->dir_pos = 0;
	return n;
}

/* Does f count as a writer of its regular file (execve refuses such a file: ETXTBSY)? */
static bool file_writes_regular(const struct file *f)
{
	return (f->flags & O_ACCMODE) && !(f->flags & O_PATH) && f->path.d &&
	       S_ISREG_(f->path.d->inode->mode);
}

static void inode_file_release(struct file *f)
{
	if (file_writes_regular(f)) {
		struct inode *ino = f->path.d->inode;
		if (!--ino->writecount && ino->ops->writers_gone)
			ino->ops->writers_gone(ino);
	}
	path_put(&f->path);
}

const struct file_ops vfs_file_ops = {
	.read = inode_file_read,
	.write = inode_file_write,
	.stat = inode_file_stat,
	.llseek = inode_file_llseek,
	.release = inode_file_release,
};

struct file *file_inode_new(const struct path *p, int flags)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = &vfs_file_ops;
	f->refs = 1;
	f->flags = (unsigned)flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
	f->path = *p;
	path_get(&f->path);
	if (file_writes_regular(f))
		p->d->inode->writecount++;
	return f;
}

int vfs_open_path(const struct path *p, int flags, struct file **out)
{
	struct inode *ino = p->d->inode;
	int acc = flags & O_ACCMODE;
	if (!(flags & O_PATH)) {
		if (S_ISDIR_(ino->mode) && acc != 0)
			return -EISDIR;
		if ((flags & O_DIRECTORY) && !S_ISDIR_(ino->mode))
			return -ENOTDIR;
		int mask = (acc == 0 ? 4 : acc == O_WRONLY ? 2 : 6) | ((flags & O_TRUNC) ? 2 : 0);
		int err = vfs_permission(ino, mask);
		if (err)
			return err;
		if (acc != 0 && ino->sb && (ino->sb->flags & SB_RDONLY))
			return -EROFS;
	} else if ((flags & O_DIRECTORY) && !S_ISDIR_(ino->mode)) {
		return -ENOTDIR;
	}
	struct file *f = file_inode_new(p, flags);
	if (!f)
		return -ENOMEM;
	if (!(flags & O_PATH)) {
		int err = 0;
		if ((ino->mode & S_IFMT) == S_IFCHR)
			err = dev_open(ino->rdev, f, flags & O_NOCTTY);
		else if ((ino->mode & S_IFMT) == S_IFIFO)
			err = pipe_fifo_open(ino, f);
		else if ((ino->mode & S_IFMT) == S_IFSOCK)
			err = -ENXIO;   /* sockets are reached with connect, not open */
		else if (ino->ops->open)
			err = ino->ops->open(ino, f);
		bool opened = !err;
		if (opened)
			fsnotify_file(f, FS_OPEN);
		/* Linux truncates even for O_RDONLY, given write permission (checked above). */
		if (!err && (flags & O_TRUNC) && S_ISREG_(ino->mode) && ino->ops->setattr) {
			struct iattr a = { .valid = ATTR_SIZE, .size = 0 };
			err = vfs_remove_privs(ino);
			if (!err)
				err = ino->ops->setattr(ino, &a);
			if (!err)
				fsnotify_change(p->d, a.valid);
		}
		if (err) {
			f->no_close_event = !opened;
			file_put(f);
			return err;
		}
	}
	*out = f;
	return 0;
}

/* O_CREAT: the last component may be created in its parent. A final symlink is followed (unless
   O_NOFOLLOW), so a dangling link creates its target, as on Linux. */
static int vfs_open_create(const struct fs_context *fs, const struct path *start, const char *name,
			   int flags, uint32_t mode, unsigned lflags, int depth, struct path *out,
			   bool *created)
{
	struct path parent;
	const char *last;
	size_t len;
	bool slash;
	int err = vfs_lookup_parent_ex(fs, start, name, lflags, &parent, &last, &len, &slash);
	if (err)
		return err;
	if (slash || len == 0 || (len == 1 && last[0] == '.') ||
	    (len == 2 && last[0] == '.' && last[1] == '.')) {
		path_put(&parent);
		return -EISDIR;
	}
	struct dentry *d;
	err = vfs_child(parent.d, last, len, &d);
	if (err == -ENOENT) {
		struct inode *dir = parent.d->inode, *ino = NULL;
		err = vfs_permission(dir, 3);
		if (!err && dir->sb && (dir->sb->flags & SB_RDONLY))
			err = -EROFS;
		uint32_t umask = vfs_acl_umask(dir, fs->umask);
		if (!err)
			err = dir->ops->create ? dir->ops->create(dir, last, len, S_IFREG | (mode & 07777 &
								  ~umask), 0, &ino) : -EROFS;
		if (!err) {
			inode_put(ino);
			fsnotify_name(dir, FS_CREATE, last, len, 0, false);
			*created = true;
			err = vfs_child(parent.d, last, len, &d);
		}
	} else if (!err && (flags & O_EXCL)) {
		dentry_put(d);
		err = -EEXIST;
	} else if (!err && S_ISLNK_(d->inode->mode) && !(flags & O_NOFOLLOW) &&
		   d->inode->ops->get_link) {
		/* A magic link (/proc/self/fd/N): the open file itself, nothing to create. */
		err = (lflags & LOOKUP_NO_SYMLINKS) ? -ELOOP : d->inode->ops->get_link(d->inode, out);
		dentry_put(d);
		path_put(&parent);
		return err;
	} else if (!err && S_ISLNK_(d->inode->mode) && !(flags & O_NOFOLLOW)) {
		char *target = kmalloc(PATH_MAX);
		int64_t n = !target ? -ENOMEM :
			    (depth >= MAXSYMLINKS || (lflags & LOOKUP_NO_SYMLINKS)) ? -ELOOP :
			    d->inode->ops->readlink(d->inode, target, PATH_MAX - 1);
		dentry_put(d);
		if (n == 0)
			n = -ENOENT;
		if (n > 0 && target[0] == '/' && (lflags & LOOKUP_NO_XDEV) &&
		    parent.mnt != fs->root.mnt)
			n = -EXDEV;     /* as in namei.c's walk_symlink */
		if (n > 0) {
			target[n] = 0;
			n = vfs_open_create(fs, &parent, target, flags, mode, lflags, depth + 1, out,
					    created);
		}
		if (target)
			kfree(target, PATH_MAX);
		path_put(&parent);
		return (int)n;
	}
	if (!err) {
		out->mnt = parent.mnt;
		out->d = d;
		vfs_follow_mounts(out);
	}
	path_put(&parent);
	return err;
}

int vfs_open(const struct fs_context *fs, const struct path *start, const char *name, int flags,
	     uint32_t mode, struct file **out)
{
	return vfs_open_ex(fs, start, name, flags, mode, 0, out);
}

int vfs_open_ex(const struct fs_context *fs, const struct path *start, const char *name, int flags,
		uint32_t mode, unsigned lflags, struct file **out)
{
	struct path p;
	int err;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_CREAT) {
		if (flags & O_DIRECTORY)
			return -EINVAL;
		bool created = false;
		err = vfs_open_create(fs, start, name, flags, mode, lflags, 0, &p, &created);
		if (created)
			flags &= ~O_TRUNC;      /* as Linux: a new file is not truncated */
	} else {
		err = vfs_lookup(fs, start, name, lflags | ((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW),
				 &p);
	}
	if (err)
		return err;
	if (S_ISLNK_(p.d->inode->mode) && !(flags & O_PATH)) {
		path_put(&p);
		/* O_NOFOLLOW on a symlink: Linux checks O_DIRECTORY first */
		return (flags & O_DIRECTORY) ? -ENOTDIR : -ELOOP;
	}
	err = vfs_open_path(&p, flags, out);
	path_put(&p);
	return err;
}
