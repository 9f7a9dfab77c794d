/* Load averages (/proc/loadavg, sysinfo): Linux's calc_load over the runnable tasks, one sample
   every 5 seconds with the same fixed-point decay (1, 5 and 15 minutes). unik takes its samples
   when an average is asked for rather than from a timer (a timer would wake an idle guest): the
   periods since the last ask each count the tasks runnable at the ask. */
#include "k/kernel.h"
#include "k/loadavg.h"
#include "k/sched.h"
#include "k/time.h"

#define FSHIFT 11
#define FIXED_1 (1ull << FSHIFT)
#define LOAD_FREQ_NS 5000000000ll
#define LOAD_MAX_PERIODS 2048           /* beyond, every average has reached the count */

static const uint64_t load_exp[3] = { 1884, 2014, 2037 };      /* 1/exp(5s/1min), 5, 15 */
static uint64_t avenrun[3];
static int64_t load_next;                                       /* next sample, monotonic ns */

static uint64_t calc_load(uint64_t load, uint64_t exp, uint64_t active)
{
	uint64_t l = load * exp + active * (FIXED_1 - exp);
	if (active >= load)
		l += FIXED_1 - 1;
	return l / FIXED_1;
}

int loadavg_runnable(void)
{
	int n = 0;
	SCHED_FOR_EACH(t)
		n += t->state == TASK_RUNNABLE;
	return n;
}

void loadavg_get(uint64_t out[3])
{
	int64_t now = (int64_t)time_monotonic_ns();
	if (!load_next)
		load_next = LOAD_FREQ_NS;
	if (now >= load_next) {
		uint64_t active = (uint64_t)loadavg_runnable() * FIXED_1;
		int64_t periods = (now - load_next) / LOAD_FREQ_NS + 1;
		for (int64_t k = 0; k < MIN(periods, (int64_t)LOAD_MAX_PERIODS); k++)
			for (int i = 0; i < 3; i++)
				avenrun[i] = calc_load(avenrun[i], load_exp[i], active);
		if (periods > LOAD_MAX_PERIODS)
			for (int i = 0; i < 3; i++)
				avenrun[i] = active;
		load_next += periods * LOAD_FREQ_NS;
	}
	for (int i = 0; i < 3; i++)
		out[i] = avenrun[i];
}
