/* Image selection: docker-save manifest.json and OCI index/manifest parsing, digests verified. */
#include "image/manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OCI_MAX_DEPTH 4
#define OCI_MAX_CANDIDATES 256

char *manifest_normalize_ref(const char *ref)
{
	const char *slash = strchr(ref, '/');
	const char *last = strrchr(ref, '/');
	const char *base = last ? last + 1 : ref;
	int domain = slash && (memchr(ref, '.', (size_t)(slash - ref)) ||
			       memchr(ref, ':', (size_t)(slash - ref)) ||
			       ((size_t)(slash - ref) == 9 && strncmp(ref, "localhost", 9) == 0));
	int tagged = strchr(base, ':') || strchr(ref, '@');
	const char *prefix = !slash ? "docker.io/library/" : !domain ? "docker.io/" : "";
	char *out = xcalloc(strlen(prefix) + strlen(ref) + 8, 1);
	sprintf(out, "%s%s%s", prefix, ref, tagged ? "" : ":latest");
	return out;
}

static int ref_matches(const char *have, const char *want)
{
	if (strcmp(have, want) == 0)
		return 1;
	char *a = manifest_normalize_ref(have), *b = manifest_normalize_ref(want);
	int m = strcmp(a, b) == 0;
	free(a);
	free(b);
	return m;
}

static int blob_member(const char *hex, char out[96])
{
	snprintf(out, 96, "blobs/sha256/%s", hex);
	return 0;
}

int manifest_load_json(struct img_ctx *c, struct source *s, const char *member, const char *hex,
		       json_t **out)
{
	const uint8_t *p;
	size_t n;
	json_error_t je;
	int r = source_get(c, s, member, &p, &n);
	if (r == -ENOENT)
		return img_failc(c, -ENOENT, member, "missing from the archive");
	if (r < 0)
		return r;
	if (n > c->lim.max_json)
		return img_failc(c, -EFBIG, member, "JSON larger than %llu bytes",
				 (unsigned long long)c->lim.max_json);
	if (hex && *hex) {
		uint8_t d[32];
		char got[65];
		sha256(p, n, d);
		sha256_hex(d, got);
		if (strcmp(got, hex) != 0)
			return img_failc(c, -EBADMSG, member, "digest mismatch: expected sha256:%s, "
					 "content is sha256:%s", hex, got);
	}
	*out = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return img_fail(c, member, "malformed JSON at line %d column %d: %s", je.line,
				je.column, je.text);
	return 0;
}

/* "abc.json" / "blobs/sha256/abc" -> expected hex of the content, or "" if the name says nothing. */
static void hex_from_name(const char *name, char hex[65])
{
	char tmp[80];
	const char *b = strrchr(name, '/');
	b = b ? b + 1 : name;
	size_t len = strlen(b);
	hex[0] = 0;
	if (len == 69 && strcmp(b + 64, ".json") == 0) {
		snprintf(tmp, sizeof(tmp), "sha256:%.64s", b);
	} else if (len == 64 && strstr(name, "sha256/")) {
		snprintf(tmp, sizeof(tmp), "sha256:%s", b);
	} else {
		return;
	}
	if (digest_parse(tmp, hex) < 0)
		hex[0] = 0;
}

static int plan_diff_ids(struct img_ctx *c, const char *member, struct img_plan *p)
{
	json_t *rootfs = json_object_get(p->config, "rootfs");
	json_t *ids = rootfs ? json_object_get(rootfs, "diff_ids") : NULL;
	if (!json_is_array(ids))
		return img_fail(c, member, "config has no rootfs.diff_ids array");
	p->ndiff = json_array_size(ids);
	p->diff_ids = xcalloc(p->ndiff, sizeof(*p->diff_ids));
	for (size_t i = 0; i < p->ndiff; i++)
		if (digest_parse(json_string_value(json_array_get(ids, i)), p->diff_ids[i]) < 0)
			return img_fail(c, member, "rootfs.diff_ids[%zu]: not a sha256 digest", i);
	if (p->ndiff != p->nlayers)
		return img_fail(c, member, "%zu layers but %zu rootfs.diff_ids", p->nlayers, p->ndiff);
	return 0;
}

