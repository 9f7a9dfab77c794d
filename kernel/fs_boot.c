/* The process's first file tree: the root (the image, a host directory for --rootfs, or an empty
   tmpfs for a bare program), with devfs on /dev, tmpfs on /dev/shm and /tmp, the volumes (-v),
   and the working directory. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uts.h"
#include "vfs/vfs.h"
#include "vfs/dev.h"
#include "vfs/procfs.h"
#include "vfs/hostfs.h"
#include "net/lease.h"

static struct fs_context boot_fs;

/* The directory name under dir, created with mode when missing. Returns a referenced path. */
static int fs_boot_dir(struct path *dir, const char *name, uint32_t mode, struct path *out)
{
	struct dentry *d;
	size_t len = strlen(name);
	int err = vfs_child(dir->d, name, len, &d);
	if (err == -ENOENT) {
		struct inode *ino, *di = dir->d->inode;
		err = di->ops->create ? di->ops->create(di, name, len, S_IFDIR | mode, 0, &ino) : -EROFS;
		if (err)
			return err;
		ino->uid = ino->gid = 0;        /* made by the runtime, as docker's are */
		inode_put(ino);
		err = vfs_child(dir->d, name, len, &d);
	}
	if (err)
		return err;
	out->mnt = dir->mnt;
	out->d = d;
	vfs_follow_mounts(out);         /* into a volume mounted here, for one inside it */
	if ((out->d->inode->mode & S_IFMT) != S_IFDIR) {
		path_put(out);
		return -ENOTDIR;
	}
	return 0;
}

/* mkdir -p of the absolute path where (components up to NAME_MAX), as a referenced path. */
static int fs_boot_mkdirs(const struct fs_context *fs, const char *where, struct path *out)
{
	if (vfs_lookup(fs, &fs->root, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, out) == 0)
		return 0;
	struct path at = fs->root, next;
	path_get(&at);
	int err = 0;
	char comp[NAME_MAX + 1];
	for (const char *p = where; *p && !err;) {
		while (*p == '/')
			p++;
		size_t n = 0;
		while (p[n] && p[n] != '/') {
			if (n == NAME_MAX) {
				err = -ENAMETOOLONG;
				break;
			}
			comp[n] = p[n];
			n++;
		}
		comp[n] = 0;
		p += n;
		if (!n || err)
			break;
		if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
			err = -EINVAL;
			break;
		}
		err = fs_boot_dir(&at, comp, !strcmp(comp, "tmp") ? 01777 : 0755, &next);
		if (!err) {
			path_put(&at);
			at = next;
		}
	}
	if (err) {
		path_put(&at);
		return err;
	}
	*out = at;
	return 0;
}

static int fs_boot_mount(const struct fs_context *fs, const char *where, struct inode *fsroot,
			 const char *fstype)
{
	if (!fsroot)
		return -ENOMEM;
	struct path at;
	int err = fs_boot_mkdirs(fs, where, &at);
	if (!err && !vfs_mount(fsroot->sb, fsroot, &at, fstype, where))
		err = -ENOMEM;
	if (!err)
		path_put(&at);
	return err;
}

/* Binds the file fsroot onto the file at where (made, empty, when missing), as the OCI runtime's
   binds of /etc/hosts and /etc/resolv.conf do. */
static int fs_boot_mount_file(const struct fs_context *fs, const char *where, struct inode *fsroot)
{
	char dir[sizeof(((struct unik_volume *)0)->path)];
	const char *name = where;
	for (const char *c = where; *c; c++)
		if (*c == '/')
			name = c + 1;
	size_t dl = (size_t)(name - 1 - where), len = strlen(name);
	if (!len || len > NAME_MAX || dl >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, where, dl);
	dir[dl] = 0;
	struct path at;
	struct dentry *d;
	int err = fs_boot_mkdirs(fs, dl ? dir : "/", &at);
	if (err)
		return err;
	err = vfs_child(at.d, name, len, &d);
	if (err == -ENOENT) {
		struct inode *ino, *di = at.d->inode;
		err = di->ops->create ? di->ops->create(di, name, len, S_IFREG | 0644, 0, &ino) : -EROFS;
		if (!err) {
			ino->uid = ino->gid = 0;
			inode_put(ino);
			err = vfs_child(at.d, name, len, &d);
		}
	}
	if (!err && (d->inode->mode & S_IFMT) == S_IFDIR) {
		dentry_put(d);
		err = -EISDIR;
	}
	if (!err) {
		struct path p = { .mnt = at.mnt, .d = d };
		if (!vfs_mount(fsroot->sb, fsroot, &p, "hostfs", where))
			err = -ENOMEM;
		dentry_put(d);
	}
	path_put(&at);
	return err;
}

