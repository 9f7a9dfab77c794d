/* Test helpers for image/: in-memory tar writing, docker/OCI archive assembly, conversion calls. */
#include "tests/unit/test_image_util.h"
#include "image/convert.h"
#include "image/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tw {
	struct archive *a;
	uint8_t *buf;
	size_t cap, used;
};

struct tw *tw_new(void)
{
	struct tw *w = xcalloc(1, sizeof(*w));
	w->cap = 64 << 20;
	w->buf = xcalloc(w->cap, 1);
	w->a = archive_write_new();
	archive_write_set_format_pax_restricted(w->a);
	archive_write_set_bytes_in_last_block(w->a, 1);
	archive_write_open_memory(w->a, w->buf, w->cap, &w->used);
	return w;
}

static struct archive_entry *tw_entry(const char *path, unsigned type, unsigned mode)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	archive_entry_set_mtime(e, 1000000, 0);
	return e;
}

static void tw_put(struct tw *w, struct archive_entry *e, const void *p, size_t n)
{
	archive_write_header(w->a, e);
	if (n)
		archive_write_data(w->a, p, n);
	archive_entry_free(e);
}

void tw_file_bytes(struct tw *w, const char *path, unsigned mode, const void *p, size_t n)
{
	struct archive_entry *e = tw_entry(path, AE_IFREG, mode);
	archive_entry_set_size(e, (la_int64_t)n);
	tw_put(w, e, p, n);
}

void tw_file(struct tw *w, const char *path, unsigned mode, const char *content)
{
	tw_file_bytes(w, path, mode, content, strlen(content));
}

void tw_file_meta(struct tw *w, const char *path, unsigned mode, const char *content, int64_t uid,
		  int64_t gid, int64_t mtime, const char *xname, const char *xval)
{
	struct archive_entry *e = tw_entry(path, AE_IFREG, mode);
	archive_entry_set_size(e, (la_int64_t)strlen(content));
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	archive_entry_set_mtime(e, mtime, 0);
	if (xname)
		archive_entry_xattr_add_entry(e, xname, xval, strlen(xval));
	tw_put(w, e, content, strlen(content));
}

void tw_dir(struct tw *w, const char *path, unsigned mode)
{
	tw_put(w, tw_entry(path, AE_IFDIR, mode), NULL, 0);
}

void tw_symlink(struct tw *w, const char *path, const char *target)
{
	struct archive_entry *e = tw_entry(path, AE_IFLNK, 0777);
	archive_entry_set_symlink(e, target);
	tw_put(w, e, NULL, 0);
}

void tw_hardlink(struct tw *w, const char *path, const char *target)
{
	struct archive_entry *e = tw_entry(path, AE_IFREG, 0644);
	archive_entry_set_hardlink(e, target);
	archive_entry_set_size(e, 0);
	tw_put(w, e, NULL, 0);
}

void tw_special(struct tw *w, const char *path, unsigned type)
{
	struct archive_entry *e = tw_entry(path, type, 0644);
	archive_entry_set_rdev(e, 0x0103);
	tw_put(w, e, NULL, 0);
}

uint8_t *tw_finish(struct tw *w, size_t *len)
{
	archive_write_close(w->a);
	archive_write_free(w->a);
	uint8_t *out = xcalloc(w->used, 1);
	memcpy(out, w->buf, w->used);
	*len = w->used;
	free(w->buf);
	free(w);
	return out;
}

/* A ustar header block (uid, gid 0, mtime 1000000). */
static void tu_raw_header(struct buf *b, const char *name, char type, unsigned mode, size_t size,
			  const char *link)
{
	uint8_t h[512] = {0};
	unsigned sum = 0;
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 1000000);
	h[156] = (uint8_t)type;
	snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	buf_put(b, h, 512);
}

static void tu_raw_data(struct buf *b, const void *p, size_t n)
{
	buf_put(b, p, n);
	buf_zero(b, (512 - n % 512) % 512);
}

void tu_raw_entry(struct buf *b, const char *path, char type, unsigned mode, const char *content,
		  const struct tu_pax *pax)
{
	struct buf x = {0};
	for (; pax && pax->key; pax++) {
		size_t vl = pax->len ? pax->len : strlen(pax->val), n = strlen(pax->key) + vl + 3, d = 1;
		char num[24];
		while (snprintf(num, sizeof(num), "%zu", n + d) != (int)d) /* the length counts itself */
			d++;
		snprintf(num, sizeof(num), "%zu ", n + d);
		buf_put(&x, num, strlen(num));
		buf_put(&x, pax->key, strlen(pax->key));
		buf_put(&x, "=", 1);
		buf_put(&x, pax->val, vl);
		buf_put(&x, "\n", 1);
	}
	if (x.len) {
		char name[100];
		snprintf(name, sizeof(name), "PaxHeader/%.80s", path);
		tu_raw_header(b, name, 'x', 0644, x.len, "");
		tu_raw_data(b, x.p, x.len);
	}
	buf_free(&x);
	size_t n = type == '0' ? strlen(content) : 0;
	tu_raw_header(b, path, type, mode, n, type == '2' ? content : "");
	tu_raw_data(b, content, n);
}

