/* Address-space operations: demand paging and the anonymous-memory system calls, with Linux's
   argument checks and errno values. */
#include "k/kernel.h"
#include "k/mm.h"
#include "k/pt.h"
#include "k/pmm.h"
#include "k/arch.h"
#include "k/stats.h"
#include "vfs/vfs.h"
#include "vfs/textpage.h"

#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_USER    0x4
#define PF_INSTR   0x10
#define PF_PK      0x20
#define SIGSEGV_ 11
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define SEGV_PKUERR 4

/* Pages shared copy-on-write after fork: the count of extra owners per physical page (0: one
   owner). Allocated at boot for all guest memory; untouched entries cost no host memory. */
static uint16_t *page_refs;

int mm_refs_init(uint64_t mem_size)
{
	size_t bytes = (size_t)(mem_size / PAGE_SIZE) * sizeof(uint16_t);
	uint64_t pa = pmm_alloc_contig((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!pa)
		return -ENOMEM;
	page_refs = phys_to_virt(pa);
	return 0;
}

static bool page_shared(uint64_t pa)
{
	return page_refs && page_refs[pa / PAGE_SIZE];
}

/* Drops this address space's hold on a page it owns: the last owner frees it. */
static void page_release(uint64_t pa)
{
	if (page_shared(pa))
		page_refs[pa / PAGE_SIZE]--;
	else
		pmm_free(pa);
}

int mm_init(struct mm *mm, uint64_t kernel_pml4)
{
	memset(mm, 0, sizeof(*mm));
	mm->pml4 = pmm_alloc_table();
	if (!mm->pml4)
		return -ENOMEM;
	uint64_t *dst = phys_to_virt(mm->pml4), *src = phys_to_virt(kernel_pml4);
	for (int i = 256; i < 512; i++)
		dst[i] = src[i];
	mm->mmap_top = MMAP_TOP;
	return 0;
}

static uint64_t mm_pte_flags(uint32_t prot)
{
	uint64_t f = PTE_P | PTE_U;
	if (prot & VMA_PROT_WRITE)
		f |= PTE_W;
	if (!(prot & VMA_PROT_EXEC))
		f |= PTE_NX;
	else if (!(prot & (VMA_PROT_READ | VMA_PROT_WRITE)))
		f |= PTE_XONLY;
	return f;
}

/* Entry flags for page pa of v: a file page of a private mapping stays read-only until a write
   copies it (PTE_PRIVATE marks pages this address space owns and frees). */
static uint64_t mm_entry(const struct vma *v, uint64_t pa, bool own)
{
	if (!v->prot)
		return pa | PTE_PROTNONE | (own ? PTE_PRIVATE : 0);
	uint64_t f = mm_pte_flags(v->prot);
	/* Read-only: a file page (a private mapping copies it at the first write; a shared one
	   asks the file for the page to write, mm_make_present), or a page shared since fork. */
	if (!own || page_shared(pa))
		f &= ~PTE_W;
	/* Dirty from the start where writable, so a read does not make the shadow MMU map the
	   page read-only and fault again at the first write. */
	if (f & PTE_W)
		f |= PTE_D;
	return pa | f | (own ? PTE_PRIVATE : 0);
}

/* Makes changed entries visible: one page by invlpg, more by a full flush. Callers count only
   entries that had PTE_A: the MMU sets it before it caches a translation, so an entry without
   it has nothing to invalidate (on kvm_pvm a full flush also makes the shadow MMU rebuild). */
static void mm_flush(uint64_t first, unsigned changed)
{
	if (changed == 1)
		arch_flush_page(first);
	else if (changed)
		arch_flush_tlb();
}

/* Unmaps [start, end) and frees the pages this address space owns. */
static void mm_zap(struct mm *mm, uint64_t start, uint64_t end)
{
	unsigned changed = 0;
	uint64_t first = 0;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t old = pt_unmap(mm->pml4, va);
		if (!(old & (PTE_P | PTE_PROTNONE)))
			continue;
		if ((old & PTE_A) && !changed++)
			first = va;
		if (old & PTE_PRIVATE)
			page_release(old & PTE_ADDR);
	}
	mm_flush(first, changed);
}

void mm_truncate_inode(struct mm *mm, struct inode *ino, uint64_t from_pgoff)
{
	unsigned changed = 0;
	uint64_t first = 0;
	for (struct vma *v = mm->vmas.head; v; v = v->next) {
		if (v->inode != ino)
			continue;
		for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
			if (vma_pgoff(v, va) < from_pgoff)
				continue;
			uint64_t *e = pt_walk(mm->pml4, va, false);
			/* Private copies stay (they are the program's); the file's pages go. */
			if (!e || !(*e & (PTE_P | PTE_PROTNONE)) || (*e & PTE_PRIVATE))
				continue;
			uint64_t old = *e;
			*e = 0;
			if ((old & PTE_A) && !changed++)
				first = va;
		}
	}
	mm_flush(first, changed);
}

