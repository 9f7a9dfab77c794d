/* The rewritten system-call sites, by guest-physical address. A direct call enters the core from
   the sled at address 0 with its return address on the stack, which is also what a program's
   own call through a NULL (or small) function pointer looks like: without this record a crashing
   program ran the system call its rax happened to name and went on. So a direct call counts only
   from a site the rewriter patched; anything else is the program's jump to an address it has
   not mapped (SIGSEGV, as Linux gives).

   Sites are kept per page of guest memory, a bitmap of the page's offsets: the rewritten copies
   (a process's private copy, a file's shared text page) live as long as their page, a copy of
   the page (copy-on-write, fork) keeps them, and a freed page drops them. A small cache of the
   sites checked last (their virtual address, valid until the next change of any address space
   or of the record) keeps the check off the direct call's cost. */
#include "k/kernel.h"
#include "k/arch.h"
#include "k/cpu.h"
#include "k/kheap.h"
#include "k/mm.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/pt.h"

#define SITE_PAGES_LOG2 14
#define SITE_PAGES (1u << SITE_PAGES_LOG2)      /* pages with sites, at most 3/4 of them used */
#define SITE_BITMAP (PAGE_SIZE / 8)     /* bytes: one bit per offset */

struct site_page {
	uint64_t pa;                    /* the page (0: free slot) */
	uint64_t *bits;
};

static struct site_page site_tab[SITE_PAGES];
static uint32_t site_npages;
static uint64_t *site_marked;           /* one bit per page of guest memory: in site_tab */
uint64_t arch_sites_gen = 1;            /* changes whenever a cached check may have gone stale */

static uint32_t site_home(uint64_t pa)
{
	return (uint32_t)(((pa >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - SITE_PAGES_LOG2));
}

static bool site_page_marked(uint64_t pa)
{
	uint64_t i = pa / PAGE_SIZE;
	return site_marked && pa < boot_info->mem_size && (site_marked[i / 64] & (1ull << (i % 64)));
}

static void site_mark(uint64_t pa, bool on)
{
	uint64_t i = pa / PAGE_SIZE;
	if (on)
		site_marked[i / 64] |= 1ull << (i % 64);
	else
		site_marked[i / 64] &= ~(1ull << (i % 64));
}

static struct site_page *site_find(uint64_t page)
{
	if (!site_page_marked(page))
		return NULL;
	for (uint32_t i = site_home(page), n = 0; n < SITE_PAGES && site_tab[i].pa;
	     i = (i + 1) % SITE_PAGES, n++)
		if (site_tab[i].pa == page)
			return &site_tab[i];
	return NULL;
}

/* The page's entry, made if need be; NULL when the table or memory is full. */
static struct site_page *site_get(uint64_t page)
{
	struct site_page *sp = site_find(page);
	if (sp)
		return sp;
	if (!site_marked) {
		uint64_t bytes = (boot_info->mem_size / PAGE_SIZE + 63) / 64 * 8;
		uint64_t at = pmm_alloc_contig((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
		if (!at)
			return NULL;
		site_marked = phys_to_virt(at);
		memset(site_marked, 0, bytes);
	}
	if (page >= boot_info->mem_size || site_npages >= SITE_PAGES * 3 / 4)
		return NULL;
	uint64_t *bits = kmalloc(SITE_BITMAP);
	if (!bits)
		return NULL;
	uint32_t i = site_home(page);
	while (site_tab[i].pa)
		i = (i + 1) % SITE_PAGES;
	site_tab[i] = (struct site_page){ page, bits };
	site_npages++;
	site_mark(page, true);
	return &site_tab[i];
}

static void site_drop(struct site_page *sp)
{
	site_mark(sp->pa, false);
	kfree(sp->bits, SITE_BITMAP);
	uint32_t i = (uint32_t)(sp - site_tab);
	site_tab[i].pa = 0;
	site_npages--;
	/* Moves back the entries after the hole that would not be found past it. */
	for (uint32_t j = (i + 1) % SITE_PAGES; site_tab[j].pa; j = (j + 1) % SITE_PAGES) {
		uint32_t h = site_home(site_tab[j].pa);
		if (i <= j ? (h > i && h <= j) : (h > i || h <= j))
			continue;
		site_tab[i] = site_tab[j];
		site_tab[j].pa = 0;
		i = j;
	}
}

bool arch_site_add(uint64_t pa)
{
	struct site_page *sp = site_get(pa & PAGE_MASK);
	if (!sp)
		return false;
	uint64_t off = pa & (PAGE_SIZE - 1);
	sp->bits[off / 64] |= 1ull << (off % 64);
	arch_sites_gen++;
	return true;
}

static bool site_known(uint64_t pa)
{
	const struct site_page *sp = site_find(pa & PAGE_MASK);
	uint64_t off = pa & (PAGE_SIZE - 1);
	return sp && (sp->bits[off / 64] & (1ull << (off % 64)));
}

void arch_page_copied(uint64_t from, uint64_t to)
{
	const struct site_page *src = site_find(from);
	if (!src)
		return;
	struct site_page *dst = site_get(to);
	if (dst) {
		memcpy(dst->bits, src->bits, SITE_BITMAP);
		arch_sites_gen++;
		return;
	}
	/* No room to record them: the copy's sites become `syscall` again (they trap). */
	uint8_t *p = phys_to_virt(to);
	for (uint64_t off = 0; off < PAGE_SIZE - 1; off++)
		if (src->bits[off / 64] & (1ull << (off % 64))) {
			p[off] = 0x0f;
			p[off + 1] = 0x05;
		}
}

void arch_page_freed(uint64_t pa)
{
	struct site_page *sp = site_find(pa);
	if (sp) {
		site_drop(sp);
		arch_sites_gen++;
	}
}

/* Checked sites: virtual address and the generation they were checked in. */
#define SITE_CACHE 64
static struct {
	uint64_t va, gen;
} site_cache[SITE_CACHE];

bool arch_direct_site(uint64_t site)
{
	uint32_t c = (uint32_t)((site ^ (site >> 12)) % SITE_CACHE);
	if (site_cache[c].va == site && site_cache[c].gen == arch_sites_gen)
		return true;
	if (site >= USER_TOP - 2)
		return false;
	uint64_t *e = pt_walk(current->mm->pml4, site, false);
	if (!e || !(*e & PTE_P) || !site_known((*e & PTE_ADDR) + (site & (PAGE_SIZE - 1))))
		return false;
	site_cache[c].va = site;
	site_cache[c].gen = arch_sites_gen;
	return true;
}

#ifdef UNIK_HOST_TEST
/* Unit tests start over with fresh "physical memory". */
void arch_sites_reset(void)
{
	for (uint32_t i = 0; i < SITE_PAGES; i++)
		if (site_tab[i].pa) {
			kfree(site_tab[i].bits, SITE_BITMAP);
			site_tab[i].pa = 0;
		}
	site_npages = 0;
	site_marked = NULL;
	arch_sites_gen++;
}
#endif
