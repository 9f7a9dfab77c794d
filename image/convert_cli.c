/* `unik convert`: option parsing, output naming and the atomic write of the artifact (and, with
 * --oci, of the image holding it: oci_out.c). */
#include "image/image.h"
#include "image/convert.h"
#include "image/oci_out.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: unik convert [OPTIONS] IMAGE.tar[:NAME[:TAG]] | OCI-DIR[:TAG] | - [-- CMD...]\n"
	"       unik convert [OPTIONS] --rootfs DIR [-- CMD...]\n"
	"  -o, --output FILE      artifact to write (default: IMAGE name + .unik; none with --oci)\n"
	"      --oci FILE         write the artifact as an OCI image: one tar that docker load and\n"
	"                         skopeo (oci-archive:FILE:TAG) read, the artifact at /.unik/app.unik\n"
	"      --tag NAME[:TAG]   the OCI image's name (default: the source's, else unik/app:latest)\n"
	"      --entrypoint STR   replace Entrypoint (and clear Cmd); \"\" clears it\n"
	"      --cmd ARG          replace Cmd (repeat for more arguments; also after --)\n"
	"  -e, --env NAME[=VAL]   set, or with NAME alone take the host's value or remove it\n"
	"  -w, --workdir DIR      working directory\n"
	"  -u, --user USER        user[:group] (name or id, resolved in the image)\n"
	"  -q, --quiet            no report, notes or progress\n"
	"      --level N          zstd level (1-19, default 3)\n"
	"      --max-entries N --max-size BYTES --max-depth N --max-ratio N   safety limits\n";

struct cli {
	struct convert_req req;
	const char *output;
	const char *oci;
	const char *tag;
	int quiet;
	char **cmd;
	size_t n_cmd;
	char **env;
	size_t n_env;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "unik convert: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", usage_text);
	return 2;
}

static int parse_opt(struct cli *cl, struct img_ctx *c, int opt, const char *arg)
{
	uint64_t v;
	switch (opt) {
	case 'o': cl->output = arg; return 0;
	case 'O': cl->oci = arg; return 0;
	case 'T': cl->tag = arg; return 0;
	case 'E': cl->req.ov.set_entrypoint = 1; cl->req.ov.entrypoint = arg; return 0;
	case 'C': cl->req.ov.set_cmd = 1; strv_push(&cl->cmd, &cl->n_cmd, arg); return 0;
	case 'e': strv_push(&cl->env, &cl->n_env, arg); return 0;
	case 'w': cl->req.ov.workdir = arg; return 0;
	case 'u': cl->req.ov.user = arg; return 0;
	case 'q': cl->quiet = 1; return 0;
	case 'R': cl->req.rootfs = arg; return 0;
	}
	if (parse_u64(arg, &v) < 0 || v == 0)
		return usage_err("expected a positive number", arg);
	switch (opt) {
	case 'L': if (v > 19) return usage_err("level must be 1-19", arg);
		  cl->req.level = (int)v; return 0;
	case 'N': c->lim.max_entries = v; return 0;
	case 'S': c->lim.max_bytes = v; return 0;
	case 'D': c->lim.max_depth = v > 100000 ? 100000 : (uint32_t)v; return 0;
	case 'X': c->lim.max_ratio = v > 1000000 ? 1000000 : (uint32_t)v; return 0;
	}
	return usage_err("unknown option", NULL);
}

static int parse_args(struct cli *cl, struct img_ctx *c, int argc, char **argv, char **input)
{
	static const struct option lo[] = {
		{ "output", required_argument, 0, 'o' }, { "entrypoint", required_argument, 0, 'E' },
		{ "cmd", required_argument, 0, 'C' }, { "env", required_argument, 0, 'e' },
		{ "workdir", required_argument, 0, 'w' }, { "user", required_argument, 0, 'u' },
		{ "quiet", no_argument, 0, 'q' }, { "rootfs", required_argument, 0, 'R' },
		{ "level", required_argument, 0, 'L' }, { "max-entries", required_argument, 0, 'N' },
		{ "max-size", required_argument, 0, 'S' }, { "max-depth", required_argument, 0, 'D' },
		{ "max-ratio", required_argument, 0, 'X' }, { "help", no_argument, 0, 'h' },
		{ "oci", required_argument, 0, 'O' }, { "tag", required_argument, 0, 'T' },
		{ 0, 0, 0, 0 } };
	int end = argc, opt, r;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			end = i;
			break;
		}
	for (int i = end + 1; i < argc; i++) {
		cl->req.ov.set_cmd = 1;
		strv_push(&cl->cmd, &cl->n_cmd, argv[i]);
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(end, argv, "o:e:w:u:qh", lo, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_text, stdout);
			return 1;
		}
		if (opt == '?' || opt == ':')
			return usage_err("bad option or missing argument", argv[optind - 1]);
		if ((r = parse_opt(cl, c, opt, optarg)) != 0)
			return r;
	}
	if (optind < end)
		*input = argv[optind++];
	if (optind < end)
		return usage_err("unexpected argument (put the command after --)", argv[optind]);
	if (!*input == !cl->req.rootfs)
		return usage_err(cl->req.rootfs ? "--rootfs takes no IMAGE" : "missing IMAGE", NULL);
	if (cl->tag && !cl->oci)
		return usage_err("--tag needs --oci", NULL);
	if (cl->oci && cl->output && strcmp(cl->oci, cl->output) == 0)
		return usage_err("--oci and -o name the same file", cl->oci);
	return 0;
}

