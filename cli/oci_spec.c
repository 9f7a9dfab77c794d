/* config.json of an OCI bundle -> struct oci_spec, validated field by field as the runtime spec
   (config.md, config-linux.md) defines them. Fields unik has no use for are not read. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <jansson.h>
#include "cli/oci_spec.h"
#include "cli/caps.h"
#include "unik/abi.h"

#define OCI_CONFIG_MAX (4u << 20)

struct spec_ctx {
	char *err;
	size_t errlen;
};

static int spec_fail(struct spec_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *spec_strdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* An optional string member: NULL when absent; -1 when present and not a string. */
static int spec_str(struct spec_ctx *c, json_t *obj, const char *key, const char *where, char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return spec_fail(c, "%s%s: must be a string", where, key);
	*out = spec_strdup(json_string_value(v));
	return 0;
}

/* An optional array of strings -> NULL-terminated vector (an empty one when absent). */
static int spec_strv(struct spec_ctx *c, json_t *obj, const char *key, const char *where,
		     char ***out, size_t *n)
{
	json_t *a = json_object_get(obj, key);
	size_t count = a && json_is_array(a) ? json_array_size(a) : 0;
	*out = calloc(count + 1, sizeof(char *));
	if (!*out)
		abort();
	if (n)
		*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return spec_fail(c, "%s%s: must be an array of strings", where, key);
	for (size_t i = 0; i < count; i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_string(v))
			return spec_fail(c, "%s%s[%zu]: must be a string", where, key, i);
		(*out)[i] = spec_strdup(json_string_value(v));
		if (n)
			*n = i + 1;
	}
	return 0;
}

/* A JSON number that is a whole number from 0 to max. Numbers are parsed as doubles
   (JSON_DECODE_INT_AS_REAL): Go writes rlimits up to 2^64-1, beyond jansson's integers; every
   value below 2^53 stays exact, and 2^64-1 maps to UINT64_MAX. */
static bool spec_whole(json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_real(v) || !(json_real_value(v) >= 0))
		return false;
	double d = json_real_value(v);
	if (d >= 18446744073709551616.0) {      /* 2^64: what 2^64-1 rounds to */
		*out = UINT64_MAX;
	} else {
		*out = (uint64_t)d;
		if ((double)*out != d)
			return false;           /* not a whole number */
	}
	return *out <= max;
}

/* An unsigned integer member no larger than max; absent: *out untouched, 1 returned. */
static int spec_uint(struct spec_ctx *c, json_t *obj, const char *key, const char *where,
		     uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 1;
	if (spec_whole(v, max, out))
		return 0;
	return spec_fail(c, "%s%s: must be an integer from 0 to %llu", where, key,
			 (unsigned long long)max);
}

int oci_rlimit_number(const char *name)
{
	static const struct { const char *name; int res; } names[] = {
		{ "AS", RLIMIT_AS }, { "CORE", RLIMIT_CORE }, { "CPU", RLIMIT_CPU },
		{ "DATA", RLIMIT_DATA }, { "FSIZE", RLIMIT_FSIZE }, { "LOCKS", RLIMIT_LOCKS },
		{ "MEMLOCK", RLIMIT_MEMLOCK }, { "MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "NICE", RLIMIT_NICE }, { "NOFILE", RLIMIT_NOFILE }, { "NPROC", RLIMIT_NPROC },
		{ "RSS", RLIMIT_RSS }, { "RTPRIO", RLIMIT_RTPRIO }, { "RTTIME", RLIMIT_RTTIME },
		{ "SIGPENDING", RLIMIT_SIGPENDING }, { "STACK", RLIMIT_STACK },
	};
	if (strncmp(name, "RLIMIT_", 7))
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name + 7, names[i].name))
			return names[i].res;
	return -1;
}

static int spec_user(struct spec_ctx *c, json_t *proc, struct oci_spec *s)
{
	json_t *u = json_object_get(proc, "user");
	if (!json_is_object(u))
		return spec_fail(c, "process.user: must be an object with uid and gid");
	uint64_t uid = 0, gid = 0;
	int r = spec_uint(c, u, "uid", "process.user.", UINT32_MAX, &uid);
	if (r < 0)
		return r;
	if (r > 0)
		return spec_fail(c, "process.user.uid: missing");
	r = spec_uint(c, u, "gid", "process.user.", UINT32_MAX, &gid);
	if (r < 0)
		return r;
	if (r > 0)
		return spec_fail(c, "process.user.gid: missing");
	s->uid = (uint32_t)uid;
	s->gid = (uint32_t)gid;
	if (json_object_get(u, "username"))
		return spec_fail(c, "process.user.username: only for Windows containers");
	json_t *g = json_object_get(u, "additionalGids");
	if (!g)
		return 0;
	if (!json_is_array(g))
		return spec_fail(c, "process.user.additionalGids: must be an array of integers");
	s->gids = calloc(json_array_size(g) + 1, sizeof(uint32_t));
	if (!s->gids)
		abort();
	for (size_t i = 0; i < json_array_size(g); i++) {
		uint64_t gid;
		if (!spec_whole(json_array_get(g, i), UINT32_MAX, &gid))
			return spec_fail(c, "process.user.additionalGids[%zu]: must be a gid", i);
		s->gids[s->ngids++] = (uint32_t)gid;
	}
	return 0;
}

