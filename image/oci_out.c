/* `unik convert --oci`: the artifact written as a one-layer OCI image whose tar is at once an OCI
 * image layout and a docker-save archive. */
#include "image/oci_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OCI_EPOCH "1970-01-01T00:00:00Z"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"

/* ---- tar members ----
 * A minimal ustar writer rather than libarchive's: every header field is fixed here, so the bytes
 * are reproducible by construction, and libarchive's writers would pull its xar writer (and
 * libxml2) into the static binary. */

#define TAR_BLOCK 512
#define TAR_MAX_SIZE 077777777777ull   /* 11 octal digits */

struct oci_member {
	char name[96];              /* < 100 bytes: no prefix field or pax record needed */
	int dir;
	unsigned perm;
	const void *p;
	size_t n;
};

/* Where a tar goes: memory (mem != NULL) or a file descriptor. */
struct tar_out {
	struct buf *mem;
	int fd;
};

static void member(struct oci_member *m, const char *name, int dir, unsigned perm, const void *p,
		   size_t n)
{
	snprintf(m->name, sizeof(m->name), "%s%s", name, dir ? "/" : "");
	m->dir = dir;
	m->perm = perm;
	m->p = p;
	m->n = n;
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct oci_member *)a)->name, ((const struct oci_member *)b)->name);
}

static int tar_emit(struct tar_out *o, const void *p, size_t n)
{
	if (o->mem)
		return buf_put(o->mem, p, n);
	for (size_t done = 0; done < n;) {
		ssize_t w = write(o->fd, (const uint8_t *)p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += (size_t)w;
	}
	return 0;
}

/* A ustar header: owner 0:0, mtime 0, no user or group names. */
static void tar_header(const struct oci_member *m, uint8_t h[TAR_BLOCK])
{
	unsigned sum = 0;
	memset(h, 0, TAR_BLOCK);
	memcpy(h, m->name, strlen(m->name));
	snprintf((char *)h + 100, 8, "%07o", m->perm);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)(m->dir ? 0 : m->n));
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = m->dir ? '5' : '0';
	memcpy(h + 257, "ustar\0" "00", 8);
	snprintf((char *)h + 329, 8, "%07o", 0);
	snprintf((char *)h + 337, 8, "%07o", 0);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);  /* six digits, NUL, and the space kept */
}

/* Writes m[0..n) sorted by name, then the end-of-archive blocks. */
static int tar_members(struct img_ctx *c, struct tar_out *o, const char *label,
		       struct oci_member *m, size_t n)
{
	static const uint8_t zero[2 * TAR_BLOCK];
	uint8_t h[TAR_BLOCK];
	int r = 0;
	qsort(m, n, sizeof(*m), member_cmp);
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t len = m[i].dir ? 0 : m[i].n;
		if ((unsigned long long)len > TAR_MAX_SIZE)
			return img_failc(c, -EFBIG, label, "%s: larger than a tar member can be (8 GiB)",
					 m[i].name);
		tar_header(&m[i], h);
		if ((r = tar_emit(o, h, TAR_BLOCK)) == 0 && (r = tar_emit(o, m[i].p, len)) == 0)
			r = tar_emit(o, zero, (TAR_BLOCK - len % TAR_BLOCK) % TAR_BLOCK);
	}
	if (r == 0)
		r = tar_emit(o, zero, sizeof(zero));
	if (r < 0)
		return img_failc(c, r, label, "cannot write: %s", strerror(-r));
	return 0;
}

/* The layer: the artifact at OCI_OUT_ARTIFACT_PATH and the mountpoints an engine expects. */
static int build_layer(struct img_ctx *c, const struct oci_out_req *r, struct buf *out)
{
	struct oci_member m[6];
	struct tar_out o = { out, -1 };
	member(&m[0], ".unik", 1, 0755, NULL, 0);
	member(&m[1], OCI_OUT_ARTIFACT_PATH + 1, 0, 0644, r->artifact, r->artifact_len);
	member(&m[2], "dev", 1, 0755, NULL, 0);
	member(&m[3], "etc", 1, 0755, NULL, 0);
	member(&m[4], "proc", 1, 0555, NULL, 0);
	member(&m[5], "tmp", 1, 01777, NULL, 0);
	return tar_members(c, &o, "layer", m, 6);
}

/* ---- JSON documents ---- */

struct oci_blob {
	char hex[65];
	char *text;                 /* JSON blobs: owned; NULL for the layer */
	const uint8_t *p;
	size_t n;
};