int mm_map_fixed(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
		 struct inode *inode, uint64_t pgoff)
{
	if (!vma_range_free(&mm->vmas, start, end)) {
		mm_zap(mm, start, end);
		int err = vma_remove(&mm->vmas, start, end);
		if (err)
			return err;
	}
	return vma_insert(&mm->vmas, start, end, prot, flags, inode, pgoff);
}

/* The file's page behind va (0: beyond the end of the file). A private mapping reads the
   file's shared text page when it has one (executable mappings and the others apart). */
static uint64_t mm_file_page(const struct vma *v, uint64_t va, bool write)
{
	const struct inode_ops *ops = v->inode->ops;
	if (!write && !(v->flags & VMA_SHARED) && ops->text_page) {
		uint64_t pa = ops->text_page(v->inode, vma_pgoff(v, va),
					     (v->prot & VMA_PROT_EXEC) ? TEXT_MAP : TEXT_READ);
		if (pa)
			return pa;
	}
	return ops->page(v->inode, vma_pgoff(v, va), write);
}

bool mm_is_shared_text(const struct vma *v, uint64_t va, uint64_t pa)
{
	const struct inode_ops *ops = v->inode ? v->inode->ops : NULL;
	return ops && ops->is_text_page && !(v->flags & VMA_SHARED) &&
	       ops->is_text_page(v->inode, vma_pgoff(v, va), pa);
}

uint64_t mm_shared_text(const struct vma *v, uint64_t va)
{
	const struct inode_ops *ops = v->inode ? v->inode->ops : NULL;
	if (!ops || !ops->text_page || (v->flags & VMA_SHARED) || !(v->prot & VMA_PROT_EXEC))
		return 0;
	return ops->text_page(v->inode, vma_pgoff(v, va), TEXT_PATCH);
}

/* A private copy of the page at pa (0 when out of memory). */
static uint64_t mm_copy_page(uint64_t pa)
{
	uint64_t np = pmm_alloc();
	if (np) {
		memcpy(phys_to_virt(np), phys_to_virt(pa), PAGE_SIZE);
		arch_page_copied(pa, np);       /* a program text's rewritten call sites */
	}
	return np;
}

/* Makes va present for an access (write or not). 0, -ENOMEM, or -EFAULT for a file page past
   the end of the file (SIGBUS). A new entry is marked accessed (PTE_A) when the page is about to
   be used, as Linux marks its entries: the shadow MMU then fills the neighbouring accessed
   entries along with the one it faults in (first touch of memory ~7 us a page instead of ~21).
   Only entries with A can have been cached, so only those cost a flush when they change. */
static int mm_make_present(struct mm *mm, struct vma *v, uint64_t va, bool write, bool accessed)
{
	uint64_t *e = pt_walk(mm->pml4, va, true);
	if (!e)
		return -ENOMEM;
	if (*e & PTE_P) {
		/* Present but read-only: the first write to a private file page copies it, and so
		   does the first write to a page shared since fork, unless no one else holds it. */
		if (!write || (*e & PTE_W))
			return 0;
		if ((v->flags & VMA_SHARED) && !(*e & PTE_PRIVATE)) {
			/* A shared mapping's first write to a page it read: the file's page for
			   writing (a tmpfs file from the image is copied up first; a volume's page
			   is marked for write-back to the host). */
			uint64_t fpa = mm_file_page(v, va, true);
			if (!fpa)
				return -EFAULT;
			*e = mm_entry(v, fpa, false) | PTE_W | PTE_D | PTE_A;
			arch_flush_page(va);
			return 0;
		}
		uint64_t pa = *e & PTE_ADDR;
		if ((*e & PTE_PRIVATE) && !page_shared(pa)) {
			*e = mm_entry(v, pa, true) | PTE_A;
			arch_flush_page(va);
			return 0;
		}
		uint64_t np = mm_copy_page(pa);
		if (!np)
			return -ENOMEM;
		if (*e & PTE_PRIVATE)
			page_refs[pa / PAGE_SIZE]--;
		*e = mm_entry(v, np, true) | PTE_A;
		arch_flush_page(va);
		return 0;
	}
	uint64_t pa;
	bool own = true;
	if (!(v->flags & VMA_FILE)) {
		pa = pmm_alloc();
	} else if (v->flags & VMA_SHARED) {
		pa = mm_file_page(v, va, write);
		own = false;
		if (!pa)
			return -EFAULT;
	} else {
		uint64_t fpa = mm_file_page(v, va, false);
		if (!fpa)
			return -EFAULT;
		pa = write ? mm_copy_page(fpa) : fpa;
		own = write;
	}
	if (!pa)
		return -ENOMEM;
	*e = mm_entry(v, pa, own) | (accessed ? PTE_A : 0);
	if ((v->flags & VMA_SHARED) && write)
		*e |= PTE_W | PTE_D;    /* the page mm_file_page gave for writing */
	stats.pages_mapped++;
	return 0;
}

