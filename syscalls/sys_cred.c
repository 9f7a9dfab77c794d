/* Credentials: set*uid/set*gid families, supplementary groups, fsuid/fsgid — Linux's rules:
   with CAP_SETUID (uids) or CAP_SETGID (gids, groups) a process may set anything; others only
   switch among their real, effective and saved ids. A uid change moves the capability sets
   (kernel/cred.c). capget and capset read and change those sets. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/cap.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define NGROUPS_MAX 65536
#define KEEP ((uint32_t)-1)

/* The capability the calls on these ids need: uids or gids. */
static bool cred_priv_for(const uint32_t *id)
{
	const struct proc *p = current;
	bool uid = id == &p->uid || id == &p->euid || id == &p->suid || id == &p->fsuid;
	return capable(uid ? CAP_SETUID : CAP_SETGID);
}

/* May an unprivileged process take id, given its three current ids? */
static bool cred_mine(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id == KEEP || id == r || id == e || id == s;
}

static int64_t cred_setres(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr,
			   uint32_t ne, uint32_t ns)
{
	if (!cred_priv_for(r) && (!cred_mine(nr, *r, *e, *s) || !cred_mine(ne, *r, *e, *s) ||
			     !cred_mine(ns, *r, *e, *s)))
		return -EPERM;
	if (nr != KEEP)
		*r = nr;
	if (ne != KEEP)
		*e = ne;
	if (ns != KEEP)
		*s = ns;
	*fs = *e;
	return 0;
}

/* Runs a change of p's uids, then moves the capability sets as Linux does. */
#define UID_CHANGE(p, call)                                                              \
	({                                                                               \
		uint32_t or_ = (p)->uid, oe_ = (p)->euid, os_ = (p)->suid, ofs_ = (p)->fsuid; \
		int64_t r_ = (call);                                                     \
		if (r_ >= 0)                                                             \
			cap_fix_setuid((p), or_, oe_, os_, ofs_, false);                 \
		r_;                                                                      \
	})

int64_t sys_setresuid(uint64_t r, uint64_t e, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return UID_CHANGE(p, cred_setres(&p->uid, &p->euid, &p->suid, &p->fsuid, (uint32_t)r,
					 (uint32_t)e, (uint32_t)s));
}

int64_t sys_setresgid(uint64_t r, uint64_t e, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return cred_setres(&p->gid, &p->egid, &p->sgid, &p->fsgid, (uint32_t)r, (uint32_t)e,
			   (uint32_t)s);
}

/* setreuid: the saved id follows the effective one when the real id is set or the effective one
   becomes different from the old real id. */
static int64_t cred_setre(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr,
			  uint32_t ne)
{
	uint32_t old_r = *r;
	if (!cred_priv_for(r) && ((nr != KEEP && nr != *r && nr != *e) ||
			     (ne != KEEP && ne != *r && ne != *e && ne != *s)))
		return -EPERM;
	if (nr != KEEP)
		*r = nr;
	if (ne != KEEP)
		*e = ne;
	if (nr != KEEP || (ne != KEEP && ne != old_r))
		*s = *e;
	*fs = *e;
	return 0;
}

int64_t sys_setreuid(uint64_t r, uint64_t e, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return UID_CHANGE(p, cred_setre(&p->uid, &p->euid, &p->suid, &p->fsuid, (uint32_t)r,
					(uint32_t)e));
}

int64_t sys_setregid(uint64_t r, uint64_t e, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return cred_setre(&p->gid, &p->egid, &p->sgid, &p->fsgid, (uint32_t)r, (uint32_t)e);
}

static int64_t cred_setuid(struct proc *p, uint32_t u)
{
	if (u == KEEP)
		return -EINVAL;
	if (capable(CAP_SETUID))
		p->uid = p->suid = u;
	else if (u != p->uid && u != p->suid)
		return -EPERM;
	p->euid = p->fsuid = u;
	return 0;
}

int64_t sys_setuid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return UID_CHANGE(p, cred_setuid(p, (uint32_t)id));
}

int64_t sys_setgid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	uint32_t g = (uint32_t)id;
	if (g == KEEP)
		return -EINVAL;
	if (capable(CAP_SETGID))
		p->gid = p->sgid = g;
	else if (g != p->gid && g != p->sgid)
		return -EPERM;
	p->egid = p->fsgid = g;
	return 0;
}

/* setfsuid/setfsgid return the old value whether or not the change was allowed. */
int64_t sys_setfsuid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	uint32_t old = p->fsuid, u = (uint32_t)id;
	if (capable(CAP_SETUID) || u == p->uid || u == p->euid || u == p->suid || u == p->fsuid) {
		p->fsuid = u;
		cap_fix_setuid(p, p->uid, p->euid, p->suid, old, true);
	}
	return old;
}

