/* The conversion pipeline without the command line: source -> tree -> imgfs -> artifact bytes. */
#ifndef IMAGE_CONVERT_H
#define IMAGE_CONVERT_H

#include <jansson.h>
#include "image/imgint.h"
#include "image/runcfg.h"

struct convert_req {
	const char *input;          /* archive path, "-" for stdin, or an OCI layout directory */
	const char *selector;       /* NAME[:TAG] or NULL */
	const char *rootfs;         /* --rootfs DIR instead of input, or NULL */
	struct runcfg_overrides ov;
	const void *kernel;
	size_t kernel_len;
	int level;                  /* zstd level */
};

/*
 * Converts r into artifact bytes (*out, free()). *report (may be NULL) gets the check report
 * (a new reference). Warnings and notes go to c->log. Returns 0 or a negative errno with c->err.
 */
int convert_image(struct img_ctx *c, const struct convert_req *r, uint8_t **out, size_t *outlen,
		  json_t **report);
/* The same, also giving in *config (may be NULL) the artifact's config section as a JSON object
 * (a new reference): the run fields of runcfg_to_json plus "image", for writers that describe
 * the artifact (oci_out.c). */
int convert_image_config(struct img_ctx *c, const struct convert_req *r, uint8_t **out,
			 size_t *outlen, json_t **report, json_t **config);

/* Splits "IMAGE.tar:NAME[:TAG]" at the first ':' whose prefix exists on the host. Returns 0 with
 * *path (new string) and *sel (new string or NULL), or -ENOENT. "-" is stdin. */
int convert_split_input(const char *arg, char **path, char **sel);

#endif
