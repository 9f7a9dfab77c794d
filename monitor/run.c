/* The vCPU loop: it only decodes KVM exits; hypercalls go to the handler table. Host signals go
   to the program (monitor/upcall.c); a second SIGINT, or the stop timeout after SIGTERM, stops
   the guest from outside (exit 130, 137). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include "monitor/vm.h"
#include "monitor/upcall.h"
#include "monitor/profile.h"

/* Host signals for the program (bit N-1 for signal N), SIGINTs received, watchdog kicks. */
static volatile uint64_t run_host_signals;
static volatile sig_atomic_t run_sigints, run_kicked;
static struct kvm_run *run_active;

static void run_on_signal(int sig)
{
	if (sig == UPCALL_KICK_SIGNAL) {
		run_kicked = 1;
	} else {
		__atomic_or_fetch(&run_host_signals, 1ull << (sig - 1), __ATOMIC_SEQ_CST);
		if (sig == SIGINT)
			run_sigints++;
	}
	if (run_active)
		run_active->immediate_exit = 1;
}

/* Signals `unik run` passes on to the program, as docker's signal proxy does (SIGWINCH too with
   -t, after the new size is in the boot info). */
static const int run_forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static void run_install_signals(const struct vm_config *cfg)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_on_signal;  /* no SA_RESTART: KVM_RUN returns EINTR */
	for (size_t i = 0; i < sizeof(run_forwarded) / sizeof(run_forwarded[0]); i++)
		if (run_forwarded[i] != SIGWINCH || cfg->tty)
			sigaction(run_forwarded[i], &sa, NULL);
	sigaction(UPCALL_KICK_SIGNAL, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);       /* a closed stdout is -EPIPE for the guest */
}

bool vm_host_signal_pending(void)
{
	return run_host_signals != 0;
}

static int64_t run_now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Pairs the guest TSC with host wall time so the guest's clocks need no exit. */
static void run_stamp_clock(struct vm *vm)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = 0x10;       /* IA32_TSC */
	bi->boot_realtime_ns = run_now_ns(CLOCK_REALTIME);
	if (ioctl(vm->vcpu, KVM_GET_MSRS, &m) == 1)
		bi->boot_tsc = m.e.data;
	bi->tsc_hz = vm->tsc_khz * 1000;
}

static int run_io_exit(struct vm *vm)
{
	struct kvm_run *r = vm->run;
	uint16_t port = r->io.port;
	if (r->io.direction != KVM_EXIT_IO_OUT || r->io.size != 4 || r->io.count != 1 ||
	    port < UNIK_HC_PORT_BASE || port >= UNIK_HC_PORT_BASE + UNIK_HC_MAX) {
		fprintf(stderr, "unik: guest error: unexpected port I/O (port 0x%x, %s, size %u)\n",
			port, r->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", r->io.size);
		return 125;
	}
	uint32_t arg;
	memcpy(&arg, (uint8_t *)r + r->io.data_offset, sizeof(arg));
	enum hc_result res = hc_dispatch(&vm->hc, port - UNIK_HC_PORT_BASE, arg);
	if (res == HC_STOP)
		return vm->hc.exit_status;
	if (res == HC_BAD) {
		fprintf(stderr, "unik: guest error: malformed hypercall %u (argument 0x%x)\n",
			port - UNIK_HC_PORT_BASE, arg);
		return 125;
	}
	return -1;
}

/* One exit; returns -1 to keep running or the final status. */
static int run_exit(struct vm *vm)
{
	struct kvm_run *r = vm->run;
	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		vm->exits.io++;
		return run_io_exit(vm);
	case KVM_EXIT_HLT:
		vm->exits.hlt++;
		fprintf(stderr, "unik: guest kernel halted with nothing to wake it\n");
		return 125;
	case KVM_EXIT_MMIO:
		vm->exits.mmio++;
		fprintf(stderr, "unik: guest error: access to unbacked address 0x%llx\n",
			(unsigned long long)r->mmio.phys_addr);
		return 125;
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "unik: guest kernel crashed (triple fault)\n");
		return 125;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "unik: KVM refused to enter the guest (reason 0x%llx)\n",
			(unsigned long long)r->fail_entry.hardware_entry_failure_reason);
		return 125;
	case KVM_EXIT_INTERNAL_ERROR: {
		struct kvm_regs regs;
		memset(&regs, 0, sizeof(regs));
		ioctl(vm->vcpu, KVM_GET_REGS, &regs);
		fprintf(stderr, "unik: KVM internal error (suberror %u) at guest ip 0x%llx\n",
			r->internal.suberror, (unsigned long long)regs.rip);
		return 125;
	}
	default:
		vm->exits.other++;
		fprintf(stderr, "unik: unexpected KVM exit %u\n", r->exit_reason);
		return 125;
	}
}