int64_t sys_setfsgid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	uint32_t old = p->fsgid, g = (uint32_t)id;
	if (capable(CAP_SETGID) || g == p->gid || g == p->egid || g == p->sgid || g == p->fsgid)
		p->fsgid = g;
	return old;
}

int64_t sys_getgroups(uint64_t size, uint64_t ulist, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	int n = (int)current->ngroups;
	if ((int)size < 0)
		return -EINVAL;
	if (size == 0)
		return n;
	if ((int)size < n)
		return -EINVAL;
	return copy_to_user(ulist, current->groups, (size_t)n * 4) ? -EFAULT : n;
}

int64_t sys_setgroups(uint64_t size, uint64_t ulist, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	if (!capable(CAP_SETGID))
		return -EPERM;
	if ((int)size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	if (size > ARRAY_SIZE(current->groups))
		return -ENOMEM;         /* more than this kernel keeps */
	uint32_t g[ARRAY_SIZE(current->groups)];
	if (size && copy_from_user(g, ulist, size * 4))
		return -EFAULT;
	/* Linux keeps them sorted (groups_sort) */
	for (uint64_t i = 1; i < size; i++)
		for (uint64_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	memcpy(current->groups, g, size * 4);
	current->ngroups = (uint32_t)size;
	return 0;
}

/* ---- capget, capset ---- */

#define CAP_V1 0x19980330u
#define CAP_V2 0x20071026u
#define CAP_V3 0x20080522u

struct cap_header_k {
	uint32_t version;
	int32_t pid;
};
struct cap_data_k {
	uint32_t effective, permitted, inheritable;
};

/* The header's version: how many data structs it takes (1 or 2), or -EINVAL after writing the
   version this kernel prefers into the header, as Linux's cap_validate_magic. */
static int cap_version(uint64_t uhdr, struct cap_header_k *h)
{
	if (copy_from_user(h, uhdr, sizeof(*h)))
		return -EFAULT;
	if (h->version == CAP_V1)
		return 1;
	if (h->version == CAP_V2 || h->version == CAP_V3)
		return 2;
	uint32_t v = CAP_V3;
	return copy_to_user(uhdr, &v, sizeof(v)) ? -EFAULT : -EINVAL;
}

int64_t sys_capget(uint64_t uhdr, uint64_t udata, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	struct cap_header_k h;
	int n = cap_version(uhdr, &h);
	if (!udata)
		return n == -EINVAL ? 0 : n < 0 ? n : 0;        /* a probe of the version */
	if (n < 0)
		return n;
	if (h.pid < 0)
		return -EINVAL;
	const struct proc *p = current;
	if (h.pid && h.pid != current->pid) {
		struct task *t = sched_find(h.pid);
		if (!t)
			return -ESRCH;
		p = t->proc;
	}
	struct cap_data_k d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(p->cap_eff >> (32 * i));
		d[i].permitted = (uint32_t)(p->cap_prm >> (32 * i));
		d[i].inheritable = (uint32_t)(p->cap_inh >> (32 * i));
	}
	return copy_to_user(udata, d, (size_t)n * sizeof(d[0])) ? -EFAULT : 0;
}

/* Only the caller's own sets, and only within Linux's rules: the permitted set never grows, the
   effective set stays within it, the inheritable set within inheritable + permitted (unless
   CAP_SETPCAP) and within the bounding set. The ambient set keeps what both still hold. */
int64_t sys_capset(uint64_t uhdr, uint64_t udata, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	struct cap_header_k h;
	int n = cap_version(uhdr, &h);
	if (n < 0)
		return n;
	struct proc *p = current;
	if (h.pid && h.pid != p->pid)
		return -EPERM;
	struct cap_data_k d[2] = { 0 };
	if (copy_from_user(d, udata, (size_t)n * sizeof(d[0])))
		return -EFAULT;
	uint64_t eff = (d[0].effective | (uint64_t)d[1].effective << 32) & CAP_FULL;
	uint64_t prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAP_FULL;
	uint64_t inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAP_FULL;
	if ((inh & ~(p->cap_inh | p->cap_prm)) && !capable(CAP_SETPCAP))
		return -EPERM;
	if (inh & ~(p->cap_inh | p->cap_bnd))
		return -EPERM;
	if (prm & ~p->cap_prm)
		return -EPERM;
	if (eff & ~prm)
		return -EPERM;
	p->cap_eff = eff;
	p->cap_prm = prm;
	p->cap_inh = inh;
	p->cap_amb &= prm & inh;
	return 0;
}
