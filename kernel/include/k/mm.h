/* Address spaces: the user half of one process (page tables + VMAs), demand paging, and the
   memory system calls' semantics (Linux's mm/mmap.c, mremap.c, mprotect.c, madvise.c rules). */
#ifndef K_MM_H
#define K_MM_H
#include <stdint.h>
#include <stdbool.h>
#include "k/vma.h"

struct inode;

#define USER_TOP   0x7ffffffff000ull    /* Linux TASK_SIZE, 4-level paging */
#define USER_MIN   0x10000ull           /* mmap_min_addr */
#define STACK_TOP  USER_TOP
#define STACK_SIZE (8ull << 20)         /* RLIMIT_STACK default */
#define MMAP_TOP   (STACK_TOP - (128ull << 20) - STACK_SIZE)  /* Linux's gap below the stack */

/* Linux mmap flags and prots (uapi values). */
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#define MAP_SYNC 0x80000
#define MAP_FIXED_NOREPLACE 0x100000
/* Internal: a shared file mapping from a read-only descriptor (bit unused by Linux's mmap). */
#define MAP_UNIK_NOWRITE 0x80000000
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

struct mm;
/* personality(2) flags that change what memory calls do. */
#define READ_IMPLIES_EXEC 0x0400000
#define PER_CLEAR_ON_SETID (READ_IMPLIES_EXEC | 0x0040000 /* ADDR_NO_RANDOMIZE */ | \
			    0x0200000 /* ADDR_COMPAT_LAYOUT */ | 0x0100000 /* MMAP_PAGE_ZERO */)
/* prot as mmap, mprotect and shmat take it for the calling process: READ_IMPLIES_EXEC makes
   readable memory executable. */
int mm_prot_for_current(int prot);
/* System V shared memory (syscalls/sys_shm.c): the attachments in mm were copied by fork, or
   those in [start, end) end (munmap, execve, exit), as Linux's shm_open and shm_close. */
void shm_fork(const struct mm *mm);
void shm_unmap(const struct mm *mm, uint64_t start, uint64_t end);

struct mm {
	uint64_t pml4;                  /* guest-physical root */
	struct vma_list vmas;
	uint64_t start_brk, brk;
	uint64_t mmap_top;              /* top-down search starts here */
	uint64_t data_start;
	uint64_t sled_pa;               /* the syscall sled page (fast mode), mapped at 0 */
	int users;                      /* processes using it (a CLONE_VM child until it execs) */
	/* mlockall(MCL_FUTURE): the lock flags new areas get (Linux's def_flags); a fork's child
	   and an exec start without them. */
	uint32_t def_flags;
	/* membarrier registrations (Linux's membarrier_state bits, syscalls/sys_membarrier.c):
	   kept by a fork's child, as Linux copies the mm; an exec starts without them. */
	uint32_t membarrier_state;
};

/* A fault the program caused, for signal delivery. */
struct mm_fault_info {
	int signo;                      /* SIGSEGV or SIGBUS */
	int code;                       /* SEGV_MAPERR, SEGV_ACCERR, SEGV_PKUERR */
};

int mm_init(struct mm *mm, uint64_t kernel_pml4);
/* The copy-on-write page counts fork needs, for mem_size bytes of guest memory (boot). */
int mm_refs_init(uint64_t mem_size);
/* Makes child (uninitialised) a copy-on-write copy of parent: the same areas, every page shared
   read-only until one side writes. 0 or -ENOMEM. The caller flushes nothing: done here. */
int mm_fork(struct mm *child, const struct mm *parent);
/* Frees every page the address space owns, its areas and its page tables. It must not be the
   one loaded in CR3. */
void mm_destroy(struct mm *mm);
/* Maps [start, end) of anonymous memory at a fixed place (loader use). */
int mm_map_fixed(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
		 struct inode *inode, uint64_t pgoff);

/* mmap: anonymous when inode is NULL, else a mapping of inode's pages from byte offset off. */
int64_t mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags,
		struct inode *inode, uint64_t off);
int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot);
int64_t mm_mremap(struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
		  uint64_t new_addr);
int mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);
uint64_t mm_brk(struct mm *mm, uint64_t addr);

/* mlock/mlock2 (lock: VMA_LOCKED, with VMA_LOCKONFAULT for MLOCK_ONFAULT) and munlock (lock
   0) of [addr, addr+len), with Linux's rounding, limit and errno values. */
int mm_mlock(struct mm *mm, uint64_t addr, uint64_t len, uint32_t lock);
/* mlockall (Linux's MCL_* flags) and munlockall. */
int mm_mlockall(struct mm *mm, int flags);
int mm_munlockall(struct mm *mm);
/* Bytes locked (VmLck, Linux's locked_vm). */
uint64_t mm_locked_bytes(struct mm *mm);
/* Counts the resident pages of [start, end): *anon those the address space owns, *file the
   others (file pages mapped in place). Missing tables are skipped whole. */
void mm_count_resident(const struct mm *mm, uint64_t start, uint64_t end, uint64_t *anon,
		       uint64_t *file);
/* Its resident set, in pages. */
uint64_t mm_resident_pages(const struct mm *mm);
/* Process hooks (syscalls/sys_mm.c): the calling process's RLIMIT_MEMLOCK (bytes), and whether
   it has CAP_IPC_LOCK, which lifts that limit. */
uint64_t mm_memlock_rlimit(void);
bool mm_memlock_capable(void);

/* Handles a page fault at addr (err = x86 #PF error code). Returns 0 if the page is now mapped,
   else -1 with *info telling which signal the program gets. */
int mm_fault(struct mm *mm, uint64_t addr, uint64_t err, struct mm_fault_info *info);
/* Makes [addr, addr+len) present for a kernel access (write if for_write). 0 or -EFAULT. */
int mm_populate(struct mm *mm, uint64_t addr, uint64_t len, bool for_write);
/* Maps the 64 KiB around addr of a private area as a first touch there would (for writing:
   private pages copied or zeroed now), where nothing is mapped yet: exec's guess at what a new
   program touches first, made before its address space is ever loaded, when each entry written
   costs about a µs and each fault it saves an exception through CPL0 (~50 µs on kvm_pvm).
   What runs out (memory, the file) is simply left to the faults. */
void mm_map_ahead(struct mm *mm, uint64_t addr, bool write);
/* The guest-physical page backing a user address, populating it; 0 if not mappable. */
uint64_t mm_user_page(struct mm *mm, uint64_t addr, bool for_write);

/* A file shrank: drops the file's pages from index from_pgoff on out of mm's mappings of it, so
   a later access there is SIGBUS as on Linux (and never touches a freed page). */
void mm_truncate_inode(struct mm *mm, struct inode *ino, uint64_t from_pgoff);
/* Is pa, mapped at va in v, the text page every executable mapping of that file page shares
   (inode_ops.text_page), which may be patched in place? */
bool mm_is_shared_text(const struct vma *v, uint64_t va, uint64_t pa);
/* That shared text page, made now if need be (0: the file has none to give). */
uint64_t mm_shared_text(const struct vma *v, uint64_t va);
/* The same in every process's address space (the file's pages are about to be freed). */
void mm_truncate_inode_all(struct inode *ino, uint64_t from_pgoff);

/* Architecture hooks (kernel/arch): make page-table changes visible. */
void arch_flush_tlb(void);
/* Invalidates one page's translation (cheaper than a full flush under shadow paging). */
void arch_flush_page(uint64_t va);
#endif
