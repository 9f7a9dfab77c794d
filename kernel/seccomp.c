/* Seccomp (k/seccomp.h): the seccomp(2) system call, prctl's seccomp options, the classic-BPF
   checker and interpreter, and what the dispatcher does with a filter's verdict. User
   notification's listeners are in kernel/seccomp_notify.c. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/mm.h"
#include "k/cap.h"
#include "k/regs.h"
#include "k/sched.h"
#include "k/seccomp.h"
#include "k/uaccess.h"
#include "syscalls/syscall.h"
#include "kernel/seccomp_filter.h"
#include "vfs/file.h"

#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3

#define SECCOMP_FILTER_FLAG_TSYNC 1u
#define SECCOMP_FILTER_FLAG_LOG 2u
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW 4u
#define SECCOMP_FILTER_FLAG_NEW_LISTENER 8u
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH 16u
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV 32u

#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#define SECCOMP_RET_KILL_THREAD 0x00000000u
#define SECCOMP_RET_TRAP 0x00030000u
#define SECCOMP_RET_ERRNO 0x00050000u
#define SECCOMP_RET_USER_NOTIF 0x7fc00000u
#define SECCOMP_RET_TRACE 0x7ff00000u
#define SECCOMP_RET_LOG 0x7ffc0000u
#define SECCOMP_RET_ALLOW 0x7fff0000u
#define SECCOMP_RET_ACTION_FULL 0xffff0000u
#define SECCOMP_RET_DATA 0x0000ffffu

#define AUDIT_ARCH_X86_64 0xc000003eu
#define SIGSYS 31
#define SYS_SECCOMP 1                   /* si_code of a filter's SIGSYS */
#define MAX_ERRNO 4095

#define BPF_MEMWORDS 16
/* Linux's bound on the instructions a system call may run through: every filter of the task,
   each counted with 4 more for its overhead (MAX_INSNS_PER_PATH). Linux counts a filter in the
   instructions it becomes when converted to its internal BPF (bpf_cost). */
#define MAX_INSNS_PER_PATH 32768

struct sock_fprog {
	uint16_t len;
	uint8_t pad[6];
	uint64_t filter;
};

/* Where a filter is checked before it is stored: the core runs one system call at a time and
   does not wait while it checks. */
static struct sock_filter bpf_stage[BPF_MAXINSNS];
static uint16_t bpf_known[BPF_MAXINSNS];

/* Classic BPF opcode fields. */
#define BPF_CLASS(c) ((c) & 0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_STX 0x03
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07
#define BPF_SIZE(c) ((c) & 0x18)
#define BPF_W 0x00
#define BPF_MODE(c) ((c) & 0xe0)
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_OP(c) ((c) & 0xf0)
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_MOD 0x90
#define BPF_XOR 0xa0
#define BPF_JA 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JSET 0x40
#define BPF_SRC(c) ((c) & 0x08)
#define BPF_K 0x00
#define BPF_X 0x08
#define BPF_A 0x10
#define BPF_TAX 0x00
#define BPF_TXA 0x80

/* ---- checking a filter (Linux's bpf_check_classic, then seccomp_check_filter) ---- */

/* Whether the code is one seccomp takes: loads of the data only as aligned 32-bit words, no
   packet or ancillary loads. */
static bool bpf_code_allowed(uint16_t code)
{
	switch (BPF_CLASS(code)) {
	case BPF_LD:
		return code == (BPF_LD | BPF_W | BPF_ABS) || code == (BPF_LD | BPF_W | BPF_LEN) ||
		       code == (BPF_LD | BPF_IMM) || code == (BPF_LD | BPF_MEM);
	case BPF_LDX:
		return code == (BPF_LDX | BPF_W | BPF_LEN) || code == (BPF_LDX | BPF_IMM) ||
		       code == (BPF_LDX | BPF_MEM);
	case BPF_ST:
	case BPF_STX:
		return code == BPF_CLASS(code);
	case BPF_ALU:
		if (BPF_OP(code) == BPF_NEG)
			return code == (BPF_ALU | BPF_NEG);
		return BPF_OP(code) <= BPF_XOR && !(code & ~(0xf0 | BPF_X | 0x07));
	case BPF_JMP:
		if (BPF_OP(code) == BPF_JA)
			return code == (BPF_JMP | BPF_JA);
		return BPF_OP(code) <= BPF_JSET && !(code & ~(0xf0 | BPF_X | 0x07));
	case BPF_RET:
		return code == (BPF_RET | BPF_K) || code == (BPF_RET | BPF_A);
	default:
		return code == (BPF_MISC | BPF_TAX) || code == (BPF_MISC | BPF_TXA);
	}
}