static int spec_rlimits(struct spec_ctx *c, json_t *proc, struct oci_spec *s)
{
	json_t *a = json_object_get(proc, "rlimits");
	if (!a)
		return 0;
	if (!json_is_array(a))
		return spec_fail(c, "process.rlimits: must be an array");
	s->rlimits = calloc(json_array_size(a) + 1, sizeof(*s->rlimits));
	if (!s->rlimits)
		abort();
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		char where[48];
		snprintf(where, sizeof(where), "process.rlimits[%zu].", i);
		if (!json_is_object(o))
			return spec_fail(c, "process.rlimits[%zu]: must be an object", i);
		json_t *t = json_object_get(o, "type");
		int res = json_is_string(t) ? oci_rlimit_number(json_string_value(t)) : -1;
		if (res < 0)
			return spec_fail(c, "%stype: not an RLIMIT_ name", where);
		struct oci_rlimit *rl = &s->rlimits[s->nrlimits];
		if (spec_uint(c, o, "soft", where, UINT64_MAX, &rl->soft) ||
		    spec_uint(c, o, "hard", where, UINT64_MAX, &rl->hard))
			return spec_fail(c, "%ssoft, hard: must be integers", where);
		if (rl->soft > rl->hard)
			return spec_fail(c, "%ssoft: larger than hard", where);
		for (size_t k = 0; k < s->nrlimits; k++)
			if (s->rlimits[k].resource == res)
				return spec_fail(c, "%stype: %s given twice", where,
						 json_string_value(t));
		rl->resource = res;
		s->nrlimits++;
	}
	return 0;
}

/* process.capabilities: names Linux does not know are passed over, as runc does. */
static int spec_caps(struct spec_ctx *c, json_t *proc, struct oci_spec *s)
{
	static const char *const sets[5] = {
		[UNIK_CAP_BND] = "bounding", [UNIK_CAP_EFF] = "effective",
		[UNIK_CAP_PRM] = "permitted", [UNIK_CAP_INH] = "inheritable",
		[UNIK_CAP_AMB] = "ambient",
	};
	json_t *o = json_object_get(proc, "capabilities");
	if (!o)
		return 0;
	if (!json_is_object(o))
		return spec_fail(c, "process.capabilities: must be an object");
	s->has_caps = true;
	for (int k = 0; k < 5; k++) {
		json_t *a = json_object_get(o, sets[k]);
		if (!a)
			continue;
		if (!json_is_array(a))
			return spec_fail(c, "process.capabilities.%s: must be an array", sets[k]);
		for (size_t i = 0; i < json_array_size(a); i++) {
			json_t *n = json_array_get(a, i);
			if (!json_is_string(n))
				return spec_fail(c, "process.capabilities.%s[%zu]: must be a string",
						 sets[k], i);
			int cap = caps_number(json_string_value(n));
			if (cap >= 0)
				s->caps[k] |= 1ull << cap;
		}
	}
	return 0;
}

static int spec_process(struct spec_ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *p = json_object_get(root, "process");
	if (!json_is_object(p))
		return spec_fail(c, "process: missing (unik runs the process it names)");
	if (spec_strv(c, p, "args", "process.", &s->args, &s->nargs))
		return -1;
	if (!s->nargs || !s->args[0][0])
		return spec_fail(c, "process.args: must be a non-empty array of strings");
	if (spec_strv(c, p, "env", "process.", &s->env, &s->nenv))
		return -1;
	for (size_t i = 0; i < s->nenv; i++)
		if (!strchr(s->env[i], '=') || s->env[i][0] == '=')
			return spec_fail(c, "process.env[%zu]: must be NAME=VALUE", i);
	if (spec_str(c, p, "cwd", "process.", &s->cwd))
		return -1;
	if (!s->cwd || s->cwd[0] != '/')
		return spec_fail(c, "process.cwd: must be an absolute path");
	json_t *t = json_object_get(p, "terminal");
	if (t && !json_is_boolean(t))
		return spec_fail(c, "process.terminal: must be true or false");
	s->terminal = json_is_true(t);
	if (spec_user(c, p, s) || spec_rlimits(c, p, s) || spec_caps(c, p, s))
		return -1;
	return 0;
}

