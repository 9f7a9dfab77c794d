/* Memory system calls: thin wrappers over kernel/mm/mm.c. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/cap.h"
#include "k/mm.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"
#include "k/pt.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define O_ACCMODE 03
#define O_WRONLY 01
#define O_RDWR 02
#define O_PATH 010000000
#define MAP_NOWRITE_ MAP_UNIK_NOWRITE

/* Shared anonymous memory is an unnamed tmpfs file of the mapping's size, as Linux's shmem, so a
   forked child shares it and futexes in it are keyed by file and offset. */
static int64_t mmap_shared_anon(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags)
{
	static struct inode *shmemfs;
	const char *why;
	if (len == 0 || len > USER_TOP)
		return len ? -ENOMEM : -EINVAL;
	if (!shmemfs && !(shmemfs = tmpfs_new(6, NULL, 0, 0, &why)))
		return -ENOMEM;
	struct inode *ino = tmpfs_contig_inode(shmemfs->sb, 0, 0, 0600);
	if (!ino)
		return -ENOMEM;
	struct iattr a = { .valid = ATTR_SIZE, .size = PAGE_ALIGN_UP(len) };
	int64_t r = ino->ops->setattr(ino, &a);
	if (!r)
		r = mm_mmap(current->mm, addr, len, (int)prot, (int)flags, ino, 0);
	inode_put(ino);                 /* the mapping holds it */
	return r;
}

int mm_prot_for_current(int prot)
{
	return (prot & PROT_READ) && (current->personality & READ_IMPLIES_EXEC) ?
	       prot | PROT_EXEC : prot;
}

/* personality(2): the persona is recorded and kept across fork and execve (an execve that
   changes ids or raises capabilities clears PER_CLEAR_ON_SETID). PER_LINUX with the flags this
   kernel honours is taken: READ_IMPLIES_EXEC (mm_prot_for_current) and ADDR_NO_RANDOMIZE (there
   is no address randomization to turn off). Linux takes any persona; the others (PER_LINUX32's
   uname, UNAME26, MMAP_PAGE_ZERO, ADDR_COMPAT_LAYOUT's bottom-up layout, ADDR_LIMIT_*) would
   change what nothing here changes, so they are refused with EINVAL rather than pretended. */
#define PERSONALITY_HONOURED (READ_IMPLIES_EXEC | 0x0040000 /* ADDR_NO_RANDOMIZE */)
int64_t sys_personality(uint64_t persona, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	uint32_t old = current->personality;
	if ((uint32_t)persona == 0xffffffffu)
		return old;
	if ((uint32_t)persona & ~(uint32_t)PERSONALITY_HONOURED)
		return -EINVAL;
	current->personality = (uint32_t)persona;
	return old;
}

int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		 uint64_t off)
{
	prot = (uint64_t)mm_prot_for_current((int)prot);
	if ((flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE)
		return mm_mmap(current->mm, addr, len, (int)prot, (int)flags, NULL, off);
	if (flags & MAP_ANONYMOUS)
		return mmap_shared_anon(addr, len, prot, flags);
	struct file *f = fd_get(current_task->files, (int)fd);
	if (!f)
		return -EBADF;
	struct inode *ino = file_inode(f);
	int acc = f->flags & O_ACCMODE;
	int64_t r;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (!ino || !ino->ops || !ino->ops->page || f->ops != &vfs_file_ops ||
		 (ino->mode & S_IFMT) != S_IFREG)
		r = -ENODEV;
	else if (acc == O_WRONLY)
		r = -EACCES;
	else if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) && acc != O_RDWR)
		r = -EACCES;
	else if (ino->ops->mmap && (r = ino->ops->mmap(ino, (flags & MAP_TYPE) != MAP_PRIVATE &&
							   (prot & PROT_WRITE))))
		;       /* refused by the filesystem (hostfs: shared writable) */
	else
		r = mm_mmap(current->mm, addr, len, (int)prot,
			    (int)flags | (acc != O_RDWR ? MAP_NOWRITE_ : 0), ino, off);
	file_put(f);
	return r;
}

