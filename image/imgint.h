/* Internal helpers shared by the image converter: context, errors, limits, buffers, sha256. */
#ifndef IMAGE_IMGINT_H
#define IMAGE_IMGINT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Safety limits; each one that trips has its own message. */
struct img_limits {
	uint64_t max_entries;       /* tar entries over all layers */
	uint64_t max_bytes;         /* uncompressed bytes: all file data, and the outer archive */
	uint32_t max_depth;         /* path components */
	uint32_t max_ratio;         /* uncompressed/compressed, checked once past ratio_floor */
	uint64_t ratio_floor;
	uint32_t max_layers;
	uint64_t max_json;          /* bytes of one manifest/index/config */
};

/* Conversion context: the first error wins and is kept as "member: reason". */
struct img_ctx {
	struct img_limits lim;
	char err[1024];
	int failed;
	FILE *log;                  /* notes and warnings; NULL = silent */
	int progress;               /* print progress to stderr (TTY only) */
	uint64_t entries;           /* counted against lim.max_entries */
	uint64_t bytes;             /* counted against lim.max_bytes */
	unsigned dropped;           /* device nodes, FIFOs, sockets dropped */
	uint64_t acl_work;          /* squared entry counts of the ACLs read (tacl_prescan) */
};

void img_ctx_init(struct img_ctx *c);

/* Records an error for member (may be NULL) unless one is already recorded. Returns -EINVAL
 * (or the errno passed through img_failc), so callers can `return img_fail(...)`. */
int img_fail(struct img_ctx *c, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int img_failc(struct img_ctx *c, int code, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* One-line note/warning on c->log. */
void img_note(struct img_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Growable byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};
int buf_reserve(struct buf *b, size_t extra);       /* 0 or -ENOMEM */
int buf_put(struct buf *b, const void *p, size_t n);
int buf_zero(struct buf *b, size_t n);              /* appends n zero bytes */
void buf_free(struct buf *b);

/* sha256 helpers (OpenSSL EVP). */
void sha256(const void *p, size_t n, uint8_t out[32]);
void sha256_hex(const uint8_t d[32], char out[65]);
/* "sha256:<64 lowercase hex>" -> 0 with the hex copied to hex[65]; anything else -> -EINVAL. */
int digest_parse(const char *s, char hex[65]);

void *xcalloc(size_t n, size_t sz) __attribute__((returns_nonnull, malloc));               /* aborts on OOM: host tool */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xstrjoin(const char *a, const char *sep, const char *b);     /* a + sep + b, new */

#endif
