/* Image sources: members of an outer tar held in memory, or files of an OCI layout directory. */
#include "image/source.h"
#include "image/tree.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SRC_MAX_LINKS 16

/* Cleans name (relative to base_dir, which may be NULL) into "a/b/c"; NULL if it escapes. */
static char *src_clean(const char *base_dir, const char *name)
{
	char **v;
	size_t n;
	struct buf b = {0};
	char *joined;
	if (base_dir && name[0] != '/') {
		joined = xcalloc(strlen(base_dir) + strlen(name) + 2, 1);
		sprintf(joined, "%s/%s", base_dir, name);
	} else {
		joined = xstrdup(name);
	}
	const char *why = path_split(joined, 4096, &v, &n);
	free(joined);
	if (why)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_put(&b, "/", 1);
		buf_put(&b, v[i], strlen(v[i]));
	}
	buf_put(&b, "", 1);
	path_free(v, n);
	return (char *)b.p;
}

static struct src_member *src_add(struct source *s)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 32;
		struct src_member *nm = xcalloc(nc, sizeof(*nm));
		if (s->n)
			memcpy(nm, s->m, s->n * sizeof(*nm));
		free(s->m);
		s->m = nm;
		s->cap = nc;
	}
	return &s->m[s->n++];
}

static int src_read_entry(struct img_ctx *c, struct archive *a, struct archive_entry *e,
			  struct src_member *m, uint64_t *total)
{
	struct buf b = {0};
	for (;;) {
		if (buf_reserve(&b, 1 << 16))
			return img_failc(c, -ENOMEM, m->name, "out of memory");
		la_ssize_t r = archive_read_data(a, b.p + b.len, b.cap - b.len);
		if (r < 0) {
			buf_free(&b);
			return img_fail(c, m->name, "corrupt or truncated archive: %s",
					archive_error_string(a));
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		*total += (uint64_t)r;
		if (*total > c->lim.max_bytes) {
			buf_free(&b);
			return img_failc(c, -EFBIG, m->name, "archive content exceeds the limit of %llu "
					 "bytes (--max-size)", (unsigned long long)c->lim.max_bytes);
		}
	}
	(void)e;
	m->data = b.p;
	m->len = b.len;
	return 0;
}

static int src_entry(struct img_ctx *c, struct source *s, struct archive *a,
		     struct archive_entry *e, uint64_t *total)
{
	const char *name = archive_entry_pathname(e);
	char *clean = name ? src_clean(NULL, name) : NULL;
	if (!clean || !*clean) { /* unreachable by our lookups: skip without reading */
		free(clean);
		return 0;
	}
	const char *hl = archive_entry_hardlink(e);
	unsigned type = archive_entry_filetype(e);
	if (!hl && type != AE_IFREG && type != AE_IFLNK) {
		free(clean);
		return 0;
	}
	if (s->n >= c->lim.max_entries) {
		free(clean);
		return img_failc(c, -EFBIG, s->label, "more than %llu archive members (--max-entries)",
				 (unsigned long long)c->lim.max_entries);
	}
	struct src_member *m = src_add(s);
	m->name = clean;
	if (hl) {
		m->link = src_clean(NULL, hl);
		if (!m->link)
			m->link = xstrdup(""); /* escapes the archive: resolves to nothing */
		return 0;
	}
	if (type == AE_IFLNK) {
		char *dir = xstrdup(clean), *sl = strrchr(dir, '/');
		if (sl)
			*sl = 0;
		const char *tg = archive_entry_symlink(e);
		m->link = src_clean(sl ? dir : NULL, tg ? tg : "");
		if (!m->link)
			m->link = xstrdup("");
		free(dir);
		return 0;
	}
	return src_read_entry(c, a, e, m, total);
}

int source_open_archive(struct img_ctx *c, const char *path, struct source *s)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint64_t total = 0;
	int ret = 0, r;
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	s->label = strcmp(path, "-") == 0 ? "<stdin>" : path;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	r = strcmp(path, "-") == 0 ? archive_read_open_fd(a, 0, 1 << 16)
				   : archive_read_open_filename(a, path, 1 << 16);
	if (r != ARCHIVE_OK) {
		ret = img_fail(c, s->label, "cannot read archive: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			ret = img_fail(c, s->label, "corrupt or truncated archive: %s",
				       archive_error_string(a));
			goto out;
		}
		if ((ret = src_entry(c, s, a, e, &total)) < 0)
			goto out;
	}
	if (s->n == 0)
		ret = img_fail(c, s->label, "empty archive: not a container image");
out:
	archive_read_free(a);
	return ret;
}

int source_open_dir(struct img_ctx *c, const char *dir, struct source *s)
{
	memset(s, 0, sizeof(*s));
	s->label = dir;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return img_failc(c, -errno, dir, "cannot open directory: %s", strerror(errno));
	return 0;
}

/* Reads one file of a layout directory, refusing symlinks at every component. */
static int src_read_dir_file(struct img_ctx *c, struct source *s, const char *name)
{
	char **v;
	size_t n;
	int fd = dup(s->dirfd), ret = 0;
	if (path_split(name, 64, &v, &n) || n == 0) {
		close(fd);
		return -ENOENT;
	}
	for (size_t i = 0; i < n && fd >= 0; i++) {
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (i + 1 < n ? O_DIRECTORY : 0);
		int nfd = openat(fd, v[i], flags);
		close(fd);
		fd = nfd;
	}
	path_free(v, n);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	if ((uint64_t)st.st_size > c->lim.max_bytes) {
		close(fd);
		return img_failc(c, -EFBIG, name, "file exceeds the limit of %llu bytes (--max-size)",
				 (unsigned long long)c->lim.max_bytes);
	}
	struct src_member *m = src_add(s);
	m->name = xstrdup(name);
	m->data = malloc(st.st_size ? (size_t)st.st_size : 1);
	size_t got = 0;
	while (m->data && got < (size_t)st.st_size) {
		ssize_t r = read(fd, m->data + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (!m->data || got != (size_t)st.st_size)
		ret = img_failc(c, -EIO, name, "cannot read file");
	m->len = got;
	close(fd);
	return ret;
}

int source_get(struct img_ctx *c, struct source *s, const char *name, const uint8_t **p, size_t *n)
{
	char *cur = src_clean(NULL, name);
	int ret = -ENOENT;
	for (int hops = 0; cur && hops <= SRC_MAX_LINKS; hops++) {
		struct src_member *m = NULL;
		for (size_t i = 0; i < s->n; i++)
			if (strcmp(s->m[i].name, cur) == 0)
				m = &s->m[i];
		if (!m && s->dirfd >= 0) {
			if ((ret = src_read_dir_file(c, s, cur)) < 0)
				break;
			m = &s->m[s->n - 1];
		}
		if (!m) {
			ret = -ENOENT;
			break;
		}
		if (!m->link) {
			*p = m->data;
			*n = m->len;
			ret = 0;
			break;
		}
		free(cur);
		cur = xstrdup(m->link);
		ret = -ELOOP;
	}
	if (ret == -ELOOP)
		ret = img_failc(c, -ELOOP, name, "too many levels of symbolic links in the archive");
	free(cur);
	return ret;
}

int source_has(struct img_ctx *c, struct source *s, const char *name)
{
	const uint8_t *p;
	size_t n;
	return source_get(c, s, name, &p, &n) == 0;
}

void source_free(struct source *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].name);
		free(s->m[i].data);
		free(s->m[i].link);
	}
	free(s->m);
	if (s->dirfd >= 0)
		close(s->dirfd);
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
}
