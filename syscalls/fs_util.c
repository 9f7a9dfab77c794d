/* Path arguments of system calls. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "syscalls/fs_util.h"

int fs_user_path(uint64_t upath, char **out)
{
	char *p = kmalloc(PATH_MAX);
	if (!p)
		return -ENOMEM;
	int64_t n = strncpy_from_user(p, upath, PATH_MAX);
	if (n < 0) {
		kfree(p, PATH_MAX);
		return (int)n;
	}
	*out = p;
	return 0;
}

void fs_path_free(char *p)
{
	kfree(p, PATH_MAX);
}

int fs_start(int dfd, const char *name, struct path *start)
{
	if (name[0] == '/' || dfd == AT_FDCWD) {
		*start = current_task->fs->cwd;
		path_get(start);
		return 0;
	}
	struct file *f = fd_get(current_task->files, dfd);
	if (!f)
		return -EBADF;
	if (!f->path.d) {
		file_put(f);
		return name[0] ? -ENOTDIR : -EBADF;
	}
	if (name[0] && (f->path.d->inode->mode & S_IFMT) != S_IFDIR) {
		file_put(f);
		return -ENOTDIR;
	}
	*start = f->path;
	path_get(start);
	file_put(f);
	return 0;
}

int fs_resolve(int dfd, uint64_t upath, unsigned flags, struct path *out)
{
	char *name = NULL;
	int err = fs_user_path(upath, &name);
	if (err)
		return err;
	struct path start;
	err = fs_start(dfd, name, &start);
	if (!err) {
		err = vfs_lookup(current_task->fs, &start, name, flags, out);
		path_put(&start);
	}
	fs_path_free(name);
	return err;
}
