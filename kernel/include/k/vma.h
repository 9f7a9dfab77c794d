/* The virtual memory areas of an address space: a sorted list of non-overlapping [start, end)
   ranges with protections and flags. Pure bookkeeping; page tables are mm.c's business. */
#ifndef K_VMA_H
#define K_VMA_H
#include <stdint.h>
#include <stdbool.h>

#define VMA_PROT_READ  0x1u
#define VMA_PROT_WRITE 0x2u
#define VMA_PROT_EXEC  0x4u

#define VMA_ANON      0x1u      /* demand-zero memory */
#define VMA_SHARED    0x2u      /* MAP_SHARED */
#define VMA_STACK     0x4u      /* the main thread's stack */
#define VMA_HEAP      0x8u      /* the brk area */
#define VMA_FILE      0x10u     /* pages come from inode, page pgoff at start */
#define VMA_NOWRITE   0x20u     /* shared mapping of a file opened read-only: never writable */
/* mlock, mlock2, mlockall, MAP_LOCKED (Linux's VM_LOCKED, VM_LOCKONFAULT). Guest memory is never
   swapped, so a lock pins nothing: it is counted (VmLck, RLIMIT_MEMLOCK) and faults the pages
   in when it is taken, unless it is taken on fault. */
#define VMA_LOCKED    0x40u
#define VMA_LOCKONFAULT 0x80u   /* with VMA_LOCKED: pages are not faulted in by the lock */
#define VMA_LOCK_MASK (VMA_LOCKED | VMA_LOCKONFAULT)
#define VMA_SYSV_SHM  0x100u    /* a System V shared memory attachment (shmat) */

#define VMA_MAX_COUNT 65530u    /* Linux's default vm.max_map_count */

struct inode;

struct vma {
	uint64_t start, end;
	uint32_t prot, flags;
	struct inode *inode;    /* VMA_FILE: the file (a reference) */
	uint64_t pgoff;         /* VMA_FILE: file page index mapped at start */
	struct vma *next;
};

struct vma_list {
	struct vma *head;
	unsigned count;
};

/* The area containing addr, or NULL. */
struct vma *vma_find(const struct vma_list *l, uint64_t addr);
/* The first area ending above addr (containing it or after it), or NULL. */
struct vma *vma_next(const struct vma_list *l, uint64_t addr);
/* True if no area intersects [start, end). */
bool vma_range_free(const struct vma_list *l, uint64_t start, uint64_t end);
/* True if [start, end) is covered by areas with no hole. */
bool vma_range_mapped(const struct vma_list *l, uint64_t start, uint64_t end);
/* Adds an area over a free range, merging with equal neighbours (takes its own reference to
   inode). 0, -ENOMEM. */
int vma_insert(struct vma_list *l, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
	       struct inode *inode, uint64_t pgoff);
/* The file page index behind addr in v. */
static inline uint64_t vma_pgoff(const struct vma *v, uint64_t addr)
{
	return v->pgoff + ((addr - v->start) >> 12);
}
/* Removes [start, end) from every area it touches, splitting as needed. 0 or -ENOMEM (the split
   needs a new node or would pass the map count). */
int vma_remove(struct vma_list *l, uint64_t start, uint64_t end);
/* Sets prot on [start, end), which must be fully mapped (else -ENOMEM). */
int vma_protect(struct vma_list *l, uint64_t start, uint64_t end, uint32_t prot);
/* Linux's apply_vma_lock_flags: sets the lock flags (0 or VMA_LOCKED[|VMA_LOCKONFAULT]) of
   [start, end), splitting areas at its ends, from start up to the first unmapped page: -ENOMEM
   if start is unmapped or a hole comes before end (what came before it keeps the change), or if
   a split passes the map count. */
int vma_set_lock(struct vma_list *l, uint64_t start, uint64_t end, uint32_t lock);
/* The same for every area (mlockall, munlockall). */
void vma_set_lock_all(struct vma_list *l, uint32_t lock);
/* Bytes of [start, end) in locked areas. */
uint64_t vma_locked_bytes(const struct vma_list *l, uint64_t start, uint64_t end);
/* Highest free gap of len bytes with lo <= start and end <= hi; 0 if none. */
uint64_t vma_find_free(const struct vma_list *l, uint64_t len, uint64_t lo, uint64_t hi);
/* Frees every node. */
void vma_clear(struct vma_list *l);
#endif
