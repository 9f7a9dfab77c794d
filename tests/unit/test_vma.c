/* VMA list bookkeeping: insert/merge, split on remove and protect, gap search. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/vma.h"
#include "vfs/vfs.h"
#include "kstub.h"

#define P 0x1000ull
#define RW (VMA_PROT_READ | VMA_PROT_WRITE)

static unsigned count_nodes(const struct vma_list *l)
{
	unsigned n = 0;
	for (struct vma *v = l->head; v; v = v->next)
		n++;
	return n;
}

static void test_insert_merges_neighbours(void **state)
{
	struct vma_list l = { 0 };
	assert_int_equal(vma_insert(&l, 0x10000, 0x12000, RW, VMA_ANON, NULL, 0), 0);
	assert_int_equal(vma_insert(&l, 0x14000, 0x16000, RW, VMA_ANON, NULL, 0), 0);
	assert_int_equal(l.count, 2);
	assert_int_equal(vma_insert(&l, 0x12000, 0x14000, RW, VMA_ANON, NULL, 0), 0);
	assert_int_equal(l.count, 1);
	assert_int_equal(count_nodes(&l), 1);
	assert_int_equal(l.head->start, 0x10000);
	assert_int_equal(l.head->end, 0x16000);
	/* Different protection: no merge. */
	assert_int_equal(vma_insert(&l, 0x16000, 0x17000, VMA_PROT_READ, VMA_ANON, NULL, 0), 0);
	assert_int_equal(l.count, 2);
	vma_clear(&l);
}

static void test_image_areas_merge_only_when_contiguous_in_file(void **state)
{
	struct vma_list l = { 0 };
	struct inode *f = kstub_inode();
	vma_insert(&l, 0x10000, 0x11000, VMA_PROT_READ, VMA_FILE, f, 0x100);
	vma_insert(&l, 0x11000, 0x12000, VMA_PROT_READ, VMA_FILE, f, 0x200);
	assert_int_equal(l.count, 2);
	vma_insert(&l, 0x12000, 0x13000, VMA_PROT_READ, VMA_FILE, f, 0x201);
	assert_int_equal(l.count, 2);
	assert_int_equal(f->refs, 1 + 2);       /* one reference per area */
	vma_clear(&l);
}

static void test_remove_splits(void **state)
{
	struct vma_list l = { 0 };
	struct inode *f = kstub_inode();
	vma_insert(&l, 0x10000, 0x20000, RW, VMA_FILE, f, 0x400);
	assert_int_equal(vma_remove(&l, 0x14000, 0x15000), 0);
	assert_int_equal(l.count, 2);
	assert_non_null(vma_find(&l, 0x13fff));
	assert_null(vma_find(&l, 0x14000));
	assert_null(vma_find(&l, 0x14fff));
	struct vma *hi = vma_find(&l, 0x15000);
	assert_non_null(hi);
	assert_int_equal(hi->start, 0x15000);
	assert_int_equal(hi->pgoff, 0x405);         /* the split keeps the file offset right */
	assert_int_equal(f->refs, 1 + 2);
	/* Removing across both and beyond. */
	assert_int_equal(vma_remove(&l, 0x0, 0x30000), 0);
	assert_int_equal(l.count, 0);
	assert_null(l.head);
	assert_int_equal(f->refs, 1);
}

static void test_protect_needs_full_coverage(void **state)
{
	struct vma_list l = { 0 };
	vma_insert(&l, 0x10000, 0x12000, RW, VMA_ANON, NULL, 0);
	vma_insert(&l, 0x13000, 0x14000, RW, VMA_ANON, NULL, 0);
	assert_int_equal(vma_protect(&l, 0x10000, 0x14000, VMA_PROT_READ), -ENOMEM);
	assert_int_equal(vma_find(&l, 0x10000)->prot, RW);
	assert_int_equal(vma_protect(&l, 0x11000, 0x12000, VMA_PROT_READ), 0);
	assert_int_equal(l.count, 3);
	assert_int_equal(vma_find(&l, 0x11000)->prot, VMA_PROT_READ);
	assert_int_equal(vma_find(&l, 0x10000)->prot, RW);
	/* Protecting back merges again. */
	assert_int_equal(vma_protect(&l, 0x11000, 0x12000, RW), 0);
	assert_int_equal(l.count, 2);
	assert_int_equal(count_nodes(&l), 2);
	vma_clear(&l);
}

