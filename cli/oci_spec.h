/* An OCI runtime bundle's config.json, read into plain C for the runtime verbs (runtime.c). Only
   what unik uses or must refuse is kept; everything read is validated against the runtime spec. */
#ifndef CLI_OCI_SPEC_H
#define CLI_OCI_SPEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oci_mount {
	char *dest;             /* absolute */
	char *type;             /* "bind", "tmpfs", "proc"...; "" when absent */
	char *source;           /* "" when absent */
	bool bind;              /* type bind or a bind/rbind option */
	bool ro;                /* the "ro" option */
	uint32_t mode;          /* tmpfs: the "mode=" option (octal), 0 when absent */
};

struct oci_hook {
	char *path;             /* absolute */
	char **args;            /* NULL-terminated; args[0] is argv[0] (the path when absent) */
	char **env;             /* NULL-terminated */
	int timeout;            /* seconds; 0: none */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS
};

struct oci_rlimit {
	int resource;           /* RLIMIT_* */
	uint64_t soft, hard;
};

struct oci_spec {
	char *root_path;        /* as written (relative to the bundle when not absolute) */
	bool root_ro;
	char **args;            /* NULL-terminated, at least one */
	size_t nargs;
	char **env;             /* NULL-terminated */
	size_t nenv;
	char *cwd;              /* absolute */
	uint32_t uid, gid;
	uint32_t *gids;         /* additionalGids */
	size_t ngids;
	bool terminal;
	struct oci_rlimit *rlimits;
	size_t nrlimits;
	char *hostname;         /* NULL when absent */
	struct oci_mount *mounts;
	size_t nmounts;
	int64_t mem_limit;      /* linux.resources.memory.limit; <= 0: none */
	struct oci_hook *hooks[OCI_HOOK_KINDS];
	size_t nhooks[OCI_HOOK_KINDS];
	bool netns;             /* linux.namespaces has "network" */
	char *netns_path;       /* its path (join it), NULL: a new namespace */
	char *annotations;      /* the annotations object as JSON text ("{}" when absent) */
	/* process.capabilities: bounding, effective, permitted, inheritable, ambient (UNIK_CAP_*;
	   Linux's bit numbers), has_caps when given; a set it leaves out is empty. Without it runc
	   leaves the capabilities as they are (root: all). */
	bool has_caps;
	uint64_t caps[5];
};

/* Reads config.json text (len bytes). 0, or -1 with a message in err (what is wrong and where,
   e.g. "process.args: must be a non-empty array of strings"). s is zeroed first; free it with
   oci_spec_free in both cases. */
int oci_spec_parse(const char *text, size_t len, struct oci_spec *s, char *err, size_t errlen);
/* The same from BUNDLE/config.json. */
int oci_spec_load(const char *bundle, struct oci_spec *s, char *err, size_t errlen);
void oci_spec_free(struct oci_spec *s);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown. */
int oci_rlimit_number(const char *name);
#endif
