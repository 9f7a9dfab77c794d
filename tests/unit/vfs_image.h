/* The test image of vfs_image.c:
     /bin/{ping (xattr), sh, tool}  /etc/{passwd (2 pages), shell -> ../bin/sh, tool-link}
     /var/{empty/, log/syslog}  /empty-file
   /bin/tool and /etc/tool-link are one inode. Image files belong to uid 1000, gid 100.
   ACLs: /var/log/syslog (0640) u::rw- u:1001:r-- g::r-- m::r-- o::--- (and user.note "n"),
   /var/log a default u::rwx g::r-x g:3000:rwx m::rwx o::---, /etc/passwd one of another
   version (not an ACL then). */
#ifndef TESTS_VFS_IMAGE_H
#define TESTS_VFS_IMAGE_H
#include <stddef.h>
#include <stdint.h>

#define VFS_IMG_SH "#!/bin/sh image shell\n"
#define VFS_IMG_TOOL "tool v1\n"
#define VFS_IMG_PASSWD_LEN 5000u
#define VFS_IMG_XATTR_NAME "security.capability"
#define VFS_IMG_XATTR_VALUE "cap_net_raw+ep"
static inline char vfs_img_passwd_byte(size_t i) { return (char)('a' + i % 23); }

/* The image bytes (free()) and their length, or NULL. */
uint8_t *vfs_test_image(size_t *len);
#endif
