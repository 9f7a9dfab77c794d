/* Physical page allocator over guest-physical memory the monitor left free. */
#ifndef K_PMM_H
#define K_PMM_H
#include <stdint.h>
#include <stddef.h>

/* Takes [start, end) as allocatable; start and end page aligned. */
void pmm_init(uint64_t start, uint64_t end);
/* Returns the guest-physical address of a zeroed page, or 0 when memory is exhausted. */
uint64_t pmm_alloc(void);
/* n physically contiguous zeroed pages, from memory never used before while there is enough,
   else from a run of returned pages; 0 if there is no such run. Pages from here may be returned
   one by one with pmm_free. */
uint64_t pmm_alloc_contig(size_t n);
/* A zeroed page for a page table: a returned data page first, then memory never used before,
   and a page that was a page table only when nothing else is left. On kvm_pvm a page the
   hypervisor still shadows as a page table traps on every write (clearing one costs about a
   millisecond), and the first touch of never-used memory costs a shadow fill of its own
   (fork's child tables: 51 -> 37 us with returned pages first). */
uint64_t pmm_alloc_table(void);
/* Frees a page that served as a page table: it is given out again only when nothing else is
   left. */
void pmm_free_table(uint64_t pa);
/* Returns a page to the allocator. */
void pmm_free(uint64_t pa);
/* Pages still available, and all the allocator manages. */
uint64_t pmm_free_pages(void);
uint64_t pmm_total_pages(void);
#endif
