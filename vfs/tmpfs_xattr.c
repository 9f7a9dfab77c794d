/* tmpfs extended attributes: read from the image until the first change, then a small table of
   the inode's own (the image's copied up first, as a file's content is). Limits as a disk
   filesystem without large xattrs has them: a value fits a page, the names fit a page, and an
   inode holds at most TMPFS_XATTR_MAX attributes of TMPFS_XATTR_BYTES in all (-ENOSPC beyond). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"

#define TMPFS_XATTR_MAX 64
#define TMPFS_XATTR_BYTES (64u << 10)
#define XATTR_CREATE 1
#define XATTR_REPLACE 2

static struct tmpfs_node *xnode(struct inode *ino) { return ino->priv; }

static void xattr_drop(struct tmpfs_xattr *x)
{
	kfree(x->name, x->nlen + 1);
	if (x->value)
		kfree(x->value, x->vlen);
}

/* Fills x with copies of name and value. 0 or -ENOMEM (x untouched). */
static int xattr_fill(struct tmpfs_xattr *x, const char *name, uint32_t nlen, const void *value,
		      uint32_t vlen)
{
	char *n = kmalloc(nlen + 1);
	void *v = vlen ? kmalloc(vlen) : NULL;
	if (!n || (vlen && !v)) {
		kfree(n, nlen + 1);
		kfree(v, vlen);
		return -ENOMEM;
	}
	memcpy(n, name, nlen);
	n[nlen] = 0;
	if (vlen)
		memcpy(v, value, vlen);
	*x = (struct tmpfs_xattr){ .name = n, .value = v, .nlen = nlen, .vlen = vlen };
	return 0;
}

void tmpfs_xattrs_free(struct tmpfs_node *n)
{
	for (uint32_t i = 0; i < n->nxattrs; i++)
		xattr_drop(&n->xattrs[i]);
	if (n->xattrs)
		kfree(n->xattrs, TMPFS_XATTR_MAX * sizeof(struct tmpfs_xattr));
	n->xattrs = NULL;
	n->nxattrs = 0;
}

/* Makes the attributes the inode's own: the table, with the image's copied in. */
static int xattr_own(struct inode *ino)
{
	struct tmpfs_node *n = xnode(ino);
	if (n->xattrs_own)
		return 0;
	_Static_assert(TMPFS_XATTR_MAX * sizeof(struct tmpfs_xattr) <= PAGE_SIZE, "xattr table");
	n->xattrs = kmalloc(TMPFS_XATTR_MAX * sizeof(struct tmpfs_xattr));
	if (!n->xattrs)
		return -ENOMEM;
	const char *name;
	const void *value;
	uint32_t nlen, vlen;
	for (uint32_t i = 0; n->nxattrs < TMPFS_XATTR_MAX &&
	     tmpfs_img_xattr(ino, i, &name, &nlen, &value, &vlen); i++) {
		if (vlen > PAGE_SIZE || xattr_fill(&n->xattrs[n->nxattrs], name, nlen, value, vlen))
			continue;
		n->nxattrs++;
	}
	n->xattrs_own = true;
	return 0;
}

static int xattr_find(const struct tmpfs_node *n, const char *name)
{
	size_t nl = strlen(name);
	for (uint32_t i = 0; i < n->nxattrs; i++)
		if (n->xattrs[i].nlen == nl && !memcmp(n->xattrs[i].name, name, nl))
			return (int)i;
	return -1;
}

/* Attribute i of the inode, its own or the image's. */
static bool xattr_at(struct inode *ino, uint32_t i, const char **name, uint32_t *nlen,
		     const void **value, uint32_t *vlen)
{
	struct tmpfs_node *n = xnode(ino);
	if (!n->xattrs_own)
		return tmpfs_img_xattr(ino, i, name, nlen, value, vlen);
	if (i >= n->nxattrs)
		return false;
	*name = n->xattrs[i].name;
	*nlen = n->xattrs[i].nlen;
	*value = n->xattrs[i].value;
	*vlen = n->xattrs[i].vlen;
	return true;
}

int64_t tmpfs_getxattr(struct inode *ino, const char *name, void *buf, size_t size)
{
	size_t nl = strlen(name);
	const char *xn;
	const void *xv;
	uint32_t xnl, xvl;
	for (uint32_t i = 0; xattr_at(ino, i, &xn, &xnl, &xv, &xvl); i++) {
		if (xnl != nl || memcmp(xn, name, nl))
			continue;
		if (size && size < xvl)
			return -ERANGE;
		if (size && xvl)
			memcpy(buf, xv, xvl);
		return xvl;
	}
	return -ENODATA;
}

int64_t tmpfs_listxattr(struct inode *ino, char *buf, size_t size)
{
	size_t need = 0;
	const char *xn;
	const void *xv;
	uint32_t xnl, xvl;
	for (uint32_t i = 0; xattr_at(ino, i, &xn, &xnl, &xv, &xvl); i++)
		need += xnl + 1u;
	if (!size)
		return (int64_t)need;
	if (size < need)
		return -ERANGE;
	size_t at = 0;
	for (uint32_t i = 0; xattr_at(ino, i, &xn, &xnl, &xv, &xvl); i++) {
		memcpy(buf + at, xn, xnl);
		at += xnl;
		buf[at++] = 0;
	}
	return (int64_t)need;
}

int tmpfs_setxattr(struct inode *ino, const char *name, const void *value, size_t size,
		   int flags)
{
	int err = xattr_own(ino);
	if (err)
		return err;
	struct tmpfs_node *n = xnode(ino);
	int at = xattr_find(n, name);
	if (at >= 0 && (flags & XATTR_CREATE))
		return -EEXIST;
	if (at < 0 && (flags & XATTR_REPLACE))
		return -ENODATA;
	/* names within a page, so a listing always fits what listxattr hands back */
	size_t total = strlen(name) + size, names = strlen(name) + 1;
	for (uint32_t i = 0; i < n->nxattrs; i++)
		if ((int)i != at) {
			total += n->xattrs[i].nlen + n->xattrs[i].vlen;
			names += n->xattrs[i].nlen + 1;
		}
	if (size > PAGE_SIZE || total > TMPFS_XATTR_BYTES || names > PAGE_SIZE ||
	    (at < 0 && n->nxattrs >= TMPFS_XATTR_MAX))
		return -ENOSPC;
	struct tmpfs_xattr x;
	if ((err = xattr_fill(&x, name, (uint32_t)strlen(name), value, (uint32_t)size)))
		return err;
	if (at >= 0)
		xattr_drop(&n->xattrs[at]);
	n->xattrs[at >= 0 ? (uint32_t)at : n->nxattrs++] = x;
	ino->ctime = vfs_now();
	return 0;
}

int tmpfs_removexattr(struct inode *ino, const char *name)
{
	int err = xattr_own(ino);
	if (err)
		return err;
	struct tmpfs_node *n = xnode(ino);
	int at = xattr_find(n, name);
	if (at < 0)
		return -ENODATA;
	xattr_drop(&n->xattrs[at]);
	n->xattrs[at] = n->xattrs[--n->nxattrs];
	ino->ctime = vfs_now();
	return 0;
}
