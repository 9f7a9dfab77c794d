/* The imgfs image the VFS layer tests run over, built in memory with image/'s tree and writer
   (kept apart from the kernel headers those tests include). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "image/imgfs.h"
#include "image/tree.h"
#include "vfs_image.h"

static struct tinode *add(struct tinode *dir, const char *name, uint32_t mode)
{
	struct tinode *ino = tinode_new(mode, 1);
	ino->uid = 1000;
	ino->gid = 100;
	ino->mtime = 1600000000;
	tdir_insert(dir, name, ino, 1);
	return ino;
}

/* An ACL xattr value (version 2) of n (tag, perm, id) entries, as Linux lays it out. */
static struct txattr acl(const char *name, uint32_t version, int n, const uint32_t *tpi)
{
	struct txattr x = { (char *)name, malloc(4 + 8 * (size_t)n), 4 + 8 * (uint32_t)n };
	memcpy(x.value, &version, 4);
	for (int i = 0; i < n; i++) {
		uint16_t tag = (uint16_t)tpi[3 * i], perm = (uint16_t)tpi[3 * i + 1];
		memcpy(x.value + 4 + 8 * i, &tag, 2);
		memcpy(x.value + 6 + 8 * i, &perm, 2);
		memcpy(x.value + 8 + 8 * i, &tpi[3 * i + 2], 4);
	}
	return x;
}

/* The ACLs of vfs_image.h, beside a user.* attribute. */
static void acls(struct tinode *syslog, struct tinode *log, struct tinode *passwd)
{
	static const uint32_t file[] = { 1, 6, ~0u, 2, 4, 1001, 4, 4, ~0u, 0x10, 4, ~0u,
					 0x20, 0, ~0u };
	static const uint32_t dir[] = { 1, 7, ~0u, 4, 5, ~0u, 8, 7, 3000, 0x10, 7, ~0u,
					0x20, 0, ~0u };
	struct txattr x[2] = { acl("system.posix_acl_access", 2, 5, file),
			       { (char *)"user.note", (uint8_t *)"n", 1 } };
	tinode_set_xattrs(syslog, x, 2);
	free(x[0].value);
	x[0] = acl("system.posix_acl_default", 2, 5, dir);
	tinode_set_xattrs(log, x, 1);
	free(x[0].value);
	x[0] = acl("system.posix_acl_access", 1, 5, file);   /* another version: left out */
	tinode_set_xattrs(passwd, x, 1);
	free(x[0].value);
}

static void content(struct tinode *ino, const char *text, size_t n)
{
	ino->data = malloc(n);
	memcpy(ino->data, text, n);
	ino->size = n;
}

uint8_t *vfs_test_image(size_t *len)
{
	struct tree *t = tree_new();
	struct tinode *bin = add(t->root, "bin", S_IFDIR | 0755);
	struct tinode *etc = add(t->root, "etc", S_IFDIR | 0755);
	struct tinode *var = add(t->root, "var", S_IFDIR | 0755);
	struct tinode *log = add(var, "log", S_IFDIR | 0750);
	add(var, "empty", S_IFDIR | 0755);
	struct tinode *syslog = add(log, "syslog", S_IFREG | 0640);
	content(syslog, "log line\n", 9);
	content(add(bin, "sh", S_IFREG | 0755), VFS_IMG_SH, strlen(VFS_IMG_SH));
	/* passwd spans two pages: copy-up must copy both */
	char *big = malloc(VFS_IMG_PASSWD_LEN);
	for (size_t i = 0; i < VFS_IMG_PASSWD_LEN; i++)
		big[i] = vfs_img_passwd_byte(i);
	struct tinode *passwd = add(etc, "passwd", S_IFREG | 0644);
	content(passwd, big, VFS_IMG_PASSWD_LEN);
	free(big);
	/* a hard link pair across directories */
	struct tinode *tool = add(bin, "tool", S_IFREG | 0755);
	content(tool, VFS_IMG_TOOL, strlen(VFS_IMG_TOOL));
	tdir_insert(etc, "tool-link", tool, 1);
	struct tinode *lnk = add(etc, "shell", S_IFLNK | 0777);
	lnk->target = strdup("../bin/sh");
	struct tinode *cap = add(bin, "ping", S_IFREG | 04755);
	content(cap, "ping", 4);
	struct txattr x = { (char *)VFS_IMG_XATTR_NAME, (uint8_t *)VFS_IMG_XATTR_VALUE,
			    (uint32_t)strlen(VFS_IMG_XATTR_VALUE) };
	tinode_set_xattrs(cap, &x, 1);
	add(t->root, "empty-file", S_IFREG | 0644);
	acls(syslog, log, passwd);
	struct img_ctx c;
	img_ctx_init(&c);
	struct imgfs_stats st;
	uint8_t *img = NULL;
	if (imgfs_build(&c, t, &img, len, &st))
		img = NULL;
	tree_free(t);
	return img;
}
