/* The developers' sampling profiler (monitor/profile.h). A POSIX timer signals the vCPU thread,
   whose handler ends KVM_RUN; the vCPU loop then reads the registers. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/kvm.h>
#include "monitor/profile.h"
#include "monitor/vm.h"

#define PROFILE_SIGNAL (SIGRTMIN + 2)
#define PROFILE_SLOTS 65536     /* open-addressed table of distinct addresses */

struct profile_slot {
	uint64_t rip;
	uint32_t cpl, count;
};

static struct profile_slot *profile_table;
static const char *profile_path;
static timer_t profile_timer;
static volatile sig_atomic_t profile_due;
static struct kvm_run *profile_run;
static uint64_t profile_lost;

static void profile_on_signal(int sig)
{
	(void)sig;
	profile_due = 1;
	if (profile_run)
		profile_run->immediate_exit = 1;
}

void profile_start(struct vm *vm)
{
	profile_path = getenv("UNIK_PROFILE");
	if (!profile_path || !*profile_path)
		return;
	const char *us = getenv("UNIK_PROFILE_US");
	long period = us ? atol(us) : 500;
	if (period < 50)
		period = 50;
	profile_table = calloc(PROFILE_SLOTS, sizeof(*profile_table));
	profile_run = vm->run;
	if (!profile_table)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = profile_on_signal;      /* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(PROFILE_SIGNAL, &sa, NULL);
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = PROFILE_SIGNAL;
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &ev, &profile_timer) != 0) {
		free(profile_table);
		profile_table = NULL;
		return;
	}
	struct itimerspec it = { { 0, period * 1000 }, { 0, period * 1000 } };
	timer_settime(profile_timer, 0, &it, NULL);
}

void profile_sample(struct vm *vm)
{
	if (!profile_table)
		return;
	if (!profile_due)
		return;
	profile_due = 0;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) != 0 || ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) != 0)
		return;
	uint32_t cpl = sregs.cs.selector & 3;
	uint64_t h = (regs.rip * 0x9e3779b97f4a7c15ull) >> 48;
	for (unsigned i = 0; i < PROFILE_SLOTS; i++) {
		struct profile_slot *s = &profile_table[(h + i) % PROFILE_SLOTS];
		if (s->count && (s->rip != regs.rip || s->cpl != cpl))
			continue;
		s->rip = regs.rip;
		s->cpl = cpl;
		s->count++;
		return;
	}
	profile_lost++;
}

void profile_stop(void)
{
	if (!profile_table)
		return;
	timer_delete(profile_timer);
	profile_run = NULL;
	FILE *f = fopen(profile_path, "w");
	if (f) {
		for (unsigned i = 0; i < PROFILE_SLOTS; i++)
			if (profile_table[i].count)
				fprintf(f, "%llx %u %u\n", (unsigned long long)profile_table[i].rip,
					profile_table[i].cpl, profile_table[i].count);
		if (profile_lost)       /* more distinct addresses than slots */
			fprintf(f, "lost - %llu\n", (unsigned long long)profile_lost);
		fclose(f);
	}
	free(profile_table);
	profile_table = NULL;
}
