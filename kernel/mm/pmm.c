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
   write to a shadowed page traps (clearing one costs about a millisecond). */
static uint64_t tainted_head, tainted_count;

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
	uint64_t pa = tainted_head;
	if (!pa)
		return 0;
	uint64_t *page = phys_to_virt(pa);
	tainted_head = page[0];
	tainted_count--;
	memset(page, 0, PAGE_SIZE);
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
	uint64_t *page = phys_to_virt(pa);
	page[0] = tainted_head;
	tainted_head = pa;
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
