/* Physical page allocator over guest-physical memory the monitor left free. */
#ifndef K_PMM_H
#define K_PMM_H
#include <stdint.h>
#include <stddef.h>

/* Takes [start, end) as allocatable; start and end page aligned. */
void pmm_init(uint64_t start, uint64_t end);
/* Returns the guest-physical address of a zeroed page, or 0 when memory is exhausted. */
uint64_t pmm_alloc(void);
/* n physically contiguous zeroed pages from memory never used before, or 0. Pages from here may
   be returned one by one with pmm_free. */
uint64_t pmm_alloc_contig(size_t n);
/* Returns a page to the allocator. */
void pmm_free(uint64_t pa);
/* Pages still available. */
uint64_t pmm_free_pages(void);
#endif
