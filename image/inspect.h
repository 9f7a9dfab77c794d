/* Walking an imgfs for `unik inspect`: counts and the --ls listing. */
#ifndef IMAGE_INSPECT_H
#define IMAGE_INSPECT_H

#include <stdint.h>
#include "image/imgfs.h"

struct inspect_counts {
	uint64_t entries, files, dirs, symlinks, hardlinks, bytes;
};

/* Counts names by type over the whole image; bytes counts each regular inode once. */
void inspect_count(const struct imgfs *fs, struct inspect_counts *k);

/*
 * Lists path (not following a final symlink) and, for a directory, everything below it, in name
 * order, one line each: MODE NLINK UID GID SIZE [SHA256] MTIME PATH[ -> TARGET]. Non-printable
 * bytes and backslashes in names are written as \ooo. as_json: a JSON array instead.
 * Returns 0, or -ENOENT after printing an error.
 */
int inspect_ls(const struct imgfs *fs, const char *path, int as_json, int digests);

#endif
