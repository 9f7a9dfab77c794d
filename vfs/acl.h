/* POSIX access control lists, as Linux's fs/posix_acl.c keeps them for tmpfs: an inode's access
   and default ACLs hang off the inode (inode->acl[]) on filesystems with SB_POSIXACL, are read
   and written as the system.posix_acl_access / system.posix_acl_default xattrs in Linux's
   binary format, take part in permission checks, follow chmod, and pass from a directory's
   default ACL to what is created in it. */
#ifndef VFS_ACL_H
#define VFS_ACL_H
#include <stddef.h>
#include <stdint.h>

struct inode;

#define ACL_TYPE_ACCESS 0
#define ACL_TYPE_DEFAULT 1

/* Entry tags and permissions (Linux's uapi values). */
#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20
#define ACL_UNDEFINED_ID 0xffffffffu

/* One entry, laid out as in the xattr value (struct posix_acl_xattr_entry, little-endian). */
struct acl_entry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;            /* ACL_USER: a uid, ACL_GROUP: a gid; else ACL_UNDEFINED_ID */
};

struct vfs_acl {
	uint32_t count;         /* at least 1 */
	void *ents;             /* count entries, a blob (vfs/blob.h) of count * 8 bytes */
};

/* The ACL type an xattr name (nlen bytes, no NUL needed) stands for, or -1. */
int acl_xattr_type(const char *name, size_t nlen);
void acl_free(struct vfs_acl *acl);

/* Linux's acl_permission_check: may the caller (fsuid, fsgid, groups) have mask (4 r, 2 w, 1 x)
   from the mode and the access ACL, capabilities aside? 0 or -EACCES. */
int acl_mode_permission(const struct inode *ino, int mask);

/* The xattr calls on an ACL name, for inodes of SB_POSIXACL filesystems (-EOPNOTSUPP for
   others and for symlinks). get: the value's length, copied into buf when size allows (else
   -ERANGE; size 0 asks for the length), -ENODATA without that ACL. set: value NULL or size 0,
   or a header alone, removes; in Linux's order: the format (-EINVAL, -EOPNOTSUPP for another
   version), a default ACL only on a directory (-EACCES; removing one elsewhere succeeds), the
   owner or CAP_FOWNER (-EPERM), the entries (-EINVAL); an access ACL then sets the mode's
   permission bits (and drops S_ISGID for a caller outside the group without CAP_FSETID), and
   is not kept when the mode says it all. list: the names of the ACLs the inode has, into buf
   (size 0 asks for the length; -ERANGE when short). */
int64_t vfs_acl_get(const struct inode *ino, int type, void *buf, size_t size);
int vfs_acl_set(struct inode *ino, int type, const void *value, size_t size);
int64_t vfs_acl_list(const struct inode *ino, char *buf, size_t size);

/* After a mode change (chmod): the access ACL's user_obj, mask (group_obj without one) and
   other take the mode's bits (Linux's posix_acl_chmod). */
void vfs_acl_chmod(struct inode *ino);
/* The umask for creating in dir: none when dir has a default ACL, which vfs_acl_inherit then
   applies instead. */
uint32_t vfs_acl_umask(const struct inode *dir, uint32_t umask);
/* A new inode ino in dir (its mode as asked, type included): the access ACL from dir's default
   ACL masked by the mode, which loses what the ACL does not grant; a directory also inherits
   the default ACL (Linux's posix_acl_create). 0 or -ENOMEM. */
int vfs_acl_inherit(const struct inode *dir, struct inode *ino);
/* An ACL the image gives ino (an xattr value): taken as it is when well-formed and fit for the
   inode, left out otherwise. */
void vfs_acl_load(struct inode *ino, int type, const void *value, size_t size);
#endif
