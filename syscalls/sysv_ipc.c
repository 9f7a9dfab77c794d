/* The parts of System V IPC every kind shares: tables of objects, ids, keys and permissions
   (syscalls/sysv_ipc.h). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "syscalls/sysv_ipc.h"

#define IPC_SEQ_MAX (0x7fffffff / IPC_SEQ_MULTIPLIER)

struct ipc_obj *ipc_at(const struct ipc_table *t, int idx)
{
	if (idx < 0 || idx >= t->mni || !t->chunk[idx / IPC_CHUNK])
		return NULL;
	return t->chunk[idx / IPC_CHUNK][idx % IPC_CHUNK];
}

int ipc_id(const struct ipc_obj *o, int idx)
{
	return o->seq * IPC_SEQ_MULTIPLIER + idx;
}

struct ipc_obj *ipc_lookup(const struct ipc_table *t, int id, int *idx)
{
	if (id < 0)
		return NULL;
	struct ipc_obj *o = ipc_at(t, id % IPC_SEQ_MULTIPLIER);
	if (!o || o->seq != id / IPC_SEQ_MULTIPLIER)
		return NULL;
	*idx = id % IPC_SEQ_MULTIPLIER;
	return o;
}

static struct ipc_obj **ipc_slot(struct ipc_table *t, int idx)
{
	struct ipc_obj ***c = &t->chunk[idx / IPC_CHUNK];
	if (!*c && !(*c = kmalloc(IPC_CHUNK * sizeof(**c))))
		return NULL;
	return &(*c)[idx % IPC_CHUNK];
}

int ipc_add(struct ipc_table *t, struct ipc_obj *o, int32_t key, int flags)
{
	if (t->used >= t->mni)
		return -ENOSPC;
	if (!t->started) {
		t->last_idx = -1;
		t->started = true;
	}
	/* The next free index after the last one taken, wrapping to 0 (and then a new seq). */
	int idx = t->last_idx + 1;
	while (ipc_at(t, idx % t->mni))
		idx++;
	if (idx >= t->mni) {
		idx %= t->mni;
		t->seq = (uint16_t)((t->seq + 1) % IPC_SEQ_MAX);
	}
	struct ipc_obj **slot = ipc_slot(t, idx);
	if (!slot)
		return -ENOMEM;
	o->key = key;
	o->uid = o->cuid = current->euid;
	o->gid = o->cgid = current->egid;
	o->mode = (uint32_t)flags & 0777;
	o->seq = t->seq;
	*slot = o;
	t->last_idx = idx;
	t->used++;
	return ipc_id(o, idx);
}

void ipc_del(struct ipc_table *t, int idx)
{
	*ipc_slot(t, idx) = NULL;       /* its chunk exists: the object was in it */
	t->used--;
}

static int ipc_highest(const struct ipc_table *t)
{
	int hi = -1;
	for (int i = 0; i < t->mni && t->used; i += IPC_CHUNK) {
		if (!t->chunk[i / IPC_CHUNK])
			continue;
		for (int j = 0; j < IPC_CHUNK && i + j < t->mni; j++)
			if (t->chunk[i / IPC_CHUNK][j])
				hi = i + j;
	}
	return hi;
}

int64_t ipc_info_reply(const struct ipc_table *t, uint64_t ubuf, const void *info, size_t size)
{
	if (copy_to_user(ubuf, info, size))
		return -EFAULT;
	int hi = ipc_highest(t);
	return hi < 0 ? 0 : hi;
}

int64_t ipc_get(struct ipc_table *t, int32_t key, int flags, uint64_t arg,
		int64_t (*create)(int32_t key, int flags, uint64_t arg),
		int (*check)(const struct ipc_obj *o, uint64_t arg))
{
	if (key == IPC_PRIVATE)
		return create(key, flags, arg);
	for (int i = 0; t->used && i < t->mni; i++) {
		const struct ipc_obj *o = ipc_at(t, i);
		if (!o) {
			if (!t->chunk[i / IPC_CHUNK])
				i += IPC_CHUNK - 1 - i % IPC_CHUNK;
			continue;
		}
		if (o->key != key)
			continue;
		if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
			return -EEXIST;
		if (!ipc_allowed(o, flags))
			return -EACCES;
		int err = check ? check(o, arg) : 0;
		return err ? err : ipc_id(o, i);
	}
	return (flags & IPC_CREAT) ? create(key, flags, arg) : -ENOENT;
}

bool ipc_allowed(const struct ipc_obj *o, int flag)
{
	uint32_t want = (uint32_t)((flag >> 6) | (flag >> 3) | flag) & 7, granted = o->mode;
	if (current->euid == o->cuid || current->euid == o->uid)
		granted >>= 6;
	else if (in_group_p(o->cgid) || in_group_p(o->gid))
		granted >>= 3;
	return !(want & ~granted) || capable(CAP_IPC_OWNER);
}

bool ipc_owner(const struct ipc_obj *o)
{
	return current->euid == o->uid || current->euid == o->cuid || capable(CAP_SYS_ADMIN);
}

void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_k *p)
{
	*p = (struct ipc64_perm_k){ .key = o->key, .uid = o->uid, .gid = o->gid, .cuid = o->cuid,
				    .cgid = o->cgid, .mode = (uint16_t)o->mode, .seq = o->seq };
}

int ipc_perm_set(struct ipc_obj *o, const struct ipc64_perm_k *p)
{
	if (p->uid == UINT32_MAX || p->gid == UINT32_MAX)
		return -EINVAL;
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = (o->mode & ~0777u) | (p->mode & 0777u);
	return 0;
}

int64_t ipc_now(void)
{
	return time_realtime_ns() / 1000000000;
}

void *ipc_alloc(size_t size)
{
	if (size <= PAGE_SIZE)
		return kmalloc(size ? size : 1);
	uint64_t pa = pmm_alloc_contig(PAGE_ALIGN_UP(size) / PAGE_SIZE);
	return pa ? phys_to_virt(pa) : NULL;
}

void ipc_free(void *p, size_t size)
{
	if (size <= PAGE_SIZE) {
		kfree(p, size ? size : 1);
		return;
	}
	uint64_t pa = virt_to_phys(p);
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		pmm_free(pa + off);
}