/* Fault-around: maps the other pages of the surrounding 64 KiB that are not mapped yet (for a
   file they are in memory already), saving the faults a sequential access would take next;
   with write, for writing (private pages copied or zeroed now). */
#define FAULT_AROUND_PAGES 16
static void mm_fault_around(struct mm *mm, struct vma *v, uint64_t addr, bool write)
{
	uint64_t lo = MAX(addr & ~(FAULT_AROUND_PAGES * PAGE_SIZE - 1), v->start);
	uint64_t hi = MIN(lo + FAULT_AROUND_PAGES * PAGE_SIZE, v->end);
	for (uint64_t va = lo; va < hi; va += PAGE_SIZE) {
		uint64_t *e = pt_walk(mm->pml4, va, false);
		if (e && (*e & (PTE_P | PTE_PROTNONE)))
			continue;
		if (mm_make_present(mm, v, va, write, true))
			break;          /* past the end of the file, or out of memory */
	}
}

/* Program text in memory (an image file, which is contiguous guest memory): the rest of the 2
   MiB around a fault mapped too. A dynamically linked program starts by calling into its
   libraries all over their text (a Debian /bin/true faulted ten times in libc's 1.4 MiB), and
   an entry written here costs a fraction of a µs against ~30 for a fault. These map a page's
   shared text copy where one exists (patched already), else the file's own page: counting
   each as used (mm_file_page) would make the next process's faults copy them all. */
#define TEXT_AROUND (2ull << 20)
static void mm_text_around(struct mm *mm, struct vma *v, uint64_t addr)
{
	struct inode *ino = v->inode;
	if (!ino->contig_pa || (v->flags & VMA_SHARED) || !(v->prot & VMA_PROT_EXEC))
		return;
	uint64_t lo = MAX(addr & ~(TEXT_AROUND - 1), v->start);
	uint64_t hi = MIN((addr & ~(TEXT_AROUND - 1)) + TEXT_AROUND, v->end);
	for (uint64_t va = lo; va < hi; va += PAGE_SIZE) {
		uint64_t pgoff = vma_pgoff(v, va);
		if (pgoff >= PAGE_ALIGN_UP(ino->size) / PAGE_SIZE)
			break;          /* past the end of the file: SIGBUS there, not a page */
		uint64_t *e = pt_walk(mm->pml4, va, true);
		if (!e)
			return;
		if (*e & (PTE_P | PTE_PROTNONE))
			continue;
		uint64_t pa = v->inode->ops->text_page ?
			      v->inode->ops->text_page(v->inode, pgoff, TEXT_PEEK) : 0;
		*e = mm_entry(v, pa ? pa : ino->contig_pa + pgoff * PAGE_SIZE, false) | PTE_A;
		stats.pages_mapped++;
	}
}

void mm_map_ahead(struct mm *mm, uint64_t addr, bool write)
{
	struct vma *v = vma_find(&mm->vmas, addr);
	if (v && !(v->flags & VMA_SHARED) &&
	    (v->prot & (write ? VMA_PROT_WRITE : VMA_PROT_READ | VMA_PROT_EXEC)))
		mm_fault_around(mm, v, addr, write);
}

/* A small private anonymous mapping is mapped whole when it is made: its first touch would map
   it all anyway (fault-around), and doing it here saves that exception through CPL0. The entries
   stay unaccessed, so unmapping the typical short-lived buffer (glibc's opendir, a scratch
   area) invalidates only the pages the program touched. A small private writable mapping of a
   file (a shared library's data, which the dynamic linker relocates at once) is mapped for
   writing: its pages copied now rather than mapped read-only by a read and copied again at the
   first write, a fault and an invalidation each. Memory that runs out here, or the end of the
   file, is simply left to the faults. */
static void mm_prefault(struct mm *mm, uint64_t start, uint64_t end, bool write)
{
	struct vma *v = vma_find(&mm->vmas, start);
	for (uint64_t va = start; v && va < end; va += PAGE_SIZE)
		if (mm_make_present(mm, v, va, write, write))
			break;
}

