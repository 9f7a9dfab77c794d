/* File references and the fd table. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "vfs/file.h"

struct file *fd_get(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FD_MAX || !t->fd[fd])
		return NULL;
	struct file *f = t->fd[fd];
	f->refs++;
	return f;
}

void (*file_unwatch)(struct file *f);

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->watched && file_unwatch)
		file_unwatch(f);
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
	file_put(f);
	return 0;
}
