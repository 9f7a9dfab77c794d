/* Tasks and the scheduler. One vCPU: a task runs until it waits (sched_wait), yields, its time
   slice ends (an upcall), or it wakes a task that should run first; then the runnable task with
   the earliest virtual deadline takes over, as in Linux's CFS and EEVDF: CPU time counts scaled
   by 1024/weight (nice 0: 1024, about 1.25x per step; SCHED_IDLE: 3); a new task starts at the
   least virtual runtime among the running and runnable ones and a woken one no lower than 3 ms
   below it, so a sleeper cannot take back the time it slept but does get the CPU soon.
   When none can run, the VM sleeps in the host until the earliest deadline of a waiting task or
   of the alarm, or until the console a task waits for is ready: one hypercall, no busy loop.
   When every task waits and nothing in the VM could end a wait, the VM sleeps until a host
   signal comes, as a blocked process waits on Linux. */
#include "k/kernel.h"
#include "k/sched.h"
#include "k/rseq.h"
#include "k/seccomp.h"
#include "k/proc.h"
#include "k/cpu.h"
#include "k/regs.h"
#include "k/pmm.h"
#include "k/time.h"
#include "k/hc.h"
#include "k/itimer.h"
#include "k/arch.h"
#include "k/signal.h"
#include "vfs/file.h"
#include "vfs/hostfs.h"
#include "net/net.h"
#include "net/nic_netif.h"

#define KSTACK_PAGES 6                  /* 24 KiB of core stack per task */
#define SCRATCH_PAGES 4                 /* per-task buffers of calls that wait (poll, epoll) */
#define CONSOLE_RECHECK_NS 2000000      /* console checks while other tasks keep the CPU busy */

struct task *sched_tasks;
int sched_live_tasks;

static struct task boot_task;
static uint8_t boot_xsave[PAGE_SIZE * 3] __attribute__((aligned(64)));
static uint8_t boot_scratch[SCRATCH_PAGES * PAGE_SIZE] __attribute__((aligned(64)));
static struct task *runq_head, *runq_tail;
static struct task *dead_tasks;         /* ended; their memory is reused once off their stack */
static void *free_task_mem;             /* reaped allocations, linked through their first word */
static size_t task_pages;
static uint64_t wait_seq;
static int next_tid = 2;
static int64_t console_checked;
static int64_t sched_due = -1;          /* earliest wait deadline at the last look, or -1 */

static void list_add(struct task *t)
{
	t->prev = NULL;
	t->next = sched_tasks;
	if (sched_tasks)
		sched_tasks->prev = t;
	sched_tasks = t;
	sched_live_tasks++;
	boot_info->upcall.nr_tasks = (uint32_t)sched_live_tasks;
}

static void list_del(struct task *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		sched_tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	sched_live_tasks--;
	boot_info->upcall.nr_tasks = (uint32_t)sched_live_tasks;
}

/* Linux's sched_prio_to_weight: nice -20..19. */
static const uint32_t nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
	1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
	110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
};
#define WEIGHT_NICE_0 1024
#define WEIGHT_IDLE 3                   /* SCHED_IDLE, as Linux's WEIGHT_IDLEPRIO */
#define SCHED_IDLE 5
#define VSLICE_NS 10000000ull            /* the monitor's time slice (monitor/upcall.c) */
/* How far (in the woken task's virtual time) the running task must be ahead of a task it wakes
   for that one to take the CPU at once, as Linux's wakeup granularity (1 ms per CPU's log2 + 1:
   2 ms for two CPUs). Smaller would switch more often between a writer and its reader, and a
   switch between address spaces costs about 100 µs here. */
#define WAKEUP_GRAN_NS 2000000ull
/* A task that slept is placed this much below min_vruntime, as Linux's GENTLE_FAIR_SLEEPERS
   (half of its 6 ms latency target): one that waited long enough takes the CPU from a busy
   one when it wakes, and one that wakes often cannot keep more than that. */
#define SLEEPER_CREDIT_NS 3000000ull
static uint64_t min_vruntime;           /* the least virtual runtime of the runnable, never back */

