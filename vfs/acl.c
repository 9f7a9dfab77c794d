/* POSIX ACLs with Linux's semantics (fs/posix_acl.c): the xattr format, validation, permission
   checks, chmod, inheritance at creation, and the ACL xattr calls on an inode (vfs/acl.h). */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "vfs/vfs.h"
#include "vfs/acl.h"
#include "vfs/blob.h"

#define ACL_XATTR_VERSION 2
#define ACL_HEADER 4                    /* struct posix_acl_xattr_header: the version */
#define ACL_ENTRY sizeof(struct acl_entry)
#define ACL_VALUE_MAX 65536             /* XATTR_SIZE_MAX */
#define ACL_RWX 7

_Static_assert(sizeof(struct acl_entry) == 8, "the xattr entry");
_Static_assert(PAGE_SIZE % sizeof(struct acl_entry) == 0, "entries never straddle pages");

static const char *const acl_names[2] = {
	[ACL_TYPE_ACCESS] = "system.posix_acl_access",
	[ACL_TYPE_DEFAULT] = "system.posix_acl_default",
};

int acl_xattr_type(const char *name, size_t nlen)
{
	for (int t = 0; t < 2; t++)
		if (nlen == strlen(acl_names[t]) && !memcmp(name, acl_names[t], nlen))
			return t;
	return -1;
}

static bool acl_is_dir(const struct inode *ino) { return (ino->mode & S_IFMT) == S_IFDIR; }

/* Can ino carry ACLs? (Linux: IS_POSIXACL and a set_acl operation, which symlinks lack.) */
static bool acl_supported(const struct inode *ino)
{
	return ino->sb && (ino->sb->flags & SB_POSIXACL) && (ino->mode & S_IFMT) != S_IFLNK;
}

static uint32_t acl_bytes(const struct vfs_acl *acl) { return acl->count * (uint32_t)ACL_ENTRY; }

static struct acl_entry *acl_at(const struct vfs_acl *acl, uint32_t i)
{
	return blob_at(acl->ents, acl_bytes(acl), i * (uint32_t)ACL_ENTRY);
}

void acl_free(struct vfs_acl *acl)
{
	if (!acl)
		return;
	blob_free(acl->ents, acl_bytes(acl));
	kfree(acl, sizeof(*acl));
}

/* An ACL around count entries in the blob ents (taken over), or NULL without memory. */
static struct vfs_acl *acl_wrap(void *ents, uint32_t count)
{
	struct vfs_acl *acl = ents ? kmalloc(sizeof(*acl)) : NULL;
	if (!acl) {
		blob_free(ents, count * (uint32_t)ACL_ENTRY);
		return NULL;
	}
	acl->count = count;
	acl->ents = ents;
	return acl;
}

static struct vfs_acl *acl_clone(const struct vfs_acl *acl)
{
	return acl_wrap(blob_dup(acl->ents, acl_bytes(acl)), acl->count);
}

/* Linux's posix_acl_from_xattr: the ACL of an xattr value, *out NULL when it has no entries.
   Only the named entries keep their id. 0, -EINVAL, -EOPNOTSUPP (another version), -ENOMEM. */
static int acl_from_xattr(const void *value, size_t size, struct vfs_acl **out)
{
	*out = NULL;
	if (size < ACL_HEADER)
		return -EINVAL;
	uint32_t version;
	memcpy(&version, value, sizeof(version));
	if (version != ACL_XATTR_VERSION)
		return -EOPNOTSUPP;
	if ((size - ACL_HEADER) % ACL_ENTRY || size > ACL_VALUE_MAX)
		return -EINVAL;
	uint32_t count = (uint32_t)((size - ACL_HEADER) / ACL_ENTRY);
	if (!count)
		return 0;
	struct vfs_acl *acl = acl_wrap(blob_copy((const uint8_t *)value + ACL_HEADER,
						 count * (uint32_t)ACL_ENTRY), count);
	if (!acl)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		struct acl_entry *e = acl_at(acl, i);
		bool named = e->tag == ACL_USER || e->tag == ACL_GROUP;
		if ((named && e->id == ACL_UNDEFINED_ID) ||
		    (!named && e->tag != ACL_USER_OBJ && e->tag != ACL_GROUP_OBJ &&
		     e->tag != ACL_MASK && e->tag != ACL_OTHER)) {
			acl_free(acl);
			return -EINVAL;
		}
		if (!named)
			e->id = ACL_UNDEFINED_ID;
	}
	*out = acl;
	return 0;
}

