/* Advisory locks: one list of every lock held in the VM, keyed by the file they lock (its inode,
   or the open file for files without one). Waiters sleep on the file wait channel and look again
   whenever a lock goes. POSIX waiters are recorded so a wait that would close a cycle of owners
   fails with EDEADLK, as on Linux. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/signal.h"
#include "vfs/vfs.h"
#include "vfs/locks.h"

enum lock_kind { KIND_FLOCK, KIND_POSIX, KIND_OFD };

struct file_lock {
	struct file_lock *next;
	const void *key;        /* the locked file */
	const void *owner;      /* fd table (POSIX) or open file (flock, OFD) */
	enum lock_kind kind;
	int type;
	int64_t start, end;
	int pid;
};

/* A POSIX request waiting for owner blocker (deadlock detection). */
struct lock_waiter {
	struct lock_waiter *next;
	const void *owner, *blocker;
};

static struct file_lock *locks;
static struct lock_waiter *lock_waiters;
static unsigned nlocks;

static const void *lock_key(struct file *f)
{
	struct inode *ino = file_inode(f);
	return ino ? (const void *)ino : (const void *)f;
}

/* flock locks live apart from record locks; POSIX and OFD locks share one space. */
static bool lock_same_space(enum lock_kind a, enum lock_kind b)
{
	return (a == KIND_FLOCK) == (b == KIND_FLOCK);
}

static bool lock_overlaps(const struct file_lock *l, int64_t start, int64_t end)
{
	return l->start <= end && start <= l->end;
}

static bool lock_touches(const struct file_lock *l, int64_t start, int64_t end)
{
	return (end == LOCK_END_MAX || l->start <= end + 1) &&
	       (l->end == LOCK_END_MAX || start <= l->end + 1);
}

/* The first lock of another owner that a request conflicts with, or NULL. */
static struct file_lock *lock_conflict(const void *key, const void *owner, enum lock_kind kind,
				       int type, int64_t start, int64_t end)
{
	for (struct file_lock *l = locks; l; l = l->next)
		if (l->key == key && l->owner != owner && lock_same_space(l->kind, kind) &&
		    lock_overlaps(l, start, end) && (l->type == LOCK_WR || type == LOCK_WR))
			return l;
	return NULL;
}

static void lock_unlink(struct file_lock **pp)
{
	struct file_lock *l = *pp;
	*pp = l->next;
	kfree(l, sizeof(*l));
	nlocks--;
}

/* Does waiting for blocker close a cycle back to owner? */
static bool lock_deadlock(const void *owner, const void *blocker)
{
	for (int depth = 0; depth < 64 && blocker; depth++) {
		if (blocker == owner)
			return true;
		const void *next = NULL;
		for (struct lock_waiter *w = lock_waiters; w; w = w->next)
			if (w->owner == blocker)
				next = w->blocker;
		blocker = next;
	}
	return false;
}

/* Waits until some lock goes: 0 or -ERESTARTSYS. A POSIX wait is recorded meanwhile. */
static int lock_wait(enum lock_kind kind, const void *owner, const void *blocker)
{
	struct lock_waiter w = { lock_waiters, owner, blocker };
	if (kind == KIND_POSIX)
		lock_waiters = &w;
	int r = file_wait(-1, "a file lock held by another owner");
	if (kind == KIND_POSIX)
		for (struct lock_waiter **pp = &lock_waiters; *pp; pp = &(*pp)->next)
			if (*pp == &w) {
				*pp = w.next;
				break;
			}
	return r < 0 ? -ERESTARTSYS : 0;
}

/* Takes out [start, end] from owner's locks on key (splitting those that reach past it), then
   adds the new lock (unless type is LOCK_NONE) merged with owner's adjacent or overlapping locks
   of the same type, as Linux keeps them. */