static uint64_t vr_scale(const struct task *t, uint64_t ns)
{
	uint32_t w = t->policy == SCHED_IDLE ? WEIGHT_IDLE : nice_weight[t->nice + 20];
	return w == WEIGHT_NICE_0 ? ns : ns * WEIGHT_NICE_0 / w;
}

/* Counts the CPU time t has used since the last call (up to now if it runs) into its virtual
   runtime, scaled by its weight. */
static void sched_vr_update(struct task *t, uint64_t now)
{
	uint64_t cpu = t->cpu_ns + (t->run_start && now > t->run_start ? now - t->run_start : 0);
	t->vruntime += vr_scale(t, cpu - t->vr_cpu);
	t->vr_cpu = cpu;
}

static void runq_push(struct task *t)
{
	t->run_next = NULL;
	if (runq_tail)
		runq_tail->run_next = t;
	else
		runq_head = t;
	runq_tail = t;
	boot_info->upcall.nr_runnable++;
}

static bool vr_before(const struct task *a, const struct task *b)
{
	return (int64_t)(a->vruntime - b->vruntime) < 0;
}

/* Should a run before b? The earlier virtual end of a slice, as Linux's EEVDF picks by virtual
   deadline: among equal weights the least virtual runtime, and a light task (SCHED_IDLE) that
   just woke does not take a whole slice from a heavy one first. */
static bool vr_runs_before(const struct task *a, const struct task *b)
{
	return (int64_t)(a->vruntime + vr_scale(a, VSLICE_NS) - b->vruntime -
			 vr_scale(b, VSLICE_NS)) < 0;
}

/* Where a woken task's virtual runtime starts: no lower than min_vruntime less the credit. */
static uint64_t vr_placed(const struct task *t)
{
	uint64_t floor = min_vruntime - SLEEPER_CREDIT_NS;
	return (int64_t)(t->vruntime - floor) < 0 ? floor : t->vruntime;
}

/* Takes the runnable task to run next: the earliest virtual deadline, the oldest among equals,
   not skip unless it is the only one. Tasks woken since the last pick are first placed no lower
   than min_vruntime, which follows prev (the task that had the CPU; NULL: it ended) and the
   queued tasks that were already waiting. */
static struct task *runq_pop(struct task *prev, const struct task *skip)
{
	struct task *floor = prev;
	for (struct task *t = runq_head; t; t = t->run_next)
		if (!t->vr_woken && (!floor || vr_before(t, floor)))
			floor = t;
	if (floor && (int64_t)(floor->vruntime - min_vruntime) > 0)
		min_vruntime = floor->vruntime;
	struct task **best = NULL;
	for (struct task **pp = &runq_head; *pp; pp = &(*pp)->run_next) {
		struct task *t = *pp;
		if (t->vr_woken) {
			t->vr_woken = false;
			t->vruntime = vr_placed(t);
		}
		if (t != skip && (!best || vr_runs_before(t, *best)))
			best = pp;
	}
	if (!best && runq_head)
		best = &runq_head;      /* skip alone */
	if (!best)
		return NULL;
	struct task *t = *best;
	*best = t->run_next;
	if (runq_tail == t)
		runq_tail = best == &runq_head ? NULL :
			    (struct task *)((char *)best - __builtin_offsetof(struct task, run_next));
	boot_info->upcall.nr_runnable--;
	return t;
}

static void task_runnable(struct task *t, int reason)
{
	t->state = TASK_RUNNABLE;
	t->wake_reason = reason;
	t->wait_key = t->wait_key2 = NULL;
	t->vr_woken = true;
	runq_push(t);
}

static void task_wake(struct task *t, int reason)
{
	if (t->state != TASK_BLOCKED)
		return;
	task_runnable(t, reason);
	/* Wakeup preemption, as Linux's check_preempt_wakeup: the running task (when this is
	   one of its system calls, not the scheduler's own look at deadlines) gives way at its
	   next return to the program if it has run ahead of where t is placed (see runq_pop) by
	   more than the granularity. */
	struct task *cur = current_task;
	if (cur == t || cur->state != TASK_RUNNABLE || !cur->run_start || this_cpu()->need_resched)
		return;
	sched_vr_update(cur, time_monotonic_ns());
	if ((int64_t)(cur->vruntime - vr_placed(t)) > (int64_t)vr_scale(t, WAKEUP_GRAN_NS))
		this_cpu()->need_resched = true;
}