int mm_fault(struct mm *mm, uint64_t addr, uint64_t err, struct mm_fault_info *info)
{
	info->signo = SIGSEGV_;
	info->code = SEGV_MAPERR;
	struct vma *v = vma_find(&mm->vmas, addr);
	if (!v)
		return -1;
	info->code = SEGV_ACCERR;
	if (err & PF_PK) {
		info->code = SEGV_PKUERR;
		return -1;
	}
	if ((err & PF_WRITE) && !(v->prot & VMA_PROT_WRITE))
		return -1;
	if ((err & PF_INSTR) && !(v->prot & VMA_PROT_EXEC))
		return -1;
	if (!(v->prot & (VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC)))
		return -1;
	int r = mm_make_present(mm, v, addr & PAGE_MASK, err & PF_WRITE, true);
	if (r == 0) {
		/* File pages on a read (Linux's fault-around) and, unlike Linux, private
		   anonymous memory too: each fault is an exception through CPL0 (~50 us on
		   kvm_pvm) while a page is ~30 us, so mapping 16 at a time halves the cost of
		   touching memory. The pages are zero; only the program's RSS shows it. */
		if (((v->flags & VMA_FILE) && !(err & PF_WRITE)) ||
		    !(v->flags & (VMA_FILE | VMA_SHARED)))
			mm_fault_around(mm, v, addr, false);
		if ((v->flags & VMA_FILE) && !(err & PF_WRITE))
			mm_text_around(mm, v, addr);
		return 0;
	}
	if (r == -ENOMEM) {
		/* The VM's memory is used up: as Linux's OOM killer, SIGKILL (code 0: the trap
		   handler reports it as out of memory). */
		info->signo = 9;
		info->code = 0;
		return -1;
	}
	info->signo = 7;                /* SIGBUS */
	info->code = 2;                 /* BUS_ADRERR: past the end of the file */
	return -1;
}

uint64_t mm_user_page(struct mm *mm, uint64_t addr, bool for_write)
{
	/* Mapped already, with the access allowed (writable entries exist only where the area is
	   writable and the page the address space's own): no area to look up. The first page is
	   the sled's, never the program's. */
	uint64_t *pe = addr >= PAGE_SIZE ? pt_walk(mm->pml4, addr, false) : NULL;
	if (pe && (*pe & PTE_P) && (*pe & PTE_U) && !(*pe & PTE_XONLY) &&
	    (!for_write || (*pe & PTE_W)))
		return *pe & PTE_ADDR;
	struct vma *v = vma_find(&mm->vmas, addr);
	if (!v || !(v->prot & VMA_PROT_READ) || (for_write && !(v->prot & VMA_PROT_WRITE)))
		return 0;
	uint64_t va = addr & PAGE_MASK;
	if (mm_make_present(mm, v, va, for_write, true))
		return 0;
	uint64_t *e = pt_walk(mm->pml4, va, false);
	return e ? *e & PTE_ADDR : 0;
}

int mm_populate(struct mm *mm, uint64_t addr, uint64_t len, bool for_write)
{
	if (len == 0)
		return 0;
	if (addr >= USER_TOP || len > USER_TOP - addr)
		return -EFAULT;
	for (uint64_t va = addr & PAGE_MASK; va < addr + len; va += PAGE_SIZE)
		if (!mm_user_page(mm, va < addr ? addr : va, for_write))
			return -EFAULT;
	return 0;
}

/* ---- locking (mlock, mlockall, MAP_LOCKED): Linux's mm/mlock.c rules ---- */

#define PT_SPAN (512 * PAGE_SIZE)       /* what one page table maps */

/* Where area v begins for the lock accounting. The main stack is a fixed 8 MiB area here while
   Linux's grows down as the program uses it: it counts (and a lock faults it in) from its lowest
   present page, so that locking everything costs and counts about what it does on Linux. */
static uint64_t mm_area_low(struct mm *mm, const struct vma *v)
{
	if (!(v->flags & VMA_STACK))
		return v->start;
	for (uint64_t va = v->start; va < v->end;) {
		uint64_t *e = pt_walk(mm->pml4, va, false);
		if (!e)
			va = (va | (PT_SPAN - 1)) + 1;  /* no page table: nothing present up to there */
		else if (*e & (PTE_P | PTE_PROTNONE))
			return va;
		else
			va += PAGE_SIZE;
	}
	return v->end;
}

/* Pages of the locked areas, or of all (Linux's locked_vm, total_vm). */
static uint64_t mm_area_pages(struct mm *mm, bool locked_only)
{
	uint64_t n = 0;
	for (struct vma *v = mm->vmas.head; v; v = v->next)
		if (!locked_only || (v->flags & VMA_LOCKED))
			n += (v->end - mm_area_low(mm, v)) / PAGE_SIZE;
	return n;
}

void mm_count_resident(const struct mm *mm, uint64_t start, uint64_t end, uint64_t *anon,
		       uint64_t *file)
{
	for (uint64_t va = start; va < end;) {
		const uint64_t *t = phys_to_virt(mm->pml4);
		int level = 3;
		for (; level > 0; level--) {
			uint64_t e = t[(va >> (12 + 9 * level)) & 511];
			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			t = phys_to_virt(e & PTE_ADDR);
		}
		if (level > 0) {
			uint64_t span = 1ull << (12 + 9 * level);
			va = (va & ~(span - 1)) + span;
			continue;
		}
		uint64_t e = t[(va >> 12) & 511];
		if (e & (PTE_P | PTE_PROTNONE)) {
			if (e & PTE_PRIVATE)
				(*anon)++;
			else
				(*file)++;
		}
		va += PAGE_SIZE;
	}
}

uint64_t mm_resident_pages(const struct mm *mm)
{
	uint64_t anon = 0, file = 0;
	for (const struct vma *v = mm->vmas.head; v; v = v->next)
		mm_count_resident(mm, v->start, v->end, &anon, &file);
	return anon + file;
}

