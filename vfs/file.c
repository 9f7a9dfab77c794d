/* File references and the fd table. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "vfs/file.h"
#include "vfs/locks.h"
#include "vfs/fsnotify.h"
#include "k/sched.h"

/* ---- fd tables: slots in pages through directory pages (see vfs/file.h) ---- */

static uintptr_t *fd_slot(const struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FD_NR_OPEN)
		return NULL;
	uintptr_t **dir = t->dir[fd / (FD_PER_PAGE * FD_PER_PAGE)];
	uintptr_t *page = dir ? dir[fd / FD_PER_PAGE % FD_PER_PAGE] : NULL;
	return page ? &page[fd % FD_PER_PAGE] : NULL;
}

/* fd's slot, making its pages (zeroed) as needed; NULL without memory. */
static uintptr_t *fd_slot_make(struct fdtable *t, int fd)
{
	uintptr_t ***dir = &t->dir[fd / (FD_PER_PAGE * FD_PER_PAGE)];
	if (!*dir) {
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		*dir = phys_to_virt(pa);
	}
	uintptr_t **page = &(*dir)[fd / FD_PER_PAGE % FD_PER_PAGE];
	if (!*page) {
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		*page = phys_to_virt(pa);
	}
	return &(*page)[fd % FD_PER_PAGE];
}

/* Puts f in fd's slot s; the table's size follows, as Linux's expand_files. */
static void fd_store(struct fdtable *t, uintptr_t *s, int fd, struct file *f, unsigned fdflags)
{
	*s = (uintptr_t)f | (fdflags & FD_CLOEXEC);
	while (fd >= fd_capacity(t))
		t->max_fds = fd_capacity(t) * 2;
}

static struct file *slot_file(uintptr_t v)
{
	return (struct file *)(v & ~(uintptr_t)FD_CLOEXEC);
}

struct file *fd_file(const struct fdtable *t, int fd)
{
	uintptr_t *s = fd_slot(t, fd);
	return s ? slot_file(*s) : NULL;
}

unsigned fd_flags(const struct fdtable *t, int fd)
{
	uintptr_t *s = fd_slot(t, fd);
	return s ? (unsigned)(*s & FD_CLOEXEC) : 0;
}

void fd_set_flags(struct fdtable *t, int fd, unsigned fdflags)
{
	uintptr_t *s = fd_slot(t, fd);
	if (s && *s)
		*s = (uintptr_t)slot_file(*s) | (fdflags & FD_CLOEXEC);
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = fd_file(t, fd);
	if (f)
		f->refs++;
	return f;
}

int fd_next(const struct fdtable *t, int from)
{
	for (int fd = from < 0 ? 0 : from, end = fd_capacity(t); fd < end;) {
		uintptr_t **dir = t->dir[fd / (FD_PER_PAGE * FD_PER_PAGE)];
		if (!dir) {
			fd = (fd / (FD_PER_PAGE * FD_PER_PAGE) + 1) * FD_PER_PAGE * FD_PER_PAGE;
			continue;
		}
		uintptr_t *page = dir[fd / FD_PER_PAGE % FD_PER_PAGE];
		if (!page) {
			fd = (fd / FD_PER_PAGE + 1) * FD_PER_PAGE;
			continue;
		}
		if (page[fd % FD_PER_PAGE])
			return fd;
		fd++;
	}
	return -1;
}

int fd_capacity(const struct fdtable *t)
{
	return t->max_fds ? t->max_fds : 64;
}

int fd_rlimit(void)
{
	uint64_t l = current ? current->rlim[7].cur : FD_NR_OPEN;      /* RLIMIT_NOFILE */
	return l < FD_NR_OPEN ? (int)l : FD_NR_OPEN;
}

void (*file_unwatch)(struct file *f);
void (*file_async_check)(void);
void (*file_async_release)(struct file *f);

static const char file_key;

void file_changed(void)
{
	sched_wake(&file_key, NULL, INT32_MAX, ~0u);
	if (file_async_check)
		file_async_check();
}

