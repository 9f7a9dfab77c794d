/* Shared text pages of executable mappings (see vfs/textpage.h). */
#include "k/kernel.h"
#include "k/pmm.h"
#include "vfs/pagetab.h"
#include "vfs/textpage.h"

uint64_t text_pages_total;

uint64_t text_pages_get(struct text_pages *t, uint64_t pgoff, uint64_t src, int use)
{
	if (t->retired || (!src && use != TEXT_PEEK))
		return 0;
	uint64_t *slot = pagetab_slot(use == TEXT_READ ? &t->read_table : &t->table, pgoff,
				      use != TEXT_PEEK);
	if (!slot)
		return 0;
	if (*slot > 1 || use == TEXT_PEEK)
		return *slot > 1 ? *slot : 0;
	if (!*slot && (use == TEXT_MAP || use == TEXT_READ)) {
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
	uint64_t *slot = pagetab_slot(&root, pgoff, false);
	return slot && pa > 1 && *slot == pa;
}

void text_pages_retire(struct text_pages *t)
{
	t->retired = true;
}

void text_pages_free(struct text_pages *t)
{
	pagetab_free(&t->table);        /* the 1s of pages used once hold nothing */
	pagetab_free(&t->read_table);
	text_pages_total -= t->n;
	t->n = 0;
}