uint64_t mm_locked_bytes(struct mm *mm)
{
	return mm_area_pages(mm, true) * PAGE_SIZE;
}

/* Linux's can_do_mlock. */
static bool mm_can_lock(void)
{
	return mm_memlock_rlimit() || mm_memlock_capable();
}

/* Linux's mlock_future_ok: may len more bytes of an area with these flags be mapped? Locked
   ones count against RLIMIT_MEMLOCK unless CAP_IPC_LOCK lifts it. */
static bool mm_lock_future_ok(struct mm *mm, uint32_t vflags, uint64_t len)
{
	if (!(vflags & VMA_LOCKED) || mm_memlock_capable())
		return true;
	return len / PAGE_SIZE + mm_area_pages(mm, true) <= mm_memlock_rlimit() / PAGE_SIZE;
}

/* Faults in the pages of the locked areas in [start, end) (Linux's __mm_populate), for writing
   in private writable areas so that none stays copy-on-write; areas locked on fault stay as
   they are. -EFAULT for an inaccessible area or a file page past the end of its file, -ENOMEM
   when memory runs out; with ignore_errors the next area is tried instead. */
static int mm_lock_populate(struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors)
{
	for (struct vma *v = vma_next(&mm->vmas, start); v && v->start < end; v = v->next) {
		if ((v->flags & VMA_LOCK_MASK) != VMA_LOCKED)
			continue;
		bool write = (v->prot & VMA_PROT_WRITE) && !(v->flags & VMA_SHARED);
		uint64_t hi = MIN(end, v->end);
		int err = v->prot ? 0 : -EFAULT;
		for (uint64_t va = MAX(start, mm_area_low(mm, v)); !err && va < hi; va += PAGE_SIZE)
			err = mm_make_present(mm, v, va, write, false);
		if (err && !ignore_errors)
			return err;
	}
	return 0;
}

int mm_mlock(struct mm *mm, uint64_t addr, uint64_t len, uint32_t lock)
{
	if (lock && !mm_can_lock())
		return -EPERM;
	len = PAGE_ALIGN_UP(len + (addr & ~PAGE_MASK));        /* wraps to 0 as Linux's */
	addr &= PAGE_MASK;
	uint64_t end = addr + len;
	if (lock && !mm_memlock_capable()) {
		/* Pages of the range locked already count once. */
		uint64_t limit = mm_memlock_rlimit() / PAGE_SIZE;
		uint64_t locked = len / PAGE_SIZE + mm_area_pages(mm, true);
		if (locked > limit)
			locked -= vma_locked_bytes(&mm->vmas, addr, end < addr ? UINT64_MAX : end) /
				  PAGE_SIZE;
		if (locked > limit)
			return -ENOMEM;
	}
	if (end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	int err = vma_set_lock(&mm->vmas, addr, end, lock);
	if (err || !lock)
		return err;
	/* The area stays locked when its pages cannot all be had (Linux's
	   __mlock_posix_error_return): EFAULT is ENOMEM, ENOMEM is EAGAIN. */
	err = mm_lock_populate(mm, addr, end, false);
	return err == -EFAULT ? -ENOMEM : err == -ENOMEM ? -EAGAIN : err;
}

/* Linux's apply_mlockall_flags: MCL_FUTURE sets the flags new areas get, MCL_CURRENT locks
   every area; without MCL_CURRENT the areas keep their locks unless flags is 0 (munlockall). */
static void mm_lock_all(struct mm *mm, int flags)
{
	uint32_t lock = VMA_LOCKED | ((flags & MCL_ONFAULT) ? VMA_LOCKONFAULT : 0);
	mm->def_flags = (flags & MCL_FUTURE) ? lock : 0;
	if (!(flags & MCL_FUTURE) || (flags & MCL_CURRENT))
		vma_set_lock_all(&mm->vmas, (flags & MCL_CURRENT) ? lock : 0);
}

int mm_mlockall(struct mm *mm, int flags)
{
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!mm_can_lock())
		return -EPERM;
	if ((flags & MCL_CURRENT) && !mm_memlock_capable() &&
	    mm_area_pages(mm, false) > mm_memlock_rlimit() / PAGE_SIZE)
		return -ENOMEM;
	mm_lock_all(mm, flags);
	if (flags & MCL_CURRENT)
		mm_lock_populate(mm, 0, USER_TOP, true);
	return 0;
}

int mm_munlockall(struct mm *mm)
{
	mm_lock_all(mm, 0);
	return 0;
}

static uint32_t mm_vma_prot(int prot)
{
	return (uint32_t)prot & (VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC);
}

