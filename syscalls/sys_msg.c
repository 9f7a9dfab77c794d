/* System V message queues: msgget, msgsnd, msgrcv, msgctl and /proc/sysvipc/msg, as Linux's
   ipc/msg.c, one IPC namespace for the VM (a container's). A queue keeps its messages in the
   order they came. A receiver finding nothing it wants waits on an entry of its own in the
   queue's list of receivers, and a sender hands its message straight to the oldest waiting
   receiver whose type it matches (Linux's pipelined_send), so a message never sits in a queue
   while a receiver that wants it waits, and the receiver owns it once woken. A sender finding no
   room waits in the list of senders; a receive wakes those whose message now fits, and they
   look again. Waiters stay listed until they run again (but for a receiver a sender served), so
   IPC_RMID, which frees the queue at once, finds every one to end its wait with EIDRM. A signal
   ends a wait as Linux's ERESTARTNOHAND: the call runs again after a stop or an ignored signal,
   and gives EINTR after any handler, SA_RESTART or not. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/cap.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/signal.h"
#include "k/uaccess.h"
#include "vfs/procfs.h"
#include "syscalls/sysv_ipc.h"
#include "build/gen/syscall_decls.h"

#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSGMAX 8192                     /* Linux's defaults (include/uapi/linux/msg.h) */
#define MSGMNB 16384
#define MSGMNI 32000
#define MSGPOOL (MSGMNI * MSGMNB / 1024)
#define MSGTQL MSGMNB
#define MSGMAP MSGMNB
#define MSGSSZ 16
#define MSGSEG 0xffff                   /* MSGPOOL * 1024 / MSGSSZ, capped at 0xffff */

struct msg_msg {
	struct msg_msg *next;
	int64_t type;
	size_t size;                    /* of text */
	char text[];
};

/* Which message a receive takes (Linux's SEARCH_*). */
enum msg_mode { MSG_ANY, MSG_EQUAL, MSG_NOTEQUAL, MSG_LESSEQUAL, MSG_NUMBER };

/* A task waiting in msgrcv, on its core stack; in its queue's list until a sender or msgctl
   takes it out (err no longer -EAGAIN) or it leaves by itself. */
struct msg_receiver {
	struct msg_receiver *next;
	struct task *task;
	enum msg_mode mode;
	int64_t type;
	size_t maxsize;
	struct msg_msg *msg;            /* handed over by a sender (err 0) */
	int err;                        /* -EAGAIN while it waits, else 0, -E2BIG or -EIDRM */
};

/* A task waiting in msgsnd for room, on its core stack; it leaves the list itself. */
struct msg_sender {
	struct msg_sender *next;
	size_t size;
	bool removed;                   /* the queue is gone (EIDRM) */
};

struct msg_queue {
	struct ipc_obj perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	struct msg_msg *first, **last;
	struct msg_receiver *receivers;
	struct msg_sender *senders;
};

static struct ipc_table msg_ids = { .mni = MSGMNI };
static uint64_t msg_hdrs, msg_bytes;    /* messages and bytes in every queue (MSG_INFO) */

/* Linux's struct msqid64_ds on x86-64. */
struct msqid64_ds_k {
	struct ipc64_perm_k perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct msqid64_ds_k) == 120, "msqid64_ds size");
struct msginfo_k {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};
_Static_assert(sizeof(struct msginfo_k) == 32, "msginfo size");

static struct msg_queue *msg_at(int idx)
{
	return (struct msg_queue *)ipc_at(&msg_ids, idx);
}

/* The queue with id msqid (its slot in *idx), or NULL. */
static struct msg_queue *msg_lookup(int msqid, int *idx)
{
	return (struct msg_queue *)ipc_lookup(&msg_ids, msqid, idx);
}

static struct msg_msg *msg_new(size_t size)
{
	struct msg_msg *m = ipc_alloc(sizeof(*m) + size);
	if (m) {
		m->next = NULL;
		m->size = size;
	}
	return m;
}

static void msg_free(struct msg_msg *m)
{
	ipc_free(m, sizeof(*m) + m->size);
}

static int64_t msg_create(int32_t key, int flags, uint64_t arg)
{
	struct msg_queue *q = kmalloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	memset(q, 0, sizeof(*q));
	q->ctime = ipc_now();
	q->qbytes = MSGMNB;
	q->last = &q->first;
	int id = ipc_add(&msg_ids, &q->perm, key, flags);
	if (id < 0)
		kfree(q, sizeof(*q));
	return id;
}

int64_t sys_msgget(uint64_t key, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	return ipc_get(&msg_ids, (int32_t)key, (int)flags, 0, msg_create, NULL);
}

