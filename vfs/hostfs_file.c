/* hostfs file contents. read and write go to the host every time (a file the host changes is
   seen at once). Pages mapped into programs (mmap, ELF segments) are read on first use, 64 KiB
   at a time, into a cache per inode that the guest's own writes keep current (and that a change
   the host makes to a watched file makes stale: read again at the next use). A page given to a
   shared writable mapping is marked; marked pages are written back to the host at msync and
   fsync, before a read of the file (so read sees what the mapping wrote, as on Linux), when a
   shared mapping of the file ends, and before the VM ends. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/hc.h"
#include "vfs/vfs.h"
#include "vfs/hostfs.h"
#include "vfs/pagetab.h"

#define HOSTFS_AROUND 16                /* pages read per cache miss */

static uint8_t hostfs_window[HOSTFS_AROUND * PAGE_SIZE] __attribute__((aligned(4096)));

static struct hostfs_node *node(struct inode *ino) { return ino->priv; }

#define HOSTFS_DIRTY 1ull               /* slot bit: the page is mapped shared and writable */
#define SLOT_PA(s) PAGETAB_PA(s)

static struct inode *hostfs_dirty;      /* inodes with marked pages (hostfs_node.dirty_next) */

/* The cache slot of page idx (a guest-physical address, 0 if not cached), or NULL. */
static uint64_t *hostfs_slot(struct hostfs_node *n, uint64_t idx, bool create)
{
	return pagetab_slot(&n->pages, idx, create);
}

/* Calls fn on every cached page holding bytes of [off, off+len). */
static void hostfs_each_page(struct inode *ino, uint64_t off, uint64_t len,
			     void (*fn)(uint8_t *dst, uint64_t from, size_t n, void *arg), void *arg)
{
	struct hostfs_node *n = node(ino);
	if (!n->pages)
		return;
	for (uint64_t at = off; at < off + len;) {
		uint64_t idx = at / PAGE_SIZE, in = at % PAGE_SIZE;
		size_t chunk = (size_t)MIN(PAGE_SIZE - in, off + len - at);
		uint64_t *slot = hostfs_slot(n, idx, false);
		if (slot && *slot)
			fn((uint8_t *)phys_to_virt(SLOT_PA(*slot)) + in, at - off, chunk, arg);
		at += chunk;
	}
}

static void hostfs_copy_in(uint8_t *dst, uint64_t from, size_t n, void *src)
{
	memcpy(dst, (const uint8_t *)src + from, n);
}

static void hostfs_zero(uint8_t *dst, uint64_t from, size_t n, void *unused)
{
	memset(dst, 0, n);
}

int64_t hostfs_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	if ((ino->mode & S_IFMT) != S_IFREG)
		return -EINVAL;
	if (node(ino)->ndirty) {
		int err = hostfs_writeback(ino);
		if (err)
			return err;
	}
	uint64_t size = ino->size;
	int64_t n = hc_fs_read(node(ino)->handle, buf, len, off, &size);
	if (n >= 0)
		ino->size = size;
	return n;
}

int64_t hostfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	if ((ino->mode & S_IFMT) != S_IFREG)
		return -EINVAL;
	uint64_t size = ino->size;
	node(ino)->host_writable = true;
	int64_t n = hc_fs_write(node(ino)->handle, buf, len, off, &size);
	if (n > 0) {
		ino->size = size;
		ino->mtime = ino->ctime = vfs_now();
		hostfs_each_page(ino, off, (uint64_t)n, hostfs_copy_in, (void *)buf);
		text_pages_retire(&node(ino)->text);
	}
	return n;
}

/* Reads the 64 KiB around page idx into the cache (one hypercall). 0, or -EFAULT when idx is
   past the end of the file. */
static int hostfs_fill(struct inode *ino, uint64_t idx)
{
	struct hostfs_node *n = node(ino);
	uint64_t first = idx & ~(uint64_t)(HOSTFS_AROUND - 1), size = ino->size;
	int64_t got = hc_fs_read(n->handle, hostfs_window, sizeof(hostfs_window),
				 first * PAGE_SIZE, &size);
	if (got < 0)
		return (int)got;
	ino->size = size;
	if ((uint64_t)got <= (idx - first) * PAGE_SIZE)
		return -EFAULT;
	for (uint64_t i = 0; i * PAGE_SIZE < (uint64_t)got; i++) {
		uint64_t *slot = hostfs_slot(n, first + i, true);
		if (!slot)
			return -ENOMEM;
		if (*slot)
			continue;       /* cached earlier (perhaps mapped): keep that page */
		uint64_t pa = pmm_alloc();
		if (!pa)
			return -ENOMEM;
		memcpy(phys_to_virt(pa), hostfs_window + i * PAGE_SIZE,
		       (size_t)MIN(PAGE_SIZE, (uint64_t)got - i * PAGE_SIZE));
		*slot = pa;
	}
	return 0;
}