/* Replaces (or creates) /etc/NAME with content, as docker's bind mounts of /etc/hostname,
   /etc/hosts and /etc/resolv.conf do. keep: when not NULL, gets the file (a reference). */
static int fs_boot_etc_file(struct path *etc, const char *name, const char *content,
			    struct inode **keep)
{
	struct inode *dir = etc->d->inode, *ino;
	size_t len = strlen(name);
	struct dentry *d;
	if (vfs_child(etc->d, name, len, &d) == 0) {
		bool isdir = (d->inode->mode & S_IFMT) == S_IFDIR;
		if (!isdir)
			dir->ops->unlink(dir, name, len, d->inode);
		dentry_put(d);
		if (isdir)
			return 0;       /* a directory there: leave the image alone */
		vfs_forget(etc->d, name, len);
	}
	int err = dir->ops->create(dir, name, len, S_IFREG | 0644, 0, &ino);
	if (err)
		return err;
	ino->uid = ino->gid = 0;
	int64_t n = ino->ops->write(ino, content, strlen(content), 0);
	if (keep && n >= 0)
		*keep = ino;
	else
		inode_put(ino);
	return n < 0 ? (int)n : 0;
}

/* A file of generated content bound onto /etc/NAME of a --rootfs tree: the guest sees it and the
   host's file stays as it is (its mountpoint is made, empty, when missing, as runc makes one).
   keep: when not NULL, gets the file (a reference). */
static int fs_boot_etc_bind(struct fs_context *fs, const char *name, const char *content,
			    struct inode **keep)
{
	static struct inode *dir;               /* a private tmpfs holding the three files */
	const char *why;
	if (!dir && !(dir = tmpfs_new(5, NULL, 0, 0, &why)))
		return -ENOMEM;
	struct inode *ino;
	int err = dir->ops->create(dir, name, strlen(name), S_IFREG | 0644, 0, &ino);
	if (err)
		return err;
	ino->uid = ino->gid = 0;
	int64_t n = ino->ops->write(ino, content, strlen(content), 0);
	char where[32];
	ksnprintf(where, sizeof(where), "/etc/%s", name);
	err = n < 0 ? (int)n : fs_boot_mount_file(fs, where, ino);
	if (err)
		inode_put(ino);                 /* on success the mount holds it */
	else if (keep) {
		inode_get(ino);
		*keep = ino;
	}
	return err;
}

/* resolv.conf's first content: the NIC's static DNS server (slirp's 10.0.2.3, a tap's dns=);
   none yet with DHCP (the lease's are written as it comes, net/lease.c) or for a tap without
   dns=; without a NIC, the address the default network serves, as ever. */
static void fs_boot_resolv(char *buf, size_t cap)
{
	const struct unik_net_info *ni = &boot_info->net;
	const uint8_t *d = ni->dns4;
	buf[0] = 0;
	if (!(ni->flags & UNIK_NET_PRESENT))
		ksnprintf(buf, cap, "nameserver 10.0.2.3\n");
	else if ((ni->flags & UNIK_NET_IPV4) && (d[0] | d[1] | d[2] | d[3]))
		ksnprintf(buf, cap, "nameserver %u.%u.%u.%u\n", d[0], d[1], d[2], d[3]);
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf as docker provides them: written into the image's
   writable layer, or bound over a --rootfs tree's own (bind; a non-empty /etc/hosts of the tree
   is kept). */
