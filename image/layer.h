/* Layer blobs: decompression by content and application of tar layers to the in-memory tree. */
#ifndef IMAGE_LAYER_H
#define IMAGE_LAYER_H

#include "image/imgint.h"
#include "image/tree.h"

/* Compression detected from magic bytes: "tar" (none), "gzip", "zstd", "xz", "bzip2". */
const char *layer_compression(const uint8_t *p, size_t n);

/*
 * Uncompressed view of a layer blob. If p[0..n) is not compressed, *out points into it and
 * *owned is NULL; otherwise *out and *owned are a new buffer (free(*owned)). Size and ratio limits are
 * enforced with their own messages naming member. Returns 0 or a negative errno (c->err set).
 */
int layer_decompress(struct img_ctx *c, const char *member, const uint8_t *p, size_t n,
		     const uint8_t **out, size_t *outlen, uint8_t **owned);

/*
 * Applies the uncompressed tar layer tar[0..n) to t as generation t->gen (the caller increments
 * t->gen between layers), following the OCI layer rules. Returns 0 or a negative errno.
 */
int layer_apply(struct img_ctx *c, struct tree *t, const char *member, const uint8_t *tar, size_t n);

#endif
