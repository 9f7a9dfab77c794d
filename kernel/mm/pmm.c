/* Physical pages: a free list of returned pages plus a bump pointer over never-used memory. Pages
   from the bump region are already zero (the monitor backs guest memory with fresh anonymous host
   memory) and are not touched here, which keeps first-touch costs off the allocation path. */
#include "k/kernel.h"
#include "k/pmm.h"
#include "k/hc.h"

static uint64_t bump, bump_end;
static uint64_t free_head;      /* guest-physical address of the first free page, 0 if none */
static uint64_t free_count;
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
	bump = start;
	bump_end = end;
	free_head = 0;
	free_count = 0;
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

uint64_t pmm_alloc(void)
{
	if (free_head) {
		uint64_t pa = free_head;
		uint64_t *page = phys_to_virt(pa);
		free_head = page[0];
		free_count--;
		memset(page, 0, PAGE_SIZE);
		return pa;
	}
	if (bump >= bump_end)
		return pmm_take_tainted();
	uint64_t pa = bump;
	bump += PAGE_SIZE;
	pmm_bump_moved();
	return pa;
}

uint64_t pmm_alloc_contig(size_t n)
{
	if (bump + n * PAGE_SIZE > bump_end || bump + n * PAGE_SIZE < bump)
		return 0;
	uint64_t pa = bump;
	bump += n * PAGE_SIZE;
	pmm_bump_moved();
	return pa;
}

uint64_t pmm_alloc_table(void)
{
	uint64_t pa = pmm_alloc_contig(1);
	return pa ? pa : pmm_alloc();
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
	uint64_t *page = phys_to_virt(pa);
	page[0] = free_head;
	free_head = pa;
	free_count++;
}

uint64_t pmm_free_pages(void)
{
	return free_count + tainted_count + (bump_end - bump) / PAGE_SIZE;
}