static int plan_config(struct img_ctx *c, struct source *s, const char *member, struct img_plan *p)
{
	int r = manifest_load_json(c, s, member, p->config_hex, &p->config);
	if (r < 0)
		return r;
	if (!json_is_object(p->config))
		return img_fail(c, member, "image config is not a JSON object");
	return plan_diff_ids(c, member, p);
}

static void list_refs(json_t *arr, struct buf *b)
{
	size_t i, j;
	json_t *e, *t;
	json_array_foreach(arr, i, e) {
		json_t *tags = json_object_get(e, "RepoTags");
		if (!json_array_size(tags))
			buf_put(b, " <untagged>", 11);
		json_array_foreach(tags, j, t) {
			if (json_is_string(t)) {
				buf_put(b, " ", 1);
				buf_put(b, json_string_value(t), strlen(json_string_value(t)));
			}
		}
	}
	buf_put(b, "", 1);
}

static json_t *docker_select(struct img_ctx *c, json_t *arr, const char *sel, char **ref)
{
	size_t i, j;
	json_t *e, *t;
	if (!sel && json_array_size(arr) == 1) {
		json_t *tags = json_object_get(json_array_get(arr, 0), "RepoTags");
		if (json_is_string(json_array_get(tags, 0)))
			*ref = xstrdup(json_string_value(json_array_get(tags, 0)));
		return json_array_get(arr, 0);
	}
	json_array_foreach(arr, i, e) {
		json_array_foreach(json_object_get(e, "RepoTags"), j, t) {
			if (sel && json_is_string(t) && ref_matches(json_string_value(t), sel)) {
				*ref = xstrdup(json_string_value(t));
				return e;
			}
		}
	}
	struct buf b = {0};
	list_refs(arr, &b);
	if (sel)
		img_failc(c, -ENOENT, "manifest.json", "no image named %s; images:%s", sel, b.p);
	else
		img_fail(c, "manifest.json", "%zu images in the archive: choose one with "
			 "ARCHIVE:NAME[:TAG]; images:%s", json_array_size(arr), b.p);
	buf_free(&b);
	return NULL;
}

static int docker_plan(struct img_ctx *c, struct source *s, const char *sel, struct img_plan *p)
{
	json_t *arr = NULL, *img, *layers;
	int r = manifest_load_json(c, s, "manifest.json", NULL, &arr);
	if (r < 0)
		return r;
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		r = img_fail(c, "manifest.json", "expected a non-empty array");
		goto out;
	}
	p->format = "docker-archive";
	if (!(img = docker_select(c, arr, sel, &p->ref))) {
		r = -ENOENT;
		goto out;
	}
	const char *cfg = json_string_value(json_object_get(img, "Config"));
	layers = json_object_get(img, "Layers");
	if (!cfg || !json_is_array(layers)) {
		r = img_fail(c, "manifest.json", "entry needs a Config string and a Layers array");
		goto out;
	}
	if (json_array_size(layers) > c->lim.max_layers) {
		r = img_failc(c, -EFBIG, "manifest.json", "more than %u layers", c->lim.max_layers);
		goto out;
	}
	p->nlayers = json_array_size(layers);
	p->layers = xcalloc(p->nlayers, sizeof(*p->layers));
	for (size_t i = 0; i < p->nlayers; i++) {
		const char *l = json_string_value(json_array_get(layers, i));
		if (!l) {
			r = img_fail(c, "manifest.json", "Layers[%zu] is not a string", i);
			goto out;
		}
		p->layers[i].member = xstrdup(l);
		hex_from_name(l, p->layers[i].blob_hex);
		if (strstr(l, ".tar")) /* <diffid>.tar / <id>/layer.tar name no blob digest */
			p->layers[i].blob_hex[0] = 0;
	}
	hex_from_name(cfg, p->config_hex);
	r = plan_config(c, s, cfg, p);
