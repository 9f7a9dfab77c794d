/* Test helpers for image/: tar layers and image archives built in memory with libarchive's writer. */
#ifndef TEST_IMAGE_UTIL_H
#define TEST_IMAGE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "image/imgint.h"
#include "image/tree.h"

/* A tar being written into memory. */
struct tw;
struct tw *tw_new(void);
void tw_file(struct tw *w, const char *path, unsigned mode, const char *content);
void tw_file_bytes(struct tw *w, const char *path, unsigned mode, const void *p, size_t n);
void tw_dir(struct tw *w, const char *path, unsigned mode);
void tw_symlink(struct tw *w, const char *path, const char *target);
void tw_hardlink(struct tw *w, const char *path, const char *target);
void tw_special(struct tw *w, const char *path, unsigned type);  /* AE_IFCHR, AE_IFIFO, ... */
/* Full control: uid/gid/mtime and one xattr (xname NULL for none). */
void tw_file_meta(struct tw *w, const char *path, unsigned mode, const char *content, int64_t uid,
		  int64_t gid, int64_t mtime, const char *xname, const char *xval);
/* Closes the archive; returns its bytes (free()). */
uint8_t *tw_finish(struct tw *w, size_t *len);

/* A tar written by hand into b, for pax records libarchive's writer cannot produce (SCHILY.acl.*
 * text as GNU tar writes it, unparsable text). pax: records before the entry, ended by a NULL
 * key; len 0 means strlen(val). type: '0' file, '5' directory, '2' symlink (content: target). */
struct tu_pax {
	const char *key;
	const void *val;
	size_t len;
};
void tu_raw_entry(struct buf *b, const char *path, char type, unsigned mode, const char *content,
		  const struct tu_pax *pax);
/* Ends the archive; returns its bytes (free()). */
uint8_t *tu_raw_finish(struct buf *b, size_t *len);

/* gzip- or zstd-compresses bytes ("gzip"/"zstd"). */
uint8_t *tu_compress(const char *filter, const uint8_t *p, size_t n, size_t *outlen);
void tu_sha256_hex(const void *p, size_t n, char hex[65]);

/* An outer archive: named members, written to a temp file by tu_write_archive. */
struct tu_member {
	char name[256];
	uint8_t *data;
	size_t len;
	const char *symlink;        /* non-NULL: a symlink member */
};
struct tu_archive {
	struct tu_member m[32];
	int n;
};
void tu_add(struct tu_archive *a, const char *name, const void *p, size_t n);
void tu_add_symlink(struct tu_archive *a, const char *name, const char *target);
/* Writes a temp file (tar, optionally filter "gzip"/"zstd") and returns its path (free()). */
char *tu_write_archive(struct tu_archive *a, const char *filter);
void tu_archive_free(struct tu_archive *a);

/* A docker-save (<= 24) archive of the given uncompressed layers and the "config" object text
 * (without rootfs: added here). tags: JSON array text, e.g. "[\"x:1\"]". */
void tu_docker_archive(struct tu_archive *a, uint8_t **layers, size_t *lens, int n,
		       const char *config, const char *tags);
/* An OCI archive (index -> manifest) of the given (possibly compressed) layer blobs. */
void tu_oci_archive(struct tu_archive *a, uint8_t **blobs, size_t *lens, int n, const char *config);

/* Converts the archive at path (selector may be NULL); returns convert_image's result and
 * leaves the artifact at *artpath (free() and unlink) on success. */
int tu_convert(struct img_ctx *c, const char *path, const char *selector, char **artpath);
struct runcfg_overrides;
int tu_convert_ov(struct img_ctx *c, const char *path, const char *selector,
		  const struct runcfg_overrides *ov, char **artpath);

/* The layer tests' fixture (cmocka setup and teardown): a quiet context and an empty tree. */
struct tu_fx {
	struct img_ctx c;
	struct tree *t;
};
int tu_fx_setup(void **state);
int tu_fx_teardown(void **state);
#define TU_FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, tu_fx_setup, tu_fx_teardown)
/* Applies tar[0..n) to f's tree as the next layer and frees it; returns the result. */
int tu_fx_apply(struct tu_fx *f, uint8_t *tar, size_t n);

/* Applies one tar layer to t as the next generation. */
int tu_apply(struct img_ctx *c, struct tree *t, const uint8_t *tar, size_t n);
/* The inode at path in t (no symlinks followed), or NULL. */
struct tinode *tu_lookup(struct tree *t, const char *path);

/* A quiet context with default limits. */
void tu_ctx(struct img_ctx *c);

#endif
