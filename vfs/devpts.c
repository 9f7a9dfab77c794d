/* devpts on /dev/pts: the slaves of the live pseudo-terminals as /dev/pts/N, the ptmx node, and
   "0" standing for the host's terminal when the console is one (vfs/console.c takes its identity).

   A filesystem of its own rather than nodes made in devfs's tmpfs: a pair's name must appear and
   go with the pair (it goes when the master closes, before the pair itself), nobody may add,
   remove or rename names here, and a cached name must not outlive its pair. Answering lookups
   and listings from the pairs themselves (vfs/pty.c) keeps one list instead of two kept in step
   by hand; a node revalidates against its pair, so the name cache never serves a dead one. As on
   Linux (and in docker), /proc/mounts shows devpts on /dev/pts. */
#include "k/kernel.h"
#include "k/proc.h"
#include "vfs/vfs.h"
#include "vfs/dev.h"
#include "vfs/pty.h"

#define DT_CHR 2
#define DT_DIR 4
#define DEVPTS_SUPER_MAGIC 0x1cd1
#define TTY_GID 5
#define PTY_FIRST_INO 3         /* Linux: the node of pair N is inode N + 3 */
#define PTY_NAME_MAX 12

static struct superblock devpts_sb = { .dev = 0x18, .type = "devpts" };
static struct inode *devpts_root, *devpts_ptmx, *devpts_con;
static struct mount *devpts_mnt;
static const struct inode_ops devpts_dir_ops, devpts_node_ops, devpts_misc_ops;

/* Linux's dev_t as stat reports it, for minors beyond 255 too. */
static uint64_t devpts_rdev(unsigned major, unsigned minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

static int devpts_setattr(struct inode *ino, const struct iattr *a)
{
	vfs_setattr_basic(ino, a);
	return 0;
}

static int devpts_statfs(struct inode *ino, struct vfs_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->type = DEVPTS_SUPER_MAGIC;
	st->bsize = st->frsize = 4096;
	st->namelen = NAME_MAX;
	return 0;
}

/* "N" with no sign or leading zero, below Linux's pty limit. */
static bool devpts_parse(const char *name, size_t len, unsigned *n)
{
	if (!len || len > 4 || (len > 1 && name[0] == '0'))
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	*n = v;
	return v < 4096;
}

static struct inode *devpts_find(const char *name, size_t len)
{
	unsigned n;
	if (len == 4 && !memcmp(name, "ptmx", 4))
		return devpts_ptmx;
	if (!devpts_parse(name, len, &n))
		return NULL;
	return n == 0 && devpts_con ? devpts_con : pty_node(n);
}

static int devpts_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct inode *ino = devpts_find(name, len);
	if (!ino)
		return -ENOENT;
	inode_get(ino);
	*out = ino;
	return 0;
}

/* A cached slave name is good while it still names this node (its pair's master is open). */
static int devpts_revalidate(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	return devpts_find(name, len) != ino;
}

/* Positions: 0 ".", 1 "..", 2 "ptmx", then N + 3 for /dev/pts/N. */
static int devpts_iterate(struct inode *dir, uint64_t *pos,
			  int (*emit)(void *, const char *, size_t, uint64_t, unsigned), void *ctx)
{
	static const char *const fixed[] = { ".", "..", "ptmx" };
	for (; *pos < 3; (*pos)++) {
		const char *name = fixed[*pos];
		uint64_t ino = *pos == 2 ? devpts_ptmx->ino : devpts_root->ino;
		if (emit(ctx, name, strlen(name), ino, *pos == 2 ? DT_CHR : DT_DIR))
			return 0;
	}
	for (;;) {
		unsigned n = (unsigned)(*pos - 3);
		struct inode *ino = devpts_con;
		if (n != 0 || !devpts_con) {
			if (!pty_next_named(&n))
				return 0;
			ino = pty_node(n);
		}
		char name[PTY_NAME_MAX];
		int len = ksnprintf(name, sizeof(name), "%u", n);
		if (emit(ctx, name, (size_t)len, ino->ino, DT_CHR))
			return 0;
		*pos = (uint64_t)n + 4;
	}
}

