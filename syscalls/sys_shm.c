/* System V shared memory: shmget, shmat, shmdt, shmctl and /proc/sysvipc/shm, one IPC namespace
   for the VM (a container's). A segment is an unnamed tmpfs file of its size, as Linux's shmem
   (so a forked child shares it and futexes in it are keyed by file and offset); shmat maps it
   shared with VMA_SYSV_SHM on the area. Attachments are those areas: fork copies them, munmap,
   shmdt, execve and exit drop them, and the count Linux keeps per segment (shm_nattch: one per
   area) is counted from them when asked. A segment removed with IPC_RMID lives on (its key
   gone, SHM_DEST in its mode, still attachable by id, as Linux allows) until no area maps it;
   the table drops such entries before it answers anything, so none can be seen with no
   attachment left. The times and lpid follow each area's start and end as Linux's shm_open and
   shm_close: shmat and fork, shmdt, munmap, execve and exit (shm_fork, shm_unmap). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/mm.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"
#include "vfs/procfs.h"
#include "syscalls/sysv_ipc.h"
#include "build/gen/syscall_decls.h"

#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_HUGETLB 04000
#define SHM_DEST 01000                  /* mode bits Linux reports */
#define SHM_LOCKED 02000
#define SHMMNI 4096                     /* Linux's defaults (ipc/shm.c, include/uapi/linux/shm.h) */
#define SHMMAX (UINT64_MAX - (1ull << 24))
#define SHMALL (UINT64_MAX - (1ull << 24))
#define SHMMIN 1

struct shm_seg {
	struct ipc_obj perm;            /* mode: permissions, SHM_DEST, SHM_LOCKED */
	uint64_t size;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	struct inode *inode;            /* held by the table; each attachment holds its own */
};

static struct ipc_table shm_ids = { .mni = SHMMNI };
static struct inode *shm_fs;            /* the tmpfs the segments live in */

/* Linux's struct shmid64_ds on x86-64. */
struct shmid64_ds_k {
	struct ipc64_perm_k perm;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch, unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_ds_k) == 112, "shmid64_ds size");
