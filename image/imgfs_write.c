/* imgfs writer: numbers inodes breadth-first in name order and lays out tables and page-aligned data. */
#include "image/imgfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct iw {
	struct tinode **inos;       /* inos[k] has inode number k + 1 */
	uint32_t nino, capino;
	struct tdirent **ents;      /* dirent table in final order */
	uint64_t nent, capent;
	uint64_t *dfirst;           /* per inode: first dirent index (dirs) */
	uint64_t nxattr;
	struct buf str;
};

static void iw_push_ino(struct iw *w, struct tinode *ino)
{
	if (w->nino == w->capino) {
		w->capino = w->capino ? w->capino * 2 : 1024;
		struct tinode **n = xcalloc(w->capino, sizeof(*n));
		if (w->nino)
			memcpy(n, w->inos, w->nino * sizeof(*n));
		free(w->inos);
		w->inos = n;
	}
	w->inos[w->nino++] = ino;
	ino->no = w->nino;
	w->nxattr += ino->nxattr;
}

static void iw_push_ent(struct iw *w, struct tdirent *de)
{
	if (w->nent == w->capent) {
		w->capent = w->capent ? w->capent * 2 : 1024;
		struct tdirent **n = xcalloc(w->capent, sizeof(*n));
		if (w->nent)
			memcpy(n, w->ents, w->nent * sizeof(*n));
		free(w->ents);
		w->ents = n;
	}
	w->ents[w->nent++] = de;
}

static void tree_clear_numbers(struct tinode *dir)
{
	uint32_t n;
	struct tdirent **v = tdir_sorted(dir, &n);
	dir->no = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (v[i]->ino->dir)
			tree_clear_numbers(v[i]->ino);
		else
			v[i]->ino->no = 0;
	}
	free(v);
}

/* Breadth-first numbering; each directory's entries become one sorted run of the table. */
static void iw_number(struct iw *w, struct tree *t)
{
	tree_clear_numbers(t->root);
	iw_push_ino(w, t->root);
	w->dfirst = NULL;
	for (uint32_t q = 0; q < w->nino; q++) {
		struct tinode *d = w->inos[q];
		if (!d->dir)
			continue;
		uint32_t n;
		struct tdirent **v = tdir_sorted(d, &n);
		for (uint32_t i = 0; i < n; i++) {
			iw_push_ent(w, v[i]);
			if (!v[i]->ino->no)
				iw_push_ino(w, v[i]->ino);
		}
		free(v);
	}
}

static uint64_t iw_str(struct iw *w, uint64_t strtab_off, const void *p, size_t n)
{
	uint64_t off = strtab_off + w->str.len;
	buf_put(&w->str, p, n);
	return off;
}

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct txattr *)a)->name, ((const struct txattr *)b)->name);
}

static uint32_t dir_nlink(struct tinode *d)
{
	uint32_t n = 2;
	for (uint32_t b = 0; b < d->dir->nbuckets; b++)
		for (struct tdirent *de = d->dir->buckets[b]; de; de = de->next)
			n += de->ino->dir != NULL;
	return n;
}

static void iw_fill_inode(struct iw *w, struct tinode *ti, struct imgfs_inode *o,
			  uint64_t strtab_off, uint64_t *dcursor)
{
	o->mode = ti->mode;
	o->uid = ti->uid;
	o->gid = ti->gid;
	o->mtime_sec = ti->mtime;
	o->mtime_nsec = ti->mtime_nsec;
	o->nlink = ti->dir ? dir_nlink(ti) : ti->nlink;
	if (ti->dir) {
		o->parent = ti->dir->parent->no;
		o->size = ti->dir->count;
		o->data = *dcursor;
		*dcursor += ti->dir->count;
	} else if (ti->target) {
		o->size = strlen(ti->target);
		o->data = iw_str(w, strtab_off, ti->target, o->size);
	} else {
		o->size = ti->size;
	}
}

