/* Conversion pipeline: read the image, apply verified layers, build imgfs, config, check, artifact. */
#include "image/convert.h"
#include "image/artifact.h"
#include "image/check.h"
#include "image/imgfs.h"
#include "image/layer.h"
#include "image/manifest.h"
#include "image/rootfs.h"
#include "image/tacl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int convert_split_input(const char *arg, char **path, char **sel)
{
	struct stat st;
	*sel = NULL;
	if (strcmp(arg, "-") == 0 || stat(arg, &st) == 0) {
		*path = xstrdup(arg);
		return 0;
	}
	for (const char *p = strchr(arg, ':'); p; p = strchr(p + 1, ':')) {
		char *prefix = xstrndup(arg, (size_t)(p - arg));
		if (stat(prefix, &st) == 0 && p[1]) {
			*path = prefix;
			*sel = xstrdup(p + 1);
			return 0;
		}
		free(prefix);
	}
	return -ENOENT;
}

static void progress(struct img_ctx *c, size_t i, size_t n, const char *what)
{
	if (!c->progress)
		return;
	fprintf(stderr, "\runik convert: layer %zu/%zu %-10s %8.1f MB, %llu entries", i, n, what,
		(double)c->bytes / 1e6, (unsigned long long)c->entries);
	if (i == n && strcmp(what, "done") == 0)
		fputc('\n', stderr);
	fflush(stderr);
}

static int verify(struct img_ctx *c, const char *member, const uint8_t *p, size_t n,
		  const char *hex, const char *what)
{
	uint8_t d[32];
	char got[65];
	if (!hex || !*hex)
		return 0;
	sha256(p, n, d);
	sha256_hex(d, got);
	if (strcmp(got, hex) != 0)
		return img_failc(c, -EBADMSG, member, "%s digest mismatch: expected sha256:%s, "
				 "content is sha256:%s", what, hex, got);
	return 0;
}

static int apply_layers(struct img_ctx *c, struct source *s, struct img_plan *p, struct tree *t)
{
	for (size_t i = 0; i < p->nlayers; i++) {
		const uint8_t *blob, *tar;
		size_t n, tn;
		uint8_t *owned = NULL;
		const char *m = p->layers[i].member;
		int r = source_get(c, s, m, &blob, &n);
		if (r == -ENOENT)
			return img_failc(c, -ENOENT, m, "layer missing from the archive");
		if (r < 0)
			return r;
		progress(c, i, p->nlayers, layer_compression(blob, n));
		if ((r = verify(c, m, blob, n, p->layers[i].blob_hex, "blob")) < 0 ||
		    (r = layer_decompress(c, m, blob, n, &tar, &tn, &owned)) < 0)
			return r;
		if ((r = verify(c, m, tar, tn, p->diff_ids[i], "layer (diff_id)")) == 0)
			r = layer_apply(c, t, m, tar, tn);
		free(owned);
		if (r < 0)
			return r;
		t->gen++;
	}
	progress(c, p->nlayers, p->nlayers, "done");
	return 0;
}

static json_t *image_json(struct img_plan *p)
{
	json_t *o = json_object(), *layers = json_array(), *diffs = json_array();
	char d[80];
	json_object_set_new(o, "ref", p->ref ? json_string(p->ref) : json_null());
	json_object_set_new(o, "format", json_string(p->format ? p->format : "rootfs"));
	snprintf(d, sizeof(d), "sha256:%s", p->config_hex);
	json_object_set_new(o, "config_digest", p->config_hex[0] ? json_string(d) : json_null());
	for (size_t i = 0; i < p->ndiff; i++) {
		snprintf(d, sizeof(d), "sha256:%s", p->diff_ids[i]);
		json_array_append_new(diffs, json_string(d));
	}
	for (size_t i = 0; i < p->nlayers; i++)
		json_array_append_new(layers, json_string(p->layers[i].member));
	json_object_set_new(o, "layers", layers);
	json_object_set_new(o, "diff_ids", diffs);
	return o;
}

static int read_image(struct img_ctx *c, const struct convert_req *r, struct img_plan *p,
		      struct tree *t, struct unik_runcfg *rc)
{
	struct source s;
	struct stat st;
	int ret;
	if (strcmp(r->input, "-") != 0 && stat(r->input, &st) == 0 && S_ISDIR(st.st_mode))
		ret = source_open_dir(c, r->input, &s);
	else
		ret = source_open_archive(c, r->input, &s);
	if (ret < 0) {
		source_free(&s);
		return ret;
	}
	if ((ret = manifest_plan(c, &s, r->selector, p)) < 0 || (ret = apply_layers(c, &s, p, t)) < 0 ||
	    (ret = tacl_finish(c, t)) < 0)
		goto out;
	const char *arch = json_string_value(json_object_get(p->config, "architecture"));
	if (arch && strcmp(arch, "amd64") != 0)
		img_note(c, "unik convert: warning: the image is built for %s, not amd64", arch);
	ret = runcfg_from_image(c, "config", p->config, rc);
out:
	source_free(&s);
	return ret;
}