static int spec_root(struct spec_ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *r = json_object_get(root, "root");
	if (!json_is_object(r))
		return spec_fail(c, "root: missing (the container's root filesystem)");
	if (spec_str(c, r, "path", "root.", &s->root_path))
		return -1;
	if (!s->root_path || !s->root_path[0])
		return spec_fail(c, "root.path: missing");
	json_t *ro = json_object_get(r, "readonly");
	if (ro && !json_is_boolean(ro))
		return spec_fail(c, "root.readonly: must be true or false");
	s->root_ro = json_is_true(ro);
	return 0;
}

static bool spec_has_option(char **opts, const char *o)
{
	for (; *opts; opts++)
		if (!strcmp(*opts, o))
			return true;
	return false;
}

static int spec_mounts(struct spec_ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *a = json_object_get(root, "mounts");
	if (!a)
		return 0;
	if (!json_is_array(a))
		return spec_fail(c, "mounts: must be an array");
	s->mounts = calloc(json_array_size(a) + 1, sizeof(*s->mounts));
	if (!s->mounts)
		abort();
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		char where[32];
		snprintf(where, sizeof(where), "mounts[%zu].", i);
		if (!json_is_object(o))
			return spec_fail(c, "mounts[%zu]: must be an object", i);
		struct oci_mount *m = &s->mounts[s->nmounts++];
		char **opts = NULL;
		int r = spec_str(c, o, "destination", where, &m->dest);
		if (!r)
			r = spec_str(c, o, "type", where, &m->type);
		if (!r)
			r = spec_str(c, o, "source", where, &m->source);
		if (!r)
			r = spec_strv(c, o, "options", where, &opts, NULL);
		if (!r && (!m->dest || m->dest[0] != '/'))
			r = spec_fail(c, "%sdestination: must be an absolute path", where);
		if (!r) {
			if (!m->type)
				m->type = spec_strdup("");
			if (!m->source)
				m->source = spec_strdup("");
			m->bind = !strcmp(m->type, "bind") || spec_has_option(opts, "bind") ||
				  spec_has_option(opts, "rbind");
			m->ro = spec_has_option(opts, "ro");
			for (size_t k = 0; opts[k]; k++)
				if (!strncmp(opts[k], "mode=", 5))
					m->mode = (uint32_t)strtoul(opts[k] + 5, NULL, 8) & 07777;
		}
		for (size_t k = 0; opts && opts[k]; k++)
			free(opts[k]);
		free(opts);
		if (r)
			return r;
	}
	return 0;
}

static int spec_hook_list(struct spec_ctx *c, json_t *hooks, const char *key,
			  enum oci_hook_kind kind, struct oci_spec *s)
{
	json_t *a = json_object_get(hooks, key);
	if (!a)
		return 0;
	if (!json_is_array(a))
		return spec_fail(c, "hooks.%s: must be an array", key);
	s->hooks[kind] = calloc(json_array_size(a) + 1, sizeof(struct oci_hook));
	if (!s->hooks[kind])
		abort();
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		char where[64];
		snprintf(where, sizeof(where), "hooks.%s[%zu].", key, i);
		if (!json_is_object(o))
			return spec_fail(c, "hooks.%s[%zu]: must be an object", key, i);
		struct oci_hook *h = &s->hooks[kind][s->nhooks[kind]++];
		uint64_t t = 0;
		size_t nargs;
		if (spec_str(c, o, "path", where, &h->path) ||
		    spec_strv(c, o, "args", where, &h->args, &nargs) ||
		    spec_strv(c, o, "env", where, &h->env, NULL) ||
		    spec_uint(c, o, "timeout", where, 86400, &t) < 0)
			return -1;
		if (!h->path || h->path[0] != '/')
			return spec_fail(c, "%spath: must be an absolute path", where);
		if (json_object_get(o, "timeout") && !t)
			return spec_fail(c, "%stimeout: must be greater than zero", where);
		h->timeout = (int)t;
		if (!nargs) {
			free(h->args);
			h->args = calloc(2, sizeof(char *));
			if (!h->args)
				abort();
			h->args[0] = spec_strdup(h->path);
		}
	}
	return 0;
}

static int spec_hooks(struct spec_ctx *c, json_t *root, struct oci_spec *s)
{
	static const char *const keys[OCI_HOOK_KINDS] = {
		"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
		"poststop",
	};
	json_t *h = json_object_get(root, "hooks");
	if (!h)
		return 0;
	if (!json_is_object(h))
		return spec_fail(c, "hooks: must be an object");
	for (int k = 0; k < OCI_HOOK_KINDS; k++)
		if (spec_hook_list(c, h, keys[k], (enum oci_hook_kind)k, s))
			return -1;
	return 0;
}