int file_wait(int64_t deadline, const char *what)
{
	return sched_wait(&file_key, NULL, deadline, 0, what);
}

int file_wait_console(const uint32_t events[3], uint32_t revents[3], int64_t deadline,
		      const char *what)
{
	return sched_wait_console(&file_key, events, revents, deadline, what);
}

int64_t file_would_block(const char *what)
{
	current_task->wait_what = what;
	return -EFILEWAIT;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->watched && file_unwatch)
		file_unwatch(f);
	locks_file_closed(f);
	if (file_async_release)
		file_async_release(f);
	fsnotify_close(f);
	if (f->ops->release)
		f->ops->release(f);
	kfree(f, sizeof(*f));
}

int fd_install(struct fdtable *t, struct file *f, int min, unsigned fdflags)
{
	int limit = fd_rlimit();
	bool from_free = min <= t->free_from;
	for (int fd = from_free ? t->free_from : min; fd < limit; fd++) {
		uintptr_t *s = fd_slot(t, fd);
		if (!s && !(s = fd_slot_make(t, fd)))
			return -ENOMEM;
		if (*s)
			continue;
		fd_store(t, s, fd, f, fdflags);
		if (from_free)
			t->free_from = fd + 1;  /* everything from the old mark up to fd is taken */
		return fd;
	}
	return -EMFILE;
}

int fd_install_at(struct fdtable *t, int fd, struct file *f, unsigned fdflags)
{
	uintptr_t *s = fd_slot(t, fd);
	if (!s && !(s = fd_slot_make(t, fd)))
		return -ENOMEM;
	if (*s)
		fd_close(t, fd);
	fd_store(t, s, fd, f, fdflags);
	return 0;
}

int fd_close(struct fdtable *t, int fd)
{
	uintptr_t *s = fd_slot(t, fd);
	if (!s || !*s)
		return -EBADF;
	struct file *f = slot_file(*s);
	*s = 0;
	if (fd < t->free_from)
		t->free_from = fd;
	locks_fd_closed(t, f);
	dnotify_flush(t, f);
	file_put(f);
	return 0;
}

/* Table heads are kept for the next fork (the first process's is static). */
static struct fdtable *fdtable_free_list;

static struct fdtable *fdtable_new(void)
{
	struct fdtable *n = fdtable_free_list;
	if (n)
		fdtable_free_list = *(struct fdtable **)n;
	else if (!(n = kmalloc(sizeof(*n))))
		return NULL;
	memset(n, 0, sizeof(*n));
	n->users = 1;
	return n;
}

/* Frees the slot and directory pages of a table whose fds are all closed, and the head. */
static void fdtable_free(struct fdtable *t)
{
	for (int d = 0; d < FD_DIRS; d++) {
		if (!t->dir[d])
			continue;
		for (int i = 0; i < FD_PER_PAGE; i++)
			if (t->dir[d][i])
				pmm_free(virt_to_phys(t->dir[d][i]));
		pmm_free(virt_to_phys(t->dir[d]));
	}
	*(struct fdtable **)t = fdtable_free_list;
	fdtable_free_list = t;
}

struct fdtable *fdtable_dup(const struct fdtable *t)
{
	struct fdtable *n = fdtable_new();
	if (!n)
		return NULL;
	for (int fd = fd_next(t, 0); fd >= 0; fd = fd_next(t, fd + 1)) {
		uintptr_t *s = fd_slot_make(n, fd);
		if (!s) {
			fdtable_put(n);
			return NULL;
		}
		*s = *fd_slot(t, fd);
		slot_file(*s)->refs++;
	}
	n->free_from = t->free_from;
	n->max_fds = t->max_fds;
	return n;
}

void fdtable_put(struct fdtable *t)
{
	if (--t->users > 0)
		return;
	for (int fd = fd_next(t, 0); fd >= 0; fd = fd_next(t, fd + 1))
		fd_close(t, fd);
	fdtable_free(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int fd = fd_next(t, 0); fd >= 0; fd = fd_next(t, fd + 1))
		if (fd_flags(t, fd) & FD_CLOEXEC)
			fd_close(t, fd);
}