static int fs_boot_etc(struct fs_context *fs, bool bind)
{
	struct path etc;
	int err = bind ? 0 : fs_boot_dir(&fs->root, "etc", 0755, &etc);
	if (err)
		return err;
	char hosts[256];
	char hostname[80];
	const char *name = uts_nodename();     /* the boot info's may fill its field, NUL-less */
	ksnprintf(hostname, sizeof(hostname), "%s\n", name);
	ksnprintf(hosts, sizeof(hosts),
		  "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		  "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
		  "ff02::2\tip6-allrouters\n127.0.1.1\t%s\n", name);
	char resolv[40];
	fs_boot_resolv(resolv, sizeof(resolv));
	const char *names[3] = { "hostname", "hosts", "resolv.conf" };
	const char *contents[3] = { hostname, hosts, resolv };
	for (int i = 0; i < 3 && !err; i++) {
		struct path p;
		/* a tree's own /etc/hosts is kept: its names are the user's (images get docker's);
		   an empty one is taken for the mountpoint an earlier run made */
		if (bind && i == 1 &&
		    vfs_lookup(fs, &fs->root, "/etc/hosts", LOOKUP_FOLLOW, &p) == 0) {
			bool keep = p.d->inode->size > 0;
			path_put(&p);
			if (keep)
				continue;
		}
		struct inode *leased = NULL, **want = NULL;
		if (i == 2 && (boot_info->net.flags & UNIK_NET_DHCP4))
			want = &leased;         /* the DHCP lease writes it */
		err = bind ? fs_boot_etc_bind(fs, names[i], contents[i], want) :
			     fs_boot_etc_file(&etc, names[i], contents[i], want);
		if (leased)
			lease_resolv_attach(leased);
	}
	if (!bind)
		path_put(&etc);
	return err;
}

/* Is the root a host directory (--rootfs, or the OCI runtime's root.path)? */
static bool fs_boot_rootdir(void)
{
	for (uint32_t i = 0; i < MIN(boot_info->nvolumes, (uint32_t)UNIK_MAX_VOLUMES); i++)
		if (boot_info->volumes[i].flags & UNIK_VOL_ROOT)
			return true;
	return false;
}

/* The root filesystem: the --rootfs host directory, the image, or an empty tmpfs. */
static struct inode *fs_boot_root(const char **why)
{
	for (uint32_t i = 0; i < MIN(boot_info->nvolumes, (uint32_t)UNIK_MAX_VOLUMES); i++)
		if (boot_info->volumes[i].flags & UNIK_VOL_ROOT)
			return hostfs_new(1, boot_info->volumes[i].handle, 0, why);
	const void *img = boot_info->rootfs ? phys_to_virt(boot_info->rootfs) : NULL;
	return tmpfs_new(1, img, boot_info->rootfs_len, boot_info->rootfs, why);
}

