/* imgfs: the read-only root filesystem image shared by the host converter and the guest kernel. */
#ifndef UNIK_IMGFS_H
#define UNIK_IMGFS_H

/*
 * C99 + stdint only. All integers little-endian; all offsets are byte offsets from the start of
 * the image, which the loader places at a 4096-aligned address. Layout, in this order:
 *
 *   struct imgfs_header                  at 0
 *   struct imgfs_inode[inode_count]      at inode_off (inode number N lives at index N-1)
 *   struct imgfs_dirent[dirent_count]    at dirent_off (each directory's entries contiguous,
 *                                        sorted by name bytes: memcmp, then shorter first)
 *   struct imgfs_xattr[xattr_count]      at xattr_off (each inode's run sorted by name)
 *   string table (names, link targets, xattr names and values; not NUL-terminated)
 *   file data, each regular file's bytes starting on a 4096-byte boundary; the image size is a
 *   multiple of 4096, and the tail of a file's last page is zero.
 *
 * Version rule: fields are only appended; a reader refuses a major version it does not know.
 */
#include <stdint.h>

#define IMGFS_MAGIC         "UNIKIMGF"          /* 8 bytes, no NUL stored */
#define IMGFS_VERSION       1u
#define IMGFS_PAGE_SIZE     4096u
#define IMGFS_ROOT_INO      1u
#define IMGFS_NAME_MAX      255u
#define IMGFS_SYMLINK_MAX   4095u

/* Inode mode bits follow Linux (S_IFMT etc.); only these file types occur in an image. */
#define IMGFS_S_IFMT        0170000u
#define IMGFS_S_IFDIR       0040000u
#define IMGFS_S_IFREG       0100000u
#define IMGFS_S_IFLNK       0120000u

struct imgfs_header {
	uint8_t  magic[8];          /* IMGFS_MAGIC */
	uint32_t version;           /* IMGFS_VERSION */
	uint32_t header_size;       /* sizeof(struct imgfs_header) */
	uint64_t image_size;        /* total bytes, multiple of IMGFS_PAGE_SIZE */
	uint32_t inode_count;       /* inodes numbered 1..inode_count; root is IMGFS_ROOT_INO */
	uint32_t root_ino;
	uint64_t inode_off;
	uint64_t dirent_off;
	uint64_t dirent_count;
	uint64_t xattr_off;
	uint64_t xattr_count;
	uint64_t strtab_off;
	uint64_t strtab_size;
	uint64_t data_off;          /* first page of file data (multiple of IMGFS_PAGE_SIZE) */
	uint64_t data_size;         /* image_size - data_off */
	uint64_t file_bytes;        /* sum of regular file sizes (hard links counted once) */
	uint8_t  reserved[16];      /* zero */
};
_Static_assert(sizeof(struct imgfs_header) == 128, "imgfs_header size");

struct imgfs_inode {
	uint32_t mode;              /* S_IFMT type | permission bits incl. setuid/setgid/sticky */
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;             /* names referring to it; directories: 2 + subdirectories */
	int64_t  mtime_sec;
	uint32_t mtime_nsec;
	uint32_t parent;            /* directories: inode number of the parent (root: itself) */
	uint64_t size;              /* regular: bytes; symlink: target length; dir: entry count */
	uint64_t data;              /* regular: data offset (page-aligned, 0 if size 0);
	                               symlink: string table offset of the target;
	                               dir: index of the first entry in the dirent table */
	uint32_t xattr_first;       /* index into the xattr table */
	uint32_t xattr_count;
	uint8_t  reserved[8];       /* zero */
};
_Static_assert(sizeof(struct imgfs_inode) == 64, "imgfs_inode size");

struct imgfs_dirent {
	uint64_t name_off;          /* string table offset */
	uint32_t name_len;          /* 1..IMGFS_NAME_MAX; never "." or ".." */
	uint32_t ino;
};
_Static_assert(sizeof(struct imgfs_dirent) == 16, "imgfs_dirent size");

struct imgfs_xattr {
	uint64_t name_off;          /* string table offset, full name e.g. "security.capability" */
	uint64_t value_off;         /* string table offset */
	uint32_t name_len;
	uint32_t value_len;
};
_Static_assert(sizeof(struct imgfs_xattr) == 24, "imgfs_xattr size");

#endif
