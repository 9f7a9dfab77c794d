/* Two-level page tables of files (see vfs/pagetab.h). */
#include "k/kernel.h"
#include "k/pmm.h"
#include "vfs/pagetab.h"

uint64_t *pagetab_slot(uint64_t **root, uint64_t idx, bool create)
{
	if (idx >= PAGETAB_MAX_PAGES)
		return NULL;
	if (!*root) {
		uint64_t pa = create ? pmm_alloc() : 0;
		if (!pa)
			return NULL;
		*root = phys_to_virt(pa);
	}
	uint64_t *l1 = &(*root)[idx / PAGETAB_FANOUT];
	if (!*l1 && (!create || !(*l1 = pmm_alloc())))
		return NULL;
	return (uint64_t *)phys_to_virt(*l1) + idx % PAGETAB_FANOUT;
}

uint64_t pagetab_free(uint64_t **root)
{
	uint64_t n = 0;
	if (!*root)
		return 0;
	for (uint64_t i = 0; i < PAGETAB_FANOUT; i++) {
		if (!(*root)[i])
			continue;
		uint64_t *l2 = phys_to_virt((*root)[i]);
		for (uint64_t j = 0; j < PAGETAB_FANOUT; j++)
			if (PAGETAB_PA(l2[j])) {
				pmm_free(PAGETAB_PA(l2[j]));
				n++;
			}
		pmm_free((*root)[i]);
	}
	pmm_free(virt_to_phys(*root));
	*root = NULL;
	return n;
}