/* Linux's get_unmapped_area for anonymous memory: the hint if it fits, else top-down. */
static uint64_t mm_unmapped_area(struct mm *mm, uint64_t hint, uint64_t len)
{
	if (hint) {
		hint = PAGE_ALIGN_UP(hint);
		if (hint >= USER_MIN && hint <= USER_TOP - len &&
		    vma_range_free(&mm->vmas, hint, hint + len))
			return hint;
	}
	uint64_t a = vma_find_free(&mm->vmas, len, USER_MIN, mm->mmap_top);
	if (!a)
		a = vma_find_free(&mm->vmas, len, USER_MIN, USER_TOP);
	return a;
}

int64_t mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags,
		struct inode *inode, uint64_t off)
{
	int type = flags & MAP_TYPE;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (len == 0)
		return -EINVAL;
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	len = PAGE_ALIGN_UP(len);
	if (!(flags & MAP_ANONYMOUS) && off + len < off)
		return -EOVERFLOW;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (flags & MAP_FIXED) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr > USER_TOP - len)
			return -ENOMEM;
		if (addr < USER_MIN)
			return -EPERM;
		if ((flags & MAP_FIXED_NOREPLACE) && !vma_range_free(&mm->vmas, addr, addr + len))
			return -EEXIST;
	} else {
		addr = mm_unmapped_area(mm, addr, len);
		if (!addr)
			return -ENOMEM;
	}
	uint32_t vflags = (inode ? VMA_FILE : VMA_ANON) | (type == MAP_PRIVATE ? 0 : VMA_SHARED);
	if (type != MAP_PRIVATE && (flags & MAP_UNIK_NOWRITE))
		vflags |= VMA_NOWRITE;
	/* MAP_LOCKED and mlockall(MCL_FUTURE) lock the area, within RLIMIT_MEMLOCK. */
	vflags |= mm->def_flags | ((flags & MAP_LOCKED) ? VMA_LOCKED : 0);
	if ((flags & MAP_LOCKED) && !mm_can_lock())
		return -EPERM;
	if (!mm_lock_future_ok(mm, vflags, len))
		return -EAGAIN;
	int err = mm_map_fixed(mm, addr, addr + len, mm_vma_prot(prot), vflags, inode,
			       inode ? off / PAGE_SIZE : 0);
	if (err)
		return err;
	if ((vflags & VMA_LOCK_MASK) == VMA_LOCKED)
		mm_lock_populate(mm, addr, addr + len, true);
	else if ((flags & MAP_POPULATE) && (prot & PROT_READ))
		mm_populate(mm, addr, len, false);
	else if ((vflags == VMA_ANON || vflags == VMA_FILE) && (prot & PROT_WRITE) &&
		 len <= FAULT_AROUND_PAGES * PAGE_SIZE)
		mm_prefault(mm, addr, addr + len, vflags == VMA_FILE);
	return (int64_t)addr;
}

int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	if ((addr & ~PAGE_MASK) || len == 0 || addr > USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	mm_zap(mm, addr, addr + len);
	return vma_remove(&mm->vmas, addr, addr + len);
}

int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (len == 0)
		return 0;
	len = PAGE_ALIGN_UP(len);
	if (len == 0 || addr + len < addr || addr + len > USER_TOP)
		return -ENOMEM;
	if (prot & PROT_WRITE)
		for (struct vma *v = vma_next(&mm->vmas, addr); v && v->start < addr + len; v = v->next)
			if (v->flags & VMA_NOWRITE)
				return -EACCES;
	int err = vma_protect(&mm->vmas, addr, addr + len, mm_vma_prot(prot));
	if (err)
		return err;
	/* Rewrite the present entries; file pages keep their backing. */
	unsigned changed = 0;
	uint64_t first = 0;
	for (uint64_t va = addr; va < addr + len; va += PAGE_SIZE) {
		uint64_t *e = pt_walk(mm->pml4, va, false);
		if (!e || !(*e & (PTE_P | PTE_PROTNONE)))
			continue;
		struct vma *v = vma_find(&mm->vmas, va);
		uint64_t ne = mm_entry(v, *e & PTE_ADDR, *e & PTE_PRIVATE) | (*e & PTE_A);
		if ((v->flags & VMA_SHARED) && !(*e & PTE_PRIVATE) && (*e & PTE_W) &&
		    (v->prot & VMA_PROT_WRITE))
			ne |= PTE_W | PTE_D;    /* a page the file gave for writing stays so */
		if (ne != *e && (*e & PTE_A) && !changed++)
			first = va;
		*e = ne;
	}
	mm_flush(first, changed);
	return 0;
}

/* Moves the page-table entries of [old, old+len) to new (no copy: the pages follow). The old
   translations are flushed: left in the TLB, a later mapping of the old range would write
   into the moved pages. */
static int mm_move_ptes(struct mm *mm, uint64_t old, uint64_t new, uint64_t len)
{
	unsigned moved = 0;
	uint64_t first = 0;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *e = pt_walk(mm->pml4, old + off, false);
		if (!e || !(*e & (PTE_P | PTE_PROTNONE)))
			continue;
		uint64_t *n = pt_walk(mm->pml4, new + off, true);
		if (!n)
			return -ENOMEM;
		*n = *e;
		*e = 0;
		if ((*n & PTE_A) && !moved++)
			first = old + off;
	}
	mm_flush(first, moved);
	return 0;
}

