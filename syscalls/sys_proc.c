/* Process identity, limits, thread-area setup and system information. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/cap.h"
#include "k/arch.h"
#include "k/uaccess.h"
#include "k/random.h"
#include "k/seccomp.h"
#include "k/loadavg.h"
#include "k/uts.h"
#include "k/pmm.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "build/gen/syscall_decls.h"

#define ARG_UNUSED uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5

int64_t sys_getpid(uint64_t a0, ARG_UNUSED) { return current->pid; }
int64_t sys_getppid(uint64_t a0, ARG_UNUSED) { return current->ppid; }
int64_t sys_getuid(uint64_t a0, ARG_UNUSED) { return current->uid; }
int64_t sys_geteuid(uint64_t a0, ARG_UNUSED) { return current->euid; }
int64_t sys_getgid(uint64_t a0, ARG_UNUSED) { return current->gid; }
int64_t sys_getegid(uint64_t a0, ARG_UNUSED) { return current->egid; }

static int64_t ids_put3(uint64_t a, uint64_t b, uint64_t c, uint32_t x, uint32_t y, uint32_t z)
{
	if (copy_to_user(a, &x, 4) || copy_to_user(b, &y, 4) || copy_to_user(c, &z, 4))
		return -EFAULT;
	return 0;
}

int64_t sys_getresuid(uint64_t r, uint64_t e, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return ids_put3(r, e, s, current->uid, current->euid, current->suid);
}

int64_t sys_getresgid(uint64_t r, uint64_t e, uint64_t s, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return ids_put3(r, e, s, current->gid, current->egid, current->sgid);
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

int64_t sys_arch_prctl(uint64_t code, uint64_t addr, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	uint64_t v;
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS)
			arch_set_fs_base(addr);
		else
			arch_set_gs_base(addr);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		v = code == ARCH_GET_FS ? arch_get_fs_base() : arch_get_gs_base();
		return copy_to_user(addr, &v, sizeof(v)) ? -EFAULT : 0;
	case ARCH_GET_CPUID:
		return 1;
	case ARCH_SET_CPUID:
		return -ENODEV;         /* no CPUID faulting, as on hardware without it */
	default:
		return -EINVAL;
	}
}

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_GET_TSC 25
#define PR_SET_TSC 26
#define PR_TSC_ENABLE 1
#define PR_GET_SECUREBITS 27
#define PR_MCE_KILL 33
#define PR_MCE_KILL_GET 34
#define PR_GET_TID_ADDRESS 40
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42
#define PR_CAP_AMBIENT 47
#define PR_SET_TIMERSLACK 29
#define PR_GET_TIMERSLACK 30
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_CAPBSET_DROP 24
#define PR_SET_SECUREBITS 28
#define PR_SET_NAME 15
#define PR_GET_NAME 16

static int64_t prctl_put_int(uint64_t uaddr, int v)
{
	return copy_to_user(uaddr, &v, sizeof(v)) ? -EFAULT : 0;
}

#define PR_MCE_KILL_CLEAR 0
#define PR_MCE_KILL_SET 1
#define PR_MCE_KILL_DEFAULT 2

/* The machine-check kill policy: only kept and reported (no machine checks reach a program).
   a1..a4 are prctl's arg2..arg5. */
static int64_t prctl_mce_kill(uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	if (op == PR_MCE_KILL_GET) {
		if (a1 || a2 || a3 || a4)
			return -EINVAL;
		return current->mce_kill ? current->mce_kill - 1 : PR_MCE_KILL_DEFAULT;
	}
	if (a3 || a4)
		return -EINVAL;
	if (a1 == PR_MCE_KILL_CLEAR) {
		if (a2)
			return -EINVAL;
		current->mce_kill = 0;
		return 0;
	}
	if (a1 != PR_MCE_KILL_SET || a2 > PR_MCE_KILL_DEFAULT)
		return -EINVAL;
	current->mce_kill = a2 == PR_MCE_KILL_DEFAULT ? 0 : (uint8_t)(a2 + 1);
	return 0;
}

#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4

/* Ambient capabilities (a1..a4: prctl's arg2..arg5): raising one needs it both permitted and
   inheritable (EPERM otherwise), as Linux. */