/* Linux's posix_acl_valid: user_obj, named users, group_obj, named groups, a mask (needed when
   there are named entries), other, in that order; permissions within rwx. 0 or -EINVAL. */
static int acl_valid(const struct vfs_acl *acl)
{
	int state = ACL_USER_OBJ;
	bool needs_mask = false;
	for (uint32_t i = 0; i < acl->count; i++) {
		const struct acl_entry *e = acl_at(acl, i);
		if (e->perm & ~ACL_RWX)
			return -EINVAL;
		switch (e->tag) {
		case ACL_USER_OBJ:
			if (state != ACL_USER_OBJ)
				return -EINVAL;
			state = ACL_USER;
			break;
		case ACL_USER:
		case ACL_GROUP:
			if (state != (e->tag == ACL_USER ? ACL_USER : ACL_GROUP))
				return -EINVAL;
			needs_mask = true;
			break;
		case ACL_GROUP_OBJ:
			if (state != ACL_USER)
				return -EINVAL;
			state = ACL_GROUP;
			break;
		case ACL_MASK:
			if (state != ACL_GROUP)
				return -EINVAL;
			state = ACL_OTHER;
			break;
		case ACL_OTHER:
			if (state != ACL_OTHER && (state != ACL_GROUP || needs_mask))
				return -EINVAL;
			state = 0;
			break;
		default:
			return -EINVAL;
		}
	}
	return state == 0 ? 0 : -EINVAL;
}

/* Linux's posix_acl_equiv_mode for a valid ACL: puts its permissions into *mode (the mask as
   the group's); true when it says more than a mode can (named entries or a mask). */
static bool acl_equiv_mode(const struct vfs_acl *acl, uint32_t *mode)
{
	uint32_t bits = 0;
	bool more = false;
	for (uint32_t i = 0; i < acl->count; i++) {
		const struct acl_entry *e = acl_at(acl, i);
		uint32_t p = e->perm & ACL_RWX;
		switch (e->tag) {
		case ACL_USER_OBJ: bits |= p << 6; break;
		case ACL_GROUP_OBJ: bits |= p << 3; break;
		case ACL_OTHER: bits |= p; break;
		case ACL_MASK: bits = (bits & ~070u) | p << 3; more = true; break;
		default: more = true; break;
		}
	}
	*mode = (*mode & ~0777u) | bits;
	return more;
}

static int acl_grants(uint32_t perm, int want)
{
	return (perm & (uint32_t)want) == (uint32_t)want ? 0 : -EACCES;
}

/* Entry i's permissions as the mask after it (if any) leaves them, checked against want. */
static int acl_masked(const struct vfs_acl *acl, uint32_t i, int want)
{
	uint32_t perm = acl_at(acl, i)->perm;
	for (uint32_t j = i + 1; j < acl->count; j++) {
		if (acl_at(acl, j)->tag == ACL_MASK) {
			perm &= acl_at(acl, j)->perm;
			break;
		}
	}
	return acl_grants(perm, want);
}

/* Linux's posix_acl_permission: the owner's entry; a named user's, masked; the first group
   entry (the owning group's or a named group's) of the caller's that grants all of want,
   masked, or -EACCES when some matched and none did; else other's. */