/* Reads a cached page again from the host (the host changed the file); pages given to shared
   writable mappings keep what the guest wrote there. */
static int hostfs_refresh_page(void *ctx, uint64_t idx, uint64_t *slot)
{
	struct inode *ino = ctx;
	if (*slot & HOSTFS_DIRTY)
		return 0;
	uint8_t *page = phys_to_virt(SLOT_PA(*slot));
	uint64_t size = ino->size;
	int64_t got = hc_fs_read_phys(node(ino)->handle, SLOT_PA(*slot), PAGE_SIZE, idx * PAGE_SIZE,
				      &size);
	if (got < 0)
		got = 0;
	memset(page + got, 0, PAGE_SIZE - (size_t)got);    /* past the end of the file */
	ino->size = size;
	return 0;
}

/* The host changed the file since its pages were cached (hostfs_stale): a program told so by
   inotify maps what the file holds now. Mappings made earlier see it too (as on Linux), unless
   they wrote their private copy. */
static void hostfs_refresh(struct inode *ino)
{
	struct hostfs_node *n = node(ino);
	n->stale = false;
	if (n->pages)
		pagetab_each(n->pages, hostfs_refresh_page, ino);
}

uint64_t hostfs_page(struct inode *ino, uint64_t pgoff, bool write)
{
	struct hostfs_node *n = node(ino);
	if (n->stale)
		hostfs_refresh(ino);
	uint64_t *slot = n->pages ? hostfs_slot(n, pgoff, false) : NULL;
	if ((!slot || !*slot) && hostfs_fill(ino, pgoff) == 0)
		slot = hostfs_slot(n, pgoff, false);
	if (!slot || !*slot)
		return 0;
	if (write && !(*slot & HOSTFS_DIRTY)) {
		/* for a shared writable mapping (mm asks for write only there) */
		*slot |= HOSTFS_DIRTY;
		if (!n->ndirty++) {
			n->dirty_next = hostfs_dirty;
			hostfs_dirty = ino;
		}
	}
	return SLOT_PA(*slot);
}

/* Shared text pages (vfs/textpage.h), copied from the cached page, until the guest changes the
   file. */
uint64_t hostfs_text_page(struct inode *ino, uint64_t pgoff, int use)
{
	struct hostfs_node *n = node(ino);
	if (n->text.retired || use == TEXT_READ)        /* its pages are guest memory already */
		return 0;
	if (use == TEXT_PEEK)           /* no page read from the host for a look */
		return text_pages_get(&n->text, pgoff, 0, use);
	uint64_t src = hostfs_page(ino, pgoff, false);
	return src ? text_pages_get(&n->text, pgoff, src, use) : 0;
}

bool hostfs_is_text_page(struct inode *ino, uint64_t pgoff, uint64_t pa)
{
	return text_pages_is(&node(ino)->text, pgoff, pa);
}

int hostfs_mmap(struct inode *ino, bool shared_write)
{
	return 0;
}

struct writeback {
	struct inode *ino;
	struct hostfs_node *n;
};

static int hostfs_writeback_page(void *ctx, uint64_t idx, uint64_t *slot)
{
	struct writeback *w = ctx;
	uint64_t off = idx * PAGE_SIZE;
	if (!(*slot & HOSTFS_DIRTY) || off >= w->ino->size)
		return 0;
	size_t len = (size_t)MIN(PAGE_SIZE, w->ino->size - off);
	uint64_t size = w->ino->size;
	w->n->host_writable = true;
	int64_t r = hc_fs_write(w->n->handle, phys_to_virt(SLOT_PA(*slot)), len, off, &size);
	return r < 0 ? (int)r : (size_t)r < len ? -ENOSPC : 0;
}

/* Writes the marked pages to the host, within the file's current size (a page past the end is
   not written: a mapping cannot grow the file). They stay marked while they may be mapped. */
