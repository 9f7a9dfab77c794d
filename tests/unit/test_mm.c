/* Address-space semantics against Linux's rules: mmap placement and errors, demand paging,
   munmap/mprotect/mremap/madvise, brk. Page tables live in kstub's fake physical memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/mm.h"
#include "k/pt.h"
#include "k/pmm.h"
#include "kstub.h"
#include "k/arch.h"
#include "k/cpu.h"
#include "k/proc.h"
#include "vfs/vfs.h"

#define P 0x1000ull
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define PF_WRITE 2

static struct mm mm;

static int setup(void **state)
{
	kstub_init(4096);
	assert_int_equal(mm_refs_init(4096 * P), 0);    /* in this test's "physical memory" */
	uint64_t kpml4 = pmm_alloc();
	assert_int_equal(mm_init(&mm, kpml4), 0);
	return 0;
}

static int teardown(void **state)
{
	vma_clear(&mm.vmas);
	return 0;
}

static uint8_t *user_byte(uint64_t va)
{
	uint64_t *e = pt_walk(mm.pml4, va, false);
	if (!e || !(*e & PTE_P))
		return NULL;
	return (uint8_t *)phys_to_virt(*e & PTE_ADDR) + (va & (P - 1));
}

/* What the MMU does when it caches the translation of va: sets the entry's accessed bit. */
static void mmu_access(uint64_t va)
{
	uint64_t *e = pt_walk(mm.pml4, va, false);
	assert_non_null(e);
	assert_true(*e & PTE_P);
	*e |= PTE_A;
}

static void test_mmap_errors(void **state)
{
	assert_int_equal(mm_mmap(&mm, 0, 0, RW, ANON, NULL, 0), -EINVAL);
	assert_int_equal(mm_mmap(&mm, 0, P, RW, MAP_ANONYMOUS, NULL, 0), -EINVAL);
	assert_int_equal(mm_mmap(&mm, 0, P, RW, ANON, NULL, 1), -EINVAL);
	assert_int_equal(mm_mmap(&mm, 0, 1ull << 47, RW, ANON, NULL, 0), -ENOMEM);
	assert_int_equal(mm_mmap(&mm, 0x10001, P, RW, ANON | MAP_FIXED, NULL, 0), -EINVAL);
	assert_int_equal(mm_mmap(&mm, 0, P, 0x100, ANON, NULL, 0), -EINVAL);
}

