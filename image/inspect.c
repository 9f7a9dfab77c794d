/* `unik inspect`: summary of an artifact, --ls listing, --check report, --json output. */
#include "image/image.h"
#include "image/check.h"
#include "image/imgfs.h"
#include "image/inspect.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
	"usage: unik inspect [--json] ARTIFACT\n"
	"       unik inspect [--json] [--sha256] --ls[=PATH] ARTIFACT [PATH]\n"
	"       unik inspect [--json] --check ARTIFACT\n";

static void print_strv(const char *label, char **v, size_t n)
{
	printf("%-14s", label);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", v[i]);
	printf("\n");
}

static void print_json_strv(const char *label, json_t *a)
{
	size_t i;
	json_t *e;
	printf("%-14s[", label);
	json_array_foreach(a, i, e) {
		char *s = json_dumps(e, JSON_ENCODE_ANY);
		printf("%s%s", i ? ", " : "", s);
		free(s);
	}
	printf("]\n");
}

static void summary_text(const char *path, const struct artifact *a, json_t *cfg,
			 const struct inspect_counts *k)
{
	const struct unik_runcfg *rc = &a->cfg;
	json_t *img = json_object_get(cfg, "image"), *chk = json_object_get(cfg, "check"), *w;
	char hex[65];
	size_t i;
	printf("%-14s%s (unik artifact v%u, %llu bytes)\n", "Artifact:", path, a->hdr.version,
	       (unsigned long long)a->file_size);
	printf("%-14s%s (%s)\n", "Image:", json_string_value(json_object_get(img, "ref")) ?
	       json_string_value(json_object_get(img, "ref")) : "<unnamed>",
	       json_string_value(json_object_get(img, "format")));
	if (json_is_string(json_object_get(img, "config_digest")))
		printf("%-14s%s\n", "Config:", json_string_value(json_object_get(img, "config_digest")));
	json_array_foreach(json_object_get(img, "diff_ids"), i, w)
		printf("%-14s%s\n", i ? "" : "Layers:", json_string_value(w));
	for (uint32_t s = 0; s < a->hdr.section_count; s++) {
		const struct unik_artifact_section *sec = &a->hdr.sections[s];
		sha256_hex(sec->sha256, hex);
		printf("%-14s%-7s %12llu bytes, stored %12llu, sha256:%s\n", s ? "" : "Sections:",
		       artifact_section_name(sec->type), (unsigned long long)sec->size,
		       (unsigned long long)sec->stored_size, hex);
	}
	printf("%-14s%llu entries: %llu files, %llu directories, %llu symlinks, %llu hard links; "
	       "%llu bytes of file data\n", "Files:", (unsigned long long)k->entries,
	       (unsigned long long)k->files, (unsigned long long)k->dirs,
	       (unsigned long long)k->symlinks, (unsigned long long)k->hardlinks,
	       (unsigned long long)k->bytes);
	print_json_strv("Entrypoint:", json_object_get(cfg, "entrypoint"));
	print_json_strv("Cmd:", json_object_get(cfg, "cmd"));
	for (i = 0; i < rc->n_env; i++)
		printf("%-14s%s\n", i ? "" : "Env:", rc->env[i]);
	printf("%-14s%s\n", "WorkingDir:", rc->workdir);
	printf("%-14s%s (uid %u, gid %u", "User:", *rc->user ? rc->user : "root", rc->uid, rc->gid);
	for (i = 0; i < rc->n_groups; i++)
		printf("%s%u", i ? "," : ", groups ", rc->groups[i]);
	printf(")\n");
	print_strv("ExposedPorts:", rc->ports, rc->n_ports);
	print_strv("Volumes:", rc->volumes, rc->n_volumes);
	printf("%-14s%s\n", "StopSignal:", rc->stopsignal ? rc->stopsignal : "SIGTERM (default)");
	for (i = 0; i < rc->n_labels; i++)
		printf("%-14s%s=%s\n", i ? "" : "Labels:", rc->label_keys[i], rc->label_values[i]);
	printf("%-14s%s: %s\n", "Command:", json_string_value(json_object_get(chk, "path")),
	       json_string_value(json_object_get(chk, "kind")));
	json_array_foreach(json_object_get(chk, "warnings"), i, w)
		printf("%-14swarning: %s\n", "", json_string_value(w));
}

