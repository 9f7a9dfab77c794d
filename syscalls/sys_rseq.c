/* rseq: restartable sequences as Linux's kernel/rseq.c. A thread registers a struct rseq; the
   libOS keeps its CPU numbers written (always CPU 0, node 0, concurrency id 0: the VM has one
   vCPU) and, when the thread was switched out or is about to run a signal handler while its
   instruction pointer is inside the critical section its rseq_cs names, sends it to the
   section's abort handler. The checks on the descriptor and the abort signature are Linux's;
   what Linux answers with force_sigsegv ends the process with SIGSEGV here (a handler would
   meet the same broken area while its own frame is built, which Linux makes fatal). */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/sched.h"
#include "k/regs.h"
#include "k/rseq.h"
#include "k/uaccess.h"
#include "k/mm.h"
#include "build/gen/syscall_decls.h"

#define RSEQ_FLAG_UNREGISTER 1
#define ORIG_RSEQ_SIZE 32u              /* the size of the first struct rseq */
#define RSEQ_CPU_ID_UNINITIALIZED 0xffffffffu

/* Offsets in struct rseq. */
#define RSEQ_OFF_CPU_ID_START 0
#define RSEQ_OFF_RSEQ_CS 8
#define RSEQ_OFF_FLAGS 16
#define RSEQ_OFF_NODE_ID 20