static int acl_permission(const struct inode *ino, const struct vfs_acl *acl, int want)
{
	bool found = false;
	for (uint32_t i = 0; i < acl->count; i++) {
		const struct acl_entry *e = acl_at(acl, i);
		switch (e->tag) {
		case ACL_USER_OBJ:
			if (current->fsuid == ino->uid)
				return acl_grants(e->perm, want);
			break;
		case ACL_USER:
			if (current->fsuid == e->id)
				return acl_masked(acl, i, want);
			break;
		case ACL_GROUP_OBJ:
		case ACL_GROUP:
			if (in_group_p(e->tag == ACL_GROUP ? e->id : ino->gid)) {
				found = true;
				if (!acl_grants(e->perm, want))
					return acl_masked(acl, i, want);
			}
			break;
		case ACL_MASK:
			break;
		case ACL_OTHER:
			return found ? -EACCES : acl_grants(e->perm, want);
		default:
			return -EIO;
		}
	}
	return -EIO;
}

int acl_mode_permission(const struct inode *ino, int mask)
{
	uint32_t mode = ino->mode;
	mask &= ACL_RWX;
	if (current->fsuid == ino->uid)
		return acl_grants(mode >> 6, mask);
	/* Linux looks at the ACL only while the mode's group bits (the mask) grant something */
	const struct vfs_acl *acl = ino->acl[ACL_TYPE_ACCESS];
	if (acl && (mode & 070))
		return acl_permission(ino, acl, mask);
	return acl_grants(in_group_p(ino->gid) ? mode >> 3 : mode, mask);
}

/* Linux's posix_acl_update_mode and set_cached_acl for an access ACL (or none): the mode takes
   its permissions, S_ISGID goes for a caller outside the group without CAP_FSETID, and an ACL
   the mode can say is not kept. */
static void acl_set_access(struct inode *ino, struct vfs_acl *acl)
{
	uint32_t mode = ino->mode;
	if (acl && !acl_equiv_mode(acl, &mode)) {
		acl_free(acl);
		acl = NULL;
	}
	if (!in_group_p(ino->gid) && !capable(CAP_FSETID))
		mode &= ~(uint32_t)S_ISGID;
	ino->mode = mode;
	acl_free(ino->acl[ACL_TYPE_ACCESS]);
	ino->acl[ACL_TYPE_ACCESS] = acl;
}

int vfs_acl_set(struct inode *ino, int type, const void *value, size_t size)
{
	struct vfs_acl *acl = NULL;
	int err = value && size ? acl_from_xattr(value, size, &acl) : 0;
	if (err)
		return err;
	bool nothing = type == ACL_TYPE_DEFAULT && !acl_is_dir(ino);
	if (!acl_supported(ino))
		err = -EOPNOTSUPP;
	else if (nothing)
		err = acl ? -EACCES : 0;        /* removing a file's default ACL succeeds */
	else if (current->fsuid != ino->uid && !capable(CAP_FOWNER))
		err = -EPERM;
	else if (acl)
		err = acl_valid(acl);
	if (err || nothing) {
		acl_free(acl);
		return err;
	}
	if (type == ACL_TYPE_ACCESS) {
		acl_set_access(ino, acl);
	} else {
		acl_free(ino->acl[ACL_TYPE_DEFAULT]);
		ino->acl[ACL_TYPE_DEFAULT] = acl;
	}
	ino->ctime = vfs_now();
	return 0;
}

int64_t vfs_acl_get(const struct inode *ino, int type, void *buf, size_t size)
{
	if (!acl_supported(ino))
		return -EOPNOTSUPP;
	const struct vfs_acl *acl = ino->acl[type];
	if (!acl)
		return -ENODATA;
	size_t len = ACL_HEADER + acl_bytes(acl);
	if (!size)
		return (int64_t)len;
	if (size < len)
		return -ERANGE;
	uint32_t version = ACL_XATTR_VERSION;
	memcpy(buf, &version, sizeof(version));
	blob_read(acl->ents, acl_bytes(acl), (uint8_t *)buf + ACL_HEADER);
	return (int64_t)len;
}

