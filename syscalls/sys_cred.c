/* Credentials: set*uid/set*gid families, supplementary groups, fsuid/fsgid — Linux's rules:
   root (euid 0) may set anything; others only switch among their real, effective and saved ids. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "build/gen/syscall_decls.h"

#define NGROUPS_MAX 65536
#define KEEP ((uint32_t)-1)

static bool cred_priv(void)
{
	return current->euid == 0;
}

/* May an unprivileged process take id, given its three current ids? */
static bool cred_mine(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id == KEEP || id == r || id == e || id == s;
}

static int64_t cred_setres(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr,
			   uint32_t ne, uint32_t ns)
{
	if (!cred_priv() && (!cred_mine(nr, *r, *e, *s) || !cred_mine(ne, *r, *e, *s) ||
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

int64_t sys_setresuid(uint64_t r, uint64_t e, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return cred_setres(&p->uid, &p->euid, &p->suid, &p->fsuid, (uint32_t)r, (uint32_t)e,
			   (uint32_t)s);
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
	if (!cred_priv() && ((nr != KEEP && nr != *r && nr != *e) ||
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
	return cred_setre(&p->uid, &p->euid, &p->suid, &p->fsuid, (uint32_t)r, (uint32_t)e);
}

int64_t sys_setregid(uint64_t r, uint64_t e, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	return cred_setre(&p->gid, &p->egid, &p->sgid, &p->fsgid, (uint32_t)r, (uint32_t)e);
}

int64_t sys_setuid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	uint32_t u = (uint32_t)id;
	if (u == KEEP)
		return -EINVAL;
	if (cred_priv())
		p->uid = p->suid = u;
	else if (u != p->uid && u != p->suid)
		return -EPERM;
	p->euid = p->fsuid = u;
	return 0;
}

int64_t sys_setgid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	uint32_t g = (uint32_t)id;
	if (g == KEEP)
		return -EINVAL;
	if (cred_priv())
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
	if (cred_priv() || u == p->uid || u == p->euid || u == p->suid || u == p->fsuid)
		p->fsuid = u;
	return old;
}

int64_t sys_setfsgid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct proc *p = current;
	uint32_t old = p->fsgid, g = (uint32_t)id;
	if (cred_priv() || g == p->gid || g == p->egid || g == p->sgid || g == p->fsgid)
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
	if (!cred_priv())
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