/* Every scratch-memory word a path reads must have been stored on it before: the words known
   stored at each instruction are the meet over the jumps that reach it. */
static int bpf_stores_before_loads(const struct sock_filter *f, uint32_t len)
{
	uint16_t *known = bpf_known;
	for (uint32_t i = 0; i < len; i++)
		known[i] = 0xffff;
	known[0] = 0;
	bool ok = true;
	for (uint32_t pc = 0; pc < len && ok; pc++) {
		uint16_t code = f[pc].code, mem = known[pc];
		switch (BPF_CLASS(code)) {
		case BPF_ST:
		case BPF_STX:
			mem |= (uint16_t)(1u << f[pc].k);
			break;
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(code) == BPF_MEM && !(mem & (1u << f[pc].k)))
				ok = false;
			break;
		case BPF_JMP:
			if (BPF_OP(code) == BPF_JA) {
				known[pc + 1 + f[pc].k] &= mem;
				mem = 0xffff;
			} else {
				known[pc + 1 + f[pc].jt] &= mem;
				known[pc + 1 + f[pc].jf] &= mem;
				mem = 0xffff;
			}
			break;
		case BPF_RET:
			mem = 0xffff;
			break;
		}
		if (pc + 1 < len)
			known[pc + 1] &= mem;
	}
	return ok ? 0 : -EINVAL;
}

/* Checks the program and turns loads of the data's length into constants. 0 or -EINVAL. */
static int bpf_check(struct sock_filter *f, uint32_t len)
{
	for (uint32_t pc = 0; pc < len; pc++) {
		struct sock_filter *in = &f[pc];
		uint16_t code = in->code;
		if (!bpf_code_allowed(code))
			return -EINVAL;
		switch (BPF_CLASS(code)) {
		case BPF_ALU:
			if (BPF_SRC(code) == BPF_K &&
			    (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) && in->k == 0)
				return -EINVAL;
			if (BPF_SRC(code) == BPF_K &&
			    (BPF_OP(code) == BPF_LSH || BPF_OP(code) == BPF_RSH) && in->k >= 32)
				return -EINVAL;
			break;
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(code) == BPF_MEM && in->k >= BPF_MEMWORDS)
				return -EINVAL;
			if (BPF_MODE(code) == BPF_ABS &&
			    (in->k >= sizeof(struct seccomp_data) || (in->k & 3)))
				return -EINVAL;
			if (BPF_MODE(code) == BPF_LEN) {
				in->code = (uint16_t)(BPF_CLASS(code) | BPF_IMM);
				in->k = sizeof(struct seccomp_data);
			}
			break;
		case BPF_ST:
		case BPF_STX:
			if (in->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_JMP:
			if (BPF_OP(code) == BPF_JA) {
				if (in->k >= len - pc - 1)
					return -EINVAL;
			} else if (pc + in->jt + 1 >= len || pc + in->jf + 1 >= len) {
				return -EINVAL;
			}
			break;
		}
	}
	if (BPF_CLASS(f[len - 1].code) != BPF_RET)
		return -EINVAL;
	return bpf_stores_before_loads(f, len);
}

/* How many instructions Linux's conversion to its internal BPF makes of a checked filter: 3 to
   start, 2 for a return of a constant, 5 for a division or remainder by X (the check for 0), a
   conditional jump 2 unless its false branch (or, for JEQ/JGT/JGE, its true branch) falls
   through, and 1 more for a constant comparison with the top bit set; the rest 1 each. */
static uint32_t bpf_cost(const struct sock_filter *f, uint32_t len)
{
	uint32_t n = 3;
	for (uint32_t pc = 0; pc < len; pc++) {
		uint16_t code = f[pc].code;
		if (code == (BPF_RET | BPF_K)) {
			n += 2;
		} else if (code == (BPF_ALU | BPF_DIV | BPF_X) || code == (BPF_ALU | BPF_MOD | BPF_X)) {
			n += 5;
		} else if (BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA) {
			if (BPF_SRC(code) == BPF_K && (int32_t)f[pc].k < 0)
				n++;
			n += f[pc].jf == 0 || (f[pc].jt == 0 && BPF_OP(code) != BPF_JSET) ? 1 : 2;
		} else {
			n++;
		}
	}
	return n;
}

/* ---- running a filter ---- */