bool sched_preempt_due(void)
{
	return this_cpu()->need_resched;
}

void sched_init(struct proc *p)
{
	extern char core_sys_stack_top[];
	if ((size_t)arch_xsave_size() > sizeof(boot_xsave))
		panic("XSAVE area of %u bytes is larger than the core supports", arch_xsave_size());
	struct task *t = &boot_task;
	t->tid = p->pid;
	t->proc = p;
	t->kstack_top = (uint64_t)core_sys_stack_top;
	t->xsave = boot_xsave;
	t->scratch = boot_scratch;
	t->state = TASK_RUNNABLE;
	t->run_start = time_monotonic_ns();
	p->nthreads = 1;
	list_add(t);
	current_task = t;
	size_t hdr = (sizeof(struct task) + 63) & ~(size_t)63;
	task_pages = (hdr + arch_xsave_size() + PAGE_SIZE - 1) / PAGE_SIZE + SCRATCH_PAGES +
		     KSTACK_PAGES;
}

struct regs *task_regs(struct task *t)
{
	return (struct regs *)(t->kstack_top - sizeof(struct regs));
}

struct task *sched_task_new(struct proc *p, const struct regs *r)
{
	void *mem = free_task_mem;
	if (mem) {
		free_task_mem = *(void **)mem;
		memset(mem, 0, sizeof(struct task));
	} else {
		uint64_t pa = pmm_alloc_contig(task_pages);
		if (!pa)
			return NULL;
		mem = phys_to_virt(pa);
	}
	struct task *t = mem;
	size_t hdr = (sizeof(struct task) + 63) & ~(size_t)63;
	t->kstack_mem = mem;
	t->xsave = (uint8_t *)mem + hdr;
	t->scratch = (uint8_t *)mem + (task_pages - KSTACK_PAGES - SCRATCH_PAGES) * PAGE_SIZE;
	t->kstack_top = (uint64_t)mem + task_pages * PAGE_SIZE;
	t->tid = next_tid++;
	t->proc = p;
	t->cpu_ns = t->sys_tsc = t->core_tsc = 0;
	t->state = TASK_BLOCKED;        /* until sched_start */
	*task_regs(t) = *r;
	/* What arch_switch pops on the first switch: six callee-saved registers, then the entry. */
	uint64_t *frame = (uint64_t *)task_regs(t) - 7;
	memset(frame, 0, 6 * sizeof(uint64_t));
	frame[6] = (uint64_t)arch_task_entry;
	t->ksp = (uint64_t)frame;
	arch_fpu_save(t->xsave);        /* a new thread starts with its creator's FPU state */
	seccomp_task_inherit(t, current_task);
	return t;
}

void sched_start(struct task *t)
{
	t->proc->nthreads++;
	list_add(t);
	/* A new task gets no sleeper credit and does not preempt its creator (as Linux, where
	   the parent goes on after fork or clone). */
	t->vruntime = min_vruntime;
	task_runnable(t, WAIT_WOKEN);
}

struct task *sched_find(int tid)
{
	SCHED_FOR_EACH(t)
		if (t->tid == tid)
			return t;
	return NULL;
}

static void task_big_free(struct task *t)
{
	for (size_t i = 0; i < t->big_pages; i++)
		pmm_free(virt_to_phys(t->big) + i * PAGE_SIZE);
	t->big = NULL;
	t->big_pages = 0;
}

void sched_params_inherit(struct task *t, const struct task *parent)
{
	t->nice = parent->nice;
	t->policy = parent->policy;
	if (parent->reset_on_fork && t->nice < 0)
		t->nice = 0;    /* the normal policies stay; a raised priority does not */
}

void *task_buffer(size_t bytes)
{
	struct task *t = current_task;
	if (bytes <= SCRATCH_PAGES * PAGE_SIZE)
		return t->scratch;
	size_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (pages <= t->big_pages)
		return t->big;
	task_big_free(t);
	uint64_t pa = pmm_alloc_contig(pages);
	if (!pa)
		return NULL;
	t->big = phys_to_virt(pa);
	t->big_pages = pages;
	return t->big;
}

