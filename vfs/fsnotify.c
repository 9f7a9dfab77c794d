/* fsnotify: delivers the VFS's file events to the marks on inodes (inotify watches, dnotify), in
   Linux's order: a directory's marks hear about a child (with its name) before the child's own
   marks hear about themselves. */
#include "k/kernel.h"
#include "vfs/vfs.h"
#include "vfs/fsnotify.h"

#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)
#define O_ACCMODE_ 03
#define O_PATH_ 010000000

unsigned fsnotify_marks;

/* Tells a filesystem whose files change behind the guest's back what the marks of ino want
   together (0: nothing any more). */
static int fsnotify_watch(struct inode *ino)
{
	if (!ino->ops || !ino->ops->watch)
		return 0;
	uint32_t mask = 0;
	for (struct fsnotify_mark *m = ino->marks; m; m = m->next)
		mask |= m->mask;
	return ino->ops->watch(ino, mask);
}

static void fsnotify_unhook(struct fsnotify_mark *m)
{
	struct inode *ino = m->inode;
	for (struct fsnotify_mark **l = &ino->marks; *l; l = &(*l)->next) {
		if (*l == m) {
			*l = m->next;
			break;
		}
	}
	m->next = NULL;
	m->inode = NULL;
	fsnotify_marks--;
}

int fsnotify_mark_add(struct fsnotify_mark *m, struct inode *ino)
{
	inode_get(ino);
	m->inode = ino;
	m->next = ino->marks;
	ino->marks = m;
	fsnotify_marks++;
	int err = fsnotify_watch(ino);
	if (err) {
		fsnotify_unhook(m);
		fsnotify_watch(ino);
		inode_put(ino);
	}
	return err;
}

void fsnotify_mark_remove(struct fsnotify_mark *m)
{
	struct inode *ino = m->inode;
	fsnotify_unhook(m);
	fsnotify_watch(ino);    /* a narrower watch cannot fail in a way that matters */
	inode_put(ino);
}

int fsnotify_marks_changed(struct inode *ino)
{
	return fsnotify_watch(ino);
}

uint32_t fsnotify_cookie(void)
{
	static uint32_t last;
	return ++last;
}

/* Hands the event to every mark of ino that wants it, but those with a flag in skip. A mark may
   go away in its own event (IN_ONESHOT), so the next one is taken first; the inode is held
   meanwhile. */
static void fsnotify_deliver(struct inode *ino, uint32_t mask, const char *name, size_t len,
			     uint32_t cookie, uint32_t skip)
{
	if (!ino->marks)
		return;
	inode_get(ino);
	for (struct fsnotify_mark *m = ino->marks, *next; m; m = next) {
		next = m->next;
		if ((m->mask & mask & (FS_ALL_EVENTS | FS_DN_RENAME)) && !(m->mask & skip))
			m->ops->event(m, mask, name, len, cookie);
	}
	inode_put(ino);
}

/* Linux's fsnotify_parent: the directory d's name is in (an unlinked dentry keeps the one it was
   removed from), then the inode. skip: the mark flags that do not hear this event. */
static void fsnotify_parent(struct dentry *d, uint32_t mask, uint32_t skip)
{
	struct inode *ino = d->inode;
	if (!mask || !ino)
		return;
	if (S_ISDIR_(ino->mode))
		mask |= FS_ISDIR;
	if (d->parent != d && (mask & FS_ON_CHILD))
		fsnotify_deliver(d->parent->inode, mask, d->name, d->len, 0, skip);
	fsnotify_deliver(ino, mask, NULL, 0, 0, skip);
}

void fsnotify_dentry_(struct dentry *d, uint32_t mask)
{
	fsnotify_parent(d, mask, 0);
}

/* Linux adds no IN_ISDIR to these (DELETE_SELF, MOVE_SELF, a link count's ATTRIB). */
void fsnotify_inode_(struct inode *ino, uint32_t mask)
{
	fsnotify_deliver(ino, mask, NULL, 0, 0, 0);
}

void fsnotify_name_(struct inode *dir, uint32_t mask, const char *name, size_t len,
		    uint32_t cookie, bool isdir)
{
	fsnotify_deliver(dir, mask | (isdir ? FS_ISDIR : 0), name, len, cookie, 0);
}

/* Linux's path events: IN_EXCL_UNLINK drops them for a file whose name is gone (d_unlinked). */
void fsnotify_file_(struct file *f, uint32_t mask)
{
	struct dentry *d = f->path.d;
	if (d && !(f->flags & O_PATH_))
		fsnotify_parent(d, mask, d->unlinked ? FS_EXCL_UNLINK : 0);
}

void fsnotify_close_(struct file *f)
{
	if (!f->no_close_event)
		fsnotify_file_(f, (f->flags & O_ACCMODE_) ? FS_CLOSE_WRITE : FS_CLOSE_NOWRITE);
}

void fsnotify_dentry_free_(struct dentry *d)
{
	struct inode *ino = d->inode;
	if (ino && !ino->nlink && ino->marks)
		fsnotify_inode_gone(ino);
}

void fsnotify_inode_gone(struct inode *ino)
{
	fsnotify_inode_(ino, FS_DELETE_SELF);
	/* Each owner unhooks its mark (queueing IN_IGNORED); the inode is held until the end. */
	inode_get(ino);
	while (ino->marks) {
		struct fsnotify_mark *m = ino->marks;
		fsnotify_mark_remove(m);
		m->ops->gone(m);
	}
	inode_put(ino);
}

void fsnotify_host_event(struct inode *ino, uint32_t mask, const char *name, size_t len,
			 uint32_t cookie)
{
	fsnotify_deliver(ino, mask, name, len, cookie, 0);
}

void fsnotify_overflow(struct inode *ino)
{
	inode_get(ino);
	for (struct fsnotify_mark *m = ino->marks, *next; m; m = next) {
		next = m->next;
		if (m->ops->overflow)
			m->ops->overflow(m);
	}
	inode_put(ino);
}

/* Linux's fsnotify_change: which event a change of attributes is. */
uint32_t fsnotify_setattr_mask(unsigned valid)
{
	uint32_t mask = 0;
	if (valid & (ATTR_UID | ATTR_GID | ATTR_MODE))
		mask |= FS_ATTRIB;
	if (valid & ATTR_SIZE)
		mask |= FS_MODIFY;
	if ((valid & (ATTR_ATIME | ATTR_MTIME)) == (ATTR_ATIME | ATTR_MTIME))
		mask |= FS_ATTRIB;
	else if (valid & ATTR_ATIME)
		mask |= FS_ACCESS;
	else if (valid & ATTR_MTIME)
		mask |= FS_MODIFY;
	return mask;
}
