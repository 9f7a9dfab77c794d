/* tmpfs internals shared by its files (tmpfs.c: contents; tmpfs_dir.c: directories, the image). */
#ifndef VFS_TMPFS_H
#define VFS_TMPFS_H
#include <stdint.h>
#include "vfs/textpage.h"
#include <stdbool.h>
#include <stddef.h>
#include "unik/imgfs.h"

struct inode;

struct tmpfs_dirent {
	const char *name;               /* in the image's string table, or owned (kmalloc) */
	bool name_owned;
	uint8_t len;
	uint32_t img_ino;               /* not yet instantiated: the image inode */
	uint64_t pos;                   /* listing cookie: stays put when other names go */
	struct inode *ino;              /* instantiated inode (a reference) */
	struct tmpfs_dirent *next;
};

/* An extended attribute of the inode's own (tmpfs_xattr.c), in one kmalloc block with its
   name. */
struct tmpfs_xattr {
	struct tmpfs_xattr *next;
	void *value;                    /* vlen bytes, a blob (vfs/blob.h); NULL when 0 */
	uint32_t nlen, vlen;
	bool charged;                   /* counted in tmpfs_sb.xattr_space (set at run time) */
	char name[];                    /* nlen + 1 bytes */
};

struct tmpfs_node {
	/* directories */
	struct tmpfs_dirent *entries;
	uint32_t nentries;
	uint64_t added;                 /* names ever added (the next entry's cookie, less 2) */
	bool populated;                 /* image entries loaded */
	struct inode *parent;           /* directories: for "..", not referenced */
	/* regular files: owned pages (two-level table); image content is inode->contig_pa */
	uint64_t *pages;
	uint64_t npages;                /* data pages owned (st_blocks) */
	/* image files: the shared text pages of executable mappings (tmpfs_text_page) */
	struct text_pages text;
	/* symlinks */
	char *target;                   /* owned target, or NULL when in the image */
	/* the image inode this came from (0: created at run time) */
	uint32_t img_ino;
	/* extended attributes once changed at run time (they then replace the image's) */
	struct tmpfs_xattr *xattrs;     /* in the order they were added */
	bool xattrs_own;
};

struct tmpfs_sb {
	const uint8_t *image;           /* the imgfs image in the direct map, or NULL */
	uint64_t image_len, image_gpa;
	const struct imgfs_header *hdr;
	struct inode ***imap;           /* image inode -> instantiated inode (hard links) */
	uint64_t next_ino;
	uint64_t xattr_space;           /* counted by the attributes set at run time */
};

/* Contents of regular files (tmpfs.c). */
int64_t tmpfs_read(struct inode *ino, void *buf, size_t len, uint64_t off);
int64_t tmpfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off);
uint64_t tmpfs_page(struct inode *ino, uint64_t pgoff, bool write);
uint64_t tmpfs_text_page(struct inode *ino, uint64_t pgoff, int use);
bool tmpfs_is_text_page(struct inode *ino, uint64_t pgoff, uint64_t pa);
int tmpfs_truncate(struct inode *ino, uint64_t size);
int64_t tmpfs_seek_data(struct inode *ino, uint64_t off, int whence);
int tmpfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len);
uint64_t tmpfs_blocks(struct inode *ino);
void tmpfs_free_pages(struct tmpfs_node *n, uint64_t first);

/* The image's xattr i of an inode (tmpfs_dir.c): false past the last or when malformed. */
bool tmpfs_img_xattr(struct inode *ino, uint32_t i, const char **name, uint32_t *nlen,
		     const void **value, uint32_t *vlen);
/* Extended attributes (tmpfs_xattr.c), with the inode_ops contracts. */
int64_t tmpfs_getxattr(struct inode *ino, const char *name, void *buf, size_t size);
int64_t tmpfs_listxattr(struct inode *ino, char *buf, size_t size);
int tmpfs_setxattr(struct inode *ino, const char *name, const void *value, size_t size,
		   int flags);
int tmpfs_removexattr(struct inode *ino, const char *name);
void tmpfs_xattrs_free(struct inode *ino);
#endif
