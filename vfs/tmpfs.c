/* tmpfs: an in-memory filesystem, used for /tmp and /dev/shm, and for the root, where it starts
   out as a lazy view of the read-only image (imgfs) and works as the container's upper layer:
   directories are read from the image on first use, file contents stay in the image (zero-copy,
   contiguous guest memory) until the first change copies them into tmpfs pages. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "unik/imgfs.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"
#include "vfs/pagetab.h"
#include "vfs/textpage.h"
#include "k/mm.h"
#include "k/proc.h"

#define TMPFS_MAX_PAGES PAGETAB_MAX_PAGES       /* 512 GiB per file */

static struct tmpfs_node *node(struct inode *ino)
{
	return ino->priv;
}

/* ---- pages of regular files: a table of guest-physical addresses (vfs/pagetab.h) ---- */

static uint64_t *tmpfs_slot(struct tmpfs_node *n, uint64_t idx, bool create)
{
	return pagetab_slot(&n->pages, idx, create);
}

/* A page for file data, counted for st_blocks. */
static uint64_t tmpfs_data_page(struct tmpfs_node *n)
{
	uint64_t pa = pmm_alloc();
	if (pa)
		n->npages++;
	return pa;
}

/* Frees the pages from index first on. */
void tmpfs_free_pages(struct tmpfs_node *n, uint64_t first)
{
	n->npages -= pagetab_free_from(&n->pages, first);
}

/* Makes the file's content its own (copy-up from the image). */
static int tmpfs_copy_up(struct inode *ino)
{
	if (!ino->contig_pa)
		return 0;
	struct tmpfs_node *n = node(ino);
	uint64_t npages = PAGE_ALIGN_UP(ino->size) / PAGE_SIZE;
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t *slot = tmpfs_slot(n, i, true);
		uint64_t pa = slot ? tmpfs_data_page(n) : 0;
		if (!pa) {
			tmpfs_free_pages(n, 0);
			return -ENOSPC;
		}
		memcpy(phys_to_virt(pa), phys_to_virt(ino->contig_pa + i * PAGE_SIZE), PAGE_SIZE);
		*slot = pa;
	}
	ino->contig_pa = 0;
	text_pages_retire(&n->text);
	/* Mappings of the image's pages (in any process) fault again and find the file's own:
	   a shared mapping must see what is written from now on. */
	mm_truncate_inode_all(ino, 0);
	return 0;
}

int64_t tmpfs_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	if (off >= ino->size)
		return 0;
	len = (size_t)MIN(len, ino->size - off);
	if (ino->contig_pa) {
		memcpy(buf, (char *)phys_to_virt(ino->contig_pa) + off, len);
		return (int64_t)len;
	}
	size_t done = 0;
	while (done < len) {
		uint64_t at = off + done, idx = at / PAGE_SIZE, in = at % PAGE_SIZE;
		size_t n = (size_t)MIN(len - done, PAGE_SIZE - in);
		uint64_t *slot = tmpfs_slot(node(ino), idx, false);
		if (slot && *slot)
			memcpy((char *)buf + done, (char *)phys_to_virt(*slot) + in, n);
		else
			memset((char *)buf + done, 0, n);       /* a hole */
		done += n;
	}
	return (int64_t)len;
}

int64_t tmpfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	if (off + len < off || (off + len + PAGE_SIZE - 1) / PAGE_SIZE > TMPFS_MAX_PAGES)
		return -EFBIG;
	if ((ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
	    ((ino->seals & F_SEAL_GROW) && off + len > ino->size))
		return -EPERM;
	int err = tmpfs_copy_up(ino);
	if (err)
		return err;
	size_t done = 0;
	while (done < len) {
		uint64_t at = off + done, idx = at / PAGE_SIZE, in = at % PAGE_SIZE;
		size_t n = (size_t)MIN(len - done, PAGE_SIZE - in);
		uint64_t *slot = tmpfs_slot(node(ino), idx, true);
		if (slot && !*slot)
			*slot = tmpfs_data_page(node(ino));
		if (!slot || !*slot)
			return done ? (int64_t)done : -ENOSPC;
		memcpy((char *)phys_to_virt(*slot) + in, (const char *)buf + done, n);
		done += n;
	}
	if (off + len > ino->size)
		ino->size = off + len;
	ino->mtime = ino->ctime = vfs_now();
	return (int64_t)len;
}

#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_ZERO_RANGE 0x10

/* Zeroes [off, off+len): whole pages are freed (they read as zero again), partial ones cleared. */
static void tmpfs_zero_range(struct inode *ino, uint64_t off, uint64_t len)
{
	for (uint64_t at = off; at < off + len;) {
		uint64_t idx = at / PAGE_SIZE, in = at % PAGE_SIZE;
		uint64_t n = MIN(off + len - at, PAGE_SIZE - in);
		uint64_t *slot = tmpfs_slot(node(ino), idx, false);
		if (slot && *slot) {
			if (n == PAGE_SIZE) {
				pmm_free(*slot);
				*slot = 0;
				node(ino)->npages--;
			} else {
				memset((char *)phys_to_virt(*slot) + in, 0, n);
			}
		}
		at += n;
	}
}

int tmpfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	if (end < off || (end + PAGE_SIZE - 1) / PAGE_SIZE > TMPFS_MAX_PAGES)
		return -EFBIG;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	bool grow = !(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size;
	if ((ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
	    ((ino->seals & F_SEAL_GROW) && grow))
		return -EPERM;
	int err = tmpfs_copy_up(ino);
	if (err)
		return err;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		uint64_t zend = MIN(end, PAGE_ALIGN_UP(ino->size));
		if (zend > off)
			tmpfs_zero_range(ino, off, zend - off);
	} else {
		for (uint64_t idx = off / PAGE_SIZE; idx < (end + PAGE_SIZE - 1) / PAGE_SIZE; idx++) {
			uint64_t *slot = tmpfs_slot(node(ino), idx, true);
			if (slot && !*slot)
				*slot = tmpfs_data_page(node(ino));
			if (!slot || !*slot)
				return -ENOSPC;
		}
	}
	if (grow)
		ino->size = end;
	ino->mtime = ino->ctime = vfs_now();
	return 0;
}

uint64_t tmpfs_blocks(struct inode *ino)
{
	if (ino->contig_pa)
		return PAGE_ALIGN_UP(ino->size) / 512;
	return node(ino)->npages * (PAGE_SIZE / 512);
}

/* Holes are the pages never written. */
int64_t tmpfs_seek_data(struct inode *ino, uint64_t off, int whence)
{
	if (ino->contig_pa)
		return whence == 3 ? (int64_t)off : (int64_t)ino->size;
	uint64_t last = PAGE_ALIGN_UP(ino->size) / PAGE_SIZE;
	for (uint64_t idx = off / PAGE_SIZE; idx < last; idx++) {
		uint64_t *slot = tmpfs_slot(node(ino), idx, false);
		bool data = slot && *slot;
		if (data == (whence == 3)) {
			uint64_t at = idx * PAGE_SIZE;
			return (int64_t)MAX(at, off);
		}
	}
	return whence == 3 ? -ENXIO : (int64_t)ino->size;
}

/* Executable mappings of image files share text pages (vfs/textpage.h) while the file is the
   image's; the first write retires them (tmpfs_copy_up). */
uint64_t tmpfs_text_page(struct inode *ino, uint64_t pgoff, int use)
{
	if (!ino->contig_pa || pgoff >= PAGE_ALIGN_UP(ino->size) / PAGE_SIZE)
		return 0;
	return text_pages_get(&node(ino)->text, pgoff, ino->contig_pa + pgoff * PAGE_SIZE, use);
}

bool tmpfs_is_text_page(struct inode *ino, uint64_t pgoff, uint64_t pa)
{
	return text_pages_is(&node(ino)->text, pgoff, pa);
}

uint64_t tmpfs_page(struct inode *ino, uint64_t pgoff, bool write)
{
	if (pgoff >= PAGE_ALIGN_UP(ino->size) / PAGE_SIZE)
		return 0;
	if (ino->contig_pa && !write)
		return ino->contig_pa + pgoff * PAGE_SIZE;
	if (tmpfs_copy_up(ino))
		return 0;
	uint64_t *slot = tmpfs_slot(node(ino), pgoff, true);
	if (slot && !*slot)
		*slot = tmpfs_data_page(node(ino));
	return slot ? *slot : 0;
}

int tmpfs_truncate(struct inode *ino, uint64_t size)
{
	if ((size + PAGE_SIZE - 1) / PAGE_SIZE > TMPFS_MAX_PAGES)
		return -EFBIG;
	if (((ino->seals & F_SEAL_SHRINK) && size < ino->size) ||
	    ((ino->seals & F_SEAL_GROW) && size > ino->size))
		return -EPERM;
	int err = tmpfs_copy_up(ino);
	if (err)
		return err;
	if (size < ino->size) {
		uint64_t keep = PAGE_ALIGN_UP(size) / PAGE_SIZE;
		mm_truncate_inode_all(ino, keep);       /* before the pages are freed: every process */
		tmpfs_free_pages(node(ino), keep);
		/* Zero the tail of the last kept page: a later extension must read zeros. */
		uint64_t *slot = (size % PAGE_SIZE) ? tmpfs_slot(node(ino), size / PAGE_SIZE, false)
						    : NULL;
		if (slot && *slot)
			memset((char *)phys_to_virt(*slot) + size % PAGE_SIZE, 0,
			       PAGE_SIZE - size % PAGE_SIZE);
	}
	ino->size = size;
	ino->mtime = ino->ctime = vfs_now();
	return 0;
}