static int64_t prctl_cap_ambient(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct proc *p = current;
	if (a1 == PR_CAP_AMBIENT_CLEAR_ALL) {
		if (a2 || a3 || a4)
			return -EINVAL;
		p->cap_amb = 0;
		return 0;
	}
	if (a3 || a4 || a2 > CAP_LAST_CAP)
		return -EINVAL;
	uint64_t bit = 1ull << a2;
	switch (a1) {
	case PR_CAP_AMBIENT_IS_SET:
		return (p->cap_amb & bit) != 0;
	case PR_CAP_AMBIENT_LOWER:
		p->cap_amb &= ~bit;
		return 0;
	case PR_CAP_AMBIENT_RAISE:
		if (!(p->cap_prm & bit) || !(p->cap_inh & bit) ||
		    (p->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
			return -EPERM;
		p->cap_amb |= bit;
		return 0;
	}
	return -EINVAL;
}

/* Linux's rules: a locked bit cannot change, a lock cannot be undone, only known bits, and
   any change needs CAP_SETPCAP. */
static int64_t prctl_set_securebits(uint64_t bits)
{
	uint64_t old = current->securebits;
	if ((((old & SECBIT_ALL_LOCKS) >> 1) & (old ^ bits)) || (old & SECBIT_ALL_LOCKS & ~bits) ||
	    (bits & ~(uint64_t)(SECBIT_ALL_LOCKS | SECBIT_ALL_BITS)) || !capable(CAP_SETPCAP))
		return -EPERM;
	current->securebits = (uint32_t)bits;
	return 0;
}

int64_t sys_prctl(uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	char name[16];
	switch (op) {
	case PR_SET_NAME: {
		int64_t n = strncpy_from_user(name, a1, sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		if (n < 0)
			name[15] = 0;   /* Linux truncates to 15 bytes */
		memcpy(current->comm, name, sizeof(name));
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_user(a1, current->comm, sizeof(current->comm)) ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		if (a1 > 64)
			return -EINVAL;
		current->pdeathsig = (int)a1;
		return 0;
	case PR_GET_PDEATHSIG:
		return prctl_put_int(a1, current->pdeathsig);
	case PR_SET_CHILD_SUBREAPER:
		current->subreaper = a1 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return prctl_put_int(a1, current->subreaper);
	case PR_GET_DUMPABLE:
		return !current->not_dumpable;
	case PR_SET_DUMPABLE:
		if (a1 > 1)
			return -EINVAL;
		current->not_dumpable = !a1;
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (a1 != 1 || a2 || a3 || a4)
			return -EINVAL;
		current->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a1 || a2 || a3 || a4)
			return -EINVAL;
		return current->no_new_privs;
	case PR_CAPBSET_READ:
		return a1 <= CAP_LAST_CAP ? (int64_t)((current->cap_bnd >> a1) & 1) : -EINVAL;
	case PR_CAPBSET_DROP:
		if (!capable(CAP_SETPCAP))
			return -EPERM;
		if (a1 > CAP_LAST_CAP)
			return -EINVAL;
		current->cap_bnd &= ~(1ull << a1);
		return 0;
	case PR_GET_KEEPCAPS:
		return (current->securebits & SECBIT_KEEP_CAPS) != 0;
	case PR_SET_KEEPCAPS:
		if (a1 > 1)
			return -EINVAL;
		if (current->securebits & (SECBIT_KEEP_CAPS << 1))
			return -EPERM;
		current->securebits = a1 ? current->securebits | SECBIT_KEEP_CAPS
					 : current->securebits & ~(uint32_t)SECBIT_KEEP_CAPS;
		return 0;
	case PR_GET_SECUREBITS:
		return current->securebits;
	case PR_SET_SECUREBITS:
		return prctl_set_securebits(a1);
	case PR_GET_SECCOMP:
		return current_task->seccomp_mode;
	case PR_SET_SECCOMP:
		return seccomp_prctl_set(a1, a2);
	case PR_GET_TSC:
		return prctl_put_int(a1, PR_TSC_ENABLE);
	case PR_SET_TSC:
		return a1 == PR_TSC_ENABLE ? 0 : -EINVAL;  /* rdtsc cannot be made to fault here */
	case PR_MCE_KILL:
	case PR_MCE_KILL_GET:
		return prctl_mce_kill(op, a1, a2, a3, a4);
	case PR_GET_TID_ADDRESS:
		return copy_to_user(a1, &current_task->clear_child_tid, sizeof(uint64_t)) ? -EFAULT : 0;
	case PR_SET_THP_DISABLE:
		if (a2 || a3 || a4)
			return -EINVAL;
		current->thp_disable = a1 != 0;
		return 0;
	case PR_GET_THP_DISABLE:
		if (a1 || a2 || a3 || a4)
			return -EINVAL;
		return current->thp_disable;
	case PR_CAP_AMBIENT:
		return prctl_cap_ambient(a1, a2, a3, a4);
	case PR_GET_TIMERSLACK:
		return (int64_t)(current->timerslack ? current->timerslack : 50000);
	case PR_SET_TIMERSLACK:
		current->timerslack = a1;
		return 0;
	default:
		return -EINVAL;         /* as Linux for options it does not have */
	}
}

struct utsname_k {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

struct sysinfo_k {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
};
_Static_assert(sizeof(struct sysinfo_k) == 112, "struct sysinfo");

/* Linux's do_sysinfo on a 64-bit kernel: sizes in bytes (mem_unit 1), the uptime in seconds
   rounded up, the load averages with 16 fraction bits, procs the tasks of every process (a
   zombie's until it is reaped). The memory figures are /proc/meminfo's. */
int64_t sys_sysinfo(uint64_t uinfo, ARG_UNUSED)
{
	struct sysinfo_k si;
	memset(&si, 0, sizeof(si));
	uint64_t ns = time_monotonic_ns();
	si.uptime = (int64_t)(ns / 1000000000) + (ns % 1000000000 ? 1 : 0);
	uint64_t avg[3];
	loadavg_get(avg);
	for (int i = 0; i < 3; i++)
		si.loads[i] = avg[i] << (16 - LOADAVG_FSHIFT);
	si.totalram = boot_info->mem_size;
	si.freeram = pmm_free_pages() * PAGE_SIZE;
	unsigned procs = 0;
	SCHED_FOR_EACH(t)
		procs++;
	for (struct proc *q = proc_list; q; q = q->next)
		procs += q->state == PROC_ZOMBIE;
	si.procs = (uint16_t)MIN(procs, 0xffffu);
	si.mem_unit = 1;
	return copy_to_user(uinfo, &si, sizeof(si)) ? -EFAULT : 0;
}

static char uts_node[UTS_LEN + 1], uts_domain[UTS_LEN + 1] = "(none)";
static bool uts_node_set;

const char *uts_nodename(void)
{
	if (!uts_node_set) {
		size_t n = strnlen(boot_info->hostname, MIN(sizeof(boot_info->hostname),
							    (size_t)UTS_LEN));
		memcpy(uts_node, boot_info->hostname, n);
		uts_node[n] = 0;
		uts_node_set = true;
	}
	return uts_node;
}

const char *uts_domainname(void)
{
	return uts_domain;
}

/* sethostname and setdomainname: CAP_SYS_ADMIN (docker gives it only with --privileged), at
   most 64 bytes; the guest's names only. */
static int64_t uts_set(char *name, uint64_t uname_, uint64_t len)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (len > UTS_LEN)
		return -EINVAL;
	char tmp[UTS_LEN];
	if (copy_from_user(tmp, uname_, len))
		return -EFAULT;
	uts_nodename();                 /* taken from the boot info first */
	memcpy(name, tmp, len);
	memset(name + len, 0, UTS_LEN + 1 - len);
	return 0;
}

int64_t sys_sethostname(uint64_t uname_, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5)
{
	return uts_set(uts_node, uname_, len);
}

int64_t sys_setdomainname(uint64_t uname_, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4,
			  uint64_t a5)
{
	return uts_set(uts_domain, uname_, len);
}

int64_t sys_uname(uint64_t ubuf, ARG_UNUSED)
{
	struct utsname_k u;
	memset(&u, 0, sizeof(u));
	memcpy(u.sysname, "Linux", 6);
	memcpy(u.nodename, uts_nodename(), strlen(uts_nodename()));
	memcpy(u.release, "6.1.0-unik", 11);
	memcpy(u.version, "#1 SMP unik", 12);
	memcpy(u.machine, "x86_64", 7);
	memcpy(u.domainname, uts_domainname(), strlen(uts_domainname()));
	return copy_to_user(ubuf, &u, sizeof(u)) ? -EFAULT : 0;
}

static int64_t rlimit_do(uint64_t res, uint64_t unew, uint64_t uold)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit64 nl;
	if (unew) {
		if (copy_from_user(&nl, unew, sizeof(nl)))
			return -EFAULT;
		if (nl.cur > nl.max)
			return -EINVAL;
		if (nl.max > current->rlim[res].max && !capable(CAP_SYS_RESOURCE))
			return -EPERM;
		if (res == 7 && nl.max > FD_NR_OPEN)    /* RLIMIT_NOFILE above fs.nr_open */
			return -EPERM;
	}
	if (uold && copy_to_user(uold, &current->rlim[res], sizeof(struct rlimit64)))
		return -EFAULT;
	if (unew)
		current->rlim[res] = nl;
	return 0;
}

int64_t sys_prlimit64(uint64_t pid, uint64_t res, uint64_t unew, uint64_t uold, uint64_t a4,
		      uint64_t a5)
{
	if (pid && (int)pid != current->pid)
		return -ESRCH;
	return rlimit_do(res, unew, uold);
}

int64_t sys_getrlimit(uint64_t res, uint64_t uold, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	return rlimit_do(res, 0, uold);
}

int64_t sys_setrlimit(uint64_t res, uint64_t unew, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	if (!unew)
		return -EFAULT;
	return rlimit_do(res, unew, 0);
}

int64_t sys_umask(uint64_t mask, ARG_UNUSED)
{
	uint32_t old = current_task->fs->umask;
	current_task->fs->umask = (uint32_t)mask & 0777;
	return old;
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

int64_t sys_getrandom(uint64_t ubuf, uint64_t len, uint64_t flags, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	uint8_t tmp[256];
	if (flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	len = MIN(len, 0x7ffff000ull);
	uint64_t done = 0;
	while (done < len) {
		size_t n = (size_t)MIN(len - done, sizeof(tmp));
		random_bytes(tmp, n);
		if (copy_to_user(ubuf + done, tmp, n))
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}
