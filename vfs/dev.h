/* Character devices by number: the same node works in /dev and in any tmpfs (mknod). */
#ifndef VFS_DEV_H
#define VFS_DEV_H
#include <stdint.h>
#include <stdbool.h>
struct file;
#define DEV_MAKE(maj, min) (((uint64_t)(maj) << 8) | (min))
/* Points f at the device's operations (f->path is the node opened). noctty: O_NOCTTY, for a
   terminal that a session leader would otherwise acquire. 0, or -ENXIO for an unknown device. */
int dev_open(uint64_t rdev, struct file *f, bool noctty);
/* Builds /dev in a fresh tmpfs root. */
struct inode;
int devfs_populate(struct inode *root);
/* The name in /dev of the device rdev, if devfs has a node for it; NULL otherwise. */
const char *devfs_name(uint64_t rdev);
/* /dev/pts/0, the node that stands for the host's terminal when the console is one (devpts
   makes it); NULL otherwise. */
const struct inode *devfs_pts0(void);
#endif