static uint32_t bpf_run(const struct seccomp_filter *flt, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	const uint8_t *data = (const uint8_t *)d;
	for (uint32_t pc = 0;; pc++) {
		const struct sock_filter *in = &flt->page[pc / INSNS_PER_PAGE][pc % INSNS_PER_PAGE];
		uint32_t src = BPF_SRC(in->code) == BPF_X ? x : in->k;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			memcpy(&a, data + in->k, 4);
			continue;
		case BPF_LD | BPF_IMM: a = in->k; continue;
		case BPF_LDX | BPF_IMM: x = in->k; continue;
		case BPF_LD | BPF_MEM: a = mem[in->k]; continue;
		case BPF_LDX | BPF_MEM: x = mem[in->k]; continue;
		case BPF_ST: mem[in->k] = a; continue;
		case BPF_STX: mem[in->k] = x; continue;
		case BPF_MISC | BPF_TAX: x = a; continue;
		case BPF_MISC | BPF_TXA: a = x; continue;
		case BPF_RET | BPF_K: return in->k;
		case BPF_RET | BPF_A: return a;
		case BPF_ALU | BPF_NEG: a = -a; continue;
		case BPF_JMP | BPF_JA: pc += in->k; continue;
		}
		if (BPF_CLASS(in->code) == BPF_JMP) {
			bool t = BPF_OP(in->code) == BPF_JEQ ? a == src :
				 BPF_OP(in->code) == BPF_JGT ? a > src :
				 BPF_OP(in->code) == BPF_JGE ? a >= src : (a & src) != 0;
			pc += t ? in->jt : in->jf;
			continue;
		}
		switch (BPF_OP(in->code)) {     /* BPF_ALU with K or X */
		case BPF_ADD: a += src; break;
		case BPF_SUB: a -= src; break;
		case BPF_MUL: a *= src; break;
		case BPF_DIV:
		case BPF_MOD:
			if (!src)
				return 0;       /* as Linux: a division by X = 0 ends the filter with 0 */
			a = BPF_OP(in->code) == BPF_DIV ? a / src : a % src;
			break;
		case BPF_OR: a |= src; break;
		case BPF_AND: a &= src; break;
		case BPF_LSH: a <<= (src & 31); break;
		case BPF_RSH: a >>= (src & 31); break;
		default: a ^= src; break;       /* BPF_XOR */
		}
	}
}

/* The verdict of every filter: the most restrictive action (lowest, signed) wins, and of equal
   ones the newest filter's data; *match is the filter that gave it. */
static uint32_t seccomp_run_filters(struct seccomp_filter *f, const struct seccomp_data *d,
				    struct seccomp_filter **match)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	*match = NULL;
	for (; f; f = f->prev) {
		uint32_t cur = bpf_run(f, d);
		if ((int32_t)(cur & SECCOMP_RET_ACTION_FULL) < (int32_t)(ret & SECCOMP_RET_ACTION_FULL)) {
			ret = cur;
			*match = f;
		}
	}
	return ret;
}

/* The thread ends, or the whole process when kill_process or when it is the last thread, as if
   killed by signo (SIGSYS dumps core on Linux; the status is the same without a dump). */
__attribute__((noreturn)) static void seccomp_kill(int signo, bool kill_process)
{
	current_task->seccomp_mode = SECCOMP_MODE_DISABLED;     /* Linux's SECCOMP_MODE_DEAD */
	if (!kill_process && current->nthreads > 1) {
		thread_exit_cleanup(current_task);
		sched_exit_task();
	}
	proc_kill(signo, signo == SIGKILL ? "system call not allowed in seccomp strict mode"
					  : "system call refused by a seccomp filter");
}

#define SYS_READ 0
#define SYS_WRITE 1
#define SYS_RT_SIGRETURN 15
#define SYS_EXIT 60