static int lock_apply(const void *key, const void *owner, enum lock_kind kind, int type,
		      int64_t start, int64_t end, int pid)
{
	/* Room first, so a failure changes nothing: at most one split needs a new piece. */
	struct file_lock *spare = kmalloc(sizeof(*spare)), *mine = kmalloc(sizeof(*mine));
	if (!spare || !mine) {
		if (spare)
			kfree(spare, sizeof(*spare));
		if (mine)
			kfree(mine, sizeof(*mine));
		return -ENOLCK;
	}
	for (struct file_lock **pp = &locks; *pp;) {
		struct file_lock *l = *pp;
		bool own = l->key == key && l->owner == owner && l->kind == kind;
		if (own && type != LOCK_NONE && l->type == type && lock_touches(l, start, end)) {
			/* same type, touching or overlapping: absorb it and look again from the
			   start, as the grown range may touch another */
			start = MIN(start, l->start);
			end = MAX(end, l->end);
			lock_unlink(pp);
			pp = &locks;
			continue;
		}
		if (!own || !lock_overlaps(l, start, end)) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			/* the request falls inside l: l keeps its head, a new piece its tail */
			*spare = *l;
			spare->start = end + 1;
			spare->next = l->next;
			l->next = spare;
			nlocks++;
			spare = NULL;
			l->end = start - 1;
			pp = &l->next;
		} else if (l->start < start) {
			l->end = start - 1;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end + 1;
			pp = &l->next;
		} else {
			lock_unlink(pp);
		}
	}
	if (spare)
		kfree(spare, sizeof(*spare));
	if (type != LOCK_NONE) {
		*mine = (struct file_lock){ locks, key, owner, kind, type, start, end, pid };
		locks = mine;
		nlocks++;
	} else {
		kfree(mine, sizeof(*mine));
	}
	file_changed();         /* waiters look again */
	return 0;
}

static int lock_set(struct file *f, enum lock_kind kind, const void *owner, int pid, int type,
		    int64_t start, int64_t end, bool wait)
{
	const void *key = lock_key(f);
	for (;;) {
		struct file_lock *c = type == LOCK_NONE ? NULL
				      : lock_conflict(key, owner, kind, type, start, end);
		if (!c)
			return lock_apply(key, owner, kind, type, start, end, pid);
		if (!wait)
			return kind == KIND_FLOCK ? -EWOULDBLOCK : -EAGAIN;
		if (kind == KIND_POSIX && c->kind == KIND_POSIX && lock_deadlock(owner, c->owner))
			return -EDEADLK;
		int r = lock_wait(kind, owner, c->owner);
		if (r)
			return r;
	}
}

int locks_flock(struct file *f, int type, bool wait)
{
	/* A conversion drops the old lock first, as Linux's does: a waiting conversion may let
	   another owner in meanwhile. */
	if (type != LOCK_NONE && nlocks)
		lock_apply(lock_key(f), f, KIND_FLOCK, LOCK_NONE, 0, LOCK_END_MAX, 0);
	return lock_set(f, KIND_FLOCK, f, 0, type, 0, LOCK_END_MAX, wait);
}

int locks_record_set(struct file *f, bool ofd, const void *owner, int pid,
		     const struct lock_range *r, bool wait)
{
	if (ofd)
		return lock_set(f, KIND_OFD, f, -1, r->type, r->start, r->end, wait);
	return lock_set(f, KIND_POSIX, owner, pid, r->type, r->start, r->end, wait);
}

void locks_record_get(struct file *f, bool ofd, const void *owner, struct lock_range *r)
{
	struct file_lock *c = lock_conflict(lock_key(f), ofd ? (const void *)f : owner,
					    ofd ? KIND_OFD : KIND_POSIX, r->type, r->start, r->end);
	if (!c) {
		r->type = LOCK_NONE;
		return;
	}
	r->type = c->type;
	r->start = c->start;
	r->end = c->end;
	r->pid = c->kind == KIND_OFD ? -1 : c->pid;
}

/* Drops owner's locks on key: its flock and OFD locks, or its POSIX ones. */
static void locks_drop(const void *key, const void *owner, bool flock_and_ofd)
{
	bool any = false;
	for (struct file_lock **pp = &locks; *pp;) {
		struct file_lock *l = *pp;
		bool kind_ok = flock_and_ofd ? l->kind != KIND_POSIX : l->kind == KIND_POSIX;
		if (l->key == key && l->owner == owner && kind_ok) {
			lock_unlink(pp);
			any = true;
		} else {
			pp = &l->next;
		}
	}
	if (any)
		file_changed();
}

void locks_fd_closed(struct fdtable *t, struct file *f)
{
	if (nlocks)
		locks_drop(lock_key(f), t, false);
}

void locks_file_closed(struct file *f)
{
	if (nlocks)
		locks_drop(lock_key(f), f, true);
}
