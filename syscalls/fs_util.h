/* Helpers for path-taking system calls: user path strings and the *at() starting directory. */
#ifndef SYSCALLS_FS_UTIL_H
#define SYSCALLS_FS_UTIL_H
#include <stdint.h>
#include "vfs/vfs.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_EACCESS 0x200

/* A user path as a kernel string (kmalloc'd PATH_MAX buffer in *out; free with fs_path_free).
   0, -EFAULT, or -ENAMETOOLONG when no NUL lies within PATH_MAX. */
int fs_user_path(uint64_t upath, char **out);
void fs_path_free(char *p);
/* The directory a relative name starts at: the cwd for AT_FDCWD, else dfd's directory
   (-EBADF; -ENOTDIR if it is not a directory and the name is relative and non-empty). */
int fs_start(int dfd, const char *name, struct path *start);
/* Resolves (dfd, upath) with LOOKUP_* flags into a referenced path. */
int fs_resolve(int dfd, uint64_t upath, unsigned flags, struct path *out);
/* Creates the node name (relative to dfd) of mode (type and permissions; the umask applies),
   as mknod does; *out (when not NULL) gets the new inode, referenced. 0 or -errno. */
int fs_mknod(int dfd, const char *name, uint32_t mode, uint64_t dev, struct inode **out);
#endif
