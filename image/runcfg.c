/* Run configuration: parse the image config, apply docker-style overrides, (de)serialise as JSON. */
#include "image/runcfg.h"
#include "image/imgint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = xcalloc(*n + 2, sizeof(char *));
	if (*n)
		memcpy(nv, *v, *n * sizeof(char *));
	free(*v);
	nv[(*n)++] = xstrdup(s);
	*v = nv;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads an array of strings (or null) into *v. */
static int get_strv(struct img_ctx *c, const char *member, json_t *o, const char *key,
		    char ***v, size_t *n)
{
	json_t *a = json_object_get(o, key), *e;
	size_t i;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return img_fail(c, member, "config.%s: expected an array of strings", key);
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return img_fail(c, member, "config.%s[%zu]: expected a string", key, i);
		strv_push(v, n, json_string_value(e));
	}
	return 0;
}

/* Reads the keys of an object (or null) into a sorted vector: ExposedPorts, Volumes. */
static int get_keys(struct img_ctx *c, const char *member, json_t *o, const char *key,
		    char ***v, size_t *n)
{
	json_t *a = json_object_get(o, key), *e;
	const char *k;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_object(a))
		return img_fail(c, member, "config.%s: expected an object", key);
	json_object_foreach(a, k, e)
		strv_push(v, n, k);
	if (*n)
		qsort(*v, *n, sizeof(char *), strp_cmp);
	return 0;
}

static int get_str(struct img_ctx *c, const char *member, json_t *o, const char *key, char **out)
{
	json_t *s = json_object_get(o, key);
	if (!s || json_is_null(s))
		return 0;
	if (!json_is_string(s))
		return img_fail(c, member, "config.%s: expected a string", key);
	*out = xstrdup(json_string_value(s));
	return 0;
}

static int get_labels(struct img_ctx *c, const char *member, json_t *o, struct unik_runcfg *rc)
{
	json_t *l = json_object_get(o, "Labels"), *e;
	char **keys = NULL;
	size_t nk = 0;
	const char *k;
	if (!l || json_is_null(l))
		return 0;
	if (!json_is_object(l))
		return img_fail(c, member, "config.Labels: expected an object");
	json_object_foreach(l, k, e) {
		if (!json_is_string(e)) {
			strv_free(keys, nk);
			return img_fail(c, member, "config.Labels.%s: expected a string", k);
		}
		strv_push(&keys, &nk, k);
	}
	if (nk)
		qsort(keys, nk, sizeof(char *), strp_cmp);
	for (size_t i = 0; i < nk; i++) {
		size_t dummy = i;
		strv_push(&rc->label_values, &dummy, json_string_value(json_object_get(l, keys[i])));
	}
	rc->label_keys = keys;
	rc->n_labels = nk;
	return 0;
}

int runcfg_from_image(struct img_ctx *c, const char *member, json_t *config, struct unik_runcfg *rc)
{
	json_t *o = json_object_get(config, "config");
	memset(rc, 0, sizeof(*rc));
	if (o && !json_is_null(o) && !json_is_object(o))
		return img_fail(c, member, "config: expected an object");
	if (!o || json_is_null(o))
		return 0;
	if (get_strv(c, member, o, "Entrypoint", &rc->entrypoint, &rc->n_entrypoint) < 0 ||
	    get_strv(c, member, o, "Cmd", &rc->cmd, &rc->n_cmd) < 0 ||
	    get_strv(c, member, o, "Env", &rc->env, &rc->n_env) < 0 ||
	    get_str(c, member, o, "WorkingDir", &rc->workdir) < 0 ||
	    get_str(c, member, o, "User", &rc->user) < 0 ||
	    get_str(c, member, o, "StopSignal", &rc->stopsignal) < 0 ||
	    get_keys(c, member, o, "ExposedPorts", &rc->ports, &rc->n_ports) < 0 ||
	    get_keys(c, member, o, "Volumes", &rc->volumes, &rc->n_volumes) < 0 ||
	    get_labels(c, member, o, rc) < 0)
		return -EINVAL;
	return 0;
}

