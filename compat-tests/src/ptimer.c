/* ptimer: POSIX timers. A periodic SIGEV_SIGNAL timer with its siginfo (SI_TIMER, si_value),
 * overruns while the signal is blocked, SIGEV_NONE read back with timer_gettime, an absolute
 * CLOCK_REALTIME expiry, SIGEV_THREAD through the C library's helper thread, timer_delete, and
 * the errno cases. */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int thread_calls;
static volatile int thread_value;

static void on_thread(union sigval v)
{
	thread_value = v.sival_int;
	__atomic_add_fetch(&thread_calls, 1, __ATOMIC_SEQ_CST);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 1234;
	timer_t t;
	RESULT("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } };
	RESULT("timer_settime periodic 5 ms", timer_settime(t, 0, &its, NULL));
	int got = 0, code_ok = 1, value_ok = 1;
	for (int i = 0; i < 3; i++) {
		siginfo_t si;
		if (sigwaitinfo(&set, &si) == SIGUSR1) {
			got++;
			code_ok &= si.si_code == SI_TIMER;
			value_ok &= si.si_value.sival_int == 1234;
		}
	}
	printf("periodic: %d signals, SI_TIMER %s, si_value %s\n", got, code_ok ? "yes" : "no",
	       value_ok ? "yes" : "no");
	usleep(30000);                  /* several expirations while the signal is pending */
	siginfo_t si;
	sigwaitinfo(&set, &si);
	printf("overruns counted while pending: %s\n",
	       timer_getoverrun(t) > 0 && si.si_overrun > 0 ? "yes" : "no");
	struct itimerspec off = { { 0, 0 }, { 0, 0 } }, old;
	timer_settime(t, 0, &off, &old);
	printf("old interval %ld ns, old value within a period %s\n", (long)old.it_interval.tv_nsec,
	       old.it_value.tv_nsec > 0 && old.it_value.tv_nsec <= 5000000 ? "yes" : "no");
	RESULT("timer_delete", timer_delete(t));
	RESULT("timer_delete again", timer_delete(t));

	/* SIGEV_NONE: nothing is sent; the time left can be read. */
	ev.sigev_notify = SIGEV_NONE;
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	struct itimerspec one = { { 0, 0 }, { 10, 0 } }, cur;
	timer_settime(t, 0, &one, NULL);
	timer_gettime(t, &cur);
	printf("SIGEV_NONE time left between 9 and 10 s: %s\n",
	       cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && !cur.it_value.tv_nsec) ?
	       "yes" : "no");
	timer_delete(t);

	/* An absolute expiry on the real-time clock. */
	ev.sigev_notify = SIGEV_SIGNAL;
	timer_create(CLOCK_REALTIME, &ev, &t);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct itimerspec abs = { { 0, 0 }, { now.tv_sec, now.tv_nsec } };
	abs.it_value.tv_nsec += 20000000;
	if (abs.it_value.tv_nsec >= 1000000000) {
		abs.it_value.tv_sec++;
		abs.it_value.tv_nsec -= 1000000000;
	}
	timer_settime(t, TIMER_ABSTIME, &abs, NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sigwaitinfo(&set, &si);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long waited = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("absolute real-time expiry after about 20 ms: %s\n",
	       waited >= 10 && waited < 1000 ? "yes" : "no");
	timer_delete(t);

	/* SIGEV_THREAD: the C library runs the function in a thread of its own. */
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_thread;
	ev.sigev_value.sival_int = 77;
	RESULT("timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec soon = { { 0, 0 }, { 0, 10000000 } };
	timer_settime(t, 0, &soon, NULL);
	for (int i = 0; i < 200 && !thread_calls; i++)
		usleep(5000);
	printf("SIGEV_THREAD function ran: %d time(s), value %d\n", thread_calls, thread_value);
	timer_delete(t);

	RESULT("timer_create on a bad clock", timer_create(12345, NULL, &t));
	ev.sigev_notify = 99;
	RESULT("timer_create with a bad notify", timer_create(CLOCK_MONOTONIC, &ev, &t));
	return 0;
}
