/* Inode and dentry lifetimes, the name cache and mounts. Dentries stay cached while referenced
   or while they have cached children; lookups go to the filesystem only on a miss. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "vfs/vfs.h"
#include "vfs/acl.h"
#include "vfs/fsnotify.h"

struct mount *vfs_mounts;

/* Names are found through a hash of (parent, name): a linear scan of a big directory's children
   made walks like `find /` quadratic. */
#define DHASH_SIZE 8192
static struct dentry *dhash[DHASH_SIZE];

static unsigned dhash_of(const struct dentry *parent, const char *name, size_t len)
{
	uint64_t h = (uint64_t)parent * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
	return (unsigned)(h >> 40) % DHASH_SIZE;
}

static struct dentry *dhash_find(const struct dentry *dir, const char *name, size_t len)
{
	for (struct dentry *c = dhash[dhash_of(dir, name, len)]; c; c = c->hnext)
		if (c->parent == dir && c->len == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

struct inode *inode_new(struct superblock *sb, uint32_t mode, const struct inode_ops *ops)
{
	static uint64_t next_ino = 2;
	struct inode *ino = kmalloc(sizeof(*ino));
	if (!ino)
		return NULL;
	ino->ino = next_ino++;
	ino->mode = mode;
	ino->nlink = 1;
	ino->ops = ops;
	ino->sb = sb;
	ino->refs = 1;
	ino->atime = ino->mtime = ino->ctime = vfs_now();
	return ino;
}

void inode_get(struct inode *ino)
{
	ino->refs++;
}

void inode_put(struct inode *ino)
{
	if (!ino || --ino->refs > 0)
		return;
	if (ino->ops && ino->ops->release)
		ino->ops->release(ino);
	acl_free(ino->acl[0]);
	acl_free(ino->acl[1]);
	kfree(ino, sizeof(*ino));
}

/* Hooks d (parent and name set) into its parent's child list and the name hash. */
static void dentry_hook(struct dentry *d)
{
	struct dentry *p = d->parent;
	d->sibling = p->child;
	p->child = d;
	unsigned h = dhash_of(p, d->name, d->len);
	d->hnext = dhash[h];
	dhash[h] = d;
}

static struct dentry *dentry_alloc(struct dentry *parent, const char *name, size_t len,
				   struct inode *ino)
{
	struct dentry *d = kmalloc(sizeof(*d));
	if (!d)
		return NULL;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->len = (uint8_t)len;
	d->inode = ino;
	d->refs = 1;
	d->unlinked = false;
	if (ino) {
		ino->alias = d;
		ino->dentries++;
	}
	d->parent = parent ? parent : d;
	if (parent) {
		dentry_get(parent);
		dentry_hook(d);
	}
	return d;
}

struct dentry *dentry_new_root(struct inode *ino)
{
	return dentry_alloc(NULL, "/", 1, ino);
}

void dentry_get(struct dentry *d)
{
	d->refs++;
}

/* Unhooks d from its parent's child list and the name hash. */
static void dentry_unlink(struct dentry *d)
{
	struct dentry *p = d->parent;
	for (struct dentry **l = &dhash[dhash_of(p, d->name, d->len)]; *l; l = &(*l)->hnext) {
		if (*l == d) {
			*l = d->hnext;
			break;
		}
	}
	d->hnext = NULL;
	for (struct dentry **l = &p->child; *l; l = &(*l)->sibling) {
		if (*l == d) {
			*l = d->sibling;
			break;
		}
	}
	d->sibling = NULL;
}

void dentry_put(struct dentry *d)
{
	/* Dentries are kept in the cache; only ones forgotten (unlinked names) are freed, each
	   dropping the reference it held on its parent. */
	while (d && --d->refs == 0 && !d->child && !d->mounted) {
		struct dentry *parent = d->parent == d ? NULL : d->parent;
		if (parent && !d->unlinked)
			dentry_unlink(d);
		struct inode *ino = d->inode;
		if (ino) {
			ino->dentries--;
			if (ino->alias == d)
				ino->alias = NULL;
		}
		fsnotify_dentry_free(d);
		inode_put(ino);
		kfree(d, sizeof(*d));
		d = parent;
	}
}

void path_get(const struct path *p)
{
	if (p->d)
		dentry_get(p->d);
}

void path_put(struct path *p)
{
	if (p->d)
		dentry_put(p->d);
	p->d = NULL;
	p->mnt = NULL;
}

int vfs_child(struct dentry *dir, const char *name, size_t len, struct dentry **out)
{
	struct dentry *c = dhash_find(dir, name, len);
	if (c) {
		const struct inode_ops *ops = c->inode->ops;
		if (!c->mounted && ops && ops->revalidate &&
		    ops->revalidate(dir->inode, name, len, c->inode)) {
			vfs_forget(dir, name, len);     /* changed behind our back */
		} else {
			dentry_get(c);
			*out = c;
			return 0;
		}
	}
	struct inode *di = dir->inode;
	if (!di->ops || !di->ops->lookup)
		return -ENOTDIR;
	struct inode *ino;
	int err = di->ops->lookup(di, name, len, &ino);
	if (err)
		return err;
	/* The cache holds one reference; the caller gets another. */
	struct dentry *d = dentry_alloc(dir, name, len, ino);
	if (!d) {
		inode_put(ino);
		return -ENOMEM;
	}
	d->refs = 2;
	*out = d;
	return 0;
}

struct dentry *vfs_cached_child(struct inode *dir, const char *name, size_t len)
{
	return dir->alias ? dhash_find(dir->alias, name, len) : NULL;
}

/* Takes c out of the cache, keeping its parent (and the reference on it) until its last put. */
static void dentry_forget(struct dentry *c)
{
	dentry_unlink(c);
	c->unlinked = true;
	dentry_put(c);          /* the cache's reference */
}

void vfs_forget(struct dentry *dir, const char *name, size_t len)
{
	struct dentry *c = dhash_find(dir, name, len);
	if (c)
		dentry_forget(c);
}

/* Gives the cached d the name (dir, name), moving its parent reference there. */
static void dentry_rename(struct dentry *d, struct dentry *dir, const char *name, size_t len)
{
	struct dentry *old = d->parent;
	dentry_unlink(d);
	dentry_get(dir);
	d->parent = dir;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->len = (uint8_t)len;
	dentry_hook(d);
	dentry_put(old);
}

void vfs_move(struct dentry *odir, const char *oname, size_t olen, struct dentry *ndir,
	      const char *nname, size_t nlen, bool exchange)
{
	struct dentry *o = dhash_find(odir, oname, olen), *n = dhash_find(ndir, nname, nlen);
	if (n && !exchange) {
		dentry_forget(n);       /* replaced: keeps its directory and name, as Linux's */
		n = NULL;
	}
	if (o)
		dentry_rename(o, ndir, nname, nlen);
	if (n)
		dentry_rename(n, odir, oname, olen);
}

struct mount *vfs_mount(struct superblock *sb, struct inode *root, const struct path *p,
			const char *fstype, const char *where)
{
	struct mount *m = kmalloc(sizeof(*m));
	if (!m)
		return NULL;
	m->sb = sb;
	m->root = dentry_new_root(root);
	if (!m->root) {
		kfree(m, sizeof(*m));
		return NULL;
	}
	size_t n = MIN(strlen(fstype), sizeof(m->fstype) - 1);
	memcpy(m->fstype, fstype, n);
	n = MIN(strlen(where), sizeof(m->where) - 1);
	memcpy(m->where, where, n);
	if (p) {
		m->mountpoint = p->d;
		m->parent = p->mnt;
		dentry_get(p->d);
		p->d->mounted = m;
	}
	struct mount **l = &vfs_mounts;
	while (*l)
		l = &(*l)->next;
	*l = m;
	return m;
}
