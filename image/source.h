/* Image sources: an outer archive (file, stdin, gzip/zstd-compressed) or an OCI layout directory. */
#ifndef IMAGE_SOURCE_H
#define IMAGE_SOURCE_H

#include "image/imgint.h"

struct src_member {
	char *name;                 /* cleaned archive path */
	uint8_t *data;
	size_t len;
	char *link;                 /* symlink/hardlink: cleaned target path, else NULL */
};

struct source {
	struct src_member *m;
	size_t n, cap;
	int dirfd;                  /* OCI layout directory, or -1 for an archive */
	const char *label;          /* for messages */
};

/* Reads every member of the archive at path ("-" = stdin) into memory. The outer archive may be
 * compressed (detected by content). Nothing is written to the host. Returns 0 or -errno. */
int source_open_archive(struct img_ctx *c, const char *path, struct source *s);
/* Opens an OCI layout directory; members are read on demand, confined below dir. */
int source_open_dir(struct img_ctx *c, const char *dir, struct source *s);
/* Finds a member, following archive symlinks (bounded). Returns 0 with *p and *n set, -ENOENT (no
 * error recorded), or another -errno with c->err set. */
int source_get(struct img_ctx *c, struct source *s, const char *name, const uint8_t **p, size_t *n);
int source_has(struct img_ctx *c, struct source *s, const char *name);
void source_free(struct source *s);

#endif
