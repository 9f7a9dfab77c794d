/* Three-level page tables of files (see vfs/pagetab.h). */
#include "k/kernel.h"
#include "k/pmm.h"
#include "vfs/pagetab.h"

/* The table *t points to (allocated when create), or NULL. */
static uint64_t *pagetab_level(uint64_t *t, bool create)
{
	if (!*t && (!create || !(*t = pmm_alloc())))
		return NULL;
	return phys_to_virt(*t);
}

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
	const uint64_t f = PAGETAB_FANOUT;
	uint64_t *mid = pagetab_level(&(*root)[idx / (f * f)], create);
	uint64_t *leaf = mid ? pagetab_level(&mid[idx / f % f], create) : NULL;
	return leaf ? leaf + idx % f : NULL;
}

uint64_t pagetab_free_from(uint64_t **root, uint64_t first)
{
	if (!*root)
		return 0;
	const uint64_t f = PAGETAB_FANOUT;
	uint64_t n = 0;
	for (uint64_t i = first / (f * f); i < f; i++) {
		if (!(*root)[i])
			continue;
		uint64_t *mid = phys_to_virt((*root)[i]);
		uint64_t base_i = i * f * f;
		uint64_t jfrom = first > base_i ? (first - base_i) / f : 0;
		for (uint64_t j = jfrom; j < f; j++) {
			if (!mid[j])
				continue;
			uint64_t *leaf = phys_to_virt(mid[j]);
			uint64_t base_j = base_i + j * f;
			uint64_t kfrom = first > base_j ? first - base_j : 0;
			for (uint64_t k = kfrom; k < f; k++) {
				if (PAGETAB_PA(leaf[k])) {
					pmm_free(PAGETAB_PA(leaf[k]));
					n++;
				}
				leaf[k] = 0;
			}
			if (!kfrom) {
				pmm_free(mid[j]);
				mid[j] = 0;
			}
		}
		if (first <= base_i) {
			pmm_free((*root)[i]);
			(*root)[i] = 0;
		}
	}
	if (!first) {
		pmm_free(virt_to_phys(*root));
		*root = NULL;
	}
	return n;
}

uint64_t pagetab_free(uint64_t **root)
{
	return pagetab_free_from(root, 0);
}

int pagetab_each(uint64_t *root, int (*fn)(void *ctx, uint64_t idx, uint64_t *slot), void *ctx)
{
	const uint64_t f = PAGETAB_FANOUT;
	for (uint64_t i = 0; root && i < f; i++) {
		uint64_t *mid = root[i] ? phys_to_virt(root[i]) : NULL;
		for (uint64_t j = 0; mid && j < f; j++) {
			uint64_t *leaf = mid[j] ? phys_to_virt(mid[j]) : NULL;
			for (uint64_t k = 0; leaf && k < f; k++) {
				int r = leaf[k] ? fn(ctx, (i * f + j) * f + k, &leaf[k]) : 0;
				if (r)
					return r;
			}
		}
	}
	return 0;
}