int64_t mm_mremap(struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
		  uint64_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL;         /* needs a second mapping of the same pages: not supported */
	if (old & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN_UP(old_len);
	new_len = PAGE_ALIGN_UP(new_len);
	if (new_len == 0 || new_len > USER_TOP)
		return -EINVAL;
	if (old_len == 0)
		return -EINVAL;         /* duplicating shared mappings: not supported */
	struct vma *v = vma_find(&mm->vmas, old);
	if (!v || old + old_len > v->end)
		return -EFAULT;
	if (new_len > old_len && !mm_lock_future_ok(mm, v->flags, new_len - old_len))
		return -EAGAIN;
	uint32_t prot = v->prot, vflags = v->flags;
	struct inode *inode = v->inode;
	uint64_t pgoff = inode ? vma_pgoff(v, old) : 0;
	if (flags & MREMAP_FIXED) {
		if ((new_addr & ~PAGE_MASK) || new_addr < USER_MIN || new_addr > USER_TOP - new_len)
			return -EINVAL;
		if (new_addr < old + old_len && old < new_addr + new_len)
			return -EINVAL;
		mm_munmap(mm, new_addr, new_len);
	} else if (new_len <= old_len) {
		if (new_len < old_len)
			mm_munmap(mm, old + new_len, old_len - new_len);
		return (int64_t)old;
	} else if (old + new_len <= USER_TOP &&
		   vma_range_free(&mm->vmas, old + old_len, old + new_len)) {
		int err = vma_insert(&mm->vmas, old + old_len, old + new_len, prot, vflags, inode,
				     inode ? pgoff + old_len / PAGE_SIZE : 0);
		if (err)
			return err;
		mm_lock_populate(mm, old + old_len, old + new_len, true);       /* a locked area */
		return (int64_t)old;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		return -ENOMEM;
	} else {
		new_addr = mm_unmapped_area(mm, 0, new_len);
		if (!new_addr)
			return -ENOMEM;
	}
	uint64_t keep = MIN(old_len, new_len);
	int err = vma_insert(&mm->vmas, new_addr, new_addr + new_len, prot, vflags, inode, pgoff);
	if (err)
		return err;
	err = mm_move_ptes(mm, old, new_addr, keep);
	if (err)
		return err;
	mm_munmap(mm, old, old_len);
	if (new_len > old_len)
		mm_lock_populate(mm, new_addr + old_len, new_addr + new_len, true);
	return (int64_t)new_addr;
}

#define MADV_NORMAL 0
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_REMOVE 9
#define MADV_DONTNEED_LOCKED 24
#define MADV_HWPOISON 100

int mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	uint64_t end = addr + PAGE_ALIGN_UP(len);
	if (end < addr)
		return -EINVAL;
	bool known = (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25 && advice != 13) ||
		     advice == 100 || advice == 101;
	if (!known)
		return -EINVAL;
	/* No shared files to punch and no memory-failure injection: Linux answers EINVAL when
	   the area cannot support the advice or the kernel lacks the feature. */
	if (advice == MADV_HWPOISON || advice == 101 || advice == MADV_REMOVE)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!vma_range_mapped(&mm->vmas, addr, end))
		return -ENOMEM;
	if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_DONTNEED_LOCKED) {
		/* Private anonymous pages read back as zero afterwards, as on Linux. Area by area:
		   a locked one refuses all but MADV_DONTNEED_LOCKED (EINVAL). */
		for (struct vma *v = vma_next(&mm->vmas, addr); v && v->start < end; v = v->next) {
			if ((v->flags & VMA_LOCKED) && advice != MADV_DONTNEED_LOCKED)
				return -EINVAL;
			mm_zap(mm, MAX(addr, v->start), MIN(end, v->end));
		}
	}
	return 0;
}

uint64_t mm_brk(struct mm *mm, uint64_t addr)
{
	if (addr < mm->start_brk)
		return mm->brk;
	uint64_t newbrk = PAGE_ALIGN_UP(addr), oldbrk = PAGE_ALIGN_UP(mm->brk);
	if (addr > USER_TOP)
		return mm->brk;
	if (newbrk == oldbrk) {
		mm->brk = addr;
		return addr;
	}
	if (addr <= mm->brk) {
		mm_zap(mm, newbrk, oldbrk);
		if (vma_remove(&mm->vmas, newbrk, oldbrk))
			return mm->brk;
		mm->brk = addr;
		return addr;
	}
	/* Keep a page of gap to the next mapping, as Linux's check against the stack guard. */
	if (!vma_range_free(&mm->vmas, oldbrk, newbrk + PAGE_SIZE))
		return mm->brk;
	if (!mm_lock_future_ok(mm, mm->def_flags, newbrk - oldbrk))
		return mm->brk;
	if (vma_insert(&mm->vmas, oldbrk, newbrk, VMA_PROT_READ | VMA_PROT_WRITE,
		       VMA_ANON | VMA_HEAP | mm->def_flags, NULL, 0))
		return mm->brk;
	mm->brk = addr;
	mm_lock_populate(mm, oldbrk, newbrk, true);     /* after mlockall(MCL_FUTURE) */
	return addr;
}

