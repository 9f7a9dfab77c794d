/* The physical page allocator (kernel/mm/pmm.c) over a calloc'd "guest memory": never-used
   pages first for contiguous runs, returned pages lowest first for single ones, runs of
   returned pages for contiguous allocations once the never-used memory is gone (a VM that has
   touched all its memory must still start threads and processes), page-table pages last, the
   free count, and a double free caught. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/pmm.h"
#include "unik/abi.h"

#define PAGES 64
#define START (1ull << 12)              /* physical 0 stays unused: 0 means "no page" */

uint8_t *test_phys_base;
struct unik_boot_info *boot_info;
static struct unik_boot_info info;
static jmp_buf panicked;

void arch_page_freed(uint64_t pa)
{
}

void hc_mem_ahead(void)
{
	info.mem_ahead = ~0ull;
}

void panic(const char *fmt, ...)
{
	longjmp(panicked, 1);
}

static uint64_t pages_left_at_start;

static int setup(void **state)
{
	free(test_phys_base);
	test_phys_base = aligned_alloc(PAGE_SIZE, START + PAGES * PAGE_SIZE);
	memset(test_phys_base, 0, START + PAGES * PAGE_SIZE);
	info.mem_ahead = ~0ull;
	boot_info = &info;
	pmm_init(START, START + PAGES * PAGE_SIZE);
	pages_left_at_start = pmm_free_pages();
	return 0;
}

static bool zeroed(uint64_t pa, size_t n)
{
	for (size_t i = 0; i < n * PAGE_SIZE; i++)
		if (((uint8_t *)phys_to_virt(pa))[i])
			return false;
	return true;
}

static void test_bump_then_returned_lowest_first(void **state)
{
	assert_int_equal(pages_left_at_start, PAGES - 1);       /* one page holds the bitmap */
	uint64_t a = pmm_alloc(), b = pmm_alloc(), c = pmm_alloc();
	assert_int_equal(b, a + PAGE_SIZE);
	assert_int_equal(c, b + PAGE_SIZE);
	memset(phys_to_virt(a), 0xa5, PAGE_SIZE);
	memset(phys_to_virt(c), 0xa5, PAGE_SIZE);
	pmm_free(c);
	pmm_free(a);
	assert_int_equal(pmm_free_pages(), pages_left_at_start - 1);
	assert_int_equal(pmm_alloc(), a);       /* the lowest returned page, zeroed again */
	assert_true(zeroed(a, 1));
	assert_int_equal(pmm_alloc(), c);
	assert_true(zeroed(c, 1));
}

/* Everything touched once and returned with holes: contiguous runs still come. */
static void test_contig_from_returned_runs(void **state)
{
	uint64_t pa[PAGES];
	int n = 0;
	while ((pa[n] = pmm_alloc()))
		n++;
	assert_int_equal(n, PAGES - 1);
	assert_int_equal(pmm_alloc_contig(2), 0);
	for (int i = 0; i < n; i++)
		if (i % 4 != 3)                         /* holes of three pages */
			pmm_free(pa[i]);
	assert_int_equal(pmm_alloc_contig(4), 0);
	uint64_t run = pmm_alloc_contig(3);
	assert_int_equal(run, pa[0]);
	assert_true(zeroed(run, 3));
	assert_int_equal(pmm_alloc_contig(3), pa[4]);
	pmm_free(pa[3]);                                /* joins 0-2 and 4-6: both taken */
	pmm_free(pa[7]);                                /* 8-10 free: 7-10 is a run of 4 */
	assert_int_equal(pmm_alloc_contig(4), pa[7]);
	/* the run's pages return one by one; single pages come lowest first */
	pmm_free(run + PAGE_SIZE);
	assert_int_equal(pmm_alloc(), run + PAGE_SIZE);
	assert_int_equal(pmm_alloc(), pa[3]);
}

static void test_tables_come_back_last(void **state)
{
	uint64_t t = pmm_alloc_table();
	memset(phys_to_virt(t), 0x5a, PAGE_SIZE);
	pmm_free_table(t);
	uint64_t left = pmm_free_pages();
	uint64_t got[PAGES], n = 0;
	while ((got[n] = pmm_alloc()))
		n++;
	/* every page, the table's next to last (zeroed), then the page that held its address */
	assert_int_equal(n, left);
	assert_int_equal(got[n - 2], t);
	assert_true(zeroed(t, 1));
}

static void test_double_free_panics(void **state)
{
	uint64_t a = pmm_alloc();
	pmm_free(a);
	if (!setjmp(panicked)) {
		pmm_free(a);
		fail_msg("a double free went unnoticed");
	}
	if (!setjmp(panicked)) {
		pmm_free(START + PAGES * PAGE_SIZE);
		fail_msg("a page outside the range went unnoticed");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bump_then_returned_lowest_first, setup),
		cmocka_unit_test_setup(test_contig_from_returned_runs, setup),
		cmocka_unit_test_setup(test_tables_come_back_last, setup),
		cmocka_unit_test_setup(test_double_free_panics, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
