/* What System V shared memory, semaphores and message queues share (Linux's ipc/util.c): one
   IPC namespace for the VM (a container's). Each kind keeps its objects in an ipc_table that
   hands out ids (seq * IPC_SEQ_MULTIPLIER + index, indexes taken cyclically as Linux's
   idr_alloc_cyclic, seq advancing when they wrap) and finds keys; an object begins with struct
   ipc_obj, its key, owner, creator and mode. The core runs one task at a time and these tables
   are touched only from system calls, so nothing here locks. */
#ifndef SYSCALLS_SYSV_IPC_H
#define SYSCALLS_SYSV_IPC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_SEQ_MULTIPLIER 32768
#define IPC_MNI_MAX 32768               /* Linux's IPCMNI: no table holds more */

struct ipc_obj {
	int32_t key;
	uint32_t uid, gid, cuid, cgid, mode;    /* mode: permission bits and the kind's flags */
	uint16_t seq;
};

#define IPC_CHUNK 512                   /* slots per page of a table */
struct ipc_table {
	struct ipc_obj **chunk[IPC_MNI_MAX / IPC_CHUNK];
	int mni;                        /* the kind's limit: SHMMNI, SEMMNI, MSGMNI */
	int used;
	int last_idx;                   /* the index taken last (-1: none yet) */
	uint16_t seq;
	bool started;
};

/* Linux's struct ipc64_perm on x86-64. */
struct ipc64_perm_k {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint16_t mode, pad1, seq, pad2;
	uint64_t unused1, unused2;
};

/* The object at index idx, or NULL. */
struct ipc_obj *ipc_at(const struct ipc_table *t, int idx);
int ipc_id(const struct ipc_obj *o, int idx);
/* The object with id id (its index in *idx), or NULL. */
struct ipc_obj *ipc_lookup(const struct ipc_table *t, int id, int *idx);
/* Enters o with key and flags' permission bits, owned and created by the caller: its id, or
   -ENOSPC with the table full, -ENOMEM. */
int ipc_add(struct ipc_table *t, struct ipc_obj *o, int32_t key, int flags);
/* Takes the object at idx out of the table (the caller frees it). */
void ipc_del(struct ipc_table *t, int idx);
/* IPC_INFO and the kinds' own _INFO: copies the kind's info structure to ubuf and answers the
   highest index in use (0 with none), or -EFAULT. */
int64_t ipc_info_reply(const struct ipc_table *t, uint64_t ubuf, const void *info, size_t size);
/* Linux's ipcget: IPC_PRIVATE always makes a new object; a key found gives EEXIST under
   IPC_CREAT|IPC_EXCL, EACCES without flags' permissions, then the kind's check (0 or -errno);
   a key not found is made under IPC_CREAT, else ENOENT. create gets (key, flags, arg) and
   returns an id or -errno. */
int64_t ipc_get(struct ipc_table *t, int32_t key, int flags, uint64_t arg,
		int64_t (*create)(int32_t key, int flags, uint64_t arg),
		int (*check)(const struct ipc_obj *o, uint64_t arg));
/* Linux's ipcperms: the owner's, group's or others' bits of the mode against what flag asks
   (its rwx bits in any of the three places); CAP_IPC_OWNER passes. */
bool ipc_allowed(const struct ipc_obj *o, int flag);
/* May the caller IPC_SET or IPC_RMID it: the owner, the creator, or CAP_SYS_ADMIN. */
bool ipc_owner(const struct ipc_obj *o);
void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_k *p);
/* IPC_SET's part every kind shares: the owner and the permission bits; -EINVAL (nothing set)
   for a uid or gid of -1, which names no one (Linux's ipc_update_perm). */
int ipc_perm_set(struct ipc_obj *o, const struct ipc64_perm_k *p);
/* Seconds of the wall clock, as the times the kinds record. */
int64_t ipc_now(void);
/* Memory for an object's parts of any size (a semaphore array, a message): zeroed, or NULL. */
void *ipc_alloc(size_t size);
void ipc_free(void *p, size_t size);
#endif