static size_t fs_boot_depth(const char *path)
{
	size_t d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

/* Mounts the volumes (-v), shallower paths first as docker does, so that /a is in place before
   /a/b is made in it. */
static int fs_boot_volumes(const char **why)
{
	static char msg[200];
	uint32_t n = MIN(boot_info->nvolumes, (uint32_t)UNIK_MAX_VOLUMES);
	bool done[UNIK_MAX_VOLUMES] = { false };
	for (uint32_t k = 0; k < n; k++) {
		uint32_t v = n;
		for (uint32_t i = 0; i < n; i++)
			if (!done[i] && (v == n || fs_boot_depth(boot_info->volumes[i].path) <
					 fs_boot_depth(boot_info->volumes[v].path)))
				v = i;
		done[v] = true;
		const struct unik_volume *vol = &boot_info->volumes[v];
		if (vol->flags & UNIK_VOL_ROOT)
			continue;
		char path[sizeof(vol->path)];
		memcpy(path, vol->path, sizeof(path));
		path[sizeof(path) - 1] = 0;
		const char *fail = "not an absolute path";
		struct inode *root = NULL;
		if (path[0] == '/' && (vol->flags & UNIK_VOL_TMPFS)) {
			root = tmpfs_new(16 + v, NULL, 0, 0, &fail);
			if (root)
				root->mode = S_IFDIR | (vol->handle & 07777 ? vol->handle & 07777 : 01777);
		} else if (path[0] == '/') {
			root = hostfs_new(16 + v, vol->handle,
					  (vol->flags & UNIK_VOL_RO) ? SB_RDONLY : 0, &fail);
		}
		int err = -EINVAL;
		if (root && (vol->flags & UNIK_VOL_FILE))
			err = fs_boot_mount_file(&boot_fs, path, root);
		else if (root)
			err = fs_boot_mount(&boot_fs, path, root,
					    (vol->flags & UNIK_VOL_TMPFS) ? "tmpfs" : "hostfs");
		if (err) {
			ksnprintf(msg, sizeof(msg), "cannot mount the volume on %s: %s", path,
				  !root ? fail : (vol->flags & UNIK_VOL_FILE) ? "no file there" :
				  "no directory there");
			*why = msg;
			return err;
		}
	}
	return 0;
}

int fs_boot(struct proc *p, const char **why)
{
	struct inode *root = fs_boot_root(why);
	if (!root)
		return -EINVAL;
	struct mount *m = vfs_mount(root->sb, root, NULL, "rootfs", "/");
	if (!m)
		return -ENOMEM;
	boot_fs.root.mnt = boot_fs.cwd.mnt = m;
	boot_fs.root.d = boot_fs.cwd.d = m->root;
	dentry_get(m->root);
	dentry_get(m->root);
	boot_fs.umask = 022;
	boot_fs.users = 1;
	current_task->fs = &boot_fs;
	*why = "cannot set up /dev, /dev/shm and /tmp";
	struct inode *dev = tmpfs_new(2, NULL, 0, 0, why);
	int err = dev ? devfs_populate(dev) : -ENOMEM;
	if (!err)
		err = fs_boot_mount(&boot_fs, "/dev", dev, "devtmpfs");
	struct inode *shm = tmpfs_new(3, NULL, 0, 0, why);
	if (shm)
		shm->mode = S_IFDIR | 01777;
	if (!err)
		err = fs_boot_mount(&boot_fs, "/dev/shm", shm, "tmpfs");
	/* A container's /tmp is its root's (runc mounts nothing there; --read-only covers it). */
	if (!err && !(boot_info->flags & UNIK_BOOT_CONTAINER)) {
		struct inode *tmp = tmpfs_new(4, NULL, 0, 0, why);
		if (tmp)
			tmp->mode = S_IFDIR | 01777;
		err = fs_boot_mount(&boot_fs, "/tmp", tmp, "tmpfs");
	}
	if (!err)
		err = fs_boot_mount(&boot_fs, "/proc", procfs_new(6), "proc");
	if (err)
		return err;
	/* The OCI runtime's container gets these from its config.json's mounts instead. */
	bool rootdir = !boot_info->rootfs && fs_boot_rootdir();
	if (boot_info->rootfs || (rootdir && !(boot_info->flags & UNIK_BOOT_CONTAINER))) {
		*why = "cannot write /etc/hostname, /etc/hosts and /etc/resolv.conf";
		if ((err = fs_boot_etc(&boot_fs, rootdir)))
			return err;
	}
	/* After /etc is written: a volume on /etc covers the image's, the host's stays as it is. */
	if ((err = fs_boot_volumes(why)))
		return err;
	if (boot_info->workdir[0]) {
		*why = "cannot create the working directory";
		struct path wd;
		err = fs_boot_mkdirs(&boot_fs, boot_info->workdir, &wd);
		if (err)
			return err;
		path_put(&boot_fs.cwd);
		boot_fs.cwd = wd;
	}
	/* pid 1 leaves with a heap copy, as every other process has: the last user frees it. */
	struct fs_context *fs = kmalloc(sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	*fs = boot_fs;
	current_task->fs = fs;
	*why = NULL;
	return 0;
}
