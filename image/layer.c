/* Layer application: decompress by magic, then apply tar entries with OCI whiteout semantics. */
#include "image/layer.h"
#include "image/tacl.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define XATTR_MAX_COUNT 128
#define XATTR_MAX_VALUE 65536

const char *layer_compression(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip";
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return "zstd";
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return "xz";
	if (n >= 3 && memcmp(p, "BZh", 3) == 0)
		return "bzip2";
	return "tar";
}

static int ratio_check(struct img_ctx *c, const char *member, uint64_t in, uint64_t out)
{
	if (out > c->lim.max_bytes)
		return img_failc(c, -EFBIG, member, "uncompressed size exceeds the limit of %llu bytes "
				 "(--max-size)", (unsigned long long)c->lim.max_bytes);
	if (out > c->lim.ratio_floor && out / (in ? in : 1) > c->lim.max_ratio)
		return img_failc(c, -EFBIG, member, "compression ratio exceeds %u:1 (possible "
				 "decompression bomb; --max-ratio)", c->lim.max_ratio);
	return 0;
}

int layer_decompress(struct img_ctx *c, const char *member, const uint8_t *p, size_t n,
		     const uint8_t **out, size_t *outlen, uint8_t **owned)
{
	struct buf b = {0};
	struct archive_entry *e;
	int ret = 0;
	*owned = NULL;
	if (strcmp(layer_compression(p, n), "tar") == 0) {
		*out = p;
		*outlen = n;
		return ratio_check(c, member, n, n);
	}
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		ret = img_fail(c, member, "corrupt or truncated compressed data: %s",
			       archive_error_string(a));
		goto out;
	}
	for (;;) {
		if (buf_reserve(&b, 1 << 20)) {
			ret = img_failc(c, -ENOMEM, member, "out of memory");
			goto out;
		}
		la_ssize_t r = archive_read_data(a, b.p + b.len, b.cap - b.len);
		if (r < 0) {
			ret = img_fail(c, member, "corrupt or truncated compressed data: %s",
				       archive_error_string(a));
			goto out;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		if ((ret = ratio_check(c, member, n, b.len)) < 0)
			goto out;
	}
	*out = *owned = b.p;
	*outlen = b.len;
	b.p = NULL;
out:
	archive_read_free(a);
	buf_free(&b);
	return ret;
}

struct lentry {
	struct img_ctx *c;
	struct tree *t;
	const char *member;
	struct archive *a;
	struct archive_entry *e;
	const char *path;
	char **comps;
	size_t n;
};

static int lent_fail(struct lentry *l, const char *fmt, const char *arg)
{
	char why[512];
	snprintf(why, sizeof(why), fmt, arg);
	if (strlen(l->path) > 200) /* keep the reason visible after a huge name */
		return img_fail(l->c, l->member, "%.200s...: %s", l->path, why);
	return img_fail(l->c, l->member, "%s: %s", l->path, why);
}

/* POSIX.1e ACLs in tar's text form (SCHILY.acl.*), kept on ino for tacl_finish. libarchive skips
   an ACL entry it cannot parse, saying so only in the archive's error string. */
static int lent_acls(struct lentry *l, struct tinode *ino)
{
	char why[200];
	const char *err = archive_error_string(l->a), *key = err ? strstr(err, "SCHILY.acl.") : NULL;
	if (key)
		return lent_fail(l, "%s: an entry that does not parse", key);
	if (archive_entry_acl_types(l->e) & ARCHIVE_ENTRY_ACL_TYPE_NFS4) {
		img_note(l->c, "unik convert: note: %s: dropped the NFSv4 ACL of %s (Linux files "
			 "have POSIX ACLs only)", l->member, l->path);
		tinode_drop_acls(ino);
		return 0;
	}
	if (tacl_read(l->e, ino, why, sizeof(why)) < 0)
		return lent_fail(l, "%s", why);
	return 0;
}

