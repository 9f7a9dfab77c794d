/* Run configuration: image config parsing, command-line overrides, user resolution, canonical JSON. */
#ifndef IMAGE_RUNCFG_H
#define IMAGE_RUNCFG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct img_ctx;
struct imgfs;

/* What `unik run` needs; every string array is NULL-terminated as well as counted. */
struct unik_runcfg {
	char **entrypoint;  size_t n_entrypoint;
	char **cmd;         size_t n_cmd;
	char **argv;        size_t n_argv;      /* entrypoint followed by cmd */
	char **env;         size_t n_env;       /* NAME=VALUE; PATH always present */
	char *workdir;                          /* absolute; "/" by default */
	char *user;                             /* as written in the image or -u ("" = root) */
	uint32_t uid, gid;
	uint32_t *groups;   size_t n_groups;    /* supplementary gids from /etc/group */
	char *home;                             /* from /etc/passwd, "/" if unknown */
	char **ports;       size_t n_ports;     /* "80/tcp", sorted */
	char **volumes;     size_t n_volumes;   /* sorted */
	char *stopsignal;                       /* NULL = SIGTERM */
	char **label_keys;  char **label_values; size_t n_labels; /* sorted by key */
};

/* Overrides given to `unik convert` (docker run semantics). */
struct runcfg_overrides {
	int set_entrypoint;  const char *entrypoint;   /* replaces Entrypoint, clears Cmd */
	int set_cmd;         char **cmd; size_t n_cmd;
	char **env;          size_t n_env;             /* NAME=VAL, or NAME (host value/unset) */
	const char *workdir;
	const char *user;
};

/* Fills rc from the image config's "config" object (null fields allowed, wrong types refused). */
int runcfg_from_image(struct img_ctx *c, const char *member, json_t *config, struct unik_runcfg *rc);
/* Applies overrides, adds a default PATH, rebuilds argv. Returns 0 or -EINVAL. */
int runcfg_override(struct img_ctx *c, struct unik_runcfg *rc, const struct runcfg_overrides *o);
/* Resolves rc->user through the image's /etc/passwd and /etc/group; an unknown user or group is
 * an error (docker: exit 125). fs may be NULL (numeric users only). */
int runcfg_resolve_user(struct img_ctx *c, struct unik_runcfg *rc, const struct imgfs *fs);
/* Canonical JSON object of the run fields (caller adds more keys and dumps with sorted keys). */
json_t *runcfg_to_json(const struct unik_runcfg *rc);
/* Parses the artifact's config section. Returns 0 or -EINVAL with err filled. */
int runcfg_from_json(const char *text, size_t len, struct unik_runcfg *rc, char *err, size_t errlen);
void runcfg_free(struct unik_runcfg *rc);

/* NULL-terminated string vector helpers. */
void strv_push(char ***v, size_t *n, const char *s);
void strv_free(char **v, size_t n);

#endif