struct shminfo64_k {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};
struct shm_info_k {
	int32_t used_ids, pad;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

/* Attachments of s: the areas mapping it, over every address space once. */
static uint64_t shm_nattch(const struct shm_seg *s)
{
	uint64_t n = 0;
	for (struct proc *p = proc_list; p; p = p->next) {
		if (p->state != PROC_LIVE || !p->mm)
			continue;
		bool seen = false;
		for (struct proc *q = proc_list; q != p && !seen; q = q->next)
			seen = q->state == PROC_LIVE && q->mm == p->mm;
		if (seen)
			continue;
		for (struct vma *v = p->mm->vmas.head; v; v = v->next)
			n += v->inode == s->inode && (v->flags & VMA_SYSV_SHM);
	}
	return n;
}

static struct shm_seg *shm_at(int idx)
{
	return (struct shm_seg *)ipc_at(&shm_ids, idx);
}

static void shm_free(int idx)
{
	struct shm_seg *s = shm_at(idx);
	ipc_del(&shm_ids, idx);
	inode_put(s->inode);            /* the memory goes with the last attachment's reference */
	kfree(s, sizeof(*s));
}

/* Drops removed segments nothing maps any more. */
static void shm_reap(void)
{
	for (int i = 0; shm_ids.used && i < SHMMNI; i++)
		if (shm_at(i) && (shm_at(i)->perm.mode & SHM_DEST) && !shm_nattch(shm_at(i)))
			shm_free(i);
}

/* The segment with id shmid (its slot in *idx), or NULL. */
static struct shm_seg *shm_lookup(int shmid, int *idx)
{
	return (struct shm_seg *)ipc_lookup(&shm_ids, shmid, idx);
}

static int64_t shm_create(int32_t key, int flags, uint64_t size)
{
	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	if (flags & SHM_HUGETLB)
		return -ENOMEM;         /* no huge pages reserved, as a default Linux */
	if (shm_ids.used >= SHMMNI)
		return -ENOSPC;
	const char *why;
	if (!shm_fs && !(shm_fs = tmpfs_new(6, NULL, 0, 0, &why)))
		return -ENOMEM;
	struct shm_seg *s = kmalloc(sizeof(*s));
	struct inode *ino = s ? tmpfs_contig_inode(shm_fs->sb, 0, 0, 0600) : NULL;
	if (!ino) {
		if (s)
			kfree(s, sizeof(*s));
		return -ENOMEM;
	}
	struct iattr a = { .valid = ATTR_SIZE, .size = PAGE_ALIGN_UP(size) };
	int err = ino->ops->setattr(ino, &a);
	memset(s, 0, sizeof(*s));
	s->size = size;
	s->ctime = ipc_now();
	s->cpid = current->pid;
	s->inode = ino;
	int id = err ? err : ipc_add(&shm_ids, &s->perm, key, flags);
	if (id < 0) {
		inode_put(ino);
		kfree(s, sizeof(*s));
	}
	return id;
}

/* shmget of an existing key: a size above the segment's is EINVAL. */
static int shm_check(const struct ipc_obj *o, uint64_t size)
{
	return size > ((const struct shm_seg *)o)->size ? -EINVAL : 0;
}

int64_t sys_shmget(uint64_t key, uint64_t size, uint64_t flags, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	shm_reap();
	return ipc_get(&shm_ids, (int32_t)key, (int)flags, size, shm_create, shm_check);
}

int64_t sys_shmat(uint64_t shmid, uint64_t addr, uint64_t flags, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	int f = (int)flags, idx;
	shm_reap();
	if (addr & (PAGE_SIZE - 1)) {
		if (!(f & SHM_RND))
			return -EINVAL;
		addr &= ~(uint64_t)(PAGE_SIZE - 1);     /* SHMLBA is a page on x86-64 */
	}
	struct shm_seg *s = shm_lookup((int)shmid, &idx);
	if (!s)
		return -EINVAL;
	int want = 0444 | (f & SHM_RDONLY ? 0 : 0222) | (f & SHM_EXEC ? 0111 : 0);
	if (!ipc_allowed(&s->perm, want))
		return -EACCES;
	struct mm *mm = current->mm;
	uint64_t len = PAGE_ALIGN_UP(s->size);
	int mflags = MAP_SHARED;
	if (addr) {
		/* Linux: a fixed address over other mappings needs SHM_REMAP. */
		if (addr + len < addr)
			return -EINVAL;
		if (!(f & SHM_REMAP) && !vma_range_free(&mm->vmas, addr, addr + len))
			return -EINVAL;
		mflags |= MAP_FIXED;
	} else if (f & SHM_REMAP) {
		return -EINVAL;
	}
	int prot = mm_prot_for_current(PROT_READ | (f & SHM_RDONLY ? 0 : PROT_WRITE) |
				       (f & SHM_EXEC ? PROT_EXEC : 0));
	int64_t r = mm_mmap(mm, addr, len, prot, mflags, s->inode, 0);
	if (r < 0)
		return r;
	struct vma *v = vma_find(&mm->vmas, (uint64_t)r);
	v->flags |= VMA_SYSV_SHM;       /* a fresh area of its own: pgoff 0 merges with nothing */
	s->atime = ipc_now();
	s->lpid = current->pid;
	return r;
}

/* The segment behind a shmat area (NULL once removed and gone). */
static struct shm_seg *shm_of_inode(const struct inode *ino)
{
	for (int i = 0; shm_ids.used && i < SHMMNI; i++)
		if (shm_at(i) && shm_at(i)->inode == ino)
			return shm_at(i);
	return NULL;
}

/* Linux's shm_open and shm_close, run for each area as fork copies it (the parent is the one
   that attaches) and as munmap, shmdt, execve or exit end it: the times and the last pid. */
static void shm_areas_touched(const struct mm *mm, uint64_t start, uint64_t end, bool open)
{
	for (struct vma *v = vma_next(&mm->vmas, start); v && v->start < end; v = v->next) {
		struct shm_seg *s = (v->flags & VMA_SYSV_SHM) ? shm_of_inode(v->inode) : NULL;
		if (!s)
			continue;
		if (open)
			s->atime = ipc_now();
		else
			s->dtime = ipc_now();
		s->lpid = current->pid;
	}
}

void shm_fork(const struct mm *mm)
{
	shm_areas_touched(mm, 0, UINT64_MAX, true);
}

void shm_unmap(const struct mm *mm, uint64_t start, uint64_t end)
{
	shm_areas_touched(mm, start, end, false);
}

/* Is v an area of a segment (ino, if given) attached at addr? */
static bool shm_attached_at(const struct vma *v, uint64_t addr, const struct inode *ino)
{
	return (v->flags & VMA_SYSV_SHM) && (!ino || v->inode == ino) && v->start >= addr &&
	       (v->start - addr) / PAGE_SIZE == v->pgoff;
}

int64_t sys_shmdt(uint64_t addr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	struct mm *mm = current->mm;
	/* As Linux: the first area at or after addr that maps a segment as attached at addr, then
	   every area of that segment so attached within its size (some pages may have been
	   unmapped or the area split since). */
	struct vma *v = vma_next(&mm->vmas, addr);
	while (v && !shm_attached_at(v, addr, NULL))
		v = v->next;
	if (!v)
		return -EINVAL;
	struct inode *ino = v->inode;
	uint64_t end = addr + PAGE_ALIGN_UP(ino->size);
	shm_unmap(mm, v->start, v->end);
	int err = mm_munmap(mm, v->start, v->end - v->start);
	while (!err) {
		v = vma_next(&mm->vmas, addr);
		while (v && v->end <= end && !shm_attached_at(v, addr, ino))
			v = v->next;
		if (!v || v->end > end)
			break;
		shm_unmap(mm, v->start, v->end);
		err = mm_munmap(mm, v->start, v->end - v->start);
	}
	if (err)
		return err;
	shm_reap();
	return 0;
}

static int64_t shm_stat(int idx, uint64_t ubuf)
{
	const struct shm_seg *s = shm_at(idx);
	if (!ipc_allowed(&s->perm, 0444))
		return -EACCES;
	struct shmid64_ds_k d = {
		.segsz = s->size, .atime = s->atime, .dtime = s->dtime, .ctime = s->ctime,
		.cpid = s->cpid, .lpid = s->lpid, .nattch = shm_nattch(s),
	};
	ipc_perm_out(&s->perm, &d.perm);
	return copy_to_user(ubuf, &d, sizeof(d)) ? -EFAULT : 0;
}

int64_t sys_shmctl(uint64_t shmid, uint64_t cmd, uint64_t ubuf, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	/* x86-64 Linux takes no IPC_64 flag here: cmd | IPC_64 is an unknown command. */
	int c = (int)cmd, idx;
	if ((int)shmid < 0 || c < 0)
		return -EINVAL;
	shm_reap();
	switch (c) {
	case IPC_INFO: {
		struct shminfo64_k i = { SHMMAX, SHMMIN, SHMMNI, SHMMNI, SHMALL, { 0 } };
		return ipc_info_reply(&shm_ids, ubuf, &i, sizeof(i));
	}
	case SHM_INFO: {
		struct shm_info_k i = { 0 };
		for (int k = 0; shm_ids.used && k < SHMMNI; k++)
			if (shm_at(k)) {
				i.used_ids++;
				i.shm_tot += PAGE_ALIGN_UP(shm_at(k)->size) / PAGE_SIZE;
				i.shm_rss += shm_at(k)->inode->blocks / 8;
			}
		return ipc_info_reply(&shm_ids, ubuf, &i, sizeof(i));
	}
	case SHM_STAT:
	case SHM_STAT_ANY: {
		/* An index into the table rather than an id; the id comes back. */
		idx = (int)shmid % IPC_SEQ_MULTIPLIER;  /* Linux's ipcid_to_idx */
		struct shm_seg *s = shm_at(idx);
		if (!s)
			return -EINVAL;
		uint32_t mode = s->perm.mode;
		if (c == SHM_STAT_ANY)
			s->perm.mode |= 0444;   /* no read check */
		int64_t r = shm_stat(idx, ubuf);
		s->perm.mode = mode;
		return r ? r : ipc_id(&s->perm, idx);
	}
	case IPC_STAT:
	case IPC_SET:
	case IPC_RMID:
	case SHM_LOCK:
	case SHM_UNLOCK:
		break;
	default:
		return -EINVAL;
	}
	struct shm_seg *s = shm_lookup((int)shmid, &idx);
	if (!s)
		return -EINVAL;
	switch (c) {
	case IPC_STAT:
		return shm_stat(idx, ubuf);
	case IPC_SET: {
		struct shmid64_ds_k d;
		if (copy_from_user(&d, ubuf, sizeof(d)))
			return -EFAULT;
		if (!ipc_owner(&s->perm))
			return -EPERM;
		if (ipc_perm_set(&s->perm, &d.perm))
			return -EINVAL;
		s->ctime = ipc_now();
		return 0;
	}
	case IPC_RMID:
		if (!ipc_owner(&s->perm))
			return -EPERM;
		s->perm.mode |= SHM_DEST;
		s->perm.key = IPC_PRIVATE;   /* a new shmget of the key makes another segment */
		shm_reap();
		return 0;
	default:                        /* SHM_LOCK, SHM_UNLOCK: memory here is never swapped */
		if (!capable(CAP_IPC_LOCK) && current->euid != s->perm.uid &&
		    current->euid != s->perm.cuid)
			return -EPERM;
		if (c == SHM_LOCK && !capable(CAP_IPC_LOCK) && !current->rlim[8].cur)
			return -EPERM;  /* RLIMIT_MEMLOCK 0 */
		s->perm.mode = c == SHM_LOCK ? s->perm.mode | SHM_LOCKED :
					       s->perm.mode & ~(uint32_t)SHM_LOCKED;
		return 0;
	}
}

int procfs_show_sysvipc_shm(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	shm_reap();
	procfs_puts(b, "       key      shmid perms                  size  cpid  lpid nattch   uid   "
		    "gid  cuid  cgid      atime      dtime      ctime                   rss           "
		    "        swap\n");
	for (int i = 0; shm_ids.used && i < SHMMNI; i++) {
		const struct shm_seg *s = shm_at(i);
		if (s)
			procfs_printf(b, "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld "
				      "%10ld %10ld %21lu %21lu\n", s->perm.key, ipc_id(&s->perm, i),
				      s->perm.mode & 07777, s->size, s->cpid, s->lpid,
				      shm_nattch(s), s->perm.uid, s->perm.gid, s->perm.cuid,
				      s->perm.cgid, s->atime, s->dtime, s->ctime,
				      s->inode->blocks * 512, 0ul);
	}
	return 0;
}