static const struct inode_ops devpts_dir_ops = {
	.lookup = devpts_lookup,
	.iterate = devpts_iterate,
	.setattr = devpts_setattr,
	.statfs = devpts_statfs,
};
static const struct inode_ops devpts_node_ops = {
	.setattr = devpts_setattr,
	.statfs = devpts_statfs,
	.revalidate = devpts_revalidate,
};
static const struct inode_ops devpts_misc_ops = {
	.setattr = devpts_setattr,
	.statfs = devpts_statfs,
};

static struct inode *devpts_inode(uint32_t mode, const struct inode_ops *ops, uint64_t ino)
{
	struct inode *i = inode_new(&devpts_sb, mode, ops);
	if (i)
		i->ino = ino;
	return i;
}

int devpts_init(void)
{
	if (devpts_root)
		return 0;
	devpts_root = devpts_inode(S_IFDIR | 0755, &devpts_dir_ops, 1);
	devpts_ptmx = devpts_inode(S_IFCHR | 0666, &devpts_misc_ops, 2);
	if (!devpts_root || !devpts_ptmx)
		return -ENOMEM;
	devpts_root->nlink = 2;
	devpts_ptmx->rdev = DEV_MAKE(5, 2);
	/* The host's terminal behind fds 0-2 (-t): a node of the console (136:0), owned by the
	   program's user and group tty, as a pty's slave is. */
	if (boot_info->tty[0].is_tty || boot_info->tty[1].is_tty || boot_info->tty[2].is_tty) {
		devpts_con = devpts_inode(S_IFCHR | 0620, &devpts_misc_ops, PTY_FIRST_INO);
		if (!devpts_con)
			return -ENOMEM;
		devpts_con->rdev = DEV_MAKE(136, 0);
		devpts_con->uid = boot_info->uid;
		devpts_con->gid = TTY_GID;
	}
	return 0;
}

int devpts_mount(const struct fs_context *fs)
{
	struct path at;
	int err = devpts_init();
	if (!err)
		err = vfs_lookup(fs, &fs->root, "/dev/pts", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &at);
	if (err)
		return err;
	inode_get(devpts_root);         /* the mount's root dentry takes a reference */
	devpts_mnt = vfs_mount(&devpts_sb, devpts_root, &at, "devpts", "/dev/pts");
	if (!devpts_mnt)
		inode_put(devpts_root);
	path_put(&at);
	return devpts_mnt ? 0 : -ENOMEM;
}

const struct inode *devpts_console(void)
{
	return devpts_con;
}

struct inode *devpts_new_node(struct pty *p, unsigned n)
{
	struct inode *ino = devpts_inode(S_IFCHR | 0620, &devpts_node_ops, PTY_FIRST_INO + n);
	if (!ino)
		return NULL;
	ino->rdev = devpts_rdev(136, n);
	ino->uid = current->fsuid;
	ino->gid = TTY_GID;
	ino->priv = p;
	return ino;
}

int devpts_open_slave(struct inode *ino, struct file *f, bool noctty)
{
	if (!ino || ino->ops != &devpts_node_ops)
		return -ENODEV;
	return pty_open_slave(ino->priv, f, noctty);
}

int devpts_node_path(struct inode *node, struct path *out)
{
	if (!devpts_mnt)
		return -ENODEV;
	char name[PTY_NAME_MAX];
	int len = ksnprintf(name, sizeof(name), "%lu", node->ino - PTY_FIRST_INO);
	struct dentry *d;
	int err = vfs_child(devpts_mnt->root, name, (size_t)len, &d);
	if (err)
		return err;
	if (d->inode != node) {
		dentry_put(d);
		return -EIO;
	}
	out->mnt = devpts_mnt;
	out->d = d;
	return 0;
}

bool devpts_owns(const struct inode *ino)
{
	return ino && ino->sb == &devpts_sb;
}
