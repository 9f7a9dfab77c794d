/* Character devices (null, zero, full, random, urandom, tty, console, ptmx and the pty slaves)
   and the /dev tree. */
#include "k/kernel.h"
#include "k/random.h"
#include "vfs/vfs.h"
#include "vfs/dev.h"
#include "vfs/pty.h"

static int64_t dev_seek_zero(struct file *f, int64_t off, int whence)
{
	f->pos = 0;
	return 0;
}

static int dev_stat(struct file *f, struct stat *st)
{
	vfs_stat_inode(file_inode(f), st);
	return 0;
}

static int64_t null_read(struct file *f, void *buf, size_t len) { return 0; }
static int64_t null_write(struct file *f, const void *buf, size_t len) { return (int64_t)len; }
static int64_t zero_read(struct file *f, void *buf, size_t len)
{
	memset(buf, 0, len);
	return (int64_t)len;
}
static int64_t full_write(struct file *f, const void *buf, size_t len) { return -ENOSPC; }
static int64_t random_read(struct file *f, void *buf, size_t len)
{
	random_bytes(buf, len);
	return (int64_t)len;
}

static void dev_release(struct file *f)
{
	path_put(&f->path);
}

static const struct file_ops null_ops = {
	.read = null_read, .write = null_write, .stat = dev_stat, .llseek = dev_seek_zero,
	.release = dev_release,
};
static const struct file_ops zero_ops = {
	.read = zero_read, .write = null_write, .stat = dev_stat, .llseek = dev_seek_zero,
	.release = dev_release,
};
static const struct file_ops full_ops = {
	.read = zero_read, .write = full_write, .stat = dev_stat, .llseek = dev_seek_zero,
	.release = dev_release,
};
static const struct file_ops random_ops = {
	.read = random_read, .write = null_write, .stat = dev_stat, .llseek = dev_seek_zero,
	.release = dev_release,
};

struct file *console_open(int hostfd);
extern const struct file_ops console_tty_ops;

int dev_open(uint64_t rdev, struct file *f, bool noctty)
{
	int err = devpts_open_slave(file_inode(f), f, noctty);
	if (err != -ENODEV)
		return err;             /* /dev/pts/N of a pseudo-terminal */
	switch (rdev) {
	case DEV_MAKE(1, 3): f->ops = &null_ops; return 0;
	case DEV_MAKE(1, 5): f->ops = &zero_ops; return 0;
	case DEV_MAKE(1, 7): f->ops = &full_ops; return 0;
	case DEV_MAKE(1, 8):
	case DEV_MAKE(1, 9): f->ops = &random_ops; return 0;
	case DEV_MAKE(5, 0):
		/* /dev/tty: the controlling terminal, a pty's slave in a session one controls; else
		   the console, when the host has a terminal. */
		err = pty_open_ctty(f);
		if (err != -ENXIO)
			return err;
		if (!boot_info->tty[0].is_tty)
			return -ENXIO;
		/* fallthrough */
	case DEV_MAKE(5, 1):
		f->ops = &console_tty_ops;
		f->priv = (void *)1ull;
		return 0;
	case DEV_MAKE(5, 2):
		return pty_open_master(f);      /* /dev/ptmx: a new pseudo-terminal */
	case DEV_MAKE(136, 0):
	case DEV_MAKE(136, 1):
	case DEV_MAKE(136, 2):
		/* The console behind fd 0, 1 or 2, reopened through /proc/self/fd/N, or its node
		   /dev/pts/0 */
		f->ops = &console_tty_ops;
		f->priv = (void *)(rdev & 0xff);
		return 0;
	default:
		return -ENXIO;
	}
}

const struct inode *devfs_pts0(void)
{
	return devpts_console();
}

static const struct { const char *name; uint32_t mode; uint64_t rdev; } devfs_nodes[] = {
	{ "null", 0666, DEV_MAKE(1, 3) }, { "zero", 0666, DEV_MAKE(1, 5) },
	{ "full", 0666, DEV_MAKE(1, 7) }, { "random", 0666, DEV_MAKE(1, 8) },
	{ "urandom", 0666, DEV_MAKE(1, 9) }, { "tty", 0666, DEV_MAKE(5, 0) },
	{ "console", 0600, DEV_MAKE(5, 1) }, { "ptmx", 0666, DEV_MAKE(5, 2) },
};

const char *devfs_name(uint64_t rdev)
{
	for (size_t i = 0; i < ARRAY_SIZE(devfs_nodes); i++)
		if (devfs_nodes[i].rdev == rdev)
			return devfs_nodes[i].name;
	return NULL;
}

int devfs_populate(struct inode *root)
{
	static const struct { const char *name, *target; } links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	struct inode *ino;
	for (size_t i = 0; i < ARRAY_SIZE(devfs_nodes); i++) {
		int err = root->ops->create(root, devfs_nodes[i].name, strlen(devfs_nodes[i].name),
					    S_IFCHR | devfs_nodes[i].mode, devfs_nodes[i].rdev, &ino);
		if (err)
			return err;
		inode_put(ino);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		int err = root->ops->symlink(root, links[i].name, strlen(links[i].name),
					     links[i].target, &ino);
		if (err)
			return err;
		inode_put(ino);
	}
	for (const char *d = "shm\0pts\0mqueue\0"; *d; d += strlen(d) + 1) {
		int err = root->ops->create(root, d, strlen(d), S_IFDIR | 0755, 0, &ino);
		if (err)
			return err;
		if (!strcmp(d, "shm"))
			ino->mode = S_IFDIR | 01777;
		inode_put(ino);
	}
	root->mode = S_IFDIR | 0755;
	return devpts_init();           /* mounted on /dev/pts once the tree is up (kmain) */
}
