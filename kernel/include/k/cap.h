/* Capabilities, as Linux keeps them per process (kernel/cred.c): what a privileged operation
   asks is capable(CAP_...), never "is it root". The first process starts from the sets the
   monitor hands over (unik run: docker's default set for root; the OCI runtime: config.json's),
   moved as an exec would: root has the bounding set, another user none. setuid-family calls
   and execve move the sets as Linux's commoncap does; capset, the bounding set and the ambient
   set (prctl) change them as a program asks. */
#ifndef K_CAP_H
#define K_CAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "k/proc.h"
#include "k/signal.h"
#include "kernel/lib/errno.h"

#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_FSETID 4
#define CAP_KILL 5
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_LINUX_IMMUTABLE 9
#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_BROADCAST 11
#define CAP_NET_ADMIN 12
#define CAP_NET_RAW 13
#define CAP_IPC_LOCK 14
#define CAP_IPC_OWNER 15
#define CAP_SYS_CHROOT 18
#define CAP_SYS_PTRACE 19
#define CAP_SYS_ADMIN 21
#define CAP_SYS_NICE 23
#define CAP_SYS_RESOURCE 24
#define CAP_MKNOD 27
#define CAP_SETFCAP 31
#define CAP_MAC_OVERRIDE 32
#define CAP_LAST_CAP 40
#define CAP_FULL ((1ull << (CAP_LAST_CAP + 1)) - 1)
/* What follows the filesystem uid (Linux's CAP_FS_MASK): dropped from the effective set when
   fsuid leaves 0, given back from the permitted set when it returns. */
#define CAP_FS_MASK ((1ull << CAP_CHOWN) | (1ull << CAP_MKNOD) | (1ull << CAP_DAC_OVERRIDE) | \
		     (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_FOWNER) | \
		     (1ull << CAP_FSETID) | (1ull << CAP_LINUX_IMMUTABLE) | \
		     (1ull << CAP_MAC_OVERRIDE))

/* Securebits (PR_SET_SECUREBITS): each with a lock bit above it that freezes it. */
#define SECBIT_NOROOT 0x01              /* root gets no capabilities at execve */
#define SECBIT_NO_SETUID_FIXUP 0x04     /* set*uid calls leave the sets alone */
#define SECBIT_KEEP_CAPS 0x10           /* PR_SET_KEEPCAPS */
#define SECBIT_NO_CAP_AMBIENT_RAISE 0x40
#define SECBIT_ALL_BITS 0x55
#define SECBIT_ALL_LOCKS 0xaa

static inline bool capable(int cap)
{
	return (current->cap_eff >> cap) & 1;
}

/* Whether the caller's filesystem group or one of its supplementary groups is gid. */
static inline bool in_group_p(uint32_t gid)
{
	const struct proc *p = current;
	if (p->fsgid == gid)
		return true;
	for (uint32_t i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

/* Linux's check_kill_permission for a signal a process sends: to itself, with CAP_KILL, when a
   real or effective uid of the sender is the target's real or saved uid, or SIGCONT within its
   session. 0 or -EPERM. */
static inline int kill_permitted(const struct proc *t, int sig)
{
	const struct proc *p = current;
	if (t == p || capable(CAP_KILL))
		return 0;
	if (p->euid == t->suid || p->euid == t->uid || p->uid == t->suid || p->uid == t->uid)
		return 0;
	return sig == SIGCONT && t->sid == p->sid ? 0 : -EPERM;
}

/* The first process's sets, for its user. */
void cap_init(struct proc *p);
/* After a set*uid call changed p's ids from old_r/old_e/old_s/old_fs (Linux's
   cap_task_fix_setuid; fs_only: setfsuid). */
void cap_fix_setuid(struct proc *p, uint32_t old_r, uint32_t old_e, uint32_t old_s,
		    uint32_t old_fs, bool fs_only);
/* What an executable's security.capability xattr gives (Linux's cpu_vfs_cap_data). */
struct file_caps {
	bool present;                   /* the file has capabilities (for this namespace's root) */
	bool effective;                 /* VFS_CAP_FLAGS_EFFECTIVE: permitted become effective */
	uint64_t prm, inh;
};
/* Reads ino's security.capability: 0 (fc->present false without one, or with a version-3 one
   for another namespace's root), or -errno for one that is malformed (-EINVAL) or too big. */
struct inode;
int cap_from_file(struct inode *ino, struct file_caps *fc);

/* The sets an execve gives (Linux's cap_bprm_creds_from_file): from p's sets, the new
   effective ids and the file's capabilities (fc, or NULL for none). */
struct cap_sets {
	uint64_t eff, prm, amb;
	bool secure;                    /* the capabilities make it a secure exec (AT_SECURE) */
};
/* -EPERM when the file's effective flag asks for permitted capabilities the bounding set
   withholds (the program would run without what it needs), else 0 with *out filled. */
int cap_exec_sets(const struct proc *p, uint32_t euid, uint32_t egid, const struct file_caps *fc,
		  struct cap_sets *out);
/* The same for the first process's sets at boot, without file capabilities. */
void cap_exec(struct proc *p);
/* A security.capability value a program may set: a version 2 or 3 header of its size. */
bool cap_xattr_valid(const void *value, size_t size);
/* The form a valid one is kept in: version 3 for this namespace's root (root id 0) is kept as
   version 2, as Linux reads it back. Rewrites value in place; returns the size to store. */
size_t cap_xattr_store_form(void *value, size_t size);
#endif