static void test_range_queries(void **state)
{
	struct vma_list l = { 0 };
	vma_insert(&l, 0x10000, 0x12000, RW, VMA_ANON, NULL, 0);
	vma_insert(&l, 0x12000, 0x14000, VMA_PROT_READ, VMA_ANON, NULL, 0);
	assert_true(vma_range_mapped(&l, 0x10000, 0x14000));
	assert_false(vma_range_mapped(&l, 0xf000, 0x14000));
	assert_false(vma_range_mapped(&l, 0x10000, 0x15000));
	assert_true(vma_range_free(&l, 0x14000, 0x20000));
	assert_false(vma_range_free(&l, 0x13fff, 0x20000));
	assert_true(vma_range_free(&l, 0x1000, 0x10000));
	vma_clear(&l);
}

static void test_find_free_is_top_down(void **state)
{
	struct vma_list l = { 0 };
	uint64_t lo = 0x10000, hi = 0x100000;
	assert_int_equal(vma_find_free(&l, 4 * P, lo, hi), hi - 4 * P);
	vma_insert(&l, hi - 2 * P, hi, RW, VMA_ANON, NULL, 0);
	assert_int_equal(vma_find_free(&l, 4 * P, lo, hi), hi - 6 * P);
	vma_insert(&l, 0x20000, hi - 2 * P, RW, VMA_ANON, NULL, 0);
	assert_int_equal(vma_find_free(&l, 4 * P, lo, hi), 0x20000 - 4 * P);
	assert_int_equal(vma_find_free(&l, 0x10000, lo, hi), 0x10000);
	assert_int_equal(vma_find_free(&l, 0x10001, lo, hi), 0);
	assert_int_equal(vma_find_free(&l, 0, lo, hi), 0);
	vma_clear(&l);
}

/* mlock's bookkeeping: splits at the range's ends, stops at the first hole (what came before
   keeps the change), rejoins when the locks are gone. */
static void test_set_lock_splits_stops_at_hole_and_merges(void **state)
{
	struct vma_list l = { 0 };
	vma_insert(&l, 0x10000, 0x18000, RW, VMA_ANON, NULL, 0);
	vma_insert(&l, 0x19000, 0x1a000, RW, VMA_ANON, NULL, 0);
	assert_int_equal(vma_set_lock(&l, 0x11000, 0x13000, VMA_LOCKED), 0);
	assert_int_equal(l.count, 4);
	assert_int_equal(vma_find(&l, 0x11000)->start, 0x11000);
	assert_int_equal(vma_find(&l, 0x11000)->end, 0x13000);
	assert_true(vma_find(&l, 0x12fff)->flags & VMA_LOCKED);
	assert_false(vma_find(&l, 0x13000)->flags & VMA_LOCKED);
	assert_int_equal(vma_locked_bytes(&l, 0, UINT64_MAX), 2 * P);
	assert_int_equal(vma_locked_bytes(&l, 0x12000, 0x20000), P);
	/* Across the hole at 0x18000: locked up to it, then -ENOMEM. */
	assert_int_equal(vma_set_lock(&l, 0x10000, 0x1a000, VMA_LOCKED | VMA_LOCKONFAULT),
			 -ENOMEM);
	assert_int_equal(vma_find(&l, 0x10000)->end, 0x18000);
	assert_int_equal(vma_find(&l, 0x10000)->flags, VMA_ANON | VMA_LOCKED | VMA_LOCKONFAULT);
	assert_false(vma_find(&l, 0x19000)->flags & VMA_LOCKED);
	assert_int_equal(vma_set_lock(&l, 0x18000, 0x19000, VMA_LOCKED), -ENOMEM);   /* unmapped */
	vma_set_lock_all(&l, 0);
	assert_int_equal(l.count, 2);
	assert_int_equal(vma_locked_bytes(&l, 0, UINT64_MAX), 0);
	vma_set_lock_all(&l, VMA_LOCKED);
	assert_int_equal(vma_locked_bytes(&l, 0, UINT64_MAX), 9 * P);
	vma_clear(&l);
}

static int setup(void **state)
{
	kstub_init(64);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_insert_merges_neighbours, setup),
		cmocka_unit_test_setup(test_image_areas_merge_only_when_contiguous_in_file, setup),
		cmocka_unit_test_setup(test_remove_splits, setup),
		cmocka_unit_test_setup(test_protect_needs_full_coverage, setup),
		cmocka_unit_test_setup(test_range_queries, setup),
		cmocka_unit_test_setup(test_find_free_is_top_down, setup),
		cmocka_unit_test_setup(test_set_lock_splits_stops_at_hole_and_merges, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