/* Creates the working directory in the tree when missing (docker creates it at start). */
static void ensure_workdir(struct img_ctx *c, struct tree *t, const char *wd)
{
	char **v;
	size_t n, where;
	const char *why;
	if (path_split(wd, c->lim.max_depth, &v, &n))
		return;
	if (!tree_walk_dir(t, v, n, 1, t->gen, &why, &where) && strcmp(why, "parent is a symlink "
								      "(not followed)") != 0)
		img_note(c, "unik convert: warning: WorkingDir %s: %s", wd, why);
	path_free(v, n);
}

static void print_report(struct img_ctx *c, const struct unik_runcfg *rc, json_t *rep)
{
	struct buf b = {0};
	for (size_t i = 0; i < rc->n_argv; i++) {
		buf_put(&b, i ? " " : "", i ? 1 : 0);
		buf_put(&b, rc->argv[i], strlen(rc->argv[i]));
	}
	buf_put(&b, "", 1);
	img_note(c, "unik convert: command: %s", (char *)b.p);
	const char *path = json_string_value(json_object_get(rep, "path"));
	if (path && *path)
		img_note(c, "unik convert: %s: %s", path,
			 json_string_value(json_object_get(rep, "kind")));
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(rep, "warnings"), i, w)
		img_note(c, "unik convert: warning: %s", json_string_value(w));
	buf_free(&b);
}

static int finish(struct img_ctx *c, const struct convert_req *r, struct img_plan *p,
		  struct tree *t, struct unik_runcfg *rc, uint8_t **out, size_t *outlen, json_t **report,
		  json_t **config)
{
	uint8_t *img = NULL;
	size_t ilen;
	struct imgfs_stats st;
	struct imgfs fs;
	const char *why;
	char *cfg = NULL;
	json_t *rep = NULL, *root;
	int ret;
	if ((ret = runcfg_override(c, rc, &r->ov)) < 0)
		return ret;
	ensure_workdir(c, t, rc->workdir);
	if ((ret = imgfs_build(c, t, &img, &ilen, &st)) < 0)
		return ret;
	if (imgfs_open(&fs, img, ilen, &why) < 0) {
		ret = img_fail(c, "imgfs", "internal error: %s", why);
		goto out;
	}
	if ((ret = runcfg_resolve_user(c, rc, &fs)) < 0)
		goto out;
	rep = check_command(&fs, rc);
	print_report(c, rc, rep);
	root = runcfg_to_json(rc);
	json_object_set_new(root, "image", image_json(p));
	json_object_set(root, "check", rep);
	json_object_set_new(root, "dropped_special_files", json_integer(c->dropped));
	cfg = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	struct artifact_part parts[3] = {
		{ UNIK_SECTION_KERNEL, r->kernel, r->kernel_len },
		{ UNIK_SECTION_IMGFS, img, ilen },
		{ UNIK_SECTION_CONFIG, cfg, strlen(cfg) },
	};
	ret = artifact_build(c, parts, 3, r->level, out, outlen);
	if (report && ret == 0)
		*report = json_incref(rep);
	if (config && ret == 0)
		*config = json_incref(root);
	json_decref(root);
out:
	json_decref(rep);
	free(cfg);
	free(img);
	return ret;
}

int convert_image_config(struct img_ctx *c, const struct convert_req *r, uint8_t **out,
			 size_t *outlen, json_t **report, json_t **config)
{
	struct tree *t = tree_new();
	struct img_plan p;
	struct unik_runcfg rc;
	int ret;
	memset(&p, 0, sizeof(p));
	memset(&rc, 0, sizeof(rc));
	if (r->rootfs)
		ret = rootfs_load(c, r->rootfs, t);
	else
		ret = read_image(c, r, &p, t, &rc);
	if (ret == 0)
		ret = finish(c, r, &p, t, &rc, out, outlen, report, config);
	runcfg_free(&rc);
	manifest_plan_free(&p);
	tree_free(t);
	return ret;
}

int convert_image(struct img_ctx *c, const struct convert_req *r, uint8_t **out, size_t *outlen,
		  json_t **report)
{
	return convert_image_config(c, r, out, outlen, report, NULL);
}
