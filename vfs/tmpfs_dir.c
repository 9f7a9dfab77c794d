/* tmpfs directories, symlinks, attributes, and the lazy view of the image beneath the root. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"
#include "vfs/acl.h"

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define DT_CHR 2
#define DT_FIFO 1
#define DT_SOCK 12
#define DT_BLK 6

static const struct inode_ops tmpfs_ops;

static struct tmpfs_node *node(struct inode *ino) { return ino->priv; }
static struct tmpfs_sb *tsb(struct inode *ino) { return ino->sb->priv; }

static const struct imgfs_inode *img_inode(struct tmpfs_sb *s, uint32_t ino)
{
	return (const struct imgfs_inode *)(s->image + s->hdr->inode_off) + (ino - 1);
}

static struct inode *tmpfs_inode(struct superblock *sb, uint32_t mode)
{
	struct inode *ino = inode_new(sb, mode, &tmpfs_ops);
	if (!ino)
		return NULL;
	ino->priv = kmalloc(sizeof(struct tmpfs_node));
	if (!ino->priv) {
		inode_put(ino);
		return NULL;
	}
	struct tmpfs_sb *s = sb->priv;
	ino->ino = s->next_ino++;
	ino->uid = current ? current->euid : 0;
	ino->gid = current ? current->egid : 0;
	if ((mode & S_IFMT) == S_IFDIR) {
		ino->nlink = 2;
		node(ino)->populated = true;
	}
	return ino;
}

/* The imap slot for an image inode (a two-level table of pointers). */
static struct inode **img_slot(struct tmpfs_sb *s, uint32_t ino)
{
	uint32_t hi = ino / 512, lo = ino % 512;
	if (!s->imap[hi]) {
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		s->imap[hi] = phys_to_virt(pa);
	}
	return &s->imap[hi][lo];
}

/* Does [off, off+len) lie inside [lo, lo+size)? (overflow-safe) */
static bool img_within(uint64_t off, uint64_t len, uint64_t lo, uint64_t size)
{
	return off >= lo && off - lo <= size && len <= size - (off - lo);
}

/* An image inode is used only when what it points at lies inside the image: a damaged image
   then reads as missing files, never as a guest kernel fault. */
static bool img_inode_sane(const struct tmpfs_sb *s, const struct imgfs_inode *ii)
{
	const struct imgfs_header *h = s->hdr;
	switch (ii->mode & S_IFMT) {
	case S_IFREG:
		return !ii->size || (ii->data % IMGFS_PAGE_SIZE == 0 &&
				     img_within(ii->data, ii->size, h->data_off, h->data_size) &&
				     h->data_off + h->data_size <= s->image_len);
	case S_IFDIR:
		return ii->data <= h->dirent_count && ii->size <= h->dirent_count - ii->data;
	case S_IFLNK:
		return ii->size <= IMGFS_SYMLINK_MAX &&
		       img_within(ii->data, ii->size, h->strtab_off, h->strtab_size);
	default:
		return false;
	}
}

/* The image's ACL xattrs become the inode's ACLs (tmpfs_xattr.c leaves their names out). */
static void img_load_acls(struct inode *ino)
{
	const char *name;
	const void *value;
	uint32_t nlen, vlen;
	for (uint32_t i = 0; tmpfs_img_xattr(ino, i, &name, &nlen, &value, &vlen); i++) {
		int type = acl_xattr_type(name, nlen);
		if (type >= 0)
			vfs_acl_load(ino, type, value, vlen);
	}
}

/* The inode for image inode n, made once (hard links share it). Returns a new reference. */
static struct inode *img_instantiate(struct superblock *sb, uint32_t n)
{
	struct tmpfs_sb *s = sb->priv;
	struct inode **slot = img_slot(s, n);
	if (!slot)
		return NULL;
	if (*slot) {
		inode_get(*slot);
		return *slot;
	}
	if (n < 1 || n > s->hdr->inode_count || !img_inode_sane(s, img_inode(s, n)))
		return NULL;
	const struct imgfs_inode *ii = img_inode(s, n);
	struct inode *ino = tmpfs_inode(sb, ii->mode);
	if (!ino)
		return NULL;
	ino->ino = n;
	ino->uid = ii->uid;
	ino->gid = ii->gid;
	ino->nlink = ii->nlink;
	ino->mtime.sec = ino->atime.sec = ino->ctime.sec = ii->mtime_sec;
	ino->mtime.nsec = ino->atime.nsec = ino->ctime.nsec = ii->mtime_nsec;
	node(ino)->img_ino = n;
	switch (ii->mode & S_IFMT) {
	case S_IFDIR:
		node(ino)->populated = false;
		break;
	case S_IFREG:
		ino->size = ii->size;
		ino->contig_pa = ii->size ? s->image_gpa + ii->data : 0;
		break;
	case S_IFLNK:
		ino->size = ii->size;
		break;
	}
	ino->blocks = (ino->size + 511) / 512;
	img_load_acls(ino);
	inode_get(ino);         /* the imap keeps one */
	*slot = ino;
	return ino;
}

