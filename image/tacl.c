/* POSIX.1e ACLs from a layer's SCHILY.acl.* records: checked as Linux's posix_acl_valid checks
   them, kept on the inode, then stored as the system.posix_acl_* xattrs (fs/posix_acl.c's
   posix_acl_to_xattr layout) once the image's users and groups are known.

   The result is what GNU tar --acls leaves when it extracts the layer on Linux (acl_set_file
   after the mode). Where the kernel would refuse the ACL, conversion fails; where tar only
   warns and goes on (an unknown name, an unparsable entry) it fails too, as other bad layer
   input does. What libarchive's reading decides, and so this file too: user::, group:: and
   other:: of an access ACL go into the entry's mode, so one missing from the text (which
   Linux refuses) cannot be told from the header's bits, which stand for it; a repeated entry
   for one tag and id keeps its last permissions (Linux would keep both); ids stop at
   2147483647. A name with an id beside it (bsdtar's and star's fourth field) is taken by id,
   as the ownership of tar entries is. */
#include "image/tacl.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Linux's tags (uapi/linux/posix_acl.h); their numeric order is the order the kernel keeps. */
#define TAG_USER_OBJ 0x01
#define TAG_USER 0x02
#define TAG_GROUP_OBJ 0x04
#define TAG_GROUP 0x08
#define TAG_MASK 0x10
#define TAG_OTHER 0x20
#define TAG_BASE (TAG_USER_OBJ | TAG_GROUP_OBJ | TAG_OTHER)
#define TAG_NAMED (TAG_USER | TAG_GROUP)
#define ID_UNDEFINED 0xffffffffu
#define XATTR_VERSION 2
#define XATTR_HEADER 4
#define XATTR_ENTRY 8
#define ENTRY_MAX ((65536 - XATTR_HEADER) / XATTR_ENTRY)   /* XATTR_SIZE_MAX */
_Static_assert(ENTRY_MAX == TACL_MAX_ENTRIES, "tacl_prescan's bound is the xattr's");

static const char *const tacl_xattr[2] = { "system.posix_acl_access", "system.posix_acl_default" };
static const char *const tacl_key[2] = { "SCHILY.acl.access", "SCHILY.acl.default" };
static const int tacl_want[2] = { ARCHIVE_ENTRY_ACL_TYPE_ACCESS, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT };

static uint32_t tacl_tag(int tag)
{
	switch (tag) {
	case ARCHIVE_ENTRY_ACL_USER_OBJ: return TAG_USER_OBJ;
	case ARCHIVE_ENTRY_ACL_USER: return TAG_USER;
	case ARCHIVE_ENTRY_ACL_GROUP_OBJ: return TAG_GROUP_OBJ;
	case ARCHIVE_ENTRY_ACL_GROUP: return TAG_GROUP;
	case ARCHIVE_ENTRY_ACL_MASK: return TAG_MASK;
	case ARCHIVE_ENTRY_ACL_OTHER: return TAG_OTHER;
	default: return 0;
	}
}

/* One entry as libarchive gives it (its permission bits are Linux's: r 4, w 2, x 1). A named
   entry keeps its numeric id when the text has one (a numeric qualifier, or star's and bsdtar's
   fourth field), else its name. NULL or why the entry is refused. */
static const char *tacl_entry(struct tacl_ent *x, int tag, int perm, int id, const char *name)
{
	x->tag = tacl_tag(tag);
	x->perm = (uint32_t)perm;
	x->id = ID_UNDEFINED;
	if (!x->tag || (perm & ~7))
		return "an entry Linux has no form for";
	if (!(x->tag & TAG_NAMED))
		return NULL;
	if (id == INT_MAX) /* libarchive's reading stops there */
		return "an id of 2147483647 or more";
	if (id >= 0)
		x->id = (uint32_t)id;
	else if (name && *name)
		x->name = xstrdup(name);
	else
		return "a named entry without a name";
	return NULL;
}

/* The ACL of type t that e carries for an inode of mode, in *out; NULL there when there is none
   or, for an access ACL, only the three entries the mode holds. NULL or why it is refused (*out
   then holds what was read, for the caller to free). */