static bool msg_fits(const struct msg_queue *q, size_t size)
{
	return size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

/* Wakes the waiting senders whose message now fits (each looks again), or with removed every
   one, to leave with EIDRM. */
static void msg_wake_senders(struct msg_queue *q, bool removed)
{
	for (struct msg_sender *s = q->senders; s; s = s->next) {
		if (!removed && !msg_fits(q, s->size))
			continue;
		s->removed = removed;
		sched_wake(s, NULL, 1, ~0u);
	}
}

/* Ends the wait of every receiver with err: -EIDRM (the queue is gone), or -EAGAIN, to look
   again (IPC_SET may have taken their permission away); those stay in the list. */
static void msg_wake_receivers(struct msg_queue *q, int err)
{
	for (struct msg_receiver *r = q->receivers; r; r = r->next) {
		r->err = err;
		sched_wake(r, NULL, 1, ~0u);
	}
}

static bool msg_matches(const struct msg_msg *m, int64_t type, enum msg_mode mode)
{
	switch (mode) {
	case MSG_EQUAL:
		return m->type == type;
	case MSG_NOTEQUAL:
		return m->type != type;
	case MSG_LESSEQUAL:
		return m->type <= type;
	default:                        /* MSG_ANY, MSG_NUMBER */
		return true;
	}
}

/* The message a receive takes (its link in *link), or NULL: the first that matches; for
   MSG_LESSEQUAL the first of the lowest type; for MSG_NUMBER (MSG_COPY) the one at index type. */
static struct msg_msg *msg_find(struct msg_queue *q, int64_t type, enum msg_mode mode,
				struct msg_msg ***link)
{
	struct msg_msg *found = NULL;
	int64_t n = 0;
	for (struct msg_msg **pp = &q->first; *pp; pp = &(*pp)->next) {
		struct msg_msg *m = *pp;
		if (!msg_matches(m, type, mode) || (mode == MSG_NUMBER && n++ != type))
			continue;
		if (found && m->type >= found->type)
			continue;       /* MSG_LESSEQUAL: a lower type than found, or nothing */
		found = m;
		*link = pp;
		if (mode != MSG_LESSEQUAL)
			break;
	}
	return found;
}

/* Linux's pipelined_send: gives m to the oldest waiting receiver that wants it. One whose
   buffer is too small leaves with E2BIG and the next is tried. */
static bool msg_hand_over(struct msg_queue *q, struct msg_msg *m)
{
	for (struct msg_receiver **pp = &q->receivers; *pp;) {
		struct msg_receiver *r = *pp;
		if (!msg_matches(m, r->type, r->mode)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (r->maxsize < m->size) {
			r->err = -E2BIG;
			sched_wake(r, NULL, 1, ~0u);
			continue;
		}
		q->lrpid = r->task->tid;        /* as Linux: the receiving thread's id */
		q->rtime = ipc_now();
		r->msg = m;
		r->err = 0;
		sched_wake(r, NULL, 1, ~0u);
		return true;
	}
	return false;
}

/* Waits until m fits in q, then sends it; m is the queue's (or a receiver's) on success. */
static int64_t msg_send(struct msg_queue *q, struct msg_msg *m, int flags)
{
	for (;;) {
		if (!ipc_allowed(&q->perm, 0222))
			return -EACCES;
		if (msg_fits(q, m->size))
			break;
		if (flags & IPC_NOWAIT)
			return -EAGAIN;
		struct msg_sender s = { .size = m->size }, **pp = &q->senders;
		while (*pp)
			pp = &(*pp)->next;
		*pp = &s;
		int w = sched_wait(&s, NULL, -1, 0, "msgsnd");
		if (s.removed)
			return -EIDRM;          /* q is freed */
		for (pp = &q->senders; *pp != &s; pp = &(*pp)->next)
			;
		*pp = s.next;
		if (w < 0 || signal_pending_deliverable())
			return -ERESTARTNOHAND;
	}
	q->lspid = current->pid;
	q->stime = ipc_now();
	if (!msg_hand_over(q, m)) {
		*q->last = m;
		q->last = &m->next;
		q->cbytes += m->size;
		q->qnum++;
		msg_hdrs++;
		msg_bytes += m->size;
	}
	return 0;
}

int64_t sys_msgsnd(uint64_t msqid, uint64_t msgp, uint64_t msgsz, uint64_t flags, uint64_t a4,
		   uint64_t a5)
{
	int64_t type;
	int idx;
	if (copy_from_user(&type, msgp, sizeof(type)))
		return -EFAULT;
	if (msgsz > MSGMAX || (int)msqid < 0 || type < 1)
		return -EINVAL;
	struct msg_msg *m = msg_new(msgsz);
	if (!m)
		return -ENOMEM;
	m->type = type;
	int64_t err = -EFAULT;
	if (copy_from_user(m->text, msgp + sizeof(type), msgsz))
		goto out;
	struct msg_queue *q = msg_lookup((int)msqid, &idx);
	err = q ? msg_send(q, m, (int)flags) : -EINVAL;
out:
	if (err)
		msg_free(m);
	return err;
}

/* Takes m (at *link) out of q for the current task. */
static void msg_unlink(struct msg_queue *q, struct msg_msg *m, struct msg_msg **link)
{
	*link = m->next;
	if (q->last == &m->next)
		q->last = link;
	q->qnum--;
	q->cbytes -= m->size;
	msg_hdrs--;
	msg_bytes -= m->size;
	q->rtime = ipc_now();
	q->lrpid = current->pid;
	msg_wake_senders(q, false);
}

/* Waits as r in q's list for a sender's message: 0 with r->msg, -E2BIG, -EIDRM; -EAGAIN to
   look again; -ERESTARTNOHAND after a signal. */
static int msg_receive_wait(struct msg_queue *q, struct msg_receiver *r)
{
	struct msg_receiver **pp = &q->receivers;
	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
	r->task = current_task;
	r->err = -EAGAIN;
	int w = sched_wait(r, NULL, -1, 0, "msgrcv");
	if (r->err != -EAGAIN)
		return r->err;          /* taken out of the list by whoever set it */
	for (pp = &q->receivers; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	return w < 0 || signal_pending_deliverable() ? -ERESTARTNOHAND : -EAGAIN;
}

/* Linux's do_msgrcv up to the copy out: the message taken from q (or for MSG_COPY, copy filled
   in) in *out, or -errno. */
static int msg_receive(struct msg_queue *q, size_t msgsz, int64_t type, int flags,
		       struct msg_msg *copy, struct msg_msg **out)
{
	enum msg_mode mode = (flags & MSG_COPY) ? MSG_NUMBER : type == 0 ? MSG_ANY :
			     type < 0 ? MSG_LESSEQUAL : (flags & MSG_EXCEPT) ? MSG_NOTEQUAL :
			     MSG_EQUAL;
	if (mode == MSG_LESSEQUAL)
		type = type == INT64_MIN ? INT64_MAX : -type;
	for (;;) {
		if (!ipc_allowed(&q->perm, 0444))
			return -EACCES;
		struct msg_msg **link = NULL, *m = msg_find(q, type, mode, &link);
		if (m && msgsz < m->size && !(flags & MSG_NOERROR))
			return -E2BIG;
		if (m && copy) {
			if (copy->size < m->size)
				return -EINVAL;         /* MSG_NOERROR cannot shorten a copy */
			copy->type = m->type;
			copy->size = m->size;
			memcpy(copy->text, m->text, m->size);
			*out = copy;
			return 0;
		}
		if (m) {
			msg_unlink(q, m, link);
			*out = m;
			return 0;
		}
		if (flags & IPC_NOWAIT)
			return -ENOMSG;
		struct msg_receiver r = { .mode = mode, .type = type,
					  .maxsize = (flags & MSG_NOERROR) ? INT32_MAX : msgsz };
		int err = msg_receive_wait(q, &r);
		if (err != -EAGAIN) {
			*out = r.msg;
			return err;
		}
	}
}

int64_t sys_msgrcv(uint64_t msqid, uint64_t msgp, uint64_t msgsz, uint64_t msgtyp,
		   uint64_t flags, uint64_t a5)
{
	int f = (int)flags, idx;
	if ((int)msqid < 0 || (int64_t)msgsz < 0)
		return -EINVAL;
	struct msg_msg *copy = NULL, *m = NULL;
	size_t copy_size = MIN(msgsz, MSGMAX);
	if (f & MSG_COPY) {
		if ((f & MSG_EXCEPT) || !(f & IPC_NOWAIT))
			return -EINVAL;
		/* As Linux, the copy starts as the buffer's first bytes, read from it. */
		if (!(copy = msg_new(copy_size)))
			return -ENOMEM;
		if (copy_from_user(copy->text, msgp, copy_size)) {
			msg_free(copy);
			return -EFAULT;
		}
	}
	struct msg_queue *q = msg_lookup((int)msqid, &idx);
	int64_t r = q ? msg_receive(q, msgsz, (int64_t)msgtyp, f, copy, &m) : -EINVAL;
	if (!r) {
		/* As Linux, a message is gone even when it cannot be stored. */
		size_t n = MIN(msgsz, m->size);
		r = copy_to_user(msgp, &m->type, sizeof(m->type)) ||
		    copy_to_user(msgp + sizeof(m->type), m->text, n) ? -EFAULT : (int64_t)n;
	}
	if (m && m != copy)
		msg_free(m);
	if (copy)
		ipc_free(copy, sizeof(*copy) + copy_size);      /* its size may be the message's */
	return r;
}

static int64_t msg_info(int cmd, uint64_t ubuf)
{
	struct msginfo_k i = { .msgpool = MSGPOOL, .msgmap = MSGMAP, .msgmax = MSGMAX,
			       .msgmnb = MSGMNB, .msgmni = MSGMNI, .msgssz = MSGSSZ,
			       .msgtql = MSGTQL, .msgseg = MSGSEG };
	if (cmd == MSG_INFO) {
		i.msgpool = msg_ids.used;
		i.msgmap = (int32_t)msg_hdrs;
		i.msgtql = (int32_t)msg_bytes;
	}
	return ipc_info_reply(&msg_ids, ubuf, &i, sizeof(i));
}

/* IPC_STAT by id, MSG_STAT and MSG_STAT_ANY by index (its id the answer). */
static int64_t msg_stat(int msqid, int cmd, uint64_t ubuf)
{
	int idx = msqid % IPC_SEQ_MULTIPLIER;   /* Linux keeps an index's low bits only */
	const struct msg_queue *q = cmd == IPC_STAT ? msg_lookup(msqid, &idx) : msg_at(idx);
	if (!q)
		return -EINVAL;
	if (cmd != MSG_STAT_ANY && !ipc_allowed(&q->perm, 0444))
		return -EACCES;
	struct msqid64_ds_k d = {
		.stime = q->stime, .rtime = q->rtime, .ctime = q->ctime, .cbytes = q->cbytes,
		.qnum = q->qnum, .qbytes = q->qbytes, .lspid = q->lspid, .lrpid = q->lrpid,
	};
	ipc_perm_out(&q->perm, &d.perm);
	if (copy_to_user(ubuf, &d, sizeof(d)))
		return -EFAULT;
	return cmd == IPC_STAT ? 0 : ipc_id(&q->perm, idx);
}

static void msg_remove(struct msg_queue *q, int idx)
{
	msg_wake_receivers(q, -EIDRM);
	msg_wake_senders(q, true);
	while (q->first) {
		struct msg_msg *m = q->first;
		q->first = m->next;
		msg_hdrs--;
		msg_bytes -= m->size;
		msg_free(m);
	}
	ipc_del(&msg_ids, idx);
	kfree(q, sizeof(*q));
}

/* IPC_SET (with d) and IPC_RMID: the owner's, the creator's or CAP_SYS_ADMIN's. */
static int64_t msg_ctl_down(int msqid, int cmd, const struct msqid64_ds_k *d)
{
	int idx;
	struct msg_queue *q = msg_lookup(msqid, &idx);
	if (!q)
		return -EINVAL;
	if (!ipc_owner(&q->perm))
		return -EPERM;
	if (cmd == IPC_RMID) {
		msg_remove(q, idx);
		return 0;
	}
	if (d->qbytes > MSGMNB && !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	int err = ipc_perm_set(&q->perm, &d->perm);
	if (err)
		return err;
	q->qbytes = d->qbytes;
	q->ctime = ipc_now();
	msg_wake_receivers(q, -EAGAIN); /* the new permissions may shut them out */
	msg_wake_senders(q, false);     /* the new size may let them in */
	return 0;
}

int64_t sys_msgctl(uint64_t msqid, uint64_t cmd, uint64_t ubuf, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	/* x86-64 Linux takes no IPC_64 flag here: cmd | IPC_64 is an unknown command. */
	int id = (int)msqid, c = (int)cmd;
	if (id < 0 || c < 0)
		return -EINVAL;
	switch (c) {
	case IPC_INFO:
	case MSG_INFO:
		return msg_info(c, ubuf);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		return msg_stat(id, c, ubuf);
	case IPC_SET: {
		struct msqid64_ds_k d;
		if (copy_from_user(&d, ubuf, sizeof(d)))
			return -EFAULT;
		return msg_ctl_down(id, c, &d);
	}
	case IPC_RMID:
		return msg_ctl_down(id, c, NULL);
	default:
		return -EINVAL;
	}
}

int procfs_show_sysvipc_msg(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  "
		    "cuid  cgid      stime      rtime      ctime\n");
	for (int i = 0; msg_ids.used && i < MSGMNI; i++) {
		const struct msg_queue *q = msg_at(i);
		if (q)
			procfs_printf(b, "%10d %10d  %4o  %10lu %10lu %5d %5d %5u %5u %5u %5u %10ld "
				      "%10ld %10ld\n", q->perm.key, ipc_id(&q->perm, i),
				      q->perm.mode, q->cbytes, q->qnum, q->lspid, q->lrpid,
				      q->perm.uid, q->perm.gid, q->perm.cuid, q->perm.cgid,
				      q->stime, q->rtime, q->ctime);
	}
	return 0;
}