static int dir_add(struct inode *dir, const char *name, size_t len, bool copy, uint32_t img_ino,
		   struct inode *ino)
{
	struct tmpfs_dirent *e = kmalloc(sizeof(*e));
	if (!e)
		return -ENOSPC;
	if (copy) {
		char *n = kmalloc(len + 1);
		if (!n) {
			kfree(e, sizeof(*e));
			return -ENOSPC;
		}
		memcpy(n, name, len);
		n[len] = 0;
		e->name = n;
		e->name_owned = true;
	} else {
		e->name = name;
	}
	e->len = (uint8_t)len;
	e->img_ino = img_ino;
	e->ino = ino;
	e->pos = 2 + node(dir)->added++;
	/* Appended, so a listing keeps the image's (sorted) order and new names come last. */
	struct tmpfs_dirent **l = &node(dir)->entries;
	while (*l)
		l = &(*l)->next;
	*l = e;
	node(dir)->nentries++;
	dir->size = node(dir)->nentries;
	return 0;
}

static void dirent_free(struct tmpfs_dirent *e)
{
	if (e->name_owned)
		kfree((void *)e->name, e->len + 1u);
	inode_put(e->ino);
	kfree(e, sizeof(*e));
}

/* Loads a directory's image entries on first use. */
static int dir_populate(struct inode *dir)
{
	struct tmpfs_node *n = node(dir);
	if (n->populated)
		return 0;
	struct tmpfs_sb *s = tsb(dir);
	const struct imgfs_inode *ii = img_inode(s, n->img_ino);
	const struct imgfs_dirent *de = (const struct imgfs_dirent *)(s->image + s->hdr->dirent_off);
	for (uint64_t i = 0; i < ii->size; i++) {
		const struct imgfs_dirent *d = &de[ii->data + i];
		if (!d->name_len || d->name_len > IMGFS_NAME_MAX || !d->ino ||
		    d->ino > s->hdr->inode_count ||
		    !img_within(d->name_off, d->name_len, s->hdr->strtab_off, s->hdr->strtab_size))
			continue;       /* a damaged entry: leave it out */
		/* name_off is a byte offset from the start of the image (into the string table) */
		int err = dir_add(dir, (const char *)s->image + d->name_off, d->name_len, false,
				  d->ino, NULL);
		if (err)
			return err;
	}
	n->populated = true;
	return 0;
}

static struct tmpfs_dirent *dir_find(struct inode *dir, const char *name, size_t len)
{
	for (struct tmpfs_dirent *e = node(dir)->entries; e; e = e->next)
		if (e->len == len && !memcmp(e->name, name, len))
			return e;
	return NULL;
}

/* The entry's inode, instantiated from the image if needed (no new reference). */
static struct inode *dirent_inode(struct inode *dir, struct tmpfs_dirent *e)
{
	if (!e->ino) {
		e->ino = img_instantiate(dir->sb, e->img_ino);
		if (e->ino && (e->ino->mode & S_IFMT) == S_IFDIR)
			node(e->ino)->parent = dir;
	}
	return e->ino;
}

static int tmpfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int err = dir_populate(dir);
	if (err)
		return err;
	struct tmpfs_dirent *e = dir_find(dir, name, len);
	if (!e)
		return -ENOENT;
	struct inode *ino = dirent_inode(dir, e);
	if (!ino)
		return -EIO;            /* a damaged image entry (or no memory) */
	inode_get(ino);
	*out = ino;
	return 0;
}

static void dir_touch(struct inode *dir)
{
	dir->mtime = dir->ctime = vfs_now();
}

/* Common start of every change to a directory: entries loaded, name free. */
static int dir_prepare_add(struct inode *dir, const char *name, size_t len)
{
	if (dir->nlink == 0)
		return -ENOENT;         /* a removed directory takes no new names */
	int err = dir_populate(dir);
	if (err)
		return err;
	return dir_find(dir, name, len) ? -EEXIST : 0;
}