/* Default output: the input's base name without .tar/.tgz/.tar.gz/.tar.zst, plus .unik. */
static char *default_output(const char *in)
{
	static const char *const ext[] = { ".tar.gz", ".tar.zst", ".tgz", ".tar", "/" };
	char *b = xstrdup(in);
	size_t l = strlen(b);
	while (l > 1 && b[l - 1] == '/')
		b[--l] = 0;
	const char *base = strrchr(b, '/') ? strrchr(b, '/') + 1 : b;
	char *out = xcalloc(strlen(base) + 6, 1);
	strcpy(out, base);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t ol = strlen(out), el = strlen(ext[i]);
		if (ol > el && strcmp(out + ol - el, ext[i]) == 0)
			out[ol - el] = 0;
	}
	strcat(out, ".unik");
	free(b);
	return out;
}

static int write_atomic(const char *path, const uint8_t *p, size_t n, char *err, size_t errlen)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	int fd = mkstemp(tmp), ret = 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	mode_t um = umask(0);
	umask(um);
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done != n || fchmod(fd, 0644 & ~um) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		ret = -EIO;
	}
	return ret;
}

/* Completes the request from the parsed options. */
static void fill_req(struct cli *cl, const void *kernel, size_t kernel_len)
{
	cl->req.ov.cmd = cl->cmd;
	cl->req.ov.n_cmd = cl->n_cmd;
	cl->req.ov.env = cl->env;
	cl->req.ov.n_env = cl->n_env;
	cl->req.kernel = kernel;
	cl->req.kernel_len = kernel_len;
}

/* --oci: the image archive, named by --tag or after the source. */
static int write_oci(struct cli *cl, struct img_ctx *c, struct oci_ref *ref, const uint8_t *art,
		     size_t alen, json_t *config)
{
	if (!ref->tag)
		oci_ref_default(c, config, ref);
	struct oci_out_req o = { art, alen, config, ref };
	return oci_out_write(c, &o, cl->oci);
}

int image_convert_main(int argc, char **argv, const void *kernel, size_t kernel_len)
{
	struct cli cl;
	struct img_ctx c;
	struct oci_ref ref;
	char *input = NULL, *path = NULL, *sel = NULL, *outname = NULL, err[512];
	uint8_t *art = NULL;
	size_t alen = 0;
	json_t *config = NULL;
	int status = 125, r;
	memset(&cl, 0, sizeof(cl));
	memset(&ref, 0, sizeof(ref));
	img_ctx_init(&c);
	cl.req.level = 3;
	if ((r = parse_args(&cl, &c, argc, argv, &input)) != 0) {
		status = r == 1 ? 0 : r;
		goto out;
	}
	c.log = cl.quiet ? NULL : stderr;
	c.progress = !cl.quiet && isatty(2);
	fill_req(&cl, kernel, kernel_len);
	if (cl.tag && oci_ref_parse(&c, cl.tag, &ref) < 0) {
		fprintf(stderr, "unik convert: %s\n", c.err);
		goto out;
	}
	if (input && convert_split_input(input, &path, &sel) < 0) {
		fprintf(stderr, "unik convert: %s: no such file or directory\n", input);
		goto out;
	}
	if (!cl.output && !cl.oci && path && strcmp(path, "-") == 0) {
		status = usage_err("reading from stdin needs -o FILE or --oci FILE", NULL);
		goto out;
	}
	if (cl.output || !cl.oci)
		outname = cl.output ? xstrdup(cl.output) : default_output(path ? path : cl.req.rootfs);
	cl.req.input = path;
	cl.req.selector = sel;
	if (convert_image_config(&c, &cl.req, &art, &alen, NULL, cl.oci ? &config : NULL) < 0) {
		fprintf(stderr, "unik convert: %s\n", c.err);
		goto out;
	}
	if (outname && write_atomic(outname, art, alen, err, sizeof(err)) < 0) {
		fprintf(stderr, "unik convert: %s\n", err);
		goto out;
	}
	if (cl.oci && write_oci(&cl, &c, &ref, art, alen, config) < 0) {
		fprintf(stderr, "unik convert: %s\n", c.err);
		goto out;
	}
	if (!cl.quiet && outname)
		printf("%s\n", outname);
	if (!cl.quiet && cl.oci)
		printf("%s\n", cl.oci);
	status = 0;
out:
	strv_free(cl.cmd, cl.n_cmd);
	strv_free(cl.env, cl.n_env);
	oci_ref_free(&ref);
	json_decref(config);
	free(path);
	free(sel);
	free(outname);
	free(art);
	return status;
}
