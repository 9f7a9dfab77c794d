/* Image selection: docker-save manifest.json and OCI index/manifest parsing into a layer plan. */
#ifndef IMAGE_MANIFEST_H
#define IMAGE_MANIFEST_H

#include <jansson.h>
#include "image/source.h"

struct img_layer {
	char *member;               /* source member holding the blob */
	char blob_hex[65];          /* expected sha256 of the stored blob, "" if not known */
};

struct img_plan {
	const char *format;         /* "docker-archive" or "oci" */
	char *ref;                  /* the selected image's name, or NULL */
	char config_hex[65];        /* sha256 of the config blob */
	json_t *config;             /* the parsed image config */
	struct img_layer *layers;
	size_t nlayers;
	char (*diff_ids)[65];       /* rootfs.diff_ids: sha256 of each uncompressed layer */
	size_t ndiff;
};

/*
 * Chooses the image in s (selector: NAME[:TAG] or NULL) and fills p: layer members in order,
 * the verified config, the diff_ids. manifest.json is preferred when present; otherwise the OCI
 * index is walked (nested indexes; linux/amd64 chosen by platform). Returns 0 or -errno.
 */
int manifest_plan(struct img_ctx *c, struct source *s, const char *selector, struct img_plan *p);
void manifest_plan_free(struct img_plan *p);

/* Loads and parses a JSON member with the size limit; errors name the member. */
int manifest_load_json(struct img_ctx *c, struct source *s, const char *member, const char *hex,
		       json_t **out);
/* Normalises a docker reference: "busybox" -> "docker.io/library/busybox:latest". */
char *manifest_normalize_ref(const char *ref);

#endif
