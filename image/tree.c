/* In-memory filesystem tree: inodes, hashed directories, path splitting and whiteouts. */
#include "image/tree.h"
#include "image/imgint.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

struct tinode *tinode_new(uint32_t mode, uint32_t gen)
{
	struct tinode *ino = xcalloc(1, sizeof(*ino));
	ino->mode = mode;
	ino->gen = gen;
	if ((mode & S_IFMT) == S_IFDIR) {
		ino->dir = xcalloc(1, sizeof(*ino->dir));
		ino->dir->nbuckets = 8;
		ino->dir->buckets = xcalloc(8, sizeof(struct tdirent *));
	}
	return ino;
}

static void tinode_free_xattrs(struct tinode *ino)
{
	for (uint32_t i = 0; i < ino->nxattr; i++) {
		free(ino->xattrs[i].name);
		free(ino->xattrs[i].value);
	}
	free(ino->xattrs);
	ino->xattrs = NULL;
	ino->nxattr = 0;
}

void tinode_set_xattrs(struct tinode *ino, const struct txattr *xs, uint32_t n)
{
	tinode_free_xattrs(ino);
	if (!n)
		return;
	ino->xattrs = xcalloc(n, sizeof(*xs));
	for (uint32_t i = 0; i < n; i++) {
		ino->xattrs[i].name = xstrdup(xs[i].name);
		ino->xattrs[i].value = xcalloc(xs[i].len + 1, 1);
		memcpy(ino->xattrs[i].value, xs[i].value, xs[i].len);
		ino->xattrs[i].len = xs[i].len;
	}
	ino->nxattr = n;
}

void tinode_drop_acls(struct tinode *ino)
{
	for (int t = 0; t < 2; t++) {
		struct tacl *a = ino->acl[t];
		for (uint32_t i = 0; a && i < a->n; i++)
			free(a->e[i].name);
		free(a);
		ino->acl[t] = NULL;
	}
}

void tinode_add_xattr(struct tinode *ino, const char *name, const uint8_t *value, uint32_t len)
{
	struct txattr *xs = xcalloc(ino->nxattr + 1, sizeof(*xs));
	if (ino->nxattr)
		memcpy(xs, ino->xattrs, ino->nxattr * sizeof(*xs));
	xs[ino->nxattr].name = xstrdup(name);
	xs[ino->nxattr].value = xcalloc(len + 1, 1);
	memcpy(xs[ino->nxattr].value, value, len);
	xs[ino->nxattr].len = len;
	free(ino->xattrs);
	ino->xattrs = xs;
	ino->nxattr++;
}

static void tdir_free_entries(struct tdir *d)
{
	for (uint32_t b = 0; b < d->nbuckets; b++) {
		struct tdirent *de = d->buckets[b], *nx;
		for (; de; de = nx) {
			nx = de->next;
			tinode_unref(de->ino);
			free(de->name);
			free(de);
		}
		d->buckets[b] = NULL;
	}
	d->count = 0;
}

void tinode_unref(struct tinode *ino)
{
	if (!ino || --ino->nlink > 0)
		return;
	if (ino->dir) {
		tdir_free_entries(ino->dir);
		free(ino->dir->buckets);
		free(ino->dir);
	}
	tinode_free_xattrs(ino);
	tinode_drop_acls(ino);
	free(ino->data);
	free(ino->target);
	free(ino);
}

struct tree *tree_new(void)
{
	struct tree *t = xcalloc(1, sizeof(*t));
	t->root = tinode_new(S_IFDIR | 0755, 0);
	t->root->nlink = 1;
	t->root->dir->parent = t->root;
	t->gen = 1;
	return t;
}

void tree_free(struct tree *t)
{
	if (!t)
		return;
	tinode_unref(t->root);
	free(t);
}

struct tdirent *tdir_lookup(struct tinode *dir, const char *name)
{
	struct tdir *d = dir->dir;
	uint32_t h = name_hash(name);
	for (struct tdirent *de = d->buckets[h & (d->nbuckets - 1)]; de; de = de->next)
		if (de->hash == h && strcmp(de->name, name) == 0)
			return de;
	return NULL;
}

static void tdir_grow(struct tdir *d)
{
	uint32_t nb = d->nbuckets * 2;
	struct tdirent **nbk = xcalloc(nb, sizeof(*nbk));
	for (uint32_t b = 0; b < d->nbuckets; b++) {
		struct tdirent *de = d->buckets[b], *nx;
		for (; de; de = nx) {
			nx = de->next;
			de->next = nbk[de->hash & (nb - 1)];
			nbk[de->hash & (nb - 1)] = de;
		}
	}
	free(d->buckets);
	d->buckets = nbk;
	d->nbuckets = nb;
}

