/* Path walk with Linux's rules: `.` and `..` (never above the root, across mounts), symlinks
   (at most 40 per walk: ELOOP), ENOTDIR for a non-directory in the middle or before a trailing
   slash, ENAMETOOLONG for a component over 255 bytes. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "vfs/vfs.h"

#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK_(m) (((m) & S_IFMT) == S_IFLNK)

struct walk {
	const struct fs_context *fs;
	int links;              /* symlinks followed so far */
	unsigned flags;         /* LOOKUP_NO_SYMLINKS, LOOKUP_BENEATH, LOOKUP_NO_XDEV (openat2) */
	struct path beneath;    /* LOOKUP_BENEATH: the walk may not leave this directory */
};

static int walk_path(struct walk *w, struct path *cur, const char *name, unsigned flags);

/* Steps cur to its parent, crossing mount roots; stops at the process root. */
static int walk_dotdot(struct walk *w, struct path *cur)
{
	for (;;) {
		if ((w->flags & LOOKUP_BENEATH) && cur->d == w->beneath.d &&
		    cur->mnt == w->beneath.mnt)
			return -EXDEV;
		if (cur->d == w->fs->root.d && cur->mnt == w->fs->root.mnt)
			return 0;
		if (cur->d != cur->mnt->root)
			break;
		if (!cur->mnt->parent)
			return 0;
		if (w->flags & LOOKUP_NO_XDEV)
			return -EXDEV;
		struct dentry *mp = cur->mnt->mountpoint;
		dentry_get(mp);
		dentry_put(cur->d);
		cur->d = mp;
		cur->mnt = cur->mnt->parent;
	}
	struct dentry *p = cur->d->parent;
	dentry_get(p);
	dentry_put(cur->d);
	cur->d = p;
	return 0;
}

/* Moves onto whatever is mounted on cur. */
void vfs_follow_mounts(struct path *cur);
static void walk_mounts(struct path *cur)
{
	while (cur->d->mounted) {
		struct mount *m = cur->d->mounted;
		dentry_get(m->root);
		dentry_put(cur->d);
		cur->d = m->root;
		cur->mnt = m;
	}
}

/* Replaces cur (the link) with where the link points, resolved from dir. */
static int walk_symlink(struct walk *w, struct path *dir, struct path *cur, unsigned flags)
{
	if (++w->links > MAXSYMLINKS || (w->flags & LOOKUP_NO_SYMLINKS))
		return -ELOOP;
	struct inode *ino = cur->d->inode;
	if (ino->ops && ino->ops->get_link) {
		struct path to;
		int err = ino->ops->get_link(ino, &to);
		if (err)
			return err;
		path_put(cur);
		*cur = to;
		return 0;
	}
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	int64_t n = ino->ops && ino->ops->readlink ? ino->ops->readlink(ino, buf, PATH_MAX - 1)
						     : -EINVAL;
	int err = (int)n;
	if (n >= 0) {
		buf[n] = 0;
		struct path next = *dir;
		path_get(&next);
		/* NO_XDEV: an absolute link's jump to the root crosses mounts unless the link is in
		   the root's mount (Linux's nd_jump_root; absolute name arguments are allowed). */
		bool xdev = buf[0] == '/' && (w->flags & LOOKUP_NO_XDEV) &&
			    dir->mnt != w->fs->root.mnt;
		err = n == 0 ? -ENOENT : xdev ? -EXDEV
				       : walk_path(w, &next, buf, flags | LOOKUP_FOLLOW);
		if (!err) {
			path_put(cur);
			*cur = next;
		} else {
			path_put(&next);
		}
	}
	kfree(buf, PATH_MAX);
	return err;
}

/* One component: cur becomes its child. last: this is the final component. */
static int walk_component(struct walk *w, struct path *cur, const char *c, size_t len,
			  bool last, unsigned flags)
{
	if (!S_ISDIR_(cur->d->inode->mode))
		return -ENOTDIR;
	int err = vfs_permission(cur->d->inode, 1);
	if (err)
		return err;
	if (len == 1 && c[0] == '.')
		return 0;
	if (len == 2 && c[0] == '.' && c[1] == '.')
		return walk_dotdot(w, cur);
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	struct dentry *child;
	err = vfs_child(cur->d, c, len, &child);
	if (err)
		return err;
	struct path next = { cur->mnt, child };
	if ((w->flags & LOOKUP_NO_XDEV) && child->mounted) {
		path_put(&next);
		return -EXDEV;
	}
	walk_mounts(&next);
	if (S_ISLNK_(next.d->inode->mode) && (!last || (flags & LOOKUP_FOLLOW))) {
		err = walk_symlink(w, cur, &next, flags);
		if (err) {
			path_put(&next);
			return err;
		}
	}
	path_put(cur);
	*cur = next;
	return 0;
}