static void blob_set(struct oci_blob *b, const void *p, size_t n)
{
	uint8_t d[32];
	sha256(p, n, d);
	sha256_hex(d, b->hex);
	b->p = p;
	b->n = n;
}

/* Dumps o (stolen) canonically: sorted keys, no spaces; nl appends a newline as docker does. */
static char *json_text(json_t *o, int nl)
{
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT), *t;
	json_decref(o);
	if (!s)     /* only out of memory, where xcalloc aborts too */
		abort();
	t = xstrjoin(s, nl ? "\n" : "", "");
	free(s);
	return t;
}

static void blob_json(struct oci_blob *b, json_t *o)
{
	b->text = json_text(o, 0);
	blob_set(b, b->text, strlen(b->text));
}

static json_t *desc_json(const char *media_type, const struct oci_blob *b)
{
	char d[80];
	snprintf(d, sizeof(d), "sha256:%s", b->hex);
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", d,
			 "size", (json_int_t)b->n);
}

static void copy_nonempty(json_t *to, const char *key, json_t *v)
{
	if ((json_is_array(v) && json_array_size(v)) || (json_is_string(v) && *json_string_value(v)))
		json_object_set_new(to, key, json_deep_copy(v));
}

/* The user as the conversion resolved it: the layer has no /etc/passwd in which an engine could
 * look a name up (docker and umoci refuse a name they cannot find), ids need none. */
static json_t *user_ids(json_t *rc)
{
	char s[32];
	snprintf(s, sizeof(s), "%lld:%lld", (long long)json_integer_value(json_object_get(rc, "uid")),
		 (long long)json_integer_value(json_object_get(rc, "gid")));
	return json_string(s);
}

/* The image's "config": the artifact's run fields under docker's names, plus the label. */
static json_t *run_config(json_t *rc)
{
	json_t *o = json_object(), *ports = json_object(), *v;
	json_t *labels = json_deep_copy(json_object_get(rc, "labels"));
	size_t i;
	copy_nonempty(o, "Entrypoint", json_object_get(rc, "entrypoint"));
	copy_nonempty(o, "Cmd", json_object_get(rc, "cmd"));
	copy_nonempty(o, "Env", json_object_get(rc, "env"));
	copy_nonempty(o, "WorkingDir", json_object_get(rc, "workdir"));
	if (*json_string_value(json_object_get(rc, "user")))
		json_object_set_new(o, "User", user_ids(rc));
	copy_nonempty(o, "StopSignal", json_object_get(rc, "stop_signal"));
	json_array_foreach(json_object_get(rc, "exposed_ports"), i, v)
		if (json_is_string(v))
			json_object_set_new(ports, json_string_value(v), json_object());
	if (json_object_size(ports))
		json_object_set(o, "ExposedPorts", ports);
	json_decref(ports);
	if (!json_is_object(labels)) {
		json_decref(labels);
		labels = json_object();
	}
	json_object_set_new(labels, OCI_OUT_ARTIFACT_LABEL, json_string(OCI_OUT_ARTIFACT_PATH));
	json_object_set_new(o, "Labels", labels);
	return o;
}

static json_t *image_config(json_t *rc, const struct oci_blob *layer)
{
	char d[80];
	snprintf(d, sizeof(d), "sha256:%s", layer->hex);
	return json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:[s]}, s:[{s:s, s:s}]}",
			 "architecture", "amd64", "os", "linux", "created", OCI_EPOCH,
			 "config", run_config(rc), "rootfs", "type", "layers", "diff_ids", d,
			 "history", "created", OCI_EPOCH, "created_by", "unik convert --oci");
}

/* Everything the archive holds besides the fixed oci-layout file. */
struct oci_docs {
	struct oci_blob layer, config, manifest;
	char *index;                /* index.json */
	char *docker_manifest;      /* manifest.json */
	char *repositories;
};

static json_t *index_json(const struct oci_ref *ref, const struct oci_blob *manifest)
{
	json_t *desc = desc_json(MT_MANIFEST, manifest);
	char *name = xstrjoin(ref->full, ":", ref->tag);
	json_object_set_new(desc, "platform", json_pack("{s:s, s:s}", "architecture", "amd64",
							"os", "linux"));
	json_object_set_new(desc, "annotations", json_pack("{s:s, s:s}", "io.containerd.image.name",
							   name, "org.opencontainers.image.ref.name",
							   ref->tag));
	free(name);
	return json_pack("{s:i, s:s, s:[o]}", "schemaVersion", 2, "mediaType", MT_INDEX,
			 "manifests", desc);
}

