/* File references and the fd table. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "vfs/file.h"
#include "vfs/locks.h"
#include "vfs/fsnotify.h"
#include "k/sched.h"

struct file *fd_get(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FD_MAX || !t->fd[fd])
		return NULL;
	struct file *f = t->fd[fd];
	f->refs++;
	return f;
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
	for (int fd = min; fd < FD_MAX; fd++) {
		if (!t->fd[fd]) {
			t->fd[fd] = f;
			t->fdflags[fd] = (uint8_t)fdflags;
			return fd;
		}
	}
	return -EMFILE;
}

int fd_close(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FD_MAX || !t->fd[fd])
		return -EBADF;
	struct file *f = t->fd[fd];
	t->fd[fd] = NULL;
	t->fdflags[fd] = 0;
	locks_fd_closed(t, f);
	dnotify_flush(t, f);
	file_put(f);
	return 0;
}

/* Tables are three contiguous pages; freed ones are kept for the next fork. */
#define FDTABLE_PAGES ((sizeof(struct fdtable) + PAGE_SIZE - 1) / PAGE_SIZE)
static struct fdtable *fdtable_free_list;

struct fdtable *fdtable_dup(const struct fdtable *t)
{
	struct fdtable *n = fdtable_free_list;
	if (n) {
		fdtable_free_list = *(struct fdtable **)n;
	} else {
		uint64_t pa = pmm_alloc_contig(FDTABLE_PAGES);
		if (!pa)
			return NULL;
		n = phys_to_virt(pa);
	}
	memset(n, 0, sizeof(*n));
	for (int fd = 0; fd < FD_MAX; fd++) {
		if (!t->fd[fd])
			continue;
		n->fd[fd] = t->fd[fd];
		n->fd[fd]->refs++;
		n->fdflags[fd] = t->fdflags[fd];
	}
	n->users = 1;
	return n;
}

void fdtable_put(struct fdtable *t)
{
	if (--t->users > 0)
		return;
	for (int fd = 0; fd < FD_MAX; fd++)
		if (t->fd[fd])
			fd_close(t, fd);
	*(struct fdtable **)t = fdtable_free_list;
	fdtable_free_list = t;
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int fd = 0; fd < FD_MAX; fd++)
		if (t->fd[fd] && (t->fdflags[fd] & FD_CLOEXEC))
			fd_close(t, fd);
}
