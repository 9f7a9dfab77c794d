/* Two-level tables of guest-physical page addresses by page index, up to 1 GiB of a file: the
   page caches of tmpfs and hostfs files and the shared text pages (vfs/textpage.c). Bit 0 of a
   slot is its owner's flag; the page's address is the rest. */
#ifndef VFS_PAGETAB_H
#define VFS_PAGETAB_H
#include <stdint.h>
#include <stdbool.h>

#define PAGETAB_FANOUT 512
#define PAGETAB_MAX_PAGES ((uint64_t)PAGETAB_FANOUT * PAGETAB_FANOUT)
#define PAGETAB_PA(slot) ((slot) & ~1ull)

/* The slot of page idx, the tables made when create; NULL past the end, when absent and not
   create, or out of memory. */
uint64_t *pagetab_slot(uint64_t **root, uint64_t idx, bool create);
/* Frees every page the table holds and the table itself; returns how many pages. */
uint64_t pagetab_free(uint64_t **root);
#endif
