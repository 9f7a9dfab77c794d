/* Public entry points of the image converter: `unik convert`, `unik inspect`, the artifact reader. */
#ifndef IMAGE_IMAGE_H
#define IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "unik/artifact.h"
#include "image/runcfg.h"

/*
 * `unik convert` with argv[0] == "convert". kernel[0..kernel_len) is the guest kernel ELF to
 * embed. Returns the exit status: 0 ok, 125 error (message "unik convert: <member>: <reason>" on
 * stderr), 2 usage error.
 */
int image_convert_main(int argc, char **argv, const void *kernel, size_t kernel_len);

/* `unik inspect` with argv[0] == "inspect". Returns 0, 125 on error, 2 on usage error. */
int image_inspect_main(int argc, char **argv);

/* An opened artifact: everything decompressed into one anonymous mapping. */
struct artifact {
	struct unik_artifact_header hdr;
	uint64_t file_size;
	uint8_t *mem;               /* the mapping: imgfs, then kernel, then config (+NUL) */
	size_t mem_len;
	const uint8_t *imgfs;       /* 4096-aligned; imgfs_len is a multiple of 4096 */
	size_t imgfs_len;
	const uint8_t *kernel;
	size_t kernel_len;
	uint8_t *imgfs_map;         /* the imgfs from the cache (shared, read-only), or NULL */
	bool use_cache;             /* opened through artifact_open_cached */
	bool skip_kernel;           /* ... without its kernel section */
	const char *config_json;    /* NUL-terminated */
	size_t config_len;
	struct unik_runcfg cfg;     /* parsed from config_json */
};

/*
 * Opens path, checks magic, version, header checksum, section layout, every section's stored and
 * content sha256 and the imgfs header, and parses the config. Returns 0, or a negative errno
 * with a one-line reason in err ("truncated artifact", "section imgfs: checksum mismatch", ...).
 * On success release with artifact_close().
 */
int artifact_open(const char *path, struct artifact *art, char *err, size_t errlen);
/* The same, using the decompressed-imgfs cache: one verified copy per image digest, mapped
   shared and read-only by every later run (see artifact.c). For `unik run`, which boots the
   monitor's own kernel unless told otherwise: without with_kernel the kernel section is neither
   decompressed nor checked (its place in the layout still is), and art->kernel is NULL. */
int artifact_open_cached(const char *path, struct artifact *art, bool with_kernel, char *err,
			 size_t errlen);
void artifact_close(struct artifact *art);

/* Name of a section type ("kernel", "imgfs", "config", "unknown"). */
const char *artifact_section_name(uint32_t type);

#endif