uint8_t *tu_raw_finish(struct buf *b, size_t *len)
{
	buf_zero(b, 1024);
	*len = b->len;
	return b->p;
}

uint8_t *tu_compress(const char *filter, const uint8_t *p, size_t n, size_t *outlen)
{
	size_t cap = n * 2 + 65536, used = 0;
	uint8_t *buf = xcalloc(cap, 1);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	archive_write_set_format_raw(a);
	archive_write_add_filter_by_name(a, filter);
	archive_write_set_bytes_in_last_block(a, 1);
	archive_write_open_memory(a, buf, cap, &used);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_write_header(a, e);
	archive_write_data(a, p, n);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	*outlen = used;
	return buf;
}

void tu_sha256_hex(const void *p, size_t n, char hex[65])
{
	uint8_t d[32];
	sha256(p, n, d);
	sha256_hex(d, hex);
}

void tu_add(struct tu_archive *a, const char *name, const void *p, size_t n)
{
	struct tu_member *m = &a->m[a->n++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->data = xcalloc(n + 1, 1);
	memcpy(m->data, p, n);
	m->len = n;
}

void tu_add_symlink(struct tu_archive *a, const char *name, const char *target)
{
	struct tu_member *m = &a->m[a->n++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->symlink = target;
}

char *tu_write_archive(struct tu_archive *a, const char *filter)
{
	char *path = xstrdup("/tmp/unik-test-XXXXXX");
	int fd = mkstemp(path);
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	if (filter)
		archive_write_add_filter_by_name(w, filter);
	archive_write_open_fd(w, fd);
	for (int i = 0; i < a->n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, a->m[i].name);
		archive_entry_set_filetype(e, a->m[i].symlink ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, 0644);
		if (a->m[i].symlink)
			archive_entry_set_symlink(e, a->m[i].symlink);
		else
			archive_entry_set_size(e, (la_int64_t)a->m[i].len);
		archive_write_header(w, e);
		if (a->m[i].len)
			archive_write_data(w, a->m[i].data, a->m[i].len);
		archive_entry_free(e);
	}
	archive_write_close(w);
	archive_write_free(w);
	close(fd);
	return path;
}

void tu_archive_free(struct tu_archive *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->m[i].data);
	memset(a, 0, sizeof(*a));
}