static int lent_meta(struct lentry *l, struct tinode *ino)
{
	int64_t uid = archive_entry_uid(l->e), gid = archive_entry_gid(l->e);
	if (uid < 0 || uid >= 0xffffffffll || gid < 0 || gid >= 0xffffffffll)
		return lent_fail(l, "uid/gid out of range%s", "");
	ino->uid = (uint32_t)uid;
	ino->gid = (uint32_t)gid;
	ino->mode = (ino->mode & S_IFMT) | (archive_entry_perm(l->e) & 07777);
	ino->mtime = archive_entry_mtime(l->e);
	ino->mtime_nsec = (uint32_t)archive_entry_mtime_nsec(l->e);
	struct txattr xs[XATTR_MAX_COUNT];
	const char *name;
	const void *val;
	size_t sz;
	uint32_t k = 0;
	archive_entry_xattr_reset(l->e);
	while (archive_entry_xattr_next(l->e, &name, &val, &sz) == ARCHIVE_OK) {
		if (k == XATTR_MAX_COUNT)
			return lent_fail(l, "too many xattrs (over %s)", "128");
		if (!*name || strlen(name) > 255 || sz > XATTR_MAX_VALUE)
			return lent_fail(l, "xattr name or value too long%s", "");
		uint32_t j = 0; /* SCHILY.xattr and LIBARCHIVE.xattr may both name it: last wins */
		while (j < k && strcmp(xs[j].name, name) != 0)
			j++;
		xs[j] = (struct txattr){ (char *)name, (uint8_t *)val, (uint32_t)sz };
		k += j == k;
	}
	tinode_set_xattrs(ino, xs, k);
	return lent_acls(l, ino);
}

static int lent_read_data(struct lentry *l, struct tinode *ino)
{
	struct img_ctx *c = l->c;
	int64_t sz = archive_entry_size_is_set(l->e) ? archive_entry_size(l->e) : 0;
	if (sz < 0 || (uint64_t)sz > c->lim.max_bytes - c->bytes || c->bytes > c->lim.max_bytes)
		return img_failc(c, -EFBIG, l->member, "%s: image content exceeds the limit of %llu "
				 "bytes (--max-size)", l->path, (unsigned long long)c->lim.max_bytes);
	ino->data = sz ? malloc((size_t)sz) : NULL;
	if (sz && !ino->data)
		return img_failc(c, -ENOMEM, l->member, "%s: out of memory", l->path);
	uint64_t got = 0;
	while (got < (uint64_t)sz) {
		la_ssize_t r = archive_read_data(l->a, ino->data + got, (size_t)(sz - got));
		if (r < 0)
			return img_fail(c, l->member, "%s: %s", l->path, archive_error_string(l->a));
		if (r == 0)
			return lent_fail(l, "truncated file data%s", "");
		got += (uint64_t)r;
	}
	ino->size = got;
	c->bytes += got;
	return 0;
}

/* Finds an existing inode for a hard link target, never following symlinks. */
static int lent_link_target(struct lentry *l, struct tinode **out)
{
	const char *tp = archive_entry_hardlink(l->e), *why;
	char **tc;
	size_t tn, where;
	int ret = 0;
	if ((why = path_split(tp, l->c->lim.max_depth, &tc, &tn)) != NULL)
		return lent_fail(l, "hard link target: %s", why);
	struct tinode *dir = tn ? tree_walk_dir(l->t, tc, tn - 1, 0, 0, &why, &where) : NULL;
	struct tdirent *de = dir ? tdir_lookup(dir, tc[tn - 1]) : NULL;
	if (!de)
		ret = lent_fail(l, "hard link target %s not found", tp);
	else if (de->ino->dir)
		ret = lent_fail(l, "hard link to a directory (%s)", tp);
	else
		*out = de->ino;
	path_free(tc, tn);
	return ret;
}