static int tmpfs_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
			uint64_t rdev, struct inode **out)
{
	int err = dir_prepare_add(dir, name, len);
	if (err)
		return err;
	struct inode *ino = tmpfs_inode(dir->sb, mode);
	if (!ino)
		return -ENOSPC;
	ino->rdev = rdev;
	if ((mode & S_IFMT) == S_IFDIR)
		node(ino)->parent = dir;
	if ((dir->mode & S_ISGID)) {
		ino->gid = dir->gid;
		if ((mode & S_IFMT) == S_IFDIR)
			ino->mode |= S_ISGID;
	}
	err = vfs_acl_inherit(dir, ino);
	if (!err)
		err = dir_add(dir, name, len, true, 0, ino);
	if (err) {
		inode_put(ino);
		return err;
	}
	if ((mode & S_IFMT) == S_IFDIR)
		dir->nlink++;
	dir_touch(dir);
	inode_get(ino);
	*out = ino;
	return 0;
}

static int tmpfs_symlink(struct inode *dir, const char *name, size_t len, const char *target,
			 struct inode **out)
{
	size_t tl = strlen(target);
	if (tl + 1 > PAGE_SIZE)
		return -ENAMETOOLONG;
	struct inode *ino;
	int err = tmpfs_create(dir, name, len, S_IFLNK | 0777, 0, &ino);
	if (err)
		return err;
	node(ino)->target = kmalloc(tl + 1);
	if (!node(ino)->target) {
		inode_put(ino);
		return -ENOSPC;
	}
	memcpy(node(ino)->target, target, tl + 1);
	ino->size = tl;
	*out = ino;
	return 0;
}

static int tmpfs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	int err = dir_prepare_add(dir, name, len);
	if (err)
		return err;
	inode_get(target);
	err = dir_add(dir, name, len, true, 0, target);
	if (err) {
		inode_put(target);
		return err;
	}
	target->nlink++;
	target->ctime = vfs_now();
	dir_touch(dir);
	return 0;
}

/* Removes the entry for name; the dirent's reference to the inode goes with it. */
static int dir_remove(struct inode *dir, const char *name, size_t len)
{
	for (struct tmpfs_dirent **l = &node(dir)->entries; *l; l = &(*l)->next) {
		struct tmpfs_dirent *e = *l;
		if (e->len == len && !memcmp(e->name, name, len)) {
			*l = e->next;
			node(dir)->nentries--;
			dir->size = node(dir)->nentries;
			dirent_free(e);
			dir_touch(dir);
			return 0;
		}
	}
	return -ENOENT;
}

static int tmpfs_unlink(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
	int err = dir_populate(dir);
	if (err)
		return err;
	victim->nlink--;
	victim->ctime = vfs_now();
	return dir_remove(dir, name, len);
}

static int tmpfs_rmdir(struct inode *dir, const char *name, size_t len, struct inode *victim)
{
	int err = dir_populate(dir);
	if (!err)
		err = dir_populate(victim);
	if (err)
		return err;
	if (node(victim)->nentries)
		return -ENOTEMPTY;
	victim->nlink = 0;
	dir->nlink--;
	return dir_remove(dir, name, len);
}

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2

static bool is_dir(const struct inode *ino)
{
	return (ino->mode & S_IFMT) == S_IFDIR;
}

/* Points a moved directory at its new parent and fixes the link counts. */
static void dir_reparent(struct inode *ino, struct inode *from, struct inode *to)
{
	if (!is_dir(ino) || from == to)
		return;
	node(ino)->parent = to;
	from->nlink--;
	to->nlink++;
}