out:
	json_decref(arr);
	return r;
}

struct cand {
	char hex[65];
	char platform[96];          /* "os/arch[/variant]" or "" */
	char *refname;
};

struct oci_walk {
	struct img_ctx *c;
	struct source *s;
	struct cand v[OCI_MAX_CANDIDATES];
	size_t n;
};

static int is_index_type(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

static int oci_walk_index(struct oci_walk *w, json_t *index, const char *member, int depth,
			  const char *ref);

static int oci_walk_desc(struct oci_walk *w, json_t *d, const char *member, int depth,
			 const char *ref)
{
	char hex[65], bm[96];
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	json_t *ann = json_object_get(d, "annotations"), *plat = json_object_get(d, "platform");
	const char *rn = json_string_value(json_object_get(ann, "io.containerd.image.name"));
	if (!rn)
		rn = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
	if (!rn)
		rn = ref;
	if (digest_parse(json_string_value(json_object_get(d, "digest")), hex) < 0)
		return img_fail(w->c, member, "descriptor with a missing or invalid sha256 digest");
	blob_member(hex, bm);
	int present = source_has(w->c, w->s, bm);
	if (w->c->failed)
		return -EIO;
	if (present && (is_index_type(mt) || !mt)) {
		json_t *sub;
		int r = manifest_load_json(w->c, w->s, bm, hex, &sub);
		if (r < 0)
			return r;
		if (json_is_array(json_object_get(sub, "manifests"))) {
			r = oci_walk_index(w, sub, bm, depth + 1, rn);
			json_decref(sub);
			return r;
		}
		json_decref(sub);
	}
	if (w->n == OCI_MAX_CANDIDATES)
		return img_fail(w->c, member, "too many manifests");
	struct cand *cd = &w->v[w->n++];
	memcpy(cd->hex, hex, sizeof(hex));
	const char *os = json_string_value(json_object_get(plat, "os"));
	const char *ar = json_string_value(json_object_get(plat, "architecture"));
	const char *va = json_string_value(json_object_get(plat, "variant"));
	if (os && ar)
		snprintf(cd->platform, sizeof(cd->platform), "%s/%s%s%s", os, ar, va ? "/" : "",
			 va ? va : "");
	cd->refname = rn ? xstrdup(rn) : NULL;
	return 0;
}

static int oci_walk_index(struct oci_walk *w, json_t *index, const char *member, int depth,
			  const char *ref)
{
	json_t *ms = json_object_get(index, "manifests"), *d;
	size_t i;
	if (depth > OCI_MAX_DEPTH)
		return img_fail(w->c, member, "image indexes nested deeper than %d", OCI_MAX_DEPTH);
	if (!json_is_array(ms))
		return img_fail(w->c, member, "index has no manifests array");
	json_array_foreach(ms, i, d) {
		if (!json_is_object(d))
			return img_fail(w->c, member, "manifests[%zu] is not an object", i);
		int r = oci_walk_desc(w, d, member, depth, ref);
		if (r < 0)
			return r;
	}
	return 0;
}

static int is_amd64(const char *plat)
{
	return strncmp(plat, "linux/amd64", 11) == 0 && (!plat[11] || plat[11] == '/');
}

static struct cand *oci_choose(struct oci_walk *w, const char *sel)
{
	struct cand *nopl = NULL;
	size_t nnopl = 0, nsel = 0;
	struct buf b = {0};
	for (size_t i = 0; i < w->n; i++) {
		struct cand *cd = &w->v[i];
		if (sel && (!cd->refname || !ref_matches(cd->refname, sel)))
			continue;
		nsel++;
		if (is_amd64(cd->platform))
			return cd;
		if (!cd->platform[0]) {
			nopl = cd;
			nnopl++;
		}
	}
	if (nnopl == 1)
		return nopl;
	if (sel && nsel == 0) {
		img_failc(w->c, -ENOENT, "index.json", "no image named %s", sel);
		return NULL;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (sel && (!w->v[i].refname || !ref_matches(w->v[i].refname, sel)))
			continue;
		buf_put(&b, " ", 1);
		const char *pl = w->v[i].platform[0] ? w->v[i].platform : "(unspecified)";
		buf_put(&b, pl, strlen(pl));
	}
	buf_put(&b, "", 1);
	if (nnopl > 1 && !b.len)
		img_fail(w->c, "index.json", "several images: choose one with ARCHIVE:NAME[:TAG]");
	else
		img_failc(w->c, -ENOENT, "index.json", "no linux/amd64 image; platforms:%s", b.p);
	buf_free(&b);
	return NULL;
}

static int oci_manifest(struct img_ctx *c, struct source *s, struct cand *cd, struct img_plan *p)
{
	char bm[96];
	json_t *m = NULL, *layers;
	blob_member(cd->hex, bm);
	int r = manifest_load_json(c, s, bm, cd->hex, &m);
	if (r < 0)
		return r;
	layers = json_object_get(m, "layers");
	if (!json_is_array(layers) ||
	    digest_parse(json_string_value(json_object_get(json_object_get(m, "config"), "digest")),
			 p->config_hex) < 0) {
		r = img_fail(c, bm, "image manifest needs config.digest (sha256) and a layers array");
		goto out;
	}
	if (json_array_size(layers) > c->lim.max_layers) {
		r = img_failc(c, -EFBIG, bm, "more than %u layers", c->lim.max_layers);
		goto out;
	}
	p->nlayers = json_array_size(layers);
	p->layers = xcalloc(p->nlayers, sizeof(*p->layers));
	for (size_t i = 0; i < p->nlayers; i++) {
		const char *dg = json_string_value(json_object_get(json_array_get(layers, i), "digest"));
		if (digest_parse(dg, p->layers[i].blob_hex) < 0) {
			r = img_fail(c, bm, "layers[%zu]: missing or invalid sha256 digest", i);
			goto out;
		}
		blob_member(p->layers[i].blob_hex, bm);
		p->layers[i].member = xstrdup(bm);
		blob_member(cd->hex, bm);
	}
	blob_member(p->config_hex, bm);
	r = plan_config(c, s, bm, p);
out:
	json_decref(m);
	return r;
}

static int oci_plan(struct img_ctx *c, struct source *s, const char *sel, struct img_plan *p)
{
	json_t *index = NULL;
	struct oci_walk *w = xcalloc(1, sizeof(*w));
	int r = manifest_load_json(c, s, "index.json", NULL, &index);
	if (r < 0)
		goto out;
	w->c = c;
	w->s = s;
	p->format = "oci";
	if ((r = oci_walk_index(w, index, "index.json", 0, NULL)) < 0)
		goto out;
	struct cand *cd = oci_choose(w, sel);
	if (!cd) {
		r = -ENOENT;
		goto out;
	}
	p->ref = cd->refname ? xstrdup(cd->refname) : NULL;
	r = oci_manifest(c, s, cd, p);
out:
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].refname);
	free(w);
	json_decref(index);
	return r;
}

int manifest_plan(struct img_ctx *c, struct source *s, const char *selector, struct img_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (source_has(c, s, "manifest.json"))
		return docker_plan(c, s, selector, p);
	if (c->failed)
		return -EIO;
	if (source_has(c, s, "index.json"))
		return oci_plan(c, s, selector, p);
	if (c->failed)
		return -EIO;
	return img_fail(c, s->label, "not a container image: no manifest.json or index.json");
}

void manifest_plan_free(struct img_plan *p)
{
	for (size_t i = 0; i < p->nlayers; i++)
		free(p->layers[i].member);
	free(p->layers);
	free(p->diff_ids);
	free(p->ref);
	json_decref(p->config);
	memset(p, 0, sizeof(*p));
}