enum seccomp_verdict seccomp_syscall(struct regs *r, int64_t *ret, struct siginfo_k *si)
{
	struct task *t = current_task;
	int32_t nr = (int32_t)r->rax;
	if (t->seccomp_mode == SECCOMP_MODE_STRICT) {
		if (nr == SYS_READ || nr == SYS_WRITE || nr == SYS_EXIT || nr == SYS_RT_SIGRETURN)
			return SECCOMP_GO;
		seccomp_kill(SIGKILL, false);
	}
	struct seccomp_data d = {
		.nr = nr, .arch = AUDIT_ARCH_X86_64, .instruction_pointer = r->rip,
		.args = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 },
	};
	struct seccomp_filter *match;
	uint32_t v = seccomp_run_filters(t->seccomp, &d, &match);
	uint32_t data = v & SECCOMP_RET_DATA;
	switch (v & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG:
		return SECCOMP_GO;
	case SECCOMP_RET_ERRNO:
		*ret = -(int64_t)MIN(data, (uint32_t)MAX_ERRNO);
		return SECCOMP_SKIP;
	case SECCOMP_RET_TRACE:         /* no tracer here */
		*ret = -ENOSYS;
		return SECCOMP_SKIP;
	case SECCOMP_RET_USER_NOTIF:
		return seccomp_notify_wait(match, &d, ret);
	case SECCOMP_RET_TRAP:
		/* The call is rolled back: rax keeps its number, as Linux's syscall_rollback. */
		*ret = (int64_t)r->rax;
		memset(si, 0, sizeof(*si));
		si->signo = SIGSYS;
		si->errno_ = (int32_t)data;
		si->code = SYS_SECCOMP;
		si->addr = r->rip;                              /* si_call_addr */
		memcpy(si->rest, &nr, 4);                       /* si_syscall */
		uint32_t arch = AUDIT_ARCH_X86_64;
		memcpy(si->rest + 4, &arch, 4);                 /* si_arch */
		return SECCOMP_SIGSYS;
	case SECCOMP_RET_KILL_THREAD:
		seccomp_kill(SIGSYS, false);
	default:                        /* KILL_PROCESS and actions Linux does not know */
		seccomp_kill(SIGSYS, true);
	}
}

/* ---- tasks and their filters ---- */

static void filter_free(struct seccomp_filter *f)
{
	if (f->len <= INSNS_PER_PAGE) {
		if (f->page[0])
			kfree(f->page[0], f->len * sizeof(struct sock_filter));
	} else {
		for (uint32_t i = 0; i < ARRAY_SIZE(f->page); i++)
			if (f->page[i])
				pmm_free(virt_to_phys(f->page[i]));
	}
	kfree(f, sizeof(*f));
}

void seccomp_filter_put(struct seccomp_filter *f)
{
	while (f && --f->refs == 0) {
		struct seccomp_filter *prev = f->prev;
		filter_free(f);
		f = prev;
	}
}

/* A filter holding the len checked instructions of bpf_stage, or NULL without memory. */
static struct seccomp_filter *filter_new(uint32_t len)
{
	struct seccomp_filter *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->users = 1;
	f->len = len;
	f->cost = bpf_cost(bpf_stage, len);
	for (uint32_t i = 0; i * INSNS_PER_PAGE < len; i++) {
		uint32_t n = MIN(len - i * (uint32_t)INSNS_PER_PAGE, (uint32_t)INSNS_PER_PAGE);
		uint64_t pa = len > INSNS_PER_PAGE ? pmm_alloc() : 0;
		f->page[i] = len > INSNS_PER_PAGE ? (pa ? phys_to_virt(pa) : NULL)
						 : kmalloc(len * sizeof(struct sock_filter));
		if (!f->page[i]) {
			filter_free(f);
			return NULL;
		}
		memcpy(f->page[i], bpf_stage + i * INSNS_PER_PAGE, n * sizeof(struct sock_filter));
	}
	return f;
}

void seccomp_task_inherit(struct task *child, const struct task *parent)
{
	child->seccomp_mode = parent ? parent->seccomp_mode : SECCOMP_MODE_DISABLED;
	child->seccomp = parent ? parent->seccomp : NULL;
	if (child->seccomp) {
		child->seccomp->refs++;
		child->seccomp->users++;
	}
}

void seccomp_task_release(struct task *t)
{
	/* The filters no task can reach any more tell their listeners (Linux's
	   __seccomp_filter_orphan), then the references go. */
	for (struct seccomp_filter *f = t->seccomp; f && --f->users == 0; f = f->prev)
		seccomp_listener_orphaned(f);
	seccomp_filter_put(t->seccomp);
	t->seccomp = NULL;
}

int seccomp_filter_count(const struct task *t)
{
	int n = 0;
	for (const struct seccomp_filter *f = t->seccomp; f; f = f->prev)
		n++;
	return n;
}

/* Whether a task may be given the caller's filters (TSYNC): not in strict mode, and its own
   filters are the caller's or an older part of them. */
static bool seccomp_can_sync(const struct task *t)
{
	if (t->seccomp_mode == SECCOMP_MODE_STRICT)
		return false;
	if (!t->seccomp)
		return true;
	for (const struct seccomp_filter *f = current_task->seccomp; f; f = f->prev)
		if (f == t->seccomp)
			return true;
	return false;
}

