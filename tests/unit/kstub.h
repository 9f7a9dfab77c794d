/* Host stand-ins for guest kernel services (see kstub.c). */
#ifndef TESTS_KSTUB_H
#define TESTS_KSTUB_H
#include <stdint.h>
/* Resets "physical memory" to pages pages (page 0 is never handed out). */
void kstub_init(uint64_t pages);
uint64_t kstub_pages_in_use(void);
extern int kstub_tlb_flushes;
/* What pmm_free_pages reports (mm_fork copies pages while they fit in a quarter of it). */
extern uint64_t kstub_free_pages;
/* What mm_memlock_rlimit and mm_memlock_capable report (default: 8 MiB, capable). */
extern uint64_t kstub_memlock_rlimit;
extern int kstub_memlock_capable;
/* Blocks kmalloc'd and not yet kfree'd. */
uint64_t kstub_kmalloc_live(void);
/* pages contiguous zeroed pages of "physical memory" (never freed), or 0. */
uint64_t kstub_alloc_contig(uint64_t pages);
struct inode;
/* A bare inode with one reference, from a small static pool (kstub_inode.c). */
struct inode *kstub_inode(void);
#endif
