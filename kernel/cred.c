/* Capability sets across the lives of processes (k/cap.h), as Linux's security/commoncap.c for
   a program without file capabilities. */
#include "k/kernel.h"
#include "k/cap.h"
#include "vfs/vfs.h"

void cap_init(struct proc *p)
{
	const struct unik_boot_info *bi = boot_info;
	if (bi->caps_set) {
		/* What the runtime applied, then the exec of the command moves them. */
		p->cap_bnd = bi->caps[UNIK_CAP_BND] & CAP_FULL;
		p->cap_prm = bi->caps[UNIK_CAP_PRM] & CAP_FULL;
		p->cap_eff = bi->caps[UNIK_CAP_EFF] & p->cap_prm;
		p->cap_inh = bi->caps[UNIK_CAP_INH] & CAP_FULL;
		p->cap_amb = bi->caps[UNIK_CAP_AMB] & p->cap_prm & p->cap_inh;
		cap_exec(p);
		return;
	}
	p->cap_bnd = CAP_FULL;
	p->cap_inh = p->cap_amb = 0;
	p->cap_prm = p->cap_eff = p->euid == 0 ? CAP_FULL : 0;
}

void cap_fix_setuid(struct proc *p, uint32_t old_r, uint32_t old_e, uint32_t old_s,
		    uint32_t old_fs, bool fs_only)
{
	if (p->securebits & SECBIT_NO_SETUID_FIXUP)
		return;
	if (!fs_only) {
		/* No root id left: the privileges go (kept with PR_SET_KEEPCAPS, but the ambient
		   set goes anyway, as programs from before it expect). */
		if ((old_r == 0 || old_e == 0 || old_s == 0) && p->uid && p->euid && p->suid) {
			if (!(p->securebits & SECBIT_KEEP_CAPS))
				p->cap_prm = p->cap_eff = 0;
			p->cap_amb = 0;
		}
		if (old_e == 0 && p->euid != 0)
			p->cap_eff = 0;
		if (old_e != 0 && p->euid == 0)
			p->cap_eff = p->cap_prm;
	}
	if (old_fs == 0 && p->fsuid != 0)
		p->cap_eff &= ~CAP_FS_MASK;
	if (old_fs != 0 && p->fsuid == 0)
		p->cap_eff |= p->cap_prm & CAP_FS_MASK;
}

#define VFS_CAP_REVISION_MASK 0xff000000u
#define VFS_CAP_REVISION_1 0x01000000u
#define VFS_CAP_REVISION_2 0x02000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u
#define XATTR_CAPS_SZ_1 12
#define XATTR_CAPS_SZ_2 20
#define XATTR_CAPS_SZ_3 24

/* The little-endian u32 at word i of v. */
static uint32_t caps_word(const uint8_t *v, int i)
{
	uint32_t w;
	memcpy(&w, v + 4 * i, 4);
	return w;
}

bool cap_xattr_valid(const void *value, size_t size)
{
	if (!value || size < 4)
		return false;
	uint32_t rev = caps_word(value, 0) & VFS_CAP_REVISION_MASK;
	return (rev == VFS_CAP_REVISION_2 && size == XATTR_CAPS_SZ_2) ||
	       (rev == VFS_CAP_REVISION_3 && size == XATTR_CAPS_SZ_3);
}

size_t cap_xattr_store_form(void *value, size_t size)
{
	uint8_t *v = value;
	uint32_t magic = caps_word(v, 0);
	if ((magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_3 || caps_word(v, 5) != 0)
		return size;
	magic = VFS_CAP_REVISION_2 | (magic & VFS_CAP_FLAGS_EFFECTIVE);
	memcpy(v, &magic, 4);
	return XATTR_CAPS_SZ_2;
}

int cap_from_file(struct inode *ino, struct file_caps *fc)
{
	memset(fc, 0, sizeof(*fc));
	if (!ino->ops || !ino->ops->getxattr)
		return 0;
	uint8_t v[XATTR_CAPS_SZ_3];
	int64_t n = ino->ops->getxattr(ino, "security.capability", v, sizeof(v));
	if (n == -ENODATA || n == -EOPNOTSUPP)
		return 0;
	if (n < 0)
		return (int)n;          /* -ERANGE: longer than any version */
	if (n < 4)
		return -EINVAL;
	uint32_t magic = caps_word(v, 0);
	int words;
	switch (magic & VFS_CAP_REVISION_MASK) {
	case VFS_CAP_REVISION_1:
		words = 1;
		if (n != XATTR_CAPS_SZ_1)
			return -EINVAL;
		break;
	case VFS_CAP_REVISION_2:
		words = 2;
		if (n != XATTR_CAPS_SZ_2)
			return -EINVAL;
		break;
	case VFS_CAP_REVISION_3:
		words = 2;
		if (n != XATTR_CAPS_SZ_3)
			return -EINVAL;
		if (caps_word(v, 5) != 0)
			return 0;       /* another user namespace's root: no capabilities here */
		break;
	default:
		return -EINVAL;
	}
	for (int i = 0; i < words; i++) {
		fc->prm |= (uint64_t)caps_word(v, 1 + 2 * i) << (32 * i);
		fc->inh |= (uint64_t)caps_word(v, 2 + 2 * i) << (32 * i);
	}
	fc->prm &= CAP_FULL;
	fc->inh &= CAP_FULL;
	fc->effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
	fc->present = true;
	return 0;
}

int cap_exec_sets(const struct proc *p, uint32_t euid, uint32_t egid, const struct file_caps *fc,
		  struct cap_sets *out)
{
	bool fcap = fc && fc->present, effective = false;
	uint64_t prm = 0;
	if (fcap) {
		/* pP' = (X & fP) | (pI & fI); the effective flag wants all of fP. */
		prm = (p->cap_bnd & fc->prm) | (p->cap_inh & fc->inh);
		effective = fc->effective;
		if (effective && (fc->prm & ~prm))
			return -EPERM;
	}
	/* Root (real or effective) gets the bounding set, as if the file had every capability,
	   and an effective root all of it; not with SECBIT_NOROOT, and a set-user-ID root file
	   with capabilities of its own gets only those. */
	if (!(p->securebits & SECBIT_NOROOT) && !(fcap && euid == 0 && p->uid != 0)) {
		if (euid == 0 || p->uid == 0)
			prm = p->cap_bnd | p->cap_inh;
		if (euid == 0)
			effective = true;
	}
	/* no_new_privs: nothing beyond what the process had. */
	if (p->no_new_privs)
		prm &= p->cap_prm;
	bool setid = euid != p->uid || egid != p->gid;
	uint64_t amb = fcap || setid ? 0 : p->cap_amb & p->cap_prm & p->cap_inh;
	out->prm = prm | amb;
	out->amb = amb;
	out->eff = effective ? out->prm : amb;
	out->secure = p->uid != 0 && (effective || (out->prm & ~amb));
	return 0;
}

void cap_exec(struct proc *p)
{
	struct cap_sets s;
	cap_exec_sets(p, p->euid, p->egid, NULL, &s);
	p->cap_prm = s.prm;
	p->cap_eff = s.eff;
	p->cap_amb = s.amb;
}
