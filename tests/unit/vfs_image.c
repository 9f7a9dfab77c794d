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
	content(add(log, "syslog", S_IFREG | 0640), "log line\n", 9);
	content(add(bin, "sh", S_IFREG | 0755), VFS_IMG_SH, strlen(VFS_IMG_SH));
	/* passwd spans two pages: copy-up must copy both */
	char *big = malloc(VFS_IMG_PASSWD_LEN);
	for (size_t i = 0; i < VFS_IMG_PASSWD_LEN; i++)
		big[i] = vfs_img_passwd_byte(i);
	content(add(etc, "passwd", S_IFREG | 0644), big, VFS_IMG_PASSWD_LEN);
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
	struct img_ctx c;
	img_ctx_init(&c);
	struct imgfs_stats st;
	uint8_t *img = NULL;
	if (imgfs_build(&c, t, &img, len, &st))
		img = NULL;
	tree_free(t);
	return img;
}