int hostfs_writeback(struct inode *ino)
{
	struct hostfs_node *n = node(ino);
	if (!n || !n->ndirty || !n->pages)
		return 0;
	int err = hostfs_getattr(ino);
	struct writeback w = { ino, n };
	err = err ? err : pagetab_each(n->pages, hostfs_writeback_page, &w);
	hostfs_writers_idle(ino);
	return err;
}

void hostfs_writers_idle(struct inode *ino)
{
	struct hostfs_node *n = node(ino);
	if (!ino->writecount && n->host_writable) {
		hc_fs_close_writers(n->handle);
		n->host_writable = false;
	}
}

void vfs_writeback_all(void)
{
	for (struct inode *ino = hostfs_dirty; ino; ino = node(ino)->dirty_next)
		hostfs_writeback(ino);
}

int hostfs_setattr(struct inode *ino, const struct iattr *a)
{
	struct unik_hc_fs_setattr s = { .handle = node(ino)->handle, .mode = a->mode & 07777,
					.uid = a->uid, .gid = a->gid, .size = a->size,
					.atime_sec = a->atime.sec, .atime_nsec = a->atime.nsec,
					.mtime_sec = a->mtime.sec, .mtime_nsec = a->mtime.nsec };
	static const struct { unsigned attr; uint32_t set; } map[] = {
		{ ATTR_MODE, UNIK_FS_SET_MODE }, { ATTR_UID, UNIK_FS_SET_UID },
		{ ATTR_GID, UNIK_FS_SET_GID }, { ATTR_SIZE, UNIK_FS_SET_SIZE },
		{ ATTR_ATIME, UNIK_FS_SET_ATIME }, { ATTR_MTIME, UNIK_FS_SET_MTIME },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (a->valid & map[i].attr)
			s.valid |= map[i].set;
	if (!s.valid) {
		ino->ctime = vfs_now();         /* ATTR_CTIME alone */
		return 0;
	}
	uint64_t old_size = ino->size;
	if (a->valid & ATTR_SIZE)
		node(ino)->host_writable = true;
	struct unik_hc_fs_attr after;
	int err = hc_fs_setattr(&s, &after);
	if (after.mode)
		hostfs_attr_apply(ino, &after);
	/* Cached pages: what was cut off reads as zero, as the file does if it grows again. */
	if (!err && (a->valid & ATTR_SIZE))
		text_pages_retire(&node(ino)->text);
	if (!err && (a->valid & ATTR_SIZE) && a->size < old_size)
		hostfs_each_page(ino, a->size, PAGE_ALIGN_UP(old_size) - a->size, hostfs_zero,
				 NULL);
	if (a->valid & ATTR_SIZE)
		hostfs_writers_idle(ino);       /* truncate(2) by name */
	return err;
}

int hostfs_fsync(struct inode *ino, bool datasync)
{
	int err = hostfs_writeback(ino);
	return err ? err : hc_fs_fsync(node(ino)->handle, datasync);
}

/* What write(2) wrote is in the host's page cache already; pages shared mappings changed are
   written back first when the call asks for writing (the whole file's: Linux writes those of the
   range), then the host's sync_file_range starts or waits for the write-out of the range.
   Directories have nothing to write. */
int hostfs_sync_range(struct inode *ino, uint64_t off, uint64_t nbytes, unsigned flags)
{
	if ((ino->mode & S_IFMT) != S_IFREG)
		return 0;
	if ((flags & UNIK_FS_SYNC_WRITE) && node(ino)->ndirty) {
		int err = hostfs_writeback(ino);
		if (err)
			return err;
	}
	return hc_fs_sync_range(node(ino)->handle, off, nbytes, flags);
}

int hostfs_statfs(struct inode *ino, struct vfs_statfs *st)
{
	struct unik_hc_fs_statfs s;
	int err = hc_fs_statfs(node(ino)->handle, &s);
	if (err)
		return err;
	*st = (struct vfs_statfs){ s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files,
				   s.ffree, s.namelen, s.frsize, s.flags };
	return 0;
}

void hostfs_free_pages(struct inode *ino)
{
	struct hostfs_node *n = node(ino);
	text_pages_free(&n->text);
	if (n->ndirty) {
		for (struct inode **p = &hostfs_dirty; *p; p = &node(*p)->dirty_next)
			if (*p == ino) {
				*p = n->dirty_next;
				break;
			}
		n->ndirty = 0;
	}
	pagetab_free(&n->pages);
}