static const char *tacl_read_type(struct archive_entry *e, int t, uint32_t mode, struct tacl **out)
{
	int type, perm, tag, id, n = archive_entry_acl_reset(e, tacl_want[t]);
	const char *name, *why = NULL;
	uint32_t tags = 0;
	*out = NULL;
	if (n <= (t == TACL_ACCESS ? 3 : 0))
		return NULL;
	if (n > ENTRY_MAX)
		return "more than the 8191 entries an ACL xattr holds";
	if (t == TACL_DEFAULT && !S_ISDIR(mode))
		return "on a non-directory (Linux keeps default ACLs on directories only)";
	if (S_ISLNK(mode))
		return "on a symlink (Linux symlinks have no ACLs)";
	struct tacl *a = *out = xcalloc(1, sizeof(*a) + (size_t)n * sizeof(a->e[0]));
	while (!why && a->n < (uint32_t)n &&
	       archive_entry_acl_next(e, tacl_want[t], &type, &perm, &tag, &id, &name) == ARCHIVE_OK) {
		why = tacl_entry(&a->e[a->n], tag, perm, id, name);
		tags |= a->e[a->n++].tag;
	}
	if (!why && (tags & TAG_BASE) != TAG_BASE)
		why = "no user::, group:: or other:: entry (Linux requires all three)";
	else if (!why && (tags & TAG_NAMED) && !(tags & TAG_MASK))
		why = "named entries without a mask:: entry (Linux requires one)";
	return why;
}

int tacl_read(struct archive_entry *e, struct tinode *ino, char *why, size_t len)
{
	tinode_drop_acls(ino);
	for (int t = 0; t < 2; t++) {
		const char *r = tacl_read_type(e, t, ino->mode, &ino->acl[t]);
		if (r) {
			snprintf(why, len, "%s: %s", tacl_key[t], r);
			tinode_drop_acls(ino);
			return -EINVAL;
		}
	}
	struct tacl *a = ino->acl[TACL_ACCESS];
	for (uint32_t i = 0; a && i < a->n; i++)
		if (a->e[i].tag == TAG_MASK) /* the group class: the mask, group:: stays in the ACL */
			ino->mode = (ino->mode & ~070u) | a->e[i].perm << 3;
	return 0;
}

/* A line of /etc/passwd or /etc/group: its name and id. */
struct tacl_id {
	char *name;
	uint32_t id, line;
};

struct tacl_db {
	const char *file;       /* "passwd" or "group" */
	struct tacl_id *v;      /* sorted by name, one per name */
	size_t n;
	int loaded;
};

struct tacl_fin {
	struct img_ctx *c;
	struct tree *t;
	struct tacl_db db[2];   /* users, groups */
};

static int tacl_id_cmp(const void *a, const void *b)
{
	const struct tacl_id *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->line > y->line) - (x->line < y->line);
}

static int tacl_name_cmp(const void *key, const void *b)
{
	return strcmp(key, ((const struct tacl_id *)b)->name);
}

/* Adds line's name and id (name:password:id[:...]) to db, when it has them. */
static void tacl_db_line(struct tacl_db *db, const char *line)
{
	const char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *end;
	if (!c2 || c1 == line || c2[1] < '0' || c2[1] > '9')
		return;
	unsigned long long id = strtoull(c2 + 1, &end, 10);
	if ((*end && *end != ':') || id >= ID_UNDEFINED)
		return;
	db->v[db->n] = (struct tacl_id){ xstrndup(line, (size_t)(c1 - line)), (uint32_t)id,
					 (uint32_t)db->n };
	db->n++;
}

/* Reads t's /etc/<db->file>, a regular file reached without symlinks, into db. */
static void tacl_db_load(struct tree *t, struct tacl_db *db)
{
	struct tdirent *de = tdir_lookup(t->root, "etc");
	de = de && de->ino->dir ? tdir_lookup(de->ino, db->file) : NULL;
	const struct tinode *f = de && S_ISREG(de->ino->mode) && de->ino->size ? de->ino : NULL;
	char *text = f ? xstrndup((const char *)f->data, f->size) : xstrdup(""), *save = NULL;
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	db->v = xcalloc(lines, sizeof(*db->v));
	db->loaded = 1;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		tacl_db_line(db, l);
	free(text);
	qsort(db->v, db->n, sizeof(*db->v), tacl_id_cmp);
	size_t k = 0;
	for (size_t i = 0; i < db->n; i++) {
		if (k && strcmp(db->v[i].name, db->v[k - 1].name) == 0)
			free(db->v[i].name);
		else
			db->v[k++] = db->v[i];
	}
	db->n = k;
}

static void tacl_db_free(struct tacl_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		free(db->v[i].name);
	free(db->v);
}

