/* Host-side imgfs: serialising the tree and a bounds-checked reader for inspect and checks. */
#ifndef IMAGE_IMGFS_H
#define IMAGE_IMGFS_H

#include <stddef.h>
#include <stdint.h>
#include "unik/imgfs.h"
#include "image/imgint.h"
#include "image/tree.h"

struct imgfs_stats {
	uint32_t inodes, files, dirs, symlinks;
	uint64_t file_bytes;
};

/* Serialises t into a new page-multiple buffer (*out, free()). Deterministic: depends only on
 * the tree's content. Returns 0 or a negative errno with c->err set. */
int imgfs_build(struct img_ctx *c, struct tree *t, uint8_t **out, size_t *outlen,
		struct imgfs_stats *st);

/* A validated image in memory (not owned). */
struct imgfs {
	const uint8_t *base;
	size_t len;
	const struct imgfs_header *h;
};

/* Validates the header and every table's bounds. Returns 0 or -EINVAL with why set. */
int imgfs_open(struct imgfs *fs, const void *p, size_t len, const char **why);
/* Inode by number, or NULL if out of range or its fields point outside the image. */
const struct imgfs_inode *imgfs_inode(const struct imgfs *fs, uint32_t ino);
/* Entry i of directory inode d (0 <= i < d->size), or NULL. */
const struct imgfs_dirent *imgfs_dirent(const struct imgfs *fs, const struct imgfs_inode *d,
				       uint64_t i);
/* Bytes of the string table at off (len bytes), or NULL if out of bounds. */
const char *imgfs_str(const struct imgfs *fs, uint64_t off, uint64_t len);
/* Binary search of name in directory d; returns the inode number or 0. */
uint32_t imgfs_lookup(const struct imgfs *fs, const struct imgfs_inode *d, const char *name,
		      size_t len);
/* Resolves an absolute path inside the image (symlinks followed inside the image, at most 40;
 * the final one only if follow). Returns the inode number, or a negative errno. */
int64_t imgfs_resolve(const struct imgfs *fs, const char *path, int follow);
/* Content of a regular file inode, or NULL. */
const uint8_t *imgfs_data(const struct imgfs *fs, const struct imgfs_inode *ino);

#endif