static int spec_namespaces(struct spec_ctx *c, json_t *lnx, struct oci_spec *s)
{
	json_t *a = json_object_get(lnx, "namespaces");
	if (!a)
		return 0;
	if (!json_is_array(a))
		return spec_fail(c, "linux.namespaces: must be an array");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i), *t = json_object_get(o, "type");
		if (!json_is_string(t))
			return spec_fail(c, "linux.namespaces[%zu].type: must be a string", i);
		if (strcmp(json_string_value(t), "network"))
			continue;       /* the VM is the boundary for the others */
		char where[40];
		snprintf(where, sizeof(where), "linux.namespaces[%zu].", i);
		free(s->netns_path);
		if (spec_str(c, o, "path", where, &s->netns_path))
			return -1;
		if (s->netns_path && s->netns_path[0] != '/')
			return spec_fail(c, "%spath: must be an absolute path", where);
		s->netns = true;
	}
	return 0;
}

static int spec_linux(struct spec_ctx *c, json_t *root, struct oci_spec *s)
{
	json_t *l = json_object_get(root, "linux");
	if (!l)
		return 0;
	if (!json_is_object(l))
		return spec_fail(c, "linux: must be an object");
	json_t *res = json_object_get(l, "resources");
	json_t *mem = json_is_object(res) ? json_object_get(res, "memory") : NULL;
	json_t *lim = json_is_object(mem) ? json_object_get(mem, "limit") : NULL;
	/* -1 (unlimited) is allowed */
	uint64_t bytes = 0;
	if (lim && json_is_real(lim) && json_real_value(lim) == -1)
		lim = NULL;
	if (lim && !spec_whole(lim, INT64_MAX, &bytes))
		return spec_fail(c, "linux.resources.memory.limit: must be -1 or a byte count");
	s->mem_limit = (int64_t)bytes;
	return spec_namespaces(c, l, s);
}

int oci_spec_parse(const char *text, size_t len, struct oci_spec *s, char *err, size_t errlen)
{
	struct spec_ctx c = { err, errlen };
	json_error_t je;
	memset(s, 0, sizeof(*s));
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (!root)
		return spec_fail(&c, "config.json: line %d: %s", je.line, je.text);
	int r = -1;
	json_t *ver = json_object_get(root, "ociVersion"), *ann;
	if (!json_is_object(root))
		spec_fail(&c, "config.json: must be a JSON object");
	else if (!json_is_string(ver) || strncmp(json_string_value(ver), "1.", 2))
		spec_fail(&c, "ociVersion: must be a 1.x version string");
	else if (spec_root(&c, root, s) || spec_process(&c, root, s) ||
		 spec_str(&c, root, "hostname", "", &s->hostname) || spec_mounts(&c, root, s) ||
		 spec_hooks(&c, root, s) || spec_linux(&c, root, s))
		;
	else if ((ann = json_object_get(root, "annotations")) && !json_is_object(ann))
		spec_fail(&c, "annotations: must be an object");
	else {
		s->annotations = ann ? json_dumps(ann, JSON_COMPACT) : spec_strdup("{}");
		r = s->annotations ? 0 : spec_fail(&c, "annotations: out of memory");
	}
	json_decref(root);
	return r;
}

int oci_spec_load(const char *bundle, struct oci_spec *s, char *err, size_t errlen)
{
	char path[4096];
	memset(s, 0, sizeof(*s));
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", bundle) >= sizeof(path)) {
		snprintf(err, errlen, "bundle path too long");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > OCI_CONFIG_MAX) {
		snprintf(err, errlen, "%s: %s", path, fd < 0 ? strerror(errno) :
			 "not a regular file of at most 4 MiB");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		return -1;
	}
	int r = oci_spec_parse(buf, (size_t)n, s, err, errlen);
	free(buf);
	return r;
}

static void spec_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void oci_spec_free(struct oci_spec *s)
{
	free(s->root_path);
	spec_strv_free(s->args);
	spec_strv_free(s->env);
	free(s->cwd);
	free(s->gids);
	free(s->rlimits);
	free(s->hostname);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].dest);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
	}
	free(s->mounts);
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < s->nhooks[k]; i++) {
			free(s->hooks[k][i].path);
			spec_strv_free(s->hooks[k][i].args);
			spec_strv_free(s->hooks[k][i].env);
		}
		free(s->hooks[k]);
	}
	free(s->netns_path);
	free(s->annotations);
	memset(s, 0, sizeof(*s));
}
