/* tmpfs extended attributes: read from the image until the first change, then a small table of
   the inode's own (the image's copied up first, as a file's content is). Values up to Linux's
   64 KiB, as Linux's tmpfs takes them; an inode holds at most TMPFS_XATTR_MAX attributes
   (-ENOSPC beyond). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/mm.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"

#define TMPFS_XATTR_MAX 64
#define TMPFS_XATTR_VALUE_MAX (64u << 10)       /* XATTR_SIZE_MAX */
#define XATTR_CREATE 1
#define XATTR_REPLACE 2

static struct tmpfs_node *xnode(struct inode *ino) { return ino->priv; }

/* A value's memory: the heap up to a page; beyond, single pages listed in a small table (runs
   of contiguous pages come only from memory never used before). */
#define XATTR_PAGES(len) (((len) + PAGE_SIZE - 1) / PAGE_SIZE)

static void xattr_value_free(void *v, uint32_t len)
{
	if (!v)
		return;
	if (len <= PAGE_SIZE) {
		kfree(v, len);
		return;
	}
	void **pages = v;
	for (uint32_t i = 0; i < XATTR_PAGES(len); i++)
		if (pages[i])
			pmm_free(virt_to_phys(pages[i]));
	kfree(pages, XATTR_PAGES(len) * sizeof(void *));
}

/* A copy of len bytes at src, or NULL without memory. */
static void *xattr_value_copy(const void *src, uint32_t len)
{
	if (len <= PAGE_SIZE) {
		void *v = kmalloc(len);
		if (v)
			memcpy(v, src, len);
		return v;
	}
	void **pages = kmalloc(XATTR_PAGES(len) * sizeof(void *));
	if (!pages)
		return NULL;
	for (uint32_t i = 0; i < XATTR_PAGES(len); i++) {
		uint64_t pa = pmm_alloc();
		pages[i] = pa ? phys_to_virt(pa) : NULL;
		if (!pa) {
			xattr_value_free(pages, len);
			return NULL;
		}
		memcpy(pages[i], (const uint8_t *)src + i * PAGE_SIZE,
		       MIN((uint64_t)PAGE_SIZE, (uint64_t)len - i * PAGE_SIZE));
	}
	return pages;
}

/* The bytes of an inode's own value into buf. */
static void xattr_value_read(const void *v, uint32_t len, void *buf)
{
	if (len <= PAGE_SIZE) {
		memcpy(buf, v, len);
		return;
	}
	void *const *pages = v;
	for (uint32_t i = 0; i < XATTR_PAGES(len); i++)
		memcpy((uint8_t *)buf + i * PAGE_SIZE, pages[i],
		       MIN((uint64_t)PAGE_SIZE, (uint64_t)len - i * PAGE_SIZE));
}

static void xattr_drop(struct tmpfs_xattr *x)
{
	kfree(x->name, x->nlen + 1);
	xattr_value_free(x->value, x->vlen);
}

/* Fills x with copies of name and value. 0 or -ENOMEM (x untouched). */
static int xattr_fill(struct tmpfs_xattr *x, const char *name, uint32_t nlen, const void *value,
		      uint32_t vlen)
{
	char *n = kmalloc(nlen + 1);
	void *v = vlen ? xattr_value_copy(value, vlen) : NULL;
	if (!n || (vlen && !v)) {
		kfree(n, nlen + 1);
		xattr_value_free(v, vlen);
		return -ENOMEM;
	}
	memcpy(n, name, nlen);
	n[nlen] = 0;
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
		if (vlen > TMPFS_XATTR_VALUE_MAX ||
		    xattr_fill(&n->xattrs[n->nxattrs], name, nlen, value, vlen))
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
		if (size && xvl && xnode(ino)->xattrs_own)
			xattr_value_read(xv, xvl, buf);
		else if (size && xvl)
			memcpy(buf, xv, xvl);   /* the image's, in place */
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
	/* (the names of TMPFS_XATTR_MAX attributes of 255 bytes fit listxattr's 64 KiB) */
	if (size > TMPFS_XATTR_VALUE_MAX || (at < 0 && n->nxattrs >= TMPFS_XATTR_MAX))
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