/* Frees the memory of ended tasks other than the running one. */
static void sched_reap(void)
{
	struct task **pp = &dead_tasks;
	while (*pp) {
		struct task *t = *pp;
		if (t == current_task) {
			pp = &t->run_next;
			continue;
		}
		*pp = t->run_next;
		seccomp_task_release(t);
		task_big_free(t);
		void *mem = t->kstack_mem;
		*(void **)mem = free_task_mem;
		free_task_mem = mem;
	}
}

/* Called on a new task's stack by its first switch, before it returns to the program. */
void sched_task_entered(struct regs *r)
{
	sched_reap();
	sched_check_killed();
	rseq_resume(r);
	this_cpu()->in_core = 0;
	core_unlock();          /* taken by the task that switched to this one */
}

uint64_t sched_task_cpu(const struct task *t)
{
	uint64_t ns = t->cpu_ns;
	if (t == current_task && t->run_start)
		ns += time_monotonic_ns() - t->run_start;
	return ns;
}

uint64_t sched_task_sys(const struct task *t)
{
	uint64_t ticks = t->sys_tsc;
	if (t == current_task && t->core_tsc)
		ticks += time_tsc() - t->core_tsc;
	return time_tsc_ns(ticks);
}

/* A process's total of a per-task figure, with what its ended threads had (dead). */
static uint64_t sched_proc_sum(const struct proc *p, uint64_t dead,
			       uint64_t (*of)(const struct task *))
{
	uint64_t ns = dead;
	SCHED_FOR_EACH(t)
		if (t->proc == p)
			ns += of(t);
	return ns;
}

void sched_proc_ru(const struct proc *p, struct ru_counts *out)
{
	*out = p->ru_dead;
	SCHED_FOR_EACH(t)
		if (t->proc == p)
			ru_add(out, &t->ru);
}

uint64_t sched_proc_sys(const struct proc *p)
{
	return sched_proc_sum(p, p->sys_dead_ns, sched_task_sys);
}

uint64_t sched_proc_user(const struct proc *p)
{
	uint64_t cpu = sched_proc_cpu(p), sys = sched_proc_sys(p);
	return cpu > sys ? cpu - sys : 0;
}

void sched_core_enter(void)
{
	current_task->core_tsc = time_tsc();
}

void sched_core_leave(void)
{
	struct task *t = current_task;
	if (t->core_tsc) {
		t->sys_tsc += time_tsc() - t->core_tsc;
		t->core_tsc = 0;
	}
}

uint64_t sched_proc_cpu(const struct proc *p)
{
	return sched_proc_sum(p, p->cpu_dead_ns, sched_task_cpu);
}

/* Stops the running task's CPU clock (it switches away, waits in the host, or ends). */
static void sched_charge(struct task *t, uint64_t now)
{
	if (t->run_start) {
		t->cpu_ns += now - t->run_start;
		t->run_start = 0;
	}
}

void sched_mm_put_later(struct mm *mm)
{
	struct cpu *c = this_cpu();
	if (c->dead_mm)
		proc_mm_put(c->dead_mm);        /* not loaded: only the latest can be */
	c->dead_mm = mm;
}

static void sched_switch(struct task *prev, struct task *next)
{
	uint64_t now = time_monotonic_ns(), tsc = time_tsc();
	sched_charge(prev, now);
	sched_vr_update(prev, now);
	next->run_start = now;
	if (prev->core_tsc)             /* its system time stops while another runs */
		prev->sys_tsc += tsc - prev->core_tsc;
	if (next->core_tsc)
		next->core_tsc = tsc;
	prev->fs_base = arch_get_fs_base();
	prev->gs_base = arch_get_gs_base();
	arch_fpu_save(prev->xsave);
	if (prev->rseq)                 /* Linux's rseq_preempt, at every switch */
		prev->rseq_event = prev->rseq_resume = true;
	if (prev->state == TASK_RUNNABLE)
		prev->ru.nivcsw++;      /* preempted or yielding (a waiter counted when it blocked) */
	if (next->proc != prev->proc) {
		arch_switch_mm(next->proc->mm->pml4);
		struct cpu *c = this_cpu();
		if (c->dead_mm) {               /* no longer loaded: it can go */
			proc_mm_put(c->dead_mm);
			c->dead_mm = NULL;
		}
	}
	current_task = next;
	current = next->proc;
	arch_set_kstack(next->kstack_top);
	arch_set_fs_base(next->fs_base);
	arch_set_gs_base(next->gs_base);
	arch_fpu_restore(next->xsave);
	boot_info->upcall.switches++;
	arch_switch(&prev->ksp, next->ksp);
	sched_reap();                   /* back on prev's stack */
}

