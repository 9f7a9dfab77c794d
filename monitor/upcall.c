/* Upcalls into the guest (include/unik/abi.h, struct unik_upcall) and host signals.

   A watchdog thread looks at the guest's scheduler every slice: when tasks wait for the CPU and
   no switch happened during the whole slice, or a timed event of the guest is due, it kicks the vCPU
   thread with UPCALL_KICK_SIGNAL, which ends KVM_RUN. The vCPU thread then redirects the program
   to the core's upcall entry (in isolated mode: injects an interrupt the core's IDT takes), or,
   when the core itself was running, leaves the request in the boot info for the core's next
   check. Host signals sent to `unik run` travel the same way and
   reach the program as the same signal, and so do host changes of watched volume files (the
   watchdog sees the monitor's inotify fd readable; the vCPU thread reads it). The thread only
   reads guest memory; everything the guest sees is written by the vCPU thread while the vCPU is
   stopped. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "monitor/vm.h"
#include "monitor/upcall.h"

#define SLICE_NS 10000000ll             /* a task keeps the CPU at most this long when others wait */
#define IDLE_CHECK_NS 50000000ll        /* how often an unthreaded guest is looked at */
#define NET_STALL_NS 2000000ll          /* received frames left unclaimed this long: kick */

static pthread_t upcall_vcpu_thread, upcall_thread;
static bool upcall_thread_started;
static pthread_mutex_t upcall_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t upcall_cond;      /* signalled to stop the watchdog at once */
static bool upcall_quit;
static volatile uint64_t upcall_stop_deadline;  /* CLOCK_MONOTONIC ns; 0: none */
static int64_t upcall_guest_epoch;              /* host CLOCK_MONOTONIC at guest time 0 */
static const struct net *upcall_net;            /* the NIC (NULL: none) */
static const struct hc_file *upcall_file;       /* volumes (NULL: none) */

static int64_t upcall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Has the host reported changes of watched volume files that nobody read yet? */
static bool upcall_fs_changed(void)
{
	struct pollfd p = { .fd = hc_file_notify_fd(upcall_file), .events = POLLIN };
	return p.fd >= 0 && poll(&p, 1, 0) > 0;
}

static void *upcall_watch(void *arg)
{
	const volatile struct unik_upcall *u = arg;
	uint64_t last_switches = u->switches;
	bool was_waiting = false;
	pthread_mutex_lock(&upcall_lock);
	while (!upcall_quit) {
		bool threaded = u->nr_tasks > 1;
		int64_t due = u->due_ns, start = upcall_now();
		/* Slices only matter with tasks to share the CPU; a timed event is looked at when
		   it falls due (a slice later if it is overdue), not every slice: a guest sleeping
		   in the host then costs a wake-up per IDLE_CHECK_NS, not per slice. */
		int64_t wake = start + (threaded ? SLICE_NS : IDLE_CHECK_NS);
		if (due) {
			int64_t at = upcall_guest_epoch + due;
			at = at > start ? at : start + SLICE_NS;
			wake = at < wake ? at : wake;
		}
		struct timespec ts = { wake / 1000000000, wake % 1000000000 };
		pthread_cond_timedwait(&upcall_cond, &upcall_lock, &ts);
		if (upcall_quit)
			break;
		int64_t now = upcall_now();
		uint64_t sw = u->switches;
		bool waiting = u->nr_runnable > 0;
		/* Kick when tasks have waited a whole slice with no switch, when a timed event is
		   due (a sleeper's deadline, the alarm: the running program may be computing without
		   system calls), when received frames wait unclaimed, when host changes of watched
		   files wait, or when a stop times out. */
		bool kick = (waiting && was_waiting && sw == last_switches) ||
			    (due && now - upcall_guest_epoch >= due) ||
			    net_rx_stalled(upcall_net, now, NET_STALL_NS) || upcall_fs_changed() ||
			    (upcall_stop_deadline && now >= (int64_t)upcall_stop_deadline);
		last_switches = sw;
		was_waiting = waiting;
		if (kick)
			pthread_kill(upcall_vcpu_thread, UPCALL_KICK_SIGNAL);
	}
	pthread_mutex_unlock(&upcall_lock);
	return NULL;
}

void upcall_start(struct vm *vm, int64_t guest_epoch)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	upcall_vcpu_thread = pthread_self();
	upcall_net = vm->hc.net;
	upcall_file = vm->hc.file;
	upcall_guest_epoch = guest_epoch;
	upcall_quit = false;
	upcall_stop_deadline = 0;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&upcall_cond, &ca);
	pthread_condattr_destroy(&ca);
	/* The thread must not take the signals meant for the vCPU thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	upcall_thread_started = pthread_create(&upcall_thread, NULL, upcall_watch, &bi->upcall) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void upcall_stop(void)
{
	if (!upcall_thread_started)
		return;
	pthread_mutex_lock(&upcall_lock);
	upcall_quit = true;
	pthread_cond_signal(&upcall_cond);
	pthread_mutex_unlock(&upcall_lock);
	pthread_join(upcall_thread, NULL);
	upcall_thread_started = false;
}

void upcall_set_stop_deadline(int64_t deadline)
{
	upcall_stop_deadline = (uint64_t)deadline;
}

int64_t upcall_clock(void)
{
	return upcall_now();
}

void upcall_deliver(struct vm *vm, uint64_t host_signals, bool resched)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	struct unik_upcall *u = &bi->upcall;
	u->host_signals |= host_signals;
	if (resched)
		u->resched = 1;
	if (!u->entry && !u->irq_vector)
		return;         /* no upcalls (before the core is ready) */
	struct kvm_regs r;
	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) < 0 || r.rip >= u->user_top)
		return;         /* the core runs: it takes the request at its next check */
	if (u->irq_vector) {
		/* Isolated mode: the core is at CPL0 behind the IDT, so the program is stopped the
		   way hardware would, by an interrupt, when it can take one (KVM without an
		   in-kernel irqchip takes it from here); otherwise the next kick tries again. */
		struct kvm_interrupt irq = { .irq = u->irq_vector };
		if (vm->run->ready_for_interrupt_injection && vm->run->if_flag)
			ioctl(vm->vcpu, KVM_INTERRUPT, &irq);
		return;
	}
	/* An exception KVM is about to deliver (the program's page fault, say) would be taken at
	   the new rip and its frame would overwrite the saved registers: leave the program alone
	   this time; the next kick or system call takes the request. */
	struct kvm_vcpu_events ev;
	if (ioctl(vm->vcpu, KVM_GET_VCPU_EVENTS, &ev) < 0 || ev.exception.injected ||
	    ev.exception.pending || ev.interrupt.injected || ev.nmi.injected)
		return;
	struct unik_regs g = {
		.r15 = r.r15, .r14 = r.r14, .r13 = r.r13, .r12 = r.r12, .r11 = r.r11, .r10 = r.r10,
		.r9 = r.r9, .r8 = r.r8, .rbp = r.rbp, .rdi = r.rdi, .rsi = r.rsi, .rdx = r.rdx,
		.rcx = r.rcx, .rbx = r.rbx, .rax = r.rax, .rip = r.rip, .rflags = r.rflags,
		.rsp = r.rsp,
	};
	/* Where the guest said: a bad address only fails the upcall (guest memory is checked). */
	if (gmem_write(&vm->mem, u->regs_gpa, &g, sizeof(g)))
		return;
	r.rip = u->entry;
	r.rsp = u->regs_gva;
	r.rflags = 0x2 | (r.rflags & 0x200);    /* the program's IF, nothing else */
	ioctl(vm->vcpu, KVM_SET_REGS, &r);
}