static int tmpfs_rename(struct inode *olddir, const char *oldname, size_t oldlen,
			struct inode *newdir, const char *newname, size_t newlen, unsigned flags)
{
	int err = dir_populate(olddir);
	if (!err)
		err = dir_populate(newdir);
	if (err)
		return err;
	struct tmpfs_dirent *oe = dir_find(olddir, oldname, oldlen);
	if (!oe)
		return -ENOENT;
	struct inode *src = dirent_inode(olddir, oe);
	struct tmpfs_dirent *ne = dir_find(newdir, newname, newlen);
	struct inode *dst = ne ? dirent_inode(newdir, ne) : NULL;
	if (!src || (ne && !dst))
		return -ENOMEM;
	if (flags & RENAME_EXCHANGE) {
		if (!ne)
			return -ENOENT;
		oe->ino = dst;
		ne->ino = src;
		dir_reparent(src, olddir, newdir);
		dir_reparent(dst, newdir, olddir);
		dir_touch(olddir);
		dir_touch(newdir);
		return 0;
	}
	if (ne) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if (dst == src)
			return 0;
		if (is_dir(src) && !is_dir(dst))
			return -ENOTDIR;
		if (!is_dir(src) && is_dir(dst))
			return -EISDIR;
		if (is_dir(dst)) {
			if ((err = dir_populate(dst)))
				return err;
			if (node(dst)->nentries)
				return -ENOTEMPTY;
			newdir->nlink--;
			dst->nlink = 0;
		} else {
			dst->nlink--;
		}
		dir_remove(newdir, newname, newlen);
	}
	inode_get(src);
	err = dir_add(newdir, newname, newlen, true, 0, src);
	if (err) {
		inode_put(src);
		return err;
	}
	dir_remove(olddir, oldname, oldlen);
	dir_reparent(src, olddir, newdir);
	src->ctime = vfs_now();
	return 0;
}

static int64_t tmpfs_readlink(struct inode *ino, char *buf, size_t len)
{
	struct tmpfs_node *n = node(ino);
	const char *t = n->target;
	if (!t && n->img_ino) {
		struct tmpfs_sb *s = tsb(ino);
		t = (const char *)s->image + img_inode(s, n->img_ino)->data;
	}
	if (!t)
		return -EINVAL;
	size_t l = (size_t)MIN(ino->size, len);
	memcpy(buf, t, l);
	return (int64_t)l;
}

static int tmpfs_setattr(struct inode *ino, const struct iattr *a)
{
	if (a->valid & ATTR_SIZE) {
		int err = tmpfs_truncate(ino, a->size);
		if (err)
			return err;
	}
	vfs_setattr_basic(ino, a);
	return 0;
}

static unsigned dtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFREG: return DT_REG;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	default: return DT_BLK;
	}
}

/* Positions: 0 ".", 1 "..", then each entry's cookie (increasing along the list), so removing
   names between calls (rm -r) does not make the next call skip others. */
static int tmpfs_iterate(struct inode *dir, uint64_t *pos,
			 int (*emit)(void *, const char *, size_t, uint64_t, unsigned), void *ctx)
{
	int err = dir_populate(dir);
	if (err)
		return err;
	if (*pos == 0) {
		if (emit(ctx, ".", 1, dir->ino, DT_DIR))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		struct inode *p = node(dir)->parent ? node(dir)->parent : dir;
		if (emit(ctx, "..", 2, p->ino, DT_DIR))
			return 0;
		*pos = 2;
	}
	for (struct tmpfs_dirent *e = node(dir)->entries; e; e = e->next) {
		if (e->pos < *pos)
			continue;
		uint64_t ino;
		unsigned type;
		if (e->ino) {
			ino = e->ino->ino;
			type = dtype(e->ino->mode);
		} else {
			ino = e->img_ino;
			type = dtype(img_inode(tsb(dir), e->img_ino)->mode);
		}
		if (emit(ctx, e->name, e->len, ino, type))
			return 0;
		*pos = e->pos + 1;
	}
	return 0;
}

static void tmpfs_release(struct inode *ino)
{
	struct tmpfs_node *n = ino->priv;
	if (!n)
		return;
	while (n->entries) {
		struct tmpfs_dirent *e = n->entries;
		n->entries = e->next;
		dirent_free(e);
	}
	tmpfs_free_pages(n, 0);
	text_pages_free(&n->text);
	tmpfs_xattrs_free(ino);
	if (n->target)
		kfree(n->target, ino->size + 1);
	kfree(n, sizeof(*n));
}

/* The image's xattr run of an inode (none for files made at run time). */
static const struct imgfs_xattr *img_xattrs(struct inode *ino, uint32_t *count)
{
	struct tmpfs_node *n = node(ino);
	*count = 0;
	if (!n->img_ino)
		return NULL;
	struct tmpfs_sb *s = tsb(ino);
	const struct imgfs_inode *ii = img_inode(s, n->img_ino);
	if ((uint64_t)ii->xattr_first + ii->xattr_count > s->hdr->xattr_count ||
	    s->hdr->xattr_off > s->image_len ||
	    s->hdr->xattr_count > (s->image_len - s->hdr->xattr_off) / sizeof(struct imgfs_xattr))
		return NULL;
	*count = ii->xattr_count;
	return (const struct imgfs_xattr *)(s->image + s->hdr->xattr_off) + ii->xattr_first;
}