/* ---- fork and the end of an address space ---- */

/* Calls fn on every present (or PROT_NONE-kept) user entry of the tables under table, a table
   of the given level (3: PML4) covering virtual addresses from base. */
static void mm_walk_leaves(uint64_t table, int level, uint64_t base,
			   void (*fn)(uint64_t va, uint64_t *e, void *arg), void *arg)
{
	uint64_t *t = phys_to_virt(table);
	int n = level == 3 ? 256 : 512;         /* the PML4's upper half is the kernel's */
	uint64_t span = 1ull << (12 + 9 * level);
	for (int i = 0; i < n; i++) {
		uint64_t va = base + (uint64_t)i * span;
		if (level == 0) {
			if (t[i] & (PTE_P | PTE_PROTNONE))
				fn(va, &t[i], arg);
		} else if ((t[i] & PTE_P) && !(t[i] & PTE_PS)) {
			mm_walk_leaves(t[i] & PTE_ADDR, level - 1, va, fn, arg);
		}
	}
}

struct mm_fork_ctx {
	struct mm *child;
	bool copy;              /* copy private pages now rather than share them copy-on-write */
	uint64_t private_pages;
	int err;
};

static void mm_fork_count(uint64_t va, uint64_t *e, void *arg)
{
	struct mm_fork_ctx *c = arg;
	if (*e & PTE_PRIVATE)
		c->private_pages++;
}

static void mm_fork_entry(uint64_t va, uint64_t *e, void *arg)
{
	struct mm_fork_ctx *c = arg;
	if (c->err)
		return;
	uint64_t *ce = pt_walk(c->child->pml4, va, true);
	if (!ce) {
		c->err = -ENOMEM;
		return;
	}
	if ((*e & PTE_PRIVATE) && c->copy) {
		uint64_t np = mm_copy_page(*e & PTE_ADDR);
		if (!np) {
			c->err = -ENOMEM;
			return;
		}
		*ce = np | (*e & ~PTE_ADDR);
		return;
	}
	if (*e & PTE_PRIVATE) {
		/* Both now hold the page, read-only until one of them writes. */
		page_refs[(*e & PTE_ADDR) / PAGE_SIZE]++;
		*e &= ~(PTE_W | PTE_D);
	}
	*ce = *e;
}

int mm_fork(struct mm *child, const struct mm *parent)
{
	int err = mm_init(child, parent->pml4);
	if (err)
		return err;
	/* Locks are not inherited (Linux clears VM_LOCKED in the child's areas). */
	for (const struct vma *v = parent->vmas.head; v; v = v->next)
		if ((err = vma_insert(&child->vmas, v->start, v->end, v->prot,
				      v->flags & ~VMA_LOCK_MASK, v->inode, v->pgoff)))
			goto fail;
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
	child->mmap_top = parent->mmap_top;
	child->data_start = parent->data_start;
	child->sled_pa = parent->sled_pa;
	child->membarrier_state = parent->membarrier_state;
	/* On kvm_pvm every write to a page table the hypervisor shadows traps (tens of µs), and
	   copy-on-write must clear the write bit of each of the parent's pages, then take a fault
	   (a CPL0 entry) for each page either side writes. Copying a page costs about a µs. So
	   the child gets copies while they fit comfortably in free memory and leave half of all
	   memory free, and shares pages copy-on-write beyond that: each fork copying a quarter of
	   what was free left a hundred children of a 30 MiB Python too little memory to start. */
	struct mm_fork_ctx c = { child, false, 0, 0 };
	mm_walk_leaves(parent->pml4, 3, 0, mm_fork_count, &c);
	uint64_t free = pmm_free_pages();
	c.copy = c.private_pages < free / 4 && free - c.private_pages > pmm_total_pages() / 2;
	mm_walk_leaves(parent->pml4, 3, 0, mm_fork_entry, &c);
	if (!c.copy)
		arch_flush_tlb();       /* the parent's pages became read-only */
	if ((err = c.err))
		goto fail;
	return 0;
fail:
	mm_destroy(child);
	return err;
}

static void mm_destroy_entry(uint64_t va, uint64_t *e, void *arg)
{
	/* The entry itself stays: its table is freed next (writing it would trap, see mm_fork). */
	if (*e & PTE_PRIVATE)
		page_release(*e & PTE_ADDR);
}

void mm_destroy(struct mm *mm)
{
	mm_walk_leaves(mm->pml4, 3, 0, mm_destroy_entry, NULL);
	vma_clear(&mm->vmas);
	pt_free_user(mm->pml4);
	mm->pml4 = 0;
}