static int lent_whiteout(struct lentry *l, const char *base)
{
	const char *why;
	size_t where;
	int opq = strcmp(base, ".wh..wh..opq") == 0;
	if (!opq && strncmp(base, ".wh..wh.", 8) == 0)
		return 0; /* aufs bookkeeping (.wh..wh.plnk etc.): not content */
	const char *name = base + 4;
	if (!opq && (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		return lent_fail(l, "invalid whiteout name%s", "");
	struct tinode *dir = tree_walk_dir(l->t, l->comps, l->n - 1, opq, l->t->gen, &why, &where);
	if (!dir) {
		if (strcmp(why, "not found") == 0)
			return 0; /* nothing below to hide */
		return lent_fail(l, "whiteout: %s", why);
	}
	if (opq) {
		tree_opaque(dir, l->t->gen);
		return 0;
	}
	struct tdirent *de = tdir_lookup(dir, name);
	if (de)
		tree_whiteout(dir, de, l->t->gen);
	return 0;
}

static int lent_create(struct lentry *l, struct tinode *dir, const char *base)
{
	struct img_ctx *c = l->c;
	unsigned type = archive_entry_filetype(l->e);
	struct tdirent *old = tdir_lookup(dir, base);
	struct tinode *ino = NULL;
	int ret;
	if (archive_entry_hardlink(l->e)) {
		if ((ret = lent_link_target(l, &ino)) < 0)
			return ret;
		if (old && old->ino == ino)
			return 0;
		ino->nlink++; /* hold it while the old name goes: it may be the same file's last name */
		if (old)
			tdir_remove(dir, old);
		tdir_insert(dir, base, ino, l->t->gen);
		tinode_unref(ino);
		return 0;
	}
	if (type == AE_IFDIR && old && old->ino->dir) {
		old->gen = l->t->gen;
		return lent_meta(l, old->ino);
	}
	if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK) {
		const char *kind = type == AE_IFCHR ? "character device" : type == AE_IFBLK ?
				   "block device" : type == AE_IFIFO ? "FIFO" : "socket";
		img_note(c, "unik convert: note: %s: dropped %s %s (the guest's devfs provides /dev)",
			 l->member, kind, l->path);
		c->dropped++;
		if (old)
			tdir_remove(dir, old);
		return 0;
	}
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
		return lent_fail(l, "unsupported entry type%s", "");
	ino = tinode_new(type == AE_IFREG ? S_IFREG : type == AE_IFDIR ? S_IFDIR : S_IFLNK,
			 l->t->gen);
	if ((ret = lent_meta(l, ino)) < 0)
		goto fail;
	if (type == AE_IFLNK) {
		const char *tg = archive_entry_symlink(l->e);
		if (!tg || !*tg || strlen(tg) > 4095) {
			ret = lent_fail(l, "symlink target empty or too long%s", "");
			goto fail;
		}
		ino->target = xstrdup(tg);
	} else if (type == AE_IFREG && (ret = lent_read_data(l, ino)) < 0) {
		goto fail;
	}
	if (old)
		tdir_remove(dir, old);
	tdir_insert(dir, base, ino, l->t->gen);
	return 0;
fail:
	ino->nlink = 1;
	tinode_unref(ino);
	return ret;
}

static int lent_apply(struct lentry *l)
{
	const char *why;
	size_t where;
	if ((why = path_split(l->path, l->c->lim.max_depth, &l->comps, &l->n)) != NULL)
		return lent_fail(l, "%s", why);
	if (l->n == 0) { /* "./" : the root itself */
		if (archive_entry_filetype(l->e) != AE_IFDIR)
			return lent_fail(l, "the root can only be a directory%s", "");
		return lent_meta(l, l->t->root);
	}
	const char *base = l->comps[l->n - 1];
	if (strncmp(base, ".wh.", 4) == 0)
		return lent_whiteout(l, base);
	struct tinode *dir = tree_walk_dir(l->t, l->comps, l->n - 1, 1, l->t->gen, &why, &where);
	if (!dir)
		return lent_fail(l, "%s", why);
	return lent_create(l, dir, base);
}

int layer_apply(struct img_ctx *c, struct tree *t, const char *member, const uint8_t *tar, size_t n)
{
	if (tacl_prescan(c, member, tar, n) < 0)
		return -EINVAL;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int ret = 0;
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open_memory(a, tar, n) != ARCHIVE_OK) {
		ret = img_fail(c, member, "not a tar archive: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			ret = img_fail(c, member, "corrupt or truncated tar: %s", archive_error_string(a));
			goto out;
		}
		if (++c->entries > c->lim.max_entries) {
			ret = img_failc(c, -EFBIG, member, "more than %llu entries (--max-entries)",
					(unsigned long long)c->lim.max_entries);
			goto out;
		}
		struct lentry l = { c, t, member, a, e, archive_entry_pathname(e), NULL, 0 };
		if (!l.path) {
			ret = img_fail(c, member, "entry without a valid path name");
			goto out;
		}
		ret = lent_apply(&l);
		path_free(l.comps, l.n);
		if (ret < 0)
			goto out;
	}
out:
	archive_read_free(a);
	return ret;
}