static void test_mmap_is_top_down_and_honours_hints(void **state)
{
	int64_t a = mm_mmap(&mm, 0, 3 * P, RW, ANON, NULL, 0);
	assert_int_equal(a, MMAP_TOP - 3 * P);
	int64_t b = mm_mmap(&mm, 0, P, RW, ANON, NULL, 0);
	assert_int_equal(b, a - P);
	int64_t c = mm_mmap(&mm, 0x40000000, P, RW, ANON, NULL, 0);
	assert_int_equal(c, 0x40000000);
	/* A hint on an occupied range is only a hint. */
	int64_t d = mm_mmap(&mm, 0x40000000, P, RW, ANON, NULL, 0);
	assert_true(d > 0 && d != 0x40000000);
	assert_int_equal(mm_mmap(&mm, 0x40000000, P, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EEXIST);
}

static void test_demand_zero_and_fault_kinds(void **state)
{
	/* Bigger than the 64 KiB that mmap maps at once: demand paged. */
	int64_t a = mm_mmap(&mm, 0, 32 * P, RW, ANON, NULL, 0);
	struct mm_fault_info fi;
	assert_null(user_byte(a));
	assert_int_equal(mm_fault(&mm, a + 5, PF_WRITE, &fi), 0);
	assert_non_null(user_byte(a));
	assert_int_equal(*user_byte(a + 5), 0);
	/* The faulting page and its fault-around neighbours are marked accessed and dirty. */
	uint64_t e = *pt_walk(mm.pml4, a, false), n = *pt_walk(mm.pml4, a + 15 * P, false);
	assert_true((e & (PTE_A | PTE_D | PTE_W)) == (PTE_A | PTE_D | PTE_W));
	assert_true(n & PTE_A);
	assert_null(user_byte(a + 16 * P));     /* beyond the 64 KiB around the fault */
	assert_int_equal(mm_fault(&mm, 0x50000, 0, &fi), -1);
	assert_int_equal(fi.code, 1);   /* SEGV_MAPERR */
	int64_t ro = mm_mmap(&mm, 0, P, PROT_READ, ANON, NULL, 0);
	assert_int_equal(mm_fault(&mm, ro, PF_WRITE, &fi), -1);
	assert_int_equal(fi.code, 2);   /* SEGV_ACCERR */
	int64_t none = mm_mmap(&mm, 0, P, 0, ANON, NULL, 0);
	assert_int_equal(mm_fault(&mm, none, 0, &fi), -1);
	assert_int_equal(fi.code, 2);
}

/* A small private anonymous mapping is mapped whole at mmap, zeroed and not yet accessed; unmapping
   it invalidates only what the MMU may have cached (entries with PTE_A). */
static void test_small_anonymous_mapping_is_mapped_at_once(void **state)
{
	uint64_t before = kstub_pages_in_use();
	int64_t a = mm_mmap(&mm, 0, 9 * P, RW, ANON, NULL, 0);
	assert_true(kstub_pages_in_use() >= before + 9);
	for (int i = 0; i < 9; i++) {
		uint64_t e = *pt_walk(mm.pml4, a + i * P, false);
		assert_true((e & (PTE_P | PTE_W | PTE_D)) == (PTE_P | PTE_W | PTE_D));
		assert_false(e & PTE_A);
		assert_int_equal(*user_byte(a + i * P + 100), 0);
	}
	int flushes = kstub_tlb_flushes;
	uint64_t mapped = kstub_pages_in_use();
	assert_int_equal(mm_munmap(&mm, a, 9 * P), 0);
	assert_int_equal(kstub_tlb_flushes, flushes);           /* nothing was cached */
	assert_int_equal(kstub_pages_in_use(), mapped - 9);
	a = mm_mmap(&mm, 0, 9 * P, RW, ANON, NULL, 0);
	mmu_access(a + 3 * P);
	assert_int_equal(mm_munmap(&mm, a, 9 * P), 0);
	assert_int_equal(kstub_tlb_flushes, flushes + 1);
	/* Read-only, inaccessible and larger mappings are left to the faults. */
	assert_null(user_byte(mm_mmap(&mm, 0, P, PROT_READ, ANON, NULL, 0)));
	assert_null(user_byte(mm_mmap(&mm, 0, P, 0, ANON, NULL, 0)));
	assert_null(user_byte(mm_mmap(&mm, 0, 17 * P, RW, ANON, NULL, 0)));
}

static void test_munmap_frees_pages(void **state)
{
	uint64_t before = kstub_pages_in_use();
	int64_t a = mm_mmap(&mm, 0, 4 * P, RW, ANON, NULL, 0);
	for (int i = 0; i < 4; i++)
		assert_true((mm_user_page(&mm, a + i * P, true)) != 0);
	assert_true(kstub_pages_in_use() >= before + 4);
	uint64_t mapped = kstub_pages_in_use();
	assert_int_equal(mm_munmap(&mm, a + P, 2 * P), 0);
	assert_int_equal(kstub_pages_in_use(), mapped - 2);
	assert_null(vma_find(&mm.vmas, a + P));
	assert_non_null(vma_find(&mm.vmas, a));
	assert_non_null(vma_find(&mm.vmas, a + 3 * P));
	assert_int_equal(mm_munmap(&mm, a + 1, P), -EINVAL);
	assert_int_equal(mm_munmap(&mm, a, 0), -EINVAL);
	assert_int_equal(mm_munmap(&mm, 0x60000000, P), 0);     /* nothing there: fine */
}

static void test_mprotect_keeps_contents(void **state)
{
	int64_t a = mm_mmap(&mm, 0, P, RW, ANON, NULL, 0);
	assert_true((mm_user_page(&mm, a, true)) != 0);
	*user_byte(a) = 42;
	int flushes = kstub_tlb_flushes;
	assert_int_equal(mm_mprotect(&mm, a, P, PROT_READ), 0);
	assert_int_equal(kstub_tlb_flushes, flushes);   /* never cached: nothing to invalidate */
	assert_false(*pt_walk(mm.pml4, a, false) & PTE_W);
	mmu_access(a);
	assert_int_equal(mm_mprotect(&mm, a, P, 0), 0);
	assert_int_equal(kstub_tlb_flushes, flushes + 1);
	assert_null(user_byte(a));      /* not present while 0 */
	assert_int_equal(mm_mprotect(&mm, a, P, RW), 0);
	assert_non_null(user_byte(a));
	assert_int_equal(*user_byte(a), 42);
	assert_int_equal(mm_mprotect(&mm, a + 1, P, RW), -EINVAL);
	assert_int_equal(mm_mprotect(&mm, 0x60000000, P, RW), -ENOMEM);
	assert_true(kstub_tlb_flushes > 0);
}

static void test_mremap_grow_shrink_move(void **state)
{
	int64_t a = mm_mmap(&mm, 0x40000000, 2 * P, RW, ANON, NULL, 0);
	assert_true((mm_user_page(&mm, a, true)) != 0);
	*user_byte(a) = 7;
	mmu_access(a);
	/* Grows in place when the next pages are free. */
	assert_int_equal(mm_mremap(&mm, a, 2 * P, 4 * P, 0, 0), a);
	assert_true(vma_range_mapped(&mm.vmas, a, a + 4 * P));
	/* Blocked: ENOMEM without MAYMOVE, moved with it, contents follow. */
	mm_mmap(&mm, a + 4 * P, P, RW, ANON | MAP_FIXED, NULL, 0);
	assert_int_equal(mm_mremap(&mm, a, 4 * P, 8 * P, 0, 0), -ENOMEM);
	int flushes = kstub_tlb_flushes;
	int64_t b = mm_mremap(&mm, a, 4 * P, 8 * P, MREMAP_MAYMOVE, 0);
	assert_true(b > 0 && b != a);
	/* The old translation must go: a stale one would write into the moved page. */
	assert_true(kstub_tlb_flushes > flushes);
	assert_non_null(user_byte(b));
	assert_int_equal(*user_byte(b), 7);
	assert_null(vma_find(&mm.vmas, a));
	/* Shrink. */
	assert_int_equal(mm_mremap(&mm, b, 8 * P, P, 0, 0), b);
	assert_null(vma_find(&mm.vmas, b + P));
	assert_int_equal(mm_mremap(&mm, b, P, 2 * P, MREMAP_FIXED, 0), -EINVAL);
	assert_int_equal(mm_mremap(&mm, 0x70000000, P, 2 * P, MREMAP_MAYMOVE, 0), -EFAULT);
}

static void test_madvise_dontneed_zeroes(void **state)
{
	int64_t a = mm_mmap(&mm, 0, P, RW, ANON, NULL, 0);
	assert_true((mm_user_page(&mm, a, true)) != 0);
	*user_byte(a) = 9;
	assert_int_equal(mm_madvise(&mm, a, P, 4 /* MADV_DONTNEED */), 0);
	assert_true((mm_user_page(&mm, a, true)) != 0);
	assert_int_equal(*user_byte(a), 0);
	assert_int_equal(mm_madvise(&mm, a, P, 12345), -EINVAL);
	assert_int_equal(mm_madvise(&mm, 0x60000000, P, 4), -ENOMEM);
}

/* A two-page file whose pages the test owns. */
static uint64_t file_pages[2];

static uint64_t fake_page(struct inode *ino, uint64_t pgoff, bool write)
{
	return pgoff < 2 ? file_pages[pgoff] : 0;
}

static const struct inode_ops fake_ops = { .page = fake_page };

static struct inode *fake_file(void)
{
	struct inode *f = kstub_inode();
	f->ops = &fake_ops;
	for (int i = 0; i < 2; i++) {
		file_pages[i] = pmm_alloc();
		memset(phys_to_virt(file_pages[i]), 'a' + i, P);
	}
	return f;
}

static void test_private_file_mapping_copies_on_write(void **state)
{
	struct inode *f = fake_file();
	/* Beyond 64 KiB: not mapped at mmap (below), so the faults decide. */
	int64_t a = mm_mmap(&mm, 0, 17 * P, RW, MAP_PRIVATE, f, 0);
	struct mm_fault_info fi;
	assert_true(a > 0);
	assert_int_equal(mm_fault(&mm, a + P, 0, &fi), 0);              /* read: the file page */
	assert_int_equal(*pt_walk(mm.pml4, a + P, false) & PTE_ADDR, file_pages[1]);
	assert_false(*pt_walk(mm.pml4, a + P, false) & PTE_W);
	assert_int_equal(*user_byte(a + P), 'b');
	assert_int_equal(mm_fault(&mm, a + P, PF_WRITE | 1, &fi), 0);   /* write: a copy */
	uint64_t e = *pt_walk(mm.pml4, a + P, false);
	assert_true((e & PTE_ADDR) != file_pages[1]);
	assert_true(e & PTE_W);
	*user_byte(a + P) = 'X';
	assert_int_equal(*(uint8_t *)phys_to_virt(file_pages[1]), 'b');  /* the file is unchanged */
	uint64_t before = kstub_pages_in_use();
	assert_int_equal(mm_munmap(&mm, a, 17 * P), 0);
	assert_int_equal(kstub_pages_in_use(), before - 1);     /* only the copy is freed */
	assert_int_equal(f->refs, 1);
}

/* A small private writable file mapping (a library's data) is copied at mmap, up to the file's
   end: no read fault and then a copy at the first write. */
static void test_small_private_file_mapping_copied_at_mmap(void **state)
{
	struct inode *f = fake_file();
	int64_t a = mm_mmap(&mm, 0, 3 * P, RW, MAP_PRIVATE, f, 0);
	assert_true(a > 0);
	uint64_t mapped = kstub_pages_in_use();
	for (int i = 0; i < 2; i++) {
		uint64_t e = *pt_walk(mm.pml4, a + i * P, false);
		assert_true((e & PTE_P) && (e & PTE_W));
		assert_true((e & PTE_ADDR) != file_pages[i]);
		assert_int_equal(*user_byte(a + i * P), 'a' + i);
	}
	uint64_t *e = pt_walk(mm.pml4, a + 2 * P, false);
	assert_true(!e || !(*e & PTE_P));                       /* past the end of the file */
	*user_byte(a) = 'X';
	assert_int_equal(*(uint8_t *)phys_to_virt(file_pages[0]), 'a');  /* the file is unchanged */
	assert_int_equal(mm_munmap(&mm, a, 3 * P), 0);
	assert_int_equal(kstub_pages_in_use(), mapped - 2);     /* the two copies */
}

static void test_shared_file_mapping_and_sigbus(void **state)
{
	struct inode *f = fake_file();
	int64_t a = mm_mmap(&mm, 0, 3 * P, RW, MAP_SHARED, f, 0);
	struct mm_fault_info fi;
	assert_int_equal(mm_fault(&mm, a, PF_WRITE, &fi), 0);
	assert_int_equal(*pt_walk(mm.pml4, a, false) & PTE_ADDR, file_pages[0]);
	*user_byte(a) = 'Z';
	assert_int_equal(*(uint8_t *)phys_to_virt(file_pages[0]), 'Z');
	assert_int_equal(mm_fault(&mm, a + 2 * P, 0, &fi), -1);         /* past the end of file */
	assert_int_equal(fi.signo, 7);
	assert_int_equal(mm_mmap(&mm, 0, P, RW, MAP_SHARED, f, 0xfffffffffffff000ull), -EOVERFLOW);
}

static void test_brk_rules(void **state)
{
	mm.start_brk = mm.brk = 0x600000;
	assert_int_equal(mm_brk(&mm, 0), 0x600000);             /* below start: current break */
	assert_int_equal(mm_brk(&mm, 0x600010), 0x600010);      /* not page aligned, as Linux */
	assert_non_null(vma_find(&mm.vmas, 0x600000));
	assert_int_equal(mm_brk(&mm, 0x603000), 0x603000);
	assert_non_null(vma_find(&mm.vmas, 0x602fff));
	assert_int_equal(mm_brk(&mm, 0x601000), 0x601000);      /* shrink unmaps */
	assert_null(vma_find(&mm.vmas, 0x601000));
	/* A mapping in the way: the break stays. */
	mm_mmap(&mm, 0x610000, P, RW, ANON | MAP_FIXED, NULL, 0);
	assert_int_equal(mm_brk(&mm, 0x620000), 0x601000);
}

/* fork: copy-on-write when memory is short or the copies would leave less than half of it free
   (the page is shared read-only until a write, which copies it unless the writer is the last
   owner), copies otherwise; mm_destroy frees all. */
/* Rewritten call sites (kernel/arch/sites.c): a direct call counts only from a recorded site; a
   copy of the page (fork) keeps its sites; a page freed and handed out again has none; a checked
   site stops counting once its entry changes. */
static void test_rewritten_sites(void **state)
{
	static struct proc p;
	static struct unik_boot_info info = { .mem_size = 4096 * P };
	boot_info = &info;
	p.mm = &mm;
	cpu0.proc = &p;
	int64_t a = mm_mmap(&mm, 0, P, RW | PROT_EXEC, ANON, NULL, 0);
	struct mm_fault_info fi;
	assert_int_equal(mm_fault(&mm, (uint64_t)a, PF_WRITE, &fi), 0);
	uint64_t pa = *pt_walk(mm.pml4, (uint64_t)a, false) & PTE_ADDR;
	assert_false(arch_direct_site((uint64_t)a + 0x10));
	assert_true(arch_site_add(pa + 0x10));
	assert_true(arch_direct_site((uint64_t)a + 0x10));
	assert_true(arch_direct_site((uint64_t)a + 0x10));     /* from the cache */
	assert_false(arch_direct_site((uint64_t)a + 0x11));
	assert_false(arch_direct_site((uint64_t)a + P + 0x10));  /* not mapped */
	kstub_free_pages = 1u << 20;    /* fork copies the page */
	struct mm child;
	assert_int_equal(mm_fork(&child, &mm), 0);
	uint64_t cpa = *pt_walk(child.pml4, (uint64_t)a, false) & PTE_ADDR;
	assert_true(cpa != pa);
	p.mm = &child;
	arch_sites_gen++;               /* what loading the child's address space does */
	assert_true(arch_direct_site((uint64_t)a + 0x10));
	assert_false(arch_direct_site((uint64_t)a + 0x11));
	mm_destroy(&child);
	p.mm = &mm;
	assert_int_equal(mm_munmap(&mm, (uint64_t)a, P), 0);    /* frees the page: its sites go */
	assert_false(arch_direct_site((uint64_t)a + 0x10));
	int64_t b = mm_mmap(&mm, (uint64_t)a, P, RW | PROT_EXEC, ANON | MAP_FIXED, NULL, 0);
	assert_int_equal(mm_fault(&mm, (uint64_t)b, PF_WRITE, &fi), 0);
	assert_false(arch_direct_site((uint64_t)b + 0x10));
	void arch_sites_reset(void);
	arch_sites_reset();
	cpu0.proc = NULL;
	boot_info = NULL;
}

static void test_fork_cow_and_copy(void **state)
{
	assert_int_equal(mm_refs_init(4096 * P), 0);
	int64_t a = mm_mmap(&mm, 0, P, RW, ANON, NULL, 0);
	struct mm_fault_info fi;
	assert_int_equal(mm_fault(&mm, (uint64_t)a, PF_WRITE, &fi), 0);
	*user_byte((uint64_t)a) = 'A';
	uint64_t before = kstub_pages_in_use();
	kstub_free_pages = 0;           /* copy-on-write */
	struct mm child;
	assert_int_equal(mm_fork(&child, &mm), 0);
	uint64_t *pe = pt_walk(mm.pml4, (uint64_t)a, false), *ce = pt_walk(child.pml4, (uint64_t)a, false);
	assert_true((*pe & PTE_ADDR) == (*ce & PTE_ADDR));
	assert_false(*pe & PTE_W);
	assert_false(*ce & PTE_W);
	assert_int_equal(mm_fault(&child, (uint64_t)a, PF_WRITE | 1, &fi), 0);     /* copies */
	assert_true((*pe & PTE_ADDR) != (*ce & PTE_ADDR));
	uint8_t *cb = (uint8_t *)phys_to_virt(*ce & PTE_ADDR) + ((uint64_t)a & (P - 1));
	assert_int_equal(*cb, 'A');
	*cb = 'B';
	assert_int_equal(*user_byte((uint64_t)a), 'A');
	uint64_t ppa = *pe & PTE_ADDR;
	assert_int_equal(mm_fault(&mm, (uint64_t)a, PF_WRITE | 1, &fi), 0);        /* last owner */
	assert_true((*pe & PTE_ADDR) == ppa && (*pe & PTE_W));
	mm_destroy(&child);
	kstub_free_pages = 1u << 20;    /* copies at fork */
	assert_int_equal(mm_fork(&child, &mm), 0);
	ce = pt_walk(child.pml4, (uint64_t)a, false);
	assert_true((*ce & PTE_ADDR) != ppa && (*ce & PTE_W) && (*pe & PTE_W));
	assert_int_equal(*((uint8_t *)phys_to_virt(*ce & PTE_ADDR) + ((uint64_t)a & (P - 1))), 'A');
	mm_destroy(&child);
	/* plenty free for the copy, but it would leave less than half of memory: shared */
	kstub_free_pages = 1u << 19;
	assert_int_equal(mm_fork(&child, &mm), 0);
	ce = pt_walk(child.pml4, (uint64_t)a, false);
	assert_true((*ce & PTE_ADDR) == (*pe & PTE_ADDR) && !(*ce & PTE_W) && !(*pe & PTE_W));
	mm_destroy(&child);
	kstub_free_pages = 1u << 20;
	assert_int_equal(kstub_pages_in_use(), before);
}

static bool present(uint64_t va)
{
	uint64_t *e = pt_walk(mm.pml4, va, false);
	return e && (*e & PTE_P);
}

/* mlock faults pages in (MLOCK_ONFAULT does not), counts them once, and keeps within
   RLIMIT_MEMLOCK without CAP_IPC_LOCK (ENOMEM; EPERM at a limit of 0). */
static void test_mlock_faults_in_and_counts(void **state)
{
	int64_t a = mm_mmap(&mm, 0, 32 * P, RW, ANON, NULL, 0);
	assert_false(present(a));
	assert_int_equal(mm_mlock(&mm, a + 10, P, VMA_LOCKED), 0);       /* pages 0 and 1 */
	assert_true(present(a) && present(a + P) && !present(a + 2 * P));
	assert_int_equal(mm_locked_bytes(&mm), 2 * P);
	assert_int_equal(mm_mlock(&mm, a + 4 * P, 4 * P, VMA_LOCKED | VMA_LOCKONFAULT), 0);
	assert_false(present(a + 4 * P));
	assert_int_equal(mm_locked_bytes(&mm), 6 * P);
	assert_int_equal(mm_madvise(&mm, a, P, 4 /* MADV_DONTNEED */), -EINVAL);
	assert_int_equal(mm_mlock(&mm, a, P, 0), 0);
	assert_int_equal(mm_locked_bytes(&mm), 5 * P);
	assert_int_equal(mm_mlock(&mm, a, (uint64_t)-P, VMA_LOCKED), -EINVAL);
	kstub_memlock_capable = 0;
	kstub_memlock_rlimit = 5 * P;
	assert_int_equal(mm_mlock(&mm, a, 2 * P, VMA_LOCKED), -ENOMEM);  /* 1 new: 6 > 5 */
	assert_int_equal(mm_mlock(&mm, a + P, P, VMA_LOCKED), 0);        /* locked already */
	assert_int_equal(mm_mlock(&mm, a, (uint64_t)-P, VMA_LOCKED), -ENOMEM);
	assert_int_equal(mm_mlockall(&mm, MCL_CURRENT), -ENOMEM);
	assert_int_equal(mm_mlockall(&mm, MCL_FUTURE), 0);
	assert_int_equal(mm_mmap(&mm, 0, 2 * P, RW, ANON, NULL, 0), -EAGAIN);
	kstub_memlock_rlimit = 0;
	assert_int_equal(mm_mlock(&mm, a, 0, VMA_LOCKED), -EPERM);
	assert_int_equal(mm_mlockall(&mm, MCL_CURRENT), -EPERM);
	assert_int_equal(mm_mmap(&mm, 0, P, RW, ANON | MAP_LOCKED, NULL, 0), -EPERM);
	assert_int_equal(mm_munlockall(&mm), 0);
	assert_int_equal(mm_locked_bytes(&mm), 0);
	kstub_memlock_capable = 1;
	kstub_memlock_rlimit = 8u << 20;
}

/* mlockall: MCL_FUTURE locks later mmap and brk areas (faulted in unless MCL_ONFAULT); a fork's
   child has no locks and no MCL_FUTURE. */
static void test_mlockall_future_and_fork(void **state)
{
	assert_int_equal(mm_mlockall(&mm, 0), -EINVAL);
	assert_int_equal(mm_mlockall(&mm, MCL_ONFAULT), -EINVAL);
	assert_int_equal(mm_mlockall(&mm, 8), -EINVAL);
	assert_int_equal(mm_mlockall(&mm, MCL_FUTURE), 0);
	int64_t a = mm_mmap(&mm, 0, 32 * P, RW, ANON, NULL, 0);
	assert_true(present(a) && present(a + 31 * P));
	mm.start_brk = mm.brk = 0x600000;
	assert_int_equal(mm_brk(&mm, 0x602000), 0x602000);
	assert_true(present(0x601000));
	assert_int_equal(mm_locked_bytes(&mm), 34 * P);
	assert_int_equal(mm_mlockall(&mm, MCL_FUTURE | MCL_ONFAULT), 0);
	int64_t b = mm_mmap(&mm, 0, 32 * P, RW, ANON, NULL, 0);
	assert_false(present(b));
	assert_int_equal(mm_locked_bytes(&mm), 66 * P);
	struct mm child;
	assert_int_equal(mm_fork(&child, &mm), 0);
	assert_int_equal(mm_locked_bytes(&child), 0);
	assert_int_equal(child.def_flags, 0);
	mm_destroy(&child);
	assert_int_equal(mm_munlockall(&mm), 0);
	assert_int_equal(mm_locked_bytes(&mm), 0);
	assert_int_equal(mm.def_flags, 0);
}

/* The main stack, a fixed area here, counts (and is faulted in) from its lowest present page. */
static void test_mlockall_counts_used_stack(void **state)
{
	assert_int_equal(mm_map_fixed(&mm, STACK_TOP - STACK_SIZE, STACK_TOP, RW,
				      VMA_ANON | VMA_STACK, NULL, 0), 0);
	assert_true(mm_user_page(&mm, STACK_TOP - 3 * P, true) != 0);
	kstub_memlock_capable = 0;
	assert_int_equal(mm_mlockall(&mm, MCL_CURRENT), 0);
	kstub_memlock_capable = 1;
	assert_int_equal(mm_locked_bytes(&mm), 3 * P);
	assert_false(present(STACK_TOP - 4 * P));
	assert_true(present(STACK_TOP - P));
	mm_munlockall(&mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mmap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_is_top_down_and_honours_hints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demand_zero_and_fault_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_anonymous_mapping_is_mapped_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_munmap_frees_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_keeps_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_grow_shrink_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madvise_dontneed_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_file_mapping_copies_on_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_small_private_file_mapping_copied_at_mmap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_file_mapping_and_sigbus, setup, teardown),
		/* last: the page owner counts it sets up live in this test's fake memory */
		cmocka_unit_test_setup_teardown(test_fork_cow_and_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_faults_in_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlockall_future_and_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlockall_counts_used_stack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
