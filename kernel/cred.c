/* Capability sets across the lives of processes (k/cap.h), as Linux's security/commoncap.c for
   a program without file capabilities. */
#include "k/kernel.h"
#include "k/cap.h"

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

void cap_exec(struct proc *p)
{
	/* Root (real or effective) gets the bounding set, as if the file had every capability;
	   the effective set only when the effective uid is 0. Others keep their ambient ones. */
	uint64_t prm = 0;
	bool root = (p->euid == 0 || p->uid == 0) && !(p->securebits & SECBIT_NOROOT);
	if (root)
		prm = p->cap_bnd | p->cap_inh;
	p->cap_amb &= p->cap_prm & p->cap_inh;
	p->cap_prm = prm | p->cap_amb;
	p->cap_eff = p->euid == 0 && root ? p->cap_prm : p->cap_amb;
}
