/* Tables of guest-physical page addresses by page index, up to 512 GiB of a file, one to three
   levels deep as the file needs (sparse: tables are made as pages are; Linux's tmpfs takes
   bigger sparse files): the page caches of tmpfs and hostfs files and the shared text pages
   (vfs/textpage.c). Bit 0 of a slot is its owner's flag; the page's address is the rest. */
#ifndef VFS_PAGETAB_H
#define VFS_PAGETAB_H
#include <stdint.h>
#include <stdbool.h>

#define PAGETAB_FANOUT 512
#define PAGETAB_MAX_PAGES ((uint64_t)PAGETAB_FANOUT * PAGETAB_FANOUT * PAGETAB_FANOUT)
#define PAGETAB_PA(slot) ((slot) & ~1ull)

/* The slot of page idx, the tables made when create; NULL past the end, when absent and not
   create, or out of memory. *root is an opaque handle (NULL: no table yet). */
uint64_t *pagetab_slot(uint64_t **root, uint64_t idx, bool create);
/* Frees every page the table holds and the table itself; returns how many pages. */
uint64_t pagetab_free(uint64_t **root);
/* Frees the pages at index first and after, and the tables left empty (the root too when first
   is 0); returns how many pages. */
uint64_t pagetab_free_from(uint64_t **root, uint64_t first);
/* Calls fn with each nonzero slot and its page index, in order; stops at fn's first nonzero
   return and gives it back (0 when fn never stopped it). */
int pagetab_each(uint64_t *root, int (*fn)(void *ctx, uint64_t idx, uint64_t *slot), void *ctx);
#endif