/* Ends the waits whose deadline has passed; returns the earliest deadline still ahead (or -1)
   and whether some task waits for the console. */
static int64_t sched_timeouts(int64_t now, bool *console)
{
	int64_t until = -1;
	*console = false;
	SCHED_FOR_EACH(t) {
		if (t->state != TASK_BLOCKED)
			continue;
		if (t->wait_deadline >= 0) {
			if (t->wait_deadline <= now) {
				task_wake(t, WAIT_TIMEOUT);
				continue;
			}
			if (until < 0 || t->wait_deadline < until)
				until = t->wait_deadline;
		}
		if (t->console_events[0] | t->console_events[1] | t->console_events[2])
			*console = true;
	}
	sched_due = until;
	sched_publish_due();
	return until;
}

void sched_publish_due(void)
{
	int64_t due = itimer_due(), out = console_flush_due();
	if (sched_due >= 0 && (due < 0 || sched_due < due))
		due = sched_due;
	if (out >= 0 && (due < 0 || out < due))
		due = out;              /* batched output of a program that goes on computing */
	int64_t net = net_due_ns();
	if (net >= 0 && (due < 0 || net < due))
		due = net;              /* TCP timers: retransmission, delayed ACK, TIME_WAIT */
	boot_info->upcall.due_ns = due < 0 ? 0 : due ? due : 1;
}

/* Asks the host about the console for every task waiting on it, waiting up to timeout_ns
   (0: just look; < 0: until ready), and wakes those whose events came. */
static void sched_console(int64_t timeout_ns)
{
	uint32_t ev[3] = { 0, 0, 0 }, rev[3];
	bool level[3] = { false, false, false };
	SCHED_FOR_EACH(t)
		if (t->state == TASK_BLOCKED)
			for (int h = 0; h < 3; h++) {
				uint32_t want = t->console_events[h];
				ev[h] |= want;
				/* An edge that came since the wait began makes readiness count now. */
				level[h] |= want && (!(want & UNIK_POLL_EDGE) ||
						     t->console_since[h] != console_edges(h));
			}
	for (int h = 0; h < 3; h++)
		if (level[h])
			ev[h] &= ~UNIK_POLL_EDGE;
	console_checked = (int64_t)time_monotonic_ns();
	core_unlock();          /* the host waits: other CPUs may go on */
	int64_t n = hc_poll(ev, rev, timeout_ns);
	core_lock();
	if (n <= 0)
		return;
	SCHED_FOR_EACH(t) {
		if (t->state != TASK_BLOCKED)
			continue;
		bool ready = false;
		for (int h = 0; h < 3; h++) {
			uint32_t want = t->console_events[h];
			if ((want & UNIK_POLL_EDGE) && t->console_since[h] == console_edges(h))
				want = 0;       /* no new edge for this one */
			t->console_revents[h] = want ? rev[h] & (want | POLLERR | POLLHUP) : 0;
			ready |= t->console_revents[h] != 0;
		}
		if (ready)
			task_wake(t, WAIT_WOKEN);
	}
}

/* Every task waits and nothing inside the VM can end a wait: as on Linux the program waits on,
   until a signal from the host (docker stop, Ctrl-C) arrives. --trace says so once. */