/* {"architecture":"amd64","os":"linux","config":CONFIG,"rootfs":{"type":"layers","diff_ids":[..]}} */
static char *tu_config_json(uint8_t **layers, size_t *lens, int n, const char *config,
			    const char *compressed_filter)
{
	struct buf b = {0};
	char hex[65], tmp[128];
	const char *head = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":";
	buf_put(&b, head, strlen(head));
	buf_put(&b, config, strlen(config));
	buf_put(&b, ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[", 39);
	for (int i = 0; i < n; i++) {
		const uint8_t *tar;
		size_t tn;
		uint8_t *owned = NULL;
		struct img_ctx c;
		tu_ctx(&c);
		layer_decompress(&c, "t", layers[i], lens[i], &tar, &tn, &owned);
		tu_sha256_hex(tar, tn, hex);
		free(owned);
		snprintf(tmp, sizeof(tmp), "%s\"sha256:%s\"", i ? "," : "", hex);
		buf_put(&b, tmp, strlen(tmp));
	}
	buf_put(&b, "]}}", 4);
	(void)compressed_filter;
	return (char *)b.p;
}

void tu_docker_archive(struct tu_archive *a, uint8_t **layers, size_t *lens, int n,
		       const char *config, const char *tags)
{
	char *cfg = tu_config_json(layers, lens, n, config, NULL);
	char hex[65], name[128];
	struct buf m = {0};
	tu_sha256_hex(cfg, strlen(cfg), hex);
	snprintf(name, sizeof(name), "%s.json", hex);
	tu_add(a, name, cfg, strlen(cfg));
	buf_put(&m, "[{\"Config\":\"", 12);
	buf_put(&m, name, strlen(name));
	buf_put(&m, "\",\"RepoTags\":", 13);
	buf_put(&m, tags, strlen(tags));
	buf_put(&m, ",\"Layers\":[", 11);
	for (int i = 0; i < n; i++) {
		char ln[64];
		snprintf(ln, sizeof(ln), "l%d/layer.tar", i);
		tu_add(a, ln, layers[i], lens[i]);
		snprintf(ln, sizeof(ln), "%s\"l%d/layer.tar\"", i ? "," : "", i);
		buf_put(&m, ln, strlen(ln));
	}
	buf_put(&m, "]}]", 4);
	tu_add(a, "manifest.json", m.p, strlen((char *)m.p));
	buf_free(&m);
	free(cfg);
}

void tu_oci_archive(struct tu_archive *a, uint8_t **blobs, size_t *lens, int n, const char *config)
{
	char *cfg = tu_config_json(blobs, lens, n, config, NULL);
	char hex[65], name[128], tmp[256];
	struct buf m = {0};
	tu_sha256_hex(cfg, strlen(cfg), hex);
	snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	tu_add(a, name, cfg, strlen(cfg));
	snprintf(tmp, sizeof(tmp), "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:%s\"},"
		 "\"layers\":[", hex);
	buf_put(&m, tmp, strlen(tmp));
	for (int i = 0; i < n; i++) {
		tu_sha256_hex(blobs[i], lens[i], hex);
		snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
		tu_add(a, name, blobs[i], lens[i]);
		snprintf(tmp, sizeof(tmp), "%s{\"digest\":\"sha256:%s\",\"size\":%zu}", i ? "," : "",
			 hex, lens[i]);
		buf_put(&m, tmp, strlen(tmp));
	}
	buf_put(&m, "]}", 3);
	tu_sha256_hex(m.p, strlen((char *)m.p), hex);
	snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	tu_add(a, name, m.p, strlen((char *)m.p));
	snprintf(tmp, sizeof(tmp), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}", hex);
	tu_add(a, "index.json", tmp, strlen(tmp));
	tu_add(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	buf_free(&m);
	free(cfg);
}

int tu_convert(struct img_ctx *c, const char *path, const char *selector, char **artpath)
{
	return tu_convert_ov(c, path, selector, NULL, artpath);
}

int tu_convert_ov(struct img_ctx *c, const char *path, const char *selector,
		  const struct runcfg_overrides *ov, char **artpath)
{
	static const char kernel[] = "\177ELF test kernel";
	struct convert_req r;
	uint8_t *out = NULL;
	size_t len = 0;
	memset(&r, 0, sizeof(r));
	r.input = path;
	r.selector = selector;
	if (ov)
		r.ov = *ov;
	r.kernel = kernel;
	r.kernel_len = sizeof(kernel);
	r.level = 3;
	int ret = convert_image(c, &r, &out, &len, NULL);
	if (ret == 0 && artpath) {
		*artpath = xstrdup("/tmp/unik-test-art-XXXXXX");
		int fd = mkstemp(*artpath);
		if (write(fd, out, len) != (ssize_t)len)
			ret = -5;
		close(fd);
	}
	free(out);
	return ret;
}

int tu_apply(struct img_ctx *c, struct tree *t, const uint8_t *tar, size_t n)
{
	int r = layer_apply(c, t, "layer", tar, n);
	t->gen++;
	return r;
}

int tu_fx_setup(void **state)
{
	struct tu_fx *f = xcalloc(1, sizeof(*f));
	tu_ctx(&f->c);
	f->t = tree_new();
	*state = f;
	return 0;
}

int tu_fx_teardown(void **state)
{
	struct tu_fx *f = *state;
	tree_free(f->t);
	free(f);
	return 0;
}

int tu_fx_apply(struct tu_fx *f, uint8_t *tar, size_t n)
{
	int r = tu_apply(&f->c, f->t, tar, n);
	free(tar);
	return r;
}

struct tinode *tu_lookup(struct tree *t, const char *path)
{
	char **v;
	size_t n, where;
	const char *why;
	if (path_split(path, 1000, &v, &n))
		return NULL;
	if (n == 0) {
		path_free(v, n);
		return t->root;
	}
	struct tinode *d = tree_walk_dir(t, v, n - 1, 0, 0, &why, &where);
	struct tdirent *de = d ? tdir_lookup(d, v[n - 1]) : NULL;
	path_free(v, n);
	return de ? de->ino : NULL;
}

void tu_ctx(struct img_ctx *c)
{
	img_ctx_init(c);
	c->log = NULL;
}
