/* tmpfs extended attributes: read from the image until the first change, then a list of the
   inode's own (the image's copied up first, as a file's content is). Values up to Linux's
   64 KiB, as many as memory allows; like Linux's tmpfs, the space they take (40 bytes, the name
   and the value each) is bounded per filesystem by its default ispace, an eighth of memory
   (-ENOSPC beyond). The ACL xattrs are the inode's ACLs (vfs/acl.c), not kept here. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"
#include "vfs/acl.h"
#include "vfs/blob.h"

#define TMPFS_XATTR_VALUE_MAX (64u << 10)       /* XATTR_SIZE_MAX */
#define XATTR_CREATE 1
#define XATTR_REPLACE 2

static struct tmpfs_node *xnode(struct inode *ino) { return ino->priv; }

static size_t xattr_alloc_size(uint32_t nlen) { return sizeof(struct tmpfs_xattr) + nlen + 1; }

/* Linux's simple_xattr_space: what one attribute counts against the filesystem's space. */
static uint64_t xattr_space(uint32_t nlen, uint32_t vlen) { return 40u + nlen + vlen; }

/* Counts space for a new value against the filesystem's bound. 0 or -ENOSPC. */
static int xattr_charge(struct inode *ino, uint64_t space)
{
	struct tmpfs_sb *s = ino->sb->priv;
	uint64_t limit = boot_info->mem_size / 8;
	if (space > limit - MIN(s->xattr_space, limit))
		return -ENOSPC;
	s->xattr_space += space;
	return 0;
}

static void xattr_uncharge(struct inode *ino, uint64_t space)
{
	((struct tmpfs_sb *)ino->sb->priv)->xattr_space -= space;
}

static void xattr_drop(struct inode *ino, struct tmpfs_xattr *x)
{
	if (x->charged)
		xattr_uncharge(ino, xattr_space(x->nlen, x->vlen));
	blob_free(x->value, x->vlen);
	kfree(x, xattr_alloc_size(x->nlen));
}

/* A new attribute holding copies of name and value, or NULL without memory. */
static struct tmpfs_xattr *xattr_make(const char *name, uint32_t nlen, const void *value,
				      uint32_t vlen)
{
	struct tmpfs_xattr *x = kmalloc(xattr_alloc_size(nlen));
	void *v = vlen ? blob_copy(value, vlen) : NULL;
	if (!x || (vlen && !v)) {
		if (x)
			kfree(x, xattr_alloc_size(nlen));
		blob_free(v, vlen);
		return NULL;
	}
	memcpy(x->name, name, nlen);
	x->name[nlen] = 0;
	x->next = NULL;
	x->charged = false;
	x->nlen = nlen;
	x->value = v;
	x->vlen = vlen;
	return x;
}

void tmpfs_xattrs_free(struct inode *ino)
{
	struct tmpfs_node *n = xnode(ino);
	while (n->xattrs) {
		struct tmpfs_xattr *x = n->xattrs;
		n->xattrs = x->next;
		xattr_drop(ino, x);
	}
}

/* Makes the attributes the inode's own: the image's copied into the list. 0 or -ENOMEM. */
static int xattr_own(struct inode *ino)
{
	struct tmpfs_node *n = xnode(ino);
	if (n->xattrs_own)
		return 0;
	struct tmpfs_xattr **tail = &n->xattrs;
	const char *name;
	const void *value;
	uint32_t nlen, vlen;
	for (uint32_t i = 0; tmpfs_img_xattr(ino, i, &name, &nlen, &value, &vlen); i++) {
		if (vlen > TMPFS_XATTR_VALUE_MAX || acl_xattr_type(name, nlen) >= 0)
			continue;
		if (!(*tail = xattr_make(name, nlen, value, vlen))) {
			tmpfs_xattrs_free(ino);
			return -ENOMEM;
		}
		tail = &(*tail)->next;
	}
	n->xattrs_own = true;
	return 0;
}

/* The link to the attribute called name (*link NULL at the end when there is none). */
static struct tmpfs_xattr **xattr_find(struct tmpfs_node *n, const char *name)
{
	size_t nl = strlen(name);
	struct tmpfs_xattr **link = &n->xattrs;
	while (*link && ((*link)->nlen != nl || memcmp((*link)->name, name, nl)))
		link = &(*link)->next;
	return link;
}

