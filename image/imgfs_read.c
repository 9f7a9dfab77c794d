/* imgfs reader for the host: validated tables, binary-search lookup, in-image path resolution. */
#include "image/imgfs.h"

#include <errno.h>
#include <string.h>

static int range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

int imgfs_open(struct imgfs *fs, const void *p, size_t len, const char **why)
{
	const struct imgfs_header *h = p;
	memset(fs, 0, sizeof(*fs));
	if (len < sizeof(*h) || memcmp(h->magic, IMGFS_MAGIC, 8) != 0) {
		*why = "not an imgfs image (bad magic)";
		return -EINVAL;
	}
	if (h->version != IMGFS_VERSION || h->header_size != sizeof(*h)) {
		*why = "unsupported imgfs version";
		return -EINVAL;
	}
	if (h->image_size != len || h->inode_count == 0 || h->root_ino != IMGFS_ROOT_INO ||
	    h->inode_count > len / sizeof(struct imgfs_inode) ||
	    h->dirent_count > len / sizeof(struct imgfs_dirent) ||
	    h->xattr_count > len / sizeof(struct imgfs_xattr) ||
	    !range_ok(h->inode_off, (uint64_t)h->inode_count * sizeof(struct imgfs_inode), len) ||
	    !range_ok(h->dirent_off, h->dirent_count * sizeof(struct imgfs_dirent), len) ||
	    !range_ok(h->xattr_off, h->xattr_count * sizeof(struct imgfs_xattr), len) ||
	    !range_ok(h->strtab_off, h->strtab_size, len) || !range_ok(h->data_off, h->data_size, len) ||
	    h->data_off % IMGFS_PAGE_SIZE || h->inode_off % 8 || h->dirent_off % 8 ||
	    h->xattr_off % 8) {
		*why = "corrupt imgfs header (sizes or offsets out of range)";
		return -EINVAL;
	}
	fs->base = p;
	fs->len = len;
	fs->h = h;
	const struct imgfs_inode *root = imgfs_inode(fs, IMGFS_ROOT_INO);
	if (!root || (root->mode & IMGFS_S_IFMT) != IMGFS_S_IFDIR) {
		*why = "corrupt imgfs: root is not a directory";
		return -EINVAL;
	}
	return 0;
}

const struct imgfs_inode *imgfs_inode(const struct imgfs *fs, uint32_t ino)
{
	if (ino == 0 || ino > fs->h->inode_count)
		return NULL;
	const struct imgfs_inode *i =
		(const struct imgfs_inode *)(fs->base + fs->h->inode_off) + (ino - 1);
	switch (i->mode & IMGFS_S_IFMT) {
	case IMGFS_S_IFDIR:
		if (i->data > fs->h->dirent_count || i->size > fs->h->dirent_count - i->data)
			return NULL;
		break;
	case IMGFS_S_IFLNK:
		if (i->data < fs->h->strtab_off || !range_ok(i->data, i->size, fs->h->strtab_off +
							      fs->h->strtab_size))
			return NULL;
		break;
	case IMGFS_S_IFREG:
		if (i->size && (i->data < fs->h->data_off || i->data % IMGFS_PAGE_SIZE ||
				!range_ok(i->data, i->size, fs->len)))
			return NULL;
		break;
	default:
		return NULL;
	}
	if (i->xattr_first > fs->h->xattr_count || i->xattr_count > fs->h->xattr_count - i->xattr_first)
		return NULL;
	return i;
}

const struct imgfs_dirent *imgfs_dirent(const struct imgfs *fs, const struct imgfs_inode *d,
				       uint64_t i)
{
	if (i >= d->size)
		return NULL;
	return (const struct imgfs_dirent *)(fs->base + fs->h->dirent_off) + d->data + i;
}

const char *imgfs_str(const struct imgfs *fs, uint64_t off, uint64_t len)
{
	if (off < fs->h->strtab_off || !range_ok(off, len, fs->h->strtab_off + fs->h->strtab_size))
		return NULL;
	return (const char *)fs->base + off;
}

const uint8_t *imgfs_data(const struct imgfs *fs, const struct imgfs_inode *ino)
{
	if ((ino->mode & IMGFS_S_IFMT) != IMGFS_S_IFREG)
		return NULL;
	return ino->size ? fs->base + ino->data : (const uint8_t *)"";
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);
	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

uint32_t imgfs_lookup(const struct imgfs *fs, const struct imgfs_inode *d, const char *name,
		      size_t len)
{
	uint64_t lo = 0, hi = d->size;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct imgfs_dirent *de = imgfs_dirent(fs, d, mid);
		const char *nm = de ? imgfs_str(fs, de->name_off, de->name_len) : NULL;
		if (!nm)
			return 0;
		int r = name_cmp(name, len, nm, de->name_len);
		if (r == 0)
			return de->ino;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Walks path from ino cur; *budget counts symlink expansions. */
static int64_t resolve_from(const struct imgfs *fs, uint32_t cur, const char *path, int follow,
			    int *budget, int depth)
{
	const char *p = path;
	if (depth > 40)
		return -ELOOP;
	if (*p == '/')
		cur = IMGFS_ROOT_INO;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *next = p + len;
		int last = !*next || strspn(next, "/") == strlen(next);
		const struct imgfs_inode *d = imgfs_inode(fs, cur);
		if (!d)
			return -EIO;
		if ((d->mode & IMGFS_S_IFMT) != IMGFS_S_IFDIR)
			return -ENOTDIR;
		uint32_t child;
		if (len == 1 && p[0] == '.')
			child = cur;
		else if (len == 2 && p[0] == '.' && p[1] == '.')
			child = d->parent;
		else if (!(child = imgfs_lookup(fs, d, p, len)))
			return -ENOENT;
		const struct imgfs_inode *ci = imgfs_inode(fs, child);
		if (!ci)
			return -EIO;
		if ((ci->mode & IMGFS_S_IFMT) == IMGFS_S_IFLNK && (!last || follow)) {
			if (--*budget < 0)
				return -ELOOP;
			char tgt[IMGFS_SYMLINK_MAX + 1];
			const char *t = imgfs_str(fs, ci->data, ci->size);
			if (!t || ci->size > IMGFS_SYMLINK_MAX)
				return -EIO;
			memcpy(tgt, t, ci->size);
			tgt[ci->size] = 0;
			int64_t r = resolve_from(fs, cur, tgt, 1, budget, depth + 1);
			if (r < 0)
				return r;
			child = (uint32_t)r;
		}
		cur = child;
		p = next;
	}
	return cur;
}

int64_t imgfs_resolve(const struct imgfs *fs, const char *path, int follow)
{
	int budget = 40;
	return resolve_from(fs, IMGFS_ROOT_INO, path, follow, &budget, 0);
}