static json_t *docker_manifest_json(const struct oci_ref *ref, const struct oci_docs *d)
{
	char cfg[96], layer[96];
	char *tag = xstrjoin(ref->familiar, ":", ref->tag);
	snprintf(cfg, sizeof(cfg), "blobs/sha256/%s", d->config.hex);
	snprintf(layer, sizeof(layer), "blobs/sha256/%s", d->layer.hex);
	json_t *o = json_pack("[{s:s, s:[s], s:[s]}]", "Config", cfg, "RepoTags", tag,
			      "Layers", layer);
	free(tag);
	return o;
}

static void build_docs(const struct oci_out_req *r, const struct buf *layer, struct oci_docs *d)
{
	blob_set(&d->layer, layer->p, layer->len);
	blob_json(&d->config, image_config(r->config, &d->layer));
	blob_json(&d->manifest, json_pack("{s:i, s:s, s:o, s:[o]}", "schemaVersion", 2,
					  "mediaType", MT_MANIFEST,
					  "config", desc_json(MT_CONFIG, &d->config),
					  "layers", desc_json(MT_LAYER, &d->layer)));
	d->index = json_text(index_json(r->ref, &d->manifest), 0);
	d->docker_manifest = json_text(docker_manifest_json(r->ref, d), 1);
	/* docker's legacy file: name -> tag -> id of the top layer */
	d->repositories = json_text(json_pack("{s:{s:s}}", r->ref->familiar, r->ref->tag,
					      d->layer.hex), 1);
}

static void free_docs(struct oci_docs *d)
{
	free(d->config.text);
	free(d->manifest.text);
	free(d->index);
	free(d->docker_manifest);
	free(d->repositories);
}

static void blob_member(struct oci_member *m, const struct oci_blob *b)
{
	char name[96];
	snprintf(name, sizeof(name), "blobs/sha256/%s", b->hex);
	member(m, name, 0, 0644, b->p, b->n);
}

static int write_archive(struct img_ctx *c, int fd, const char *path, const struct oci_docs *d)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	struct oci_member m[9];
	struct tar_out o = { NULL, fd };
	member(&m[0], "blobs", 1, 0755, NULL, 0);
	member(&m[1], "blobs/sha256", 1, 0755, NULL, 0);
	blob_member(&m[2], &d->layer);
	blob_member(&m[3], &d->config);
	blob_member(&m[4], &d->manifest);
	member(&m[5], "index.json", 0, 0644, d->index, strlen(d->index));
	member(&m[6], "manifest.json", 0, 0644, d->docker_manifest, strlen(d->docker_manifest));
	member(&m[7], "oci-layout", 0, 0644, layout, strlen(layout));
	member(&m[8], "repositories", 0, 0644, d->repositories, strlen(d->repositories));
	return tar_members(c, &o, path, m, 9);
}

/* ---- the atomic write ---- */

static int tmp_create(struct img_ctx *c, const char *path, char *tmp, size_t len)
{
	if (snprintf(tmp, len, "%s.tmp.XXXXXX", path) >= (int)len)
		return img_failc(c, -ENAMETOOLONG, path, "path too long");
	int fd = mkstemp(tmp);
	if (fd < 0)
		return img_failc(c, -errno, path, "cannot create a temporary file beside it: %s",
				 strerror(errno));
	return fd;
}

/* Gives the temporary file the mode of a new file, flushes it and renames it over path. */
static int tmp_commit(struct img_ctx *c, int fd, const char *tmp, const char *path)
{
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fd, 0644 & ~um) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		return img_failc(c, -e, path, "%s", strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		return img_failc(c, -errno, path, "%s", strerror(errno));
	return 0;
}

int oci_out_write(struct img_ctx *c, const struct oci_out_req *r, const char *path)
{
	struct buf layer = {0};
	struct oci_docs d;
	char tmp[4200];
	int fd, ret;
	memset(&d, 0, sizeof(d));
	if ((ret = build_layer(c, r, &layer)) < 0)
		goto out;
	build_docs(r, &layer, &d);
	if ((fd = ret = tmp_create(c, path, tmp, sizeof(tmp))) < 0)
		goto out;
	if ((ret = write_archive(c, fd, path, &d)) < 0)
		close(fd);
	else
		ret = tmp_commit(c, fd, tmp, path);
	if (ret < 0)
		unlink(tmp);
out:
	free_docs(&d);
	buf_free(&layer);
	return ret;
}