/* Sets, replaces or (value NULL) removes NAME in rc->env. */
static void env_set(struct unik_runcfg *rc, const char *name, size_t nlen, const char *value)
{
	size_t j = 0;
	for (size_t i = 0; i < rc->n_env; i++) {
		if (strncmp(rc->env[i], name, nlen) == 0 && rc->env[i][nlen] == '=')
			free(rc->env[i]);
		else
			rc->env[j++] = rc->env[i];
	}
	rc->n_env = j;
	if (rc->env)
		rc->env[j] = NULL;
	if (value) {
		char *kv = xcalloc(nlen + strlen(value) + 2, 1);
		memcpy(kv, name, nlen);
		kv[nlen] = '=';
		strcpy(kv + nlen + 1, value);
		strv_push(&rc->env, &rc->n_env, kv);
		free(kv);
	}
}

static int env_has(const struct unik_runcfg *rc, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < rc->n_env; i++)
		if (strncmp(rc->env[i], name, n) == 0 && rc->env[i][n] == '=')
			return 1;
	return 0;
}

int runcfg_override(struct img_ctx *c, struct unik_runcfg *rc, const struct runcfg_overrides *o)
{
	if (o->set_entrypoint) {
		strv_free(rc->entrypoint, rc->n_entrypoint);
		strv_free(rc->cmd, rc->n_cmd);
		rc->entrypoint = rc->cmd = NULL;
		rc->n_entrypoint = rc->n_cmd = 0;
		if (o->entrypoint && *o->entrypoint)
			strv_push(&rc->entrypoint, &rc->n_entrypoint, o->entrypoint);
	}
	if (o->set_cmd) {
		strv_free(rc->cmd, rc->n_cmd);
		rc->cmd = NULL;
		rc->n_cmd = 0;
		for (size_t i = 0; i < o->n_cmd; i++)
			strv_push(&rc->cmd, &rc->n_cmd, o->cmd[i]);
	}
	for (size_t i = 0; i < o->n_env; i++) {
		const char *eq = strchr(o->env[i], '=');
		size_t nlen = eq ? (size_t)(eq - o->env[i]) : strlen(o->env[i]);
		if (nlen == 0)
			return img_fail(c, "-e", "invalid environment variable '%s'", o->env[i]);
		char *name = xstrndup(o->env[i], nlen);
		env_set(rc, name, nlen, eq ? eq + 1 : getenv(name));
		free(name);
	}
	if (!env_has(rc, "PATH"))
		strv_push(&rc->env, &rc->n_env, DEFAULT_PATH);
	if (o->workdir) {
		free(rc->workdir);
		rc->workdir = xstrdup(o->workdir);
	}
	if (!rc->workdir || !*rc->workdir) {
		free(rc->workdir);
		rc->workdir = xstrdup("/");
	}
	if (rc->workdir[0] != '/')
		return img_fail(c, "WorkingDir", "'%s' is not an absolute path", rc->workdir);
	if (o->user) {
		free(rc->user);
		rc->user = xstrdup(o->user);
	}
	if (!rc->user)
		rc->user = xstrdup("");
	strv_free(rc->argv, rc->n_argv);
	rc->argv = NULL;
	rc->n_argv = 0;
	for (size_t i = 0; i < rc->n_entrypoint; i++)
		strv_push(&rc->argv, &rc->n_argv, rc->entrypoint[i]);
	for (size_t i = 0; i < rc->n_cmd; i++)
		strv_push(&rc->argv, &rc->n_argv, rc->cmd[i]);
	return 0;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *runcfg_to_json(const struct unik_runcfg *rc)
{
	json_t *o = json_object(), *labels = json_object(), *groups = json_array();
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "entrypoint", strv_json(rc->entrypoint, rc->n_entrypoint));
	json_object_set_new(o, "cmd", strv_json(rc->cmd, rc->n_cmd));
	json_object_set_new(o, "argv", strv_json(rc->argv, rc->n_argv));
	json_object_set_new(o, "env", strv_json(rc->env, rc->n_env));
	json_object_set_new(o, "workdir", json_string(rc->workdir ? rc->workdir : "/"));
	json_object_set_new(o, "user", json_string(rc->user ? rc->user : ""));
	json_object_set_new(o, "uid", json_integer(rc->uid));
	json_object_set_new(o, "gid", json_integer(rc->gid));
	for (size_t i = 0; i < rc->n_groups; i++)
		json_array_append_new(groups, json_integer(rc->groups[i]));
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "home", json_string(rc->home ? rc->home : "/"));
	json_object_set_new(o, "exposed_ports", strv_json(rc->ports, rc->n_ports));
	json_object_set_new(o, "volumes", strv_json(rc->volumes, rc->n_volumes));
	json_object_set_new(o, "stop_signal", rc->stopsignal ? json_string(rc->stopsignal)
							     : json_null());
	for (size_t i = 0; i < rc->n_labels; i++)
		json_object_set_new(labels, rc->label_keys[i], json_string(rc->label_values[i]));
	json_object_set_new(o, "labels", labels);
	return o;
}