int64_t vfs_acl_list(const struct inode *ino, char *buf, size_t size)
{
	size_t at = 0;
	for (int t = 0; t < 2; t++) {
		if (!ino->acl[t])
			continue;
		size_t l = strlen(acl_names[t]) + 1;
		if (size && at + l > size)
			return -ERANGE;
		if (size)
			memcpy(buf + at, acl_names[t], l);
		at += l;
	}
	return (int64_t)at;
}

void vfs_acl_chmod(struct inode *ino)
{
	struct vfs_acl *acl = ino->acl[ACL_TYPE_ACCESS];
	if (!acl)
		return;
	struct acl_entry *group = NULL;
	for (uint32_t i = 0; i < acl->count; i++) {
		struct acl_entry *e = acl_at(acl, i);
		if (e->tag == ACL_USER_OBJ)
			e->perm = (ino->mode >> 6) & ACL_RWX;
		else if (e->tag == ACL_OTHER)
			e->perm = ino->mode & ACL_RWX;
		else if (e->tag == ACL_MASK || (e->tag == ACL_GROUP_OBJ && !group))
			group = e;      /* the mask, which comes after group_obj, wins */
	}
	if (group)
		group->perm = (ino->mode >> 3) & ACL_RWX;
	ino->acl[ACL_TYPE_ACCESS] = NULL;
	acl_set_access(ino, acl);
}

uint32_t vfs_acl_umask(const struct inode *dir, uint32_t umask)
{
	return dir->acl[ACL_TYPE_DEFAULT] ? 0 : umask;
}

/* Linux's posix_acl_create_masq: each class's entry (user_obj, the mask or else group_obj,
   other) and the mode's bits for it keep only what both grant; true when the ACL says more
   than the mode. */
static bool acl_create_masq(struct vfs_acl *acl, uint32_t *mode)
{
	struct acl_entry *group = NULL;
	bool more = false;
	for (uint32_t i = 0; i < acl->count; i++) {
		struct acl_entry *e = acl_at(acl, i);
		switch (e->tag) {
		case ACL_USER_OBJ:
			e->perm &= (*mode >> 6) & ACL_RWX;
			*mode &= ((uint32_t)e->perm << 6) | ~0700u;
			break;
		case ACL_OTHER:
			e->perm &= *mode & ACL_RWX;
			*mode &= e->perm | ~07u;
			break;
		case ACL_GROUP_OBJ:
			if (!group)
				group = e;
			break;
		case ACL_MASK:
			group = e;
			more = true;
			break;
		default:
			more = true;
			break;
		}
	}
	if (group) {
		group->perm &= (*mode >> 3) & ACL_RWX;
		*mode &= ((uint32_t)group->perm << 3) | ~070u;
	}
	return more;
}

int vfs_acl_inherit(const struct inode *dir, struct inode *ino)
{
	const struct vfs_acl *def = dir->acl[ACL_TYPE_DEFAULT];
	if (!def || (ino->mode & S_IFMT) == S_IFLNK)
		return 0;
	struct vfs_acl *access = acl_clone(def);
	struct vfs_acl *dflt = acl_is_dir(ino) ? acl_clone(def) : NULL;
	if (!access || (acl_is_dir(ino) && !dflt)) {
		acl_free(access);
		acl_free(dflt);
		return -ENOMEM;
	}
	if (!acl_create_masq(access, &ino->mode)) {
		acl_free(access);
		access = NULL;
	}
	ino->acl[ACL_TYPE_ACCESS] = access;
	ino->acl[ACL_TYPE_DEFAULT] = dflt;
	return 0;
}

void vfs_acl_load(struct inode *ino, int type, const void *value, size_t size)
{
	struct vfs_acl *acl;
	if (!acl_supported(ino) || (type == ACL_TYPE_DEFAULT && !acl_is_dir(ino)) ||
	    acl_from_xattr(value, size, &acl) || !acl)
		return;
	if (acl_valid(acl)) {
		acl_free(acl);
		return;
	}
	acl_free(ino->acl[type]);
	ino->acl[type] = acl;
}
