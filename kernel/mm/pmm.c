/* Physical pages: a bitmap of returned pages plus a bump pointer over never-used memory. Pages
   from the bump region are already zero (the monitor backs guest memory with fresh anonymous host
   memory) and are not touched here, which keeps first-touch costs off the allocation path.
   Returned pages are bits in a bitmap (kept at the start of the range), not a list linked
   through the pages, so runs of them can serve contiguous allocations (a task's stacks, a
   process) once the never-used memory is gone: with a free list, a VM that had touched all its
   memory could not start a thread or a process any more however much was free. Single pages
   come from the lowest returned one (a hint skips the empty words below it). */
#include "k/kernel.h"
#include "k/pmm.h"
#include "k/arch.h"
#include "k/hc.h"

static uint64_t bump, bump_end;
static uint64_t base;           /* the page the bitmap's bit 0 stands for */
static uint64_t *freemap;       /* a set bit: a returned page */
static uint64_t nwords;
static uint64_t free_count;
static uint64_t hint;           /* no set bit in the words below */
/* Freed page-table pages, used last: on kvm_pvm the hypervisor may still shadow them, and every
   write to a shadowed page traps (tens of µs; clearing one costs about a millisecond). So their
   addresses are kept out of band, in index pages (ordinary pages), rather than linked through
   the pages themselves: linking wrote into each freed table, a trap per table when an address
   space ended. */
#define PMM_INDEX_SLOTS (PAGE_SIZE / 8 - 2)
struct pmm_index {
	uint64_t next;                  /* the next index page (guest-physical), 0 at the end */
	uint64_t n;                     /* addresses held in pa[] */
	uint64_t pa[PMM_INDEX_SLOTS];
};
_Static_assert(sizeof(struct pmm_index) == PAGE_SIZE, "pmm_index size");
static uint64_t tainted_index;  /* guest-physical address of the first index page, 0 if none */
static uint64_t tainted_count;

void pmm_init(uint64_t start, uint64_t end)
{
	uint64_t pages = (end - start) / PAGE_SIZE;
	nwords = (pages + 63) / 64;
	base = start;
	freemap = phys_to_virt(start);  /* zero, as never-used memory is */
	bump = start + PAGE_ALIGN_UP(nwords * 8);
	bump_end = end;
	free_count = hint = 0;
}

/* Asked of the monitor before the frontier reaches never-populated memory (see the boot info's
   mem_ahead): a first touch there costs tens of µs, a populated page about 3. */
#define PMM_AHEAD_LOW (2ull << 20)

/* The frontier moved: publishes it and asks for more populated memory when it nears the end of
   what the monitor has (once per target the monitor announced). */
static void pmm_bump_moved(void)
{
	static uint64_t asked;
	boot_info->mem_bump = bump;
	uint64_t ahead = __atomic_load_n(&boot_info->mem_ahead, __ATOMIC_ACQUIRE);
	if (bump + PMM_AHEAD_LOW >= ahead && ahead != asked && bump < bump_end) {
		asked = ahead;
		hc_mem_ahead();
	}
}

static uint64_t pmm_take_tainted(void)
{
	if (!tainted_index)
		return 0;
	struct pmm_index *ix = phys_to_virt(tainted_index);
	uint64_t pa;
	if (ix->n) {
		pa = ix->pa[--ix->n];
	} else {
		/* An empty index page is the last resort: it was never a table. */
		pa = tainted_index;
		tainted_index = ix->next;
	}
	tainted_count--;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Takes the lowest returned page (free_count > 0). */
static uint64_t pmm_take_freed(void)
{
	while (!freemap[hint])
		hint++;
	unsigned b = (unsigned)__builtin_ctzll(freemap[hint]);
	freemap[hint] &= ~(1ull << b);
	free_count--;
	return base + (hint * 64 + b) * PAGE_SIZE;
}

uint64_t pmm_alloc(void)
{
	if (free_count) {
		uint64_t pa = pmm_take_freed();
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		return pa;
	}
	if (bump >= bump_end)
		return pmm_take_tainted();
	uint64_t pa = bump;
	bump += PAGE_SIZE;
	pmm_bump_moved();
	return pa;
}

/* The first run of n returned pages (bit index), or -1. */
static int64_t pmm_find_run(size_t n)
{
	uint64_t run = 0, first = 0;
	for (uint64_t w = hint; w < nwords; w++) {
		uint64_t word = freemap[w];
		if (!word) {
			run = 0;
			continue;
		}
		if (word == ~0ull && run + 64 < n) {
			if (!run)
				first = w * 64;
			run += 64;
			continue;
		}
		for (unsigned b = 0; b < 64; b++) {
			if (!(word >> b & 1)) {
				run = 0;
				continue;
			}
			if (!run)
				first = w * 64 + b;
			if (++run == n)
				return (int64_t)first;
		}
	}
	return -1;
}

uint64_t pmm_alloc_contig(size_t n)
{
	if (n == 0)
		return 0;
	if (bump + n * PAGE_SIZE <= bump_end && bump + n * PAGE_SIZE > bump) {
		uint64_t pa = bump;
		bump += n * PAGE_SIZE;
		pmm_bump_moved();
		return pa;
	}
	if (n > free_count)
		return 0;
	int64_t first = pmm_find_run(n);
	if (first < 0)
		return 0;
	for (uint64_t i = (uint64_t)first; i < (uint64_t)first + n; i++)
		freemap[i / 64] &= ~(1ull << (i % 64));
	free_count -= n;
	uint64_t pa = base + (uint64_t)first * PAGE_SIZE;
	memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
	return pa;
}

uint64_t pmm_alloc_table(void)
{
	return pmm_alloc();     /* freed data pages, never-used memory, then freed tables */
}

void pmm_free_table(uint64_t pa)
{
	struct pmm_index *ix = tainted_index ? phys_to_virt(tainted_index) : NULL;
	if (!ix || ix->n == PMM_INDEX_SLOTS) {
		/* A new index page; without memory to spare the table itself becomes one (its writes
		   may trap, which is slow but correct). */
		uint64_t ip = pmm_alloc();
		if (!ip) {
			ip = pa;
			pa = 0;
		}
		ix = phys_to_virt(ip);
		ix->next = tainted_index;
		ix->n = 0;
		tainted_index = ip;
		tainted_count++;        /* the index page counts as free memory too */
		if (!pa)
			return;
	}
	ix->pa[ix->n++] = pa;
	tainted_count++;
}

void pmm_free(uint64_t pa)
{
	uint64_t i = (pa - base) / PAGE_SIZE;
	if (pa < base || i >= nwords * 64 || (pa & (PAGE_SIZE - 1)))
		panic("pmm_free: 0x%lx is not an allocatable page", pa);
	if (freemap[i / 64] & (1ull << (i % 64)))
		panic("pmm_free: page 0x%lx freed twice", pa);
	arch_page_freed(pa);            /* rewritten call sites there are gone */
	freemap[i / 64] |= 1ull << (i % 64);
	if (i / 64 < hint)
		hint = i / 64;
	free_count++;
}

uint64_t pmm_total_pages(void)
{
	return (bump_end - base) / PAGE_SIZE;
}

uint64_t pmm_free_pages(void)
{
	return free_count + tainted_count + (bump_end - bump) / PAGE_SIZE;
}
