/* Host stand-ins for the guest kernel services that mm/ and vfs/ code calls, so that code runs
   under cmocka with ASan: "physical memory" is a calloc'd array, kmalloc is calloc (with the
   kernel's size limit and a check of kfree's size). inode_get/inode_put stubs for mm/ tests are
   in kstub_inode.c; VFS tests link vfs/dcache.c instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "k/kernel.h"
#include "k/sched.h"
#include "k/pmm.h"
#include "k/kheap.h"
#include "k/stats.h"
#include "k/proc.h"
#include "kstub.h"
#include "vfs/vfs.h"

uint8_t *test_phys_base;
static uint64_t test_phys_size, test_phys_next;
static uint64_t *test_free_list;
static uint64_t test_nfree;
struct unik_stats stats;
struct cpu cpu0;         /* current and current_task live here, as in the kernel */
struct unik_boot_info *boot_info;
int kstub_tlb_flushes;

void kstub_init(uint64_t pages)
{
	free(test_phys_base);
	free(test_free_list);
	test_phys_size = pages * PAGE_SIZE;
	test_phys_base = aligned_alloc(PAGE_SIZE, test_phys_size);
	memset(test_phys_base, 0, test_phys_size);
	test_free_list = calloc(pages, sizeof(uint64_t));
	test_nfree = 0;
	test_phys_next = PAGE_SIZE;     /* physical 0 stays unused: 0 means "no page" */
	kstub_tlb_flushes = 0;
	kstub_memlock_rlimit = 8u << 20;
	kstub_memlock_capable = 1;
	memset(&stats, 0, sizeof(stats));
}

uint64_t kstub_pages_in_use(void)
{
	return (test_phys_next - PAGE_SIZE) / PAGE_SIZE - test_nfree;
}

uint64_t pmm_alloc(void)
{
	uint64_t pa;
	if (test_nfree)
		pa = test_free_list[--test_nfree];
	else if (test_phys_next < test_phys_size)
		pa = (test_phys_next += PAGE_SIZE) - PAGE_SIZE;
	else
		return 0;
	memset(test_phys_base + pa, 0, PAGE_SIZE);
	return pa;
}

uint64_t pmm_alloc_contig(size_t n)
{
	if (test_phys_next + n * PAGE_SIZE > test_phys_size)
		return 0;
	uint64_t pa = test_phys_next;
	test_phys_next += n * PAGE_SIZE;
	memset(test_phys_base + pa, 0, n * PAGE_SIZE);
	return pa;
}

uint64_t kstub_free_pages = 1u << 20;

uint64_t pmm_free_pages(void)
{
	return kstub_free_pages;
}

uint64_t pmm_total_pages(void)
{
	return 1u << 20;                /* kstub_free_pages at most */
}

uint64_t pmm_alloc_table(void)
{
	return pmm_alloc();
}

void pmm_free_table(uint64_t pa)
{
	pmm_free(pa);
}

/* The record of rewritten call sites, where a test links kernel/arch/sites.c. */
extern uint64_t arch_sites_gen __attribute__((weak));
void arch_page_freed(uint64_t pa) __attribute__((weak));
void arch_page_copied(uint64_t from, uint64_t to) __attribute__((weak));
void arch_page_copied(uint64_t from, uint64_t to)
{
}

void pmm_free(uint64_t pa)
{
	if (arch_page_freed)
		arch_page_freed(pa);
	memset(test_phys_base + pa, 0xa5, PAGE_SIZE);  /* poison: a use after free shows */
	test_free_list[test_nfree++] = pa;
}

/* kmalloc as the kernel's: NULL for 0 or more than a page. Blocks carry a header on a list so
   kfree can check the size class it is given and tests can count what is still allocated (and
   so LeakSanitizer leaves alone what the kernel never frees: superblocks, mounts). */
struct kblock {
	struct kblock *prev, *next;
	size_t size, pad;
};
static struct kblock kheap_list = { &kheap_list, &kheap_list, 0, 0 };
static uint64_t kheap_live;

static int kheap_class(size_t size)
{
	int c = 0;
	for (size_t s = 32; s < size; s <<= 1)
		c++;
	return c;
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > PAGE_SIZE)
		return NULL;
	struct kblock *b = calloc(1, sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->next = &kheap_list;
	b->prev = kheap_list.prev;
	b->prev->next = b;
	kheap_list.prev = b;
	kheap_live++;
	return b + 1;
}

void kfree(void *p, size_t size)
{
	if (!p)
		return;
	struct kblock *b = (struct kblock *)p - 1;
	if (kheap_class(size) != kheap_class(b->size)) {
		fprintf(stderr, "kstub: kfree(%p, %zu) of a %zu-byte kmalloc block\n", p, size,
			b->size);
		abort();
	}
	b->prev->next = b->next;
	b->next->prev = b->prev;
	kheap_live--;
	free(b);
}

uint64_t kstub_kmalloc_live(void)
{
	return kheap_live;
}

uint64_t kstub_alloc_contig(uint64_t pages)
{
	if (pages == 0 || pages * PAGE_SIZE > test_phys_size - test_phys_next)
		return 0;
	uint64_t pa = test_phys_next;
	test_phys_next += pages * PAGE_SIZE;
	memset(test_phys_base + pa, 0, pages * PAGE_SIZE);
	return pa;
}

void arch_flush_tlb(void)
{
	kstub_tlb_flushes++;
	if (&arch_sites_gen)
		arch_sites_gen++;
}

void arch_flush_page(uint64_t va)
{
	kstub_tlb_flushes++;
	if (&arch_sites_gen)
		arch_sites_gen++;
}

uint64_t kstub_memlock_rlimit = 8u << 20;
int kstub_memlock_capable = 1;

uint64_t mm_memlock_rlimit(void)
{
	return kstub_memlock_rlimit;
}

bool mm_memlock_capable(void)
{
	return kstub_memlock_capable;
}


int sched_wake(const void *key, const void *key2, int n, uint32_t bits)
{
	return 0;
}

int sched_wait(const void *key, const void *key2, int64_t deadline, uint64_t wanted,
	       const char *what)
{
	return WAIT_TIMEOUT;
}

int sched_wait_console(const void *key, const uint32_t events[3], uint32_t revents[3],
		       int64_t deadline, const char *what)
{
	return WAIT_TIMEOUT;
}
