/* memfd_create and file seals: an unnamed tmpfs file behind a descriptor. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "vfs/vfs.h"
#include "build/gen/syscall_decls.h"

#define MFD_CLOEXEC 1
#define MFD_ALLOW_SEALING 2
#define MFD_NAME_MAX 249
#define O_RDWR 02

int64_t sys_memfd_create(uint64_t uname, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	char name[MFD_NAME_MAX + 1];
	if (flags & ~(uint64_t)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;         /* MFD_HUGETLB, MFD_NOEXEC_SEAL, ...: not supported */
	int64_t n = strncpy_from_user(name, uname, sizeof(name));
	if (n == -EFAULT)
		return -EFAULT;
	if (n < 0)
		return -EINVAL;         /* longer than 249 bytes */
	static struct inode *memfs;
	const char *why;
	if (!memfs && !(memfs = tmpfs_new(5, NULL, 0, 0, &why)))
		return -ENOMEM;
	struct inode *ino = tmpfs_contig_inode(memfs->sb, 0, 0, 0777);
	if (!ino)
		return -ENOMEM;
	ino->seals = (flags & MFD_ALLOW_SEALING) ? 0 : F_SEAL_SEAL;
	struct dentry *d = dentry_new_root(ino);
	if (!d) {
		inode_put(ino);
		return -ENOMEM;
	}
	struct path p = { NULL, d };
	struct file *f = file_inode_new(&p, O_RDWR);
	dentry_put(d);
	if (!f)
		return -ENOMEM;
	int fd = fd_install(current_task->files, f, 0, (flags & MFD_CLOEXEC) ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_put(f);
	return fd;
}
