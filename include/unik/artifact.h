/* The .unik artifact container: one file holding the guest kernel, the imgfs root and the config. */
#ifndef UNIK_ARTIFACT_H
#define UNIK_ARTIFACT_H

/*
 * C99 + stdint only, little-endian. The file is a 512-byte header followed by the stored bytes of
 * each section in header order, with nothing between them and nothing after the last one.
 * Every section is one zstd frame (content size and checksum flags set) of its content.
 * Reproducible: the header holds no time, host name or path; the same input gives the same bytes.
 * header_sha256 is the sha256 of the 512 header bytes with header_sha256 itself zeroed.
 * Version rule: readers refuse another version; fields are only appended into reserved space.
 */
#include <stdint.h>

#define UNIK_ARTIFACT_MAGIC        "UNIKART1"   /* 8 bytes, no NUL stored */
#define UNIK_ARTIFACT_VERSION      1u
#define UNIK_ARTIFACT_MAX_SECTIONS 4u

enum unik_artifact_section_type {
	UNIK_SECTION_NONE   = 0,
	UNIK_SECTION_KERNEL = 1,    /* the guest kernel ELF */
	UNIK_SECTION_IMGFS  = 2,    /* the root filesystem, include/unik/imgfs.h */
	UNIK_SECTION_CONFIG = 3,    /* run configuration, canonical JSON (docs/format.md) */
};

enum unik_artifact_compression {
	UNIK_COMPRESS_NONE = 0,
	UNIK_COMPRESS_ZSTD = 1,
};

struct unik_artifact_section {
	uint32_t type;              /* enum unik_artifact_section_type; 0 = unused slot (all zero) */
	uint32_t compression;       /* enum unik_artifact_compression */
	uint64_t offset;            /* file offset of the stored bytes */
	uint64_t stored_size;       /* bytes in the file */
	uint64_t size;              /* bytes after decompression */
	uint8_t  sha256[32];        /* of the decompressed content */
	uint8_t  stored_sha256[32]; /* of the stored bytes */
};
_Static_assert(sizeof(struct unik_artifact_section) == 96, "artifact section size");

struct unik_artifact_header {
	uint8_t  magic[8];          /* UNIK_ARTIFACT_MAGIC */
	uint32_t version;           /* UNIK_ARTIFACT_VERSION */
	uint32_t header_size;       /* 512 */
	uint32_t section_count;     /* used slots, 1..UNIK_ARTIFACT_MAX_SECTIONS, packed first */
	uint32_t flags;             /* 0 */
	uint64_t file_size;         /* total artifact bytes */
	struct unik_artifact_section sections[UNIK_ARTIFACT_MAX_SECTIONS];
	uint8_t  reserved[64];      /* zero */
	uint8_t  header_sha256[32];
};
_Static_assert(sizeof(struct unik_artifact_header) == 512, "artifact header size");

#endif
