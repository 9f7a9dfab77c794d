/* `unik inspect --ls`: an ls -l style recursive listing of the image, and file counts. */
#include "image/inspect.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#define LS_PATH_MAX 8192

struct ls {
	const struct imgfs *fs;
	int as_json, digests;
	json_t *arr;
	uint8_t *seen;              /* per inode: already counted (hard links) */
};

static void mode_string(uint32_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	uint32_t t = m & IMGFS_S_IFMT;
	out[0] = t == IMGFS_S_IFDIR ? 'd' : t == IMGFS_S_IFLNK ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		out[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & 04000)
		out[3] = (m & 0100) ? 's' : 'S';
	if (m & 02000)
		out[6] = (m & 0010) ? 's' : 'S';
	if (m & 01000)
		out[9] = (m & 0001) ? 't' : 'T';
	out[10] = 0;
}

/* Escapes bytes that would break one-entry-per-line output. */
static void put_escaped(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			printf("\\%03o", ch);
		else
			putchar(ch);
	}
}

static void ls_text(struct ls *l, const char *path, const struct imgfs_inode *i)
{
	char mode[11], tbuf[32], hex[65];
	struct tm tm;
	time_t t = (time_t)i->mtime_sec;
	mode_string(i->mode, mode);
	gmtime_r(&t, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	uint32_t type = i->mode & IMGFS_S_IFMT;
	printf("%s %3u %5u %5u %10llu ", mode, i->nlink, i->uid, i->gid,
	       (unsigned long long)(type == IMGFS_S_IFDIR ? 0 : i->size));
	if (l->digests) {
		uint8_t d[32];
		if (type == IMGFS_S_IFREG) {
			sha256(imgfs_data(l->fs, i), i->size, d);
			sha256_hex(d, hex);
		} else {
			strcpy(hex, "-");
		}
		printf("%s ", hex);
	}
	printf("%s ", tbuf);
	put_escaped(path, strlen(path));
	if (type == IMGFS_S_IFLNK) {
		const char *tg = imgfs_str(l->fs, i->data, i->size);
		printf(" -> ");
		if (tg)
			put_escaped(tg, i->size);
	}
	printf("\n");
}

static void ls_json(struct ls *l, const char *path, const struct imgfs_inode *i)
{
	json_t *o = json_object(), *xs = json_object();
	uint32_t type = i->mode & IMGFS_S_IFMT;
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "type", json_string(type == IMGFS_S_IFDIR ? "dir" :
						   type == IMGFS_S_IFLNK ? "symlink" : "file"));
	json_object_set_new(o, "mode", json_integer(i->mode & 07777));
	json_object_set_new(o, "nlink", json_integer(i->nlink));
	json_object_set_new(o, "uid", json_integer(i->uid));
	json_object_set_new(o, "gid", json_integer(i->gid));
	json_object_set_new(o, "size", json_integer((json_int_t)i->size));
	json_object_set_new(o, "mtime", json_integer(i->mtime_sec));
	if (type == IMGFS_S_IFLNK) {
		const char *tg = imgfs_str(l->fs, i->data, i->size);
		json_object_set_new(o, "target", tg ? json_stringn(tg, i->size) : json_null());
	}
	if (type == IMGFS_S_IFREG && l->digests) {
		uint8_t d[32];
		char hex[65];
		sha256(imgfs_data(l->fs, i), i->size, d);
		sha256_hex(d, hex);
		json_object_set_new(o, "sha256", json_string(hex));
	}
	const struct imgfs_xattr *xt = (const struct imgfs_xattr *)(l->fs->base + l->fs->h->xattr_off);
	for (uint32_t k = 0; k < i->xattr_count; k++) {
		const struct imgfs_xattr *x = &xt[i->xattr_first + k];
		const char *nm = imgfs_str(l->fs, x->name_off, x->name_len);
		const char *vl = imgfs_str(l->fs, x->value_off, x->value_len);
		if (nm && vl) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)x->name_len, nm);
			json_object_set_new(xs, name, json_integer(x->value_len));
		}
	}
	if (i->xattr_count)
		json_object_set_new(o, "xattr_sizes", xs);
	else
		json_decref(xs);
	json_array_append_new(l->arr, o);
}

static void ls_walk(struct ls *l, const char *path, uint32_t ino, int depth)
{
	const struct imgfs_inode *i = imgfs_inode(l->fs, ino);
	if (!i)
		return;
	if (l->as_json)
		ls_json(l, path, i);
	else
		ls_text(l, path, i);
	if ((i->mode & IMGFS_S_IFMT) != IMGFS_S_IFDIR || depth > 4096)
		return;
	for (uint64_t k = 0; k < i->size; k++) {
		const struct imgfs_dirent *de = imgfs_dirent(l->fs, i, k);
		const char *nm = de ? imgfs_str(l->fs, de->name_off, de->name_len) : NULL;
		char sub[LS_PATH_MAX];
		if (!nm || de->ino == ino)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%.*s", path, strcmp(path, "/") ? "/" : "",
			 (int)de->name_len, nm);
		ls_walk(l, sub, de->ino, depth + 1);
	}
}

int inspect_ls(const struct imgfs *fs, const char *path, int as_json, int digests)
{
	struct ls l = { fs, as_json, digests, NULL, NULL };
	char norm[LS_PATH_MAX];
	int64_t ino = imgfs_resolve(fs, path, 0);
	if (ino < 0) {
		fprintf(stderr, "unik inspect: %s: %s\n", path, strerror((int)-ino));
		return -ENOENT;
	}
	snprintf(norm, sizeof(norm), "%s%s", path[0] == '/' ? "" : "/", path);
	size_t n = strlen(norm);
	while (n > 1 && norm[n - 1] == '/')
		norm[--n] = 0;
	if (as_json)
		l.arr = json_array();
	ls_walk(&l, norm, (uint32_t)ino, 0);
	if (as_json) {
		json_dumpf(l.arr, stdout, JSON_INDENT(1));
		printf("\n");
		json_decref(l.arr);
	}
	return 0;
}

static void count_walk(const struct imgfs *fs, uint32_t ino, struct inspect_counts *k,
		       uint8_t *seen, int depth)
{
	const struct imgfs_inode *d = imgfs_inode(fs, ino);
	if (!d || depth > 4096)
		return;
	for (uint64_t i = 0; i < d->size; i++) {
		const struct imgfs_dirent *de = imgfs_dirent(fs, d, i);
		const struct imgfs_inode *c = de ? imgfs_inode(fs, de->ino) : NULL;
		if (!c || de->ino == ino)
			continue;
		k->entries++;
		uint32_t t = c->mode & IMGFS_S_IFMT;
		if (t == IMGFS_S_IFDIR) {
			k->dirs++;
			count_walk(fs, de->ino, k, seen, depth + 1);
		} else if (t == IMGFS_S_IFLNK) {
			k->symlinks++;
		} else if (seen[de->ino]) {
			k->hardlinks++;
		} else {
			seen[de->ino] = 1;
			k->files++;
			k->bytes += c->size;
		}
	}
}

void inspect_count(const struct imgfs *fs, struct inspect_counts *k)
{
	memset(k, 0, sizeof(*k));
	uint8_t *seen = xcalloc(fs->h->inode_count + 1, 1);
	count_walk(fs, IMGFS_ROOT_INO, k, seen, 0);
	free(seen);
}