bool tmpfs_img_xattr(struct inode *ino, uint32_t i, const char **name, uint32_t *nlen,
		     const void **value, uint32_t *vlen)
{
	uint32_t n;
	const struct imgfs_xattr *x = img_xattrs(ino, &n);
	const struct imgfs_header *h = tsb(ino)->hdr;
	if (i >= n || !img_within(x[i].name_off, x[i].name_len, h->strtab_off, h->strtab_size) ||
	    !img_within(x[i].value_off, x[i].value_len, h->strtab_off, h->strtab_size))
		return false;
	*name = (const char *)tsb(ino)->image + x[i].name_off;
	*nlen = x[i].name_len;
	*value = tsb(ino)->image + x[i].value_off;
	*vlen = x[i].value_len;
	return true;
}

static const struct inode_ops tmpfs_ops = {
	.getxattr = tmpfs_getxattr,
	.listxattr = tmpfs_listxattr,
	.setxattr = tmpfs_setxattr,
	.removexattr = tmpfs_removexattr,
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.readlink = tmpfs_readlink,
	.setattr = tmpfs_setattr,
	.iterate = tmpfs_iterate,
	.read = tmpfs_read,
	.write = tmpfs_write,
	.page = tmpfs_page,
	.text_page = tmpfs_text_page,
	.is_text_page = tmpfs_is_text_page,
	.seek_data = tmpfs_seek_data,
	.fallocate = tmpfs_fallocate,
	.blocks = tmpfs_blocks,
	.release = tmpfs_release,
};

/* Checks what the guest will trust in the image: header, tables inside the image. */
static const char *tmpfs_check_image(const uint8_t *img, uint64_t len)
{
	const struct imgfs_header *h = (const void *)img;
	if (len < sizeof(*h) || memcmp(h->magic, IMGFS_MAGIC, 8))
		return "not an imgfs image";
	if (h->version != IMGFS_VERSION)
		return "unknown imgfs version";
	if (h->image_size > len || h->root_ino != IMGFS_ROOT_INO || h->inode_count == 0 ||
	    h->inode_count > (1u << 26) ||
	    h->inode_off > len || (uint64_t)h->inode_count * 64 > len - h->inode_off ||
	    h->dirent_off > len || h->dirent_count > (len - h->dirent_off) / 16 ||
	    h->strtab_off > len || h->strtab_size > len - h->strtab_off)
		return "imgfs tables outside the image";
	return NULL;
}

struct inode *tmpfs_new(uint64_t dev, const void *image, uint64_t image_len, uint64_t image_gpa,
			const char **why)
{
	struct superblock *sb = kmalloc(sizeof(*sb));
	struct tmpfs_sb *s = kmalloc(sizeof(*s));
	if (!sb || !s)
		return NULL;
	sb->dev = dev;
	sb->type = "tmpfs";
	sb->flags = SB_POSIXACL;
	sb->priv = s;
	s->next_ino = 2;
	if (image) {
		if ((*why = tmpfs_check_image(image, image_len)))
			return NULL;
		s->image = image;
		s->image_len = image_len;
		s->image_gpa = image_gpa;
		s->hdr = image;
		s->next_ino = s->hdr->inode_count + 1;
		uint64_t slots = s->hdr->inode_count / 512 + 1;
		if (slots > 512) {
			*why = "image has too many inodes";
			return NULL;
		}
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		s->imap = phys_to_virt(pa);
		struct inode *root = img_instantiate(sb, IMGFS_ROOT_INO);
		if (root)
			inode_put(root);        /* the imap's reference keeps it */
		return root;
	}
	struct inode *root = tmpfs_inode(sb, S_IFDIR | 0755);
	if (root)
		root->uid = root->gid = 0;
	return root;
}

struct inode *tmpfs_contig_inode(struct superblock *sb, uint64_t pa, uint64_t size, uint32_t mode)
{
	struct inode *ino = tmpfs_inode(sb, S_IFREG | (mode & 07777));
	if (!ino)
		return NULL;
	ino->contig_pa = size ? pa : 0;
	ino->size = size;
	ino->blocks = (size + 511) / 512;
	ino->nlink = 0;
	return ino;
}
