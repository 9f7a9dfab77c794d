/* x86-64 4-level page tables: map, look up and unmap 4 KiB pages of the user half. */
#ifndef K_PT_H
#define K_PT_H
#include <stdint.h>
#include <stdbool.h>

#define PTE_P    0x1ull
#define PTE_W    0x2ull
#define PTE_U    0x4ull
#define PTE_A    0x20ull
#define PTE_D    0x40ull
#define PTE_PS   0x80ull
#define PTE_G    0x100ull
#define PTE_NX   (1ull << 63)
#define PTE_PKEY(k) ((uint64_t)(k) << 59)
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_PROTNONE 0x200ull    /* software bit: page kept while its area is PROT_NONE (P clear) */
#define PTE_PRIVATE 0x400ull     /* software bit: the address space owns the page (anon, copies) */
#define PTE_XONLY 0x800ull       /* software bit: an execute-only area's page (the core's user
				    copies refuse it, as Linux's execute-only key makes them) */

/* Returns a pointer to the last-level entry for va, creating intermediate tables when create is
   true (NULL when out of memory, or when va is not mapped and create is false). */
uint64_t *pt_walk(uint64_t pml4_pa, uint64_t va, bool create);
/* Maps one page. Returns 0 or -ENOMEM. An existing entry is replaced. */
int pt_map(uint64_t pml4_pa, uint64_t va, uint64_t pa, uint64_t flags);
/* Clears the entry for va and returns what it held (0 if nothing was mapped). */
uint64_t pt_unmap(uint64_t pml4_pa, uint64_t va);
/* Frees the user-half tables (not the pages they map) of an address space, and the PML4 itself. */
void pt_free_user(uint64_t pml4_pa);
#endif
