/* Byte strings of up to 64 KiB kept in kernel memory (extended attribute values, ACLs): one heap
   block up to a page, beyond that single pages listed in a small table, since runs of
   contiguous pages come only from memory never used before. */
#ifndef VFS_BLOB_H
#define VFS_BLOB_H
#include <stdint.h>

/* A copy of the len bytes at src (len > 0), or NULL without memory. */
void *blob_copy(const void *src, uint32_t len);
/* A copy of the blob b of len bytes, or NULL without memory. */
void *blob_dup(const void *b, uint32_t len);
/* Frees b (len bytes; NULL is fine). */
void blob_free(void *b, uint32_t len);
/* Copies the len bytes of b into buf. */
void blob_read(const void *b, uint32_t len, void *buf);
/* The byte at off (< len) of b; the bytes after it are contiguous up to the end of its page,
   so records of a size dividing the page never straddle two. */
void *blob_at(const void *b, uint32_t len, uint32_t off);
#endif