/* A walk over the inode's attributes, its own or (before any change) the image's. */
struct xattr_walk {
	const struct tmpfs_xattr *next;         /* own: the next one */
	uint32_t i;                             /* the image's: the next index */
	const char *name;
	const void *value;                      /* own: a blob; the image's: in place */
	uint32_t nlen, vlen;
};

static bool xattr_next(struct inode *ino, struct xattr_walk *w)
{
	if (xnode(ino)->xattrs_own) {
		if (!w->next)
			return false;
		w->name = w->next->name;
		w->nlen = w->next->nlen;
		w->value = w->next->value;
		w->vlen = w->next->vlen;
		w->next = w->next->next;
		return true;
	}
	while (tmpfs_img_xattr(ino, w->i++, &w->name, &w->nlen, &w->value, &w->vlen))
		if (acl_xattr_type(w->name, w->nlen) < 0)
			return true;
	return false;
}

static struct xattr_walk xattr_walk(struct inode *ino)
{
	return (struct xattr_walk){ .next = xnode(ino)->xattrs };
}

/* Is name in a namespace tmpfs keeps (Linux's tmpfs has handlers for these and the ACLs)? */
static bool xattr_namespace_kept(const char *name)
{
	return !strncmp(name, "user.", 5) || !strncmp(name, "trusted.", 8) ||
	       !strncmp(name, "security.", 9);
}

int64_t tmpfs_getxattr(struct inode *ino, const char *name, void *buf, size_t size)
{
	if (!xattr_namespace_kept(name))
		return -EOPNOTSUPP;
	size_t nl = strlen(name);
	struct xattr_walk w = xattr_walk(ino);
	while (xattr_next(ino, &w)) {
		if (w.nlen != nl || memcmp(w.name, name, nl))
			continue;
		if (size && size < w.vlen)
			return -ERANGE;
		if (size && w.vlen && xnode(ino)->xattrs_own)
			blob_read(w.value, w.vlen, buf);
		else if (size && w.vlen)
			memcpy(buf, w.value, w.vlen);   /* the image's, in place */
		return w.vlen;
	}
	return -ENODATA;
}

int64_t tmpfs_listxattr(struct inode *ino, char *buf, size_t size)
{
	size_t need = 0;
	struct xattr_walk w = xattr_walk(ino);
	while (xattr_next(ino, &w))
		need += w.nlen + 1u;
	if (!size)
		return (int64_t)need;
	if (size < need)
		return -ERANGE;
	size_t at = 0;
	w = xattr_walk(ino);
	while (xattr_next(ino, &w)) {
		memcpy(buf + at, w.name, w.nlen);
		at += w.nlen;
		buf[at++] = 0;
	}
	return (int64_t)need;
}

int tmpfs_setxattr(struct inode *ino, const char *name, const void *value, size_t size,
		   int flags)
{
	if (size > TMPFS_XATTR_VALUE_MAX)
		return -ENOSPC;
	int err = xattr_own(ino);
	if (err)
		return err;
	uint32_t nlen = (uint32_t)strlen(name);
	if ((err = xattr_charge(ino, xattr_space(nlen, (uint32_t)size))))
		return err;     /* Linux counts the space before looking for the name */
	struct tmpfs_xattr **link = xattr_find(xnode(ino), name);
	struct tmpfs_xattr *x = NULL;
	if (*link && (flags & XATTR_CREATE))
		err = -EEXIST;
	else if (!*link && (flags & XATTR_REPLACE))
		err = -ENODATA;
	else if (!(x = xattr_make(name, nlen, value, (uint32_t)size)))
		err = -ENOMEM;
	if (err) {
		xattr_uncharge(ino, xattr_space(nlen, (uint32_t)size));
		return err;
	}
	x->charged = true;
	if (*link) {                    /* replaced in place: listings keep their order */
		x->next = (*link)->next;
		xattr_drop(ino, *link);
	}
	*link = x;
	ino->ctime = vfs_now();
	return 0;
}

int tmpfs_removexattr(struct inode *ino, const char *name)
{
	int err = xattr_own(ino);
	if (err)
		return err;
	struct tmpfs_xattr **link = xattr_find(xnode(ino), name);
	struct tmpfs_xattr *x = *link;
	if (!x)
		return -ENODATA;
	*link = x->next;
	xattr_drop(ino, x);
	ino->ctime = vfs_now();
	return 0;
}