struct rseq_cs_k {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

/* Writes cpu_id_start, cpu_id, node_id and mm_cid (Linux's rseq_update_cpu_node_id). */
static int rseq_write_ids(const struct task *t, uint32_t cpu_start, uint32_t cpu)
{
	const uint32_t ids[2] = { cpu_start, cpu }, node_cid[2] = { 0, 0 };
	if (copy_to_user(t->rseq + RSEQ_OFF_CPU_ID_START, ids, sizeof(ids)) ||
	    copy_to_user(t->rseq + RSEQ_OFF_NODE_ID, node_cid, sizeof(node_cid)))
		return -EFAULT;
	return 0;
}

/* Reads and checks the descriptor rseq_cs points to; all zero when it is 0. */
static int rseq_get_cs(const struct task *t, struct rseq_cs_k *cs)
{
	uint64_t ptr;
	memset(cs, 0, sizeof(*cs));
	if (copy_from_user(&ptr, t->rseq + RSEQ_OFF_RSEQ_CS, sizeof(ptr)))
		return -EFAULT;
	if (!ptr)
		return 0;
	if (ptr >= USER_TOP)
		return -EINVAL;
	if (copy_from_user(cs, ptr, sizeof(*cs)))
		return -EFAULT;
	uint64_t end = cs->start_ip + cs->post_commit_offset;
	if (cs->start_ip >= USER_TOP || end >= USER_TOP || cs->abort_ip >= USER_TOP ||
	    cs->version > 0 || end < cs->start_ip)
		return -EINVAL;
	if (cs->abort_ip - cs->start_ip < cs->post_commit_offset)
		return -EINVAL;         /* the abort handler may not lie inside the section */
	uint32_t sig;
	if (copy_from_user(&sig, cs->abort_ip - sizeof(sig), sizeof(sig)))
		return -EFAULT;
	return sig == t->rseq_sig ? 0 : -EINVAL;
}

/* Linux's rseq_ip_fixup: outside the section the descriptor pointer is cleared; inside, an
   event since the last look (a switch, a signal) restarts it at abort_ip. The flags of both
   structures are deprecated: any bit set there is an error once a section is in progress. */
static int rseq_fixup(struct task *t, struct regs *r)
{
	static const uint64_t zero;
	struct rseq_cs_k cs;
	int err = rseq_get_cs(t, &cs);
	if (err)
		return err;
	if (r->rip - cs.start_ip >= cs.post_commit_offset)
		return copy_to_user(t->rseq + RSEQ_OFF_RSEQ_CS, &zero, sizeof(zero));
	uint32_t flags;
	if (cs.flags)
		return -EINVAL;
	if (copy_from_user(&flags, t->rseq + RSEQ_OFF_FLAGS, sizeof(flags)))
		return -EFAULT;
	if (flags)
		return -EINVAL;
	bool event = t->rseq_event;
	t->rseq_event = false;
	if (!event)
		return 0;
	if (copy_to_user(t->rseq + RSEQ_OFF_RSEQ_CS, &zero, sizeof(zero)))
		return -EFAULT;
	r->rip = cs.abort_ip;
	return 0;
}

static void rseq_handle(struct task *t, struct regs *r)
{
	if (rseq_fixup(t, r) || rseq_write_ids(t, 0, 0))
		proc_kill(SIGSEGV, "the rseq area or its critical-section descriptor is not valid");
}

void rseq_resume(struct regs *r)
{
	struct task *t = current_task;
	if (!t->rseq || !t->rseq_resume)
		return;
	t->rseq_resume = false;
	rseq_handle(t, r);
}

void rseq_signal(struct regs *r)
{
	struct task *t = current_task;
	if (!t->rseq)
		return;
	t->rseq_event = true;
	rseq_handle(t, r);
}

void rseq_fork(struct task *child, const struct task *parent)
{
	child->rseq = parent->rseq;
	child->rseq_len = parent->rseq_len;
	child->rseq_sig = parent->rseq_sig;
	child->rseq_event = parent->rseq_event;
	child->rseq_resume = parent->rseq_resume;
}

void rseq_exec(struct task *t)
{
	t->rseq = 0;
	t->rseq_len = t->rseq_sig = 0;
	t->rseq_event = t->rseq_resume = false;
}

int64_t sys_rseq(uint64_t urseq, uint64_t len_, uint64_t flags_, uint64_t sig_, uint64_t a4,
		 uint64_t a5)
{
	(void)a4, (void)a5;
	struct task *t = current_task;
	uint32_t len = (uint32_t)len_, sig = (uint32_t)sig_;
	int flags = (int)flags_;
	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		if (!t->rseq || t->rseq != urseq || len != t->rseq_len)
			return -EINVAL;
		if (sig != t->rseq_sig)
			return -EPERM;
		/* cpu_id_start reads 0 once unregistered, cpu_id the "uninitialized" -1. */
		int err = rseq_write_ids(t, 0, RSEQ_CPU_ID_UNINITIALIZED);
		if (err)
			return err;
		rseq_exec(t);
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (t->rseq) {
		if (t->rseq != urseq || len != t->rseq_len)
			return -EINVAL;
		return sig != t->rseq_sig ? -EPERM : -EBUSY;
	}
	/* The original 32-byte structure, or a longer one holding at least the fields this kernel
	   knows (AT_RSEQ_FEATURE_SIZE, 28, less than 32), aligned on 32 (AT_RSEQ_ALIGN). */
	if (len < ORIG_RSEQ_SIZE || (urseq & (RSEQ_ALIGN - 1)))
		return -EINVAL;
	if (urseq > USER_TOP || len > USER_TOP - urseq)
		return -EFAULT;
	uint64_t cs;
	if (copy_from_user(&cs, urseq + RSEQ_OFF_RSEQ_CS, sizeof(cs)))
		return -EFAULT;         /* Linux reads the area here: unmapped or PROT_NONE */
	t->rseq = urseq;
	t->rseq_len = len;
	t->rseq_sig = sig;
	t->rseq_event = t->rseq_resume = false;
	/* Linux's first return after a registration writes the CPU numbers and clears rseq_cs
	   without looking at the descriptor it held; an area that cannot be written (a read-only
	   page) is SIGSEGV. */
	static const uint64_t zero;
	if (rseq_write_ids(t, 0, 0) || copy_to_user(urseq + RSEQ_OFF_RSEQ_CS, &zero, sizeof(zero)))
		proc_kill(SIGSEGV, "the rseq area cannot be written");
	return 0;
}