/* Unmapping this much first records the resident peak (ru_maxrss), as Linux's unmap does with
   its high-water mark; a small unmap cannot lower a peak much. The measure walks the whole
   address space's page tables (no resident counter is kept), so a process measured less than
   MUNMAP_NOTE_GAP_NS ago is not measured again: a program freeing large buffers in a loop pays
   one walk per interval, not one per call. */
#define MUNMAP_NOTE_RSS (1ull << 20)
#define MUNMAP_NOTE_GAP_NS 50000000ull

int64_t sys_munmap(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (len >= MUNMAP_NOTE_RSS) {
		uint64_t now = time_monotonic_ns();
		if (!current->rss_noted_ns || now - current->rss_noted_ns >= MUNMAP_NOTE_GAP_NS) {
			proc_note_rss(current);
			current->rss_noted_ns = now;
		}
	}
	if (!(addr & ~PAGE_MASK) && len && len <= USER_TOP && addr <= USER_TOP - len)
		shm_unmap(current->mm, addr, addr + len);
	return mm_munmap(current->mm, addr, len);
}

int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return mm_mprotect(current->mm, addr, len, mm_prot_for_current((int)prot));
}

int64_t sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags,
		   uint64_t new_addr, uint64_t a5)
{
	return mm_mremap(current->mm, old, old_len, new_len, (int)flags, new_addr);
}

int64_t sys_madvise(uint64_t addr, uint64_t len, uint64_t advice, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return mm_madvise(current->mm, addr, len, (int)advice);
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

int64_t sys_msync(uint64_t addr, uint64_t len, uint64_t flags, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	uint64_t end = addr + PAGE_ALIGN_UP(len);
	if (end < addr)
		return -ENOMEM;
	if (len && !vma_range_mapped(&current->mm->vmas, addr, end))
		return -ENOMEM;
	/* Shared mappings of files whose pages are their own (tmpfs) have nothing to write back;
	   a volume's file (hostfs) writes its mapped pages to the host. */
	for (struct vma *v = vma_next(&current->mm->vmas, addr); v && v->start < end; v = v->next)
		if (v->inode && (v->flags & VMA_SHARED) && v->inode->ops->writeback) {
			int err = v->inode->ops->writeback(v->inode);
			if (err)
				return err;
		}
	return 0;
}

int64_t sys_mincore(uint64_t addr, uint64_t len, uint64_t uvec, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	uint64_t end = addr + PAGE_ALIGN_UP(len);
	if (end < addr || end > USER_TOP)
		return -ENOMEM;
	if (!vma_range_mapped(&current->mm->vmas, addr, end))
		return -ENOMEM;
	uint8_t vec[256];
	for (uint64_t va = addr; va < end;) {
		size_t n = 0;
		for (; n < sizeof(vec) && va < end; n++, va += PAGE_SIZE) {
			uint64_t *e = pt_walk(current->mm->pml4, va, false);
			vec[n] = (e && (*e & (PTE_P | PTE_PROTNONE))) ? 1 : 0;
		}
		if (copy_to_user(uvec + ((va - addr) / PAGE_SIZE - n), vec, n))
			return -EFAULT;
	}
	return 0;
}

int64_t sys_brk(uint64_t addr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return (int64_t)mm_brk(current->mm, addr);
}

/* ---- mlock family: the rules are mm_mlock's and mm_mlockall's ---- */

#define RLIMIT_MEMLOCK 8
#define MLOCK_ONFAULT 1

uint64_t mm_memlock_rlimit(void)
{
	return current->rlim[RLIMIT_MEMLOCK].cur;
}

bool mm_memlock_capable(void)
{
	return capable(CAP_IPC_LOCK);
}

int64_t sys_mlock(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return mm_mlock(current->mm, addr, len, VMA_LOCKED);
}

int64_t sys_mlock2(uint64_t addr, uint64_t len, uint64_t flags, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	if ((int)flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return mm_mlock(current->mm, addr, len,
			VMA_LOCKED | (((int)flags & MLOCK_ONFAULT) ? VMA_LOCKONFAULT : 0));
}

int64_t sys_munlock(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return mm_mlock(current->mm, addr, len, 0);
}

int64_t sys_mlockall(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return mm_mlockall(current->mm, (int)flags);
}

int64_t sys_munlockall(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	return mm_munlockall(current->mm);
}
