/* POSIX.1e ACLs a layer carries in tar's text form (SCHILY.acl.access, SCHILY.acl.default), as
   libarchive reads them, turned into the system.posix_acl_* xattrs Linux stores for them. */
#ifndef IMAGE_TACL_H
#define IMAGE_TACL_H

#include <stddef.h>

#include "image/imgint.h"
#include "image/tree.h"

struct archive_entry;

#define TACL_ACCESS 0
#define TACL_DEFAULT 1

/*
 * Takes the POSIX.1e ACLs of tar entry e for ino, whose type and permission bits are already
 * e's (libarchive has put the ACL's user::, group:: and other:: there). An access ACL that says
 * more than a mode (named entries or a mask) and a directory's default ACL are kept on ino,
 * replacing what it had, for tacl_finish; a mask becomes the mode's group bits, as Linux leaves
 * them after tar sets the ACL. Returns 0, or -EINVAL with the reason in why[0..len) for an ACL
 * the Linux kernel refuses (named entries without a mask, a default ACL missing a base entry
 * or on a non-directory, any ACL on a symlink) or that cannot be stored (over 8191 entries).
 */
int tacl_read(struct archive_entry *e, struct tinode *ino, char *why, size_t len);

/*
 * Stores each ACL tacl_read kept in t as the xattr Linux's kernel writes (version 2 header,
 * entries by tag then id), unless the inode has that xattr itself (an explicit xattr wins).
 * Entries that name a user or group without a numeric id are resolved through t's /etc/passwd
 * and /etc/group (symlinks not followed; the first line of a name wins). Call once every layer
 * is applied. 0 or -EINVAL (c->err names the path): an unknown name, two entries for one id.
 */
int tacl_finish(struct img_ctx *c, struct tree *t);

/*
 * Looks at the SCHILY.acl.* records of the tar's pax headers before libarchive parses them:
 * libarchive's ACL parser takes time in the square of an ACL's entries (a 1 MB ACL of 100,000
 * entries took ~30 s), so a hostile layer could hold a conversion up. An ACL of more than
 * TACL_MAX_ENTRIES entries (more than Linux stores) fails the layer, as does a conversion whose
 * ACLs' squared entry counts add up past TACL_MAX_WORK (c->acl_work). 0 or -EINVAL.
 */
#define TACL_MAX_ENTRIES 8191
#define TACL_MAX_WORK (1ull << 28)
int tacl_prescan(struct img_ctx *c, const char *member, const uint8_t *tar, size_t n);

#endif