static double run_tsc_ms(const struct vm *vm, uint64_t ticks)
{
	return vm->tsc_khz ? (double)ticks / (double)vm->tsc_khz : 0;
}

static void run_print_stats(struct vm *vm, const struct vm_config *cfg, int64_t ns)
{
	const struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	const struct unik_stats *s = &bi->stats;
	const struct vm_exits *e = &vm->exits;
	uint64_t file = 0;
	for (unsigned nr = UNIK_HC_FS_LOOKUP; nr <= UNIK_HC_FS_STATFS; nr++)
		file += vm->hc.calls[nr];
	for (unsigned nr = UNIK_HC_FS_GETXATTR; nr <= UNIK_HC_FS_SYNC_RANGE; nr++)
		file += vm->hc.calls[nr];
	fprintf(stderr,
		"unik stats: mode %s, wall %.3f ms\n"
		"  VM exits: %llu (port I/O %llu: write %llu, read %llu, clock %llu, file %llu, net %llu, "
		"memory %llu, exit %llu; "
		"hlt %llu, mmio %llu, signal %llu, other %llu)\n"
		"  CPL0 entries: %llu (syscall traps %llu, page faults %llu, other faults %llu, "
		"interrupts %llu, services %llu)\n"
		"  direct system calls %llu, call sites rewritten %llu, user pages mapped %llu\n"
		"  guest boot: first instruction %.3f ms after KVM_RUN, program started %.3f ms later\n",
		cfg->mode == UNIK_MODE_FAST ? "fast" : "isolated", ns / 1e6,
		(unsigned long long)(e->io + e->hlt + e->mmio + e->intr + e->other),
		(unsigned long long)e->io, (unsigned long long)vm->hc.calls[UNIK_HC_WRITE],
		(unsigned long long)vm->hc.calls[UNIK_HC_READ],
		(unsigned long long)vm->hc.calls[UNIK_HC_CLOCK], (unsigned long long)file,
		(unsigned long long)(vm->hc.calls[UNIK_HC_NET_SETUP] + vm->hc.calls[UNIK_HC_NET_KICK] +
				     vm->hc.calls[UNIK_HC_NET_PUBLISH]),
		(unsigned long long)vm->hc.calls[UNIK_HC_MEM_AHEAD],
		(unsigned long long)vm->hc.calls[UNIK_HC_EXIT], (unsigned long long)e->hlt,
		(unsigned long long)e->mmio, (unsigned long long)e->intr,
		(unsigned long long)e->other,
		(unsigned long long)(s->syscall_traps + s->page_faults + s->other_faults +
				     s->interrupts + s->cpl0_services),
		(unsigned long long)s->syscall_traps, (unsigned long long)s->page_faults,
		(unsigned long long)s->other_faults, (unsigned long long)s->interrupts,
		(unsigned long long)s->cpl0_services, (unsigned long long)s->syscall_direct,
		(unsigned long long)s->sites_rewritten, (unsigned long long)s->pages_mapped,
		run_tsc_ms(vm, s->tsc_kmain ? s->tsc_kmain - bi->boot_tsc : 0),
		run_tsc_ms(vm, s->tsc_user ? s->tsc_user - s->tsc_kmain : 0));
}

/* When the VM ends without the guest's own exit (a host signal, a crash), writes out the
   console output the guest had batched, as the guest would have. */
static void run_flush_guest_console(struct vm *vm)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	uint64_t len = bi->console_len;
	uint32_t fd = bi->console_fd;
	const void *buf = len <= (1u << 20) ? gmem_ptr(&vm->mem, bi->console_buf, len) : NULL;
	if (!buf || (fd != 1 && fd != 2))
		return;
	int host = fd == 1 ? vm->hc.fd_out : vm->hc.fd_err;
	for (uint64_t done = 0; done < len;) {
		ssize_t n = write(host, (const char *)buf + done, len - done);
		if (n <= 0)
			break;
		done += (uint64_t)n;
	}
}

