/* --rootfs DIR: reads a host directory tree into the in-memory tree (symlinks never followed). */
#include "image/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

struct hl {
	dev_t dev;
	ino_t ino;
	struct tinode *t;
};

struct rf {
	struct img_ctx *c;
	struct tree *t;
	struct hl *links;
	size_t nlinks, caplinks;
};

static void rf_meta(struct tinode *ti, const struct stat *st)
{
	ti->mode = (ti->mode & S_IFMT) | (st->st_mode & 07777);
	ti->uid = st->st_uid;
	ti->gid = st->st_gid;
	ti->mtime = st->st_mtim.tv_sec;
	ti->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

/* system.* names are the host kernel's, not attributes; its ACLs are kept, as the guest's
   tmpfs takes them as a layer tarball's (vfs/acl.c). */
static bool rf_xattr_kept(const char *name)
{
	return strncmp(name, "system.", 7) != 0 || !strcmp(name, "system.posix_acl_access") ||
	       !strcmp(name, "system.posix_acl_default");
}

static void rf_xattrs(int fd, struct tinode *ti)
{
	char names[4096], val[4096];
	struct txattr xs[64];
	uint32_t k = 0;
	ssize_t n = flistxattr(fd, names, sizeof(names));
	for (ssize_t off = 0; off < n && k < 64; off += (ssize_t)strlen(names + off) + 1) {
		ssize_t vl = fgetxattr(fd, names + off, val, sizeof(val));
		if (vl < 0 || !rf_xattr_kept(names + off))
			continue;
		xs[k].name = names + off;
		xs[k].value = (uint8_t *)xcalloc((size_t)vl + 1, 1);
		memcpy(xs[k].value, val, (size_t)vl);
		xs[k++].len = (uint32_t)vl;
	}
	tinode_set_xattrs(ti, xs, k);
	for (uint32_t i = 0; i < k; i++)
		free(xs[i].value);
}

static int rf_file(struct rf *r, int fd, const char *path, const struct stat *st, struct tinode *ti)
{
	struct img_ctx *c = r->c;
	if ((uint64_t)st->st_size > c->lim.max_bytes - c->bytes)
		return img_failc(c, -EFBIG, path, "content exceeds the limit of %llu bytes (--max-size)",
				 (unsigned long long)c->lim.max_bytes);
	ti->data = st->st_size ? malloc((size_t)st->st_size) : NULL;
	size_t got = 0;
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, ti->data + got, (size_t)st->st_size - got);
		if (n <= 0)
			return img_failc(c, -EIO, path, "read failed or file changed while reading");
		got += (size_t)n;
	}
	ti->size = got;
	c->bytes += got;
	return 0;
}

static int rf_dir(struct rf *r, int dfd, struct tinode *dir, const char *path, uint32_t depth);

static int rf_entry(struct rf *r, int dfd, struct tinode *dir, const char *name, const char *path,
		    uint32_t depth)
{
	struct img_ctx *c = r->c;
	struct stat st;
	if (++c->entries > c->lim.max_entries)
		return img_failc(c, -EFBIG, path, "more than %llu entries (--max-entries)",
				 (unsigned long long)c->lim.max_entries);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return img_failc(c, -errno, path, "%s", strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		char tg[4096];
		ssize_t n = readlinkat(dfd, name, tg, sizeof(tg) - 1);
		if (n <= 0)
			return img_failc(c, -EIO, path, "cannot read symlink");
		tg[n] = 0;
		struct tinode *ti = tinode_new(S_IFLNK, 1);
		rf_meta(ti, &st);
		ti->target = xstrdup(tg);
		tdir_insert(dir, name, ti, 1);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		img_note(c, "unik convert: note: %s: dropped special file (the guest's devfs provides /dev)",
			 path);
		c->dropped++;
		return 0;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		for (size_t i = 0; i < r->nlinks; i++)
			if (r->links[i].dev == st.st_dev && r->links[i].ino == st.st_ino) {
				tdir_insert(dir, name, r->links[i].t, 1);
				return 0;
			}
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			(S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return img_failc(c, -errno, path, "%s", strerror(errno));
	struct tinode *ti = tinode_new(S_ISDIR(st.st_mode) ? S_IFDIR : S_IFREG, 1);
	rf_meta(ti, &st);
	rf_xattrs(fd, ti);
	tdir_insert(dir, name, ti, 1);
	int ret = S_ISDIR(st.st_mode) ? rf_dir(r, fd, ti, path, depth + 1) : rf_file(r, fd, path, &st, ti);
	if (ret == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		if (r->nlinks == r->caplinks) {
			r->caplinks = r->caplinks ? r->caplinks * 2 : 64;
			struct hl *n = xcalloc(r->caplinks, sizeof(*n));
			if (r->nlinks)
				memcpy(n, r->links, r->nlinks * sizeof(*n));
			free(r->links);
			r->links = n;
		}
		r->links[r->nlinks++] = (struct hl){ st.st_dev, st.st_ino, ti };
	}
	if (!S_ISDIR(st.st_mode))
		close(fd);
	return ret;
}

/* Takes ownership of dfd. */
static int rf_dir(struct rf *r, int dfd, struct tinode *dir, const char *path, uint32_t depth)
{
	if (depth > r->c->lim.max_depth) {
		close(dfd);
		return img_failc(r->c, -EFBIG, path, "path too deep (limit exceeded: --max-depth)");
	}
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int ret = 0;
	if (!d) {
		close(dfd);
		return img_failc(r->c, -errno, path, "%s", strerror(errno));
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = xcalloc(strlen(path) + strlen(de->d_name) + 2, 1);
		sprintf(sub, "%s/%s", path, de->d_name);
		ret = rf_entry(r, dirfd(d), dir, de->d_name, sub, depth);
		free(sub);
	}
	closedir(d);
	return ret;
}

int rootfs_load(struct img_ctx *c, const char *dir, struct tree *t)
{
	struct rf r = { .c = c, .t = t };
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return img_failc(c, -errno, dir, "cannot open directory: %s", strerror(errno));
	if (fstat(fd, &st) == 0)
		rf_meta(t->root, &st);
	int ret = rf_dir(&r, fd, t->root, dir, 0);
	free(r.links);
	return ret;
}
