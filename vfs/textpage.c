/* Shared text pages of executable mappings (see vfs/textpage.h). */
#include "k/kernel.h"
#include "k/pmm.h"
#include "vfs/textpage.h"

#define TEXT_FANOUT 512

uint64_t text_pages_total;

static uint64_t *text_slot(uint64_t **root, uint64_t idx, bool create)
{
	if (idx >= (uint64_t)TEXT_FANOUT * TEXT_FANOUT)
		return NULL;
	if (!*root) {
		uint64_t pa = create ? pmm_alloc() : 0;
		if (!pa)
			return NULL;
		*root = phys_to_virt(pa);
	}
	uint64_t *l1 = &(*root)[idx / TEXT_FANOUT];
	if (!*l1 && (!create || !(*l1 = pmm_alloc())))
		return NULL;
	return (uint64_t *)phys_to_virt(*l1) + idx % TEXT_FANOUT;
}

uint64_t text_pages_get(struct text_pages *t, uint64_t pgoff, uint64_t src, bool now)
{
	if (t->retired || !src)
		return 0;
	uint64_t *slot = text_slot(&t->table, pgoff, true);
	if (!slot)
		return 0;
	if (*slot > 1)
		return *slot;
	if (!*slot && !now) {
		*slot = 1;              /* first use: the file's own page */
		return 0;
	}
	if (text_pages_total >= boot_info->mem_size / PAGE_SIZE / 8)
		return 0;
	uint64_t pa = pmm_alloc();
	if (!pa)
		return 0;
	memcpy(phys_to_virt(pa), phys_to_virt(src), PAGE_SIZE);
	*slot = pa;
	t->n++;
	text_pages_total++;
	return pa;
}

bool text_pages_is(const struct text_pages *t, uint64_t pgoff, uint64_t pa)
{
	uint64_t *root = t->table;
	uint64_t *slot = root ? text_slot(&root, pgoff, false) : NULL;
	return slot && pa > 1 && *slot == pa;
}

void text_pages_retire(struct text_pages *t)
{
	t->retired = true;
}

void text_pages_free(struct text_pages *t)
{
	if (t->table) {
		for (uint64_t i = 0; i < TEXT_FANOUT; i++) {
			if (!t->table[i])
				continue;
			uint64_t *l2 = phys_to_virt(t->table[i]);
			for (uint64_t j = 0; j < TEXT_FANOUT; j++)
				if (l2[j] > 1)
					pmm_free(l2[j]);
			pmm_free(t->table[i]);
		}
		pmm_free(virt_to_phys(t->table));
		t->table = NULL;
	}
	text_pages_total -= t->n;
	t->n = 0;
}