static int tacl_ent_cmp(const void *a, const void *b)
{
	const struct tacl_ent *x = a, *y = b;
	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void tacl_put(uint8_t *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/* a as Linux's xattr value: struct posix_acl_xattr_header, then the entries, little-endian. */
static void tacl_store(struct tinode *ino, int t, const struct tacl *a)
{
	uint32_t len = XATTR_HEADER + XATTR_ENTRY * a->n;
	uint8_t *v = xcalloc(len, 1);
	tacl_put(v, XATTR_VERSION, 4);
	for (uint32_t i = 0; i < a->n; i++) {
		uint8_t *p = v + XATTR_HEADER + XATTR_ENTRY * i;
		tacl_put(p, a->e[i].tag, 2);
		tacl_put(p + 2, a->e[i].perm, 2);
		tacl_put(p + 4, a->e[i].id, 4);
	}
	tinode_add_xattr(ino, tacl_xattr[t], v, len);
	free(v);
}

/* Resolves, orders, checks and stores ino's ACL of type t; path names it in errors. */
static int tacl_finish_one(struct tacl_fin *f, struct tinode *ino, int t, const char *path)
{
	struct tacl *a = ino->acl[t];
	for (uint32_t i = 0; i < ino->nxattr; i++)
		if (strcmp(ino->xattrs[i].name, tacl_xattr[t]) == 0)
			return 0;
	for (uint32_t i = 0; i < a->n; i++) {
		if (!a->e[i].name)
			continue;
		struct tacl_db *db = &f->db[a->e[i].tag == TAG_GROUP];
		if (!db->loaded)
			tacl_db_load(f->t, db);
		const struct tacl_id *hit = bsearch(a->e[i].name, db->v, db->n, sizeof(*db->v),
						    tacl_name_cmp);
		if (!hit)
			return img_fail(f->c, path, "%s names %s %s, whom the image's /etc/%s does "
					"not list", tacl_key[t], a->e[i].tag == TAG_GROUP ? "group" :
					"user", a->e[i].name, db->file);
		a->e[i].id = hit->id;
	}
	qsort(a->e, a->n, sizeof(a->e[0]), tacl_ent_cmp);
	for (uint32_t i = 1; i < a->n; i++)
		if (a->e[i].tag == a->e[i - 1].tag && a->e[i].id == a->e[i - 1].id)
			return img_fail(f->c, path, "%s has two entries for %s %u", tacl_key[t],
					a->e[i].tag == TAG_GROUP ? "group" : "user", a->e[i].id);
	tacl_store(ino, t, a);
	return 0;
}

static int tacl_finish_ino(struct tacl_fin *f, struct tinode *ino, const char *path)
{
	for (int t = 0; t < 2; t++) {
		int r = ino->acl[t] ? tacl_finish_one(f, ino, t, path) : 0;
		if (r < 0)
			return r;
	}
	tinode_drop_acls(ino);
	return 0;
}

/* Every inode below dir (path: its path, "" for the root). */
static int tacl_finish_dir(struct tacl_fin *f, struct tinode *dir, const char *path)
{
	int r = 0;
	for (uint32_t b = 0; r == 0 && b < dir->dir->nbuckets; b++) {
		for (struct tdirent *de = dir->dir->buckets[b]; r == 0 && de; de = de->next) {
			struct tinode *ino = de->ino;
			if (!ino->dir && !ino->acl[TACL_ACCESS])
				continue;
			char *sub = xstrjoin(path, "/", de->name);
			r = tacl_finish_ino(f, ino, sub);
			if (r == 0 && ino->dir)
				r = tacl_finish_dir(f, ino, sub);
			free(sub);
		}
	}
	return r;
}

int tacl_finish(struct img_ctx *c, struct tree *t)
{
	struct tacl_fin f = { c, t, { { .file = "passwd" }, { .file = "group" } } };
	int r = tacl_finish_ino(&f, t->root, "/");
	if (r == 0)
		r = tacl_finish_dir(&f, t->root, "");
	tacl_db_free(&f.db[0]);
	tacl_db_free(&f.db[1]);
	return r;
}

/* ---- before libarchive: the size of the ACLs a layer carries ---- */

/* A tar header's numeric field: octal digits (spaces and NULs around them), or base-256 with
   the high bit of the first byte set. -1 when neither. */
static int tacl_tar_num(const uint8_t *f, size_t len, uint64_t *v)
{
	*v = 0;
	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1;      /* negative, or more than 64 bits' worth */
		for (size_t i = 1; i < len; i++) {
			if (*v >> 56)
				return -1;
			*v = *v << 8 | f[i];
		}
		return 0;
	}
	size_t i = 0;
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*v >> 60)
			return -1;
		*v = *v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i])
			return -1;
	return 0;
}