/* Passes what arrived since the last exit to the guest. Returns -1 to go on, or the status
   when the program must be stopped from outside: a second SIGINT (the first goes to the
   program, which may ignore it), or the stop timeout after SIGTERM (docker's SIGKILL). */
/* The terminal's new size, for TIOCGWINSZ after SIGWINCH. */
static void run_winsize(struct vm *vm)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	struct winsize ws;
	for (int fd = 0; fd < 3; fd++)
		if (bi->tty[fd].is_tty && ioctl(fd, TIOCGWINSZ, &ws) == 0) {
			bi->tty[fd].ws_row = ws.ws_row;
			bi->tty[fd].ws_col = ws.ws_col;
			bi->tty[fd].ws_xpixel = ws.ws_xpixel;
			bi->tty[fd].ws_ypixel = ws.ws_ypixel;
		}
}

static int run_signals(struct vm *vm, const struct vm_config *cfg, int64_t *term_deadline)
{
	/* With -t, Ctrl-C is the program's (an interactive shell takes many). */
	if (run_sigints >= 2 && !cfg->tty)
		return 128 + SIGINT;
	if (*term_deadline && upcall_clock() >= *term_deadline)
		return 128 + SIGKILL;
	uint64_t sigs = __atomic_exchange_n(&run_host_signals, 0, __ATOMIC_SEQ_CST);
	bool kick = run_kicked;
	run_kicked = 0;
	if (!sigs && !kick)
		return -1;
	if (sigs & (1ull << (SIGTERM - 1))) {
		/* SIGTERM becomes the stop signal (--stop-signal, the image's StopSignal). */
		sigs &= ~(1ull << (SIGTERM - 1));
		sigs |= 1ull << (cfg->stop_signal - 1);
		if (!*term_deadline && cfg->stop_timeout >= 0) {
			*term_deadline = upcall_clock() + cfg->stop_timeout * 1000000000ll;
			upcall_set_stop_deadline(*term_deadline);
		}
	}
	if (sigs & (1ull << (SIGKILL - 1)))
		return 128 + SIGKILL;   /* a stop signal of SIGKILL */
	if (sigs & (1ull << (SIGWINCH - 1)))
		run_winsize(vm);
	if (kick)
		hc_file_notify_pump(&vm->hc);   /* host changes the watchdog saw (boot info fs_events) */
	upcall_deliver(vm, sigs, kick);
	return -1;
}

int vm_run(struct vm *vm, const struct vm_config *cfg)
{
	run_install_signals(cfg);
	/* The program may change the terminal's modes (-t): they come back when the VM ends. */
	struct termios saved_tty;
	bool restore_tty = vm->hc.tty_fd >= 0 && tcgetattr(vm->hc.tty_fd, &saved_tty) == 0;
	run_active = vm->run;
	run_stamp_clock(vm);
	int64_t t0 = run_now_ns(CLOCK_MONOTONIC), term_deadline = 0;
	upcall_start(vm, t0);
	profile_start(vm);
	int status = -1;
	while (status < 0) {
		status = run_signals(vm, cfg, &term_deadline);
		if (status >= 0)
			break;
		if (net_failed(vm->hc.net)) {
			status = 125;   /* the guest broke its NIC rings (the net thread said how) */
			break;
		}
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vm->exits.intr++;
				profile_sample(vm);
				vm->run->immediate_exit = 0;
				continue;
			}
			fprintf(stderr, "unik: KVM_RUN: %s\n", strerror(errno));
			status = 125;
			break;
		}
		status = run_exit(vm);
	}
	run_active = NULL;
	profile_stop();
	upcall_stop();
	if (restore_tty)
		tcsetattr(vm->hc.tty_fd, TCSADRAIN, &saved_tty);
	if (!vm->hc.exited)
		run_flush_guest_console(vm);
	if (cfg->stats)
		run_print_stats(vm, cfg, run_now_ns(CLOCK_MONOTONIC) - t0);
	return status;
}
