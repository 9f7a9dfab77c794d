/* Host stand-ins for the guest kernel services that mm/ and vfs/ code calls, so that code runs
   under cmocka with ASan: "physical memory" is a calloc'd array, kmalloc is calloc. */
#include <stdlib.h>
#include <string.h>
#include "k/kernel.h"
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
struct proc *current;
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

void pmm_free(uint64_t pa)
{
	memset(test_phys_base + pa, 0xa5, PAGE_SIZE);  /* poison: a use after free shows */
	test_free_list[test_nfree++] = pa;
}

void *kmalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p, size_t size)
{
	(void)size;
	free(p);
}

void inode_get(struct inode *ino)
{
	ino->refs++;
}

void inode_put(struct inode *ino)
{
	if (ino)
		ino->refs--;
}

struct inode *kstub_inode(void)
{
	static struct inode pool[64];
	static unsigned used;
	struct inode *ino = &pool[used++ % 64];
	memset(ino, 0, sizeof(*ino));
	ino->refs = 1;
	return ino;
}

void arch_flush_tlb(void)
{
	kstub_tlb_flushes++;
}

void arch_flush_page(uint64_t va)
{
	kstub_tlb_flushes++;
}
