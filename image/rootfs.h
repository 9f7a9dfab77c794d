/* --rootfs DIR input: a host directory read into the in-memory tree. */
#ifndef IMAGE_ROOTFS_H
#define IMAGE_ROOTFS_H

#include "image/imgint.h"
#include "image/tree.h"

/* Reads dir recursively into t (limits apply; special files dropped with a note; symlinks kept;
 * hard links shared). Returns 0 or a negative errno with c->err set. */
int rootfs_load(struct img_ctx *c, const char *dir, struct tree *t);

#endif