struct tdirent *tdir_insert(struct tinode *dir, const char *name, struct tinode *ino, uint32_t gen)
{
	struct tdir *d = dir->dir;
	if (d->count + 1 > d->nbuckets)
		tdir_grow(d);
	struct tdirent *de = xcalloc(1, sizeof(*de));
	de->name = xstrdup(name);
	de->hash = name_hash(name);
	de->gen = gen;
	de->ino = ino;
	ino->nlink++;
	if (ino->dir)
		ino->dir->parent = dir;
	struct tdirent **slot = &d->buckets[de->hash & (d->nbuckets - 1)];
	de->next = *slot;
	*slot = de;
	d->count++;
	return de;
}

void tdir_remove(struct tinode *dir, struct tdirent *de)
{
	struct tdir *d = dir->dir;
	struct tdirent **pp = &d->buckets[de->hash & (d->nbuckets - 1)];
	while (*pp && *pp != de)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = de->next;
	d->count--;
	tinode_unref(de->ino);
	free(de->name);
	free(de);
}

static int dirent_cmp(const void *a, const void *b)
{
	const struct tdirent *x = *(struct tdirent *const *)a, *y = *(struct tdirent *const *)b;
	return strcmp(x->name, y->name); /* strcmp compares as unsigned char: memcmp order */
}

struct tdirent **tdir_sorted(struct tinode *dir, uint32_t *n)
{
	struct tdir *d = dir->dir;
	struct tdirent **v = xcalloc(d->count, sizeof(*v));
	uint32_t k = 0;
	for (uint32_t b = 0; b < d->nbuckets; b++)
		for (struct tdirent *de = d->buckets[b]; de; de = de->next)
			v[k++] = de;
	if (k)
		qsort(v, k, sizeof(*v), dirent_cmp);
	*n = k;
	return v;
}

void path_free(char **comps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(comps[i]);
	free(comps);
}

const char *path_split(const char *path, uint32_t max_depth, char ***comps, size_t *n)
{
	size_t cap = 8, k = 0;
	char **v = xcalloc(cap, sizeof(*v));
	const char *p = path, *why = NULL;
	if (strlen(path) > 4095) {
		why = "path too long (over 4095 bytes)";
		goto fail;
	}
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (k == 0) {
				why = "path escapes the root (..)";
				goto fail;
			}
			free(v[--k]);
		} else if (len > 255) {
			why = "file name too long (over 255 bytes)";
			goto fail;
		} else {
			if (k >= max_depth) {
				why = "path too deep (limit exceeded: --max-depth)";
				goto fail;
			}
			if (k == cap) {
				char **nv = xcalloc(cap * 2, sizeof(*nv));
				memcpy(nv, v, cap * sizeof(*nv));
				free(v);
				v = nv;
				cap *= 2;
			}
			v[k++] = xstrndup(p, len);
		}
		p += len;
		if (*p == '/')
			p++;
	}
	*comps = v;
	*n = k;
	return NULL;
fail:
	path_free(v, k);
	*comps = NULL;
	*n = 0;
	return why;
}

struct tinode *tree_walk_dir(struct tree *t, char **comps, size_t n, int mkdirs, uint32_t gen,
			     const char **why, size_t *where)
{
	struct tinode *cur = t->root;
	for (size_t i = 0; i < n; i++) {
		*where = i;
		struct tdirent *de = tdir_lookup(cur, comps[i]);
		if (!de) {
			if (!mkdirs) {
				*why = "not found";
				return NULL;
			}
			struct tinode *nd = tinode_new(S_IFDIR | 0755, gen);
			de = tdir_insert(cur, comps[i], nd, gen);
		}
		uint32_t type = de->ino->mode & S_IFMT;
		if (type == S_IFLNK) {
			*why = "parent is a symlink (not followed)";
			return NULL;
		}
		if (type != S_IFDIR) {
			*why = "parent is not a directory";
			return NULL;
		}
		cur = de->ino;
	}
	*where = n;
	return cur;
}

/* Removes lower-layer content under a directory; returns 1 if current-layer content remains. */
static int tree_prune_lower(struct tinode *dir, uint32_t gen)
{
	uint32_t n;
	struct tdirent **v = tdir_sorted(dir, &n);
	int keep = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct tdirent *de = v[i];
		if (de->ino->dir && tree_prune_lower(de->ino, gen))
			keep = 1;
		else if (de->gen >= gen)
			keep = 1;
		else
			tdir_remove(dir, de);
	}
	free(v);
	return keep;
}

void tree_whiteout(struct tinode *dir, struct tdirent *de, uint32_t gen)
{
	if (de->ino->dir) {
		if (tree_prune_lower(de->ino, gen) || de->gen >= gen)
			return;
	} else if (de->gen >= gen) {
		return;
	}
	tdir_remove(dir, de);
}

void tree_opaque(struct tinode *dir, uint32_t gen)
{
	tree_prune_lower(dir, gen);
}
