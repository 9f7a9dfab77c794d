/* Inode stand-ins for tests of mm/ code, which only counts references (VFS tests link the real
   vfs/dcache.c instead of this file). */
#include <string.h>
#include "kstub.h"
#include "vfs/vfs.h"

void inode_get(struct inode *ino)
{
	ino->refs++;
}

void inode_put(struct inode *ino)
{
	if (ino)
		ino->refs--;
}

struct inode *kstub_inode(void)
{
	static struct inode pool[64];
	static unsigned used;
	struct inode *ino = &pool[used++ % 64];
	memset(ino, 0, sizeof(*ino));
	ino->refs = 1;
	return ino;
}