static void iw_emit(struct iw *w, struct imgfs_header *h, uint8_t *img, struct imgfs_stats *st)
{
	struct imgfs_inode *it = (struct imgfs_inode *)(img + h->inode_off);
	struct imgfs_dirent *dt = (struct imgfs_dirent *)(img + h->dirent_off);
	struct imgfs_xattr *xt = (struct imgfs_xattr *)(img + h->xattr_off);
	uint64_t dcursor = 0, xk = 0, data = h->data_off;
	for (uint32_t k = 0; k < w->nino; k++) {
		struct tinode *ti = w->inos[k];
		iw_fill_inode(w, ti, &it[k], h->strtab_off, &dcursor);
		if (ti->nxattr)
			qsort(ti->xattrs, ti->nxattr, sizeof(*ti->xattrs), xattr_cmp);
		it[k].xattr_first = (uint32_t)xk;
		it[k].xattr_count = ti->nxattr;
		for (uint32_t i = 0; i < ti->nxattr; i++, xk++) {
			xt[xk].name_len = (uint32_t)strlen(ti->xattrs[i].name);
			xt[xk].name_off = iw_str(w, h->strtab_off, ti->xattrs[i].name, xt[xk].name_len);
			xt[xk].value_len = ti->xattrs[i].len;
			xt[xk].value_off = iw_str(w, h->strtab_off, ti->xattrs[i].value, ti->xattrs[i].len);
		}
		uint32_t type = ti->mode & S_IFMT;
		st->dirs += type == S_IFDIR;
		st->symlinks += type == S_IFLNK;
		if (type == S_IFREG) {
			st->files++;
			st->file_bytes += ti->size;
			if (ti->size) {
				it[k].data = data;
				memcpy(img + data, ti->data, ti->size);
				data += (ti->size + IMGFS_PAGE_SIZE - 1) & ~(uint64_t)(IMGFS_PAGE_SIZE - 1);
			}
		}
	}
	for (uint64_t i = 0; i < w->nent; i++) {
		dt[i].ino = w->ents[i]->ino->no;
		dt[i].name_len = (uint32_t)strlen(w->ents[i]->name);
		dt[i].name_off = iw_str(w, h->strtab_off, w->ents[i]->name, dt[i].name_len);
	}
	if (w->str.len)
		memcpy(img + h->strtab_off, w->str.p, w->str.len);
}

/* Bytes the string table will need (names, targets, xattrs), computed before layout. */
static uint64_t iw_strtab_size(struct iw *w)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < w->nent; i++)
		n += strlen(w->ents[i]->name);
	for (uint32_t k = 0; k < w->nino; k++) {
		struct tinode *ti = w->inos[k];
		if (ti->target)
			n += strlen(ti->target);
		for (uint32_t i = 0; i < ti->nxattr; i++)
			n += strlen(ti->xattrs[i].name) + ti->xattrs[i].len;
	}
	return n;
}

int imgfs_build(struct img_ctx *c, struct tree *t, uint8_t **out, size_t *outlen,
		struct imgfs_stats *st)
{
	struct iw w = {0};
	struct imgfs_header h = {0};
	const uint64_t pg = IMGFS_PAGE_SIZE;
	int ret = 0;
	memset(st, 0, sizeof(*st));
	iw_number(&w, t);
	memcpy(h.magic, IMGFS_MAGIC, 8);
	h.version = IMGFS_VERSION;
	h.header_size = sizeof(h);
	h.inode_count = w.nino;
	h.root_ino = IMGFS_ROOT_INO;
	h.inode_off = sizeof(h);
	h.dirent_off = h.inode_off + (uint64_t)w.nino * sizeof(struct imgfs_inode);
	h.dirent_count = w.nent;
	h.xattr_off = h.dirent_off + w.nent * sizeof(struct imgfs_dirent);
	h.xattr_count = w.nxattr;
	h.strtab_off = h.xattr_off + w.nxattr * sizeof(struct imgfs_xattr);
	h.strtab_size = iw_strtab_size(&w);
	h.data_off = (h.strtab_off + h.strtab_size + pg - 1) & ~(pg - 1);
	uint64_t total = h.data_off;
	for (uint32_t k = 0; k < w.nino; k++)
		if ((w.inos[k]->mode & S_IFMT) == S_IFREG) {
			total += (w.inos[k]->size + pg - 1) & ~(pg - 1);
			h.file_bytes += w.inos[k]->size;
		}
	h.image_size = total;
	h.data_size = total - h.data_off;
	uint8_t *img = calloc(1, total);
	if (!img) {
		ret = img_failc(c, -ENOMEM, "imgfs", "out of memory for a %llu-byte image",
				(unsigned long long)total);
		goto out;
	}
	memcpy(img, &h, sizeof(h));
	iw_emit(&w, &h, img, st);
	st->inodes = w.nino;
	*out = img;
	*outlen = total;
out:
	free(w.inos);
	free(w.ents);
	free(w.dfirst);
	buf_free(&w.str);
	return ret;
}