static int rj_strv(json_t *o, const char *key, char ***v, size_t *n)
{
	json_t *a = json_object_get(o, key), *e;
	size_t i;
	if (!json_is_array(a))
		return -EINVAL;
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return -EINVAL;
		strv_push(v, n, json_string_value(e));
	}
	return 0;
}

static int rj_rest(json_t *o, struct unik_runcfg *rc)
{
	json_t *g = json_object_get(o, "groups"), *e, *l = json_object_get(o, "labels");
	json_t *uid = json_object_get(o, "uid"), *gid = json_object_get(o, "gid");
	json_t *ss = json_object_get(o, "stop_signal");
	const char *k;
	size_t i;
	if (!json_is_string(json_object_get(o, "workdir")) || !json_is_string(json_object_get(o, "user")) ||
	    !json_is_string(json_object_get(o, "home")) || !json_is_integer(uid) ||
	    !json_is_integer(gid) || !json_is_array(g) || !json_is_object(l) ||
	    !(json_is_null(ss) || json_is_string(ss)) ||
	    json_integer_value(uid) < 0 || json_integer_value(uid) > 0xfffffffell ||
	    json_integer_value(gid) < 0 || json_integer_value(gid) > 0xfffffffell)
		return -EINVAL;
	rc->workdir = xstrdup(json_string_value(json_object_get(o, "workdir")));
	rc->user = xstrdup(json_string_value(json_object_get(o, "user")));
	rc->home = xstrdup(json_string_value(json_object_get(o, "home")));
	rc->uid = (uint32_t)json_integer_value(uid);
	rc->gid = (uint32_t)json_integer_value(gid);
	rc->stopsignal = json_is_string(ss) ? xstrdup(json_string_value(ss)) : NULL;
	rc->groups = xcalloc(json_array_size(g) + 1, sizeof(uint32_t));
	json_array_foreach(g, i, e) {
		if (!json_is_integer(e))
			return -EINVAL;
		rc->groups[rc->n_groups++] = (uint32_t)json_integer_value(e);
	}
	json_object_foreach(l, k, e) {
		size_t n = rc->n_labels;
		if (!json_is_string(e))
			return -EINVAL;
		strv_push(&rc->label_keys, &n, k);
		strv_push(&rc->label_values, &rc->n_labels, json_string_value(e));
	}
	return 0;
}

int runcfg_from_json(const char *text, size_t len, struct unik_runcfg *rc, char *err, size_t errlen)
{
	json_error_t je;
	memset(rc, 0, sizeof(*rc));
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		snprintf(err, errlen, "config: malformed JSON at line %d: %s", je.line, je.text);
		return -EINVAL;
	}
	int r = -EINVAL;
	if (json_integer_value(json_object_get(o, "version")) == 1 &&
	    rj_strv(o, "entrypoint", &rc->entrypoint, &rc->n_entrypoint) == 0 &&
	    rj_strv(o, "cmd", &rc->cmd, &rc->n_cmd) == 0 &&
	    rj_strv(o, "argv", &rc->argv, &rc->n_argv) == 0 &&
	    rj_strv(o, "env", &rc->env, &rc->n_env) == 0 &&
	    rj_strv(o, "exposed_ports", &rc->ports, &rc->n_ports) == 0 &&
	    rj_strv(o, "volumes", &rc->volumes, &rc->n_volumes) == 0 && rj_rest(o, rc) == 0)
		r = 0;
	else
		snprintf(err, errlen, "config: missing or mistyped field (config version 1 expected)");
	json_decref(o);
	if (r)
		runcfg_free(rc);
	return r;
}

void runcfg_free(struct unik_runcfg *rc)
{
	strv_free(rc->entrypoint, rc->n_entrypoint);
	strv_free(rc->cmd, rc->n_cmd);
	strv_free(rc->argv, rc->n_argv);
	strv_free(rc->env, rc->n_env);
	strv_free(rc->ports, rc->n_ports);
	strv_free(rc->volumes, rc->n_volumes);
	strv_free(rc->label_keys, rc->n_labels);
	strv_free(rc->label_values, rc->n_labels);
	free(rc->workdir);
	free(rc->user);
	free(rc->home);
	free(rc->groups);
	free(rc->stopsignal);
	memset(rc, 0, sizeof(*rc));
}
