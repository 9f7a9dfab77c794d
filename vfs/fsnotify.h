/* fsnotify: the hooks the VFS calls where Linux reports a file event (include/linux/fsnotify.h),
   and the marks inotify and dnotify hang on inodes to hear them. With no mark anywhere every
   hook costs one test of fsnotify_marks. */
#ifndef VFS_FSNOTIFY_H
#define VFS_FSNOTIFY_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct inode;
struct dentry;
struct file;
struct fdtable;

/* Event bits: Linux's FS_* values, which are also inotify's IN_* values. */
#define FS_ACCESS 0x1
#define FS_MODIFY 0x2
#define FS_ATTRIB 0x4
#define FS_CLOSE_WRITE 0x8
#define FS_CLOSE_NOWRITE 0x10
#define FS_OPEN 0x20
#define FS_MOVED_FROM 0x40
#define FS_MOVED_TO 0x80
#define FS_CREATE 0x100
#define FS_DELETE 0x200
#define FS_DELETE_SELF 0x400
#define FS_MOVE_SELF 0x800
#define FS_Q_OVERFLOW 0x4000
#define FS_IN_IGNORED 0x8000
/* A mark's flag: no path event (open, read, write, close) of a file whose name was removed
   (Linux's FS_EXCL_UNLINK, inotify's IN_EXCL_UNLINK). */
#define FS_EXCL_UNLINK 0x04000000
#define FS_ISDIR 0x40000000
#define FS_ALL_EVENTS 0xfff
/* A rename within one directory (dnotify's DN_RENAME), added to its MOVED_FROM; not inotify's. */
#define FS_DN_RENAME 0x10000000
/* Events a watched directory hears about its children (Linux's FS_EVENTS_POSS_ON_CHILD). */
#define FS_ON_CHILD (FS_ACCESS | FS_MODIFY | FS_ATTRIB | FS_CLOSE_WRITE | FS_CLOSE_NOWRITE | \
		     FS_OPEN)

struct fsnotify_mark;
struct fsnotify_mark_ops {
	/* An event the mark asked for: mask (FS_* with FS_ISDIR), the child's name for an event
	   about an entry of the marked directory (NULL: the inode itself), the rename cookie. */
	void (*event)(struct fsnotify_mark *m, uint32_t mask, const char *name, size_t len,
		      uint32_t cookie);
	/* The inode was deleted: the mark has been unhooked; its owner lets it go. */
	void (*gone)(struct fsnotify_mark *m);
	/* Events about the inode may have been lost (changes on the host overflowed the queue):
	   Linux's IN_Q_OVERFLOW. NULL: nothing to tell. */
	void (*overflow)(struct fsnotify_mark *m);
};

struct fsnotify_mark {
	struct fsnotify_mark *next;     /* the inode's other marks */
	struct inode *inode;            /* referenced while hooked */
	uint32_t mask;                  /* FS_* events wanted, and FS_EXCL_UNLINK */
	const struct fsnotify_mark_ops *ops;
};

/* Marks hooked anywhere: the hooks below do nothing while it is 0. */
extern unsigned fsnotify_marks;

/* Hooks m (mask and ops set) on ino, taking a reference to it. 0, or -errno when the inode's
   filesystem cannot report what the marks now want (hostfs: the host's watch refused, -ENOSPC);
   m is then not hooked. */
int fsnotify_mark_add(struct fsnotify_mark *m, struct inode *ino);
/* Unhooks m and drops its inode reference (no event). */
void fsnotify_mark_remove(struct fsnotify_mark *m);
/* The mask of a mark of ino changed: tells its filesystem (inode_ops.watch). */
int fsnotify_marks_changed(struct inode *ino);

/* A fresh cookie tying MOVED_FROM to its MOVED_TO. */
uint32_t fsnotify_cookie(void);

void fsnotify_dentry_(struct dentry *d, uint32_t mask);
void fsnotify_inode_(struct inode *ino, uint32_t mask);
void fsnotify_name_(struct inode *dir, uint32_t mask, const char *name, size_t len,
		    uint32_t cookie, bool isdir);
void fsnotify_close_(struct file *f);
void fsnotify_file_(struct file *f, uint32_t mask);
void fsnotify_dentry_free_(struct dentry *d);
uint32_t fsnotify_setattr_mask(unsigned valid);

/* Events of changes made outside the guest (hostfs: on the host), as the host reported them:
   mask with FS_ISDIR when the host said so, the entry's name for an event about an entry of
   the directory ino (NULL: ino itself), to ino's marks alone. */
void fsnotify_host_event(struct inode *ino, uint32_t mask, const char *name, size_t len,
			 uint32_t cookie);
/* ino has no link left and no dentry: DELETE_SELF, then its marks go (IN_IGNORED). */
void fsnotify_inode_gone(struct inode *ino);
/* Events about ino may have been lost: each mark that can say so does (IN_Q_OVERFLOW). */
void fsnotify_overflow(struct inode *ino);

/* An event on d's inode (attributes, xattrs): to the marks of the directory d's name is in now
   (or was in when it was removed), with that name, then to the inode's own. */
static inline void fsnotify_dentry(struct dentry *d, uint32_t mask)
{
	if (fsnotify_marks && d)
		fsnotify_dentry_(d, mask);
}

/* An event on the inode alone (link count changes, DELETE_SELF, MOVE_SELF), without IN_ISDIR. */
static inline void fsnotify_inode(struct inode *ino, uint32_t mask)
{
	if (fsnotify_marks)
		fsnotify_inode_(ino, mask);
}

/* An entry of dir was created, removed or moved (isdir: the entry is a directory). */
static inline void fsnotify_name(struct inode *dir, uint32_t mask, const char *name, size_t len,
				 uint32_t cookie, bool isdir)
{
	if (fsnotify_marks)
		fsnotify_name_(dir, mask, name, len, cookie, isdir);
}

/* A struct file's last reference is going (CLOSE_WRITE or CLOSE_NOWRITE). */
static inline void fsnotify_close(struct file *f)
{
	if (fsnotify_marks)
		fsnotify_close_(f);
}

/* An event of an open file (FS_OPEN, FS_ACCESS, FS_MODIFY; Linux's path events): as
   fsnotify_dentry on its dentry, but marks with FS_EXCL_UNLINK do not hear it once the name
   is removed. Files not opened by name are nobody's to watch. */
static inline void fsnotify_file(struct file *f, uint32_t mask)
{
	if (fsnotify_marks)
		fsnotify_file_(f, mask);
}

/* setattr succeeded on d with these ATTR_* bits (Linux's fsnotify_change). */
static inline void fsnotify_change(struct dentry *d, unsigned valid)
{
	if (fsnotify_marks && d)
		fsnotify_dentry_(d, fsnotify_setattr_mask(valid));
}

void dnotify_flush_(struct fdtable *t, struct file *f);
/* fd table t closes one of its fds to f: its dnotify registrations on f end (vfs/dnotify.c). */
static inline void dnotify_flush(struct fdtable *t, struct file *f)
{
	if (fsnotify_marks)
		dnotify_flush_(t, f);
}

/* fcntl(fd, F_NOTIFY, arg) by table t: 0 or -errno (ENOTDIR but for a directory). */
int dnotify_fcntl(struct fdtable *t, int fd, struct file *f, uint32_t arg);

/* A dentry is freed: when its inode has no link left, the inode is gone (DELETE_SELF, and the
   marks go), as Linux's dentry_unlink_inode at the last dput of a deleted name. */
static inline void fsnotify_dentry_free(struct dentry *d)
{
	if (fsnotify_marks)
		fsnotify_dentry_free_(d);
}
#endif