static void sched_stuck(void)
{
	static bool said;
	if (said || !(boot_info->flags & UNIK_BOOT_TRACE))
		return;
	said = true;
	struct task *w = current_task;
	if (w->state != TASK_BLOCKED)
		SCHED_FOR_EACH(t)
			if (t->state == TASK_BLOCKED)
				w = t;
	kprintf("unik: %s waits with nothing in the VM to end it (%d thread%s): waiting for a "
		"signal from the host\n", w->wait_what ? w->wait_what : "the program",
		sched_live_tasks, sched_live_tasks == 1 ? "" : "s");
}

/* Nothing can run: sleep in the host until the first deadline or console readiness. */
static void sched_idle(int64_t now, int64_t until, bool console)
{
	int64_t due = itimer_due(), net = net_due_ns();
	if (due >= 0 && (until < 0 || due < until))
		until = due;
	if (net >= 0 && (until < 0 || net < until))
		until = net;
	if (!console && until < 0)
		sched_stuck();
	console_flush();        /* what was written shows before the VM sleeps */
	sched_charge(current_task, (uint64_t)now);      /* the VM's sleep is nobody's CPU time */
	int64_t wait = until < 0 ? -1 : (until > now ? until - now : 0);
	if (!nic_netif_arm())
		wait = 0;               /* frames are waiting: take them (net_poll) instead */
	if (console)
		sched_console(wait);
	else if (wait) {
		core_unlock();
		hc_sleep(wait < 0 ? INT64_MAX : wait);  /* a host signal ends it early */
		core_lock();
	}
	nic_netif_disarm();
}

/* Runs the next runnable task (not skip unless it is the only one); returns when the current
   one may go on. */
static void schedule(const struct task *skip)
{
	struct task *prev = current_task;
	this_cpu()->need_resched = false;
	if (prev->state == TASK_BLOCKED) {      /* it leaves the CPU, if only to idle */
		prev->ru.nvcsw++;
		if (prev->rseq)
			prev->rseq_event = prev->rseq_resume = true;
	}
	for (;;) {
		int64_t now = (int64_t)time_monotonic_ns();
		bool console;
		upcall_take();          /* host signals; a slice ends here anyway */
		net_poll();             /* lwIP's due timers, loopback packets, NIC frames */
		if (boot_info->fs_events)
			hostfs_events_take();   /* host changes of watched volume files */
		int64_t until = sched_timeouts(now, &console);
		itimer_check();
		if (console && runq_head && now - console_checked > CONSOLE_RECHECK_NS)
			sched_console(0);
		if (prev->state != TASK_DEAD)
			sched_vr_update(prev, (uint64_t)now);
		struct task *next = runq_pop(prev->state != TASK_DEAD ? prev : NULL, skip);
		if (next) {
			if (next != prev)
				sched_switch(prev, next);
			else if (!prev->run_start)
				prev->run_start = time_monotonic_ns();
			return;
		}
		if (prev->state == TASK_RUNNABLE) {
			if (!prev->run_start)
				prev->run_start = time_monotonic_ns();
			return;
		}
		sched_idle(now, until, console);
	}
}

int sched_wait(const void *key, const void *key2, int64_t deadline, uint64_t wanted,
	       const char *what)
{
	return sched_wait_bits(key, key2, ~0u, deadline, wanted, what);
}

/* sched_wait_bits' wait; with killable only a signal that ends the process (or the task's own
   end) interrupts it. */
static int sched_wait_common(const void *key, const void *key2, uint32_t bits, int64_t deadline,
			     uint64_t wanted, const char *what, bool killable)
{
	struct task *t = current_task;
	for (;;) {
		if (t->killed)
			return -EINTR;
		itimer_check();
		if (signal_pending_set() & wanted)
			return WAIT_SIGNAL_WANTED;
		if (killable ? signal_fatal_pending() : signal_pending_deliverable())
			return -EINTR;
		if (deadline >= 0 && (int64_t)time_monotonic_ns() >= deadline)
			return WAIT_TIMEOUT;
		t->wait_key = key;
		t->wait_key2 = key2;
		t->wait_bits = bits;
		t->wait_deadline = deadline;
		t->wait_signals = wanted;
		t->wait_what = what;
		t->wait_seq = ++wait_seq;
		t->wake_reason = -1;
		t->state = TASK_BLOCKED;
		schedule(NULL);
		t->wait_signals = 0;
		deadline = t->wait_deadline;    /* a step of the wall clock may have moved it */
		if (t->wake_reason == WAIT_WOKEN)
			return WAIT_WOKEN;
	}
}