/* One pax header's records, p[0..n): the entries of each SCHILY.acl.* record are counted and
   bounded; path names the entry (its pax path record, else the next header's name) in the
   error, as tacl_read's would. A malformed record ends the look quietly (libarchive then says
   what is wrong with it). */
struct tacl_pax_path {
	const char *p;
	int len;
};

/* The next "LEN KEY=VALUE\n" record at *r before stop: *k at its key, *end past its newline,
   *r moved on. false at the end or at a record that does not parse. */
static bool tacl_pax_next(const uint8_t **r, const uint8_t *stop, const uint8_t **k,
			  const uint8_t **end)
{
	const uint8_t *q = *r;
	size_t len = 0, i = 0, left = (size_t)(stop - q);
	for (; i < left && i < 20 && q[i] >= '0' && q[i] <= '9'; i++)
		len = len * 10 + (size_t)(q[i] - '0');
	if (!i || i >= left || q[i] != ' ' || len <= i + 1 || len > left)
		return false;
	*k = q + i + 1;
	*end = *r = q + len;
	return true;
}

static int tacl_scan_pax(struct img_ctx *c, const char *member, const uint8_t *p, size_t n,
			 struct tacl_pax_path path)
{
	static const char acl[] = "SCHILY.acl.", pathkey[] = "path=";
	const uint8_t *r, *k, *end;
	for (r = p; tacl_pax_next(&r, p + n, &k, &end);)
		if ((size_t)(end - k) > sizeof(pathkey) - 1 && !memcmp(k, pathkey, sizeof(pathkey) - 1))
			path = (struct tacl_pax_path){ (const char *)k + 5, (int)(end - k - 6) };
	for (r = p; tacl_pax_next(&r, p + n, &k, &end);) {
		const uint8_t *v = memchr(k, '=', (size_t)(end - k));
		if (!v || (size_t)(v - k) <= sizeof(acl) - 1 || memcmp(k, acl, sizeof(acl) - 1))
			continue;
		/* entries: runs of other bytes between commas and newlines (bsdtar separates them
		   with commas, GNU tar with newlines) */
		uint64_t entries = 0;
		bool in = false;
		for (const uint8_t *q = v + 1; q < end; q++) {
			bool sep = *q == ',' || *q == '\n';
			entries += !sep && !in;
			in = !sep;
		}
		int keylen = (int)(v - k), plen = path.len > 200 ? 200 : path.len;
		const char *more = path.len > 200 ? "..." : "";
		if (entries > TACL_MAX_ENTRIES)
			return img_fail(c, member, "%.*s%s: %.*s: more than the %d entries an ACL xattr "
					"holds", plen, path.p, more, keylen, (const char *)k,
					TACL_MAX_ENTRIES);
		c->acl_work += entries * entries;
		if (c->acl_work > TACL_MAX_WORK)
			return img_fail(c, member, "%.*s%s: %.*s: too many large ACLs to read (their "
					"squared entry counts pass %llu in all)", plen, path.p, more,
					keylen, (const char *)k, (unsigned long long)TACL_MAX_WORK);
	}
	return 0;
}

/* The name a ustar header gives: prefix/name, each NUL-padded. */
static struct tacl_pax_path tacl_header_name(const uint8_t *h, char buf[257])
{
	size_t pl = strnlen((const char *)h + 345, 155), nl = strnlen((const char *)h, 100), o = 0;
	if (!memcmp(h + 257, "ustar", 5) && pl) {
		memcpy(buf, h + 345, pl);
		buf[pl] = '/';
		o = pl + 1;
	}
	memcpy(buf + o, h, nl);
	return (struct tacl_pax_path){ buf, (int)(o + nl) };
}

int tacl_prescan(struct img_ctx *c, const char *member, const uint8_t *tar, size_t n)
{
	static const uint8_t zero[512];
	for (size_t off = 0; n - off >= 512;) {
		const uint8_t *h = tar + off;
		if (!memcmp(h, zero, sizeof(zero)))
			return 0;
		uint64_t size;
		if (tacl_tar_num(h + 124, 12, &size) < 0)
			return 0;
		off += 512;
		if (size > n - off)
			return 0;
		uint64_t padded = (size + 511) & ~(uint64_t)511;
		if (padded > n - off)
			return 0;
		if (h[156] == 'x' || h[156] == 'g') {
			char name[257];
			struct tacl_pax_path path = { "", 0 };
			if (n - off - padded >= 512)
				path = tacl_header_name(tar + off + padded, name);
			if (tacl_scan_pax(c, member, tar + off, size, path) < 0)
				return -EINVAL;
		}
		off += padded;
	}
	return 0;
}