/* A filter from the program's struct sock_fprog: Linux's order of checks. */
static int64_t seccomp_prepare(uint64_t uprog, struct seccomp_filter **out)
{
	struct sock_fprog prog;
	if (copy_from_user(&prog, uprog, sizeof(prog)))
		return -EFAULT;
	if (prog.len == 0 || prog.len > BPF_MAXINSNS)
		return -EINVAL;
	if (!current->no_new_privs && !capable(CAP_SYS_ADMIN))
		return -EACCES;
	if (!prog.filter)
		return -EINVAL;
	if (copy_from_user(bpf_stage, prog.filter, prog.len * sizeof(struct sock_filter)))
		return -EFAULT;
	int64_t err = bpf_check(bpf_stage, prog.len);
	if (err)
		return err;
	*out = filter_new(prog.len);
	return *out ? 0 : -ENOMEM;
}

/* Why the current task may not take f (Linux's order): strict mode, a listener on a filter
   already in its chain when f has one, the bound on a path's instructions, a thread TSYNC
   cannot give it to (its tid, or -ESRCH with TSYNC_ESRCH). 0 when it may. */
static int64_t seccomp_attach_check(const struct seccomp_filter *f, uint64_t flags)
{
	struct task *me = current_task;
	if (me->seccomp_mode == SECCOMP_MODE_STRICT)
		return -EINVAL;
	uint32_t total = f->cost;
	for (const struct seccomp_filter *w = me->seccomp; w; w = w->prev) {
		if (f->listener && w->listener)
			return -EBUSY;
		total += w->cost + 4;
	}
	if (total > MAX_INSNS_PER_PATH)
		return -ENOMEM;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
		SCHED_FOR_EACH(t)
			if (t->proc == current && t != me && !seccomp_can_sync(t))
				return (flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH) ? -ESRCH : t->tid;
	}
	return 0;
}

static int64_t seccomp_set_filter(uint64_t flags, uint64_t uprog)
{
	const uint64_t known = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
			       SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER |
			       SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	if (flags & ~known)
		return -EINVAL;
	/* TSYNC's failure is a thread's id, which a listener's fd could not be told from. */
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
	    !(flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
		return -EINVAL;
	if ((flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) &&
	    !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return -EINVAL;
	struct seccomp_filter *f;
	int64_t err = seccomp_prepare(uprog, &f);
	if (err)
		return err;
	int fd = -1;
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		fd = seccomp_listener_open(f);
		if (fd < 0) {
			seccomp_filter_put(f);
			return fd;
		}
	}
	err = seccomp_attach_check(f, flags);
	if (err) {
		if (fd >= 0)
			fd_close(current_task->files, fd);      /* drops the listener's reference */
		seccomp_filter_put(f);
		return err;
	}
	struct task *me = current_task;
	f->wait_killable = flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	f->prev = me->seccomp;          /* the task's reference to its old filters moves here */
	me->seccomp = f;
	me->seccomp_mode = SECCOMP_MODE_FILTER;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
		SCHED_FOR_EACH(t)
			if (t->proc == current && t != me) {
				seccomp_task_release(t);
				seccomp_task_inherit(t, me);
			}
	}
	return fd >= 0 ? fd : 0;
}

static int64_t seccomp_set_strict(uint64_t flags, uint64_t uargs)
{
	if (flags || uargs)
		return -EINVAL;
	if (current_task->seccomp_mode == SECCOMP_MODE_FILTER)
		return -EINVAL;
	current_task->seccomp_mode = SECCOMP_MODE_STRICT;
	return 0;
}

static int64_t seccomp_action_avail(uint64_t flags, uint64_t uaction)
{
	if (flags)
		return -EINVAL;
	uint32_t action;
	if (copy_from_user(&action, uaction, sizeof(action)))
		return -EFAULT;
	switch (action) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_USER_NOTIF:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG:
	case SECCOMP_RET_ALLOW:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int64_t sys_seccomp(uint64_t op, uint64_t flags, uint64_t uargs, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	switch (op) {
	case SECCOMP_SET_MODE_STRICT:
		return seccomp_set_strict(flags, uargs);
	case SECCOMP_SET_MODE_FILTER:
		return seccomp_set_filter(flags, uargs);
	case SECCOMP_GET_ACTION_AVAIL:
		return seccomp_action_avail(flags, uargs);
	case SECCOMP_GET_NOTIF_SIZES:
		return flags ? -EINVAL : seccomp_notify_sizes(uargs);
	default:
		return -EINVAL;
	}
}

int64_t seccomp_prctl_set(uint64_t mode, uint64_t filter)
{
	if (mode == SECCOMP_MODE_STRICT)
		return seccomp_set_strict(0, 0);
	if (mode == SECCOMP_MODE_FILTER)
		return seccomp_set_filter(0, filter);
	return -EINVAL;
}
