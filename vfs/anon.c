/* Files on Linux's anonymous inode (eventfd, epoll): no name, mode 0600, one inode for all. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "vfs/vfs.h"

int anon_stat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = 0600;
	st->st_nlink = 1;
	st->st_ino = 1;
	st->st_blksize = 4096;
	return 0;
}

struct file *anon_file_new(const struct file_ops *ops, void *priv, unsigned flags)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = ops;
	f->refs = 1;
	f->flags = flags;
	f->priv = priv;
	return f;
}

int anon_fd_new(const struct file_ops *ops, void *priv, size_t priv_size, unsigned flags,
		bool cloexec)
{
	struct file *f = anon_file_new(ops, priv, flags);
	if (!f) {
		kfree(priv, priv_size);
		return -ENOMEM;
	}
	int fd = fd_install(current_task->files, f, 0, cloexec ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_put(f);    /* the release method frees priv */
	return fd;
}
