/* Page tables of files (see vfs/pagetab.h): as deep as the file needs, one level for its first
   2 MiB, a level more for each 512 times that, three at most. The root pointer carries the
   depth in its low bits (tables are page-aligned). */
#include "k/kernel.h"
#include "k/pmm.h"
#include "vfs/pagetab.h"

#define F ((uint64_t)PAGETAB_FANOUT)

static uint64_t *pt_table(const uint64_t *root)
{
	return (uint64_t *)((uintptr_t)root & ~(uintptr_t)0xfff);
}

static unsigned pt_depth(const uint64_t *root)
{
	return (unsigned)((uintptr_t)root & 3);
}

/* Pages a table of this depth covers (depth 0: one page). */
static uint64_t pt_span(unsigned depth)
{
	uint64_t s = 1;
	while (depth--)
		s *= F;
	return s;
}

/* The table *t points to (allocated when create), or NULL. */
static uint64_t *pt_level(uint64_t *t, bool create)
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
		*root = (uint64_t *)((uintptr_t)phys_to_virt(pa) | 1);
	}
	/* A file grown past what its table covers gets a level on top: the old table becomes
	   the new one's first entry. */
	while (idx >= pt_span(pt_depth(*root))) {
		uint64_t pa = create ? pmm_alloc() : 0;
		if (!pa)
			return NULL;
		uint64_t *top = phys_to_virt(pa);
		top[0] = virt_to_phys(pt_table(*root));
		*root = (uint64_t *)((uintptr_t)top | (pt_depth(*root) + 1));
	}
	uint64_t *t = pt_table(*root);
	for (unsigned d = pt_depth(*root); d > 1 && t; d--)
		t = pt_level(&t[idx / pt_span(d - 1) % F], create);
	return t ? t + idx % F : NULL;
}

/* Frees the pages at index first and after in table t (depth, covering from base) and the
   tables under it that hold nothing left; returns how many pages. */
static uint64_t pt_free_range(uint64_t *t, unsigned depth, uint64_t base, uint64_t first)
{
	uint64_t n = 0, sub = pt_span(depth - 1);
	for (uint64_t i = first > base ? (first - base) / sub : 0; i < F; i++) {
		uint64_t ibase = base + i * sub;
		if (depth == 1) {
			if (PAGETAB_PA(t[i])) {
				pmm_free(PAGETAB_PA(t[i]));
				n++;
			}
			t[i] = 0;
			continue;
		}
		if (!t[i])
			continue;
		n += pt_free_range(phys_to_virt(t[i]), depth - 1, ibase, first);
		if (first <= ibase) {
			pmm_free(t[i]);
			t[i] = 0;
		}
	}
	return n;
}

uint64_t pagetab_free_from(uint64_t **root, uint64_t first)
{
	if (!*root)
		return 0;
	uint64_t *t = pt_table(*root);
	uint64_t n = pt_free_range(t, pt_depth(*root), 0, first);
	if (!first) {
		pmm_free(virt_to_phys(t));
		*root = NULL;
	}
	return n;
}

uint64_t pagetab_free(uint64_t **root)
{
	return pagetab_free_from(root, 0);
}

static int pt_each(uint64_t *t, unsigned depth, uint64_t base,
		   int (*fn)(void *ctx, uint64_t idx, uint64_t *slot), void *ctx)
{
	uint64_t sub = pt_span(depth - 1);
	for (uint64_t i = 0; i < F; i++) {
		if (!t[i])
			continue;
		int r = depth == 1 ? fn(ctx, base + i, &t[i]) :
				     pt_each(phys_to_virt(t[i]), depth - 1, base + i * sub, fn, ctx);
		if (r)
			return r;
	}
	return 0;
}

int pagetab_each(uint64_t *root, int (*fn)(void *ctx, uint64_t idx, uint64_t *slot), void *ctx)
{
	return root ? pt_each(pt_table(root), pt_depth(root), 0, fn, ctx) : 0;
}
