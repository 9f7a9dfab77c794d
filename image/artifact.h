/* Artifact writer (internal); the reader API is in image/image.h. */
#ifndef IMAGE_ARTIFACT_H
#define IMAGE_ARTIFACT_H

#include "image/image.h"
#include "image/imgfs.h"
#include "image/imgint.h"

struct artifact_part {
	uint32_t type;              /* enum unik_artifact_section_type */
	const void *data;
	size_t len;
};

/* Builds the artifact bytes from parts (kernel, imgfs, config in that order) with zstd level.
 * Deterministic for the same parts and level. Returns 0 or -errno with c->err set. */
int artifact_build(struct img_ctx *c, const struct artifact_part *parts, size_t n, int level,
		   uint8_t **out, size_t *outlen);

#endif