static json_t *summary_json(const char *path, const struct artifact *a, json_t *cfg,
			    const struct inspect_counts *k)
{
	json_t *o = json_object(), *secs = json_array(), *files = json_object();
	char hex[65], d[80];
	json_object_set_new(o, "artifact", json_string(path));
	json_object_set_new(o, "format_version", json_integer(a->hdr.version));
	json_object_set_new(o, "size", json_integer((json_int_t)a->file_size));
	for (uint32_t s = 0; s < a->hdr.section_count; s++) {
		const struct unik_artifact_section *sec = &a->hdr.sections[s];
		json_t *so = json_object();
		json_object_set_new(so, "name", json_string(artifact_section_name(sec->type)));
		json_object_set_new(so, "size", json_integer((json_int_t)sec->size));
		json_object_set_new(so, "stored_size", json_integer((json_int_t)sec->stored_size));
		sha256_hex(sec->sha256, hex);
		snprintf(d, sizeof(d), "sha256:%s", hex);
		json_object_set_new(so, "sha256", json_string(d));
		json_array_append_new(secs, so);
	}
	json_object_set_new(o, "sections", secs);
	json_object_set_new(files, "entries", json_integer((json_int_t)k->entries));
	json_object_set_new(files, "regular", json_integer((json_int_t)k->files));
	json_object_set_new(files, "directories", json_integer((json_int_t)k->dirs));
	json_object_set_new(files, "symlinks", json_integer((json_int_t)k->symlinks));
	json_object_set_new(files, "hardlinks", json_integer((json_int_t)k->hardlinks));
	json_object_set_new(files, "bytes", json_integer((json_int_t)k->bytes));
	json_object_set_new(o, "files", files);
	json_object_set(o, "config", cfg);
	return o;
}

static void print_check(json_t *arr, int as_json)
{
	size_t i, j;
	json_t *e, *w;
	if (as_json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		printf("\n");
		return;
	}
	json_array_foreach(arr, i, e) {
		printf("%s: %s\n", json_string_value(json_object_get(e, "path")),
		       json_string_value(json_object_get(e, "kind")));
		json_array_foreach(json_object_get(e, "warnings"), j, w)
			printf("  warning: %s\n", json_string_value(w));
	}
}

int image_inspect_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, 0, 'j' }, { "ls", optional_argument, 0, 'l' },
		{ "check", no_argument, 0, 'c' }, { "sha256", no_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int opt, as_json = 0, ls = 0, check = 0, digests = 0, status = 125;
	const char *lspath = NULL, *path = NULL;
	char err[512];
	struct artifact a;
	struct stat st;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j': as_json = 1; break;
		case 'l': ls = 1; lspath = optarg; break;
		case 'c': check = 1; break;
		case 's': digests = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fprintf(stderr, "unik inspect: bad option %s\n%s", argv[optind - 1], usage_text);
			 return 2;
		}
	}
	int npos = argc - optind;
	if (npos < 1 || npos > 2 || (npos == 2 && !ls) || (ls && check)) {
		fputs(usage_text, stderr);
		return 2;
	}
	path = argv[optind];
	if (npos == 2) { /* ARTIFACT PATH, or PATH ARTIFACT */
		int swap = stat(path, &st) != 0 && stat(argv[optind + 1], &st) == 0;
		lspath = swap ? argv[optind] : argv[optind + 1];
		path = swap ? argv[optind + 1] : argv[optind];
	}
	if (artifact_open(path, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "unik inspect: %s: %s\n", path, err);
		return 125;
	}
	struct imgfs fs;
	const char *why;
	json_t *cfg = json_loads(a.config_json, 0, NULL);
	if (imgfs_open(&fs, a.imgfs, a.imgfs_len, &why) < 0 || !cfg) {
		fprintf(stderr, "unik inspect: %s: %s\n", path, cfg ? why : "config is not JSON");
		goto out;
	}
	if (ls) {
		status = inspect_ls(&fs, lspath ? lspath : "/", as_json, digests) < 0 ? 125 : 0;
	} else if (check) {
		json_t *arr = check_all(&fs, a.cfg.env, a.cfg.n_env);
		print_check(arr, as_json);
		json_decref(arr);
		status = 0;
	} else {
		struct inspect_counts k;
		inspect_count(&fs, &k);
		if (as_json) {
			json_t *o = summary_json(path, &a, cfg, &k);
			json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
			printf("\n");
			json_decref(o);
		} else {
			summary_text(path, &a, cfg, &k);
		}
		status = 0;
	}
out:
	json_decref(cfg);
	artifact_close(&a);
	return status;
}