/* Walks name from cur (which holds a reference and is updated in place). */
static int walk_path(struct walk *w, struct path *cur, const char *name, unsigned flags)
{
	if (name[0] == '/' && (w->flags & LOOKUP_BENEATH))
		return -EXDEV;
	if (name[0] == '/') {
		path_put(cur);
		*cur = w->fs->root;
		path_get(cur);
	}
	const char *p = name;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - c);
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool last = !*rest;
		bool slash = last && *p == '/';
		unsigned f = flags | (slash ? LOOKUP_FOLLOW : 0);
		int err = walk_component(w, cur, c, len, last, f);
		if (err)
			return err;
		if (slash && !S_ISDIR_(cur->d->inode->mode))
			return -ENOTDIR;
	}
	return 0;
}

int vfs_lookup(const struct fs_context *fs, const struct path *start, const char *name,
	       unsigned flags, struct path *out)
{
	if (!name[0] && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	struct walk w = { fs, 0, flags, *start };
	struct path cur = *start;
	path_get(&cur);
	int err = walk_path(&w, &cur, name, flags);
	if (!err && (flags & LOOKUP_DIRECTORY) && !S_ISDIR_(cur.d->inode->mode))
		err = -ENOTDIR;
	if (err) {
		path_put(&cur);
		return err;
	}
	*out = cur;
	return 0;
}

int vfs_lookup_parent(const struct fs_context *fs, const struct path *start, const char *name,
		      struct path *parent, const char **last, size_t *len, bool *trailing_slash)
{
	return vfs_lookup_parent_ex(fs, start, name, 0, parent, last, len, trailing_slash);
}

int vfs_lookup_parent_ex(const struct fs_context *fs, const struct path *start, const char *name,
			 unsigned lflags, struct path *parent, const char **last, size_t *len,
			 bool *trailing_slash)
{
	if (!name[0])
		return -ENOENT;
	size_t n = strlen(name);
	while (n > 1 && name[n - 1] == '/')
		n--;
	*trailing_slash = name[n] == '/';
	size_t b = n;
	while (b > 0 && name[b - 1] != '/')
		b--;
	*last = name + b;
	*len = n - b;
	if (*len > NAME_MAX)
		return -ENAMETOOLONG;
	struct walk w = { fs, 0, lflags, *start };
	struct path cur = *start;
	path_get(&cur);
	int err = 0;
	if (b > 0) {
		char *dir = kmalloc(PATH_MAX);
		if (!dir) {
			path_put(&cur);
			return -ENOMEM;
		}
		memcpy(dir, name, b);
		dir[b] = 0;
		err = walk_path(&w, &cur, dir, LOOKUP_FOLLOW);
		kfree(dir, PATH_MAX);
	}
	if (!err && !S_ISDIR_(cur.d->inode->mode))
		err = -ENOTDIR;
	if (err) {
		path_put(&cur);
		return err;
	}
	*parent = cur;
	return 0;
}

int64_t vfs_path_name(const struct fs_context *fs, const struct path *p, char *buf, size_t size)
{
	/* Built backwards from the end of buf, then moved to the front. */
	size_t at = size;
	struct path cur = *p;
	if (size < 2)
		return -ERANGE;
	buf[--at] = 0;
	for (;;) {
		if (cur.d == fs->root.d && cur.mnt == fs->root.mnt)
			break;
		if (cur.d == cur.mnt->root) {
			if (!cur.mnt->parent)
				break;
			cur.d = cur.mnt->mountpoint;
			cur.mnt = cur.mnt->parent;
			continue;
		}
		if (cur.d->parent == cur.d)
			break;          /* a root outside the mount tree */
		if (at < (size_t)cur.d->len + 1)
			return -ERANGE;
		at -= cur.d->len;
		memcpy(buf + at, cur.d->name, cur.d->len);
		buf[--at] = '/';
		cur.d = cur.d->parent;
	}
	if (at == size - 1)
		buf[--at] = '/';
	size_t n = size - at;
	memmove(buf, buf + at, n);
	return (int64_t)n - 1;
}

void vfs_follow_mounts(struct path *cur)
{
	walk_mounts(cur);
}
