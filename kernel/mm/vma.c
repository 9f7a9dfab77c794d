/* VMA list operations: insert, split, merge, remove, protect and gap search. */
#include "k/kernel.h"
#include "k/vma.h"
#include "k/kheap.h"
#include "vfs/vfs.h"

static struct vma *vma_new(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
			   struct inode *inode, uint64_t pgoff)
{
	struct vma *v = kmalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->start = start;
	v->end = end;
	v->prot = prot;
	v->flags = flags;
	v->inode = inode;
	v->pgoff = pgoff;
	if (inode)
		inode_get(inode);
	return v;
}

static void vma_free(struct vma *v)
{
	/* The end of a shared mapping (or of a part of it): what it wrote goes to the file. */
	if (v->inode && (v->flags & VMA_SHARED) && v->inode->ops && v->inode->ops->writeback)
		v->inode->ops->writeback(v->inode);
	if (v->inode)
		inode_put(v->inode);
	kfree(v, sizeof(*v));
}

struct vma *vma_find(const struct vma_list *l, uint64_t addr)
{
	for (struct vma *v = l->head; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

struct vma *vma_next(const struct vma_list *l, uint64_t addr)
{
	for (struct vma *v = l->head; v; v = v->next)
		if (v->end > addr)
			return v;
	return NULL;
}

bool vma_range_free(const struct vma_list *l, uint64_t start, uint64_t end)
{
	struct vma *v = vma_next(l, start);
	return !v || v->start >= end;
}

bool vma_range_mapped(const struct vma_list *l, uint64_t start, uint64_t end)
{
	uint64_t at = start;
	for (struct vma *v = vma_next(l, start); v && at < end; v = v->next) {
		if (v->start > at)
			return false;
		at = v->end;
	}
	return at >= end;
}

/* Two adjacent areas can be one if nothing distinguishes them. */
static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags)
		return false;
	if (a->inode != b->inode)
		return false;
	return !a->inode || vma_pgoff(a, a->end) == b->pgoff;
}

/* Folds v's successor into v when nothing distinguishes them; true if it did. */
static bool vma_merge_next(struct vma_list *l, struct vma *v)
{
	struct vma *n = v->next;
	if (!n || !vma_mergeable(v, n))
		return false;
	v->end = n->end;
	v->next = n->next;
	vma_free(n);
	l->count--;
	return true;
}

static void vma_merge_around(struct vma_list *l, struct vma *prev, struct vma *v)
{
	vma_merge_next(l, v);
	if (prev)
		vma_merge_next(l, prev);
}

int vma_insert(struct vma_list *l, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
	       struct inode *inode, uint64_t pgoff)
{
	if (l->count >= VMA_MAX_COUNT)
		return -ENOMEM;
	struct vma *v = vma_new(start, end, prot, flags, inode, pgoff);
	if (!v)
		return -ENOMEM;
	struct vma *prev = NULL, **link = &l->head;
	while (*link && (*link)->start < start) {
		prev = *link;
		link = &(*link)->next;
	}
	v->next = *link;
	*link = v;
	l->count++;
	vma_merge_around(l, prev, v);
	return 0;
}

/* Splits v at addr (strictly inside it); v keeps the lower part. */
static int vma_split(struct vma_list *l, struct vma *v, uint64_t addr)
{
	if (l->count >= VMA_MAX_COUNT)
		return -ENOMEM;
	struct vma *n = vma_new(addr, v->end, v->prot, v->flags, v->inode,
				v->inode ? vma_pgoff(v, addr) : 0);
	if (!n)
		return -ENOMEM;
	n->next = v->next;
	v->next = n;
	v->end = addr;
	l->count++;
	return 0;
}

/* Splits so that start and end fall on area boundaries. */
static int vma_isolate(struct vma_list *l, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find(l, start);
	if (v && v->start < start) {
		int err = vma_split(l, v, start);
		if (err)
			return err;
	}
	v = vma_find(l, end);
	if (v && v->start < end)
		return vma_split(l, v, end);
	return 0;
}

int vma_remove(struct vma_list *l, uint64_t start, uint64_t end)
{
	int err = vma_isolate(l, start, end);
	if (err)
		return err;
	struct vma **link = &l->head;
	while (*link) {
		struct vma *v = *link;
		if (v->start >= start && v->end <= end) {
			*link = v->next;
			vma_free(v);
			l->count--;
		} else {
			link = &v->next;
		}
	}
	return 0;
}

/* Merges the neighbours that became equal. */
static void vma_merge_all(struct vma_list *l)
{
	for (struct vma *v = l->head; v;)
		if (!vma_merge_next(l, v))
			v = v->next;
}

int vma_protect(struct vma_list *l, uint64_t start, uint64_t end, uint32_t prot)
{
	if (!vma_range_mapped(l, start, end))
		return -ENOMEM;
	int err = vma_isolate(l, start, end);
	if (err)
		return err;
	for (struct vma *v = l->head; v && v->start < end; v = v->next)
		if (v->start >= start)
			v->prot = prot;
	vma_merge_all(l);
	return 0;
}

int vma_set_lock(struct vma_list *l, uint64_t start, uint64_t end, uint32_t lock)
{
	uint64_t stop = start;          /* the end of the mapped run from start */
	for (struct vma *v = vma_find(l, start); v && v->start <= stop && stop < end; v = v->next)
		stop = v->end;
	if (stop == start)
		return -ENOMEM;
	stop = MIN(stop, end);
	int err = vma_isolate(l, start, stop);
	if (err)
		return err;
	for (struct vma *v = vma_next(l, start); v && v->start < stop; v = v->next)
		v->flags = (v->flags & ~VMA_LOCK_MASK) | lock;
	vma_merge_all(l);
	return stop < end ? -ENOMEM : 0;
}

void vma_set_lock_all(struct vma_list *l, uint32_t lock)
{
	for (struct vma *v = l->head; v; v = v->next)
		v->flags = (v->flags & ~VMA_LOCK_MASK) | lock;
	vma_merge_all(l);
}

uint64_t vma_locked_bytes(const struct vma_list *l, uint64_t start, uint64_t end)
{
	uint64_t n = 0;
	for (struct vma *v = vma_next(l, start); v && v->start < end; v = v->next)
		if (v->flags & VMA_LOCKED)
			n += MIN(v->end, end) - MAX(v->start, start);
	return n;
}

uint64_t vma_find_free(const struct vma_list *l, uint64_t len, uint64_t lo, uint64_t hi)
{
	if (len == 0 || hi < lo || hi - lo < len)
		return 0;
	uint64_t best = 0;
	uint64_t gap_start = lo;
	for (struct vma *v = l->head; ; v = v->next) {
		uint64_t gap_end = v ? MIN(v->start, hi) : hi;
		if (gap_end > gap_start && gap_end - gap_start >= len)
			best = gap_end - len;
		if (!v || v->end >= hi)
			break;
		gap_start = MAX(gap_start, v->end);
	}
	return best;
}

void vma_clear(struct vma_list *l)
{
	while (l->head) {
		struct vma *v = l->head;
		l->head = v->next;
		vma_free(v);
	}
	l->count = 0;
}
