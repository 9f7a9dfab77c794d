/* Host stand-ins for what vfs/ code calls outside the VFS (the current process, the clock,
   mm_truncate_inode, devices, FIFOs) and helpers that build trees through inode_ops. */
#ifndef TESTS_KSTUB_VFS_H
#define TESTS_KSTUB_VFS_H
#include <stdint.h>
#include "vfs/vfs.h"

extern int64_t kstub_time_ns;           /* what time_realtime_ns returns */
extern int kstub_truncate_calls;        /* mm_truncate_inode calls */
extern uint64_t kstub_truncate_from;    /* its last from_pgoff */

/* Fresh fake physical memory (pages pages), no mounts, current = a root process. */
void kstub_vfs_init(uint64_t pages);
/* The current process's effective and filesystem ids. */
void kstub_vfs_cred(uint32_t uid, uint32_t gid);
/* Mounts root as "/" and points fs's root and cwd at it (umask 022). */
struct mount *kstub_vfs_root(struct fs_context *fs, struct inode *root);
/* Mounts the filesystem whose root is root on the directory at path (absolute). */
struct mount *kstub_vfs_mount(struct fs_context *fs, const char *path, struct inode *root);

/* Creates path (its parent must exist) through inode_ops.create / symlink with mode (type
   included). Returns 0 or -errno; the new inode's reference is dropped. */
int kstub_mk(struct fs_context *fs, const char *path, uint32_t mode);
int kstub_mklink(struct fs_context *fs, const char *path, const char *target);
/* A regular file at path holding text. */
int kstub_mkfile(struct fs_context *fs, const char *path, const char *text);
/* The inode at path from the root (lookup flags), no reference kept, or NULL. */
struct inode *kstub_ino(struct fs_context *fs, const char *path, unsigned flags);
/* unlink (dir false) or rmdir (dir true) of path, as the syscall does (forgets the name). */
int kstub_remove(struct fs_context *fs, const char *path, bool dir);
/* rename(2) of two paths in one mount, as the syscall does. */
int kstub_rename(struct fs_context *fs, const char *from, const char *to);
#endif
