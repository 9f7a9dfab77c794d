/* Page-table walking for the user half; the kernel half is built by the monitor and shared. */
#include "k/kernel.h"
#include "k/pt.h"
#include "k/pmm.h"

static inline unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

uint64_t *pt_walk(uint64_t pml4_pa, uint64_t va, bool create)
{
	uint64_t *table = phys_to_virt(pml4_pa);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[pt_index(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = pmm_alloc_table();
			if (!pa)
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U | PTE_A;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return &table[pt_index(va, 0)];
}

int pt_map(uint64_t pml4_pa, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *e = pt_walk(pml4_pa, va, true);
	if (!e)
		return -ENOMEM;
	*e = (pa & PTE_ADDR) | flags | PTE_P;
	return 0;
}

uint64_t pt_unmap(uint64_t pml4_pa, uint64_t va)
{
	uint64_t *e = pt_walk(pml4_pa, va, false);
	if (!e)
		return 0;
	uint64_t old = *e;
	*e = 0;
	return old;
}

static void pt_free_level(uint64_t table_pa, int level)
{
	uint64_t *t = phys_to_virt(table_pa);
	if (level > 0)
		for (int i = 0; i < 512; i++)
			if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
				pt_free_level(t[i] & PTE_ADDR, level - 1);
	pmm_free_table(table_pa);
}

void pt_free_user(uint64_t pml4_pa)
{
	uint64_t *t = phys_to_virt(pml4_pa);
	for (int i = 0; i < 256; i++)
		if (t[i] & PTE_P)
			pt_free_level(t[i] & PTE_ADDR, 2);
	pmm_free_table(pml4_pa);
}