int sched_wait_bits(const void *key, const void *key2, uint32_t bits, int64_t deadline,
		    uint64_t wanted, const char *what)
{
	return sched_wait_common(key, key2, bits, deadline, wanted, what, false);
}

int sched_wait_killable(const void *key, const void *key2, const char *what)
{
	return sched_wait_common(key, key2, ~0u, -1, 0, what, true);
}

int sched_wait_killable_until(const void *key, const void *key2, int64_t deadline,
			      const char *what)
{
	return sched_wait_common(key, key2, ~0u, deadline, 0, what, true);
}

int sched_wait_console(const void *key, const uint32_t events[3], uint32_t revents[3],
		       int64_t deadline, const char *what)
{
	struct task *t = current_task;
	for (int h = 0; h < 3; h++) {
		t->console_events[h] = events[h];
		t->console_revents[h] = 0;
		t->console_since[h] = console_edges(h);
	}
	int r = sched_wait(key, NULL, deadline, 0, what);
	for (int h = 0; h < 3; h++) {
		revents[h] = t->console_revents[h];
		t->console_events[h] = 0;
	}
	return r;
}

int sched_wake(const void *key, const void *key2, int n, uint32_t bits)
{
	int woken = 0;
	while (woken < n) {
		struct task *oldest = NULL;
		SCHED_FOR_EACH(t)
			if (t->state == TASK_BLOCKED && t->wait_key == key && t->wait_key2 == key2 &&
			    (t->wait_bits & bits) && (!oldest || t->wait_seq < oldest->wait_seq))
				oldest = t;
		if (!oldest)
			break;
		task_wake(oldest, WAIT_WOKEN);
		woken++;
	}
	return woken;
}

int sched_requeue(const void *key, const void *key2, const void *to, const void *to2, int n)
{
	int moved = 0;
	SCHED_FOR_EACH(t)
		if (moved < n && t->state == TASK_BLOCKED && t->wait_key == key &&
		    t->wait_key2 == key2) {
			t->wait_key = to;
			t->wait_key2 = to2;
			moved++;
		}
	return moved;
}

void sched_signal_wake(struct task *t, int sig)
{
	uint64_t bit = 1ull << (sig - 1);
	if (t->state == TASK_BLOCKED && ((bit & ~t->sigmask) || (bit & t->wait_signals)))
		task_wake(t, -1);
}

void sched_yield_now(bool to_others)
{
	struct task *t = current_task;
	bool console;
	sched_timeouts((int64_t)time_monotonic_ns(), &console);  /* sleepers now due run too */
	if (!runq_head)
		return;
	runq_push(t);
	schedule(to_others ? t : NULL);
}

void sched_kill_request(struct task *t)
{
	t->killed = true;
	task_wake(t, -1);
}

void sched_check_killed(void)
{
	if (current->stopped)
		proc_stop_wait();       /* another thread took the stop signal */
	if (current_task->killed) {
		thread_exit_cleanup(current_task);
		sched_exit_task();
	}
}

void sched_exit_task(void)
{
	struct task *t = current_task;
	sched_charge(t, time_monotonic_ns());
	t->proc->cpu_dead_ns += t->cpu_ns;
	ru_add(&t->proc->ru_dead, &t->ru);
	sched_core_leave();
	t->proc->sys_dead_ns += time_tsc_ns(t->sys_tsc);
	t->proc->nthreads--;
	sched_wake(&t->proc->nthreads, NULL, 1, ~0u);   /* an exit_group or execve waits */
	seccomp_task_release(t);        /* at exit, as Linux's do_exit: listeners see POLLHUP */
	sigqueue_flush(&t->pending, ~0ull);
	list_del(t);
	t->state = TASK_DEAD;
	if (t != &boot_task) {
		t->run_next = dead_tasks;
		dead_tasks = t;
	}
	schedule(NULL);
	panic("an ended task was scheduled");
}
