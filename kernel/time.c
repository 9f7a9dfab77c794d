/* TSC clock: ns = (tsc - boot_tsc) * mult >> 32, mult derived from the TSC frequency at boot. */
#include "k/kernel.h"
#include "k/time.h"
#include "k/sched.h"
#include "vfs/file.h"

static uint64_t time_mult;      /* ns per tick, 32.32 fixed point */
static uint64_t time_boot_tsc;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void time_init(void)
{
	uint64_t hz = boot_info->tsc_hz ? boot_info->tsc_hz : 1000000000ull;
	time_mult = (uint64_t)(((unsigned __int128)1000000000ull << 32) / hz);
	time_boot_tsc = boot_info->boot_tsc;
}

uint64_t time_monotonic_ns(void)
{
	uint64_t d = rdtsc() - time_boot_tsc;
	return (uint64_t)(((unsigned __int128)d * time_mult) >> 32);
}

uint64_t time_tsc(void)
{
	return rdtsc();
}

uint64_t time_tsc_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * time_mult) >> 32);
}

static int64_t time_realtime_offset;    /* what clock_settime changed */
uint64_t time_realtime_generation;

int64_t time_realtime_ns(void)
{
	return boot_info->boot_realtime_ns + time_realtime_offset + (int64_t)time_monotonic_ns();
}

void time_set_realtime(int64_t ns)
{
	int64_t delta = ns - time_realtime_ns();
	time_realtime_offset += delta;
	time_realtime_generation++;
	/* A wait until a wall-clock time keeps its deadline as monotonic ns: move it. */
	SCHED_FOR_EACH(t)
		if (t->state == TASK_BLOCKED && t->wait_rt_abs && t->wait_deadline >= 0) {
			t->wait_deadline -= delta;
			if (t->wait_deadline < 0)
				t->wait_deadline = 0;
		}
	ptimer_clock_was_set(delta);
	file_changed();
	sched_publish_due();
}
